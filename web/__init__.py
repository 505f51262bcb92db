"""docsift's read side over HTTP: the same SearchService as the CLI, rendered as HTML and JSON."""

from web.app import create_app
from web.context import get_service

__all__ = ["create_app", "get_service"]

"""The SearchService of the app answering a request, for the blueprints (their only way to it:
the app factory imports them, so they cannot import the factory)."""

from __future__ import annotations

from flask import current_app

from search.service import SearchService


def get_service() -> SearchService:
    """The SearchService of the app handling the current request."""
    service: SearchService = current_app.extensions["docsift"]
    return service

"""docsift's core: document model, the Whoosh index, queries and the one search service."""

from search.documents import Document, make_doc_id
from search.errors import (
    DocsiftError,
    DocumentNotFound,
    IndexMissing,
    IndexUnavailable,
    QueryError,
)
from search.query import SearchRequest, parse_request
from search.results import Facet, FacetValue, Hit, SearchResponse
from search.service import SearchService
from search.settings import Settings, load_settings

__all__ = [
    "DocsiftError",
    "Document",
    "DocumentNotFound",
    "Facet",
    "FacetValue",
    "Hit",
    "IndexMissing",
    "IndexUnavailable",
    "QueryError",
    "SearchRequest",
    "SearchResponse",
    "SearchService",
    "Settings",
    "load_settings",
    "make_doc_id",
    "parse_request",
]

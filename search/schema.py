"""THE Whoosh schema and its version; field names are used elsewhere through the constants."""

from __future__ import annotations

from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema

from search.analysis import NewsAnalyzer
from search.parameters import ENTITY_FACETS, FACETS

# 4: the language field (facet); 5: no stop words, one-letter words kept; 6: file type and
# origin (source facets)
SCHEMA_VERSION = 6
SEARCH_FIELDS = ("title", "body")
# facet name -> Whoosh field
# each facet (search.parameters) is a field of its own name: a file type is shown as "PDF", "Web
# page", "E-mail" (search.documents.CONTENT_TYPE_LABELS); an origin is the site of a URL or the
# folder of a file (search.documents)
FACET_FIELDS = {facet: facet for facet in FACETS}
# dates mentioned in the text, ISO at their precision ("2024-03-14", "2024-03", "2024", "1990s")
MENTIONED_FIELD = "mentioned"


def build_schema() -> Schema:
    """Title boosted over body; entity fields are exact comma-separated keywords for facets."""
    stem = NewsAnalyzer()
    return Schema(
        doc_id=ID(stored=True, unique=True),
        url=ID(stored=True),
        source=ID(stored=True),
        title=TEXT(stored=True, field_boost=2.0, analyzer=stem),
        body=TEXT(stored=True, analyzer=stem),
        author=TEXT(stored=True),
        **{label: KEYWORD(stored=True, commas=True, lowercase=False) for label in ENTITY_FACETS},
        language=ID(stored=True),
        filetype=ID(stored=False),
        origin=ID(stored=False),
        year=KEYWORD(stored=True),
        month=ID(stored=False),
        day=ID(stored=True),
        mentioned=KEYWORD(commas=True),
        date=DATETIME(stored=True, sortable=True),
        meta=STORED(),
    )

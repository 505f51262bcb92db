"""THE Whoosh schema and its version; field names are used elsewhere through the constants."""

from __future__ import annotations

from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema

from search.analysis import NewsAnalyzer

SCHEMA_VERSION = 5  # 4: the language field (facet); 5: no stop words, one-letter words kept
SEARCH_FIELDS = ("title", "body")
# facet name -> Whoosh field
FACET_FIELDS = {"person": "person", "org": "org", "place": "place", "language": "language"}
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
        person=KEYWORD(stored=True, commas=True, lowercase=False),
        org=KEYWORD(stored=True, commas=True, lowercase=False),
        place=KEYWORD(stored=True, commas=True, lowercase=False),
        language=ID(stored=True),
        year=KEYWORD(stored=True),
        month=ID(stored=False),
        day=ID(stored=True),
        mentioned=KEYWORD(commas=True),
        date=DATETIME(stored=True, sortable=True),
        meta=STORED(),
    )

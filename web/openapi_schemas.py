"""The response schemas of the OpenAPI document (web/openapi.py): the JSON each /api/
route answers with, as the result objects' to_dict methods write it. Closed objects
(additionalProperties false), so tests/test_web_fuzz.py catches any field added to an
answer and not described here.
"""

from __future__ import annotations

from typing import Any

from search.documents import MENTION_LABELS
from search.facets import GRANULARITIES, PRECISIONS
from search.parameters import (
    ENTITY_FACETS,
    FACETS,
    HISTOGRAMS,
    MAX_PAGE,
    SORTS,
    VERSIONS,
)
from search.stories import CHANGE_FLAGS

ERROR_CODES = (
    "bad_request",
    "unauthorized",
    "not_found",
    "method_not_allowed",
    "internal",
    "index_unavailable",
    "busy",
    "search_timeout",
    "bad_host",
    "uri_too_long",
    "headers_too_large",
)


# histogram buckets: a year, a month or a day
BUCKET = r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"
SEARCH_URL = r"^/api/search(\?.*)?$"


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _strings() -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string"}}


def _object(properties: dict[str, Any], *, optional: tuple[str, ...] = ()) -> dict[str, Any]:
    """A closed object: every property listed, all required unless named optional."""
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
    }


def response_schemas() -> dict[str, Any]:
    # a publication date at its precision: a day, or a month or a year when no more is known
    day = {
        "type": "string",
        "pattern": BUCKET,
        "description": "YYYY-MM-DD, or YYYY-MM / YYYY when the page gives only the month or year",
    }
    facet_value_list = {"type": "array", "items": ref("FacetValue")}
    schemas = _base_schemas(day, facet_value_list)
    sentence = _object(
        {
            "text": {"type": "string", "description": "plain text: escape it to show it"},
            "marks": {
                "type": "array",
                "description": "each mention of the entity in `text` (any spelling)",
                "items": _object(
                    {
                        "start": {"type": "integer", "minimum": 0},
                        "end": {"type": "integer", "minimum": 1},
                        "text": {"type": "string"},
                    }
                ),
            },
        }
    )
    schemas["EntityDocument"] = _object(
        {
            **schemas["Hit"]["properties"],
            "sentences": {
                "type": "array",
                "items": sentence,
                "description": "the document's sentences naming the entity, in text order",
            },
        }
    )
    return schemas


def _base_schemas(day: dict[str, Any], facet_value_list: dict[str, Any]) -> dict[str, Any]:
    return {
        "Error": _object(
            {
                "error": _object(
                    {
                        "code": {"type": "string", "enum": list(ERROR_CODES)},
                        "message": {"type": "string", "minLength": 1},
                        "param": {
                            "type": ["string", "null"],
                            "description": "the parameter to fix, when one is to blame",
                        },
                    }
                )
            }
        ),
        "FacetValue": _object(
            {
                "value": {"type": "string"},
                "count": {"type": "integer", "minimum": 0},
                "selected": {"type": "boolean"},
                "toggle_url": {
                    "type": "string",
                    "pattern": SEARCH_URL,
                    "description": "the same search with this value added or removed",
                },
            }
        ),
        "Hit": _object(
            {
                "id": {"type": "string"},
                "title": {"type": "string", "description": "plain text: escape it to show it"},
                "url": {"type": "string", "description": "as ingested; may be any scheme"},
                "source": {"type": "string"},
                "date": _nullable(day),
                "snippet": {
                    "type": "string",
                    "description": "HTML-escaped text with <mark> around matches",
                },
                "score": {
                    "type": ["number", "null"],
                    "description": "relevance; null when sorted by date or browsing",
                },
                "people": _strings(),
                "orgs": _strings(),
                "places": _strings(),
                "story_id": {"type": "string"},
                "versions": {"type": "integer", "minimum": 1},
                "version_ids": {**_strings(), "minItems": 1},
                "language": {
                    "type": ["string", "null"],
                    "description": "ISO 639-1 code detected from the text; null for documents "
                    "indexed before languages were detected",
                },
                "page": {
                    "type": ["integer", "null"],
                    "minimum": 1,
                    "description": "the page of a PDF or scan the snippet's first match is on "
                    "(null for documents without pages)",
                },
            }
        ),
        "Query": _object(
            {
                "q": {"type": "string"},
                "filters": {
                    "type": "object",
                    "properties": {
                        **{facet: {**_strings(), "minItems": 1} for facet in FACETS},
                        "changes": {
                            "type": "array",
                            "items": {"type": "string", "enum": list(CHANGE_FLAGS)},
                            "minItems": 1,
                        },
                    },
                    "additionalProperties": False,
                },
                **{name: _nullable(day) for bounds in HISTOGRAMS.values() for name in bounds},
                "sort": {"type": "string", "enum": list(SORTS)},
                "versions": {"type": "string", "enum": list(VERSIONS)},
                "exact": {"type": "boolean"},
            }
        ),
        "SearchResponse": _object(
            {
                "query": ref("Query"),
                "total": {"type": "integer", "minimum": 0, "description": "matching documents"},
                "stories": {"type": "integer", "minimum": 0, "description": "distinct stories"},
                "page": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
                "per_page": {"type": "integer", "minimum": 1},
                "pages": {"type": "integer", "minimum": 1},
                "took_ms": {"type": "number", "minimum": 0},
                "also_searching": {
                    **_strings(),
                    "description": "other spellings of names in q searched too (none if exact)",
                },
                "suggestion": {
                    **_nullable({"type": "string"}),
                    "description": "q with unknown or rare words corrected (Did you mean)",
                },
                "corrected_from": {
                    **_nullable({"type": "string"}),
                    "description": "q as typed, when it found nothing and the hits are those "
                    "of the suggestion (query.q)",
                },
                "hits": {"type": "array", "items": ref("Hit")},
                "facets": _object({name: facet_value_list for name in (*FACETS, *HISTOGRAMS)}),
                "histograms": _object(
                    {name: {"type": "string", "enum": list(GRANULARITIES)} for name in HISTOGRAMS}
                ),
            }
        ),
        "Mention": _object(
            {
                "label": {"type": "string", "enum": list(MENTION_LABELS)},
                "text": {"type": "string"},
                "start": {"type": "integer", "minimum": 0},
                "end": {"type": "integer", "minimum": 0},
                "field": {"type": "string", "enum": ["title", "body"]},
                "value": {"type": "string"},
                "precision": {"type": "string", "enum": ["", *PRECISIONS]},
            }
        ),
        "StoryLink": _object(
            {
                "id": {"type": "string"},
                "title": {"type": "string"},
                "date": _nullable(day),
                "reason": {"type": "string"},
            }
        ),
        "Document": _object(
            {
                "id": {"type": "string"},
                "title": {"type": "string"},
                "url": {"type": "string"},
                "source": {"type": "string"},
                "author": {"type": "string"},
                "date": _nullable(day),
                "date_precision": {
                    "type": ["string", "null"],
                    "enum": ["day", "month", "year", None],
                },
                "date_source": {"type": ["string", "null"]},
                "people": _strings(),
                "orgs": _strings(),
                "places": _strings(),
                "encoding": {"type": "string"},
                "decode_method": {"type": "string"},
                "extract_method": {
                    "type": "string",
                    "description": "the extractor whose reading of an HTML page was kept "
                    "(trafilatura, readability, trafilatura-recall, justext, boilerpy3, "
                    "beautifulsoup); empty for other formats",
                },
                "content_type": {"type": "string"},
                "ingested_at": {"type": ["string", "null"], "description": "ISO 8601"},
                "language": {
                    "type": ["string", "null"],
                    "description": "ISO 639-1 code (null: stored before languages were detected)",
                },
                "language_source": {
                    "type": ["string", "null"],
                    "description": "how the language was decided: `text` (detected; "
                    "`text (page declared xx)` when the page said otherwise), `declared` (too "
                    "little text; the page's declared language) or `assumed` (neither: English)",
                },
                "entities": {
                    "type": "string",
                    "description": "`analysed`, or `not analysed (language xx)`: the entity "
                    "model reads English only, so a document in another language has no people, "
                    "organisations, places or mentioned dates",
                },
                "text": {"type": "string", "description": "the cleaned body, plain text"},
                "mentions": {"type": "array", "items": ref("Mention")},
                "story_id": {"type": "string"},
                "versions": {"type": "array", "items": ref("StoryLink")},
                "related": {"type": "array", "items": ref("StoryLink")},
                "pages": {
                    "type": ["integer", "null"],
                    "description": "pages of a PDF, scan or office document (null: not paged)",
                },
                "page_starts": {
                    "type": "array",
                    "items": {"type": "integer", "minimum": 0},
                    "description": "offset in `text` where each page read begins",
                },
                "parent_id": {
                    "type": ["string", "null"],
                    "description": "the message this document is attached to",
                },
                "attachments": {
                    "type": "array",
                    "items": _object(
                        {
                            "name": {"type": "string"},
                            "id": {"type": "string", "description": "empty when not ingested"},
                            "problem": {"type": "string", "description": "why not ingested"},
                        }
                    ),
                },
                "correspondents": {
                    "type": "array",
                    "description": "an e-mail's From, To, Cc and Bcc: a person's name (empty "
                    "when the header gives only an address) and the address, kept apart",
                    "items": _object(
                        {
                            "role": {"type": "string", "enum": ["from", "to", "cc", "bcc"]},
                            "name": {"type": "string"},
                            "address": {"type": "string"},
                        }
                    ),
                },
                "notes": {
                    **_strings(),
                    "description": "what was not read and why (pages over the limit, no OCR)",
                },
            }
        ),
        "Histogram": _object(
            {
                "granularity": {"type": "string", "enum": list(GRANULARITIES)},
                "buckets": facet_value_list,
            }
        ),
        "Entity": _object(
            {
                "label": {"type": "string", "enum": list(ENTITY_FACETS)},
                "name": {"type": "string"},
                "also_written_as": _strings(),
                "total": {"type": "integer", "minimum": 1},
                "stories": {"type": "integer", "minimum": 1, "description": "distinct stories"},
                "sorted_by_date": {
                    "type": "boolean",
                    "description": "documents are newest first; false when none has a date",
                },
                "documents": {"type": "array", "items": ref("EntityDocument")},
                "co_mentions": _object({facet: facet_value_list for facet in ENTITY_FACETS}),
                "timeline": ref("Histogram"),
                "mentioned_dates": ref("Histogram"),
            }
        ),
        "FacetValues": _object(
            {
                "facet": {"type": "string", "enum": list(FACETS)},
                "total_values": {"type": "integer", "minimum": 0},
                "offset": {"type": "integer", "minimum": 0},
                "values": facet_value_list,
            }
        ),
        "Health": _object(
            {
                "status": {"type": "string", "enum": ["ok"]},
                "documents": {"type": "integer", "minimum": 0},
                "ready": {"type": "boolean"},
                "generation": {
                    "type": ["string", "null"],
                    "description": "the index generation answering (index-N); null before "
                    "the first ingest and for an engine without generations",
                },
                "commit": {
                    "type": ["integer", "null"],
                    "description": "the commit within that generation (every ingest adds one)",
                },
            }
        ),
    }

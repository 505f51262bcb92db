"""The OpenAPI 3.1 description of the JSON API, served at /api/openapi.json.

The request parameters are generated from the table the parsers read (search/parameters.py:
each parameter's type, bounds, choices and description, with this deployment's Settings), so
the document says what the server actually enforces. The response schemas are written here,
beside the views they describe. Kept honest by tests: every /api/ route must be described
here, the document must validate, and tests/test_web_fuzz.py sends generated requests from
these parameter schemas to the real app and checks every answer against these response schemas.

What a schema cannot say is written in the parameter's description: a query's syntax (balanced
quotes and parentheses, known fields), that a date must exist in the calendar, and that a range's
start must not be after its end. Those give a 400 naming the parameter.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from search.compare import LABELS
from search.documents import MENTION_LABELS
from search.export import CELL_CHARS, JOIN
from search.facets import GRANULARITIES, PRECISIONS
from search.parameters import (
    COMPARE_PARAMETERS,
    ENTITY_FACETS,
    FACETS,
    HISTOGRAMS,
    MAX_FILTER_CHARS,
    MAX_PAGE,
    SEARCH_PARAMETERS,
    SORTS,
    VERSIONS,
    Parameter,
    parameter,
)
from search.query import QUERY_FIELDS
from search.settings import Settings
from search.stories import CHANGE_FLAGS

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1"
JSON = "application/json"
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
# a date parameter: YYYY, YYYY-MM or YYYY-MM-DD (surrounding spaces are ignored)
DATE_PARAM_PATTERN = r"^\s*[0-9]{4}(-[0-9]{1,2}(-[0-9]{1,2})?)?\s*$"
NO_NUL = r"^[^\u0000]*$"
# histogram buckets: a year, a month or a day
BUCKET = r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"
SEARCH_URL = r"^/api/search(\?.*)?$"
ERROR_TEXTS = {
    400: "A bad parameter; `error.param` names it",
    401: "DOCSIFT_TOKEN is set and the request has no valid `Authorization: Bearer` token "
    "(or session cookie)",
    404: "Nothing has that id or name",
    500: "An unexpected failure (logged; no details are given)",
    503: "No index yet (`index_unavailable`: run `docsift ingest`), too many expensive searches "
    "at once (`busy`, with Retry-After) or a search past its time limit (`search_timeout`)",
}


def _ref(name: str) -> dict[str, str]:
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


def _schemas() -> dict[str, Any]:
    # a publication date at its precision: a day, or a month or a year when no more is known
    day = {
        "type": "string",
        "pattern": BUCKET,
        "description": "YYYY-MM-DD, or YYYY-MM / YYYY when the page gives only the month or year",
    }
    facet_value_list = {"type": "array", "items": _ref("FacetValue")}
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
                "query": _ref("Query"),
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
                "hits": {"type": "array", "items": _ref("Hit")},
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
                "mentions": {"type": "array", "items": _ref("Mention")},
                "story_id": {"type": "string"},
                "versions": {"type": "array", "items": _ref("StoryLink")},
                "related": {"type": "array", "items": _ref("StoryLink")},
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
                "documents": {"type": "array", "items": _ref("EntityDocument")},
                "co_mentions": _object({facet: facet_value_list for facet in ENTITY_FACETS}),
                "timeline": _ref("Histogram"),
                "mentioned_dates": _ref("Histogram"),
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
        **_comparison_schemas(),
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


def _comparison_schemas() -> dict[str, Any]:
    """What /api/compare returns: search.compare.Comparison.to_dict()."""
    index = {"type": "integer", "minimum": 0}
    quote = {
        "text": {"type": "string"},
        "speaker": {
            "type": ["string", "null"],
            "description": "a shown name, or the words before the speech verb",
        },
        "speaker_label": {"type": ["string", "null"], "enum": ["person", "org", None]},
        "attribution": {
            "type": ["string", "null"],
            "enum": [
                "named",
                "phrase",
                "pronoun",
                "pronoun_far",
                "continued",
                "next_paragraph",
                None,
            ],
            "description": "how the speaker was found: named beside the quote, the phrase "
            "before the speech verb, he/she (in the paragraph or further back), or carried "
            "over from the quote before",
        },
        "sentence": {**index, "description": "the sentence the quote opens in"},
        "start": index,
        "end": index,
    }
    counts = (
        "people_added people_dropped orgs_added orgs_dropped places_added places_dropped "
        "quotes_added quotes_dropped quotes_reworded speakers_changed unsupported_quotes "
        "numbers_changed sentences_aligned sentences_only_a sentences_only_b"
    ).split()
    return {
        "CompareVersion": _object(
            {
                "id": {"type": "string"},
                "title": {"type": "string"},
                "date": _nullable({"type": "string", "pattern": BUCKET}),
                "sentences": _strings(),
                "quotes": index,
            }
        ),
        "Quote": _object(quote),
        "QuoteChange": _object(
            {
                "kind": {
                    "type": "string",
                    "enum": ["added", "dropped", "reworded", "speaker_changed"],
                },
                "side": {"type": "string", "enum": ["a", "b"]},
                **quote,
                "counterpart": _nullable(_ref("Quote")),
                "similarity": {"type": "number", "minimum": 0},
                "unsupported": {
                    "type": "boolean",
                    "description": "b gives these words to a person a never quotes saying them",
                },
            }
        ),
        "Comparison": _object(
            {
                "a": _ref("CompareVersion"),
                "b": _ref("CompareVersion"),
                "summary": {"type": "string", "description": 'e.g. "adds 2 people, 3 quotes"'},
                "threshold": {"type": "number", "description": "sentence alignment cosine"},
                "counts": _object({name: index for name in counts}),
                "flags": {
                    "type": "array",
                    "items": {"type": "string", "enum": list(CHANGE_FLAGS)},
                },
                "entities": _object(
                    {
                        label: _object({"only_a": _strings(), "only_b": _strings()})
                        for label in LABELS
                    }
                ),
                "quotes": {"type": "array", "items": _ref("QuoteChange")},
                "unsupported_quotes": {"type": "array", "items": _ref("QuoteChange")},
                "numbers": {
                    "type": "array",
                    "items": _object(
                        {
                            "a_sentence": index,
                            "b_sentence": index,
                            "only_a": _strings(),
                            "only_b": _strings(),
                        }
                    ),
                },
                "alignment": {
                    "type": "array",
                    "items": _object(
                        {
                            "a": _nullable(index),
                            "b": _nullable(index),
                            "score": {"type": "number"},
                            "status": {
                                "type": "string",
                                "enum": ["same", "changed", "similar", "only_a", "only_b"],
                            },
                        }
                    ),
                },
            }
        ),
    }


def _query_param(name: str, schema: dict[str, Any], description: str, **extra: Any) -> dict:
    return {"name": name, "in": "query", "schema": schema, "description": description, **extra}


def _schema(param: Parameter, settings: Settings) -> dict[str, Any]:
    """A parameter's JSON schema, from its entry in the table (search/parameters.py) and this
    deployment's settings."""
    if param.type == "integer":
        schema: dict[str, Any] = {"type": "integer", "minimum": param.minimum}
        schema["maximum"] = param.maximum or getattr(settings, param.maximum_setting)
        default = getattr(settings, param.default_setting) if param.default_setting else None
        if param.default is not None or default is not None:
            schema["default"] = param.default if param.default is not None else default
        return schema
    if param.type == "date":
        return {"type": "string", "pattern": DATE_PARAM_PATTERN}
    if param.type == "choice":
        item: dict[str, Any] = {"type": "string", "enum": list(param.choices)}
        if param.default is not None:
            item["default"] = param.default
        return {"type": "array", "items": item} if param.repeatable else item
    text: dict[str, Any] = {"type": "string"}
    if param.maximum_setting:
        text["maxLength"] = getattr(settings, param.maximum_setting)
    elif param.max_length is not None:
        text["maxLength"] = param.max_length
    text["pattern"] = NO_NUL
    if not param.repeatable:
        return text
    return {"type": "array", "maxItems": param.max_values, "items": text}


def _described(param: Parameter, settings: Settings, **extra: Any) -> dict[str, Any]:
    """One query parameter as OpenAPI describes it; a repeatable one as `name=a&name=b`."""
    if param.repeatable:
        extra = {"style": "form", "explode": True, **extra}
    return _query_param(param.name, _schema(param, settings), param.description, **extra)


def _search_parameters(settings: Settings, *, q_name: str = "q") -> list[dict[str, Any]]:
    """The parameters parse_request reads (search/query.py), with its limits."""
    params = []
    for param in SEARCH_PARAMETERS:
        if param.name == "q":
            described = replace(
                param,
                name=q_name,
                description=param.description.format(fields=", ".join(QUERY_FIELDS), name=q_name),
            )
            params.append(_described(described, settings))
        else:
            params.append(_described(param, settings))
    return params


def _operation(
    summary: str,
    operation_id: str,
    parameters: list[dict[str, Any]],
    ok: str,
    description: str,
    *errors: int,
    secured: bool = True,
) -> dict[str, Any]:
    """A GET operation answering `ok` as JSON, or one of `errors` (plus 401 and 500)."""
    statuses = {*errors, 500} | ({401} if secured else set())
    responses: dict[str, Any] = {
        "200": {"description": description, "content": {JSON: {"schema": _ref(ok)}}}
    }
    for status in sorted(statuses):
        responses[str(status)] = {"$ref": f"#/components/responses/E{status}"}
    operation: dict[str, Any] = {
        "summary": summary,
        "operationId": operation_id,
        "parameters": parameters,
        "responses": responses,
    }
    if not secured:
        operation["security"] = []  # open even when DOCSIFT_TOKEN is set
    return {"get": operation}


def _export_operation(settings: Settings) -> dict[str, Any]:
    """GET /api/export: the search's parameters less paging, and the file's format."""
    params = [
        p for p in _search_parameters(settings) if p["name"] not in ("page", "per_page", "versions")
    ]
    params += [
        _described(
            replace(
                parameter("export", "format"),
                description="`jsonl`: one JSON object a line; `csv`: a header row, then one row "
                f"per document (names joined with `{JOIN}`, cells that start with = + - @ "
                f"prefixed with `'`, the text cut at {CELL_CHARS:,} characters).",
            ),
            settings,
        ),
        _described(parameter("export", "bom"), settings),
    ]
    count = {
        "X-Total-Count": {
            "schema": {"type": "integer", "minimum": 0},
            "description": "How many documents (rows) follow",
        }
    }
    text = {"schema": {"type": "string"}}
    responses: dict[str, Any] = {
        "200": {
            "description": "Every document the search matches (not a page), newest first "
            "(`sort=oldest`: oldest first), streamed as a file",
            "headers": count,
            "content": {"application/x-ndjson": text, "text/csv": text},
        }
    }
    for status in (400, 401, 500, 503):
        responses[str(status)] = {"$ref": f"#/components/responses/E{status}"}
    return {
        "get": {
            "summary": "Export every match",
            "operationId": "export",
            "parameters": params,
            "responses": responses,
        }
    }


def _path_param(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": schema,
        "description": description,
    }


def openapi_document(settings: Settings, *, token_required: bool = False) -> dict[str, Any]:
    """The OpenAPI document for this deployment's limits; `token_required` says whether the
    app checks DOCSIFT_TOKEN."""
    facet_param = _path_param("facet", {"type": "string", "enum": list(FACETS)}, "The facet.")
    label_param = _path_param(
        "label", {"type": "string", "enum": list(ENTITY_FACETS)}, "What kind of entity."
    )
    document: dict[str, Any] = {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "docsift JSON API",
            "version": API_VERSION,
            "description": "Search a docsift collection: the same searches, documents and "
            "facets as the HTML pages. Every answer is JSON; every failure is "
            '`{"error": {"code", "message", "param"}}` with a matching HTTP status.',
        },
        "paths": {
            "/api/search": _operation(
                "Search",
                "search",
                _search_parameters(settings),
                "SearchResponse",
                "A page of hits with facet counts",
                400,
                503,
            ),
            "/api/export": _export_operation(settings),
            "/api/documents/{doc_id}": _operation(
                "One document",
                "getDocument",
                [_path_param("doc_id", {"type": "string", "minLength": 1}, "Document id.")],
                "Document",
                "The document with its mentions, versions and related stories",
                404,
                503,
            ),
            "/api/compare": _operation(
                "Compare two versions of a story",
                "compare",
                [
                    _query_param(
                        param.name,
                        {"minLength": 1, **_schema(param, settings)},
                        param.description,
                        required=True,
                    )
                    for param in COMPARE_PARAMETERS
                ],
                "Comparison",
                "What b adds, drops or changes relative to a: names only in one version, "
                "quotes added, dropped, reworded or given to another speaker (unsupported when "
                "b puts words in a person's mouth that a never does), numbers that differ "
                "between aligned sentences, and the sentence alignment",
                400,
                404,
                503,
            ),
            "/api/entity/{label}/{name}": _operation(
                "A person, organisation or place",
                "getEntity",
                [
                    label_param,
                    _path_param(
                        "name",
                        {
                            "type": "string",
                            "minLength": 1,
                            "maxLength": MAX_FILTER_CHARS,
                            "pattern": NO_NUL,
                        },
                        "The name as shown in facets (merged spellings are found too). "
                        "404 when no document mentions it.",
                    ),
                ],
                "Entity",
                "Where it is mentioned, with whom, and when",
                400,
                404,
                503,
            ),
            "/api/facets/{facet}": _operation(
                "A facet's values for a search",
                "getFacetValues",
                [
                    facet_param,
                    *(
                        _described(parameter("api_facets", n), settings)
                        for n in ("q", "limit", "offset")
                    ),
                    *_search_parameters(settings, q_name="query"),
                    _described(parameter("api_facets", "prefix"), settings, deprecated=True),
                ],
                "FacetValues",
                "The facet's values, most frequent first, each counted with every other "
                "filter applied but not the facet's own",
                400,
                503,
            ),
            "/api/openapi.json": {
                "get": {
                    "summary": "This document",
                    "operationId": "getOpenAPI",
                    "parameters": [],
                    "responses": {
                        "200": {
                            "description": "The OpenAPI description of this API",
                            "content": {JSON: {"schema": {"type": "object"}}},
                        },
                        "401": {"$ref": "#/components/responses/E401"},
                    },
                }
            },
            "/healthz": _operation(
                "Liveness and readiness",
                "health",
                [],
                "Health",
                "Always 200 while the process runs; `ready` tells whether there is an index",
                secured=False,
            ),
        },
        "components": {
            "schemas": _schemas(),
            "responses": {
                f"E{status}": {
                    "description": text,
                    "content": {JSON: {"schema": _ref("Error")}},
                    **(
                        {
                            "headers": {
                                "WWW-Authenticate": {
                                    "schema": {"type": "string"},
                                    "description": 'Bearer realm="docsift"',
                                }
                            }
                        }
                        if status == 401
                        else {}
                    ),
                }
                for status, text in ERROR_TEXTS.items()
            },
            "securitySchemes": {
                "bearerToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The value of DOCSIFT_TOKEN; only when the server sets it.",
                }
            },
        },
    }
    if token_required:
        document["security"] = [{"bearerToken": []}]
    return document

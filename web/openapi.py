"""The OpenAPI 3.1 description of the JSON API, served at /api/openapi.json.

The request parameters are generated from the table the parsers read (search/parameters.py:
each parameter's type, bounds, choices and description, with this deployment's Settings), so
the document says what the server actually enforces. The response schemas are generated
(search/json_schema.py) from the typed dicts the result objects' `to_dict` methods return, so
the answers and their description are one declaration. Kept honest by tests: every /api/
route must be described here, the document must validate, and tests/test_web_fuzz.py sends
generated requests from these parameter schemas to the real app and checks every answer
against these response schemas.

What a schema cannot say is written in the parameter's description: a query's syntax (balanced
quotes and parentheses, known fields), that a date must exist in the calendar, and that a range's
start must not be after its end. Those give a 400 naming the parameter.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from search.backend import HealthJSON
from search.compare import ComparisonJSON
from search.export import CELL_CHARS, JOIN
from search.json_schema import ref, schemas
from search.parameters import (
    COMPARE_PARAMETERS,
    ENTITY_FACETS,
    FACETS,
    MAX_FILTER_CHARS,
    SEARCH_PARAMETERS,
    Parameter,
    parameter,
)
from search.query import QUERY_FIELDS
from search.results import DocumentPageJSON, EntityJSON, FacetValuesJSON, SearchResponseJSON
from search.settings import Settings
from web.errors import ErrorJSON

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1"
JSON = "application/json"


# a date parameter: YYYY, YYYY-MM or YYYY-MM-DD (surrounding spaces are ignored)
DATE_PARAM_PATTERN = r"^\s*[0-9]{4}(-[0-9]{1,2}(-[0-9]{1,2})?)?\s*$"
NO_NUL = r"^[^\u0000]*$"


ERROR_TEXTS = {
    400: "A bad parameter; `error.param` names it",
    401: "DOCSIFT_TOKEN is set and the request has no valid `Authorization: Bearer` token "
    "(or session cookie)",
    404: "Nothing has that id or name",
    500: "An unexpected failure (logged; no details are given)",
    503: "No index yet (`index_unavailable`: run `docsift ingest`), too many expensive searches "
    "at once (`busy`, with Retry-After) or a search past its time limit (`search_timeout`)",
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
    ok: type,
    description: str,
    *errors: int,
    secured: bool = True,
) -> dict[str, Any]:
    """A GET operation answering `ok` as JSON, or one of `errors` (plus 401 and 500)."""
    statuses = {*errors, 500} | ({401} if secured else set())
    responses: dict[str, Any] = {
        "200": {"description": description, "content": {JSON: {"schema": ref(ok)}}}
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
                SearchResponseJSON,
                "A page of hits with facet counts",
                400,
                503,
            ),
            "/api/export": _export_operation(settings),
            "/api/documents/{doc_id}": _operation(
                "One document",
                "getDocument",
                [_path_param("doc_id", {"type": "string", "minLength": 1}, "Document id.")],
                DocumentPageJSON,
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
                ComparisonJSON,
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
                EntityJSON,
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
                FacetValuesJSON,
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
                HealthJSON,
                "Always 200 while the process runs; `ready` tells whether there is an index",
                secured=False,
            ),
        },
        "components": {
            "schemas": schemas(
                SearchResponseJSON,
                DocumentPageJSON,
                ComparisonJSON,
                EntityJSON,
                FacetValuesJSON,
                HealthJSON,
                ErrorJSON,
            ),
            "responses": {
                f"E{status}": {
                    "description": text,
                    "content": {JSON: {"schema": ref(ErrorJSON)}},
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

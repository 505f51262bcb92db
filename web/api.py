"""The JSON API: the same SearchService calls as the HTML pages, serialised by the dataclasses.

The JSON contract itself (`SearchResponse.to_dict`, `Document.to_dict`) lives in search/, so the
HTML, the API and the CLI cannot drift apart.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request
from werkzeug.datastructures import MultiDict

from search.compare import parse_compare
from search.errors import QueryError
from search.export import MEDIA_TYPES, lines, parse_flag, parse_format
from search.parameters import (
    facet_text,
    parameter,
    whole_number,
)
from search.query import SearchRequest
from search.results import DocumentPageJSON
from search.service import SearchService
from web.auth import token_required
from web.context import get_service
from web.openapi import openapi_document
from web.views import entity_name

bp = Blueprint("api", __name__)

SEARCH_BASE = "/api/search"
# no automatic OPTIONS answers: they would be empty text/html, and the API only speaks JSON
# (OPTIONS gets the JSON 405 instead; there is no CORS to negotiate)
JSON_ONLY = {"provide_automatic_options": False}


@bp.get("/api/search", **JSON_ONLY)
def search() -> Response:
    service = get_service()
    response = service.search(service.parse(request.args))
    return jsonify(response.to_dict(SEARCH_BASE))


@bp.get("/api/export", **JSON_ONLY)
def export() -> Response:
    """Every document the search matches (not a page) as JSON Lines or CSV, streamed: the
    server holds one document at a time, and X-Total-Count says how many rows follow."""
    service = get_service()
    export_format = parse_format(request.args.get("format"))
    bom = parse_flag(request.args.get("bom"), "bom")
    found = service.export(service.parse(request.args))
    response = Response(lines(found, export_format, bom=bom), mimetype=MEDIA_TYPES[export_format])
    response.call_on_close(found.close)
    response.headers["X-Total-Count"] = str(found.total)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="docsift-export.{export_format}"'
    )
    return response


@bp.get("/api/documents/<path:doc_id>", **JSON_ONLY)
def document(doc_id: str) -> Response:
    service = get_service()
    page = DocumentPageJSON(
        **service.get(doc_id).to_dict(),
        story_id=service.story_id(doc_id),
        versions=[link.to_dict() for link in service.versions(doc_id)],
        related=[link.to_dict() for link in service.related(doc_id)],
    )
    return jsonify(page)


@bp.get("/api/compare", **JSON_ONLY)
def compare() -> Response:
    """What version `b` adds, drops or changes relative to version `a` (search.compare)."""
    a, b = parse_compare(request.args)
    return jsonify(get_service().compare(a, b).to_dict())


@bp.get("/api/entity/<label>/<path:name>", **JSON_ONLY)
def entity(label: str, name: str) -> Response:
    return jsonify(get_service().entity(label, entity_name(label, name)).to_dict(SEARCH_BASE))


@bp.get("/api/facets/<facet>", **JSON_ONLY)
def facet_values(facet: str) -> Response:
    """One facet's values for the current search, narrowed to those containing `q` (the text
    typed into the facet's search box); the search's own query text comes as `query`."""
    service = get_service()
    limit = whole_number(request.args.get("limit"), parameter("api_facets", "limit"))
    offset = whole_number(request.args.get("offset"), parameter("api_facets", "offset"))
    search_request, contains = parse_facet_request(service, request.args)
    found = service.facet_values(facet, search_request, limit, contains, offset)
    return jsonify(found.page_dict(offset, SEARCH_BASE))


@bp.get("/healthz", **JSON_ONLY)
def healthz() -> Response:
    """Alive, and which index generation this process answers from: behind several workers,
    every one reports the generation it has open (each picks up a reindex on its own)."""
    return jsonify(get_service().stats().health())


@bp.get("/api/openapi.json", **JSON_ONLY)
def openapi() -> Response:
    """The OpenAPI description of this API, with this deployment's limits (web/openapi.py)."""
    document = openapi_document(
        get_service().settings,
        token_required=token_required(),
    )
    return jsonify(document)


def parse_facet_request(
    service: SearchService, args: MultiDict[str, str]
) -> tuple[SearchRequest, str]:
    """The search and the facet text of an /api/facets request.

    `q` is the facet text and `query` the search's query text. The older form, where `q` was
    the search query and `prefix` the facet text, still works: `prefix` selects it.

    Raises:
        QueryError: naming the bad parameter as the client sent it.
    """
    if "prefix" in args:
        return service.parse(args), facet_text(args.get("prefix"), "prefix")
    contains = facet_text(args.get("q"), "q")
    params = MultiDict(args)
    params.setlist("q", params.poplist("query"))
    try:
        return service.parse(params), contains
    except QueryError as exc:
        if exc.param != "q":
            raise
        message = str(exc)
        message = f"query {message[2:]}" if message.startswith("q ") else message
        raise QueryError(message, "query", exc.value) from None

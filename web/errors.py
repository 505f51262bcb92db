"""Where typed errors become HTTP statuses: one table, JSON under /api/, error.html elsewhere.

Views never catch errors themselves; whatever escapes a view lands here, so a bad parameter is
always a 400 naming the parameter and an unexpected failure is a logged 500 with a generic
message (no stack trace ever reaches the client).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from http import HTTPStatus
from typing import Annotated, TypedDict

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, Unauthorized

from search.errors import (
    DocsiftError,
    IndexMissing,
    IndexUnavailable,
    NotFound,
    QueryError,
    SearchBusy,
    SearchTimeout,
)
from search.json_schema import Schema
from web.auth import next_url
from web.hosts import DisallowedHost

logger = logging.getLogger(__name__)

# first match wins, so subclasses come before their bases
ERROR_TABLE: tuple[tuple[type[DocsiftError], int, str], ...] = (
    (QueryError, 400, "bad_request"),
    (NotFound, 404, "not_found"),
    (IndexUnavailable, 503, "index_unavailable"),
    (SearchBusy, 503, "busy"),
    (SearchTimeout, 503, "search_timeout"),
    (DocsiftError, 500, "internal"),
)
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
}
# what the HTTP server answers itself, before the app sees the request (web/server.py)
SERVER_CODES = {414: "uri_too_long", 431: "headers_too_large"}
ERROR_CODES = tuple(
    dict.fromkeys(
        [
            *HTTP_CODES.values(),
            *(code for _, _, code in ERROR_TABLE),
            DisallowedHost.docsift_code,
            *SERVER_CODES.values(),
        ]
    )
)
GENERIC_MESSAGE = "Something went wrong on our side. The error has been logged."
JSON_PATHS = ("/api/", "/healthz")


class ErrorDetailJSON(TypedDict):
    code: Annotated[str, Schema(enum=ERROR_CODES)]
    message: Annotated[str, Schema(minLength=1)]
    param: Annotated[str | None, Schema(description="the parameter to fix, when one is to blame")]


class ErrorJSON(TypedDict):
    """Every failure: the code, a message safe to show, and the parameter to blame."""

    error: ErrorDetailJSON


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """What the client is told about a failure, whatever the format."""

    status: int
    code: str
    message: str
    param: str | None = None

    @property
    def title(self) -> str:
        return HTTPStatus(self.status).phrase

    def to_dict(self) -> ErrorJSON:
        return {"error": {"code": self.code, "message": self.message, "param": self.param}}


def describe_error(exc: BaseException) -> ErrorInfo:
    """Map an exception to status, code and a message that is safe to show."""
    if isinstance(exc, HTTPException):
        status = exc.code or 500
        code = (
            getattr(exc, "docsift_code", None)
            or HTTP_CODES.get(status)
            or ("internal" if status >= 500 else _snake(exc.name))
        )
        return ErrorInfo(status, code, exc.description or HTTPStatus(status).phrase)
    for kind, status, code in ERROR_TABLE:
        if isinstance(exc, kind):
            param = exc.param if isinstance(exc, QueryError) else None
            return ErrorInfo(status, code, str(exc), param)
    return ErrorInfo(500, "internal", GENERIC_MESSAGE)


def _snake(name: str) -> str:
    return "_".join(name.lower().replace("-", " ").split())


def wants_json() -> bool:
    return request.path == "/api" or request.path.startswith(JSON_PATHS)


def handle_error(exc: Exception) -> tuple[Response | str, int]:
    """The single error handler: status from the table, body by path."""
    info = describe_error(exc)
    if isinstance(exc, SearchBusy | SearchTimeout):
        logger.warning("%s on %s %s: %s", info.code, request.method, request.path, exc)
    elif info.status >= 500 and not isinstance(exc, IndexUnavailable | HTTPException):
        logger.exception("unhandled error on %s %s", request.method, request.path)
    if wants_json():
        response = jsonify(info.to_dict())
    else:
        form_q = request.args.get("q", "").replace("\x00", "")
        empty = isinstance(exc, IndexMissing)
        sign_in = next_url() if isinstance(exc, Unauthorized) else None
        # a bad search keeps its sort and dates in the form, so fixing the words is enough
        searching = isinstance(exc, QueryError) and request.path in ("/", "/search")
        form_args = request.args if searching else None
        response = Response(
            render_template(
                "error.html",
                error=info,
                form_q=form_q,
                form_args=form_args,
                empty=empty,
                sign_in=sign_in,
            )
        )
    if isinstance(exc, SearchBusy):
        response.headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    if isinstance(exc, Unauthorized) and exc.www_authenticate:
        response.headers["WWW-Authenticate"] = ", ".join(
            header.to_header() for header in exc.www_authenticate
        )
    return response, info.status


def init_app(app: Flask) -> None:
    """Route DocsiftError, routing 404/405 and anything unexpected through handle_error."""
    for kind in (DocsiftError, HTTPException, Exception):
        app.register_error_handler(kind, handle_error)

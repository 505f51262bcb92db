"""`docsift serve --dev`'s HTTP server: Werkzeug's, with its own error answers made like the app's.

Some requests never reach the app: a request line over 64 KB (414), an over-long or too many
header lines (431), a malformed request line (400). Python's http.server answers those itself
with a bare HTML page and none of the security headers; here they carry the same headers as
every other response, and under /api/ the same JSON error shape (issue 18, point 12).
"""

from __future__ import annotations

import html
import json
from http import HTTPStatus

from flask import Flask
from werkzeug import serving
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler

from web.app import SECURITY_HEADERS
from web.errors import HTTP_CODES, JSON_PATHS, SERVER_CODES


def requested_path(raw: bytes) -> str:
    """The path of a raw request line ("GET /api/search?q=x HTTP/1.1"), or "" when it names
    none: which shape (JSON or a page) an error about that request takes."""
    words = raw[:4096].split()
    return words[1].decode("latin-1") if len(words) >= 2 else ""


def server_error_page(code: int, message: str | None, path: str) -> tuple[str, bytes, str]:
    """(reason phrase, body, content type) of an error the HTTP server answers itself: the
    app's JSON error under /api/, else a small page in the app's style. Both servers (this
    one and gunicorn's, web/production.py) answer with it, so neither looks different."""
    try:
        phrase = HTTPStatus(code).phrase
    except ValueError:
        phrase = "Error"
    text = message or phrase
    if code in (414, 431):
        text = (
            f"{message or phrase}: the request's "
            f"{'address' if code == 414 else 'headers'} are longer than this server reads"
        )
    if path == "/api" or path.startswith(JSON_PATHS):
        code_name = SERVER_CODES.get(code) or HTTP_CODES.get(code) or "bad_request"
        body = json.dumps({"error": {"code": code_name, "message": text, "param": None}}).encode()
        return phrase, body, "application/json"
    body = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{code} {html.escape(phrase)}</title>"
        "<link rel='stylesheet' href='/static/style.css'></head><body><main>"
        f"<h1>{code} {html.escape(phrase)}</h1><p>{html.escape(text)}</p>"
        "<p><a href='/'>Back to search</a></p></main></body></html>"
    ).encode()
    return phrase, body, "text/html; charset=utf-8"


class DocsiftRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler, but errors it sends itself look like the app's own."""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        self.log_error("code %d, message %s", code, message or code)
        path = requested_path(getattr(self, "raw_requestline", b"") or b"")
        detail = message if code in (414, 431) else explain or message
        phrase, body, content_type = server_error_page(code, detail, path)
        self.close_connection = True
        if getattr(self, "request_version", "HTTP/0.9") == "HTTP/0.9":
            # a request line too broken to name a version: answer as HTTP/1.0, with headers
            # (an HTTP/0.9 answer is the bare body, so it could carry none of them)
            self.request_version = "HTTP/1.0"
        self.send_response(code, phrase)
        self.send_header("Connection", "close")
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if getattr(self, "command", "") != "HEAD":
            self.wfile.write(body)


def make_docsift_server(host: str, port: int, app: Flask) -> BaseWSGIServer:
    """A threaded server for `app` on host:port (0 picks a free port).

    Raises:
        OSError: the address cannot be bound.
    """
    return serving.make_server(
        host, port, app, threaded=True, request_handler=DocsiftRequestHandler
    )

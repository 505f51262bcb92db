"""`docsift serve`'s production server: the Flask app under gunicorn, one worker per core.

Why gunicorn: a pre-fork server uses every core for Python work (Werkzeug's threaded server is
one process, so one core), restarts a worker that dies, and stops gracefully; it is the WSGI
server Flask's own deployment guide lists first, and is MIT licensed. It runs here through its
application API, so `docsift serve` stays one command with one set of options.

- The socket is bound by `docsift serve` itself and handed over as `fd://N`: port 0 works, the
  URL is printed before the workers start, and a bind error is docsift's own message.
- The app is built in each worker after the fork (no `preload_app`): searchers, open index
  files and caches are per process and never shared across a fork. The modules are imported
  before it, so the code pages are shared.
- Each worker is gunicorn's threaded worker with the errors it answers itself (a request line
  or headers too long, a malformed request) made like the app's: the security headers, and the
  JSON error shape under /api/ (web/server.py has the same for --dev).
- Each worker runs a GenerationWatcher (web/warmup.py): a reindex is picked up by every worker
  without a restart, warmed before user requests reach it.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

from flask import Flask
from gunicorn import util
from gunicorn.app.base import BaseApplication
from gunicorn.http.errors import (
    ForbiddenProxyRequest,
    InvalidHTTPVersion,
    LimitRequestHeaders,
    LimitRequestLine,
    ParseException,
    UnsupportedTransferCoding,
)
from gunicorn.http.message import Request
from gunicorn.http.parser import RequestParser
from gunicorn.workers.gthread import ThreadWorker

from web.app import SECURITY_HEADERS
from web.server import requested_path, server_error_page
from web.warmup import GenerationWatcher

# threads per worker: searches wait on the worker's searcher pool (search/searchers.py), the
# other threads answer static files, health checks and slow clients meanwhile
THREADS = 4
# seconds an idle keep-alive connection stays open (gunicorn's advice: 1-5 s facing clients)
KEEPALIVE_S = 5
# a request line longer than this is a 414: gunicorn's largest (nginx's default is the same)
MAX_REQUEST_LINE = 8190
# what an error the server answers itself shows of gunicorn's message
MESSAGE_CHARS = 200
# after an error answer, read at most this much more of the request, for at most this long
DRAIN_BYTES = 1 << 20
DRAIN_S = 1.0
STATUS_OF: tuple[tuple[type[Exception], int], ...] = (
    (LimitRequestLine, 414),
    (LimitRequestHeaders, 431),
    (InvalidHTTPVersion, 505),
    (UnsupportedTransferCoding, 501),
    (ForbiddenProxyRequest, 403),
)


class DocsiftRequest(Request):  # type: ignore[misc]  # gunicorn ships no type information
    """Gunicorn's request parser, remembering the request line it read (or was reading when
    it gave up), so an error about the request can take the shape its path asks for."""

    seen_line = b""

    def read_line(self, unreader: Any, buf: Any, limit: int = 0) -> tuple[bytes, bytes]:
        try:
            line, rest = super().read_line(unreader, buf, limit)
        except LimitRequestLine:
            self.seen_line = bytes(buf.getvalue()[:4096])
            raise
        if not self.seen_line:
            self.seen_line = bytes(line[:4096])
        return line, rest

    def parse(self, unreader: Any) -> bytes:
        try:
            rest: bytes = super().parse(unreader)
        except ParseException as exc:
            exc.docsift_path = requested_path(self.seen_line)
            raise
        return rest


class DocsiftWorker(ThreadWorker):  # type: ignore[misc]
    """Gunicorn's threaded worker, whose own error answers look like the app's."""

    def init_process(self) -> None:
        # this worker process parses requests with DocsiftRequest (a class attribute of
        # gunicorn's parser: the threaded worker builds its parsers itself)
        RequestParser.mesg_class = DocsiftRequest
        super().init_process()

    def handle_error(self, req: Any, client: socket.socket, addr: Any, exc: Exception) -> None:
        if isinstance(exc, ParseException):
            status = next((code for kind, code in STATUS_OF if isinstance(exc, kind)), 400)
            if status == 505 and not isinstance(getattr(exc, "version", None), tuple):
                status = 400  # not a version at all ("HTTP/1.1 extra"): a malformed line
            message = str(exc)[:MESSAGE_CHARS]
            self.log.warning("invalid request from %s: %s", (addr or ("",))[0], message)
            path = getattr(exc, "docsift_path", "") or getattr(req, "path", None) or ""
        else:
            self.log.exception("error handling a request")
            status, message, path = 500, "", getattr(req, "path", None) or ""
        phrase, body, content_type = server_error_page(status, message, path)
        head = [f"HTTP/1.1 {status} {phrase}", "Connection: close"]
        head += [f"{name}: {value}" for name, value in SECURITY_HEADERS.items()]
        head += [f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
        try:
            util.write(client, ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
            drain(client)
        except OSError:
            self.log.debug("failed to send an error answer")


def drain(client: socket.socket) -> None:
    """Read what the client is still sending before the connection closes: closing with
    unread data resets the connection, and the client may lose the answer it was sent."""
    client.shutdown(socket.SHUT_WR)
    client.settimeout(DRAIN_S)
    received = 0
    while received < DRAIN_BYTES and (chunk := client.recv(65536)):
        received += len(chunk)


def start_watcher(worker: Any) -> None:
    """gunicorn's post_worker_init hook: the worker's app is loaded; warm it and keep it warm."""
    app: Flask = worker.wsgi
    GenerationWatcher(app.extensions["docsift"]).start()


class DocsiftApplication(BaseApplication):  # type: ignore[misc]
    """Gunicorn's application API: the options below instead of a config file or argv."""

    def __init__(self, make_app: Callable[[], Flask], options: dict[str, Any]) -> None:
        self.make_app = make_app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.make_app()


def listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port (0 picks a free port).

    Raises:
        OSError: the address cannot be bound.
    """
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def run_production(
    make_app: Callable[[], Flask], sock: socket.socket, *, workers: int, threads: int = THREADS
) -> None:
    """Serve `make_app()` on the listening `sock` with `workers` processes until a signal
    stops gunicorn (TERM or INT: finish the requests under way, then exit)."""
    options = {
        "bind": [f"fd://{sock.fileno()}"],
        "workers": workers,
        "threads": threads,
        "worker_class": DocsiftWorker,
        "post_worker_init": start_watcher,
        "preload_app": False,
        "limit_request_line": MAX_REQUEST_LINE,
        "graceful_timeout": 10,
        # an idle keep-alive connection is closed after this: under full CPU (a reindex beside
        # 8 clients) gunicorn's 2 s can close one just as its client sends the next request
        "keepalive": KEEPALIVE_S,
        "timeout": 60,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "proc_name": "docsift",
    }
    DocsiftApplication(make_app, options).run()

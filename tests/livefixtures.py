"""Real processes and real servers for the hardening tests (issue 18): `docsift` as a
subprocess, and a small site on 127.0.0.1 whose routes a test writes as functions.

Plain helpers rather than fixtures, so each test module declares its own fixtures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

DOCSIFT = Path(sys.executable).with_name("docsift")

Route = Callable[[BaseHTTPRequestHandler], None]


def docsift(
    home: Path,
    *args: str,
    env: Mapping[str, str] | None = None,
    timeout: float = 120.0,
) -> subprocess.CompletedProcess[str]:
    """Run `docsift --home HOME ARGS` to the end; stdout and stderr as text."""
    return subprocess.run(
        [str(DOCSIFT), "--home", str(home), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )


def report_of(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The JSON a `--json` command printed (it is the whole of stdout)."""
    try:
        found: dict[str, Any] = json.loads(result.stdout)
    except ValueError as exc:
        raise AssertionError(
            f"not JSON (exit {result.returncode}): {result.stdout[-2000:]!r} "
            f"{result.stderr[-2000:]}"
        ) from exc
    return found


def send(
    handler: BaseHTTPRequestHandler,
    body: bytes | str,
    status: int = 200,
    content_type: str = "text/html; charset=utf-8",
    headers: Mapping[str, str] | None = None,
) -> None:
    data = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(data)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(data)


class Site:
    """A threaded HTTP server on `host`, answering each path with its route (404 otherwise)."""

    def __init__(self, routes: dict[str, Route], host: str = "127.0.0.1") -> None:
        self.routes = routes
        self.hits: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                site.hits.append(self.path)
                route = site.routes.get(self.path.split("?")[0])
                try:
                    if route is None:
                        send(self, "not here", status=404, content_type="text/plain")
                    else:
                        route(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up, as some tests want it to

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()
        self.base = f"http://{host}:{self.server.server_port}"

    def url(self, path: str) -> str:
        return self.base + path

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def article(title: str, text: str, extra_head: str = "") -> str:
    """A news page with enough text for the cleaner to keep."""
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>{extra_head}"
        f"</head><body><article><h1>{title}</h1><p>{text} The harbour council met on Tuesday "
        "to discuss the budget for the coming year, and the public gallery was full for the "
        "debate about the new ferry terminal and the dredging contract.</p><p>Officials said "
        "the plan would be published next month after residents, shop owners and the "
        "dockworkers' union had been consulted about the timetable.</p></article></body></html>"
    )

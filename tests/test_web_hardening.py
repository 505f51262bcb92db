"""The server's edges (issue 18, points 5, 6 and 12), against a real `docsift serve` on
127.0.0.1: the sign-in redirect is rebuilt and never leaves the site, a Host that is not ours
gets a 400 (DNS rebinding), and the error answers the HTTP server sends itself (414, 431, 400)
carry the same security headers as the app's, and its JSON error shape under /api/.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from livefixtures import DOCSIFT, docsift

from web.app import SECURITY_HEADERS
from web.auth import safe_next

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "s3cret-token-for-the-hardening-tests"


class Served:
    def __init__(self, home: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            [str(DOCSIFT), "--home", str(home), "serve", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, **(env or {})},
        )
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip().rstrip("/")
        assert self.url.startswith("http://127.0.0.1:"), self.url
        self.port = int(self.url.rsplit(":", 1)[1])

    def raw(self, request: bytes) -> tuple[int, dict[str, str], bytes]:
        """Send bytes as they are; (status, headers, body) of the answer."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as sock:
            sock.sendall(request)
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return int(lines[0].split()[1]), headers, body

    def get(self, path: str, host: str) -> tuple[int, dict[str, str], bytes]:
        return self.raw(
            f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
        )

    def close(self) -> None:
        self.process.terminate()
        self.process.communicate(timeout=10)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("hardening") / "home"
    result = docsift(home, "ingest", "--no-entities", str(ROOT / "samples" / "news"))
    assert result.returncode == 0, result.stderr
    return home


@pytest.fixture(scope="module", params=["gunicorn", "dev"])
def served(home: Path, request: pytest.FixtureRequest) -> Iterator[Served]:
    """Both servers: gunicorn (the default, two workers) and Werkzeug's (--dev) answer alike."""
    server = Served(home, *(["--dev"] if request.param == "dev" else ["--workers", "2"]))
    yield server
    server.close()


def _assert_headers(headers: dict[str, str]) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name.lower()) == value, (name, headers)


# -- 5: the redirect after sign-in ---------------------------------------------------------------

TRICKS = [
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "//evil.example",
    "/\\evil.example",
    "/%09/evil.example",
    "https://evil.example/",
    "/ /evil.example",
    "/.//evil.example",
    "/\x00/evil.example",
    "/\u3000/evil.example",
]


@pytest.mark.parametrize("target", TRICKS, ids=repr)
def test_rebuilt_redirect_targets_stay_on_this_site(target: str) -> None:
    shown = safe_next(target)
    assert shown.startswith("/") and not shown.startswith("//")
    assert urlsplit(urljoin("http://127.0.0.1:8000/login", shown)).netloc == "127.0.0.1:8000"
    assert all(32 < ord(ch) < 127 for ch in shown)  # nothing a later layer could strip


def test_sign_in_over_http_never_redirects_off_site(home: Path) -> None:
    server = Served(home, env={"DOCSIFT_TOKEN": TOKEN})
    try:
        with httpx.Client(base_url=server.url, trust_env=False, timeout=10) as client:
            for target in [*TRICKS, "/?q=harbour ferry"]:
                response = client.post("/login", data={"token": TOKEN, "next": target})
                assert response.status_code == 303, target
                location = response.headers["location"]
                landed = urlsplit(urljoin(server.url + "/login", location))
                assert landed.netloc == f"127.0.0.1:{server.port}", (target, location)
            kept = client.post("/login", data={"token": TOKEN, "next": "/?q=harbour ferry"})
            assert kept.headers["location"] == "/?q=harbour%20ferry"
    finally:
        server.close()


# -- 6: the Host header ----------------------------------------------------------------------------


def test_a_foreign_host_is_refused_and_ours_are_answered(served: Served) -> None:
    ours = [f"127.0.0.1:{served.port}", f"localhost:{served.port}", "localhost"]
    for host in ours:
        status, _, _ = served.get("/api/search?q=harbour", host)
        assert status == 200, host
    for host in ["evil.example", f"evil.example:{served.port}", "127.0.0.1.evil.example"]:
        status, headers, body = served.get("/api/search?q=harbour", host)
        assert status == 400
        error = json.loads(body)["error"]
        assert error["code"] == "bad_host" and "--allowed-host" in error["message"]
        _assert_headers(headers)
        status, headers, body = served.get("/search.atom", host)
        assert status == 400 and b"evil.example" not in body.split(b"<title>")[0]
        _assert_headers(headers)


def test_allowed_host_lets_a_proxy_name_in(home: Path) -> None:
    server = Served(home, "--allowed-host", "news.example.org")
    try:
        status, _, body = server.raw(
            b"GET /search.atom HTTP/1.1\r\nHost: news.example.org\r\nConnection: close\r\n\r\n"
        )
        assert status == 200 and b"http://news.example.org/" in body
        status, _, _ = server.raw(
            b"GET / HTTP/1.1\r\nHost: other.example.org\r\nConnection: close\r\n\r\n"
        )
        assert status == 400
    finally:
        server.close()


# -- 12: the server's own error answers ---------------------------------------------------------

LONG = "a" * 70_000


@pytest.mark.parametrize(
    ("request_bytes", "status", "code"),
    [
        (f"GET /api/search?q={LONG} HTTP/1.1\r\nHost: localhost\r\n\r\n", 414, "uri_too_long"),
        (f"GET /?q={LONG} HTTP/1.1\r\nHost: localhost\r\n\r\n", 414, None),
        (f"GET /api/search HTTP/1.1\r\nHost: localhost\r\nX-Big: {LONG}\r\n\r\n", 431, None),
        (
            "GET /api/search HTTP/1.1\r\nHost: localhost\r\n"
            + "".join(f"X-{n}: v\r\n" for n in range(120))
            + "\r\n",
            431,
            "headers_too_large",
        ),
        ("GET /api/search HTTP/9.9\r\nHost: localhost\r\n\r\n", 505, None),
        ("NONSENSE\r\n\r\n", 400, None),
        ("GET /api/search HTTP/1.1 extra\r\n\r\n", 400, "bad_request"),
    ],
    ids=["414-api", "414-page", "431-line-api", "431-count-api", "505", "400-page", "400-api"],
)
def test_errors_the_server_sends_itself_carry_the_headers_and_the_json_shape(
    served: Served, request_bytes: str, status: int, code: str | None
) -> None:
    got, headers, body = served.raw(request_bytes.encode())
    assert got == status
    _assert_headers(headers)
    if code is not None or headers.get("content-type") == "application/json":
        assert headers["content-type"] == "application/json"
        error = json.loads(body)["error"]
        assert set(error) == {"code", "message", "param"}
        if code:
            assert error["code"] == code
    else:
        assert headers["content-type"].startswith("text/html")
        assert b"<script" not in body and LONG.encode() not in body

"""`docsift serve --port 0` as a real subprocess, queried over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer.cli import main

ROOT = Path(__file__).resolve().parent.parent


def start_server(home: Path) -> tuple[subprocess.Popen[str], str]:
    script = Path(sys.executable).with_name("docsift")
    proc = subprocess.Popen(
        [str(script), "--home", str(home), "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    if not url.startswith("http://127.0.0.1:"):
        proc.kill()
        _, err = proc.communicate(timeout=10)
        pytest.fail(f"server did not print its URL: {url!r}; stderr: {err}")
    return proc, url


def stop_server(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.communicate(timeout=5)  # also closes the pipes
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()


@pytest.fixture
def served(home: Path) -> Iterator[str]:
    assert main(["--home", str(home), "ingest", str(ROOT / "samples" / "news")]) == 0
    proc, url = start_server(home)
    yield url
    stop_server(proc)


def get(url: str) -> tuple[int, dict[str, object], str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            body = response.read().decode()
            status, ctype = response.status, response.headers["Content-Type"]
    except urllib.error.HTTPError as exc:
        body, status, ctype = exc.read().decode(), exc.code, exc.headers["Content-Type"]
    data = json.loads(body) if ctype.startswith("application/json") else {}
    return status, data, body


def test_serve_answers_search_documents_and_errors_over_http(served: str) -> None:
    status, data, _ = get(served + "api/search?q=strike&per_page=3")
    assert status == 200 and data["total"] >= 3 and len(data["hits"]) == 3  # type: ignore[arg-type]
    first = data["hits"][0]  # type: ignore[index]
    status, document, _ = get(served + f"api/documents/{first['id']}")
    assert status == 200 and document["title"] == first["title"]
    status, error, _ = get(served + "api/search?page=abc")
    assert status == 400 and error["error"]["param"] == "page"  # type: ignore[index]
    status, _, page = get(served + "?q=strike")
    assert status == 200 and "<mark" in page
    status, health, _ = get(served + "healthz")
    assert status == 200 and health["documents"] == 35


@pytest.mark.slow
def test_serve_before_ingest_answers_503_not_a_crash(home: Path) -> None:
    proc, url = start_server(home)
    try:
        status, data, _ = get(url + "api/search?q=x")
        assert status == 503 and "docsift ingest" in data["error"]["message"]  # type: ignore[index]
    finally:
        stop_server(proc)

"""`docsift serve --port 0` as a real subprocess, queried over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer.cli import main

ROOT = Path(__file__).resolve().parent.parent


def start_server(home: Path, *args: str) -> tuple[subprocess.Popen[str], str]:
    script = Path(sys.executable).with_name("docsift")
    proc = subprocess.Popen(
        [str(script), "--home", str(home), "serve", "--port", "0", *args],
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


def _generation(url: str) -> str:
    status, health, _ = get(url + "healthz")
    assert status == 200
    return str(health["generation"])


@pytest.mark.slow
def test_reindex_while_serving_under_load_is_picked_up_by_every_worker(home: Path) -> None:
    """Two gunicorn workers, four clients searching all the while, a real `docsift reindex`:
    no error, no request over 2 s, and afterwards every worker answers from the new
    generation (each answers /healthz from its own process)."""
    assert main(["--home", str(home), "ingest", str(ROOT / "samples" / "news")]) == 0
    proc, url = start_server(home, "--workers", "2")
    try:
        before = _generation(url)
        answers: list[tuple[int, float, str, object]] = []  # status, seconds, word, total
        stop = threading.Event()

        def client(queries: list[str]) -> None:
            n = 0
            while not stop.is_set():
                started = time.perf_counter()
                word = queries[n % len(queries)]
                status, data, _ = get(url + f"api/search?q={word}")
                answers.append((status, time.perf_counter() - started, word, data.get("total")))
                n += 1

        words = ["strike", "harbour", "ferry", "council", "minister", "price"]
        clients = [threading.Thread(target=client, args=(words[i:] + words[:i],)) for i in range(4)]
        for thread in clients:
            thread.start()
        time.sleep(1.0)
        script = Path(sys.executable).with_name("docsift")
        reindex = subprocess.run(
            [str(script), "--home", str(home), "reindex"],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        time.sleep(3.0)  # the workers' watchers poll every second
        stop.set()
        for thread in clients:
            thread.join(timeout=30)
        assert reindex.returncode == 0, reindex.stderr
        after = {_generation(url) for _ in range(20)}
    finally:
        stop_server(proc)
    assert len(answers) > 50
    assert {status for status, *_ in answers} == {200}
    assert max(seconds for _, seconds, *_ in answers) < 2.0
    # the same documents before, during and after the swap: never an empty or partial index
    totals = {word: {total for _, _, w, total in answers if w == word} for word in words}
    assert all(len(found) == 1 for found in totals.values()), totals
    assert totals["strike"] != {0}
    assert after != {before} and len(after) == 1, (before, after)

"""Every URL docsift fetches goes through the crawler's guard (issue 18, points 3 and 4).

Real `docsift ingest URL` and `docsift crawl` processes against servers on 127.0.0.1: loopback
in any spelling is refused unless --allow-private (or --allow-host) says otherwise, a redirect
from a trusted host to another port is checked and refused, and one deadline bounds a whole
request, so a server dripping a byte a second cannot hold an ingest (and the home's write
lock) for longer than fetch_timeout_s.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from livefixtures import Site, article, docsift, report_of, send

from indexer.store import DocumentStore

pytestmark = pytest.mark.slow


def _drip_headers(handler: Any) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Slow: " + b"a" * 120
    for byte in head:
        handler.wfile.write(bytes([byte]))
        handler.wfile.flush()
        time.sleep(0.5)


def _drip_body(handler: Any) -> None:
    body = article("Slow page", "It arrives one byte at a time.").encode()
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    for byte in body:
        handler.wfile.write(bytes([byte]))
        handler.wfile.flush()
        time.sleep(0.5)


@pytest.fixture
def target() -> Iterator[Site]:
    """The site a redirect would bounce to (another port): it must never be asked."""
    site = Site({"/secret": lambda h: send(h, article("Secret", "Internal admin page."))})
    yield site
    site.close()


@pytest.fixture
def site(target: Site) -> Iterator[Site]:
    routes = {
        "/page": lambda h: send(h, article("Harbour wall repaired", "Crews finished the wall.")),
        "/bounce": lambda h: send(h, "", status=302, headers={"Location": target.url("/secret")}),
        "/slow-headers": _drip_headers,
        "/slow-body": _drip_body,
    }
    served = Site(routes)
    yield served
    served.close()


def _stored(home: Path) -> set[str]:
    if not (home / "docsift.db").exists():
        return set()
    with DocumentStore(home / "docsift.db") as store:
        return {d.title for d in store.iter_documents()}


def test_ingest_of_a_loopback_url_is_refused_unless_allowed(tmp_path: Path, site: Site) -> None:
    home = tmp_path / "home"
    port = site.server.server_port
    spellings = [
        site.url("/page"),
        f"http://localhost:{port}/page",
        f"http://127.1:{port}/page",
        f"http://2130706433:{port}/page",  # 127.0.0.1 as one decimal number
        f"http://0x7f.0.0.1:{port}/page",
        f"http://0.0.0.0:{port}/page",
        f"http://[::ffff:127.0.0.1]:{port}/page",
    ]
    refused = docsift(home, "ingest", "--no-entities", "--json", *spellings)
    # as for a crawl: nothing fetched because every URL was refused is a failure with a hint
    assert refused.returncode == 1
    assert "nothing was fetched" in refused.stderr and "--allow-private" in refused.stderr
    report = report_of(refused)
    assert report["added"] == 0 and len(report["errors"]) == len(spellings)
    for problem in report["errors"]:
        assert problem["reason"].startswith("refused:"), problem
        assert "--allow-private" in problem["reason"], problem
    assert site.hits == []  # not one connection was made
    allowed = docsift(home, "ingest", "--no-entities", "--allow-private", site.url("/page"))
    assert allowed.returncode == 0, allowed.stderr
    assert _stored(home) == {"Harbour wall repaired"}


def test_an_ingest_that_also_read_files_is_partial_not_failed(tmp_path: Path, site: Site) -> None:
    note = tmp_path / "note.txt"
    note.write_text("Harbour note\n\nThe harbour office posted a notice.\n", encoding="utf-8")

    result = docsift(tmp_path / "home", "ingest", "--no-entities", str(note), site.url("/page"))

    assert result.returncode == 3, result.stderr  # some read, one refused
    assert "nothing was fetched" not in result.stderr
    assert "--allow-private" in result.stdout + result.stderr


def test_a_redirect_from_a_trusted_host_to_another_port_is_refused(
    tmp_path: Path, site: Site, target: Site
) -> None:
    home = tmp_path / "home"
    trusted = f"127.0.0.1:{site.server.server_port}"
    result = docsift(
        home, "ingest", "--no-entities", "--json", "--allow-host", trusted, site.url("/bounce")
    )
    assert result.returncode == 1  # the only URL refused: nothing was fetched
    (problem,) = report_of(result)["errors"]
    assert problem["reason"].startswith("refused:") and "loopback" in problem["reason"]
    assert site.hits == ["/bounce"] and target.hits == []
    # the trusted host itself is fetched
    ok = docsift(home, "ingest", "--no-entities", "--allow-host", trusted, site.url("/page"))
    assert ok.returncode == 0, ok.stderr
    assert _stored(home) == {"Harbour wall repaired"}


@pytest.mark.parametrize("path", ["/slow-headers", "/slow-body"])
def test_one_deadline_bounds_a_whole_request(tmp_path: Path, site: Site, path: str) -> None:
    home = tmp_path / "home"
    started = time.monotonic()
    result = docsift(
        home,
        "ingest",
        "--no-entities",
        "--json",
        "--allow-private",
        site.url(path),
        env={"DOCSIFT_FETCH_TIMEOUT_S": "2"},
    )
    elapsed = time.monotonic() - started
    (problem,) = report_of(result)["errors"]
    assert "timed out" in problem["reason"] and "2 s" in problem["reason"], problem
    # the drip would last a minute or more; the fetch gives up at its 2 s deadline (plus the
    # time the process takes to start)
    assert elapsed < 15, elapsed
    assert result.returncode == 3


def test_a_crawl_whose_seeds_are_all_refused_says_why_and_fails(tmp_path: Path, site: Site) -> None:
    result = docsift(tmp_path / "home", "crawl", "--delay", "0", site.url("/page"))
    assert result.returncode == 1
    assert "nothing was fetched" in result.stderr and "--allow-private" in result.stderr
    assert site.hits == []


def test_a_feed_cannot_lead_the_crawler_to_a_private_address(tmp_path: Path, target: Site) -> None:
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>'
        f"<item><title>Secret</title><link>{target.url('/secret')}</link></item>"
        "<item><title>Public</title><link>/page</link></item></channel></rss>"
    )
    routes = {
        "/feed.xml": lambda h: send(h, feed, content_type="application/rss+xml"),
        "/page": lambda h: send(h, article("Quay reopened", "Traffic returned to the quay.")),
        "/robots.txt": lambda h: send(h, "User-agent: *\n", content_type="text/plain"),
    }
    feeds = Site(routes)
    try:
        trusted = f"127.0.0.1:{feeds.server.server_port}"
        result = docsift(
            tmp_path / "home",
            "crawl",
            "--delay",
            "0",
            "--any-host",
            "--no-sitemaps",
            "--allow-host",
            trusted,
            "--json",
            feeds.url("/feed.xml"),
        )
    finally:
        feeds.close()
    report = report_of(result)
    assert target.hits == []
    secret = [p for p in report["problems"] if p["url"] == target.url("/secret")]
    assert secret and secret[0]["reason"].startswith("refused:")
    assert _stored(tmp_path / "home") == {"Quay reopened"}

"""The crawler end to end against fixture sites served on 127.0.0.1 by the standard library.

Each edge case of the issue has a route on the fixture site and a test asserting either the
stored document or the reason recorded in the frontier. A second server on 127.0.0.2 stands in
for "a private address": loopback, so the no-network guard allows it, but the crawler must
refuse it and never connect.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import _is_loopback

from indexer.cli import cli
from indexer.crawl.crawler import Crawler, CrawlOptions, CrawlReport
from indexer.crawl.frontier import Frontier
from indexer.pipeline import Pipeline
from indexer.store import DocumentStore
from search.documents import Document, make_doc_id
from search.settings import Settings, load_settings

SITE = Path(__file__).resolve().parent / "fixtures" / "site"
LAST_MODIFIED = "Mon, 03 Jun 2024 10:00:00 GMT"
TYPES = {".html": "text/html; charset=utf-8", ".xml": "application/xml", ".txt": "text/plain"}


def _page(title: str, text: str, links: tuple[str, ...] = ()) -> bytes:
    anchors = "".join(f'<li><a href="{h}">{h}</a></li>' for h in links)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head><body>"
        f"<nav><ul>{anchors}</ul></nav><article><h1>{title}</h1><p>{text} The harbour council "
        "met on Tuesday to discuss the budget for the coming year, and the public gallery was "
        "full for the debate about the new ferry terminal and the dredging contract.</p>"
        "<p>Officials said the plan would be published next month after residents, shop owners "
        "and the dockworkers' union had been consulted about the timetable.</p></article>"
        "</body></html>"
    ).encode()


class FixtureSite:
    """A ThreadingHTTPServer on 127.0.0.x that counts requests per path and records headers."""

    def __init__(self, host: str = "127.0.0.1", *, pages: int = 0, page_sleep: float = 0.0):
        self.counts: Counter[str] = Counter()
        self.headers: dict[str, list[dict[str, str]]] = defaultdict(list)
        self.times: dict[str, list[float]] = defaultdict(list)
        self.lock = threading.Lock()
        self.inflight = 0
        self.max_inflight = 0
        self.private = "127.0.0.2:9"
        self.slow_s = 1.0
        self.pages = pages  # > 0: a generated site of /page/N instead of the fixture files
        self.page_sleep = page_sleep
        self.crawl_delay = ""
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                with site.lock:
                    site.counts[self.path] += 1
                    site.headers[self.path].append(dict(self.headers.items()))
                    site.times[self.path].append(time.monotonic())
                    site.inflight += 1
                    site.max_inflight = max(site.max_inflight, site.inflight)
                    nth = site.counts[self.path]
                try:
                    site.respond(self, nth)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the crawler gave up (timeout): expected for /slow
                finally:
                    with site.lock:
                        site.inflight -= 1

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()
        self.netloc = f"{host}:{self.server.server_port}"
        self.base = f"http://{self.netloc}/"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    # -- responses ------------------------------------------------------------------------

    def _send(
        self,
        handler: BaseHTTPRequestHandler,
        status: int,
        body: bytes = b"",
        content_type: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        handler.send_response(status)
        if status != 304:
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        if status != 304:
            handler.wfile.write(body)

    def _redirect(self, handler: BaseHTTPRequestHandler, status: int, location: str) -> None:
        self._send(handler, status, b"", "text/html", {"Location": location})

    def _conditional(self, handler: BaseHTTPRequestHandler, body: bytes, content_type: str) -> None:
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        headers = {"ETag": etag, "Last-Modified": LAST_MODIFIED}
        if handler.headers.get("If-None-Match") == etag:
            self._send(handler, 304, headers=headers)
        else:
            self._send(handler, 200, body, content_type, headers)

    def _file(self, name: str) -> bytes:
        data = (SITE / name).read_bytes()
        return data.replace(b"{base}", self.base.encode()).replace(
            b"{private}", self.private.encode()
        )

    def respond(self, handler: BaseHTTPRequestHandler, nth: int) -> None:
        path = handler.path.split("?")[0]
        if self.pages:
            return self._generated(handler, path)
        redirects = {
            "/redirect/1": (302, "/redirect/2"),
            "/redirect/2": (301, "/redirect/3"),
            "/redirect/3": (307, "/chain-end.html"),
            "/loop/a": (302, "/loop/b"),
            "/loop/b": (302, "/loop/a"),
            "/to-private": (302, f"http://{self.private}/a1.html"),
        }
        if path in redirects:
            return self._redirect(handler, *redirects[path])
        if path == "/missing":
            return self._send(handler, 404, b"<h1>not found</h1>")
        if path == "/flaky":
            if nth == 1:
                return self._send(handler, 500, b"<h1>oops</h1>")
            return self._send(handler, 200, _page("Flaky page recovered", "Second time lucky."))
        if path == "/busy":
            if nth == 1:
                return self._send(handler, 429, b"slow down", headers={"Retry-After": "1"})
            return self._send(handler, 200, _page("Busy page served", "After waiting politely."))
        if path == "/slow":
            time.sleep(self.slow_s)
            return self._send(handler, 200, _page("Slow page", "Too late."))
        if path == "/big":
            return self._send(handler, 200, _page("Big", "x" * 300_000))
        if path == "/report.pdf":
            return self._send(handler, 200, b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n", "application/pdf")
        if path == "/latin1":
            body = self._file("latin1.html")
            return self._send(handler, 200, body, "text/html; charset=iso-8859-1")
        if path == "/sitemap2.xml.gz":
            return self._send(
                handler, 200, gzip.compress(self._file("sitemap2.xml")), "application/gzip"
            )
        names = {"/": "index.html", "/story": "story.html", "/amp/story": "amp-story.html"}
        name = names.get(path, path.lstrip("/"))
        target = (SITE / name).resolve()
        if not target.is_file() or SITE not in target.parents:
            return self._send(handler, 404, b"<h1>not found</h1>")
        content_type = TYPES.get(target.suffix, "application/octet-stream")
        if name == "liar.html":
            content_type = "text/html"  # only the (lying) meta charset speaks
        if name == "feed.xml":
            content_type = "application/rss+xml"
        return self._conditional(handler, self._file(name), content_type)

    def _generated(self, handler: BaseHTTPRequestHandler, path: str) -> None:
        if path == "/robots.txt":
            body = f"User-agent: *\nDisallow: /nowhere/\n{self.crawl_delay}".encode()
            return self._send(handler, 200, body, "text/plain")
        if path == "/":
            links = tuple(f"/page/{n}" for n in range(self.pages))
            return self._conditional(
                handler, _page("Front page", "All pages.", links), TYPES[".html"]
            )
        if path.startswith("/page/") and path[6:].isdigit() and int(path[6:]) < self.pages:
            n = int(path[6:])
            time.sleep(self.page_sleep)
            links = (f"/page/{(n + 1) % self.pages}", "/")
            body = _page(f"Generated story number {n}", f"Story {n} body text.", links)
            return self._conditional(handler, body, TYPES[".html"])
        return self._send(handler, 404, b"<h1>not found</h1>")


@pytest.fixture
def site() -> Iterator[FixtureSite]:
    private = FixtureSite("127.0.0.2")
    main = FixtureSite()
    main.private = private.netloc
    main.other = private  # type: ignore[attr-defined]
    yield main
    main.close()
    private.close()


def crawl(settings: Settings, seeds: list[str], site: FixtureSite, **given: Any) -> CrawlReport:
    options = CrawlOptions.from_settings(
        settings,
        tuple(seeds),
        **{
            "delay_s": 0.0,
            "timeout_s": 0.5,
            "backoff_s": 0.05,
            "max_attempts": 2,
            "max_retry_wait_s": 2.0,
            "max_bytes": 100_000,
            "allow_hosts": (site.netloc,),
            "same_host": False,
            **given,
        },
    )
    with DocumentStore(settings.db_path) as store:
        pipeline = Pipeline(settings, store)
        try:
            return Crawler(options, pipeline).run()
        finally:
            pipeline.close()


def frontier_row(settings: Settings, url: str) -> dict[str, Any]:
    with DocumentStore(settings.db_path) as store:
        row = Frontier(store.db).row(url)
    assert row is not None, f"{url} is not in the frontier"
    return row


def stored(settings: Settings, url: str) -> Document | None:
    with DocumentStore(settings.db_path) as store:
        return store.get(make_doc_id(url))


@dataclass(frozen=True)
class Crawled:
    """One crawl of the whole fixture site, shared by the tests that only read its outcome."""

    report: CrawlReport
    site: FixtureSite
    settings: Settings


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    """Module-scoped (the crawl takes seconds), so the autouse no-network guard is not active
    yet: the same guard is applied here by hand."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        if not _is_loopback(address):
            pytest.fail(f"crawl tried to connect to a non-loopback address: {address!r}")
        return real_connect(self, address)

    settings = load_settings(environ={}, home=tmp_path_factory.mktemp("crawled") / "home")
    private = FixtureSite("127.0.0.2")
    site = FixtureSite()
    site.private = private.netloc
    site.other = private  # type: ignore[attr-defined]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", guarded)
        report = crawl(settings, [site.base], site)
    yield Crawled(report, site, settings)
    site.close()
    private.close()


# -- discovery ------------------------------------------------------------------------------


def test_linked_pages_and_sitemap_only_pages_are_stored(crawled: Crawled) -> None:
    report, site, settings = crawled.report, crawled.site, crawled.settings
    for name, title in (
        ("a1.html", "Ferry terminal plan unveiled"),
        ("a2.html", "Dockworkers ask for more time"),
        ("orphan.html", "Lighthouse restoration approved"),  # only in sitemap.xml
        ("deep.html", "Storm damage survey published"),  # only in the gzipped sitemap
    ):
        document = stored(settings, site.base + name)
        assert document is not None, name
        assert document.title == title
        assert document.url == site.base + name
    assert (
        "sitemap: 2 pages" not in frontier_row(settings, site.base + "sitemap_index.xml")["reason"]
    )
    assert frontier_row(settings, site.base + "sitemap_index.xml")["reason"] == (
        "sitemap: 0 pages, 2 sitemaps"
    )
    assert frontier_row(settings, site.base + "sitemap2.xml.gz")["reason"] == (
        "sitemap: 1 pages, 0 sitemaps"
    )
    assert site.counts["/robots.txt"] == 1
    assert report.ingest.added >= 10


def test_robots_disallowed_folder_is_never_requested(crawled: Crawled) -> None:
    site, settings = crawled.site, crawled.settings
    row = frontier_row(settings, site.base + "private/secret.html")
    assert (row["status"], row["reason"]) == ("skipped", "disallowed by robots.txt")
    assert site.counts["/private/secret.html"] == 0


def test_user_agent_names_docsift(crawled: Crawled) -> None:
    site = crawled.site
    assert all("docsift" in h["User-Agent"] for hs in site.headers.values() for h in hs)


def test_feed_seed_ingests_its_items_but_is_not_a_document(
    settings: Settings, site: FixtureSite
) -> None:
    crawl(settings, [site.base + "feed.xml"], site, max_depth=1, sitemaps=False)
    row = frontier_row(settings, site.base + "feed.xml")
    assert (row["status"], row["reason"], row["kind"]) == ("fetched", "feed: 2 items", "feed")
    assert stored(settings, site.base + "feed.xml") is None
    first = stored(settings, site.base + "feed1.html")  # utm_source=rss dropped
    assert first is not None and first.title == "Council approves harbour budget"
    assert stored(settings, site.base + "feed2.html") is not None


# -- correctness: redirects, errors, retries -------------------------------------------------


def test_redirect_chain_stores_the_final_page(crawled: Crawled) -> None:
    site, settings = crawled.site, crawled.settings
    document = stored(settings, site.base + "chain-end.html")
    assert document is not None and document.title == "Harbour dredging contract signed"
    assert document.url == site.base + "chain-end.html"
    row = frontier_row(settings, site.base + "redirect/1")
    assert (row["status"], row["final_url"]) == ("fetched", site.base + "chain-end.html")
    assert site.counts["/chain-end.html"] == 1


def test_redirect_loop_is_recorded(crawled: Crawled) -> None:
    site, settings = crawled.site, crawled.settings
    row = frontier_row(settings, site.base + "loop/a")
    assert row["status"] == "failed"
    assert row["reason"].startswith("redirect loop")


def test_too_many_redirects_is_recorded(settings: Settings, site: FixtureSite) -> None:
    crawl(settings, [site.base + "redirect/1"], site, max_redirects=2, sitemaps=False)
    row = frontier_row(settings, site.base + "redirect/1")
    assert (row["status"], row["reason"]) == ("failed", "too many redirects (more than 2)")


def test_not_found_is_failed_with_status(crawled: Crawled) -> None:
    report, site, settings = crawled.report, crawled.site, crawled.settings
    row = frontier_row(settings, site.base + "missing")
    assert (row["status"], row["reason"], row["http_status"]) == ("failed", "HTTP 404", 404)
    assert not report.ok


def test_server_error_then_success_is_retried(crawled: Crawled) -> None:
    site, settings = crawled.site, crawled.settings
    assert site.counts["/flaky"] == 2
    document = stored(settings, site.base + "flaky")
    assert document is not None and document.title == "Flaky page recovered"
    assert frontier_row(settings, site.base + "flaky")["attempts"] == 1


def test_429_waits_for_retry_after(crawled: Crawled) -> None:
    site, settings = crawled.site, crawled.settings
    first, second = site.times["/busy"]
    assert second - first >= 0.95  # Retry-After: 1, longer than the 0.05 s backoff
    assert stored(settings, site.base + "busy") is not None


def test_slow_page_times_out_after_its_attempts(crawled: Crawled) -> None:
    site, settings = crawled.site, crawled.settings
    row = frontier_row(settings, site.base + "slow")
    assert row["status"] == "failed"
    assert row["reason"] == (
        "timed out: no complete answer within 0.5 s (fetch_timeout_s) (after 2 attempts)"
    )
    assert site.counts["/slow"] == 2


def test_oversized_page_and_pdf_are_skipped_with_reasons(crawled: Crawled) -> None:
    site, settings = crawled.site, crawled.settings
    big = frontier_row(settings, site.base + "big")
    assert big["status"] == "skipped" and big["reason"].startswith("too large")
    pdf = frontier_row(settings, site.base + "report.pdf")
    assert (pdf["status"], pdf["reason"]) == ("skipped", "not text or HTML (application/pdf)")
    assert stored(settings, site.base + "big") is None
    assert stored(settings, site.base + "report.pdf") is None


# -- decoding ---------------------------------------------------------------------------------


def test_latin1_declared_only_in_the_http_header(crawled: Crawled) -> None:
    site, settings = crawled.site, crawled.settings
    document = stored(settings, site.base + "latin1")
    assert document is not None
    assert document.title == "Café owners welcome the new quay"
    assert "Crème brûlée" in document.body and "señores" in document.body
    assert document.decode_method.startswith("http")


def test_lying_meta_charset_is_overruled(crawled: Crawled) -> None:
    site, settings = crawled.site, crawled.settings
    document = stored(settings, site.base + "liar.html")
    assert document is not None
    assert "café coûte 3 €" in document.body
    assert "\ufffd" not in document.body


# -- canonical URLs ----------------------------------------------------------------------------


def test_tracking_parameter_duplicates_are_fetched_once(crawled: Crawled) -> None:
    site, settings = crawled.site, crawled.settings
    story_requests = sum(n for path, n in site.counts.items() if path.startswith("/story"))
    assert story_requests == 1
    document = stored(settings, site.base + "story")
    assert document is not None and document.title == "Fish market reopens after refit"


def test_rel_canonical_page_is_not_stored_twice(crawled: Crawled) -> None:
    site, settings = crawled.site, crawled.settings
    row = frontier_row(settings, site.base + "amp/story")
    assert (row["status"], row["reason"]) == (
        "skipped",
        f"duplicate: its rel=canonical is {site.base}story",
    )
    assert stored(settings, site.base + "amp/story") is None


# -- safety ------------------------------------------------------------------------------------


def test_private_address_is_refused_by_link_and_by_redirect(crawled: Crawled) -> None:
    site, settings = crawled.site, crawled.settings
    other = site.other  # type: ignore[attr-defined]
    linked = frontier_row(settings, f"http://{other.netloc}/secret")
    assert linked["status"] == "skipped"
    assert "127.0.0.2 is a loopback address" in linked["reason"]
    bounced = frontier_row(settings, site.base + "to-private")
    assert bounced["status"] == "skipped"
    assert "127.0.0.2 is a loopback address" in bounced["reason"]
    assert sum(other.counts.values()) == 0  # never connected: not even robots.txt


def test_allow_private_lifts_the_refusal(settings: Settings, site: FixtureSite) -> None:
    other = site.other  # type: ignore[attr-defined]
    crawl(
        settings,
        [site.base + "to-private"],
        site,
        allow_hosts=(),
        allow_private=True,
        sitemaps=False,
        max_depth=0,
    )
    row = frontier_row(settings, site.base + "to-private")
    assert (row["status"], row["final_url"]) == ("fetched", f"http://{other.netloc}/a1.html")
    assert other.counts["/a1.html"] == 1
    assert stored(settings, f"http://{other.netloc}/a1.html") is not None


def test_without_allowlist_even_the_seed_host_is_refused(
    settings: Settings, site: FixtureSite
) -> None:
    report = crawl(settings, [site.base], site, allow_hosts=(), sitemaps=False)
    row = frontier_row(settings, site.base)
    assert row["status"] == "skipped" and "loopback" in row["reason"]
    assert sum(site.counts.values()) == 0
    assert report.fetched == 0


# -- politeness --------------------------------------------------------------------------------


def test_one_request_per_host_and_crawl_delay(settings: Settings) -> None:
    site = FixtureSite(pages=4)
    site.crawl_delay = "Crawl-delay: 0.3\n"
    try:
        crawl(settings, [site.base], site, concurrency=4, sitemaps=False)
    finally:
        site.close()
    assert site.max_inflight == 1
    starts = sorted(t for path, ts in site.times.items() if path != "/robots.txt" for t in ts)
    assert len(starts) == 5
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert min(gaps) >= 0.29


def test_max_pages_depth_and_filters(settings: Settings) -> None:
    site = FixtureSite(pages=30)
    try:
        report = crawl(settings, [site.base], site, max_pages=5, sitemaps=False)
        assert report.fetched == 5
        assert sum(n for p, n in site.counts.items() if p != "/robots.txt") == 5
    finally:
        site.close()


def test_include_and_exclude_patterns(settings: Settings) -> None:
    site = FixtureSite(pages=10)
    try:
        crawl(
            settings,
            [site.base],
            site,
            include=(r"/page/\d$",),
            exclude=(r"/page/[5-9]$",),
            sitemaps=False,
            max_depth=1,
        )
    finally:
        site.close()
    fetched = sorted(p for p in site.counts if p.startswith("/page/"))
    assert fetched == [f"/page/{n}" for n in range(5)]


# -- re-crawl and resume ------------------------------------------------------------------------


def test_recrawl_sends_conditional_requests_and_stores_nothing_new(
    settings: Settings, site: FixtureSite
) -> None:
    seeds = [site.base + "a1.html"]
    first = crawl(settings, seeds, site, sitemaps=False, max_depth=1)
    assert first.ingest.added == 3  # a1, a2, index
    with DocumentStore(settings.db_path) as store:
        before = {d.doc_id: d.ingested_at for d in store.iter_documents()}
        updated_before = store.stats()["last_update"]
    site.headers.clear()
    again = crawl(settings, seeds, site, sitemaps=False, max_depth=1)
    assert site.headers["/a1.html"][0]["If-None-Match"].startswith('"')
    assert site.headers["/a1.html"][0]["If-Modified-Since"] == LAST_MODIFIED
    assert site.headers["/a2.html"][0]["If-None-Match"]
    assert again.not_modified == 3
    assert (again.ingest.added, again.ingest.updated) == (0, 0)
    with DocumentStore(settings.db_path) as store:
        assert {d.doc_id: d.ingested_at for d in store.iter_documents()} == before
        assert store.stats()["last_update"] == updated_before


def _fetched_pages(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return conn.execute(
                "SELECT count(*) FROM crawl_frontier "
                "WHERE status = 'fetched' AND url LIKE '%/page/%'"
            ).fetchone()[0]
    except sqlite3.Error:
        return 0


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_killed_crawl_resumes_and_fetches_every_page_exactly_once(
    tmp_path: Path, sig: signal.Signals
) -> None:
    pages = 40
    site = FixtureSite(pages=pages, page_sleep=0.04)
    home = tmp_path / "home"
    docsift = Path(sys.executable).with_name("docsift")
    env = {**os.environ, "DOCSIFT_HOME": str(home)}
    common = ["--no-entities", "--no-progress"]
    try:
        child = subprocess.Popen(
            [str(docsift), "crawl", site.base, "--allow-private", "--delay", "0", *common],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 30
        while _fetched_pages(home / "docsift.db") < 8:
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "crawl made no progress"
            time.sleep(0.02)
        child.send_signal(sig)
        out, err = child.communicate(timeout=30)
        assert child.returncode == 128 + sig, (out, err)
        assert b"crawl stopped" in out
        stopped_at = _fetched_pages(home / "docsift.db")
        assert 8 <= stopped_at < pages
        resumed = subprocess.run(
            [str(docsift), "crawl", "--resume", *common],
            env=env,
            capture_output=True,
            timeout=60,
        )
        assert resumed.returncode == 0, (resumed.stdout, resumed.stderr)
    finally:
        site.close()
    page_counts = {p: n for p, n in site.counts.items() if p.startswith("/page/")}
    assert page_counts == {f"/page/{n}": 1 for n in range(pages)}
    assert site.counts["/"] == 1
    with DocumentStore(home / "docsift.db") as store:
        assert store.count() == pages + 1
        assert store.unindexed_count() == 0
        assert store.db.execute("SELECT count(*) FROM crawl_bodies").fetchone()[0] == 0


# -- CLI ------------------------------------------------------------------------------------


def test_cli_crawl_reports_and_stats_show_hosts(settings: Settings, site: FixtureSite) -> None:
    runner = CliRunner()
    result = runner.invoke(
        cli,
        [
            "crawl",
            site.base + "a1.html",
            "--allow-private",
            "--delay",
            "0",
            "--max-depth",
            "1",
            "--no-sitemaps",
            "--json",
        ],
        obj=settings,
    )
    assert result.exit_code == 0, result.output
    assert '"fetched": 3' in result.output
    stats = runner.invoke(cli, ["stats"], obj=settings)
    assert stats.exit_code == 0, stats.output
    assert f"{site.netloc}: 3 fetched, 0 queued, 0 skipped, 0 failed" in stats.output


def test_cli_crawl_exit_status_partial_on_failures(settings: Settings, site: FixtureSite) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "crawl",
            site.base + "missing",
            "--allow-private",
            "--delay",
            "0",
            "--no-sitemaps",
            "--no-entities",
        ],
        obj=settings,
    )
    assert result.exit_code == 3, result.output
    assert "HTTP 404" in result.output


def test_cli_resume_without_a_stopped_crawl_is_an_error(settings: Settings) -> None:
    result = CliRunner().invoke(cli, ["crawl", "--resume"], obj=settings)
    assert result.exit_code != 0
    assert "no unfinished crawl" in str(result.exception) + result.output

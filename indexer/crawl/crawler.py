"""The crawler: a resumable frontier, polite scheduling, and crawled pages into the pipeline.

Shape: worker threads only do network I/O (robots.txt and page GETs through `CrawlFetcher`);
the main thread owns the SQLite frontier, decides what to fetch next (one request in flight
per host, a per-host delay of max(`--delay`, Crawl-delay), retries with backoff), reads links,
sitemaps and feeds, and hands fetched pages to `Pipeline.run_raw` - the same decode, clean,
entity, store and index stages as `docsift ingest`. A stop request (Ctrl-C, SIGTERM) lets
in-flight requests finish and be recorded; a hard kill loses at most the in-flight requests,
which `--resume` puts back in the queue.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from indexer.crawl.discover import Listing, is_gzip, page_links, parse_listing, xml_root_kind
from indexer.crawl.frontier import Frontier, FrontierRow, PendingBody
from indexer.crawl.options import CrawlOptions, CrawlProgress, CrawlReport
from indexer.crawl.robots import RobotsCache
from indexer.fetch import RawDocument
from indexer.net.fetcher import CrawlFetcher, Fetched, RetryLater
from indexer.net.guard import Resolver, system_resolver
from indexer.net.urls import canonicalize, host_key, same_site
from indexer.page.decode import charset_from_content_type, decode_bytes
from indexer.pipeline import Pipeline, described_error
from search.diskfull import is_disk_full
from search.errors import ConfigError, FetchError, SkipDocument

__all__ = ["CrawlOptions", "CrawlProgress", "CrawlReport", "Crawler"]

logger = logging.getLogger(__name__)

HTML_TYPES = ("text/html", "application/xhtml+xml")
XML_TYPES = ("text/xml", "application/xml", "application/rss+xml", "application/atom+xml")
# a fetched page handed to the pipeline this many times (runs that died before storing it)
# is given up on, so that a page which kills the process cannot stop every --resume
MAX_BODY_TRIES = 3


@dataclass
class _Counters:
    fetched: int = 0
    not_modified: int = 0
    skipped: int = 0
    failed: int = 0
    retried: int = 0
    stages: dict[str, float] = field(default_factory=dict)

    def add(self, stage: str, seconds: float) -> None:
        self.stages[stage] = self.stages.get(stage, 0.0) + seconds


@dataclass(frozen=True, slots=True)
class _Done:
    """What a worker hands back: the fetched response, or the error it raised."""

    fetched: Fetched | None = None
    error: Exception | None = None
    seconds: float = 0.0


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Crawler:
    """Crawls from seeds into a store through a pipeline; see the module docstring."""

    def __init__(
        self,
        options: CrawlOptions,
        pipeline: Pipeline,
        *,
        resolve: Resolver = system_resolver,
        stop: threading.Event | None = None,
        progress: Callable[[CrawlProgress], None] | None = None,
    ) -> None:
        self.options = options
        self.pipeline = pipeline
        self.frontier = Frontier(pipeline.store.db)
        self.stop = stop or threading.Event()
        self.progress = progress
        try:
            self._include = [re.compile(p) for p in options.include]
            self._exclude = [re.compile(p) for p in options.exclude]
        except re.error as exc:
            raise ConfigError(f"bad --include/--exclude pattern: {exc}") from exc
        seeds = [canonicalize(s) for s in options.seeds]
        self.seeds = tuple(s for s in seeds if s)
        self.seed_hosts = frozenset(host_key(s) for s in self.seeds)
        self.robots = RobotsCache(self._get_robots)
        self.fetcher = CrawlFetcher(
            options.fetch_options(),
            resolve=resolve,
            robots_problem=self._robots_problem,
            connections=options.concurrency + 2,
        )
        self.run_id = 0
        self._busy: set[str] = set()
        self._next_allowed: dict[str, float] = {}
        self._origins_done: set[str] = set()
        self._counters = _Counters()
        self._started = 0.0
        self._last_progress = 0.0

    # -- entry points -----------------------------------------------------------------------

    @classmethod
    def resume(cls, pipeline: Pipeline, **kwargs: Any) -> Crawler:
        """A crawler for the store's unfinished run, with the options it was started with.

        Raises:
            ConfigError: there is no unfinished crawl to resume.
        """
        found = Frontier(pipeline.store.db).resumable_run()
        if found is None:
            raise ConfigError("no unfinished crawl to resume in this store")
        run_id, config = found
        crawler = cls(CrawlOptions.from_dict(config), pipeline, **kwargs)
        crawler.run_id = run_id
        return crawler

    def run(self) -> CrawlReport:
        """Crawl until the frontier is empty, `max_pages` is reached or a stop is asked."""
        self._started = time.perf_counter()
        if not self.run_id:
            self.run_id = self.frontier.start_run(self.options.to_dict())
            self.frontier.enqueue(((s, 0, "page") for s in self.seeds), "seed", self.run_id)
        self._counters.fetched = self.frontier.counts()["fetched"]
        already = self._counters.fetched
        try:
            ingest = self.pipeline.run_raw(
                self._raw_documents(),
                done=self.frontier.drop_bodies,
                failed=self._stage_failed,
                batch_size=20,
            )
        finally:
            self.fetcher.close()
        counts = self.frontier.counts()
        stopped = self.stop.is_set()
        self.frontier.end_run(self.run_id, "interrupted" if stopped else "finished")
        stages = dict(self._counters.stages)
        read = dict(ingest.stage_seconds).pop("read", 0.0)
        crawl_side = sum(stages.values())
        for stage, seconds in ingest.stage_seconds:
            if stage != "read":
                stages[stage] = stages.get(stage, 0.0) + seconds
        if read > crawl_side:  # pipeline time spent pulling from us that we did not time
            stages["other"] = stages.get("other", 0.0) + read - crawl_side
        return CrawlReport(
            fetched=self._counters.fetched - already,
            not_modified=self._counters.not_modified,
            skipped=counts["skipped"],
            failed=counts["failed"],
            retried=self._counters.retried,
            queued_left=counts["queued"] + counts["fetching"],
            seconds=time.perf_counter() - self._started,
            stopped=stopped,
            ingest=ingest,
            stage_seconds=tuple(stages.items()),
            problems=tuple(self.frontier.problems()),
        )

    def _stage_failed(self, problems: list[tuple[str, str]]) -> None:
        """Pages the pipeline could not store: failed in the frontier with the reason, so
        they are reported and never handed to the pipeline again."""
        for url, reason in problems:
            self.frontier.finish(url, "failed", reason)

    # -- the scheduling loop ----------------------------------------------------------------

    def _raw_documents(self) -> Iterator[RawDocument]:
        for url, reason in self.frontier.give_up_bodies(MAX_BODY_TRIES):
            logger.warning("crawl gives up on %s: %s", url, reason)
        for body in self.frontier.pending_bodies():  # fetched before a stop, not yet stored
            yield RawDocument(
                body.url, body.final_url, body.content, body.content_type, body.fetched_at
            )
        pool = cf.ThreadPoolExecutor(self.options.concurrency, thread_name_prefix="crawl")
        inflight: dict[cf.Future[_Done], FrontierRow] = {}
        try:
            while True:
                if not self.stop.is_set():
                    started = time.perf_counter()
                    self._fill(pool, inflight)
                    self._counters.add("frontier", time.perf_counter() - started)
                if not inflight:
                    wake = None if self.stop.is_set() else self._next_wake()
                    if wake is None:
                        return
                    started = time.perf_counter()
                    self.stop.wait(max(0.0, min(wake - time.time(), 1.0)))
                    self._counters.add(
                        "waiting (politeness, retries)", time.perf_counter() - started
                    )
                    continue
                started = time.perf_counter()
                done, _ = cf.wait(inflight, timeout=0.5, return_when=cf.FIRST_COMPLETED)
                self._counters.add("fetch (waiting on network)", time.perf_counter() - started)
                for future in done:
                    row = inflight.pop(future)
                    try:
                        raw = self._complete(row, future.result())
                    except Exception as exc:
                        if is_disk_full(exc, self.pipeline.settings.home):
                            raise
                        # one page that breaks link discovery or its bookkeeping fails alone
                        logger.warning("crawl failed on %s", row.url, exc_info=True)
                        self.frontier.finish(row.url, "failed", described_error(exc))
                        self._counters.failed += 1
                        continue
                    if raw is not None:
                        yield raw
                self._report_progress()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _fill(
        self, pool: cf.ThreadPoolExecutor, inflight: dict[cf.Future[_Done], FrontierRow]
    ) -> None:
        while len(inflight) < self.options.concurrency:
            if self._counters.fetched + len(inflight) >= self.options.max_pages:
                return
            now = time.time()
            waiting = {h for h, t in self._next_allowed.items() if t > now}
            row = self.frontier.next_ready(now, self._busy | waiting)
            if row is None:
                return
            self.frontier.mark_fetching(row.url)
            self._busy.add(row.host)
            inflight[pool.submit(self._work, row)] = row

    def _next_wake(self) -> float | None:
        """When the next queued URL may be fetched, or None when nothing is queued."""
        due = self.frontier.next_due()
        if not due:
            return None
        if self._counters.fetched >= self.options.max_pages:
            return None
        return min(max(t, self._next_allowed.get(h, 0.0)) for h, t in due.items())

    def _work(self, row: FrontierRow) -> _Done:
        """In a worker thread: robots.txt, then the GET. Never touches SQLite."""
        started = time.perf_counter()
        try:
            problem = self._robots_problem(row.url)
            if problem:
                raise SkipDocument(problem, row.url)
            fetched = self.fetcher.get(row.url, etag=row.etag, last_modified=row.last_modified)
            return _Done(fetched=fetched, seconds=time.perf_counter() - started)
        except Exception as exc:  # noqa: BLE001 - handed to the main thread, which records it
            return _Done(error=exc, seconds=time.perf_counter() - started)

    def _get_robots(self, robots_url: str) -> tuple[int, bytes]:
        return self.fetcher.get_robots(robots_url)

    def _robots_problem(self, url: str) -> str:
        rules = self.robots.rules(_origin(url))
        if rules.problem:
            return rules.problem
        if not rules.allows(url):
            return "disallowed by robots.txt"
        return ""

    # -- outcomes -----------------------------------------------------------------------------

    def _complete(self, row: FrontierRow, done: _Done) -> RawDocument | None:
        """Record one finished request in the frontier; returns a page for the pipeline."""
        started = time.perf_counter()
        discovering = self._counters.stages.get("discover", 0.0)
        self._counters.add("fetch (worker time, overlapped)", done.seconds)
        self._busy.discard(row.host)
        origin = _origin(row.url)
        rules = self.robots.known(origin)
        delay = max(self.options.delay_s, rules.crawl_delay() if rules else 0.0)
        self._next_allowed[row.host] = time.time() + delay
        if rules is not None and origin not in self._origins_done:
            self._origins_done.add(origin)
            self._queue_sitemaps(origin, rules.sitemaps, row)
        try:
            if done.error is not None:
                self._failure(row, done.error)
                return None
            assert done.fetched is not None
            return self._success(row, done.fetched)
        finally:
            discovered = self._counters.stages.get("discover", 0.0) - discovering
            self._counters.add("frontier", time.perf_counter() - started - discovered)

    def _failure(self, row: FrontierRow, error: Exception) -> None:
        if isinstance(error, RetryLater):
            attempts = row.attempts + 1
            if attempts < self.options.max_attempts:
                wait = self.options.backoff_s * 2 ** (attempts - 1)
                wait = min(self.options.max_retry_wait_s, max(wait, error.retry_after or 0.0))
                if error.status == 429 and error.retry_after:
                    self._next_allowed[row.host] = time.time() + wait
                self.frontier.retry(
                    row.url, attempts, time.time() + wait, f"{error.reason}; retry {attempts}"
                )
                self._counters.retried += 1
                return
            self.frontier.finish(
                row.url, "failed", f"{error.reason} (after {attempts} attempts)", attempts=attempts
            )
            self._counters.failed += 1
            return
        if isinstance(error, SkipDocument):
            self.frontier.finish(row.url, "skipped", error.reason)
            self._counters.skipped += 1
            return
        if isinstance(error, FetchError):
            if row.kind == "sitemap" and error.status in (404, 410):
                self.frontier.finish(row.url, "skipped", f"no sitemap here ({error.reason})")
                self._counters.skipped += 1
                return
            self.frontier.finish(row.url, "failed", error.reason, http_status=error.status)
        else:
            logger.warning("crawl failed on %s", row.url, exc_info=error)
            self.frontier.finish(row.url, "failed", f"{type(error).__name__}: {error}")
        self._counters.failed += 1

    def _success(self, row: FrontierRow, fetched: Fetched) -> RawDocument | None:
        final = fetched.final_url
        if fetched.status == 304:
            self.frontier.finish(row.url, "fetched", "not modified (304)", http_status=304)
            self._counters.fetched += 1
            self._counters.not_modified += 1
            self._enqueue_known(row.links, row)  # its links as they were, re-checked too
            return None
        validators = {
            "http_status": fetched.status,
            "etag": fetched.etag,
            "last_modified": fetched.last_modified,
            "final_url": final,
        }
        if final != row.url and not self.frontier.claim(
            final, host_key(final), row.depth, self.run_id, f"reached by redirect from {row.url}"
        ):
            self.frontier.finish(row.url, "skipped", f"redirects to {final}, already fetched")
            self._counters.skipped += 1
            return None
        started = time.perf_counter()
        try:
            listing, links, canonical = self._discover(fetched)
        except SkipDocument as exc:
            self.frontier.finish(row.url, "skipped", exc.reason, **validators)
            self._counters.skipped += 1
            return None
        finally:
            self._counters.add("discover", time.perf_counter() - started)
        self._enqueue_known(links, row)
        if listing is not None:
            what = (
                f"{len(listing.pages)} pages, {len(listing.sitemaps)} sitemaps"
                if listing.kind == "sitemap"
                else f"{len(listing.pages)} items"
            )
            self.frontier.finish(
                row.url,
                "fetched",
                f"{listing.kind}: {what}",
                kind=listing.kind,
                links=links,
                **validators,
            )
            self._counters.fetched += 1
            return None
        if canonical and canonical != final and host_key(canonical) == host_key(final):
            self._enqueue_known(((canonical, "page"),), row, same_depth=True)
            self.frontier.finish(
                row.url,
                "skipped",
                f"duplicate: its rel=canonical is {canonical}",
                links=links,
                **validators,
            )
            self._counters.skipped += 1
            return None
        digest = _sha256(fetched.content)
        body = PendingBody(
            row.url, final, fetched.content_type, fetched.content, fetched.fetched_at
        )
        self._counters.fetched += 1
        if digest == row.content_hash:  # no validators from the server, but the same bytes
            self.frontier.finish(
                row.url, "fetched", "unchanged", kind="page", links=links, **validators
            )
            return None
        self.frontier.finish_with_body(
            row.url, body, "", kind="page", links=links, content_hash=digest, **validators
        )
        return RawDocument(
            row.url, final, fetched.content, fetched.content_type, fetched.fetched_at
        )

    def _discover(
        self, fetched: Fetched
    ) -> tuple[Listing | None, list[tuple[str, str]], str | None]:
        """(listing if a sitemap/feed, links as (url, kind), rel=canonical if a page)."""
        mime, content = fetched.mime, fetched.content
        if mime in XML_TYPES or is_gzip(content) or (not mime and xml_root_kind(content)):
            listing = parse_listing(content, fetched.final_url, self.options.max_bytes)
            if listing is None:
                if mime in XML_TYPES:
                    raise SkipDocument(f"XML that is neither a sitemap nor a feed ({mime})")
            else:
                links = [(u, "page") for u in listing.pages]
                links += [(u, "sitemap") for u in listing.sitemaps]
                return listing, links, None
        if mime in HTML_TYPES or not mime:
            decoded = decode_bytes(
                content, http_charset=charset_from_content_type(fetched.content_type), html=True
            )
            found = page_links(decoded.text, fetched.final_url)
            return None, [(u, "page") for u in found.links], found.canonical
        return None, [], None

    def _enqueue_known(
        self,
        links: Iterator[tuple[str, str]] | tuple[tuple[str, str], ...] | list[tuple[str, str]],
        row: FrontierRow,
        *,
        same_depth: bool = False,
    ) -> None:
        depth = row.depth if same_depth else row.depth + 1
        entries = []
        for url, kind in links:
            if kind == "sitemap":
                entries.append((url, row.depth, kind))  # an index's children: same depth
            elif depth <= self.options.max_depth and self._in_scope(url):
                entries.append((url, depth, kind))
        self.frontier.enqueue(entries, row.url, self.run_id)

    def _queue_sitemaps(self, origin: str, named: tuple[str, ...], row: FrontierRow) -> None:
        if not self.options.sitemaps or host_key(origin) not in self.seed_hosts:
            return
        urls = [canonicalize(u) for u in named] or [origin + "/sitemap.xml"]
        entries = [(u, 0, "sitemap") for u in urls if u]
        self.frontier.enqueue(entries, origin + "/robots.txt", self.run_id)

    def _in_scope(self, url: str) -> bool:
        if self.options.same_host and not same_site(url, self.seed_hosts):
            return False
        if self._include and not any(p.search(url) for p in self._include):
            return False
        return not any(p.search(url) for p in self._exclude)

    def _report_progress(self) -> None:
        now = time.perf_counter()
        if self.progress is None or now - self._last_progress < 0.2:
            return
        self._last_progress = now
        counts = self.frontier.counts()
        self.progress(
            CrawlProgress(
                fetched=self._counters.fetched,
                queued=counts["queued"],
                skipped=counts["skipped"],
                errors=counts["failed"],
                not_modified=self._counters.not_modified,
                seconds=now - self._started,
            )
        )

"""What a crawl is asked to do (CrawlOptions, saved with the run so `--resume` continues
with the same ones), what it says while it runs (CrawlProgress) and what it reports at the
end (CrawlReport).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from indexer.net.fetcher import FetchOptions
from indexer.pipeline import IngestReport
from search.settings import Settings


@dataclass(frozen=True, slots=True)
class CrawlOptions:
    """What one crawl does; saved with the run so `--resume` continues with the same options."""

    seeds: tuple[str, ...]
    max_pages: int = 1000
    max_depth: int = 5
    same_host: bool = True
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    delay_s: float = 1.0
    allow_private: bool = False
    allow_hosts: tuple[str, ...] = ()
    concurrency: int = 4
    max_attempts: int = 3
    backoff_s: float = 2.0
    max_retry_wait_s: float = 60.0
    timeout_s: float = 20.0
    max_bytes: int = 20 * 1024 * 1024
    max_redirects: int = 5
    user_agent: str = "docsift"
    sitemaps: bool = True

    def fetch_options(self) -> FetchOptions:
        """The options every GET of this crawl obeys (the same type `ingest URL` uses)."""
        return FetchOptions(
            user_agent=self.user_agent,
            timeout_s=self.timeout_s,
            max_bytes=self.max_bytes,
            max_redirects=self.max_redirects,
            allow_private=self.allow_private,
            allow_hosts=self.allow_hosts,
        )

    @classmethod
    def from_settings(
        cls, settings: Settings, seeds: tuple[str, ...], **given: Any
    ) -> CrawlOptions:
        """Options from settings, overridden by whatever is given and not None."""
        base = cls(
            seeds=seeds,
            max_pages=settings.crawl_max_pages,
            max_depth=settings.crawl_max_depth,
            delay_s=settings.crawl_delay_s,
            concurrency=settings.crawl_concurrency,
            max_attempts=settings.crawl_max_attempts,
            backoff_s=settings.crawl_backoff_s,
            max_retry_wait_s=settings.crawl_max_retry_wait_s,
            timeout_s=settings.fetch_timeout_s,
            max_bytes=settings.max_file_bytes,
            max_redirects=settings.max_redirects,
            user_agent=settings.user_agent,
        )
        return replace(base, **{k: v for k, v in given.items() if v is not None})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CrawlOptions:
        known = {f for f in cls.__dataclass_fields__}
        values: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in known
        }
        return cls(**values)


@dataclass(frozen=True, slots=True)
class CrawlProgress:
    """A snapshot for the progress line."""

    fetched: int
    queued: int
    skipped: int
    errors: int
    not_modified: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.fetched / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True, slots=True)
class CrawlReport:
    """What a crawl did: fetch outcomes, what the pipeline stored, time per stage."""

    fetched: int
    not_modified: int
    skipped: int
    failed: int
    retried: int
    queued_left: int
    seconds: float
    stopped: bool
    ingest: IngestReport
    stage_seconds: tuple[tuple[str, float], ...]
    problems: tuple[dict[str, str], ...] = ()

    @property
    def pages_per_second(self) -> float:
        return self.fetched / self.seconds if self.seconds > 0 else 0.0

    @property
    def ok(self) -> bool:
        return not self.failed and self.ingest.ok

    def to_dict(self) -> dict[str, Any]:
        return {
            "fetched": self.fetched,
            "not_modified": self.not_modified,
            "skipped": self.skipped,
            "failed": self.failed,
            "retried": self.retried,
            "queued_left": self.queued_left,
            "seconds": round(self.seconds, 3),
            "pages_per_second": round(self.pages_per_second, 2),
            "stopped": self.stopped,
            "stage_seconds": {k: round(v, 3) for k, v in self.stage_seconds},
            "problems": list(self.problems),
            "ingest": self.ingest.to_dict(),
        }

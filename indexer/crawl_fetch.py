"""The crawler's HTTP GET: httpx, but with every redirect hop checked before it is followed.

httpx follows redirects on its own, which would let a public page bounce us to 127.0.0.1 or
169.254.169.254 unchecked; here `follow_redirects=False` and each hop is resolved, checked by
`netguard`, checked against robots.txt, and then connected to by the address that was
checked (Host header and TLS SNI keep the real name), so a DNS answer cannot change between
check and connect. Conditional GET headers go on the first hop; 429/5xx and timeouts raise
`RetryLater` so the scheduler can back off.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx

from indexer.fetch import TEXT_CONTENT_TYPES
from indexer.netguard import Refused, Resolver, check_url_allowed, system_resolver
from indexer.urls import canonicalize
from search.errors import FetchError, SkipDocument

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
GZIP_TYPES = frozenset({"application/gzip", "application/x-gzip", "application/octet-stream"})
ACCEPT = "text/html,application/xhtml+xml,text/plain;q=0.9,application/xml;q=0.8,*/*;q=0.1"


class RetryLater(FetchError):
    """A transient failure (429, 5xx, timeout, connection reset): try again after a pause."""

    def __init__(
        self,
        reason: str,
        source: str = "",
        *,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(reason, source, status=status)
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Fetched:
    """One completed GET: 200 with a body, or 304 (unchanged since the validators we sent)."""

    url: str
    final_url: str
    status: int
    content: bytes
    content_type: str
    etag: str
    last_modified: str
    redirects: tuple[str, ...]
    fetched_at: dt.datetime

    @property
    def mime(self) -> str:
        return self.content_type.split(";")[0].strip().lower()


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _mb(size: int) -> str:
    return f"{size / 1_048_576:.1f} MB"


class CrawlFetcher:
    """GETs with checked redirects, size cap, content-type filter and conditional headers."""

    def __init__(
        self,
        *,
        user_agent: str,
        timeout_s: float,
        max_bytes: int,
        max_redirects: int,
        allow_private: bool = False,
        allow_hosts: Collection[str] = (),
        resolve: Resolver = system_resolver,
        robots_problem: Callable[[str], str] | None = None,
        connections: int = 8,
    ) -> None:
        self.timeout_s = timeout_s
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.allow_private = allow_private
        self.allow_hosts = frozenset(allow_hosts)
        self.resolve = resolve
        self.robots_problem = robots_problem
        self.client = httpx.Client(
            headers={"User-Agent": user_agent, "Accept": ACCEPT},
            timeout=timeout_s,
            follow_redirects=False,
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
            trust_env=False,  # a proxy from the environment would bypass the address checks
        )

    def close(self) -> None:
        self.client.close()

    def _request(self, url: str, headers: dict[str, str]) -> httpx.Request:
        """A request pinned to an address the guard approved."""
        addresses = check_url_allowed(
            url,
            resolve=self.resolve,
            allow_private=self.allow_private,
            allow_hosts=self.allow_hosts,
        )
        parts = urlsplit(url)
        host = parts.hostname or ""
        address = addresses[0]
        pinned = f"[{address}]" if ":" in address else address
        if parts.port:
            pinned += f":{parts.port}"
        target = urlunsplit((parts.scheme, pinned, parts.path, parts.query, ""))
        headers = {**headers, "Host": parts.netloc}
        return self.client.build_request(
            "GET", target, headers=headers, extensions={"sni_hostname": host}
        )

    def get(
        self,
        url: str,
        *,
        etag: str = "",
        last_modified: str = "",
        any_type: bool = False,
        check_robots: bool = True,
    ) -> Fetched:
        """GET `url` (canonical), following at most `max_redirects` checked redirects.

        Raises:
            Refused: the URL or a redirect target is not allowed (address, scheme).
            SkipDocument: robots.txt forbids a redirect target, wrong content type, too large.
            RetryLater: 429, 5xx, timeout or connection failure.
            FetchError: other 4xx, redirect loop, too many redirects.
        """
        current, chain = url, [url]
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        for _hop in range(self.max_redirects + 1):
            request = self._request(current, headers)
            try:
                response = self.client.send(request, stream=True)
            except httpx.TimeoutException as exc:
                raise RetryLater("timed out", url) from exc
            except httpx.HTTPError as exc:
                raise RetryLater(f"connection failed: {type(exc).__name__}", url) from exc
            try:
                if response.status_code in REDIRECT_STATUSES and "location" in response.headers:
                    target = canonicalize(response.headers["location"], current)
                    if target is None:
                        raise Refused("redirect to a URL that is not http(s)", url)
                    if target in chain:
                        raise FetchError(f"redirect loop ({' -> '.join([*chain, target])})", url)
                    problem = (
                        self.robots_problem(target) if self.robots_problem and check_robots else ""
                    )
                    if problem:
                        raise SkipDocument(f"{problem} (redirect target {target})", url)
                    chain.append(target)
                    current = target
                    headers = {}  # validators belong to the first URL only
                    continue
                return self._finish(url, current, chain, response, any_type)
            finally:
                response.close()
        raise FetchError(f"too many redirects (more than {self.max_redirects})", url)

    def _finish(
        self, url: str, final: str, chain: list[str], response: httpx.Response, any_type: bool
    ) -> Fetched:
        status = response.status_code
        if status == 429 or status >= 500:
            raise RetryLater(
                f"HTTP {status}",
                url,
                status=status,
                retry_after=parse_retry_after(response.headers.get("retry-after")),
            )
        if status >= 400:
            raise FetchError(f"HTTP {status}", url, status=status)
        if status not in (200, 203, 304):
            raise FetchError(f"unexpected HTTP {status}", url, status=status)
        content_type = response.headers.get("content-type", "")
        mime = content_type.split(";")[0].strip().lower()
        gz = mime in GZIP_TYPES and urlsplit(final).path.endswith(".gz")
        if status != 304 and not any_type and mime and mime not in TEXT_CONTENT_TYPES and not gz:
            raise SkipDocument(f"not HTML or text ({mime})", url)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise SkipDocument(f"too large ({_mb(int(declared))} > {_mb(self.max_bytes)})", url)
        chunks: list[bytes] = []
        size = 0
        deadline = time.monotonic() + max(self.timeout_s * 3, 1.0)
        try:
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > self.max_bytes:
                    raise SkipDocument(f"too large (over {_mb(self.max_bytes)})", url)
                if time.monotonic() > deadline:
                    raise RetryLater("timed out while reading the body", url)
                chunks.append(chunk)
        except httpx.TimeoutException as exc:
            raise RetryLater("timed out", url) from exc
        except httpx.HTTPError as exc:
            raise RetryLater(f"connection failed: {type(exc).__name__}", url) from exc
        return Fetched(
            url=url,
            final_url=final,
            status=status,
            content=b"".join(chunks),
            content_type=content_type,
            etag=response.headers.get("etag", ""),
            last_modified=response.headers.get("last-modified", ""),
            redirects=tuple(chain[1:]),
            fetched_at=dt.datetime.now(dt.UTC),
        )

    def get_robots(self, robots_url: str) -> tuple[int, bytes]:
        """(status, body) of a robots.txt; errors for 4xx/5xx become statuses, not exceptions."""
        try:
            fetched = self.get(robots_url, any_type=True, check_robots=False)
        except RetryLater as exc:
            if exc.status is None:
                raise
            return exc.status, b""
        except FetchError as exc:
            if exc.status is None:
                raise
            return exc.status, b""
        return fetched.status, fetched.content

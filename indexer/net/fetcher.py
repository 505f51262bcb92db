"""The crawler's HTTP GET: httpx, but with every redirect hop checked before it is followed.

httpx follows redirects on its own, which would let a public page bounce us to 127.0.0.1 or
169.254.169.254 unchecked; here `follow_redirects=False` and each hop is resolved, checked by
`netguard`, checked against robots.txt, and then connected to by the address that was
checked (Host header and TLS SNI keep the real name), so a DNS answer cannot change between
check and connect. Conditional GET headers go on the first hop; 429/5xx and timeouts raise
`RetryLater` so the scheduler can back off.

Every request also has one deadline, `timeout_s` from its start to its last byte over all its
hops: httpx's timeouts are per read, so a server sending a byte a second would otherwise hold
a fetch (and the home's write lock) for as long as it liked. A timer shuts the request's
sockets down when the deadline passes, whatever the request is waiting for. Connections are
not kept alive between requests, so every request's sockets are its own.

`docsift ingest URL` fetches through this same class (indexer/fetch.py), so one guard covers
every URL docsift fetches: pages, redirects, robots.txt, sitemaps and feeds.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import socket
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from indexer.net.guard import Refused, Resolver, check_url_allowed, system_resolver
from indexer.net.urls import canonicalize
from search.errors import FetchError, SkipDocument
from search.settings import Settings

TEXT_CONTENT_TYPES = (
    "text/html",
    "application/xhtml+xml",
    "text/plain",
    "text/xml",
    "application/xml",
    "application/rss+xml",
    "application/atom+xml",
    "text/markdown",
)
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


def too_large(size: int | None, limit: int) -> str:
    """The one wording of the size limit for files and URLs alike; `size` None when unknown."""
    if size is None:
        return f"too large (over the {_mb(limit)} limit, max_file_bytes)"
    return f"too large ({_mb(size)} > {_mb(limit)} limit, max_file_bytes)"


def _network_failure(exc: httpx.HTTPError, url: str, deadline: Deadline) -> RetryLater:
    """A failed read or connect, worded by its cause: the request's deadline, one stalled
    read, or the connection."""
    if deadline.passed():
        return RetryLater(deadline.reason(), url)
    if isinstance(exc, httpx.TimeoutException):
        return RetryLater("timed out", url)
    return RetryLater(f"connection failed: {type(exc).__name__}", url)


class Deadline:
    """One request's deadline: shuts its sockets down when time is up, so a read that is
    still waiting (headers dripping in, a stalled body) ends at once."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def remaining(self) -> float:
        return max(0.001, self.at - time.monotonic())

    def passed(self) -> bool:
        return self.expired or time.monotonic() >= self.at

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore's trace hook: keep the socket of every connection the request opens."""
        if event != "connection.connect_tcp.complete":
            return
        stream = info.get("return_value")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if isinstance(sock, socket.socket):
            with self._lock:
                self._sockets.append(sock)
                if not self.expired:
                    return
            self._shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            self._shut(sock)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already closed

    def cancel(self) -> None:
        self._timer.cancel()

    def reason(self) -> str:
        return f"timed out: no complete answer within {self.seconds:g} s (fetch_timeout_s)"


@dataclass(frozen=True, slots=True)
class FetchOptions:
    """What every GET of one run obeys, for `ingest URL` and the crawler alike: who we say we
    are, one deadline per request, the size cap, how many redirects, and which addresses may
    be reached (private ones only when allowed; `allow_hosts`: "host" or "host:port" trusted
    on any address)."""

    user_agent: str
    timeout_s: float
    max_bytes: int
    max_redirects: int
    allow_private: bool = False
    allow_hosts: Collection[str] = ()

    @classmethod
    def from_settings(
        cls, settings: Settings, *, allow_private: bool = False, allow_hosts: Collection[str] = ()
    ) -> FetchOptions:
        return cls(
            user_agent=settings.user_agent,
            timeout_s=settings.fetch_timeout_s,
            max_bytes=settings.max_file_bytes,
            max_redirects=settings.max_redirects,
            allow_private=allow_private,
            allow_hosts=allow_hosts,
        )


class CrawlFetcher:
    """GETs with checked redirects, size cap, content-type filter and conditional headers."""

    def __init__(
        self,
        options: FetchOptions,
        *,
        resolve: Resolver = system_resolver,
        robots_problem: Callable[[str], str] | None = None,
        connections: int = 8,
    ) -> None:
        user_agent, timeout_s = options.user_agent, options.timeout_s
        self.max_bytes = options.max_bytes
        self.timeout_s = timeout_s
        self.max_redirects = options.max_redirects
        self.allow_private = options.allow_private
        self.allow_hosts = frozenset(options.allow_hosts)
        self.resolve = resolve
        self.robots_problem = robots_problem
        self.client = httpx.Client(
            headers={"User-Agent": user_agent, "Accept": ACCEPT},
            timeout=timeout_s,
            follow_redirects=False,
            # no keep-alive: a request's deadline shuts down sockets it opened itself
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=0),
            trust_env=False,  # a proxy from the environment would bypass the address checks
        )

    def close(self) -> None:
        self.client.close()

    def _request(self, url: str, headers: dict[str, str], deadline: Deadline) -> httpx.Request:
        """A request pinned to an address the guard approved, bounded by `deadline`."""
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
            "GET",
            target,
            headers=headers,
            timeout=min(self.timeout_s, deadline.remaining()),
            extensions={"sni_hostname": host, "trace": deadline.trace},
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
        deadline = Deadline(self.timeout_s)
        try:
            return self._get(url, etag, last_modified, any_type, check_robots, deadline)
        finally:
            deadline.cancel()

    def _get(
        self,
        url: str,
        etag: str,
        last_modified: str,
        any_type: bool,
        check_robots: bool,
        deadline: Deadline,
    ) -> Fetched:
        current, chain = url, [url]
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        for _hop in range(self.max_redirects + 1):
            if deadline.passed():
                raise RetryLater(deadline.reason(), url)
            request = self._request(current, headers, deadline)
            try:
                response = self.client.send(request, stream=True)
            except httpx.HTTPError as exc:
                raise _network_failure(exc, url, deadline) from exc
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
                return self._finish(url, current, chain, response, any_type, deadline)
            finally:
                response.close()
        raise FetchError(f"too many redirects (more than {self.max_redirects})", url)

    def _finish(
        self,
        url: str,
        final: str,
        chain: list[str],
        response: httpx.Response,
        any_type: bool,
        deadline: Deadline,
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
            raise SkipDocument(f"not text or HTML ({mime})", url)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise SkipDocument(too_large(int(declared), self.max_bytes), url)
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > self.max_bytes:
                    raise SkipDocument(too_large(None, self.max_bytes), url)
                if deadline.passed():
                    raise RetryLater(deadline.reason(), url)
                chunks.append(chunk)
        except httpx.HTTPError as exc:
            raise _network_failure(exc, url, deadline) from exc
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

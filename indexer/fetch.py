"""Fetchers turn a Source into raw bytes: FileFetcher for paths, HttpFetcher for URLs.

Both cap the size they read and raise typed errors (FetchError, SkipDocument) instead of
returning None, so the pipeline can report the reason and go on.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import stat
from dataclasses import dataclass
from typing import Protocol

import httpx

from search.errors import FetchError, SkipDocument

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


@dataclass(frozen=True, slots=True)
class RawDocument:
    """Bytes as read, plus what the transport said about them."""

    uri: str
    final_url: str
    content: bytes
    content_type: str
    fetched_at: dt.datetime


class Fetcher(Protocol):
    def fetch(self, uri: str) -> RawDocument: ...


def _mb(size: int) -> str:
    return f"{size / 1_048_576:.1f} MB"


def too_large(size: int | None, limit: int) -> str:
    """The one wording of the size limit for files and URLs alike; `size` None when unknown."""
    if size is None:
        return f"too large (over the {_mb(limit)} limit, max_file_bytes)"
    return f"too large ({_mb(size)} > {_mb(limit)} limit, max_file_bytes)"


# O_NONBLOCK: opening a pipe that took a file's place must not wait for a writer forever.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


class FileFetcher:
    """Reads local files, refusing ones over the size cap before reading them."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes

    def fetch(self, uri: str) -> RawDocument:
        """Read one file.

        Raises:
            SkipDocument: too large, empty, a folder, or not a regular file.
            FetchError: missing, vanished, unreadable.
        """
        try:
            fd = os.open(uri, _OPEN_FLAGS)
        except FileNotFoundError as exc:
            raise FetchError("file vanished before it could be read", uri) from exc
        except PermissionError as exc:
            raise FetchError("permission denied", uri) from exc
        except IsADirectoryError as exc:
            raise SkipDocument("is a folder", uri) from exc
        except OSError as exc:
            reason = "symbolic link loop" if exc.errno == errno.ELOOP else exc.strerror
            raise FetchError(f"cannot read: {reason}", uri) from exc
        with open(fd, "rb") as fh:
            info = os.fstat(fd)
            if stat.S_ISDIR(info.st_mode):
                raise SkipDocument("is a folder", uri)
            if not stat.S_ISREG(info.st_mode):
                raise SkipDocument("not a regular file (a pipe, socket or device)", uri)
            if info.st_size > self.max_bytes:
                raise SkipDocument(too_large(info.st_size, self.max_bytes), uri)
            try:
                content = fh.read(self.max_bytes + 1)
            except OSError as exc:
                raise FetchError(f"cannot read: {exc.strerror}", uri) from exc
        if len(content) > self.max_bytes:  # it grew after the size check
            raise SkipDocument(too_large(None, self.max_bytes), uri)
        if not content.strip():
            raise SkipDocument("empty file" if not content else "empty file (only whitespace)", uri)
        return RawDocument(
            uri=uri,
            final_url="",
            content=content,
            content_type="",
            fetched_at=dt.datetime.now(dt.UTC),
        )


class HttpFetcher:
    """One GET per URL with httpx: timeout, redirect limit, honest User-Agent, size cap."""

    def __init__(
        self, *, user_agent: str, timeout_s: float, max_bytes: int, max_redirects: int
    ) -> None:
        self.max_bytes = max_bytes
        self.client = httpx.Client(
            headers={"User-Agent": user_agent, "Accept": "text/html,text/plain;q=0.9,*/*;q=0.5"},
            timeout=timeout_s,
            follow_redirects=True,
            max_redirects=max_redirects,
        )

    def close(self) -> None:
        self.client.close()

    def fetch(self, uri: str) -> RawDocument:
        """GET one URL.

        Raises:
            FetchError: network failure, HTTP error status, too many redirects.
            SkipDocument: not a text content type, too large, empty.
        """
        try:
            with self.client.stream("GET", uri) as response:
                if response.status_code >= 400:
                    raise FetchError(
                        f"HTTP {response.status_code}", uri, status=response.status_code
                    )
                content_type = response.headers.get("content-type", "")
                mime = content_type.split(";")[0].strip().lower()
                if mime and mime not in TEXT_CONTENT_TYPES:
                    raise SkipDocument(f"not text or HTML ({mime})", uri)
                declared = response.headers.get("content-length", "").strip()
                if declared.isdigit() and int(declared) > self.max_bytes:
                    raise SkipDocument(too_large(int(declared), self.max_bytes), uri)
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise SkipDocument(too_large(None, self.max_bytes), uri)
                    chunks.append(chunk)
                final_url = str(response.url)
        except httpx.TooManyRedirects as exc:
            raise FetchError("too many redirects", uri) from exc
        except httpx.TimeoutException as exc:
            raise FetchError("timed out", uri) from exc
        except httpx.HTTPError as exc:
            raise FetchError(f"request failed: {exc}", uri) from exc
        content = b"".join(chunks)
        if not content.strip():
            raise SkipDocument(
                "empty response" if not content else "empty response (only whitespace)", uri
            )
        return RawDocument(
            uri=uri,
            final_url=final_url,
            content=content,
            content_type=content_type,
            fetched_at=dt.datetime.now(dt.UTC),
        )

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

from indexer.net.fetcher import TEXT_CONTENT_TYPES, CrawlFetcher, FetchOptions, too_large
from indexer.net.guard import Refused, Resolver, system_resolver
from search.errors import FetchError, SkipDocument

__all__ = ["TEXT_CONTENT_TYPES", "FileFetcher", "HttpFetcher", "RawDocument", "too_large"]


@dataclass(frozen=True, slots=True)
class RawDocument:
    """Bytes as read, plus what the transport said about them."""

    uri: str
    final_url: str
    content: bytes
    content_type: str
    fetched_at: dt.datetime


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
    """One GET per URL through the crawler's guarded fetcher (indexer/net/fetcher.py): every
    address and every redirect hop checked by netguard, one deadline for the whole request,
    an honest User-Agent and the size cap. robots.txt is not asked: a URL given to `docsift
    ingest` is one a person chose to fetch."""

    def __init__(self, options: FetchOptions, *, resolve: Resolver = system_resolver) -> None:
        self.max_bytes = options.max_bytes
        self.getter = CrawlFetcher(options, resolve=resolve, connections=2)

    def close(self) -> None:
        self.getter.close()

    def fetch(self, uri: str) -> RawDocument:
        """GET one URL.

        Raises:
            FetchError: refused address (also after a redirect), network failure, HTTP error
                status, timeout, too many redirects.
            SkipDocument: not a text content type, too large, empty.
        """
        try:
            fetched = self.getter.get(uri, check_robots=False)
        except Refused as exc:  # the user named this URL: a refusal is an error, not a skip
            raise FetchError(exc.reason, uri) from exc
        content = fetched.content
        if not content.strip():
            raise SkipDocument(
                "empty response" if not content else "empty response (only whitespace)", uri
            )
        return RawDocument(
            uri=uri,
            final_url=fetched.final_url,
            content=content,
            content_type=fetched.content_type,
            fetched_at=fetched.fetched_at,
        )

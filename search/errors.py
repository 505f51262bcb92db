"""The DocsiftError hierarchy: the only exception types other packages catch.

str(error) is always safe to show to a user; the CLI and the web layer turn these into exit
codes and HTTP statuses at their edges.
"""

from __future__ import annotations


class DocsiftError(Exception):
    """Base of every error docsift raises on purpose."""


class ConfigError(DocsiftError):
    """Bad settings; the message lists every bad key."""


class QueryError(DocsiftError):
    """A bad query or request parameter; `param` names it so clients can point at it."""

    def __init__(self, message: str, param: str = "q", value: object = None) -> None:
        super().__init__(message)
        self.param = param
        self.value = value


class NotFound(DocsiftError):
    """The thing asked for does not exist."""


class DocumentNotFound(NotFound):
    """No document has the requested id."""

    def __init__(self, doc_id: str) -> None:
        super().__init__(f"no document with id {doc_id!r}")
        self.doc_id = doc_id


class EntityNotFound(NotFound):
    """No document mentions the requested person, organisation or place."""

    def __init__(self, label: str, name: str) -> None:
        super().__init__(f"no document mentions the {label} {name!r}")
        self.label = label
        self.name = name


class IndexUnavailable(DocsiftError):
    """The index cannot be used right now."""


class IndexMissing(IndexUnavailable):
    """There is no index yet at the configured place."""


class IndexBusy(IndexUnavailable):
    """Another process holds the index write lock."""


class IndexSchemaMismatch(IndexUnavailable):
    """The index on disk was built with another schema version."""


class StoreError(DocsiftError):
    """The SQLite document store cannot be opened or written."""


class IngestError(DocsiftError):
    """A single document failed during ingest; the batch goes on."""

    def __init__(self, reason: str, source: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.source = source


class FetchError(IngestError):
    """The bytes of a source could not be read (file or HTTP)."""

    def __init__(self, reason: str, source: str = "", status: int | None = None) -> None:
        super().__init__(reason, source)
        self.status = status


class SkipDocument(IngestError):
    """An expected rejection: empty, binary, too large, nothing left after cleaning."""


class DiskFull(DocsiftError):
    """A write failed because the disk (or the user's quota) is full: names the place and
    roughly how much more space the command needs."""

    def __init__(self, path: object, free: int, needed: int, why: str = "") -> None:
        mb = 1_048_576
        super().__init__(
            f"disk full: cannot write to {path}: {free / mb:.1f} MB free on that disk, "
            f"about {max(needed, mb) / mb:.0f} MB needed{f' ({why})' if why else ''}; free "
            "some space or use another --home, then run the same command again (what is "
            "already stored is kept)"
        )
        self.path = path
        self.free = free
        self.needed = needed


class SearchBusy(DocsiftError):
    """Too many expensive searches are running; this one waited its turn and gave up (503
    with Retry-After)."""

    def __init__(self, message: str, retry_after: int = 2) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SearchTimeout(DocsiftError):
    """A search ran past its time limit and was stopped (503)."""

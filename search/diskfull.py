"""Recognising a full disk, whichever layer hit it, so the user reads one clear sentence.

A full disk surfaces as OSError ENOSPC from a file write, as SQLite's "database or disk is
full", or as its "disk I/O error" when the write-ahead log's index cannot grow. The command
line turns all of them into DiskFull (search.errors), naming the data directory, the space
left there and about how much more the command needs.
"""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

from search.errors import DiskFull

_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
_SQLITE_FULL = ("database or disk is full", "disk i/o error")
MIN_FREE = 1_048_576  # a disk with less than this free counts as full for SQLite's vaguer errors


def free_bytes(path: Path) -> int:
    """Free space on the disk holding `path` (or its nearest existing parent); -1 if unknown."""
    for candidate in (path, *path.absolute().parents):
        try:
            return shutil.disk_usage(candidate).free
        except OSError:
            continue
    return -1


def is_disk_full(exc: BaseException, where: Path | None = None) -> bool:
    """Whether `exc` (or an exception it was raised from) means the disk is full. SQLite's
    "disk I/O error" counts only when the disk at `where` has (almost) no space left."""
    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < 10:
        if isinstance(current, OSError) and current.errno in _FULL_ERRNOS:
            return True
        message = str(current).lower()
        if _SQLITE_FULL[0] in message or "no space left on device" in message:
            return True
        if _SQLITE_FULL[1] in message and where is not None:
            return 0 <= free_bytes(where) < MIN_FREE
        current = current.__cause__ or current.__context__
        seen += 1
    return False


def disk_full(path: Path, needed: int, why: str = "") -> DiskFull:
    """The DiskFull error for a write under `path` that needs about `needed` more bytes."""
    return DiskFull(path, max(free_bytes(path), 0), needed, why)

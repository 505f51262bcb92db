"""Whoosh searchers kept open over the current commit and lent to one thread at a time."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from whoosh.index import Index
from whoosh.searching import Searcher

from search.index import open_searcher

# Whoosh copies each segment file of an open searcher into memory (about 6 MB per 1,000
# Reuters stories), so the pool stays small
SEARCHERS = 2
# generation directory, commit (TOC generation) within it; None for an index without segments
Snapshot = tuple[Path, int | None]


class SearcherPool:
    """Searchers kept open over the current commit, each lent to one thread at a time.

    Opening a searcher reads every segment, so searchers are reused until the index changes;
    then idle ones are closed and fresh ones opened. A searcher is never shared by two threads:
    the files of a Whoosh reader keep one read position. Whoosh's `Searcher.refresh()` is not
    used because it keeps the reader of a segment that gained deletions since, so a refreshed
    searcher still finds the replaced version of an updated document.
    """

    def __init__(self, size: int = SEARCHERS) -> None:
        self.size = max(1, size)
        self._cond = threading.Condition()
        self._idle: list[Searcher] = []
        self._snapshot: Snapshot | None = None
        self._lent = 0  # searchers lent out or being opened
        self._local = threading.local()

    @contextmanager
    def lend(self, ix: Index, wanted: Snapshot) -> Iterator[tuple[Searcher, Snapshot]]:
        """A searcher reading the `wanted` commit or a later one, and the commit it reads.

        Nested use in one thread gets the searcher that thread already holds (one snapshot
        for the whole operation, and no wait on a pool it is itself keeping full).

        Raises:
            IndexUnavailable: the index files cannot be read.
        """
        held: tuple[Searcher, Snapshot] | None = getattr(self._local, "held", None)
        if held is not None:
            yield held
            return
        lent = self._take(ix, wanted)
        self._local.held = lent
        try:
            yield lent
        finally:
            self._local.held = None
            self._give_back(*lent)

    def _take(self, ix: Index, wanted: Snapshot) -> tuple[Searcher, Snapshot]:
        stale: list[Searcher] = []
        with self._cond:
            while True:
                if self._snapshot != wanted:
                    stale.extend(self._idle)
                    self._idle = []
                    self._snapshot = wanted
                if self._idle or self._lent < self.size:
                    break
                self._cond.wait()
            idle = self._idle.pop() if self._idle else None
            self._lent += 1
        for old in stale:
            old.close()
        if idle is not None:
            return idle, wanted  # idle searchers read exactly the pool's snapshot
        try:
            searcher = open_searcher(ix)
        except BaseException:
            with self._cond:
                self._lent -= 1
                self._cond.notify()
            raise
        # a commit may have landed since `wanted` was read: label it with what it reads
        return searcher, (wanted[0], searcher.reader().generation())

    def _give_back(self, searcher: Searcher, reads: Snapshot) -> None:
        with self._cond:
            self._lent -= 1
            keep = reads == self._snapshot
            if keep:
                self._idle.append(searcher)
            self._cond.notify()
        if not keep:
            searcher.close()

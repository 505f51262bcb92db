"""The name and story tables beside the index: corpus-wide decisions read at query time.

Both engines read them from HOME/index (Whoosh from the generation directory it has open), and
the service reads the same copies, so a merge of names or a new version of a story reaches
searches, entity pages and version lists without rewriting the index.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from search.names import NAMES_FILE, NameTable, read_name_table
from search.stories import STORIES_FILE, StoryTable, read_story_table

T = TypeVar("T")


@dataclass
class _Sidecar(Generic[T]):
    """A small JSON table beside an index generation, reread when it changes."""

    filename: str
    read: Callable[[Path], T]
    value: T
    key: tuple[Path, tuple[int, ...]] | None = None

    def current(self, target: Path, lock: threading.Lock) -> T:
        try:
            info = (target / self.filename).stat()
            # the inode and size too: two rewrites within one timestamp tick (the file is
            # replaced, never edited in place) must still read as a change
            stamp: tuple[int, ...] = (info.st_mtime_ns, info.st_ino, info.st_size)
        except OSError:
            stamp = ()
        with lock:
            if self.key != (target, stamp):
                self.value = self.read(target)
                self.key = (target, stamp)
            return self.value


class IndexTables:
    """The name and story tables of the index at `index_dir`, each reread when its file
    changes. `target` is the generation directory the engine has open (None: wherever the
    index link points now), so the tables always belong to the documents searched."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self.target: Path | None = None
        self.lock = threading.Lock()
        self._names = _Sidecar(NAMES_FILE, read_name_table, NameTable())
        self._stories = _Sidecar(STORIES_FILE, read_story_table, StoryTable())

    def _where(self) -> Path:
        return self.target or self.index_dir.resolve()

    def names(self) -> NameTable:
        return self._names.current(self._where(), self.lock)

    def stories(self) -> StoryTable:
        return self._stories.current(self._where(), self.lock)

    @property
    def names_key(self) -> Hashable:
        """The name table's file stamp as last read (a new one when the table changes)."""
        return self._names.key

    @property
    def stories_key(self) -> Hashable:
        return self._stories.key

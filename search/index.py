"""Index access: create/open the on-disk Whoosh index, write documents, rebuild atomically.

`home/index` is a symlink to a generation directory (`index-3`). A rebuild writes a fresh
generation beside it and swaps the link with one rename, so a searcher never sees half an index;
searchers already open keep reading the previous generation, which is kept until the next swap.
Whoosh exceptions are translated into ours here and nowhere else.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import Index
from whoosh.searching import Searcher
from whoosh.writing import LockError, SegmentWriter

from search.documents import Document
from search.errors import IndexBusy, IndexMissing, IndexSchemaMismatch, IndexUnavailable
from search.names import NAMES_FILE, NameTable
from search.schema import SCHEMA_VERSION, build_schema
from search.stories import STORIES_FILE, StoryTable

logger = logging.getLogger(__name__)

VERSION_FILE = "docsift-index.json"
_GENERATION = re.compile(r"index-(\d+)$")
WRITER_LIMIT_MB = 256


def _generation_dirs(link: Path) -> list[tuple[int, Path]]:
    found = []
    if link.parent.is_dir():
        for child in link.parent.iterdir():
            match = _GENERATION.match(child.name)
            if match and child.is_dir():
                found.append((int(match.group(1)), child))
    return sorted(found)


def _new_generation_dir(link: Path) -> Path:
    existing = _generation_dirs(link)
    number = existing[-1][0] + 1 if existing else 1
    path = link.parent / f"index-{number}"
    path.mkdir(parents=True)
    return path


def _create_in(path: Path) -> Index:
    ix = whoosh_index.create_in(str(path), build_schema())
    (path / VERSION_FILE).write_text(json.dumps({"schema_version": SCHEMA_VERSION}))
    return ix


def _swap_link(link: Path, target: Path) -> None:
    tmp = link.parent / f".{link.name}.swap"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(target.name, tmp)
    os.replace(tmp, link)  # atomic on POSIX: readers see the old or the new target


def _prune_generations(link: Path, keep: int = 2) -> None:
    current = link.resolve()
    for _, path in _generation_dirs(link)[:-keep]:
        if path != current:
            shutil.rmtree(path, ignore_errors=True)


def index_exists(link: Path) -> bool:
    return link.exists() and whoosh_index.exists_in(str(link))


def open_index(link: Path) -> Index:
    """Open the current generation.

    Raises:
        IndexMissing: nothing has been indexed yet.
        IndexSchemaMismatch: the index was built by another schema version.
    """
    if not index_exists(link):
        raise IndexMissing(f"no index at {link} yet: run `docsift ingest PATH` first")
    version_path = link / VERSION_FILE
    try:
        version = json.loads(version_path.read_text()).get("schema_version")
    except (OSError, ValueError):
        version = None
    if version != SCHEMA_VERSION:
        raise IndexSchemaMismatch(
            f"index at {link} was built with schema v{version}, this docsift uses "
            f"v{SCHEMA_VERSION}: run `docsift reindex`"
        )
    try:
        return whoosh_index.open_dir(str(link))
    except whoosh_index.EmptyIndexError as exc:
        raise IndexMissing(f"index at {link} is empty or damaged: run `docsift reindex`") from exc


def ensure_index(link: Path) -> Index:
    """Open the index, creating the first generation when there is none."""
    if not link.is_symlink() and not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        target = _new_generation_dir(link)
        _create_in(target)
        _swap_link(link, target)
    return open_index(link)


def open_writer(ix: Index, timeout_s: float = 5.0) -> SegmentWriter:
    """A writer holding the index's write lock; the caller commits or cancels it.

    Raises:
        IndexBusy: another process holds the write lock for longer than timeout_s.
    """
    try:
        return ix.writer(timeout=timeout_s, delay=0.1, limitmb=WRITER_LIMIT_MB)
    except LockError as exc:
        raise IndexBusy(
            "the index is being written by another docsift process; try again when it ends"
        ) from exc


@contextmanager
def index_writer(ix: Index, timeout_s: float = 5.0) -> Iterator[SegmentWriter]:
    """A writer that commits on success and cancels on error.

    Raises:
        IndexBusy: another process holds the write lock for longer than timeout_s.
    """
    writer = open_writer(ix, timeout_s)
    try:
        yield writer
    except BaseException:
        writer.cancel()
        raise
    writer.commit()


def write_documents(link: Path, docs: Iterable[Document]) -> int:
    """Add or replace documents (by doc_id) in one commit; returns how many were written."""
    ix = ensure_index(link)
    count = 0
    with index_writer(ix) as writer:
        for doc in docs:
            writer.update_document(**doc.to_fields())
            count += 1
    return count


def delete_documents(link: Path, doc_ids: Iterable[str]) -> int:
    ix = ensure_index(link)
    count = 0
    with index_writer(ix) as writer:
        for doc_id in doc_ids:
            count += writer.delete_by_term("doc_id", doc_id)
    return count


def rebuild_index(
    link: Path,
    docs: Iterable[Document],
    names: NameTable | None = None,
    stories: StoryTable | None = None,
) -> int:
    """Build a new generation from `docs` and swap it in atomically; returns the count.

    Searches keep answering from the old generation until the swap.
    """
    link.parent.mkdir(parents=True, exist_ok=True)
    target = _new_generation_dir(link)
    try:
        ix = _create_in(target)
        count = 0
        with index_writer(ix) as writer:
            for doc in docs:
                writer.add_document(**doc.to_fields())
                count += 1
        ix.close()
        if names is not None:
            write_names(target, names)
        if stories is not None:
            write_stories(target, stories)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    _swap_link(link, target)
    _prune_generations(link)
    return count


def _write_sidecar(link: Path, filename: str, data: dict[str, object]) -> None:
    """Replace a JSON table beside the current index generation (atomically)."""
    target = link.resolve()
    tmp = target / f".{filename}.tmp"
    tmp.write_text(json.dumps(data, ensure_ascii=False, sort_keys=True), "utf-8")
    os.replace(tmp, target / filename)


def write_names(link: Path, table: NameTable) -> None:
    """Replace the name table beside the current index generation."""
    _write_sidecar(link, NAMES_FILE, table.to_dict())


def write_stories(link: Path, table: StoryTable) -> None:
    """Replace the story table beside the current index generation."""
    _write_sidecar(link, STORIES_FILE, table.to_dict())


def open_searcher(ix: Index) -> Searcher:
    try:
        return ix.searcher()
    except OSError as exc:
        raise IndexUnavailable(f"cannot read the index: {exc}") from exc

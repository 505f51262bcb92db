"""Index access: create/open the on-disk Whoosh index, write documents, rebuild atomically.

`home/index` is a symlink to a generation directory (`index-3`). A rebuild writes a fresh
generation beside it and swaps the link with one rename, so a searcher never sees half an index;
searchers already open keep reading the previous generation, which is kept until the next swap.
Whoosh exceptions are translated into ours here and nowhere else. The index's Whoosh write lock
is an OwnedLock (search.locks), so it records who holds it. `inspect_index()` reads everything
`docsift check` compares with the store.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.index import Index
from whoosh.searching import Searcher
from whoosh.writing import SegmentWriter

from search.documents import Document
from search.errors import IndexMissing, IndexSchemaMismatch, IndexUnavailable
from search.faults import fault_point
from search.generation_arrays import write_generation_arrays
from search.locks import LOCK_FILE, LockState, OwnedLock, probe_lock
from search.merge_policy import tiered_merge
from search.names import NAMES_FILE, NameTable
from search.ranking import weighting
from search.schema import SCHEMA_VERSION, build_schema
from search.segment_writer import LengthCachingWriter
from search.stories import STORIES_FILE, StoryTable

VERSION_FILE = "docsift-index.json"
WHOOSH_LOCK = f"{whoosh_index._DEF_INDEX_NAME}_WRITELOCK"
SIDECARS = (NAMES_FILE, STORIES_FILE)
_GENERATION = re.compile(r"index-(\d+)$")
# postings a writer sorts in memory before it spills a sorted run to disk: 21k Reuters stories
# (1.9M postings) fit, so their flush is one in-memory sort instead of pickling every posting
# out and back through a merge (bench: 47.2 s -> 35.7 s for the write); larger ingests spill
# runs of this size, which bounds the writer's memory
WRITER_LIMIT_MB = 512


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


def _prune_generations(link: Path, previous: Path | None = None) -> None:
    """Remove generations older than the current one except `previous` (searchers already
    open may still read it); this also removes what an interrupted rebuild left behind."""
    current = link.resolve()
    match = _GENERATION.match(current.name)
    number = int(match.group(1)) if match else 0
    for n, path in _generation_dirs(link):
        if n < number and path not in (current, previous):
            shutil.rmtree(path, ignore_errors=True)


def index_exists(link: Path) -> bool:
    return link.exists() and whoosh_index.exists_in(str(link))


def open_index(link: Path) -> Index:
    """Open the current generation.

    Raises:
        IndexMissing: nothing has been indexed yet.
        IndexSchemaMismatch: the index was built by another schema version.
    """
    if link.is_symlink() and not link.exists():
        raise IndexMissing(
            f"{link} points to {os.readlink(link)}, which is gone: run `docsift reindex`"
        )
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


def open_writer(
    ix: Index, timeout_s: float = 5.0, operation: str = "writing the index"
) -> SegmentWriter:
    """A writer holding the index's write lock; the caller commits or cancels it.

    The lock is Whoosh's WRITELOCK file, taken as an OwnedLock so it records this process: a
    record left by a killed writer is cleared with a warning, a live holder is named.

    Raises:
        IndexBusy: another process holds the write lock for longer than timeout_s.
    """
    folder = Path(ix.storage.folder)
    lock = OwnedLock(folder / WHOOSH_LOCK, operation, f"the index at {folder}")
    lock.acquire(timeout_s)
    try:
        writer = LengthCachingWriter(ix, _lk=False, limitmb=WRITER_LIMIT_MB)
    except BaseException:
        lock.release()
        raise
    writer.writelock = lock  # Whoosh releases it when the writer commits or cancels
    return writer


@contextmanager
def index_writer(ix: Index, timeout_s: float = 5.0) -> Iterator[SegmentWriter]:
    """A writer that commits on success (merging segments by search.merge_policy) and
    cancels on error.

    Raises:
        IndexBusy: another process holds the write lock for longer than timeout_s.
    """
    writer = open_writer(ix, timeout_s)
    try:
        yield writer
    except BaseException:
        writer.cancel()
        raise
    writer.commit(mergetype=tiered_merge)


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
                fault_point("reindex.build")
        ix.close()
        if names is not None:
            write_names(target, names)
        if stories is not None:
            write_stories(target, stories)
        write_generation_arrays(target)  # part of the generation before it is swapped in
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    previous = link.resolve() if link.is_symlink() else None
    fault_point("reindex.before_swap")
    _swap_link(link, target)
    _prune_generations(link, previous)
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


def open_unmapped(ix: Index) -> Index:
    """The same index read through ordinary file reads instead of a memory map.

    From a map, Whoosh copies each file it opens into memory whole (a segment's postings, its
    stored-fields column), and a searcher keeps them until closed: one that walks every
    stored document (an export) would end up holding the whole index. Through file handles it
    reads what it needs, a block at a time.
    """
    storage = FileStorage(ix.storage.folder, supports_mmap=False, readonly=True)
    return storage.open_index(ix.indexname, schema=ix.schema)


def open_searcher(ix: Index) -> Searcher:
    try:
        return ix.searcher(weighting=weighting())
    except OSError as exc:
        raise IndexUnavailable(f"cannot read the index: {exc}") from exc


# -- inspection for `docsift check` ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IndexInspection:
    """What the current index generation holds, for `docsift check` to compare with the store.

    `generation` is None when there is no index; `error` says why an existing one cannot be
    read (then `ids` is empty). `sidecars` maps each JSON table beside the index to "ok",
    "missing" or "unreadable: why"; `leftovers` are generation directories an interrupted
    rebuild left behind (harmless: the next rebuild removes them).
    """

    link: Path
    generation: str | None
    error: str | None
    schema_version: object
    documents: int
    ids: frozenset[str]
    duplicate_ids: tuple[str, ...]
    sidecars: tuple[tuple[str, str], ...]
    locks: tuple[LockState, ...]
    leftovers: tuple[str, ...]


def _read_schema_version(target: Path) -> object:
    try:
        data = json.loads((target / VERSION_FILE).read_text())
    except (OSError, ValueError):
        return None
    return data.get("schema_version") if isinstance(data, dict) else None


def _sidecar_state(path: Path) -> str:
    if not path.exists():
        return "missing"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            return "unreadable: not a JSON object"
        (NameTable if path.name == NAMES_FILE else StoryTable).from_dict(data)
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        return f"unreadable: {exc}"
    return "ok"


def _live_ids(ix: Index) -> tuple[int, frozenset[str], tuple[str, ...]]:
    """(live documents, their ids, ids held by more than one live document)."""
    ids: set[str] = set()
    duplicates: list[str] = []
    with ix.searcher() as searcher:
        reader = searcher.reader()
        for term in reader.lexicon("doc_id"):
            live = sum(1 for _ in reader.postings("doc_id", term).all_ids())
            if live:
                doc_id = term.decode("utf-8") if isinstance(term, bytes) else str(term)
                ids.add(doc_id)
                if live > 1:
                    duplicates.append(doc_id)
        return searcher.doc_count(), frozenset(ids), tuple(duplicates)


def inspect_index(link: Path) -> IndexInspection:
    """Read the current generation's documents, schema version, tables and locks; never raises
    for a missing or damaged index (that is reported in `error`)."""
    locks = [probe_lock(link.parent / LOCK_FILE)]
    empty: dict[str, Any] = {
        "link": link,
        "schema_version": None,
        "documents": 0,
        "ids": frozenset(),
        "duplicate_ids": (),
        "sidecars": (),
        "leftovers": (),
    }
    if not link.is_symlink() and not link.exists():
        return IndexInspection(generation=None, error=None, locks=tuple(locks), **empty)
    target = link.resolve()
    if not target.is_dir():
        gone = f"{link} points to {target.name}, which does not exist: run `docsift reindex`"
        return IndexInspection(generation=target.name, error=gone, locks=tuple(locks), **empty)
    locks.append(probe_lock(target / WHOOSH_LOCK))
    match = _GENERATION.match(target.name)
    number = int(match.group(1)) if match else 0
    leftovers = tuple(path.name for n, path in _generation_dirs(link) if n > number)
    sidecars = tuple((name, _sidecar_state(target / name)) for name in SIDECARS)
    error: str | None = None
    documents: int = 0
    ids: frozenset[str] = frozenset()
    duplicates: tuple[str, ...] = ()
    try:
        ix = open_index(link)
        try:
            documents, ids, duplicates = _live_ids(ix)
        finally:
            ix.close()
    except IndexSchemaMismatch as exc:
        error = str(exc)
    except IndexMissing:
        error = f"the index at {link} ({target.name}) is empty or damaged: run `docsift reindex`"
    except Exception as exc:  # noqa: BLE001 - a damaged index can fail anywhere inside Whoosh
        error = (
            f"the index at {link} ({target.name}) cannot be read ({type(exc).__name__}: {exc}): "
            "run `docsift reindex`"
        )
    return IndexInspection(
        link=link,
        generation=target.name,
        error=error,
        schema_version=_read_schema_version(target),
        documents=documents,
        ids=ids,
        duplicate_ids=duplicates,
        sidecars=sidecars,
        locks=tuple(locks),
        leftovers=leftovers,
    )

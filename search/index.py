"""Index access: create/open the on-disk Whoosh index, write documents, rebuild atomically.

`home/index` is a symlink to a generation directory (`index-3`). A rebuild writes a fresh
generation beside it and swaps the link with one rename, so a searcher never sees half an index;
searchers already open keep reading the previous generation, which is kept until the next swap.
Whoosh exceptions are translated into ours here and nowhere else.

Locks (OwnedLock): the index's Whoosh write lock and the home's writer lock (`HOME/docsift.lock`,
one writing command at a time) are flocks that also record who holds them (pid, host, command,
when). The kernel drops a flock when its holder dies, so a SIGKILLed writer never blocks the
next one; the record it leaves behind is reported and replaced ("cleared a stale write lock left
by pid N"), and a live holder is named in IndexBusy. `inspect_index()` reads everything
`docsift check` compares with the store.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
import re
import shutil
import socket
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.index import Index
from whoosh.searching import Searcher
from whoosh.writing import SegmentWriter

from search.documents import Document
from search.errors import IndexBusy, IndexMissing, IndexSchemaMismatch, IndexUnavailable
from search.faults import fault_point
from search.names import NAMES_FILE, NameTable
from search.ranking import weighting
from search.schema import SCHEMA_VERSION, build_schema
from search.segment_writer import LengthCachingWriter
from search.stories import STORIES_FILE, StoryTable

logger = logging.getLogger(__name__)

VERSION_FILE = "docsift-index.json"
LOCK_FILE = "docsift.lock"  # in HOME, beside the store and the index link
WHOOSH_LOCK = f"{whoosh_index._DEF_INDEX_NAME}_WRITELOCK"
SIDECARS = (NAMES_FILE, STORIES_FILE)
_GENERATION = re.compile(r"index-(\d+)$")
# postings a writer sorts in memory before it spills a sorted run to disk: 21k Reuters stories
# (1.9M postings) fit, so their flush is one in-memory sort instead of pickling every posting
# out and back through a merge (bench: 47.2 s -> 35.7 s for the write); larger ingests spill
# runs of this size, which bounds the writer's memory
WRITER_LIMIT_MB = 512
LOCK_POLL_S = 0.1
LOCK_GRACE_S = 0.3  # even "do not wait" retries this long: a `docsift check` probe is brief


# -- locks that say who holds them -------------------------------------------------------------


def _proc_stat(pid: int) -> tuple[str, int] | None:
    """(state, start time in clock ticks since boot) of a process, from /proc where it exists."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rfind(")") + 2 :].split()
    try:
        return fields[0], int(fields[19])
    except (IndexError, ValueError):
        return None


@dataclass(frozen=True, slots=True)
class LockOwner:
    """Who took a lock: written into the lock file, read back to explain or clear it."""

    pid: int
    host: str
    operation: str
    since: str  # when the lock was taken, ISO 8601 UTC
    command: str = ""
    proc_start: int | None = None  # the kernel's start time of pid: tells a reused pid apart

    @classmethod
    def me(cls, operation: str) -> LockOwner:
        stat = _proc_stat(os.getpid())
        return cls(
            pid=os.getpid(),
            host=socket.gethostname(),
            operation=operation,
            since=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            command=" ".join([os.path.basename(sys.argv[0]), *sys.argv[1:]])[:300],
            proc_start=stat[1] if stat else None,
        )

    @classmethod
    def parse(cls, raw: bytes) -> LockOwner | None:
        try:
            data = json.loads(raw.decode("utf-8"))
            return cls(
                pid=int(data["pid"]),
                host=str(data["host"]),
                operation=str(data.get("operation", "")),
                since=str(data.get("since", "")),
                command=str(data.get("command", "")),
                proc_start=int(data["proc_start"]) if data.get("proc_start") else None,
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "pid": self.pid,
            "host": self.host,
            "operation": self.operation,
            "since": self.since,
            "command": self.command,
            "proc_start": self.proc_start,
        }

    def describe(self) -> str:
        where = "" if self.host == socket.gethostname() else f" on {self.host}"
        return f"pid {self.pid}{where}, {self.operation or 'a writer'}, started {self.since}"

    def alive(self) -> bool:
        """Whether the process that took the lock still runs (on another host: assume so)."""
        if self.host != socket.gethostname():
            return True
        if self.pid <= 0:
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass  # it exists, under another user
        stat = _proc_stat(self.pid)
        if stat is None:
            return True
        state, started = stat
        if state == "Z":
            return False  # killed, not yet reaped by its parent
        return self.proc_start is None or started == self.proc_start


@dataclass(frozen=True, slots=True)
class LockState:
    """A lock file as `docsift check` sees it: free, held by a live writer, or stale (its
    recorded owner is gone)."""

    path: Path
    state: str  # "free" | "held" | "stale"
    owner: LockOwner | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "state": self.state,
            "owner": self.owner.to_dict() if self.owner else None,
        }


# descriptors of the locks this process holds; a forked child closes its copies at once, so a
# worker that outlives a killed parent does not keep the parent's flock
_HELD_FDS: set[int] = set()


def _close_held_in_child() -> None:
    for fd in _HELD_FDS:
        try:
            os.close(fd)
        except OSError:
            pass
    _HELD_FDS.clear()


os.register_at_fork(after_in_child=_close_held_in_child)


def _read_fd(fd: int) -> bytes:
    return os.pread(fd, 65536, 0)


def _same_file(fd: int, path: Path) -> bool:
    try:
        current = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (current.st_dev, current.st_ino)


class OwnedLock:
    """An exclusive flock on `path` whose file records the holder (a LockOwner as JSON).

    Compatible with Whoosh's own FileLock (the same flock on the same file). After a holder is
    killed, the kernel has dropped its flock and only its record remains: the next holder logs
    "cleared a stale write lock left by pid N" and writes its own. When the flock is held but the
    recorded owner is gone, a process that inherited the descriptor (a child of the dead owner)
    still has it: the file is then unlinked under a guard lock and a fresh one taken. A live
    holder is never overridden.
    """

    def __init__(self, path: Path, operation: str, what: str) -> None:
        self.path = path
        self.operation = operation
        self.what = what
        self.fd: int | None = None
        self.cleared: LockOwner | None = None  # the stale record this lock replaced
        self._pid = os.getpid()

    def acquire(
        self,
        timeout_s: float = 0.0,
        on_wait: Callable[[LockOwner | None], None] | None = None,
    ) -> OwnedLock:
        """Take the lock, waiting up to timeout_s for a live holder.

        Raises:
            IndexBusy: another live process still holds it after timeout_s, named in the message.
        """
        deadline = time.monotonic() + max(timeout_s, LOCK_GRACE_S)
        told = False
        while True:
            owner = self._try()
            if self.fd is not None:
                return self
            if time.monotonic() >= deadline:
                raise IndexBusy(self._busy_message(owner, timeout_s))
            if on_wait is not None and not told and timeout_s > LOCK_GRACE_S:
                on_wait(owner)
                told = True
            time.sleep(LOCK_POLL_S)

    def _busy_message(self, owner: LockOwner | None, timeout_s: float) -> str:
        who = f" ({owner.describe()})" if owner else ""
        waited = f" (waited {timeout_s:.0f} s)" if timeout_s > LOCK_GRACE_S else ""
        return (
            f"another docsift process{who} is writing to {self.what}; wait for it to finish or "
            f"stop it{waited}"
        )

    def _try(self) -> LockOwner | None:
        """One attempt; sets self.fd on success, else returns the holder (None if unknown)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for _attempt in range(3):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                owner = LockOwner.parse(_read_fd(fd))
                os.close(fd)
                if owner is not None and not owner.alive() and self._break(owner):
                    continue
                return owner
            except BaseException:
                os.close(fd)
                raise
            try:
                if not _same_file(fd, self.path):
                    os.close(fd)  # a breaker unlinked it after we opened it: lock the new one
                    continue
                raw = _read_fd(fd)
                previous = LockOwner.parse(raw) if raw.strip() else None
                if previous is not None and previous.pid != os.getpid() and previous.alive():
                    os.close(fd)  # a live owner without its flock: flock does not work here
                    return previous
                if raw.strip() and (previous is None or previous.pid != os.getpid()):
                    self.cleared = previous
                    logger.warning(
                        "cleared a stale write lock on %s left by %s",
                        self.what,
                        previous.describe() if previous else "an unknown process",
                    )
                data = json.dumps(LockOwner.me(self.operation).to_dict()).encode()
                os.ftruncate(fd, 0)
                os.pwrite(fd, data, 0)
            except BaseException:
                os.close(fd)
                raise
            self.fd = fd
            _HELD_FDS.add(fd)
            return None
        return None

    def _break(self, owner: LockOwner) -> bool:
        """Unlink the lock file of a dead owner whose flock a leftover process holds."""
        guard_path = self.path.with_name(f".{self.path.name}.break")  # Whoosh skips dot files
        guard = os.open(guard_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(guard, fcntl.LOCK_EX)
            try:
                current = LockOwner.parse(self.path.read_bytes())
            except OSError:
                return True  # already gone: try again
            if current != owner:
                return False
            self.path.unlink()
        finally:
            os.close(guard)
        logger.warning(
            "cleared a stale write lock on %s left by %s (a leftover process still held it)",
            self.what,
            owner.describe(),
        )
        self.cleared = owner
        return True

    def release(self) -> None:
        fd, self.fd = self.fd, None
        if fd is None or os.getpid() != self._pid:
            return
        _HELD_FDS.discard(fd)
        try:
            os.ftruncate(fd, 0)  # a clean release leaves no record behind
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def __enter__(self) -> OwnedLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def probe_lock(path: Path) -> LockState:
    """Whether a lock file is free, held by a live process, or stale; takes nothing."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return LockState(path, "free", None)
    try:
        raw = _read_fd(fd)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            held = True
        else:
            held = False
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
    owner = LockOwner.parse(raw) if raw.strip() else None
    if held:
        return LockState(path, "held" if owner is None or owner.alive() else "stale", owner)
    if not raw.strip():
        return LockState(path, "free", None)
    return LockState(path, "held" if owner is not None and owner.alive() else "stale", owner)


def write_lock(
    link: Path,
    operation: str,
    *,
    wait_s: float = 0.0,
    on_wait: Callable[[LockOwner | None], None] | None = None,
) -> OwnedLock:
    """Take the home's writer lock (HOME/docsift.lock) so one writing command runs at a time;
    use it as a context manager.

    Raises:
        IndexBusy: another docsift process still writes after wait_s, named in the message.
    """
    home = link.parent
    lock = OwnedLock(home / LOCK_FILE, operation, f"the data directory {home}")
    return lock.acquire(wait_s, on_wait=on_wait)


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
                fault_point("reindex.build")
        ix.close()
        if names is not None:
            write_names(target, names)
        if stories is not None:
            write_stories(target, stories)
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
        error = f"{link} points to {target.name}, which does not exist: run `docsift reindex`"
        return IndexInspection(generation=target.name, error=error, locks=tuple(locks), **empty)
    locks.append(probe_lock(target / WHOOSH_LOCK))
    match = _GENERATION.match(target.name)
    number = int(match.group(1)) if match else 0
    leftovers = tuple(path.name for n, path in _generation_dirs(link) if n > number)
    sidecars = tuple((name, _sidecar_state(target / name)) for name in SIDECARS)
    error: str | None = None
    documents, ids, duplicates = 0, frozenset(), ()
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

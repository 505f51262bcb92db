"""Locks that say who holds them: the home's writer lock and the index's Whoosh write lock.

Both are flocks whose file also records the holder (pid, host, command, when). The kernel drops
a flock when its holder dies, so a SIGKILLed writer never blocks the next one; the record it
leaves behind is reported and replaced ("cleared a stale write lock left by pid N"), and a live
holder is named in IndexBusy. `docsift check` reads a lock's state without taking it
(probe_lock).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from search.errors import IndexBusy

logger = logging.getLogger(__name__)

LOCK_FILE = "docsift.lock"  # in HOME, beside the store and the index link
LOCK_POLL_S = 0.1
LOCK_GRACE_S = 0.3  # even "do not wait" retries this long: a `docsift check` probe is brief


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

"""The on-disk index: generations, atomic rebuild, schema checks, translated Whoosh errors."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
from whoosh.query import Every

from search.documents import Document
from search.errors import IndexBusy, IndexMissing, IndexSchemaMismatch
from search.index import (
    WHOOSH_LOCK,
    ensure_index,
    index_writer,
    inspect_index,
    open_index,
    open_writer,
    rebuild_index,
    write_documents,
)
from search.locks import LockOwner, probe_lock, write_lock
from search.query import parse_request
from search.service import SearchService


def docs(prefix: str, n: int) -> list[Document]:
    return [
        Document(
            doc_id=f"{prefix}{i}",
            title=f"{prefix} story {i}",
            body=f"The harbour council met about the {prefix} plan number {i}.",
        )
        for i in range(n)
    ]


def test_open_missing_index_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(IndexMissing, match="docsift ingest"):
        open_index(tmp_path / "index")


def test_update_replaces_documents_with_the_same_id(tmp_path: Path) -> None:
    link = tmp_path / "index"
    write_documents(link, docs("a", 3))
    write_documents(link, [Document(doc_id="a1", title="replaced", body="new text")])
    with open_index(link).searcher() as searcher:
        assert searcher.doc_count() == 3
        assert searcher.document(doc_id="a1")["title"] == "replaced"


def test_rebuild_swaps_atomically_and_open_searchers_keep_answering(tmp_path: Path) -> None:
    link = tmp_path / "index"
    write_documents(link, docs("old", 5))
    service = SearchService.over_index(link)
    before = open_index(link).searcher()
    rebuild_index(link, docs("new", 7))
    # a searcher opened before the swap still reads the old generation
    assert before.doc_count() == 5
    assert len(before.search(Every())) == 5
    before.close()
    response = service.search(parse_request({"q": "harbour"}))
    assert response.total == 7
    assert {h.doc_id[:3] for h in response.hits} == {"new"}
    assert link.is_symlink()


def test_rebuild_keeps_only_two_generations(tmp_path: Path) -> None:
    link = tmp_path / "index"
    for n in range(4):
        rebuild_index(link, docs(f"g{n}", 2))
    generations = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("index-"))
    assert generations == ["index-3", "index-4"]
    assert link.resolve().name == "index-4"


def test_schema_version_mismatch_asks_for_reindex(tmp_path: Path) -> None:
    link = tmp_path / "index"
    write_documents(link, docs("a", 1))
    (link / "docsift-index.json").write_text(json.dumps({"schema_version": 0}))
    with pytest.raises(IndexSchemaMismatch, match="docsift reindex"):
        open_index(link)


def test_held_write_lock_raises_index_busy(tmp_path: Path) -> None:
    link = tmp_path / "index"
    ix = ensure_index(link)
    with index_writer(ix):
        with pytest.raises(IndexBusy, match="another docsift process"):
            with index_writer(open_index(link), timeout_s=0.2):
                pass


# -- locks that say who holds them (issue 8) -------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent

HOLD_WRITER = """
import signal, sys, os
from pathlib import Path
from search.index import ensure_index, open_writer
writer = open_writer(ensure_index(Path(sys.argv[1])))
print("locked", flush=True)
if sys.argv[2] == "die":
    os.kill(os.getpid(), signal.SIGKILL)
sys.stdin.read()
"""


def _python(script: str, *args: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_a_writer_in_another_live_process_is_named_in_index_busy(tmp_path: Path) -> None:
    link = tmp_path / "index"
    proc = _python(HOLD_WRITER, str(link), "hold")
    try:
        assert probe_lock(link.resolve() / WHOOSH_LOCK).state == "held"
        with pytest.raises(
            IndexBusy, match=rf"another docsift process \(pid {proc.pid}, .*started"
        ):
            open_writer(open_index(link), timeout_s=0.2)
    finally:
        proc.communicate("", timeout=10)
    write_documents(link, docs("after", 1))  # released when the holder ended


def test_a_killed_writers_lock_is_cleared_with_a_message(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    link = tmp_path / "index"
    write_documents(link, docs("a", 2))
    proc = _python(HOLD_WRITER, str(link), "die")
    proc.communicate(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    state = probe_lock(link.resolve() / WHOOSH_LOCK)
    assert state.state == "stale" and state.owner is not None and state.owner.pid == proc.pid
    with caplog.at_level(logging.WARNING, logger="search.locks"):
        write_documents(link, docs("b", 2))
    assert (
        f"cleared a stale write lock on the index at {link} left by pid {proc.pid}" in caplog.text
    )
    assert probe_lock(link.resolve() / WHOOSH_LOCK).state == "free"
    with open_index(link).searcher() as searcher:
        assert searcher.doc_count() == 4


def test_a_lock_held_by_a_leftover_process_of_a_dead_owner_is_broken(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The flock is held (by a process that inherited the descriptor) but the recorded owner is
    gone: the lock file is replaced, never while the owner lives."""
    path = tmp_path / "docsift.lock"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    owner = LockOwner.me("docsift ingest")
    path.write_text(json.dumps({**owner.to_dict(), "pid": int(dead.stdout)}))
    holder = _python(
        "import fcntl, os, sys\n"
        "fd = os.open(sys.argv[1], os.O_RDONLY)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\n"
        "print('locked', flush=True)\n"
        "sys.stdin.read()\n",
        str(path),
    )
    try:
        assert probe_lock(path).state == "stale"
        with caplog.at_level(logging.WARNING, logger="search.locks"):
            with write_lock(tmp_path / "index", "docsift reindex") as lock:
                assert lock.cleared is not None and lock.cleared.pid == int(dead.stdout)
                assert probe_lock(path).state == "held"
        assert "a leftover process still held it" in caplog.text
    finally:
        holder.communicate("", timeout=10)


def test_a_forked_child_does_not_keep_the_lock_of_a_killed_parent(tmp_path: Path) -> None:
    """NER workers are forked while the home lock is held; if the parent is killed they must
    not keep it (each child closes its copy of the descriptor right after the fork)."""
    script = (
        "import os, signal, sys, time\n"
        "from pathlib import Path\n"
        "from search.locks import write_lock\n"
        "lock = write_lock(Path(sys.argv[1]), 'docsift ingest')\n"
        "child = os.fork()\n"
        "if child == 0:\n"
        "    null = os.open(os.devnull, os.O_WRONLY)\n"
        "    os.dup2(null, 1)\n"
        "    os.dup2(null, 2)\n"
        "    time.sleep(60)\n"
        "    os._exit(0)\n"
        "print(child, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "index")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    child = int(proc.stdout)
    try:
        os.kill(child, 0)  # the child still runs
        fd = os.open(tmp_path / "docsift.lock", os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # BlockingIOError if it kept the lock
        finally:
            os.close(fd)
        with write_lock(tmp_path / "index", "docsift ingest", wait_s=0) as lock:
            assert lock.cleared is not None and lock.cleared.pid != child
    finally:
        os.kill(child, signal.SIGKILL)


def test_the_home_lock_queues_a_second_writer_or_fails_clearly(tmp_path: Path) -> None:
    link = tmp_path / "index"
    first = write_lock(link, "docsift ingest")
    with pytest.raises(IndexBusy, match=rf"pid {os.getpid()}, docsift ingest, started") as busy:
        write_lock(link, "docsift reindex", wait_s=0)
    assert "wait for it to finish or stop it" in str(busy.value)
    waited: list[LockOwner | None] = []
    timer = threading.Timer(0.5, first.release)
    timer.start()
    started = time.monotonic()
    with write_lock(link, "docsift reindex", wait_s=10, on_wait=waited.append):
        assert time.monotonic() - started >= 0.4
    timer.join()
    assert [o.operation for o in waited if o] == ["docsift ingest"]
    assert (tmp_path / "docsift.lock").read_text() == ""  # a clean release leaves no record


def test_lock_owner_liveness(tmp_path: Path) -> None:
    me = LockOwner.me("x")
    assert me.alive()
    assert not replace(me, pid=2**22 + 12345).alive()
    if me.proc_start is not None:
        assert not replace(me, proc_start=me.proc_start + 1).alive()  # a reused pid
    assert replace(me, pid=2**22 + 12345, host="elsewhere.example").alive()  # cannot tell
    assert LockOwner.parse(b"not json") is None
    assert LockOwner.parse(json.dumps(me.to_dict()).encode()) == me


def test_an_interrupted_rebuild_leaves_nothing_searched_and_is_pruned(tmp_path: Path) -> None:
    link = tmp_path / "index"
    write_documents(link, docs("a", 2))
    (tmp_path / "index-2").mkdir()  # what a killed rebuild leaves
    assert inspect_index(link).leftovers == ("index-2",)
    rebuild_index(link, docs("b", 3))
    assert sorted(p.name for p in tmp_path.glob("index-*")) == ["index-1", "index-3"]
    inspection = inspect_index(link)
    assert inspection.generation == "index-3" and inspection.leftovers == ()
    assert inspection.ids == {"b0", "b1", "b2"} and inspection.documents == 3

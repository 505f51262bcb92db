"""Crash safety (issue 8): `docsift ingest` and `docsift reindex` SIGKILLed at named points.

Each run is a real `docsift` subprocess killed by the DOCSIFT_FAULT hook (search/faults.py) at
one point. Afterwards the store opens, `docsift search` answers, `docsift check` reports exactly
what the kill left behind, the next `docsift ingest` (same input) or `docsift reindex` brings
store and index into agreement, and every document the store held when the process died is
searchable. Also: `docsift check` finds damage done on purpose, and `docsift reindex` repairs it.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.cli import ExitStatus, main
from search.documents import Document
from search.index import delete_documents, open_index, write_documents
from search.service import SearchService

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
DOCSIFT = Path(sys.executable).with_name("docsift")
WIRE = ROOT / "samples" / "news" / "exports" / "wire.jsonl"


def write_corpus(path: Path, prefix: str, n: int) -> dict[str, str]:
    """A JSON Lines export of n distinct documents; returns doc_id -> its unique word."""
    rng = random.Random(prefix)
    vocabulary = [
        "".join(rng.choice("bcdfghklmnprstvz") + rng.choice("aeiou") for _ in range(3))
        for _ in range(300)
    ]
    tokens = {}
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            doc_id, token = f"{prefix}{i:02d}", f"zq{prefix}{i:03d}x"
            words = " ".join(rng.choice(vocabulary) for _ in range(60))
            text = f"The harbour council discussed {token} at length. {words}."
            record = {"id": doc_id, "title": f"Harbour report {prefix} {i}", "text": text}
            fh.write(json.dumps(record) + "\n")
            tokens[doc_id] = token
    return tokens


def docsift_killed(home: Path, fault: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `docsift --home HOME ARGS` as a subprocess that SIGKILLs itself at `fault`."""
    env = {**os.environ, "DOCSIFT_FAULT": fault}
    proc = subprocess.run(
        [str(DOCSIFT), "--home", str(home), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == -signal.SIGKILL, (fault, proc.returncode, proc.stderr)
    return proc


def docsift(capsys: pytest.CaptureFixture[str], home: Path, *args: str) -> tuple[int, str]:
    code = main(["--home", str(home), *args])
    out, _ = capsys.readouterr()
    return code, out


def stored_ids(home: Path) -> set[str]:
    """What the store held when the process died (read straight from SQLite)."""
    with sqlite3.connect(f"file:{home / 'docsift.db'}?mode=ro", uri=True) as db:
        return {row[0] for row in db.execute("SELECT doc_id FROM documents")}


def index_count(home: Path) -> int:
    ix = open_index(home / "index")
    try:
        return int(ix.doc_count())
    finally:
        ix.close()


def check(capsys: pytest.CaptureFixture[str], home: Path) -> tuple[int, dict[str, object]]:
    code, out = docsift(capsys, home, "check", "--json")
    return code, json.loads(out)


def codes(report: dict[str, object]) -> set[str]:
    return {p["code"] for p in report["problems"]}  # type: ignore[attr-defined, index]


def assert_answers(capsys: pytest.CaptureFixture[str], home: Path) -> int:
    """`docsift search` answers with valid JSON; returns the total."""
    code, out = docsift(capsys, home, "search", "harbour", "--json", "--per-page", "100")
    assert code == ExitStatus.OK
    return int(json.loads(out)["total"])


def assert_searchable(home: Path, tokens: dict[str, str], ids: set[str]) -> None:
    service = SearchService.over_index(home / "index")
    for doc_id in sorted(ids):
        response = service.search(service.parse({"q": tokens[doc_id]}))
        assert doc_id in {h.doc_id for h in response.hits}, f"{doc_id} was stored but is lost"


def assert_repaired(capsys: pytest.CaptureFixture[str], home: Path, repair: list[str]) -> None:
    assert docsift(capsys, home, *repair)[0] == ExitStatus.OK
    code, report = check(capsys, home)
    assert code == ExitStatus.OK and report["ok"] is True, report["problems"]
    assert report["store"]["documents"] == report["index"]["documents"]  # type: ignore[index]


# what `docsift check` must report after each kill of a first ingest into an empty home, and
# which command repairs it in this test (either would: both ways are covered across the points)
INGEST_FAULTS = [
    # after the first store batch is committed, before anything reaches the index
    ("ingest.stored", {"missing_from_index", "unindexed", "table_missing"}, "ingest"),
    # in the middle of writing the index (documents added to an uncommitted writer)
    (
        "ingest.index_write",
        {"missing_from_index", "unindexed", "table_missing"},
        "reindex",
    ),
    # right before the index commit
    (
        "ingest.before_commit",
        {"missing_from_index", "unindexed", "table_missing"},
        "ingest",
    ),
    # after the index commit, before the store marks the rows indexed
    ("ingest.after_commit", {"unindexed", "table_missing"}, "ingest"),
    # during the final alias/story step: names.json written, stories.json not yet
    ("ingest.stories", {"table_missing"}, "reindex"),
]


@pytest.mark.parametrize(
    ("fault", "expected", "repair"), INGEST_FAULTS, ids=[f[0] for f in INGEST_FAULTS]
)
def test_ingest_killed_at(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    home: Path,
    fault: str,
    expected: set[str],
    repair: str,
) -> None:
    export = tmp_path / "a.jsonl"
    tokens = write_corpus(export, "a", 12)
    docsift_killed(home, fault, "ingest", "--no-entities", str(export))

    stored = stored_ids(home)
    assert stored == set(tokens)  # one store batch: all of them were committed
    assert assert_answers(capsys, home) == index_count(home)
    code, report = check(capsys, home)
    assert code == ExitStatus.ERROR and report["ok"] is False
    assert codes(report) == expected
    # the killed process left its lock: a warning (the next writer clears it), not a problem
    assert "stale_lock" in {w["code"] for w in report["warnings"]}  # type: ignore[attr-defined]
    assert report["store"]["documents"] == len(stored)  # type: ignore[index]
    assert report["index"]["documents"] == index_count(home)  # type: ignore[index]
    assert report["repair"] == "docsift reindex"

    args = ["ingest", "--no-entities", str(export)] if repair == "ingest" else ["reindex"]
    assert_repaired(capsys, home, args)
    assert_searchable(home, tokens, stored)
    assert assert_answers(capsys, home) == len(tokens)


def test_ingest_of_additions_killed_mid_index_write_keeps_the_old_documents_answering(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, home: Path
) -> None:
    first, more = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    tokens = write_corpus(first, "a", 8)
    assert docsift(capsys, home, "ingest", "--no-entities", str(first))[0] == ExitStatus.OK
    tokens |= write_corpus(more, "b", 8)
    docsift_killed(home, "ingest.index_write", "ingest", "--no-entities", str(first), str(more))

    stored = stored_ids(home)
    assert stored == set(tokens)
    assert assert_answers(capsys, home) == 8  # the old documents, no half-written ones
    assert_searchable(home, tokens, {d for d in stored if d.startswith("a")})
    code, report = check(capsys, home)
    assert code == ExitStatus.ERROR
    assert codes(report) == {"missing_from_index", "unindexed"}
    missing = next(p for p in report["problems"] if p["code"] == "missing_from_index")  # type: ignore[attr-defined]
    assert missing["count"] == 8 and all(i.startswith("b") for i in missing["ids"])
    stale = [w for w in report["warnings"] if w["code"] == "stale_lock"]  # type: ignore[attr-defined]
    assert len(stale) == 2  # the home's lock and the index's Whoosh lock

    # the repair as a real process: it says which stale locks it cleared
    proc = subprocess.run(
        [str(DOCSIFT), "--home", str(home), "ingest", "--no-entities", str(first), str(more)],
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if k != "DOCSIFT_FAULT"},
    )
    assert proc.returncode == 0, proc.stderr
    assert "cleared a stale write lock on the data directory" in proc.stderr
    assert "cleared a stale write lock on the index at" in proc.stderr
    assert check(capsys, home)[0] == ExitStatus.OK
    assert_searchable(home, tokens, stored)


def test_a_stale_lock_alone_is_a_warning_and_check_exits_0(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, home: Path
) -> None:
    export = tmp_path / "a.jsonl"
    write_corpus(export, "a", 6)
    assert docsift(capsys, home, "ingest", "--no-entities", str(export))[0] == ExitStatus.OK
    # the same input again, killed at its very end: nothing changed, only its lock is left
    docsift_killed(home, "ingest.stories", "ingest", "--no-entities", str(export))
    code, report = check(capsys, home)
    assert code == ExitStatus.OK and report["ok"] is True, report
    assert report["problems"] == []
    assert {w["code"] for w in report["warnings"]} == {"stale_lock"}  # type: ignore[attr-defined]
    code, out = docsift(capsys, home, "check")
    assert code == ExitStatus.OK
    assert "warning: a stale write lock (docsift.lock)" in out and "OK:" in out


def test_ingest_with_entities_killed_after_the_index_commit(
    capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    docsift_killed(home, "ingest.after_commit", "ingest", str(WIRE))
    stored = stored_ids(home)
    assert len(stored) == 10
    assert_answers(capsys, home)
    code, report = check(capsys, home)
    assert code == ExitStatus.ERROR
    assert codes(report) == {"unindexed", "table_missing"}

    assert_repaired(capsys, home, ["ingest", str(WIRE)])
    code, out = docsift(capsys, home, "search", "", "--json", "--per-page", "100")
    data = json.loads(out)
    assert {h["id"] for h in data["hits"]} <= stored and data["facets"]["person"]
    person = data["facets"]["person"][0]["value"]
    code, out = docsift(capsys, home, "search", "", "--person", person, "--json")
    assert code == ExitStatus.OK and json.loads(out)["total"] >= 1


REINDEX_FAULTS = [
    # while building the new generation (documents added to its uncommitted writer)
    ("reindex.build", "reindex"),
    # the new generation is complete, the link not yet swapped
    ("reindex.before_swap", "ingest"),
]


@pytest.mark.parametrize(("fault", "repair"), REINDEX_FAULTS, ids=[f for f, _ in REINDEX_FAULTS])
def test_reindex_killed_before_the_swap_leaves_the_old_generation_answering(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, home: Path, fault: str, repair: str
) -> None:
    export = tmp_path / "a.jsonl"
    tokens = write_corpus(export, "a", 12)
    assert docsift(capsys, home, "ingest", "--no-entities", str(export))[0] == ExitStatus.OK
    before = (home / "index").resolve()
    docsift_killed(home, fault, "reindex")

    assert (home / "index").resolve() == before
    assert assert_answers(capsys, home) == 12
    code, report = check(capsys, home)
    # only its stale lock and the unfinished generation: both harmless, so check passes
    assert code == ExitStatus.OK and codes(report) == set()
    assert {w["code"] for w in report["warnings"]} == {"stale_lock"}  # type: ignore[attr-defined]
    assert any("interrupted reindex" in note for note in report["notes"])  # type: ignore[attr-defined]

    args = ["ingest", "--no-entities", str(export)] if repair == "ingest" else ["reindex"]
    assert_repaired(capsys, home, args)
    assert_searchable(home, tokens, stored_ids(home))
    if repair == "reindex":  # the rebuild removed what the killed one left behind
        assert sorted(p.name for p in home.glob("index-*")) == ["index-1", "index-3"]


def test_reindex_killed_after_the_swap_before_marking_rows_indexed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, home: Path
) -> None:
    export = tmp_path / "a.jsonl"
    tokens = write_corpus(export, "a", 12)
    docsift_killed(home, "ingest.stored", "ingest", "--no-entities", str(export))
    docsift_killed(home, "reindex.after_swap", "reindex")

    stored = stored_ids(home)
    assert assert_answers(capsys, home) == 12  # the new generation holds everything
    code, report = check(capsys, home)
    assert code == ExitStatus.ERROR and codes(report) == {"unindexed"}
    assert_repaired(capsys, home, ["ingest", "--no-entities", str(export)])
    assert_searchable(home, tokens, stored)


# -- damage on purpose: check finds it, reindex repairs it -------------------------------------


def _damage(home: Path, kind: str) -> None:
    current = (home / "index").resolve()
    if kind == "missing_from_index":
        delete_documents(home / "index", ["a03"])
    elif kind == "not_in_store":
        write_documents(home / "index", [Document(doc_id="ghost", title="Ghost", body="harbour")])
    elif kind == "table_unreadable":
        (current / "stories.json").write_text("{broken", encoding="utf-8")
    elif kind == "table_missing":
        (current / "names.json").unlink()
    elif kind == "schema_mismatch":
        (current / "docsift-index.json").write_text(json.dumps({"schema_version": 0}))
    elif kind == "unindexed":
        with sqlite3.connect(home / "docsift.db") as db:
            db.execute("UPDATE documents SET indexed = 0 WHERE doc_id IN ('a01', 'a02')")
    elif kind == "index_unreadable":
        shutil.rmtree(current)


@pytest.mark.parametrize(
    "kind",
    [
        "missing_from_index",
        "not_in_store",
        "table_unreadable",
        "table_missing",
        "schema_mismatch",
        "unindexed",
        "index_unreadable",
    ],
)
def test_check_finds_damage_and_reindex_repairs_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, home: Path, kind: str
) -> None:
    export = tmp_path / "a.jsonl"
    tokens = write_corpus(export, "a", 6)
    assert docsift(capsys, home, "ingest", "--no-entities", str(export))[0] == ExitStatus.OK
    assert check(capsys, home)[0] == ExitStatus.OK
    _damage(home, kind)

    code, report = check(capsys, home)
    assert code == ExitStatus.ERROR and codes(report) == {kind}
    code, text = docsift(capsys, home, "check")
    assert code == ExitStatus.ERROR and "docsift reindex" in text and "1 problem:" in text

    assert_repaired(capsys, home, ["reindex"])
    assert_searchable(home, tokens, set(tokens))


def test_check_on_an_empty_home_passes(capsys: pytest.CaptureFixture[str], home: Path) -> None:
    code, out = docsift(capsys, home, "check")
    assert code == ExitStatus.OK and "OK: the store and the index agree" in out

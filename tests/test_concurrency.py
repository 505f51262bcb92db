"""Concurrency (issue 8), with real processes: a `docsift serve` answering searches while a
`docsift ingest` and then a `docsift reindex` run, and two writers on one home at once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from test_crash_safety import assert_searchable, write_corpus

from indexer.cli import ExitStatus, main
from search.locks import write_lock

pytestmark = pytest.mark.slow

DOCSIFT = Path(sys.executable).with_name("docsift")


def docsift_process(
    home: Path, *args: str, stderr: object = subprocess.PIPE
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(DOCSIFT), "--home", str(home), *args],
        stdout=subprocess.PIPE,
        stderr=stderr,  # type: ignore[arg-type]
        text=True,
        env={k: v for k, v in os.environ.items() if k != "DOCSIFT_FAULT"},
    )


def check_ok(capsys: pytest.CaptureFixture[str], home: Path) -> dict[str, object]:
    capsys.readouterr()
    code = main(["--home", str(home), "check", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == ExitStatus.OK and report["ok"] is True, report["problems"]
    return report  # type: ignore[no-any-return]


def test_searches_keep_answering_during_an_ingest_and_a_reindex(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, home: Path
) -> None:
    first, more = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    tokens = write_corpus(first, "a", 20)
    assert main(["--home", str(home), "ingest", "--no-entities", str(first)]) == ExitStatus.OK
    tokens |= write_corpus(more, "b", 40)
    # the server logs every request on stderr: to a file, so a full pipe never blocks it
    log = (tmp_path / "serve.log").open("w")
    proc = docsift_process(home, "serve", "--port", "0", stderr=log)
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    assert url.startswith("http://127.0.0.1:"), url
    try:
        with httpx.Client(base_url=url, timeout=15) as client:

            def probe() -> int:
                """Total for a word every document has; the known document must be found."""
                response = client.get("/api/search", params={"q": "harbour", "per_page": "1"})
                assert response.status_code == 200, response.text
                known = client.get("/api/search", params={"q": tokens["a00"]})
                assert known.status_code == 200, known.text
                assert [h["id"] for h in known.json()["hits"]] == ["a00"]
                return int(response.json()["total"])

            assert probe() == 20
            ingest = docsift_process(home, "ingest", "--no-entities", str(more))
            during_ingest = []
            while ingest.poll() is None:
                during_ingest.append(probe())
            _, err = ingest.communicate(timeout=60)
            assert ingest.returncode == 0, err
            after_ingest = probe()

            reindex = docsift_process(home, "reindex")
            during_reindex = []
            while reindex.poll() is None:
                during_reindex.append(probe())
            _, err = reindex.communicate(timeout=60)
            assert reindex.returncode == 0, err
            after_reindex = probe()
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
        log.close()

    assert len(during_ingest) >= 3 and len(during_reindex) >= 3  # they really overlapped
    # one commit: the old count until it lands, then all of them; never less, never half
    assert during_ingest == sorted(during_ingest)
    assert set(during_ingest) <= {20, 60}
    assert after_ingest == 60
    assert set(during_reindex) == {60} and after_reindex == 60
    check_ok(capsys, home)
    assert_searchable(home, tokens, set(tokens))


def test_two_ingests_at_once_queue_and_both_finish(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, home: Path
) -> None:
    tokens = write_corpus(tmp_path / "b.jsonl", "b", 15)
    tokens |= write_corpus(tmp_path / "c.jsonl", "c", 15)
    # hold the home lock while both start, so both are waiting at once when it is released
    with write_lock(home / "index", "docsift ingest"):
        procs = [
            docsift_process(home, "ingest", "--no-entities", str(tmp_path / name))
            for name in ("b.jsonl", "c.jsonl")
        ]
        for proc in procs:
            assert proc.stderr is not None
            assert proc.stderr.readline().startswith("waiting for another docsift process")
    results = [proc.communicate(timeout=120) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], [err for _, err in results]
    assert all("15 added" in out for out, _ in results)
    report = check_ok(capsys, home)
    assert report["store"] == {"documents": 30, "unindexed": 0}
    assert report["index"]["documents"] == 30  # type: ignore[index]
    assert_searchable(home, tokens, set(tokens))


def test_a_second_writer_waits_for_the_first_or_fails_clearly(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, home: Path
) -> None:
    export = tmp_path / "a.jsonl"
    tokens = write_corpus(export, "a", 6)
    holder = f"another docsift process (pid {os.getpid()}, docsift ingest, started"
    with write_lock(home / "index", "docsift ingest"):  # this test plays a running ingest
        for args in (["ingest", "--no-entities", str(export)], ["reindex"]):
            proc = docsift_process(home, *args, "--wait", "0")
            _, err = proc.communicate(timeout=60)
            assert proc.returncode == ExitStatus.BUSY == 4
            assert holder in err and "wait for it to finish or stop it" in err
        queued = docsift_process(home, "ingest", "--no-entities", "--wait", "60", str(export))
        assert queued.stderr is not None
        line = queued.stderr.readline()
        assert line.startswith("waiting for " + holder), line
    _, err = queued.communicate(timeout=60)  # the lock is free: it goes on
    assert queued.returncode == 0, err
    check_ok(capsys, home)
    assert_searchable(home, tokens, set(tokens))

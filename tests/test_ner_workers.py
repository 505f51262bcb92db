"""NER worker processes (issue 18, points 7 and 13): they die with the ingest that started
them, and the entities a document gets do not depend on how many of them run.

The first test starts a real `docsift ingest` large enough to run two NER workers, SIGKILLs it
while they work, and looks for them in /proc; the second runs the real model over BBC stories
that share lines with other stories (where reuse across documents can differ), once in this
process and once with two workers, and compares every mention.
"""

from __future__ import annotations

import collections
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import shared_path
from livefixtures import DOCSIFT

from indexer.ner import SpacyExtractor

pytestmark = pytest.mark.slow

PLACES = ["Port Alder", "Brussels", "Lagos", "Osaka", "Quito", "Tallinn", "Perth", "Hanoi"]
PEOPLE = ["Helena Marsh", "Ade Okafor", "Mark Rutte", "Yuki Tanaka", "Ana Lima", "Jon Berg"]


def _export(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for n in range(count):
            text = " ".join(
                f"{PEOPLE[(n + k) % len(PEOPLE)]} met officials in {PLACES[(n * k) % len(PLACES)]} "
                f"on day {n * 7 + k} to discuss contract {n}-{k}."
                for k in range(25)
            )
            fh.write(json.dumps({"id": f"s{n}", "title": f"Report {n}", "text": text}) + "\n")


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    """Running or sleeping (a zombie holds no memory and no open files)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
@pytest.mark.timeout(300)
def test_kill_9_of_an_ingest_leaves_none_of_its_worker_processes(tmp_path: Path) -> None:
    export = tmp_path / "many.jsonl"
    _export(export, 900)  # over the 400 documents that start NER workers
    for attempt in range(3):
        home = tmp_path / f"home{attempt}"
        process = subprocess.Popen(
            [str(DOCSIFT), "--home", str(home), "ingest", str(export)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "DOCSIFT_NER_PROCESSES": "2"},
        )
        try:
            workers: list[int] = []
            deadline = time.monotonic() + 120
            while len(workers) < 2 and time.monotonic() < deadline:
                assert process.poll() is None, "the ingest ended before its workers started"
                time.sleep(0.2)
                workers = _children(process.pid)
            assert len(workers) >= 2, f"no NER workers seen (children: {workers})"
            time.sleep(1.0 + attempt)  # let them load the model and take work
            process.send_signal(signal.SIGKILL)
            process.wait(10)
            time.sleep(5)
            left = [pid for pid in workers if _alive(pid)]
            assert not left, f"attempt {attempt}: workers {left} outlived the killed ingest"
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


def _bbc_stories_sharing_lines() -> list[tuple[str, str]]:
    """BBC stories with a body line that another story also has (in corpus order): lines the
    extractor analyses once and reuses, where the order of work could change the outcome."""
    path = shared_path("data", "bbc_news", "bbc.jsonl")
    with path.open(encoding="utf-8") as fh:
        stories = [json.loads(line) for line in fh]
    seen: collections.Counter[str] = collections.Counter()
    for story in stories:
        seen.update({line for line in story["body"].split("\n") if line.strip()})
    return [
        (story["title"], story["body"])
        for story in stories
        if any(seen[line] > 1 for line in story["body"].split("\n") if line.strip())
    ]


@pytest.mark.shared
@pytest.mark.timeout(600)
def test_entities_are_the_same_with_one_process_and_with_two_workers() -> None:
    stories = _bbc_stories_sharing_lines()
    assert len(stories) > 300
    one = SpacyExtractor(n_process=1)
    alone = list(one.extract(stories))
    two = SpacyExtractor(n_process=2)
    pooled = list(two.extract(stories))
    differ = [n for n, (a, b) in enumerate(zip(alone, pooled, strict=True)) if a != b]
    assert differ == [], f"{len(differ)} of {len(stories)} stories got other entities"
    # and the work was the same: each distinct line analysed once, the copies reused
    assert one.stats.to_dict() == two.stats.to_dict()

"""Progress of a long ingest, as a person watching a terminal or reading a log sees it: real
`docsift ingest` subprocesses whose stderr is a pipe (plain lines) or a terminal (a bar)."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.ingest_progress import IngestProgress, _non_blank_lines, expected_documents
from indexer.sources import Source

DOCSIFT = Path(sys.executable).with_name("docsift")
LINE = re.compile(
    r"^ingest: (\d+)/(\d+) documents \((\d+)%\), stage (reading|entities|indexing|names|"
    r"stories|done), (\d+:\d\d:\d\d) elapsed(?:, about (\d+:\d\d:\d\d) left)? "
    r"\(read (\d+), stored (\d+)\)$"
)
NOTES = 240


@pytest.fixture(scope="module")
def notes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough short news notes, with names in them, for the entity stage to take a while."""
    folder = tmp_path_factory.mktemp("progress-notes")
    for n in range(NOTES):
        (folder / f"note-{n:03d}.txt").write_text(
            f"Harbour note {n}\n\nHelena Marsh of the Port Alder board met Thomas Quill in "
            f"Rotterdam on {n % 28 + 1} March 2024 to discuss dredging contract {n}. The "
            "union said the talks in Brussels would go on.\n",
            encoding="utf-8",
        )
    return folder


def ingest(home: Path, *args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(DOCSIFT), "--home", str(home), "ingest", *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        **kw,  # type: ignore[arg-type]
    )


def test_a_piped_ingest_prints_a_plain_line_every_few_seconds(tmp_path: Path, notes: Path) -> None:
    result = ingest(tmp_path / "home", "--progress-every", "0.2", str(notes))

    assert result.returncode == 0, result.stderr
    assert "\r" not in result.stderr and "\x1b" not in result.stderr  # no bar in a log
    lines = [line for line in result.stderr.splitlines() if line.startswith("ingest:")]
    assert len(lines) >= 3, result.stderr
    parsed = [LINE.match(line) for line in lines]
    assert all(parsed), [line for line, m in zip(lines, parsed, strict=True) if not m]
    done = [int(m.group(1)) for m in parsed if m]
    totals = {int(m.group(2)) for m in parsed if m}
    assert totals == {NOTES}, totals  # the total is known from the first line on
    assert done == sorted(done) and done[-1] == NOTES
    stages = [m.group(4) for m in parsed if m]
    assert stages[-1] == "done"
    assert len(set(stages)) >= 2, stages  # the stage moves on as the run does
    assert any(m.group(6) for m in parsed if m and int(m.group(1)) < NOTES), "no time left"
    assert "240 added" in result.stdout


def test_no_progress_and_quiet_print_no_progress_lines(tmp_path: Path, notes: Path) -> None:
    for flags in (["--no-progress"], []):
        home = tmp_path / ("home" + "-".join(flags))
        args = ["--quiet"] if not flags else []
        result = subprocess.run(
            [str(DOCSIFT), "--home", str(home), *args, "ingest", "--no-entities", *flags]
            + ["--progress-every", "0.1", str(notes)],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert "ingest:" not in result.stderr, (flags, result.stderr)


def test_a_terminal_gets_a_bar_with_the_total_the_stage_and_the_time_left(
    tmp_path: Path, notes: Path
) -> None:
    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen(
            [str(DOCSIFT), "--home", str(tmp_path / "home"), "ingest", str(notes)],
            stdout=subprocess.DEVNULL,
            stderr=follower,
            env={**os.environ, "COLUMNS": "160"},
        )
        os.close(follower)
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break  # the child closed the terminal
            if not chunk:
                break
            shown += chunk
        assert process.wait(timeout=600) == 0
    finally:
        os.close(leader)
    text = shown.decode("utf-8", "replace")
    assert "\r" in text  # redrawn in place
    assert f"/{NOTES}" in text  # the total
    assert re.search(r"(reading|entities|indexing): +\d+%", text), text[-2000:]
    assert re.search(r"<\d\d:\d\d", text), "no time left shown"
    assert re.search(rf"done: 100%.*{NOTES}/{NOTES}", text), text[-600:]


def test_the_stage_follows_the_slowest_documents() -> None:
    progress = IngestProgress(total=3)
    assert progress.stage == "reading" and progress.eta_seconds() is None
    for source in ("a", "b", "c"):
        progress(source)
    assert progress.stage == "entities"  # all read, none through the entity stage
    progress.watch(lambda: 1)  # one was unchanged: it never waits for entities
    progress.document_analysed()
    progress.document_analysed()
    assert progress.stage == "indexing" and progress.processed == 3
    progress.set_stage("names")
    assert progress.stage == "names"
    progress(source="d")  # more turned up than expected: the total grows
    assert progress.total == 4


def test_expected_documents_counts_files_and_export_lines(tmp_path: Path) -> None:
    export = tmp_path / "export.jsonl"
    export.write_text('{"text": "a"}\n\n{"text": "b"}\n{"text": "c"}\n', encoding="utf-8")
    sources = [
        Source(str(export), "jsonl"),
        Source("https://news.example/a", "url"),
        Source(str(tmp_path / "note.txt"), "file"),
    ]
    assert expected_documents(sources) == 5


def test_export_lines_are_counted_a_block_at_a_time_as_the_reader_counts_them(
    tmp_path: Path,
) -> None:
    """Lines cut across read blocks, blank and whitespace-only lines, a last line with no
    newline: the count is the non-blank lines, whatever the block size (the 1 GiB line test in
    test_poisoned_records.py checks the memory side)."""
    body = b'{"id": 1}\n\n   \n{"id": "two", "text": "' + b"x" * 37 + b'"}\n \t\n{"id": 3}'
    export = tmp_path / "e.jsonl"
    export.write_bytes(body)
    expected = sum(1 for line in body.split(b"\n") if line.strip())
    assert expected == 3
    for block in (1, 2, 3, 7, 64, 1_048_576):
        assert _non_blank_lines(str(export), block) == expected, block
    export.write_bytes(body + b"\n\n")
    assert _non_blank_lines(str(export), 5) == expected

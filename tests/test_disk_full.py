"""A full disk (issue 18, point 10): one clear line naming the place and the space needed, the
read-only commands still answer, and the same command finishes once space is freed.

The disk is real: a small tmpfs mounted for the test (it needs root, and skips without it),
filled by a file until only a little space is left, so every write layer - SQLite, Whoosh's
segment files, the lock file - meets ENOSPC the way it would on a full disk.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from livefixtures import docsift, report_of

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root to mount a small tmpfs (a real full disk)")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(disk: Path, leave: int) -> Path:
    filler = disk / "filler"
    free = shutil.disk_usage(disk).free
    filler.write_bytes(b"\0" * max(0, free - leave))
    return filler


def _export(path: Path, count: int = 2000) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for n in range(count):
            text = " ".join(f"w{n * 7 + k}" for k in range(400))
            fh.write(json.dumps({"id": f"b{n}", "title": f"Bulletin {n}", "text": text}) + "\n")


@pytest.mark.timeout(300)
@pytest.mark.parametrize("leave_mb", [0.5, 3.0], ids=["before-a-batch", "mid-run"])
def test_a_full_disk_is_one_clear_line_and_reads_still_work(
    small_disk: Path, tmp_path: Path, leave_mb: float
) -> None:
    home = small_disk / "home"
    first = docsift(home, "ingest", "--no-entities", str(ROOT / "samples" / "news"))
    assert first.returncode == 0, first.stderr
    export = tmp_path / "bulletins.jsonl"
    _export(export)
    filler = _fill(small_disk, int(leave_mb * 1_048_576))

    full = docsift(home, "ingest", "--no-entities", str(export))
    assert full.returncode == 1
    (line,) = full.stderr.strip().splitlines()
    assert line.startswith(f"docsift: error: disk full: cannot write to {home}:"), line
    assert "MB free on that disk" in line and "MB needed" in line and "input" in line
    assert "Errno" not in line and "internal error" not in line

    # the read-only commands answer while the disk is still full
    check = docsift(home, "check", "--json")
    assert check.returncode in (0, 1), check.stderr
    assert report_of(check)["index"]["documents"] == 35
    stats = docsift(home, "stats", "--json")
    assert stats.returncode == 0, stats.stderr
    assert report_of(stats)["index"]["documents"] == 35
    search = docsift(home, "search", "harbour", "--json")
    assert search.returncode == 0, search.stderr
    assert report_of(search)["total"] > 0

    filler.unlink()
    again = docsift(home, "ingest", "--no-entities", "--json", str(export))
    assert again.returncode == 0, again.stderr
    assert docsift(home, "check").returncode == 0
    stats = report_of(docsift(home, "stats", "--json"))
    assert stats["store"]["documents"] == stats["index"]["documents"] == 2035

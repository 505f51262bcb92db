"""The `docsift` command line through its real entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.cli import ExitStatus, main

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "news"


def docsift(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_ingest_search_stats_reindex_round_trip(
    capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    code, out, _ = docsift(capsys, "--home", str(home), "ingest", str(SAMPLES))
    assert code == ExitStatus.OK
    assert "35 added" in out and "0 errors" in out
    code, out, _ = docsift(capsys, "--home", str(home), "search", "Okafor", "--json")
    data = json.loads(out)
    assert code == 0 and data["total"] >= 4
    assert all("<mark" in hit["snippet"] for hit in data["hits"])
    code, out, _ = docsift(capsys, "--home", str(home), "search", "strike", "--sort", "oldest")
    assert code == 0 and "results" in out and "1. " in out
    code, out, _ = docsift(capsys, "--home", str(home), "stats", "--json")
    assert json.loads(out)["store"]["documents"] == 35
    code, out, _ = docsift(capsys, "--home", str(home), "reindex")
    assert code == 0 and "reindexed 35 documents" in out
    code, out, _ = docsift(capsys, "--home", str(home), "search", "Okafor", "--json")
    assert json.loads(out)["total"] == data["total"]


def test_if_empty_skips_a_populated_home(capsys: pytest.CaptureFixture[str], home: Path) -> None:
    docsift(capsys, "--home", str(home), "ingest", str(SAMPLES / "sport"))
    code, out, _ = docsift(capsys, "--home", str(home), "ingest", "--if-empty", str(SAMPLES))
    assert code == 0 and "nothing to ingest" in out


def test_failed_documents_give_exit_status_3(
    capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path
) -> None:
    export = tmp_path / "bad.jsonl"
    export.write_text('{"id": "1", "text": "fine text here"}\n{broken\n', encoding="utf-8")
    code, out, err = docsift(capsys, "--home", str(home), "ingest", str(export))
    assert code == ExitStatus.PARTIAL
    assert "1 added" in out and "invalid JSON" in err


def test_bad_query_is_a_one_line_error_not_a_traceback(
    capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    docsift(capsys, "--home", str(home), "ingest", str(SAMPLES / "sport"))
    code, out, err = docsift(capsys, "--home", str(home), "search", '"unclosed')
    assert code == ExitStatus.USAGE
    assert err.startswith("docsift: bad query: unbalanced quotes") and "Traceback" not in err
    code, _, err = docsift(capsys, "--home", str(home), "search", "x", "--from", "soon")
    assert code == ExitStatus.USAGE and "parameter from" in err


def test_search_before_any_ingest_says_what_to_do(
    capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    code, _, err = docsift(capsys, "--home", str(home), "search", "anything")
    assert code == ExitStatus.ERROR
    assert "docsift ingest" in err and "Traceback" not in err


def test_installed_console_script_runs(home: Path) -> None:
    script = Path(sys.executable).with_name("docsift")
    result = subprocess.run(
        [str(script), "--home", str(home), "stats"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "index:     none yet" in result.stdout

"""`docsift compare A B [--json]` through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import shared_path
from test_web_compare import NEW_QUOTE, A, B

from indexer.cli import ExitStatus, main
from search.index import write_documents
from search.service import SearchService
from search.settings import Settings


def docsift(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def home(tmp_path: Path) -> Path:
    settings = Settings(home=tmp_path / "home")
    write_documents(settings.index_dir, (A, B))
    return settings.home


def test_compare_prints_the_summary_names_quotes_and_numbers(
    capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    code, out, err = docsift(capsys, "--home", str(home), "compare", A.doc_id, B.doc_id)
    assert code == ExitStatus.OK, err
    lines = out.splitlines()
    assert lines[0].startswith("A  Harbour strike talks collapse") and A.doc_id in lines[0]
    assert B.doc_id in lines[1]
    assert "B adds 1 person, 1 quote; changes numbers in 1 sentence" in out
    assert "  person only in B: Tom Quill" in lines
    assert f"  added (B) [unsupported]: Tom Quill: “{NEW_QUOTE.rstrip(',')}”" in lines
    assert any(line.endswith(": 3% -> 4%") for line in lines)
    assert lines[-1] == "Sentences: 3 aligned, 0 only in A, 1 only in B"


def test_compare_json_is_what_the_api_returns(
    capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    code, out, _ = docsift(capsys, "--home", str(home), "compare", A.doc_id, B.doc_id, "--json")
    assert code == ExitStatus.OK
    expected = SearchService.from_settings(Settings(home=home)).compare(A.doc_id, B.doc_id)
    assert json.loads(out) == json.loads(json.dumps(expected.to_dict()))


def test_compare_errors_are_one_line_with_a_status(
    capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path
) -> None:
    code, out, err = docsift(capsys, "--home", str(home), "compare", A.doc_id, "nope")
    assert code == ExitStatus.ERROR and out == ""
    assert err.strip() == "docsift: error: no document with id 'nope'"
    code, _, err = docsift(capsys, "--home", str(home), "compare", A.doc_id)
    assert code == ExitStatus.USAGE and "Missing argument" in err
    code, _, err = docsift(capsys, "--home", str(tmp_path / "empty"), "compare", "a", "b")
    assert code == ExitStatus.ERROR and "docsift ingest" in err


def test_compare_the_seed_rewrite(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    seeds = shared_path("seeds")
    home = str(tmp_path / "home")
    assert docsift(capsys, "--home", home, "--quiet", "ingest", str(seeds))[0] == 0
    code, out, _ = docsift(capsys, "--home", home, "search", "Rutte", "--json")
    ids = json.loads(out)["hits"][0]["version_ids"]
    # ids hash the file's path, which differs per machine; the original is the seed named 000_
    service = SearchService.from_settings(Settings(home=Path(home)))
    original, rewrite = sorted(ids, key=lambda i: Path(service.get(i).source).name)
    code, out, _ = docsift(capsys, "--home", home, "compare", original, rewrite, "--json")
    data = json.loads(out)
    assert code == 0 and data["flags"] == ["adds_people", "unsupported_quotes"]
    assert sorted(data["entities"]["person"]["only_b"]) == ["Dmitry Peskov", "Harald Vilimsky"]
    assert [q["speaker"] for q in data["unsupported_quotes"]] == ["Mark Rutte", "Mark Rutte"]
    code, out, _ = docsift(capsys, "--home", home, "compare", original, rewrite)
    assert "person only in A: Donald Trump, Andrii Sybiha" in out
    assert out.count("[unsupported]: Mark Rutte") == 2

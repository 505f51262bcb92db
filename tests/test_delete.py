"""`docsift delete` and `docsift ingest --prune` on real files, through the real CLI; and a
delete SIGKILLed at each of its steps (a real subprocess), finished by the next run."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest

from indexer.cli import ExitStatus, main

DOCSIFT = Path(sys.executable).with_name("docsift")
STORY = (
    "The harbour council met on Tuesday to discuss the storm damage along the northern quay "
    "and the repair budget for the coming winter. "
) * 5


def make_inputs(folder: Path) -> None:
    """A message with an attachment (its people come from the headers), two copies of one
    story, a note in a sub-folder, and an export of two records."""
    (folder / "sub").mkdir(parents=True)
    message = EmailMessage()
    message["From"] = "Helena Marsh <helena@harbour.example>"
    message["To"] = "Tomas Reyes <tomas@harbour.example>"
    message["Subject"] = "Quay repairs zorblat"
    message["Date"] = "Mon, 04 Mar 2024 10:00:00 +0000"
    message.set_content("The quay repairs start next week; zorblat is the code word.\n")
    message.add_attachment(
        b"Budget notes: quinceflux spending on the quay.\n",
        maintype="text",
        subtype="plain",
        filename="budget.txt",
    )
    (folder / "memo.eml").write_bytes(bytes(message))
    (folder / "story-a.txt").write_text("Storm damage\n\n" + STORY, encoding="utf-8")
    (folder / "story-b.txt").write_text("Storm damage\n\n" + STORY, encoding="utf-8")
    (folder / "sub" / "note.txt").write_text("A note about plinthwort.\n", encoding="utf-8")
    (folder / "sub2.txt").write_text("Beside the sub folder: gravelmoth.\n", encoding="utf-8")
    records = [{"id": "r1", "text": "Record one, vetchling."}, {"id": "r2", "text": "Two."}]
    (folder / "export.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in records), encoding="utf-8"
    )


def run(capsys: pytest.CaptureFixture[str], home: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--home", str(home), *args])
    out, err = capsys.readouterr()
    return code, out, err


def search(capsys: pytest.CaptureFixture[str], home: Path, *args: str) -> dict:  # type: ignore[type-arg]
    code, out, err = run(capsys, home, "search", *args, "--json")
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def facet(data: dict, name: str) -> dict[str, int]:  # type: ignore[type-arg]
    return {v["value"]: v["count"] for v in data["facets"][name]}


def names_in_store(home: Path) -> set[str]:
    with sqlite3.connect(f"file:{home / 'docsift.db'}?mode=ro", uri=True) as db:
        return {row[0] for row in db.execute("SELECT value FROM entities")}


def assert_clean(capsys: pytest.CaptureFixture[str], home: Path) -> None:
    code, out, _ = run(capsys, home, "check", "--json")
    report = json.loads(out)
    assert code == 0 and report["ok"], report["problems"]


@pytest.fixture
def ingested(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "in"
    make_inputs(folder)
    home = tmp_path / "home"
    code, out, err = run(capsys, home, "ingest", "--no-entities", str(folder))
    assert code == 0, err
    assert "8 added" in out
    return home, folder


def test_delete_a_message_takes_its_attachment_names_and_facet_counts(
    capsys: pytest.CaptureFixture[str], ingested: tuple[Path, Path]
) -> None:
    home, folder = ingested
    message = search(capsys, home, "zorblat")["hits"][0]["id"]
    assert search(capsys, home, "quinceflux")["total"] == 1  # the attachment
    before = search(capsys, home)
    assert facet(before, "person") == {"Helena Marsh": 1, "Tomas Reyes": 1}
    assert "Helena Marsh" in names_in_store(home)

    code, out, _ = run(capsys, home, "delete", message, "--yes")

    assert code == 0 and "deleted 2 documents" in out
    assert search(capsys, home, "zorblat")["total"] == 0
    assert search(capsys, home, "quinceflux")["total"] == 0
    after = search(capsys, home)
    assert after["total"] == before["total"] - 2
    assert facet(after, "person") == {}
    assert facet(after, "filetype").get("E-mail") is None
    assert "Helena Marsh" not in names_in_store(home)
    assert_clean(capsys, home)
    code, _, err = run(capsys, home, "delete", message, "--yes")
    assert code == ExitStatus.ERROR and "nothing matches" in err


def test_delete_one_version_leaves_a_story_of_one(
    capsys: pytest.CaptureFixture[str], ingested: tuple[Path, Path]
) -> None:
    home, _ = ingested
    story = [h for h in search(capsys, home, "storm")["hits"] if h["title"] == "Storm damage"]
    assert len(story) == 1 and story[0]["versions"] == 2
    other = next(v for v in story[0]["version_ids"] if v != story[0]["id"])

    assert run(capsys, home, "delete", other, "--yes")[0] == 0

    hit = search(capsys, home, "storm")["hits"][0]
    assert hit["versions"] == 1 and hit["version_ids"] == [story[0]["id"]]
    assert_clean(capsys, home)


def test_delete_by_source_folder_file_and_dry_run(
    capsys: pytest.CaptureFixture[str], ingested: tuple[Path, Path]
) -> None:
    home, folder = ingested
    total = search(capsys, home)["total"]
    code, out, _ = run(capsys, home, "delete", "--source", str(folder / "sub"), "--dry-run")
    assert code == 0 and "would delete 1 documents" in out and "note.txt" in out
    assert "sub2.txt" not in out  # a prefix is a folder, not the start of a name
    assert search(capsys, home)["total"] == total
    # without --yes and no terminal to ask on, nothing is deleted
    code, _, err = run(capsys, home, "delete", "--source", str(folder / "sub"))
    assert code == ExitStatus.USAGE and "--yes" in err
    assert search(capsys, home)["total"] == total

    code, out, _ = run(
        capsys,
        home,
        "delete",
        "--source",
        str(folder / "sub"),
        "--source",
        str(folder / "export.jsonl"),
        "--yes",
        "--json",
    )

    assert code == 0 and json.loads(out)["deleted"] == 3
    assert search(capsys, home, "plinthwort")["total"] == 0
    assert search(capsys, home, "vetchling")["total"] == 0
    assert search(capsys, home, "gravelmoth")["total"] == 1
    assert str(folder / "sub") not in facet(search(capsys, home), "origin")
    assert_clean(capsys, home)


def test_unknown_ids_are_named_and_the_rest_deleted(
    capsys: pytest.CaptureFixture[str], ingested: tuple[Path, Path]
) -> None:
    home, _ = ingested
    code, out, err = run(capsys, home, "delete", "r1", "no-such-id", "--yes")
    assert code == ExitStatus.PARTIAL
    assert "no document no-such-id" in err and "deleted 1 documents" in out
    assert search(capsys, home, "vetchling")["total"] == 0


def test_prune_deletes_only_documents_whose_files_under_the_folder_are_gone(
    capsys: pytest.CaptureFixture[str], ingested: tuple[Path, Path], tmp_path: Path
) -> None:
    home, folder = ingested
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("Kept elsewhere: marrowlark.\n", encoding="utf-8")
    assert run(capsys, home, "ingest", "--no-entities", str(elsewhere))[0] == 0
    (elsewhere / "keep.txt").unlink()  # gone, but not under the pruned folder
    (folder / "sub" / "note.txt").unlink()
    (folder / "memo.eml").unlink()  # the message and its attachment
    (folder / "story-b.txt").write_text("Rewritten: oxbrindle.\n", encoding="utf-8")

    code, out, err = run(capsys, home, "ingest", "--no-entities", "--prune", str(folder))

    assert code == 0, err
    assert "pruned 3 documents" in out and "1 updated" in out
    for word, hits in (
        ("plinthwort", 0),
        ("zorblat", 0),
        ("quinceflux", 0),
        ("oxbrindle", 1),
        ("marrowlark", 1),
        ("vetchling", 1),
    ):
        assert search(capsys, home, word)["total"] == hits, word
    assert_clean(capsys, home)
    code, _, err = run(capsys, home, "ingest", "--prune", str(folder / "export.jsonl"))
    assert code == ExitStatus.USAGE and "FOLDER" in err


# -- kill -9 mid-delete -----------------------------------------------------------------

POINTS = ("delete.intent", "delete.index", "delete.store", "delete.tables")
# what finishes the delete the killed process left: each way a user may take
NEXT_RUNS = (("delete", "--finish"), ("ingest", "--no-entities", "{folder}"), ("reindex",))


@pytest.mark.parametrize(
    ("point", "next_run"), [(p, NEXT_RUNS[i % len(NEXT_RUNS)]) for i, p in enumerate(POINTS)]
)
def test_a_delete_killed_at_each_step_is_reported_and_finished_by_the_next_run(
    capsys: pytest.CaptureFixture[str],
    ingested: tuple[Path, Path],
    point: str,
    next_run: tuple[str, ...],
) -> None:
    home, folder = ingested
    before = search(capsys, home)
    env = {**os.environ, "DOCSIFT_FAULT": point}
    killed = subprocess.run(
        [str(DOCSIFT), "--home", str(home), "delete", "--source", str(folder / "memo.eml"), "-y"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr

    code, out, _ = run(capsys, home, "check", "--json")
    report = json.loads(out)
    assert not report["ok"]
    assert "delete_unfinished" in {p["code"] for p in report["problems"]}
    assert search(capsys, home)["total"] in (before["total"], before["total"] - 2)

    args = [a.format(folder=folder) for a in next_run]
    if next_run[0] == "ingest":
        shutil.move(folder / "memo.eml", folder.parent / "memo.eml")  # or it comes back
    code, _, err = run(capsys, home, *args)
    assert code == 0, err

    assert_clean(capsys, home)
    assert search(capsys, home, "zorblat")["total"] == 0
    assert search(capsys, home, "quinceflux")["total"] == 0
    after = search(capsys, home)
    assert after["total"] == before["total"] - 2
    assert facet(after, "person") == {}
    assert "Helena Marsh" not in names_in_store(home)

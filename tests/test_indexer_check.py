"""`check_home`: what `docsift check` reports, on real homes, without the command line."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from indexer.check import MAX_LISTED_IDS, check_home
from indexer.pipeline import Pipeline
from indexer.store import DocumentStore
from search.documents import Document
from search.index import delete_documents, write_documents
from search.settings import Settings


def ingest(settings: Settings, tmp_path: Path, n: int) -> None:
    export = tmp_path / "export.jsonl"
    with export.open("w", encoding="utf-8") as fh:
        for i in range(n):
            text = f"The harbour council met for the {i}th time about dredging the basin."
            fh.write(json.dumps({"id": f"d{i:02d}", "title": f"Report {i}", "text": text}) + "\n")
    with DocumentStore(settings.db_path) as store:
        pipeline = Pipeline.from_settings(settings, store, entities=False)
        try:
            assert pipeline.run((str(export),)).ok
        finally:
            pipeline.close()


def test_an_empty_home_is_ok_and_is_not_created(settings: Settings) -> None:
    report = check_home(settings)
    assert report.ok and report.store_documents == 0 and report.inspection.generation is None
    assert not settings.db_path.exists()
    assert report.to_dict()["repair"] is None


def test_a_fresh_ingest_agrees(settings: Settings, tmp_path: Path) -> None:
    ingest(settings, tmp_path, 4)
    report = check_home(settings)
    assert report.ok, report.to_dict()
    assert report.store_documents == 4 and report.inspection.documents == 4
    assert report.problems == [] and report.warnings == []


def test_documents_missing_from_the_index_are_listed_with_the_fix(
    settings: Settings, tmp_path: Path
) -> None:
    ingest(settings, tmp_path, 3)
    delete_documents(settings.index_dir, ["d01"])
    report = check_home(settings)
    assert not report.ok
    [problem] = report.problems
    assert problem.code == "missing_from_index" and problem.ids == ("d01",)
    assert problem.fix == "docsift reindex" and report.to_dict()["repair"] == "docsift reindex"


def test_a_document_only_in_the_index_and_unindexed_rows_are_two_problems(
    settings: Settings, tmp_path: Path
) -> None:
    ingest(settings, tmp_path, 3)
    write_documents(settings.index_dir, [Document(doc_id="ghost", title="Ghost", body="x")])
    with sqlite3.connect(settings.db_path) as db:
        db.execute("UPDATE documents SET indexed = 0 WHERE doc_id = 'd00'")
    report = check_home(settings)
    by_code = {p.code: p for p in report.problems}
    assert set(by_code) == {"not_in_store", "unindexed"}
    assert by_code["not_in_store"].ids == ("ghost",)
    assert by_code["unindexed"].ids == ("d00",) and "ingest" in by_code["unindexed"].fix


def test_long_id_lists_are_cut_but_counted(settings: Settings, tmp_path: Path) -> None:
    ingest(settings, tmp_path, MAX_LISTED_IDS + 5)
    with sqlite3.connect(settings.db_path) as db:
        db.execute("UPDATE documents SET indexed = 0")
    [problem] = check_home(settings).problems
    assert problem.count == MAX_LISTED_IDS + 5
    assert problem.ids is not None and len(problem.ids) == MAX_LISTED_IDS
    shown = problem.to_dict()
    assert shown["count"] == MAX_LISTED_IDS + 5 and len(shown["ids"]) == MAX_LISTED_IDS


def test_a_schema_from_another_version_is_a_problem(settings: Settings, tmp_path: Path) -> None:
    ingest(settings, tmp_path, 2)
    marker = settings.index_dir.resolve() / "docsift-index.json"
    marker.write_text(json.dumps({"schema_version": 0}), encoding="utf-8")
    report = check_home(settings)
    assert [p.code for p in report.problems] == ["schema_mismatch"]
    assert report.to_dict()["index"]["schema_version"] == 0

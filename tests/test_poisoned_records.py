"""One bad record is that record's failure (issue 18, points 1, 8, 9, 11).

Real `docsift ingest` and `docsift crawl` processes over files and a site on 127.0.0.1: lone
surrogates in a JSONL line's text, id or title, 1,200-deep JSON, ids of the wrong type or
blank, a 1 GiB line, the same surrogate in a crawled page's JSON-LD, and file names that hold
newlines. Where a stage cannot fail on real input any more (NER, store, index), a fault is
injected into the real stage for one marked document to show that the rest of the run goes on.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from livefixtures import DOCSIFT, Site, article, docsift, report_of, send

from indexer.crawl.frontier import Frontier, PendingBody
from indexer.enrich import Enricher
from indexer.ner import FailedMentions, SpacyExtractor
from indexer.pipeline import Pipeline
from indexer.store import DocumentStore
from search.documents import Document
from search.service import SearchService
from search.settings import Settings

pytestmark = pytest.mark.slow

GOOD_TEXT = (
    "Mayor Helena Marsh said the ferry terminal in Port Alder would open in May, "
    "and the harbour board agreed the dredging budget on Tuesday."
)


def _line(raw: str) -> bytes:
    return raw.encode("ascii") + b"\n"


def poisoned_export(path: Path) -> dict[int, str]:
    """A JSONL export of good and poisoned lines; returns line number -> expected reason
    fragment for each line that must be refused."""
    deep_array = "[" * 1200 + "]" * 1200
    deep_field = '{"id": "deep", "text": "x", "extra": ' + "[" * 1200 + "]" * 1200 + "}"
    lines = [
        json.dumps({"id": "good-1", "title": "Ferry plan backed", "text": GOOD_TEXT}),
        # lone surrogates as JSON escapes, exactly as an export might carry them
        '{"id": "lone-text", "title": "Quay works", "text": "Divers found \\udfff a wreck '
        'near the quay in Port Alder on Monday."}',
        '{"id": "lone\\udfffid", "title": "Tug crews", "text": "Tug crews in Port Alder '
        'voted to strike on Friday."}',
        '{"id": "lone-title", "title": "Dredging \\ud800 deal", "text": "The dredging deal '
        'was signed by Helena Marsh in Port Alder."}',
        deep_array,
        json.dumps({"id": {"a": 1}, "text": "an object as id"}),
        json.dumps({"id": True, "text": "true as id"}),
        json.dumps({"id": 1.5, "text": "a fraction as id"}),
        json.dumps({"id": "   ", "text": "a blank id"}),
        json.dumps({"id": 42, "title": "Integer id", "text": "Ferry fares rose in Port Alder."}),
        deep_field,
        json.dumps({"id": "good-2", "title": "Harbour wall", "text": GOOD_TEXT}),
    ]
    path.write_bytes(b"".join(_line(x) for x in lines))
    return {
        5: "nested too deeply",
        6: "not an object",
        7: "not true/false",
        8: "not a fraction",
        9: "id is blank",
        11: "nested too deeply",
    }


@pytest.mark.timeout(180)
def test_jsonl_with_poisoned_lines_stores_every_good_line_and_names_each_bad_one(
    tmp_path: Path,
) -> None:
    export = tmp_path / "export.jsonl"
    refused = poisoned_export(export)
    home = tmp_path / "home"
    # entities on: the surrogate used to crash NER's line key and sink the whole run
    result = docsift(home, "ingest", str(export), "--json")
    assert result.returncode == 3, result.stderr  # partial: some lines refused
    report = report_of(result)
    assert report["added"] == 6
    errors = {p["source"].rsplit(":", 1)[1]: p["reason"] for p in report["errors"]}
    assert set(errors) == {str(n) for n in refused}
    for line, fragment in refused.items():
        assert fragment in errors[str(line)].replace("must be a string or a whole number, ", "")

    with DocumentStore(home / "docsift.db") as store:
        ids = store.ids()
        title = store.get("lone-title")
    assert ids == {"good-1", "good-2", "lone-text", "lone\ufffdid", "lone-title", "42"}
    assert title is not None and title.title == "Dredging \ufffd deal"
    found = report_of(docsift(home, "search", "divers wreck", "--json"))
    assert [h["id"] for h in found["hits"]] == ["lone-text"]
    assert "\ufffd" in found["hits"][0]["snippet"]
    assert report_of(docsift(home, "search", "integer", "--json"))["hits"][0]["id"] == "42"
    assert docsift(home, "check").returncode == 0


@pytest.mark.timeout(120)
def test_a_1_gib_line_is_skipped_while_reading_without_holding_it(tmp_path: Path) -> None:
    export = tmp_path / "huge.jsonl"
    with export.open("wb") as fh:
        fh.write(_line(json.dumps({"id": "before", "title": "Before", "text": GOOD_TEXT})))
        fh.write(b'{"id": "huge", "text": "')
        fh.truncate(fh.tell() + 1024**3)  # a sparse GiB of NUL bytes: no disk space used
        fh.seek(0, os.SEEK_END)
        fh.write(b'"}\n')
        fh.write(_line(json.dumps({"id": "after", "title": "After", "text": GOOD_TEXT})))
    home = tmp_path / "home"
    # the peak resident size of the docsift process alone: a parent that only waits for it
    measure = (
        "import resource, subprocess, sys; "
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
        "sys.stdout.write(r.stdout); sys.stderr.write(r.stderr); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
        "sys.exit(r.returncode)"
    )
    started = time.monotonic()
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            measure,
            str(DOCSIFT),
            "--home",
            str(home),
            "ingest",
            "--no-entities",
            "--json",
            str(export),
        ],
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    seconds = time.monotonic() - started
    peak_mb = int(result.stderr.strip().splitlines()[-1]) / 1024
    report = report_of(result)
    assert report["added"] == 2
    assert [(p["source"].rsplit(":", 1)[1], p["reason"]) for p in report["skipped"]] == [
        ("2", "line too large (over 5 MB)")
    ]
    # before: the whole line was read first, 2.3 GB of peak RSS for a 1 GiB line
    assert peak_mb < 400, f"peak RSS {peak_mb:.0f} MB"
    assert seconds < 100


# -- every stage: one document's failure is that document's --------------------------------


def _docs(n: int, poisoned: int) -> list[Document]:
    return [
        Document(
            doc_id=f"d{i}",
            title=f"Harbour report {i}" + (" POISON" if i == poisoned else ""),
            body=f"{GOOD_TEXT} Report number {i} names Captain Ada Lovelace of Port Alder.",
            source=f"doc-{i}",
        )
        for i in range(n)
    ]


def _poisoned(texts: list[str]) -> bool:
    return any("POISON" in t for t in texts)


@pytest.fixture
def fail_in_ner(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """spaCy fails on any job holding the poisoned text: a worker process dies outright, the
    main process raises. Forked workers inherit the patch."""
    import indexer.ner as ner

    real = ner.spans_of
    parent = os.getpid()

    def spans_of(nlp: Any, texts: list[str], batch_size: int) -> Any:
        if _poisoned(texts):
            if os.getpid() != parent:
                os._exit(3)  # a worker killed mid-job: the pool breaks
            raise ValueError("the model choked")
        return real(nlp, texts, batch_size)

    monkeypatch.setattr(ner, "spans_of", spans_of)
    yield parent


@pytest.mark.parametrize("workers", [1, 2], ids=["in-process", "worker-dies"])
def test_ner_failing_on_one_document_fails_only_that_document(
    fail_in_ner: int, workers: int
) -> None:
    documents = _docs(6, poisoned=3)
    pairs = [(d.title, d.body) for d in documents]
    found = list(SpacyExtractor(n_process=workers).extract(pairs))
    assert len(found) == 6
    assert isinstance(found[3], FailedMentions) and "the model choked" in found[3].reason
    for n, mentions in enumerate(found):
        if n != 3:
            assert not isinstance(mentions, FailedMentions)
            assert {m.text for m in mentions} >= {"Helena Marsh", "Port Alder"}


def _run_pipeline(settings: Settings, tmp_path: Path, docs: list[Document]) -> Any:
    export = tmp_path / "docs.jsonl"
    export.write_text(
        "".join(json.dumps({"id": d.doc_id, "title": d.title, "text": d.body}) + "\n" for d in docs)
    )
    with DocumentStore(settings.db_path) as store:
        pipeline = Pipeline(settings, store, enricher=Enricher(processes=1, cache=store))
        return pipeline.run([str(export)])


def _assert_only_poisoned_lost(settings: Settings, report: Any, stage: str) -> None:
    assert report.added == 5
    assert [(p.source.rsplit(":", 1)[1], p.reason.split(":")[0]) for p in report.errors] == [
        ("4", stage)
    ]
    service = SearchService.from_settings(settings)
    assert {
        h.doc_id for h in service.search(service.parse({"q": "harbour", "versions": "all"})).hits
    } == {
        "d0",
        "d1",
        "d2",
        "d4",
        "d5",
    }
    with DocumentStore(settings.db_path) as store:
        assert store.ids() == {"d0", "d1", "d2", "d4", "d5"}
        assert store.unindexed_count() == 0


def test_a_document_the_entity_stage_fails_on_is_reported_and_the_run_goes_on(
    settings: Settings, tmp_path: Path, fail_in_ner: int
) -> None:
    report = _run_pipeline(settings, tmp_path, _docs(6, poisoned=3))
    _assert_only_poisoned_lost(settings, report, "entity recognition failed")


def test_a_document_the_store_refuses_is_reported_and_the_run_goes_on(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = DocumentStore.put_many

    def put_many(self: DocumentStore, docs: Any, acronyms: Any = None) -> dict[str, str]:
        docs = list(docs)
        if any("POISON" in d.title for d in docs):
            raise sqlite3.IntegrityError("constraint failed")
        return real(self, docs, acronyms)

    monkeypatch.setattr(DocumentStore, "put_many", put_many)
    report = _run_pipeline(settings, tmp_path, _docs(6, poisoned=3))
    _assert_only_poisoned_lost(settings, report, "cannot be stored")


def test_a_document_the_index_refuses_leaves_the_store_too_and_the_run_goes_on(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = Document.to_fields

    def to_fields(self: Document) -> dict[str, Any]:
        if "POISON" in self.title:
            raise ValueError("a field Whoosh cannot take")
        return real(self)

    monkeypatch.setattr(Document, "to_fields", to_fields)
    report = _run_pipeline(settings, tmp_path, _docs(6, poisoned=3))
    _assert_only_poisoned_lost(settings, report, "cannot be indexed")
    assert docsift(settings.home, "check").returncode == 0


# -- the crawl -------------------------------------------------------------------------------

POISONED_LD = (
    '<script type="application/ld+json">{"@type": "NewsArticle", "headline": '
    '"Quay \\udfff collapse", "author": {"name": "Ada \\ud800 Byron"}, '
    '"datePublished": "2024-05-02"}</script>'
)
DEEP_LD = '<script type="application/ld+json">' + "[" * 3000 + "]" * 3000 + "</script>"


@pytest.fixture
def poisoned_site() -> Iterator[Site]:
    names = ["alpha", "bravo", "charlie", "delta", "echo"]
    routes = {}
    links = "".join(f'<a href="/{n}">{n}</a> ' for n in [*names, "poisoned"])

    def index(handler: Any) -> None:
        send(handler, f"<html><body><h1>Harbour news</h1>{links}</body></html>")

    routes["/"] = index
    for name in names:
        routes[f"/{name}"] = lambda h, n=name: send(
            h, article(f"Harbour story {n}", f"Story {n} is about Port Alder.")
        )
    routes["/poisoned"] = lambda h: send(
        h, article("Quay collapse", "The quay collapsed in Port Alder.", POISONED_LD + DEEP_LD)
    )
    routes["/robots.txt"] = lambda h: send(
        h, "User-agent: *\nAllow: /\n", content_type="text/plain"
    )
    site = Site(routes)
    yield site
    site.close()


def _crawl(home: Path, *args: str, env: dict[str, str] | None = None) -> Any:
    return docsift(
        home, "crawl", "--allow-private", "--delay", "0", "--no-sitemaps", "--json", *args, env=env
    )


@pytest.mark.timeout(180)
def test_a_crawl_with_a_poisoned_page_stores_the_rest_and_resume_finishes(
    tmp_path: Path, poisoned_site: Site
) -> None:
    home = tmp_path / "home"
    # killed right after the first batch is stored: the run is left to --resume, with the
    # poisoned page among those fetched (its bytes kept in the frontier) or still queued
    killed = _crawl(home, poisoned_site.url("/"), env={"DOCSIFT_FAULT": "ingest.stored"})
    assert killed.returncode == -signal.SIGKILL
    resumed = _crawl(home, "--resume")
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
    report = report_of(resumed)
    assert report["failed"] == 0 and report["queued_left"] == 0
    with DocumentStore(home / "docsift.db") as store:
        titles = {d.title for d in store.iter_documents()}
        quay = next(d for d in store.iter_documents() if "Quay" in d.title)
    assert {f"Harbour story {n}" for n in ("alpha", "bravo", "charlie", "delta", "echo")} <= titles
    assert quay.title == "Quay \ufffd collapse"  # the JSON-LD headline, made valid
    assert docsift(home, "check").returncode == 0
    # nothing is left to resume: the crawl finished
    again = _crawl(home, "--resume")
    assert again.returncode == 1 and "no unfinished crawl" in again.stderr


def test_a_page_that_keeps_killing_the_run_is_given_up_after_three_tries(tmp_path: Path) -> None:
    with DocumentStore(tmp_path / "docsift.db") as store:
        frontier = Frontier(store.db)
        run = frontier.start_run({})
        frontier.enqueue([("http://news.example/killer", 0, "page")], "seed", run)
        frontier.finish_with_body(
            "http://news.example/killer",
            PendingBody(
                "http://news.example/killer",
                "http://news.example/killer",
                "text/html",
                b"<p>x</p>",
                __import__("datetime").datetime.now(),
            ),
        )
        for _ in range(3):  # three runs replayed it and died before storing it
            assert frontier.give_up_bodies(3) == []
            assert len(list(frontier.pending_bodies())) == 1
        given_up = frontier.give_up_bodies(3)
        assert [url for url, _ in given_up] == ["http://news.example/killer"]
        assert list(frontier.pending_bodies()) == []
        row = frontier.row("http://news.example/killer")
        assert row is not None and row["status"] == "failed" and "not tried again" in row["reason"]


# -- names with control characters in the human-readable report ---------------------------------


def test_file_names_with_newlines_cannot_forge_lines_of_the_report(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "story.txt").write_text(GOOD_TEXT)
    forged = "x\n42 added, 0 errors\nErrors:\n  all fine.txt"
    (folder / forged).write_text("")  # empty: skipped, so its name is printed
    (folder / "bell\x07\x1b[2J.exe").write_text("binary?")
    result = docsift(tmp_path / "home", "ingest", "--no-entities", str(folder))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("1 added, 0 updated")
    assert not any(line.startswith("42 added") for line in lines)
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    shown = [line for line in lines if "all fine" in line]
    assert shown == [f"  {folder}/x\\n42 added, 0 errors\\nErrors:\\n  all fine.txt: empty file"], (
        lines
    )
    assert any("bell\\x07\\x1b[2J.exe: unsupported file type" in line for line in lines)


def test_a_link_to_a_file_outside_the_folder_is_not_followed_unless_asked(
    tmp_path: Path,
) -> None:
    secret = tmp_path / "private" / "passwords.txt"
    secret.parent.mkdir()
    secret.write_text("Root password of the newsroom server kept by Ada Byron.")
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "story.txt").write_text(GOOD_TEXT)
    (folder / "outside.txt").symlink_to(secret)
    (folder / "sub" / "inside.txt").symlink_to(folder / "story.txt")  # inside: read
    home = tmp_path / "home"
    result = docsift(home, "ingest", "--no-entities", "--json", str(folder))
    assert result.returncode == 0, result.stderr
    report = report_of(result)
    assert report["added"] == 2  # story.txt and the link to it inside the folder
    (skipped,) = report["skipped"]
    assert skipped["source"] == str(folder / "outside.txt")
    assert str(secret) in skipped["reason"] and "--follow-symlinks" in skipped["reason"]
    assert report_of(docsift(home, "search", "password", "--json"))["total"] == 0
    followed = report_of(
        docsift(home, "ingest", "--no-entities", "--follow-symlinks", "--json", str(folder))
    )
    assert followed["added"] == 1 and followed["skipped"] == []
    assert report_of(docsift(home, "search", "password", "--json"))["total"] == 1


def test_an_html_file_with_poisoned_json_ld_is_ingested(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "quay.html").write_text(
        article("Quay collapse", "The quay collapsed in Port Alder.", POISONED_LD + DEEP_LD),
        encoding="utf-8",
    )
    (folder / "story.txt").write_text(GOOD_TEXT)
    home = tmp_path / "home"
    result = docsift(home, "ingest", "--json", str(folder))  # entities on, as the crash was
    assert result.returncode == 0, result.stderr
    assert report_of(result)["added"] == 2
    with DocumentStore(home / "docsift.db") as store:
        titles = {d.title: d for d in store.iter_documents()}
    quay = titles["Quay \ufffd collapse"]
    assert quay.author == "Ada \ufffd Byron"
    assert str(quay.published) == "2024-05-02"

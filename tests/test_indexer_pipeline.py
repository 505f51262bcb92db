"""The ingest pipeline end to end over real files, a real SQLite store and a real index."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from indexer.pipeline import Pipeline
from indexer.store import DocumentStore
from search.index import delete_documents
from search.query import parse_request
from search.service import SearchService
from search.settings import Settings

ARTICLE = """Harbour strike ends after ten days

By Sam Writer | 14 June 2024

Dockworkers returned to the Lower Quay on Friday after the union accepted a pay offer.
"We have won what we came for," said Amara Okafor, who leads the Dockworkers Union.
"""


def run(settings: Settings, *targets: str | Path):  # type: ignore[no-untyped-def]
    with DocumentStore(settings.db_path) as store:
        # the test sites are on 127.0.0.1, as with `docsift ingest --allow-private`
        pipeline = Pipeline(settings, store, allow_private=True)
        try:
            return pipeline.run([str(t) for t in targets])
        finally:
            pipeline.close()


def search_ids(settings: Settings, q: str) -> set[str]:
    service = SearchService.from_settings(settings)
    return {h.doc_id for h in service.search(parse_request({"q": q, "per_page": "100"})).hits}


def test_text_file_becomes_a_searchable_document(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "strike.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    report = run(settings, path)
    assert (report.added, report.errors, report.skipped) == (1, (), ())
    service = SearchService.from_settings(settings)
    hit = service.search(parse_request({"q": "okafor"})).hits[0]
    assert hit.title == "Harbour strike ends after ten days"
    assert hit.date is not None and hit.date.isoformat() == "2024-06-14"
    document = service.get(hit.doc_id)
    assert document.source == str(path.resolve())
    assert "Dockworkers returned" in document.body


def test_reingest_unchanged_changes_nothing_and_changed_file_updates(
    settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "strike.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    first = run(settings, tmp_path)
    again = run(settings, tmp_path)
    assert (first.added, again.added, again.unchanged, again.indexed) == (1, 0, 1, 0)
    path.write_text(ARTICLE.replace("ten days", "eleven days"), encoding="utf-8")
    changed = run(settings, tmp_path)
    assert (changed.updated, changed.added) == (1, 0)
    service = SearchService.from_settings(settings)
    response = service.search(parse_request({"q": "eleven"}))
    assert response.total == 1
    assert service.search(parse_request({})).total == 1  # updated, not duplicated


def test_broken_files_are_skipped_with_reasons_and_the_batch_goes_on(
    settings: Settings, tmp_path: Path
) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "good.txt").write_text(ARTICLE, encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.html").write_bytes(b"")
    (folder / "random.txt").write_bytes(os.urandom(4096))
    (folder / "nul.txt").write_bytes(b"text\x00with\x00nul" * 50)
    (folder / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(100))
    locked = folder / "locked.txt"
    locked.write_text(ARTICLE, encoding="utf-8")
    locked.chmod(0)
    (folder / "loop").symlink_to(folder / "loop")
    try:
        report = run(settings, folder)
    finally:
        locked.chmod(0o644)
    reasons = {Path(p.source).name: p.reason for p in (*report.skipped, *report.errors)}
    readable_as_root = os.geteuid() == 0  # root reads mode-000 files: then it ingests
    assert report.added == (2 if readable_as_root else 1)
    assert reasons["empty.txt"] == "empty file"
    assert reasons["blank.html"] == "empty file"
    assert "binary" in reasons["random.txt"] or "undecodable" in reasons["random.txt"]
    assert "binary" in reasons["nul.txt"]
    # images are read by OCR now: one that does not decode says so
    assert reasons["image.png"] == "broken PNG image: Pillow cannot decode it"
    if not readable_as_root:
        assert reasons["locked.txt"] == "permission denied"
    assert search_ids(settings, "okafor")


def test_unreadable_file_is_an_error_with_exit_worthy_report(
    settings: Settings, tmp_path: Path
) -> None:
    report = run(settings, tmp_path / "does-not-exist.txt", tmp_path)
    assert report.skipped[0].reason == "no such file or folder"


def test_too_large_file_is_skipped(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", max_file_bytes=1000)
    (tmp_path / "big.txt").write_text("word " * 1000)
    report = run(settings, tmp_path / "big.txt")
    assert report.added == 0 and "too large" in report.skipped[0].reason


def test_jsonl_lines_become_documents_keyed_by_their_id(settings: Settings, tmp_path: Path) -> None:
    export = tmp_path / "export.jsonl"
    lines = [
        {
            "id": "w-1",
            "title": "Ferry fares frozen",
            "text": "The council froze ferry fares.",
            "url": "https://news.example.org/2024/05/02/ferry",
            "date": "2024-05-02",
        },
        {"id": "w-2", "title": "Budget passed", "body": "The budget passed on Tuesday."},
        {"title": "No id here", "text": "A line without an id still ingests."},
        {"id": "w-4", "title": "Headline-only flash"},
        {"id": "w-5", "url": "https://news.example.org/empty"},
    ]
    export.write_text("\n".join(json.dumps(x) for x in lines) + "\n{not json\n", "utf-8")
    report = run(settings, export)
    assert report.added == 4
    assert [p.reason for p in report.skipped] == ["no text, body or title field"]
    assert report.errors[0].source.endswith(":6") and "invalid JSON" in report.errors[0].reason
    service = SearchService.from_settings(settings)
    ferry = service.get("w-1")
    assert (ferry.title, ferry.url, str(ferry.published)) == (
        "Ferry fares frozen",
        "https://news.example.org/2024/05/02/ferry",
        "2024-05-02",
    )
    assert service.get("w-2").body == "The budget passed on Tuesday."
    # re-importing an edited export updates the same documents
    lines[0]["text"] = "The council froze ferry fares until 2026."
    export.write_text("\n".join(json.dumps(x) for x in lines) + "\n", "utf-8")
    again = run(settings, export)
    assert (again.added, again.updated, again.unchanged) == (0, 1, 3)
    assert service.get("w-4").title == "Headline-only flash"
    assert "2026" in service.get("w-1").body


def test_html_file_is_cleaned_of_boilerplate(settings: Settings, tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>Quay reopens | Harbour Post</title>"
        '<meta property="article:published_time" content="2024-03-01T09:00:00Z"></head><body>'
        "<nav><a href='/'>Home</a> <a href='/sport'>Sport</a></nav>"
        "<div class='ad'>Advertisement: buy boats</div><article><h1>Quay reopens</h1>"
        + "".join(
            f"<p>Paragraph {i} says the Lower Quay reopened to traffic after repairs "
            "to the sea wall were finished this week by council crews.</p>"
            for i in range(5)
        )
        + "</article><footer>Copyright Harbour Post</footer></body></html>",
        "utf-8",
    )
    run(settings, page)
    service = SearchService.from_settings(settings)
    document = service.get(service.search(parse_request({"q": "quay"})).hits[0].doc_id)
    assert "Paragraph 3" in document.body
    assert "Advertisement" not in document.body and "Copyright" not in document.body
    assert str(document.published) == "2024-03-01"
    assert not search_ids(settings, "advertisement")


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        routes = {
            "/story": (
                200,
                "text/html; charset=iso-8859-1",
                "<html><head><title>Caf\xe9 owners protest</title></head><body><article>"
                + "<p>Caf\xe9 owners on the quay protested the new parking rules on "
                "Monday, saying trade had fallen by a third since March.</p>"
                * 4
                + "</article></body></html>",
            ),
            "/missing": (404, "text/html", "<p>not here</p>"),
            "/file.pdf": (200, "application/pdf", "%PDF-1.4"),
        }
        status, ctype, body = routes.get(self.path, (404, "text/plain", "no"))
        data = body.encode("latin-1")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join()


def test_urls_are_fetched_decoded_and_reported(settings: Settings, site: str) -> None:
    report = run(
        settings, f"{site}/story", f"{site}/missing", f"{site}/file.pdf", "ftp://example.org/x"
    )
    assert report.added == 1
    assert [(p.source, p.reason) for p in report.errors] == [(f"{site}/missing", "HTTP 404")]
    skipped = {p.source: p.reason for p in report.skipped}
    assert skipped[f"{site}/file.pdf"] == "not text or HTML (application/pdf)"
    assert skipped["ftp://example.org/x"] == "only http and https URLs are supported"
    service = SearchService.from_settings(settings)
    document = service.get(service.search(parse_request({"q": "protest"})).hits[0].doc_id)
    assert document.title.startswith("Café owners")  # latin-1 from the HTTP header only
    assert document.url == f"{site}/story"
    assert document.decode_method == "http-header"


def test_document_stored_but_not_indexed_is_indexed_by_the_next_run(
    settings: Settings, tmp_path: Path
) -> None:
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "b.txt").write_text("Council notes\n\nThe council met.", encoding="utf-8")
    run(settings, tmp_path)
    doc_id = next(iter(search_ids(settings, "okafor")))
    # what a crash between the store's commit and the index's commit leaves behind
    delete_documents(settings.index_dir, [doc_id])
    with DocumentStore(settings.db_path) as store:
        store.db.execute("UPDATE documents SET indexed = 0 WHERE doc_id = ?", (doc_id,))
        store.db.commit()
    assert not search_ids(settings, "okafor")
    report = run(settings, tmp_path)
    assert (report.unchanged, report.indexed) == (2, 1)
    assert search_ids(settings, "okafor") == {doc_id}


def test_long_runs_commit_index_segments_as_they_go(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from indexer.index_feed import IndexFeed

    monkeypatch.setattr(IndexFeed, "COMMIT_EVERY", 4)  # tiny batches
    export = tmp_path / "many.jsonl"
    export.write_text(
        "\n".join(
            json.dumps({"id": f"n{i}", "title": f"Ferry note {i}", "text": "Ferry ran."})
            for i in range(11)
        )
        + "\n",
        "utf-8",
    )
    report = run(settings, export)  # one batch of 11: a segment is committed mid-run
    assert (report.added, report.indexed) == (11, 11)
    service = SearchService.from_settings(settings)
    assert service.search(parse_request({"q": "ferry", "per_page": "100"})).total == 11
    again = run(settings, export)
    assert (again.unchanged, again.indexed) == (11, 0)


def test_an_id_repeated_later_in_one_run_leaves_one_copy_the_last(
    settings: Settings, tmp_path: Path
) -> None:
    export = tmp_path / "repeats.jsonl"
    rows = [{"id": "same", "title": "First zebra version", "text": "Zebra one."}]
    rows += [{"id": f"d{i}", "title": f"Note {i}", "text": "Filler."} for i in range(600)]
    rows += [{"id": "same", "title": "Second zebra version", "text": "Zebra two."}]
    export.write_text("\n".join(json.dumps(r) for r in rows) + "\n", "utf-8")
    report = run(settings, export)  # the two copies land in different store batches
    assert (report.added, report.updated) == (601, 1)
    service = SearchService.from_settings(settings)
    hits = service.search(parse_request({"q": "zebra"})).hits
    assert [h.title for h in hits] == ["Second zebra version"]
    assert service.search(parse_request({"q": "filler OR zebra"})).total == 601


def test_a_document_the_index_holds_but_the_store_lost_is_replaced_not_doubled(
    settings: Settings, tmp_path: Path
) -> None:
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    run(settings, tmp_path)
    with DocumentStore(settings.db_path) as store:  # store and index out of step
        store.db.execute("DELETE FROM documents")
        store.db.commit()
    report = run(settings, tmp_path)
    assert report.added == 1  # new to the store, but the index is not empty: no blind add
    service = SearchService.from_settings(settings)
    assert service.search(parse_request({"q": "okafor"})).total == 1


def test_a_month_only_publication_date_is_stored_searched_and_shown_as_a_month(
    settings: Settings, tmp_path: Path
) -> None:
    from web import create_app

    page = tmp_path / "saved-page.html"
    page.write_text(
        "<html><head><title>Quay reopens | Harbour Post</title>"
        '<link rel="canonical" href="https://harbourpost.example/2024/03/quay-reopens/">'
        "</head><body><article><h1>Quay reopens</h1>"
        + "<p>The Lower Quay reopened to traffic after repairs to the sea wall were finished "
        "by council crews, two months later than planned.</p>" * 3 + "</article></body></html>",
        "utf-8",
    )
    run(settings, page)
    service = SearchService.from_settings(settings)
    (hit,) = service.search(parse_request({"q": "quay"})).hits
    document = service.get(hit.doc_id)
    assert (document.published_iso, document.published_source) == ("2024-03", "url")
    assert hit.to_dict()["date"] == "2024-03"
    # a range that overlaps March finds it; one that does not, does not
    assert search_ids(settings, "quay") == {hit.doc_id}
    inside = service.search(parse_request({"q": "quay", "from": "2024-03-20", "to": "2024-04-02"}))
    before = service.search(parse_request({"q": "quay", "from": "2024-01-01", "to": "2024-02-29"}))
    assert (inside.total, before.total) == (1, 0)
    with DocumentStore(settings.db_path) as store:  # the store keeps what is known, no more
        row = store.get(hit.doc_id)
    assert row is not None and (row.published_iso, row.published_precision) == ("2024-03", "month")
    client = create_app(settings).test_client()
    assert client.get(f"/api/documents/{hit.doc_id}").get_json()["date"] == "2024-03"
    html = client.get(f"/documents/{hit.doc_id}").get_data(as_text=True)
    assert '<time datetime="2024-03">March 2024</time>' in html


def test_an_exports_placeholder_or_future_date_gives_way_to_the_url_or_text(
    settings: Settings, tmp_path: Path
) -> None:
    export = tmp_path / "export.jsonl"
    lines = [
        {
            "id": "p-1",
            "title": "Ferry",
            "text": "Fares froze.",
            "date": "0001-01-01",
            "url": "https://news.example.org/2021/05/02/ferry",
        },
        {
            "id": "p-2",
            "title": "Budget",
            "text": "Budget\nPublished 3 June 2021\n\nIt passed.",
            "date": "2090-01-01",
        },
        {"id": "p-3", "title": "Bridge", "text": "The bridge opened.", "date": "2021-07"},
    ]
    export.write_text("\n".join(json.dumps(x) for x in lines) + "\n", "utf-8")
    assert run(settings, export).added == 3
    service = SearchService.from_settings(settings)
    assert (service.get("p-1").published_iso, service.get("p-1").published_source) == (
        "2021-05-02",
        "url",
    )
    assert (service.get("p-2").published_iso, service.get("p-2").published_source) == (
        "2021-06-03",
        "byline",
    )
    assert (service.get("p-3").published_iso, service.get("p-3").published_source) == (
        "2021-07",
        "field:date",
    )

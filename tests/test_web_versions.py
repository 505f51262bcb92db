"""Versions and related stories in the HTML pages and the JSON API."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient
from storyfixtures import RELATED_TITLE, build_home, ingest, write_related_story
from webfixtures import get_page

from search.service import SearchService
from web import create_app


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    root = tmp_path_factory.mktemp("webversions")
    settings = build_home(root)
    ingest(settings, write_related_story(root / "more"))
    app = create_app(settings, SearchService.from_settings(settings))
    app.config["TESTING"] = True
    return app.test_client()


def _ferry_id(client: FlaskClient) -> str:
    hits = client.get("/api/search?q=harbour").get_json()["hits"]
    return next(h["id"] for h in hits if h["versions"] == 3)


def test_hit_shows_versions_with_links(client: FlaskClient) -> None:
    page = get_page(client, "/search?q=harbour")
    notes = page.select(".hit-versions")
    assert sorted(n.get_text(" ", strip=True).split()[0] for n in notes) == ["2", "3"]
    link = notes[0].select_one("a")
    assert link is not None and link["href"].endswith("#versions")
    show_all = page.select_one("a.show-versions")
    assert show_all is not None and "versions=all" in show_all["href"]
    everything = get_page(client, show_all["href"])
    assert len(everything.select("li.hit")) == 10
    assert not everything.select("a.show-versions")


def test_document_page_lists_other_versions_and_related(client: FlaskClient) -> None:
    doc_id = _ferry_id(client)
    page = get_page(client, f"/documents/{doc_id}")
    versions = page.select("#versions li")
    assert len(versions) == 2
    for item in versions:
        href = item.select_one("a")["href"]
        assert href.startswith("/documents/") and doc_id not in href
        reason = item.select_one(".story-reason").get_text(strip=True)
        assert reason and not any(w in reason for w in ("shingles", "cosine", "rewrite:"))
        other = get_page(client, href)  # and the other version links back
        assert any(doc_id in a["href"] for a in other.select("#versions a"))
    related = page.select("#related li")
    assert RELATED_TITLE in [item.select_one("a").get_text(strip=True) for item in related]
    for item in related:
        assert item.select_one(".story-reason").get_text(strip=True)


def test_api_document_and_search_carry_story_fields(client: FlaskClient) -> None:
    doc_id = _ferry_id(client)
    data = client.get(f"/api/documents/{doc_id}").get_json()
    assert data["story_id"] <= doc_id
    assert len(data["versions"]) == 2
    assert set(data["versions"][0]) == {"id", "title", "date", "reason"}
    assert RELATED_TITLE in [link["title"] for link in data["related"]]
    search = client.get("/api/search?q=harbour").get_json()
    assert search["total"] == 10 and search["stories"] == 7 and search["pages"] == 1
    assert all({"story_id", "versions", "version_ids"} <= set(h) for h in search["hits"])
    assert search["query"]["versions"] == "collapse"
    assert len(client.get("/api/search?q=harbour&versions=all").get_json()["hits"]) == 10
    assert client.get("/api/search?versions=bogus").status_code == 400


def test_story_text_is_escaped(tmp_path: Path) -> None:
    from storyfixtures import ingest, write_corpus

    from search.settings import Settings

    corpus = write_corpus(tmp_path / "corpus")
    for name in ("ferry-a.txt", "ferry-b.txt"):
        path = corpus / name
        path.write_text("<script>alert(1)</script> ferry" + path.read_text("utf-8"), "utf-8")
    settings = Settings(home=tmp_path / "home")
    ingest(settings, corpus)
    app = create_app(settings, SearchService.from_settings(settings))
    html = app.test_client().get("/search?q=ferry").get_data(as_text=True)
    assert "<script>alert(1)" not in html

"""The Atom feed of a search (/search.atom), parsed as a feed reader would with ElementTree."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree as ET

import pytest
from flask.testing import FlaskClient
from webfixtures import BY_TITLE, NEWEST_FIRST, XSS_TITLE, build_app, get_page

from search.results import Hit, SearchResponse
from web.feed import atom_feed, plain_text

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def client(tmp_path: Path) -> FlaskClient:
    return build_app(tmp_path).test_client()


def fetch_feed(client: FlaskClient, url: str) -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/atom+xml"
    return ET.fromstring(response.data)


def entry_titles(feed: ET.Element) -> list[str]:
    return [e.findtext(f"{ATOM}title") or "" for e in feed.findall(f"{ATOM}entry")]


def test_feed_lists_the_newest_documents_first_whatever_the_sort(client: FlaskClient) -> None:
    feed = fetch_feed(client, "/search.atom?sort=oldest&page=2")
    assert entry_titles(feed)[: len(NEWEST_FIRST)] == NEWEST_FIRST
    assert feed.findtext(f"{ATOM}title") == "docsift: all documents"
    assert feed.findtext(f"{ATOM}updated") == "2024-12-03T00:00:00Z"
    self_link = feed.find(f"{ATOM}link[@rel='self']")
    assert self_link is not None and self_link.get("href") == "http://localhost/search.atom"


def test_feed_applies_the_query_and_filters(client: FlaskClient) -> None:
    feed = fetch_feed(client, "/search.atom?q=nato&person=Mark+Rutte&from=2024-01-01")
    assert entry_titles(feed) == [
        "Nato foreign ministers meet in Brussels",
        "Rutte named Nato secretary general",
    ]
    assert feed.findtext(f"{ATOM}title") == (
        "docsift: “nato” · Person: Mark Rutte · From: 2024-01-01"
    )
    self_href = feed.find(f"{ATOM}link[@rel='self']").get("href")  # type: ignore[union-attr]
    assert parse_qs(urlsplit(self_href).query) == {
        "q": ["nato"],
        "person": ["Mark Rutte"],
        "from": ["2024-01-01"],
    }
    alternate = feed.find(f"{ATOM}link[@rel='alternate']").get("href")  # type: ignore[union-attr]
    assert alternate.startswith("http://localhost/?")  # type: ignore[union-attr]


def test_feed_entries_link_to_document_pages_with_plain_text_summaries(
    client: FlaskClient,
) -> None:
    feed = fetch_feed(client, "/search.atom?q=brussels")
    entry = feed.find(f"{ATOM}entry")
    assert entry is not None
    doc = BY_TITLE[entry.findtext(f"{ATOM}title") or ""]
    link = entry.find(f"{ATOM}link").get("href")  # type: ignore[union-attr]
    assert link == f"http://localhost/documents/{doc.doc_id}"
    assert entry.findtext(f"{ATOM}id") == link
    assert entry.findtext(f"{ATOM}published") == f"{doc.published}T00:00:00Z"
    summary = entry.find(f"{ATOM}summary")
    assert summary is not None and summary.get("type") == "text"
    assert "Brussels" in (summary.text or "") and "<mark" not in (summary.text or "")
    assert client.get(urlsplit(link).path).status_code == 200


def test_feed_keeps_hostile_titles_as_text(client: FlaskClient) -> None:
    response = client.get("/search.atom?q=harbour")
    assert b"<script>" not in response.data
    feed = ET.fromstring(response.data)
    assert XSS_TITLE in entry_titles(feed)
    for entry in feed.findall(f"{ATOM}entry"):
        assert "<mark>" not in (entry.findtext(f"{ATOM}summary") or "")


def test_feed_of_a_bad_query_is_a_400_naming_the_parameter(client: FlaskClient) -> None:
    response = client.get('/search.atom?q="unclosed')
    assert response.status_code == 400
    assert b"search box" in response.data  # the q parameter, in the reader's words


def test_search_page_advertises_its_feed_in_head_and_as_a_link(client: FlaskClient) -> None:
    page = get_page(client, "/?q=nato&person=Mark+Rutte&sort=oldest&page=1")
    alternate = page.select_one('head link[rel=alternate][type="application/atom+xml"]')
    visible = page.find("a", string="Follow this search (Atom)")
    assert alternate is not None and visible is not None
    assert alternate["href"] == visible["href"] == "/search.atom?q=nato&person=Mark+Rutte"


def test_plain_text_drops_marks_and_unescapes_entities() -> None:
    assert plain_text("a <mark>Nato</mark> &amp; &lt;b&gt;\n talks") == "a Nato & <b> talks"


def test_an_entry_with_no_date_nor_ingest_time_is_stamped_with_the_feed_time() -> None:
    hit = Hit("x", "Memo \x0b title", "", "", None, "", None)
    response = SearchResponse(request=None, total=1, hits=(hit,), facets=(), took_ms=0)  # type: ignore[arg-type]
    now = dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    feed = ET.fromstring(
        atom_feed(
            response,
            title="t",
            self_url="http://h/search.atom",
            html_url="http://h/",
            document_url=lambda h: f"http://h/documents/{h.doc_id}",
            now=now,
        )
    )
    entry = feed.find(f"{ATOM}entry")
    assert entry is not None and entry.find(f"{ATOM}published") is None
    assert entry.findtext(f"{ATOM}updated") == feed.findtext(f"{ATOM}updated")
    assert feed.findtext(f"{ATOM}updated") == "2025-01-02T03:04:05Z"
    assert entry.findtext(f"{ATOM}title") == "Memo  title"  # no character XML cannot hold


def test_an_undated_entry_keeps_its_ingest_time_from_poll_to_poll(tmp_path: Path) -> None:
    ingested = dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.UTC)
    memo = replace(BY_TITLE["Undated memo about the archive"], ingested_at=ingested)
    client = build_app(tmp_path, (memo,)).test_client()

    polls = [fetch_feed(client, "/search.atom?q=memo") for _ in range(2)]
    time.sleep(1.1)  # a stamp taken from the clock would now differ
    polls.append(fetch_feed(client, "/search.atom?q=memo"))

    for feed in polls:
        entry = feed.find(f"{ATOM}entry")
        assert entry is not None and entry.find(f"{ATOM}published") is None
        assert entry.findtext(f"{ATOM}updated") == "2024-05-06T07:08:09Z"
        assert feed.findtext(f"{ATOM}updated") == "2024-05-06T07:08:09Z"

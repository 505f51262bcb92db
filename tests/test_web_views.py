"""The HTML pages over a real index, read through BeautifulSoup as a person would read them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup, Tag
from flask.testing import FlaskClient
from webfixtures import (
    BY_TITLE,
    CORPUS,
    XSS_TITLE,
    XSS_URL,
    build_app,
    get_page,
    hit_titles,
    soup,
    total,
)

from web.app import CONTENT_SECURITY_POLICY


@pytest.fixture
def client(tmp_path: Path) -> FlaskClient:
    return build_app(tmp_path).test_client()


def facet_link(page: BeautifulSoup, facet: str, value: str) -> Tag:
    for link in page.select(f"#facet-{facet} a.facet-value"):
        if link.select_one(".facet-label").get_text(strip=True) == value:
            return link
    raise AssertionError(f"no {facet} facet link for {value!r}")


def assert_no_injected_markup(page: BeautifulSoup) -> None:
    """Only our own external script, no injected element or event handler."""
    for script in page.find_all("script"):
        assert script.get("src") == "/static/app.js" and not script.get_text(strip=True)
    assert page.find("img") is None
    assert not [tag for tag in page.find_all(True) if any(a.startswith("on") for a in tag.attrs)]


def test_search_page_lists_hit_titles_with_highlighted_snippets(client: FlaskClient) -> None:
    page = get_page(client, "/?q=nato")

    assert set(hit_titles(page)) == {
        "Nato foreign ministers meet in Brussels",
        "Rutte named Nato secretary general",
    }
    assert total(page) == 2
    marks = page.select("ol.hits .snippet mark")
    assert marks and {m.get_text().lower() for m in marks} == {"nato"}
    links = [a["href"] for a in page.select("ol.hits .hit-title a")]
    assert all(href.startswith("/documents/") for href in links)


def test_search_page_has_labelled_autofocused_box_and_form_controls(client: FlaskClient) -> None:
    page = get_page(client, "/?q=nato&sort=oldest&from=2024-01-01")

    box = page.select_one("form.search-form input#q")
    assert box["value"] == "nato" and box.has_attr("autofocus")
    assert page.select_one("label[for=q]") is not None
    form = box.find_parent("form")
    assert form["method"] == "get"
    assert form.select_one("select[name=sort] option[selected]")["value"] == "oldest"
    assert form.select_one("input[name=from]")["value"] == "2024-01-01"
    assert form.select_one("input[name=to]")["value"] == ""
    assert page.select_one("details.syntax-help summary") is not None
    assert "title:harbour" in page.select_one("details.syntax-help").get_text()


def test_search_form_keeps_active_filters_as_hidden_fields(client: FlaskClient) -> None:
    page = get_page(client, "/?q=nato&person=Mark+Rutte")

    hidden = page.select("form.search-form input[type=hidden]")
    assert [(h["name"], h["value"]) for h in hidden] == [("person", "Mark Rutte")]


def test_empty_query_lists_everything_newest_first(client: FlaskClient) -> None:
    page = get_page(client, "/")

    assert total(page) == len(CORPUS)
    assert hit_titles(page)[0] == "Nato foreign ministers meet in Brussels"
    assert hit_titles(page)[-1] == "Undated memo about the archive"
    assert page.select("#facet-person a.facet-value")


def test_facet_link_selects_the_value_and_narrows_results(client: FlaskClient) -> None:
    everything = get_page(client, "/")
    link = facet_link(everything, "person", "Mark Rutte")
    assert link.select_one(".facet-count").get_text() == "2"
    assert not link.has_attr("aria-current")

    narrowed = get_page(client, link["href"])

    assert total(narrowed) == 2
    selected = facet_link(narrowed, "person", "Mark Rutte")
    assert selected["aria-current"] == "true"
    assert selected.select_one(".facet-check").get_text() == "✓"
    assert narrowed.select("#facet-person a.facet-value")[0] is selected  # pinned first


def test_source_facets_count_sites_and_file_types_and_filter_by_them(tmp_path: Path) -> None:
    docs = (
        *CORPUS[:3],
        replace(
            CORPUS[3], url="", source="/archive/scans/fire.pdf", content_type="application/pdf"
        ),
        replace(CORPUS[4], url="", source="/archive/mail.mbox#2", content_type="message/rfc822"),
    )
    client = build_app(tmp_path, docs).test_client()
    everything = get_page(client, "/")
    site = facet_link(everything, "origin", "news.example")
    assert site.select_one(".facet-count").get_text() == "3"
    assert facet_link(everything, "origin", "/archive/scans").select_one(".facet-count")
    pdf = facet_link(everything, "filetype", "PDF")

    only_pdf = get_page(client, pdf["href"])
    assert hit_titles(only_pdf) == ["Fire at the Rotterdam harbour"]
    # disjunctive: choosing a second folder widens the results
    both = get_page(
        client,
        facet_link(get_page(client, site["href"]), "origin", "/archive")["href"],
    )
    assert total(both) == 4
    assert "Source" in everything.select_one("#facet-origin").get_text()
    assert "File type" in everything.select_one("#facet-filetype").get_text()


def test_selected_facet_link_removes_the_value_again(client: FlaskClient) -> None:
    narrowed = get_page(client, "/?person=Mark+Rutte")

    again = get_page(client, facet_link(narrowed, "person", "Mark Rutte")["href"])

    assert total(again) == len(CORPUS)
    assert not again.select("a.facet-value[aria-current]")


def test_facet_clear_link_removes_every_value_of_that_facet(client: FlaskClient) -> None:
    page = get_page(client, "/?person=Mark+Rutte&person=Joe+Biden&place=Brussels")

    cleared = get_page(client, page.select_one("#facet-person a.facet-clear")["href"])

    assert [c["data-facet"] for c in cleared.select(".active-filters a.chip-remove")] == ["place"]


def test_active_filters_are_chips_whose_links_remove_them(client: FlaskClient) -> None:
    page = get_page(client, "/?q=nato&person=Mark+Rutte&org=NATO&from=2024-06")

    chips = {
        (c["data-facet"], c["data-value"]): c["href"]
        for c in page.select(".active-filters a.chip-remove")
    }
    assert set(chips) == {("person", "Mark Rutte"), ("org", "NATO"), ("from", "2024-06-01")}

    without_person = get_page(client, chips[("person", "Mark Rutte")])
    remaining = {c["data-facet"] for c in without_person.select(".active-filters a.chip-remove")}
    assert remaining == {"org", "from"}
    assert without_person.select_one("input#q")["value"] == "nato"

    without_date = get_page(client, chips[("from", "2024-06-01")])
    assert total(without_date) == 2

    cleared = get_page(client, page.select_one(".active-filters a.clear-all")["href"])
    assert cleared.select_one(".active-filters") is None
    assert total(cleared) == 2


def test_hit_entity_chips_add_that_filter(client: FlaskClient) -> None:
    page = get_page(client, "/?q=brussels")
    chip = next(
        a
        for a in page.select("ol.hits a.chip-person")
        if a.get_text(strip=True) == "Volodymyr Zelensky"
    )

    filtered = get_page(client, chip["href"])

    assert hit_titles(filtered) == ["EU summit on Ukraine aid"]
    assert filtered.select_one("input#q")["value"] == "brussels"


def test_pagination_links_walk_through_pages(client: FlaskClient) -> None:
    first = get_page(client, "/?per_page=3")
    assert first.select_one(".pagination a[aria-current=page]").get_text() == "1"
    assert first.select_one(".pagination a[rel=prev]") is None

    page = get_page(client, "/?page=2&sort=oldest")
    assert page.select_one(".pagination") is None  # 7 documents fit on one default page

    many = get_page(client, "/?per_page=1&page=4")
    numbers = [a.get_text() for a in many.select(".pagination a:not([rel])")]
    assert numbers == ["1", "2", "3", "4", "5", "6", "7"]
    next_href = many.select_one(".pagination a[rel=next]")["href"]
    assert parse_qs(urlsplit(next_href).query) == {"per_page": ["1"], "page": ["5"]}
    last = get_page(client, next_href.replace("page=5", "page=7"))
    assert len(hit_titles(last)) == 1


def test_page_past_the_end_offers_the_last_page(client: FlaskClient) -> None:
    page = get_page(client, "/?page=9")

    assert not hit_titles(page)
    assert page.select_one(".no-results a")["href"] == "/"  # page 1 is the default


def test_no_results_state_suggests_spelling_and_removing_filters(client: FlaskClient) -> None:
    plain = get_page(client, "/?q=xylophone")
    filtered = get_page(client, "/?q=harbour&person=Mark+Rutte")

    assert plain.select_one(".no-results") is not None and not hit_titles(plain)
    assert "spelling" in plain.select_one(".no-results").get_text()
    assert plain.select_one(".no-results a.remove-filters") is None
    remove = filtered.select_one(".no-results a.remove-filters")
    assert total(get_page(client, remove["href"])) == 2


def test_empty_index_renders_a_friendly_getting_started_page(tmp_path: Path) -> None:
    client = build_app(tmp_path, docs=()).test_client()

    response = client.get("/")

    assert response.status_code == 503
    state = soup(response.data).select_one(".empty-state")
    assert state is not None
    assert state.select_one("code").get_text() == "docsift ingest PATH"
    # a .txt file of URLs given to ingest becomes one text document: the page sends lists
    # of URLs to crawl instead of claiming ingest fetches them
    assert "list of URLs" not in state.get_text()
    assert any(c.get_text().startswith("docsift crawl --seeds-file") for c in state("code"))


def test_document_page_shows_metadata_entities_and_paragraphs(client: FlaskClient) -> None:
    doc = CORPUS[0]

    page = get_page(client, f"/documents/{doc.doc_id}")

    assert page.select_one("article h1").get_text() == doc.title
    meta = {
        dt.get_text(): dd.get_text(" ", strip=True)
        for dt, dd in zip(
            page.select(".document-meta dt"), page.select(".document-meta dd"), strict=True
        )
    }
    assert meta["Date"] == "3 December 2024 (from meta)"
    assert meta["Author"] == "Jane Reporter"
    assert meta["Encoding"] == "utf-8 (decoded by meta)"
    url_link = page.select_one(".document-url a")
    assert url_link["href"] == doc.url and "noopener" in url_link["rel"]
    # as on result cards: the chip filters the search by the name, the arrow opens its page
    people = {a.get_text(): a["href"] for a in page.select(".document-entities a.chip-person")}
    assert people == {
        "Mark Rutte": "/?person=Mark+Rutte",
        "Antony Blinken": "/?person=Antony+Blinken",
    }
    pages = [a["href"] for a in page.select(".document-entities a.entity-link")]
    assert pages[:2] == ["/entity/person/Mark%20Rutte", "/entity/person/Antony%20Blinken"]
    assert [p.get_text() for p in page.select(".document-text p")] == doc.body.split("\n\n")


def test_document_entity_links_open_its_page_or_search_by_it(client: FlaskClient) -> None:
    page = get_page(client, f"/documents/{CORPUS[1].doc_id}")
    pair = next(
        li for li in page.select(".document-entities li.chip-pair") if li.a.get_text() == "Congress"
    )

    entity = get_page(client, pair.select_one("a.entity-link")["href"])
    search = get_page(client, pair.select_one("a.chip-org")["href"])

    assert entity.select_one(".entity-head h1").get_text() == "Congress"
    assert hit_titles(search) == ["Zelensky visits Washington"]


def test_markup_in_documents_is_escaped_on_the_results_page(client: FlaskClient) -> None:
    page = get_page(client, "/?q=beware")

    assert hit_titles(page) == [XSS_TITLE]
    assert "<script>alert(1)</script>" in page.select_one("ol.hits .snippet").get_text()
    assert_no_injected_markup(page)


def test_markup_in_documents_is_escaped_on_the_document_page(client: FlaskClient) -> None:
    doc = BY_TITLE[XSS_TITLE]

    page = get_page(client, f"/documents/{doc.doc_id}")

    assert page.select_one("article h1").get_text() == XSS_TITLE
    assert page.title.get_text().startswith(XSS_TITLE)
    text = page.select_one(".document-text").get_text()
    assert '<img src=x onerror="alert(2)">' in text
    assert_no_injected_markup(page)


def test_javascript_url_is_shown_as_text_not_a_link(client: FlaskClient) -> None:
    page = get_page(client, f"/documents/{BY_TITLE[XSS_TITLE].doc_id}")

    assert page.select_one(".document-url .url-text").get_text() == XSS_URL
    assert page.select_one(".document-url a") is None
    hrefs = [a["href"] for a in page.find_all("a", href=True)]
    assert not [h for h in hrefs if h.strip().lower().startswith("javascript:")]


def test_about_page_shows_collection_stats(client: FlaskClient) -> None:
    page = get_page(client, "/about")

    meta = {
        dt.get_text(): dd.get_text()
        for dt, dd in zip(page.select("dl dt"), page.select("dl dd"), strict=False)
    }
    assert meta["Documents"] == str(len(CORPUS))


def test_pages_have_landmarks_and_a_skip_link(client: FlaskClient) -> None:
    page = get_page(client, "/?q=nato")

    assert page.html["lang"] == "en"
    assert page.select_one("meta[name=viewport]") is not None
    assert page.select_one("a.skip-link")["href"] == "#main"
    assert page.select_one("main#main") is not None
    assert page.select_one("header .brand").get_text() == "docsift"
    assert page.select_one("footer") is not None
    assert page.select_one("aside.facets") is not None
    assert not page.find_all("style") and not page.select("[style]")


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/?q=nato",
        f"/documents/{CORPUS[0].doc_id}",
        "/?page=abc",
        "/nope",
        "/api/search",
        "/api/nope",
        "/healthz",
        "/static/style.css",
    ],
)
def test_security_headers_are_on_every_response(client: FlaskClient, path: str) -> None:
    response = client.get(path)

    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    response.close()

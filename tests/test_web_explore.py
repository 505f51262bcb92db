"""Exploring beyond one result list: date histograms, entity pages, marked-up mentions and a
facet's "show more" page, read through BeautifulSoup as a person would read them."""

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
    VARIANTS,
    XSS_TITLE,
    build_service,
    get_page,
    hit_titles,
    soup,
    total,
)

from search.documents import Document, make_doc_id
from web import create_app


@pytest.fixture
def client(tmp_path: Path) -> FlaskClient:
    return app_client(tmp_path)


def app_client(tmp_path: Path, facet_limit: int | None = None) -> FlaskClient:
    service = build_service(tmp_path)
    if facet_limit is not None:
        service.settings = service.backend.settings = replace(
            service.settings, facet_limit=facet_limit
        )
    app = create_app(service.settings, service)
    app.config["TESTING"] = True
    return app.test_client()


def bars(page: BeautifulSoup, histogram: str) -> dict[str, Tag]:
    return {a["data-value"]: a for a in page.select(f"#facet-{histogram} a.bar")}


def query_of(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href).query)


def chips(page: BeautifulSoup) -> dict[tuple[str, str], str]:
    return {
        (c["data-facet"], c["data-value"]): c["href"]
        for c in page.select(".active-filters a.chip-remove")
    }


def form_fields(form: Tag) -> list[tuple[str, str]]:
    return [(i["name"], i.get("value", "")) for i in form.select("input[name]")]


def assert_no_injected_markup(page: BeautifulSoup) -> None:
    for script in page.find_all("script"):
        assert script.get("src") == "/static/app.js" and not script.get_text(strip=True)
    assert page.find("img") is None
    assert not [tag for tag in page.find_all(True) if any(a.startswith("on") for a in tag.attrs)]
    assert not page.find_all("style") and not page.select("[style]")


# -- date histograms in the sidebar -------------------------------------------------------


def test_published_histogram_bars_link_to_their_year_ranges(client: FlaskClient) -> None:
    page = get_page(client, "/")

    section = page.select_one("section#facet-published")
    assert section.select_one(".granularity").get_text() == "by year"
    published = bars(page, "published")
    assert list(published) == ["2021", "2022", "2023", "2024"]
    assert [published[y]["data-count"] for y in published] == ["1", "1", "1", "3"]
    assert query_of(published["2024"]["href"]) == {"from": ["2024-01-01"], "to": ["2024-12-31"]}
    # heights are classes relative to the tallest bar: no inline style anywhere
    assert published["2024"].select_one(".bar-fill")["class"] == ["bar-fill", "h10"]
    assert published["2021"].select_one(".bar-fill")["class"] == ["bar-fill", "h4"]
    label = published["2024"].select_one(".visually-hidden").get_text()
    assert label == "2024: 3 documents"
    assert not page.select("[style]")


def test_selecting_a_bar_narrows_results_marks_it_and_adds_chips(client: FlaskClient) -> None:
    everything = get_page(client, "/?q=nato OR brussels OR harbour")

    narrowed = get_page(client, bars(everything, "published")["2024"]["href"])

    assert total(narrowed) == 3
    selected = narrowed.select("#facet-published a.bar[aria-current]")
    assert [a["data-value"] for a in selected] == ["2024"]
    assert "is-selected" in selected[0]["class"]
    assert narrowed.select_one("#facet-published .bars-selected").get_text() == "2024: 3 documents"
    # the other years still show, counted without the range itself
    assert list(bars(narrowed, "published")) == ["2021", "2022", "2024"]
    assert set(chips(narrowed)) == {("from", "2024-01-01"), ("to", "2024-12-31")}
    assert narrowed.select_one("input#q")["value"] == "nato OR brussels OR harbour"

    again = get_page(client, selected[0]["href"])
    assert total(again) == total(everything) == 5
    assert not again.select("a.bar[aria-current]")


def test_histogram_clear_link_removes_the_range(client: FlaskClient) -> None:
    page = get_page(client, "/?person=Mark+Rutte&from=2024-06&to=2024-06")

    cleared = get_page(client, page.select_one("#facet-published a.facet-clear")["href"])

    assert set(chips(cleared)) == {("person", "Mark Rutte")}
    assert total(cleared) == 2


def test_mentioned_histogram_selects_documents_mentioning_those_dates(
    client: FlaskClient,
) -> None:
    page = get_page(client, "/")
    mentioned = bars(page, "mentioned")
    assert {k: v["data-count"] for k, v in mentioned.items()} == {
        "2021": "1",
        "2023": "1",
        "2024": "2",
        "2025": "1",
    }
    # an empty year keeps its place on the axis, as a gap that is not a link
    slots = page.select("#facet-mentioned ol.bars > li")
    assert ["bar-gap" in (li.get("class") or []) for li in slots] == [
        False,
        True,
        False,
        False,
        False,
    ]

    narrowed = get_page(client, mentioned["2024"]["href"])

    assert set(hit_titles(narrowed)) == {
        "Rutte named Nato secretary general",
        "EU summit on Ukraine aid",
    }
    assert bars(narrowed, "mentioned")["2024"]["aria-current"] == "true"
    assert set(chips(narrowed)) == {
        ("mentioned_from", "2024-01-01"),
        ("mentioned_to", "2024-12-31"),
    }


def test_mentioned_range_chips_are_labelled_and_removable(client: FlaskClient) -> None:
    page = get_page(client, "/?mentioned_from=2024&mentioned_to=2024")
    found = chips(page)
    labels = [c.select_one(".chip-facet").get_text() for c in page.select("a.chip-remove")]
    assert labels == ["Mentions dates from:", "Mentions dates to:"]

    open_ended = get_page(client, found[("mentioned_to", "2024-12-31")])

    assert set(chips(open_ended)) == {("mentioned_from", "2024-01-01")}
    assert set(hit_titles(open_ended)) == {
        "Rutte named Nato secretary general",
        "EU summit on Ukraine aid",
        "Nato foreign ministers meet in Brussels",  # mentions 2025
    }


def test_range_forms_set_one_range_and_keep_everything_else(client: FlaskClient) -> None:
    page = get_page(client, "/?q=nato&person=Mark+Rutte&mentioned_from=2024&sort=oldest&page=2")

    published = page.select_one("#facet-published form.range-form")
    mentioned = page.select_one("#facet-mentioned form.range-form")

    assert (published["method"], published["action"]) == ("get", "/")
    assert [f for f in form_fields(published) if f[0] not in ("from", "to")] == [
        ("q", "nato"),
        ("person", "Mark Rutte"),
        ("mentioned_from", "2024-01-01"),
        ("sort", "oldest"),
    ]
    for field in published.select("input[type=date]"):
        assert published.select_one(f"label[for={field['id']}]") is not None
    assert mentioned.select_one("input[name=mentioned_from]")["value"] == "2024-01-01"
    assert mentioned.find_parent("details").has_attr("open")
    assert not published.find_parent("details").has_attr("open")
    assert ("mentioned_from", "2024-01-01") not in [
        f for f in form_fields(mentioned) if f[0] != "mentioned_from"
    ]

    submitted = dict(form_fields(published)) | {"from": "2024-06-01", "to": "2024-06-30"}
    result = client.get("/", query_string=submitted)
    assert hit_titles(soup(result.data)) == ["Rutte named Nato secretary general"]
    empty_bound = client.get("/", query_string=dict(submitted, to=""))  # as a browser sends it
    assert total(soup(empty_bound.data)) == 2


def test_search_box_keeps_the_mentioned_range(client: FlaskClient) -> None:
    page = get_page(client, "/?q=nato&mentioned_from=2024")

    hidden = page.select("form.search-form input[type=hidden]")
    assert [(h["name"], h["value"]) for h in hidden] == [("mentioned_from", "2024-01-01")]


def test_histograms_without_dates_are_left_out(client: FlaskClient) -> None:
    page = get_page(client, "/?q=memo")

    assert total(page) == 1
    assert page.select_one("#facet-published") is None
    assert page.select_one("#facet-mentioned") is None


# -- links to entity pages from the search page --------------------------------------------


def test_sidebar_and_hit_chips_link_each_name_to_its_entity_page(client: FlaskClient) -> None:
    page = get_page(client, "/?q=brussels")

    sidebar = {
        li.select_one(".facet-label").get_text(): li.select_one("a.entity-link")["href"]
        for li in page.select("#facet-person li.facet-item")
    }
    assert sidebar["Volodymyr Zelensky"] == "/entity/person/Volodymyr%20Zelensky"
    pair = next(
        li
        for li in page.select("ol.hits li.chip-pair")
        if li.select_one("a.chip-person") and li.a.get_text() == "Mark Rutte"
    )
    assert query_of(pair.select_one("a.chip-person")["href"]) == {
        "q": ["brussels"],
        "person": ["Mark Rutte"],
    }
    entity = get_page(client, pair.select_one("a.entity-link")["href"])
    assert entity.select_one(".entity-head h1").get_text() == "Mark Rutte"


# -- entity pages -------------------------------------------------------------------------


def test_entity_page_shows_name_kind_variants_and_documents(client: FlaskClient) -> None:
    page = get_page(client, "/entity/person/Volodymyr Zelensky")

    head = page.select_one(".entity-head")
    assert head.h1.get_text() == "Volodymyr Zelensky"
    assert head.select_one(".entity-kind").get_text() == "Person"
    assert sorted(v.get_text() for v in head.select(".also-written .variant")) == sorted(VARIANTS)
    assert head.select_one(".entity-total")["data-total"] == "2"
    assert page.title.get_text() == "Volodymyr Zelensky – docsift"
    assert hit_titles(page) == ["EU summit on Ukraine aid", "Zelensky visits Washington"]
    assert [t.get_text() for t in page.select("ol.hits .hit-meta time")] == [
        "21 March 2024",
        "12 December 2023",
    ]
    all_link = page.select_one(".all-documents a")
    assert all_link.get_text() == "All 2 documents in search →"
    assert all_link["href"] == "/?person=Volodymyr+Zelensky"
    assert hit_titles(get_page(client, all_link["href"])) == hit_titles(page)
    assert page.select_one("footer a[href^='/api/entity/']")["href"] == (
        "/api/entity/person/Volodymyr%20Zelensky"
    )


def test_entity_page_quotes_the_sentences_naming_it_in_any_spelling(client: FlaskClient) -> None:
    page = get_page(client, "/entity/person/Volodymyr Zelensky")

    quotes = [
        [li.get_text() for li in hit.select(".mention-sentence")]
        for hit in page.select("ol.hits li.hit")
    ]
    assert quotes == [
        [
            "Volodymyr Zelensky addressed the European Union summit in Brussels by video link "
            "on 21 March 2024."
        ],
        [
            "Volodymyr Zelensky met Joe Biden at the White House on 12 December 2023 to ask "
            "Congress for aid.",
            "Mr Zelenskiy thanked him.",
        ],
    ]
    marked = [m.get_text() for m in page.select(".mention-sentence mark.entity-person")]
    assert marked == ["Volodymyr Zelensky", "Volodymyr Zelensky", "Mr Zelenskiy"]
    assert page.select_one("ol.hits .snippet") is None  # the sentences, not the opening
    assert page.select_one("#entity-documents-title").get_text() == "Mentions, newest first"


def test_undated_entity_page_claims_no_date_order_and_finds_spellings_in_the_text(
    tmp_path: Path,
) -> None:
    # an older ingest: no dates, and no mention offsets for the name
    undated = tuple(replace(d, published=None, mentions=()) for d in CORPUS)
    service = build_service(tmp_path, undated)
    app = create_app(service.settings, service)
    app.config["TESTING"] = True
    client = app.test_client()

    page = get_page(client, "/entity/person/Volodymyr Zelensky")
    heading = page.select_one("#entity-documents-title").get_text()
    assert heading == "Where Volodymyr Zelensky is mentioned"
    assert "newest" not in page.get_text().lower()
    assert page.select_one("#facet-published") is None
    marked = [m.get_text() for m in page.select(".mention-sentence mark")]
    assert sorted(marked) == ["Volodymyr Zelensky", "Volodymyr Zelensky", "Zelenskiy"]
    data = client.get("/api/entity/person/Volodymyr Zelensky").get_json()
    assert data["sorted_by_date"] is False


def test_entity_page_lists_co_mentions_linking_to_their_own_pages(client: FlaskClient) -> None:
    page = get_page(client, "/entity/person/Volodymyr Zelensky")

    co = {
        section["id"]: {
            a.select_one(".facet-label").get_text(): (
                a.select_one(".facet-count").get_text(),
                a["href"],
            )
            for a in section.select("a.co-mention")
        }
        for section in page.select("section.co-mentions")
    }
    assert co == {
        "with-person": {
            "Joe Biden": ("1", "/entity/person/Joe%20Biden"),
            "Ursula von der Leyen": ("1", "/entity/person/Ursula%20von%20der%20Leyen"),
        },
        "with-org": {
            "Congress": ("1", "/entity/org/Congress"),
            "European Union": ("1", "/entity/org/European%20Union"),
        },
        "with-place": {
            "Brussels": ("1", "/entity/place/Brussels"),
            "Washington": ("1", "/entity/place/Washington"),
        },
    }
    biden = get_page(client, co["with-person"]["Joe Biden"][1])
    assert biden.select_one(".entity-head h1").get_text() == "Joe Biden"


def test_entity_timeline_bars_open_the_search_for_the_entity_in_that_range(
    client: FlaskClient,
) -> None:
    page = get_page(client, "/entity/person/Volodymyr Zelensky")

    timeline = bars(page, "published")
    assert page.select_one("#facet-published .granularity").get_text() == "by month"
    assert list(timeline) == ["2023-12", "2024-03"]
    href = timeline["2023-12"]["href"]
    assert urlsplit(href).path == "/"
    assert query_of(href) == {
        "person": ["Volodymyr Zelensky"],
        "from": ["2023-12-01"],
        "to": ["2023-12-31"],
    }
    assert hit_titles(get_page(client, href)) == ["Zelensky visits Washington"]
    assert list(bars(page, "mentioned")) == ["2023-12", "2024-03"]
    assert page.select_one(".entity-page form.range-form") is None


def test_entity_page_for_an_organisation_and_a_name_with_a_slash(client: FlaskClient) -> None:
    nato = get_page(client, "/entity/org/NATO")
    assert nato.select_one(".entity-kind").get_text() == "Organisation"
    assert nato.select_one(".also-written") is None
    assert set(hit_titles(nato)) == {
        "Nato foreign ministers meet in Brussels",
        "Rutte named Nato secretary general",
    }

    slashed = get_page(client, "/entity/org/AC/DC", status=404)  # the route takes the slash
    assert "AC/DC" in slashed.select_one(".error-message").get_text()


def test_unknown_entity_is_a_404_page_and_an_unknown_label_a_400(client: FlaskClient) -> None:
    missing = get_page(client, "/entity/person/Nobody At All", status=404)
    bad = get_page(client, "/entity/colour/Red", status=400)

    assert "Nobody At All" in missing.select_one(".error-message").get_text()
    assert bad.select_one(".error-page code").get_text() == "label"


def test_entity_page_escapes_stored_markup(client: FlaskClient) -> None:
    page = get_page(client, "/entity/person/Mallory")

    assert hit_titles(page) == [XSS_TITLE]
    assert_no_injected_markup(page)


# -- mentions marked on the document page -------------------------------------------------


def marks(page: BeautifulSoup) -> list[tuple[str, str, str]]:
    return [
        (m["class"][1], m.get_text(), m["title"]) for m in page.select(".document-text mark.entity")
    ]


def test_document_text_marks_each_mention_with_its_kind_and_meaning(client: FlaskClient) -> None:
    doc = CORPUS[0]

    page = get_page(client, f"/documents/{doc.doc_id}")

    assert marks(page) == [
        ("entity-org", "Nato", "NATO"),
        ("entity-place", "Brussels", "Brussels"),
        ("entity-person", "Mark Rutte", "Mark Rutte"),
        ("entity-person", "Mr Rutte", "Mark Rutte"),  # the canonical name as its title
        ("entity-date", "2025", "2025"),
    ]
    paragraphs = page.select(".document-text p")
    assert [p.get_text() for p in paragraphs] == doc.body.split("\n\n")
    # offsets count from the start of the body, so marks land in the second paragraph too
    assert [m.get_text() for m in paragraphs[1].select("mark")] == [
        "Mark Rutte",
        "Mr Rutte",
        "2025",
    ]
    links = {m.get_text(): m.a["href"] for m in page.select(".document-text mark.entity")}
    assert links["Mr Rutte"] == "/entity/person/Mark%20Rutte"
    assert links["Nato"] == "/entity/org/NATO"
    assert query_of(links["2025"]) == {
        "mentioned_from": ["2025-01-01"],
        "mentioned_to": ["2025-12-31"],
    }
    legend = [m["class"][1] for m in page.select(".mention-legend mark")]
    assert legend == ["entity-person", "entity-org", "entity-place", "entity-date"]


def test_document_page_lists_the_dates_it_mentions(client: FlaskClient) -> None:
    page = get_page(client, f"/documents/{BY_TITLE['Zelensky visits Washington'].doc_id}")

    [chip] = page.select(".dates-mentioned .chip-date")
    assert chip["data-value"] == "2023-12-12"
    assert chip.time.get_text() == "12 December 2023"
    assert query_of(chip["href"]) == {
        "mentioned_from": ["2023-12-12"],
        "mentioned_to": ["2023-12-12"],
    }
    assert hit_titles(get_page(client, chip["href"])) == ["Zelensky visits Washington"]
    fire = get_page(client, f"/documents/{BY_TITLE['Fire at the Rotterdam harbour'].doc_id}")
    decade = fire.select_one(".dates-mentioned .chip-date")
    assert decade.get_text(strip=True) == "1990s"
    assert query_of(decade["href"]) == {
        "mentioned_from": ["1990-01-01"],
        "mentioned_to": ["1999-12-31"],
    }


def test_mentions_right_against_markup_keep_the_markup_escaped(client: FlaskClient) -> None:
    doc = BY_TITLE[XSS_TITLE]

    response = client.get(f"/documents/{doc.doc_id}")

    html = response.get_data(as_text=True)
    assert "Mallory</a></mark>&lt;script&gt;alert(1)&lt;/script&gt;<mark" in html
    page = soup(html)
    assert marks(page) == [
        ("entity-person", "Mallory", "Mallory"),
        ("entity-date", "today", "2021-01-01"),
    ]
    first = page.select_one(".document-text p")
    assert first.get_text() == doc.body.split("\n\n")[0]
    assert first.select_one("mark.entity-person").next_sibling == "<script>alert(1)</script>"
    assert_no_injected_markup(page)


def test_documents_without_mentions_have_no_marks_or_legend(client: FlaskClient) -> None:
    page = get_page(client, f"/documents/{BY_TITLE['Undated memo about the archive'].doc_id}")

    assert not page.select("mark") and page.select_one(".mention-legend") is None
    assert page.select_one(".dates-mentioned") is None


# -- a facet's own page and its search box -----------------------------------------------


def test_sidebar_offers_show_more_and_a_find_box_when_values_are_hidden(tmp_path: Path) -> None:
    client = app_client(tmp_path, facet_limit=2)

    page = get_page(client, "/?q=nato OR brussels OR washington&sort=newest&page=1")

    section = page.select_one("#facet-person")
    assert len(section.select("a.facet-value")) == 2
    more = section.select_one(".facet-more a")
    assert urlsplit(more["href"]).path == "/facets/person"
    assert query_of(more["href"]) == {"q": ["nato OR brussels OR washington"], "sort": ["newest"]}
    box = section.select_one("form.facet-search")
    assert (box["method"], box["action"], box["data-facet"]) == ("get", "/facets/person", "person")
    assert form_fields(box) == [
        ("q", "nato OR brussels OR washington"),
        ("sort", "newest"),
        ("fq", ""),
    ]
    assert box.select_one(f"label[for={box.select_one('input[name=fq]')['id']}]") is not None

    full = get_page(client, more["href"])
    assert len(full.select("#facet-person a.facet-value")) == 5


def test_sidebar_has_no_find_box_when_every_value_is_shown(client: FlaskClient) -> None:
    page = get_page(client, "/")

    assert page.select_one("#facet-person form.facet-search") is None
    assert page.select_one("#facet-person .facet-more") is None


def test_facet_page_lists_values_with_counts_and_toggle_links(client: FlaskClient) -> None:
    page = get_page(client, "/facets/person?person=Mark+Rutte")

    assert page.select_one("h1").get_text(strip=True).startswith("People")
    assert page.select_one(".facet-page-count")["data-total"] == "6"
    values = {
        a.select_one(".facet-label").get_text(): a
        for a in page.select("#facet-person a.facet-value")
    }
    assert values["Mark Rutte"]["aria-current"] == "true"
    assert values["Mark Rutte"]["href"] == "/"
    assert values["Joe Biden"].select_one(".facet-count").get_text() == "1"
    assert query_of(values["Joe Biden"]["href"]) == {"person": ["Mark Rutte", "Joe Biden"]}
    entity_links = [a["href"] for a in page.select("#facet-person a.entity-link")]
    assert "/entity/person/Joe%20Biden" in entity_links
    assert page.select_one(".back a")["href"] == "/?person=Mark+Rutte"


def test_facet_page_search_narrows_values_also_by_merged_variants(client: FlaskClient) -> None:
    page = get_page(client, "/facets/person?q=washington OR brussels&fq=zelenskiy")

    form = page.select_one("form.facet-page-search")
    assert (form["method"], form["action"]) == ("get", "/facets/person")
    assert form_fields(form) == [("q", "washington OR brussels"), ("fq", "zelenskiy")]
    labels = [a.get_text() for a in page.select("#facet-person .facet-label")]
    assert labels == ["Volodymyr Zelensky"]
    assert query_of(page.select_one("#facet-person a.facet-value")["href"]) == {
        "q": ["washington OR brussels"],
        "person": ["Volodymyr Zelensky"],
    }
    json_link = page.select_one("footer a[href^='/api/facets/']")["href"]
    assert query_of(json_link) == {"q": ["zelenskiy"], "query": ["washington OR brussels"]}
    assert [v["value"] for v in client.get(json_link).get_json()["values"]] == labels


def test_facet_page_with_no_match_offers_every_value(client: FlaskClient) -> None:
    page = get_page(client, "/facets/org?fq=xyz")

    assert page.select_one(".facet-page-count")["data-total"] == "0"
    assert page.select_one(".no-values a")["href"] == "/facets/org"


@pytest.mark.parametrize(
    ("url", "param"), [("/facets/colour", "facet"), ("/facets/person?fq=" + "z" * 201, "fq")]
)
def test_facet_page_rejects_unknown_facets_and_overlong_text(
    client: FlaskClient, url: str, param: str
) -> None:
    page = get_page(client, url, status=400)

    assert page.select_one(".error-page code").get_text() == param


def test_facet_page_escapes_values(client: FlaskClient) -> None:
    page = get_page(client, "/facets/person?fq=<script>")

    assert "<script>" in page.select_one(".facet-page-count").get_text()
    assert_no_injected_markup(page)


def many_people_client(tmp_path: Path, people: int) -> FlaskClient:
    """An archive naming `people` different people: person i is in i % 7 + 1 documents."""
    docs = []
    for i in range(people):
        name = f"Person Number{i:03d}"
        for copy in range(i % 7 + 1):
            url = f"https://news.example/p{i}-{copy}"
            docs.append(
                Document(
                    doc_id=make_doc_id(url),
                    title=f"Story {i} {copy}",
                    body=f"{name} said something in story {i}.",
                    url=url,
                    people=(name,),
                    published=None,
                )
            )
    service = build_service(tmp_path, tuple(docs))
    app = create_app(service.settings, service)
    app.config["TESTING"] = True
    return app.test_client()


def test_facet_page_pages_through_every_value_and_its_search_reaches_all(
    tmp_path: Path,
) -> None:
    client = many_people_client(tmp_path, 230)

    seen: list[str] = []
    counts: list[int] = []
    url: str | None = "/facets/person"
    pages = 0
    while url:
        page = get_page(client, url)
        pages += 1
        values = page.select("#facet-person a.facet-value")
        assert len(values) <= 100
        seen += [a.select_one(".facet-label").get_text() for a in values]
        counts += [int(a.select_one(".facet-count").get_text()) for a in values]
        assert page.select_one(".facet-page-count")["data-total"] == "230"
        nxt = page.select_one(".facet-pages a[rel=next]")
        url = nxt["href"] if nxt else None
    assert pages == 3
    assert len(seen) == len(set(seen)) == 230  # every value once, none lost between pages
    assert counts == sorted(counts, reverse=True)  # most frequent first across pages
    third = get_page(client, "/facets/person?fpage=3")
    assert "201–230" in third.select_one(".facet-page-count").get_text()
    assert third.select_one(".facet-pages [aria-current=page]").get_text() == "3"
    assert third.select_one(".facet-pages a[rel=prev]")["href"] == "/facets/person?fpage=2"

    # the search box looks through all 230, not just the page shown
    rare = seen[-1]
    found = get_page(client, "/facets/person?fq=" + rare.split()[-1])
    assert [a.get_text() for a in found.select("#facet-person .facet-label")] == [rare]
    assert found.select_one(".facet-pages") is None

    data = client.get("/api/facets/person?limit=100&offset=200").get_json()
    assert (data["total_values"], data["offset"]) == (230, 200)
    assert [v["value"] for v in data["values"]] == seen[200:]


@pytest.mark.parametrize("url", ["/facets/person?fpage=0", "/facets/person?fpage=x"])
def test_facet_page_rejects_a_bad_page_number(client: FlaskClient, url: str) -> None:
    page = get_page(client, url, status=400)

    assert page.select_one(".error-page code").get_text() == "fpage"


def test_facet_api_rejects_a_bad_offset(client: FlaskClient) -> None:
    response = client.get("/api/facets/person?offset=-1")

    assert response.status_code == 400
    assert response.get_json()["error"]["param"] == "offset"

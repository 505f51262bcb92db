"""/api/compare and /compare/<a>/<b>, the document page's link, and the "Rewrites" filter.

Over a small real index holding two versions of one story: the later one gives a new quote to
a person the first never names, changes a number, and carries script tags in its title and
text (they must come back escaped). The story table beside the index flags it as the indexer
would.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import urlencode

import pytest
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from markupsafe import Markup
from webfixtures import get_page, soup

from search.compare import MAX_ID_CHARS
from search.documents import Document, Mention, make_doc_id
from search.index import write_documents, write_stories
from search.service import SearchService
from search.settings import Settings
from search.stories import StoryTable, VersionChanges
from web import create_app
from web.compare_rows import SideBySide, display_rows

FIRST = (
    "Dock workers walked out on Monday after talks with Harbour Freight collapsed.\n\n"
    '"We will not go back for less than 5 per cent," said union leader Helena Marsh.\n\n'
    "The company offered 3 per cent and called the strike unlawful."
)
LATER = (
    "Dock workers walked out on Monday after talks with Harbour Freight collapsed.\n\n"
    '"We will not go back for less than 5 per cent," said union leader Helena Marsh.\n\n'
    "The company offered 4 per cent and called the strike unlawful.\n\n"
    '"The strikers are holding the city to ransom <script>alert(2)</script>," said Mayor '
    "Tom Quill."
)
NEW_QUOTE = "The strikers are holding the city to ransom <script>alert(2)</script>,"


def _mentions(body: str, names: tuple[tuple[str, str], ...]) -> tuple[Mention, ...]:
    return tuple(
        Mention(label, name, body.index(name), body.index(name) + len(name), "body", name)
        for label, name in names
    )


def _version(url: str, title: str, body: str, day: int, *names: tuple[str, str]) -> Document:
    return Document(
        doc_id=make_doc_id(url),
        title=title,
        body=body,
        url=url,
        source="news.example",
        published=dt.date(2024, 12, day),
        people=tuple(n for label, n in names if label == "person"),
        orgs=tuple(n for label, n in names if label == "org"),
        mentions=_mentions(body, names),
    )


A = _version(
    "https://news.example/strike",
    "Harbour strike talks collapse",
    FIRST,
    3,
    ("org", "Harbour Freight"),
    ("person", "Helena Marsh"),
)
B = _version(
    "https://news.example/strike-2",
    "Harbour strike: union rejects offer <script>alert(1)</script>",
    LATER,
    4,
    ("org", "Harbour Freight"),
    ("person", "Helena Marsh"),
    ("person", "Tom Quill"),
)
OTHER = _version(
    "https://news.example/regatta",
    "Regatta returns",
    "The harbour regatta returns in August with forty crews.",
    5,
)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    settings = Settings(home=tmp_path_factory.mktemp("webcompare") / "home")
    write_documents(settings.index_dir, (A, B, OTHER))
    story = min(A.doc_id, B.doc_id)
    write_stories(
        settings.index_dir,
        StoryTable.build(
            {story: tuple(sorted((A.doc_id, B.doc_id)))},
            {A.doc_id: "rewrite", B.doc_id: "rewrite"},
            {(min(A.doc_id, B.doc_id), max(A.doc_id, B.doc_id)): "rewrite: shares Helena Marsh"},
            {B.doc_id: VersionChanges(A.doc_id, ("adds_people", "unsupported_quotes"))},
        ),
    )
    app = create_app(settings, SearchService.from_settings(settings))
    app.config["TESTING"] = True
    return app.test_client()


def _api(client: FlaskClient, **params: str) -> object:
    return client.get("/api/compare?" + urlencode(params))


def _error(response: object, status: int, param: str | None) -> None:
    assert response.status_code == status, response.get_data(as_text=True)  # type: ignore[attr-defined]
    body = response.get_json()  # type: ignore[attr-defined]
    assert set(body) == {"error"} and body["error"]["param"] == param
    assert body["error"]["message"] and "Traceback" not in body["error"]["message"]


# -- JSON -------------------------------------------------------------------------------------


def test_api_compare_returns_the_documented_shape(client: FlaskClient) -> None:
    response = _api(client, a=A.doc_id, b=B.doc_id)
    assert response.status_code == 200 and response.mimetype == "application/json"
    data = response.get_json()
    document = client.get("/api/openapi.json").get_json()
    schema = {"$ref": "#/components/schemas/Comparison", "components": document["components"]}
    Draft202012Validator(schema).validate(data)
    assert data["a"]["id"] == A.doc_id and data["b"]["id"] == B.doc_id
    assert data["summary"] == "adds 1 person, 1 quote; changes numbers in 1 sentence"
    assert data["entities"]["person"] == {"only_a": [], "only_b": ["Tom Quill"]}
    assert data["flags"] == ["adds_people", "unsupported_quotes"]
    (quote,) = data["quotes"]
    assert quote["kind"] == "added" and quote["side"] == "b" and quote["unsupported"]
    assert quote["text"] == NEW_QUOTE.rstrip(",") and quote["speaker"] == "Tom Quill"
    assert data["unsupported_quotes"] == [quote]
    (number,) = data["numbers"]
    assert (number["only_a"], number["only_b"]) == (["3%"], ["4%"])
    statuses = [row["status"] for row in data["alignment"]]
    assert statuses.count("only_b") == 1 and statuses.count("same") == 2
    assert data["counts"]["unsupported_quotes"] == 1


def test_api_compare_errors(client: FlaskClient) -> None:
    _error(_api(client, a=A.doc_id, b="no-such-id"), 404, None)
    _error(_api(client, a="no-such-id", b=B.doc_id), 404, None)
    _error(_api(client, b=B.doc_id), 400, "a")
    _error(_api(client, a=A.doc_id), 400, "b")
    _error(_api(client, a=A.doc_id, b=""), 400, "b")
    _error(client.get(f"/api/compare?a={A.doc_id}&a={B.doc_id}&b={B.doc_id}"), 400, "a")
    _error(_api(client, a="x" * (MAX_ID_CHARS + 1), b=B.doc_id), 400, "a")
    _error(_api(client, a="x\x00", b=B.doc_id), 400, "a")
    assert client.post(f"/api/compare?a={A.doc_id}&b={B.doc_id}").status_code == 405


def test_openapi_describes_compare_and_the_changes_filter(client: FlaskClient) -> None:
    document = client.get("/api/openapi.json").get_json()
    operation = document["paths"]["/api/compare"]["get"]
    assert [(p["name"], p["required"]) for p in operation["parameters"]] == [
        ("a", True),
        ("b", True),
    ]
    assert set(operation["responses"]) >= {"200", "400", "404", "503"}
    changes = next(
        p for p in document["paths"]["/api/search"]["get"]["parameters"] if p["name"] == "changes"
    )
    assert changes["schema"]["items"]["enum"] == ["unsupported_quotes", "adds_people"]


def test_api_search_filters_by_changes(client: FlaskClient) -> None:
    found = client.get("/api/search?changes=unsupported_quotes").get_json()
    assert [h["id"] for h in found["hits"]] == [B.doc_id]
    assert found["query"]["filters"] == {"changes": ["unsupported_quotes"]}
    _error(client.get("/api/search?changes=everything"), 400, "changes")


# -- HTML -------------------------------------------------------------------------------------


def test_compare_page_shows_summary_names_quotes_numbers_and_sentences(
    client: FlaskClient,
) -> None:
    response = client.get(f"/compare/{A.doc_id}/{B.doc_id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<script>alert" not in html
    page = soup(html)
    assert [s["src"] for s in page.select("script")] == ["/static/app.js"]
    assert page.select_one(".summary-line").get_text(" ", strip=True) == (
        "Compared with A, B adds 1 person, 1 quote; changes numbers in 1 sentence."
    )
    assert "1 quote" in page.select_one(".compare-warning").get_text(" ", strip=True)
    people = page.select(".compare-grid tbody tr")[0]
    assert [a.get_text() for a in people.select("td")[1].select("a.chip")] == ["Tom Quill"]
    assert people.select("td")[0].get_text(strip=True) == "none"
    (quote,) = page.select(".quote-change")
    assert "is-unsupported" in quote["class"]
    assert "<script>alert(2)</script>" in quote.select_one("blockquote").get_text()
    assert "Tom Quill" in quote.select_one(".quote-speaker").get_text()
    assert "only in A: 3%" in page.select_one(".number-diff").get_text(" ", strip=True)
    only_b = page.select("tr.row-only-b")
    assert len(only_b) == 1 and "Tom Quill" in only_b[0].select_one(".side-b").get_text()
    assert only_b[0].select_one(".side-a.is-empty") is not None
    marks = only_b[0].select("mark")
    assert [m["class"] for m in marks] == [["cmp-quote", "cmp-added"], ["cmp-name", "cmp-person"]]
    assert "never quotes Tom Quill" in marks[0]["title"]
    # the two sentences both versions share fold into one line, the differences stay open
    (same,) = page.select("tr.row-same-run")
    folded = same.select_one("details.same-run")
    assert folded is not None and not folded.has_attr("open")
    assert folded.summary.get_text(" ", strip=True).startswith("2 sentences the same in both")
    assert [li.get_text(" ", strip=True)[:12] for li in folded.select("li")] == [
        "A1 B1 Dock w",
        'A2 B2 "We wi',
    ]
    assert len(page.select("tr.row-same")) == 0 and len(page.select("tr.row-changed")) == 1
    rows = [tr["class"][0] for tr in page.select(".compare-table tbody > tr")]
    assert rows == ["row-same-run", "row-changed", "row-only-b"]
    swap = page.select_one("a.swap-link")["href"]
    assert swap == f"/compare/{B.doc_id}/{A.doc_id}"
    back = get_page(client, swap)
    assert "drops 1 person, 1 quote" in back.select_one(".summary-line").get_text()


def test_compare_page_errors_render_the_error_page(client: FlaskClient) -> None:
    page = get_page(client, f"/compare/{A.doc_id}/nope", 404)
    assert page.select_one(".error-page") is not None
    get_page(client, "/compare?" + urlencode({"a": A.doc_id}), 400)
    same = get_page(client, "/compare?" + urlencode({"a": A.doc_id, "b": B.doc_id}))
    assert same.select_one(".summary-line") is not None


def test_document_pages_link_to_the_comparison_base_first(client: FlaskClient) -> None:
    for doc_id in (A.doc_id, B.doc_id):
        page = get_page(client, f"/documents/{doc_id}")
        (link,) = page.select("#versions a.compare-link")
        assert link["href"] == f"/compare/{A.doc_id}/{B.doc_id}"
        assert link.get_text().startswith("Compare with “")
    assert not get_page(client, f"/documents/{OTHER.doc_id}").select("a.compare-link")


def test_rewrites_facet_filters_and_shows_a_removable_chip(client: FlaskClient) -> None:
    page = get_page(client, "/?q=harbour")
    facet = page.select_one("#facet-changes")
    values = {
        a["data-value"]: a.select_one(".facet-count").get_text()
        for a in facet.select("a.facet-value")
    }
    assert values == {"unsupported_quotes": "1", "adds_people": "1"}
    link = facet.select_one('a[data-value="unsupported_quotes"]')
    assert link["aria-checked"] == "false"
    filtered = get_page(client, link["href"])
    assert [a["href"].split("?")[0] for a in filtered.select("ol.hits .hit-title a")] == [
        f"/documents/{B.doc_id}"
    ]
    chip = filtered.select_one('.active-filters a[data-facet="changes"]')
    assert "Has unsupported quotes" in chip.get_text()
    selected = filtered.select_one('#facet-changes a[data-value="unsupported_quotes"]')
    assert selected["aria-checked"] == "true"
    cleared = get_page(client, chip["href"])
    assert len(cleared.select("ol.hits .hit")) >= 2
    get_page(client, "/?changes=bogus", 400)


def test_no_rewrites_facet_without_flagged_versions(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    write_documents(settings.index_dir, (A, B))
    client = create_app(settings, SearchService.from_settings(settings)).test_client()
    assert get_page(client, "/").select_one("#facet-changes") is None
    data = client.get(f"/api/compare?a={A.doc_id}&b={B.doc_id}").get_json()
    assert data["flags"] == ["adds_people", "unsupported_quotes"]  # compared on request anyway


def test_a_passage_only_in_a_stands_beside_the_one_only_in_b_that_replaced_it() -> None:
    def row(status: str, a: int | None, b: int | None) -> SideBySide:
        return SideBySide(status, 0.0, a, b, None if a is None else Markup("a"), None)

    rows = [
        row("same", 0, 0),
        row("only_a", 1, None),
        row("only_a", 2, None),
        row("only_b", None, 1),
        row("only_b", None, 2),
        row("only_b", None, 3),
        row("same", 3, 4),
        row("same", 4, 5),
    ]
    shown = display_rows(rows)

    assert [(line.kind, [(r.a, r.b) for r in line.rows]) for line in shown] == [
        ("row", [(0, 0)]),  # one shared sentence alone is not folded
        ("replaced", [(1, None), (None, 1)]),
        ("replaced", [(2, None), (None, 2)]),
        ("row", [(None, 3)]),
        ("same", [(3, 4), (4, 5)]),
    ]

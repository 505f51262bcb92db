"""The JSON API over a real on-disk index: the documented shape, facets, filters, sort, paging."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient
from webfixtures import CORPUS, NEWEST_FIRST, VARIANTS, XSS_TITLE, build_app, soup

HIT_KEYS = {
    *("id", "title", "url", "source", "date", "snippet", "score", "people", "orgs", "places"),
    *("story_id", "versions", "version_ids", "language", "page"),
}
FACET_VALUE_KEYS = {"value", "count", "selected", "toggle_url"}


@pytest.fixture
def client(tmp_path: Path) -> FlaskClient:
    return build_app(tmp_path).test_client()


@pytest.fixture
def empty_client(tmp_path: Path) -> FlaskClient:
    return build_app(tmp_path, docs=()).test_client()


def search(client: FlaskClient, query: str = "", **params: object) -> dict:
    response = client.get(f"/api/search?{query}", query_string=params or None)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def facet(data: dict, name: str) -> dict[str, dict]:
    return {item["value"]: item for item in data["facets"][name]}


def titles(data: dict) -> list[str]:
    return [hit["title"] for hit in data["hits"]]


def test_search_json_has_every_documented_key_with_its_type(client: FlaskClient) -> None:
    data = search(client, q="nato")

    assert set(data) == {
        "query",
        "total",
        "stories",
        "page",
        "per_page",
        "pages",
        "took_ms",
        "also_searching",
        "suggestion",
        "corrected_from",
        "hits",
        "facets",
        "histograms",
    }
    assert data["query"] == {
        "q": "nato",
        "filters": {},
        "from": None,
        "to": None,
        "mentioned_from": None,
        "mentioned_to": None,
        "sort": "relevance",
        "versions": "collapse",
        "exact": False,
    }
    assert isinstance(data["total"], int) and data["total"] == 2
    assert (data["page"], data["per_page"], data["pages"]) == (1, 10, 1)
    assert isinstance(data["took_ms"], int | float)
    assert set(data["facets"]) == {
        "person",
        "org",
        "place",
        "language",
        "filetype",
        "origin",
        "published",
        "mentioned",
    }
    assert set(data["histograms"]) == {"published", "mentioned"}
    for hit in data["hits"]:
        assert set(hit) == HIT_KEYS
        assert all(isinstance(hit[k], str) for k in ("id", "title", "url", "source", "snippet"))
        assert isinstance(hit["score"], float)
        assert all(isinstance(hit[k], list) for k in ("people", "orgs", "places"))
    for values in data["facets"].values():
        for item in values:
            assert set(item) == FACET_VALUE_KEYS
            assert isinstance(item["count"], int) and isinstance(item["selected"], bool)


def test_search_snippet_highlights_matches_with_mark(client: FlaskClient) -> None:
    data = search(client, q="fire")

    [hit] = data["hits"]
    marks = soup(hit["snippet"]).find_all("mark")
    assert [m.get_text().lower() for m in marks] == ["fire"]


def test_search_snippet_escapes_html_from_the_document(client: FlaskClient) -> None:
    data = search(client, q="beware")

    [hit] = data["hits"]
    assert hit["title"] == XSS_TITLE  # titles are plain text in JSON; escaping is the page's job
    parsed = soup(hit["snippet"])
    assert parsed.find("script") is None and parsed.find("img") is None
    assert "<script>alert(1)</script>" in parsed.get_text()


def test_facet_counts_cover_the_whole_result_set(client: FlaskClient) -> None:
    data = search(client)

    people = facet(data, "person")
    assert people["Mark Rutte"]["count"] == 2
    assert people["Volodymyr Zelensky"]["count"] == 2
    # six dated documents from 2021 to 2024: a histogram by year
    assert data["histograms"]["published"] == "year"
    assert {k: v["count"] for k, v in facet(data, "published").items()} == {
        "2021": 1,
        "2022": 1,
        "2023": 1,
        "2024": 3,
    }
    assert not any(item["selected"] for item in data["facets"]["person"])


def test_selecting_a_person_narrows_total_and_marks_it_selected(client: FlaskClient) -> None:
    everything = search(client)
    toggle = facet(everything, "person")["Mark Rutte"]["toggle_url"]

    narrowed = client.get(toggle).get_json()

    assert narrowed["total"] == 2 < everything["total"]
    assert set(titles(narrowed)) == {
        "Nato foreign ministers meet in Brussels",
        "Rutte named Nato secretary general",
    }
    assert facet(narrowed, "person")["Mark Rutte"]["selected"] is True
    assert narrowed["facets"]["person"][0]["value"] == "Mark Rutte"  # selected pinned first


def test_toggle_url_of_a_selected_person_removes_it(client: FlaskClient) -> None:
    narrowed = search(client, q="nato", person="Mark Rutte")
    toggle = facet(narrowed, "person")["Mark Rutte"]["toggle_url"]

    assert urlsplit(toggle).path == "/api/search"
    assert parse_qs(urlsplit(toggle).query) == {"q": ["nato"]}
    assert client.get(toggle).get_json()["query"]["filters"] == {}


def test_toggle_url_resets_page_and_keeps_other_parameters(client: FlaskClient) -> None:
    data = search(client, "per_page=1&page=2&sort=oldest&place=Brussels")
    toggle = facet(data, "person")["Volodymyr Zelensky"]["toggle_url"]

    params = parse_qs(urlsplit(toggle).query)
    assert params == {
        "place": ["Brussels"],
        "person": ["Volodymyr Zelensky"],
        "sort": ["oldest"],
        "per_page": ["1"],
    }


def test_values_of_one_facet_are_ored(client: FlaskClient) -> None:
    data = search(client, "person=Mark+Rutte&person=Joe+Biden")

    assert data["total"] == 3
    assert data["query"]["filters"] == {"person": ["Mark Rutte", "Joe Biden"]}


def test_different_facets_are_anded(client: FlaskClient) -> None:
    data = search(client, "person=Mark+Rutte&place=Brussels")

    assert titles(data) == ["Nato foreign ministers meet in Brussels"]


def test_from_and_to_filter_by_publication_date(client: FlaskClient) -> None:
    assert search(client, **{"from": "2024"})["total"] == 3
    assert set(titles(search(client, to="2022"))) == {"Fire at the Rotterdam harbour", XSS_TITLE}
    june = search(client, **{"from": "2024-06", "to": "2024-06"})
    assert titles(june) == ["Rutte named Nato secretary general"]
    assert june["query"]["from"] == "2024-06-01" and june["query"]["to"] == "2024-06-30"


def test_sort_newest_and_oldest_order_matches_by_date(client: FlaskClient) -> None:
    q = "nato OR brussels OR harbour"

    newest = titles(search(client, q=q, sort="newest"))
    oldest = titles(search(client, q=q, sort="oldest"))

    assert newest == [
        "Nato foreign ministers meet in Brussels",
        "Rutte named Nato secretary general",
        "EU summit on Ukraine aid",
        "Fire at the Rotterdam harbour",
        XSS_TITLE,
    ]
    assert oldest == list(reversed(newest))


def test_sort_oldest_puts_undated_documents_last(client: FlaskClient) -> None:
    oldest = titles(search(client, sort="oldest"))

    assert oldest == [*reversed(NEWEST_FIRST), "Undated memo about the archive"]


def test_empty_query_browses_everything_newest_first(client: FlaskClient) -> None:
    data = search(client)

    assert data["total"] == len(CORPUS)
    assert data["query"]["sort"] == "newest"
    assert titles(data) == [*NEWEST_FIRST, "Undated memo about the archive"]
    assert all(hit["score"] is None for hit in data["hits"])


def test_paging_splits_results_and_a_page_past_the_end_is_empty(client: FlaskClient) -> None:
    pages = [search(client, per_page=2, page=n) for n in (1, 2, 3, 4)]
    beyond = search(client, per_page=2, page=5)

    assert [p["pages"] for p in pages] == [4, 4, 4, 4]
    assert sum((titles(p) for p in pages), []) == titles(search(client, per_page=10))
    assert len(titles(pages[-1])) == 1
    assert beyond["hits"] == [] and beyond["total"] == len(CORPUS) and beyond["page"] == 5


def test_document_endpoint_returns_the_stored_document(client: FlaskClient) -> None:
    doc = CORPUS[0]

    response = client.get(f"/api/documents/{doc.doc_id}")

    assert response.status_code == 200
    data = response.get_json()
    assert data["id"] == doc.doc_id and data["title"] == doc.title
    assert data["text"] == doc.body and data["date"] == "2024-12-03"
    assert data["people"] == ["Mark Rutte", "Antony Blinken"]
    assert data["author"] == "Jane Reporter"


def test_document_endpoint_answers_404_json_for_unknown_ids(client: FlaskClient) -> None:
    response = client.get("/api/documents/does-not-exist")

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_facet_endpoint_filters_values_by_q_case_insensitively(client: FlaskClient) -> None:
    response = client.get("/api/facets/person?q=ZEL")

    assert response.status_code == 200
    data = response.get_json()
    assert data["facet"] == "person" and data["total_values"] == 1
    [value] = data["values"]
    assert value["value"] == "Volodymyr Zelensky" and value["count"] == 2
    assert value["selected"] is False
    assert parse_qs(urlsplit(value["toggle_url"]).query) == {"person": ["Volodymyr Zelensky"]}


def test_facet_endpoint_finds_a_value_through_its_merged_variants(client: FlaskClient) -> None:
    data = client.get("/api/facets/person?q=zelenskiy").get_json()

    assert [v["value"] for v in data["values"]] == ["Volodymyr Zelensky"]


def test_facet_endpoint_takes_the_search_query_as_query(client: FlaskClient) -> None:
    data = client.get("/api/facets/person?q=r&query=nato&place=Brussels").get_json()

    assert {v["value"]: v["count"] for v in data["values"]} == {"Mark Rutte": 1}
    toggle = data["values"][0]["toggle_url"]
    assert urlsplit(toggle).path == "/api/search"
    assert parse_qs(urlsplit(toggle).query) == {
        "q": ["nato"],  # the search's query, back under its own name
        "person": ["Mark Rutte"],
        "place": ["Brussels"],
    }
    assert client.get(toggle).get_json()["total"] == 1


def test_facet_endpoint_still_accepts_the_older_prefix_form(client: FlaskClient) -> None:
    data = client.get("/api/facets/person?q=nato&place=Brussels&prefix=r").get_json()

    assert {v["value"]: v["count"] for v in data["values"]} == {"Mark Rutte": 1}


def test_facet_endpoint_limit_caps_values_but_not_the_total(client: FlaskClient) -> None:
    data = client.get("/api/facets/person?limit=2").get_json()

    assert data["total_values"] == 6
    assert [v["value"] for v in data["values"]] == ["Mark Rutte", "Volodymyr Zelensky"]


def test_facet_endpoint_without_q_lists_every_value(client: FlaskClient) -> None:
    data = client.get("/api/facets/place").get_json()

    assert data["total_values"] == 4
    assert {v["value"] for v in data["values"]} == {
        "Brussels",
        "Washington",
        "The Hague",
        "Rotterdam",
    }
    assert data["values"][0] == {
        "value": "Brussels",
        "count": 2,
        "selected": False,
        "toggle_url": "/api/search?place=Brussels",
    }


def test_mentioned_range_filters_by_dates_the_text_mentions(client: FlaskClient) -> None:
    data = search(client, mentioned_from="2024", mentioned_to="2024")

    assert set(titles(data)) == {"Rutte named Nato secretary general", "EU summit on Ukraine aid"}
    assert data["query"]["mentioned_from"] == "2024-01-01"
    assert data["query"]["mentioned_to"] == "2024-12-31"
    assert data["histograms"]["mentioned"] == "year"
    assert facet(data, "mentioned")["2024"]["selected"] is True


def test_mentioned_histogram_counts_documents_per_date_mentioned(client: FlaskClient) -> None:
    data = search(client)

    buckets = [(b["value"], b["count"]) for b in data["facets"]["mentioned"]]
    assert buckets == [("2021", 1), ("2023", 1), ("2024", 2), ("2025", 1)]
    toggle = facet(data, "mentioned")["2025"]["toggle_url"]
    assert parse_qs(urlsplit(toggle).query) == {
        "mentioned_from": ["2025-01-01"],
        "mentioned_to": ["2025-12-31"],
    }
    assert titles(client.get(toggle).get_json()) == ["Nato foreign ministers meet in Brussels"]


def test_entity_endpoint_returns_the_entity_response(client: FlaskClient) -> None:
    response = client.get("/api/entity/person/Volodymyr Zelensky")

    assert response.status_code == 200
    data = response.get_json()
    assert set(data) == {
        "label",
        "name",
        "also_written_as",
        "total",
        "stories",
        "sorted_by_date",
        "documents",
        "co_mentions",
        "timeline",
        "mentioned_dates",
    }
    assert (data["label"], data["name"], data["total"]) == ("person", "Volodymyr Zelensky", 2)
    assert data["sorted_by_date"] is True
    assert sorted(data["also_written_as"]) == sorted(VARIANTS)
    assert [d["title"] for d in data["documents"]] == [
        "EU summit on Ukraine aid",
        "Zelensky visits Washington",
    ]
    assert all(set(d) == HIT_KEYS | {"sentences"} for d in data["documents"])
    # the sentences naming him, in any spelling, with each mention's span
    washington = data["documents"][1]["sentences"]
    assert [s["text"] for s in washington] == [
        "Volodymyr Zelensky met Joe Biden at the White House on 12 December 2023 to ask "
        "Congress for aid.",
        "Mr Zelenskiy thanked him.",
    ]
    marks = [
        [(m["text"], s["text"][m["start"] : m["end"]]) for m in s["marks"]] for s in washington
    ]
    assert marks == [[("Volodymyr Zelensky",) * 2], [("Mr Zelenskiy",) * 2]]
    co = {
        name: {v["value"]: v["count"] for v in values}
        for name, values in data["co_mentions"].items()
    }
    assert co == {
        "person": {"Joe Biden": 1, "Ursula von der Leyen": 1},
        "org": {"Congress": 1, "European Union": 1},
        "place": {"Brussels": 1, "Washington": 1},
    }
    assert data["timeline"]["granularity"] == "month"
    assert [(b["value"], b["count"]) for b in data["timeline"]["buckets"]] == [
        ("2023-12", 1),
        ("2024-03", 1),
    ]
    assert urlsplit(data["timeline"]["buckets"][0]["toggle_url"]).path == "/api/search"
    assert [b["value"] for b in data["mentioned_dates"]["buckets"]] == ["2023-12", "2024-03"]


def test_entity_endpoint_answers_404_and_400_as_json(client: FlaskClient) -> None:
    missing = client.get("/api/entity/person/Nobody At All")
    bad_label = client.get("/api/entity/colour/Red")

    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "not_found"
    assert "Nobody At All" in missing.get_json()["error"]["message"]
    assert bad_label.status_code == 400
    assert bad_label.get_json()["error"]["param"] == "label"


def test_healthz_reports_document_count(client: FlaskClient) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    health = response.get_json()
    assert {k: health[k] for k in ("status", "documents", "ready")} == {
        "status": "ok",
        "documents": len(CORPUS),
        "ready": True,
    }
    # the generation and commit answering: what a rolling reindex is watched by
    assert isinstance(health["generation"], str) and health["generation"]
    assert isinstance(health["commit"], int)


def test_healthz_answers_200_before_anything_is_ingested(empty_client: FlaskClient) -> None:
    response = empty_client.get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "documents": 0,
        "ready": False,
        "generation": None,
        "commit": None,
    }


@pytest.mark.parametrize(
    "path",
    [
        "/api/search",
        "/api/search?q=nato",
        "/api/documents/abc",
        "/api/facets/person",
        "/api/entity/person/Mark Rutte",
    ],
)
def test_api_answers_503_json_before_anything_is_ingested(
    empty_client: FlaskClient, path: str
) -> None:
    response = empty_client.get(path)

    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["code"] == "index_unavailable"
    assert "docsift ingest" in error["message"]

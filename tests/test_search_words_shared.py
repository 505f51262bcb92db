"""Every word is searchable, on the BBC corpus (../shared/data/bbc_news; skipped when absent).

The counts are checked against the texts themselves: the JSON Lines records are tokenised here
and every record holding the word (or phrase) must come back, and nothing else.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from conftest import shared_path

from indexer.cli import main
from search.analysis import NewsAnalyzer
from search.service import SearchService
from search.settings import Settings

pytestmark = [pytest.mark.slow, pytest.mark.shared, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def bbc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SearchService, list[dict]]]:
    corpus = shared_path("data", "bbc_news", "bbc.jsonl")
    home = tmp_path_factory.mktemp("bbc") / "home"
    assert main(["--home", str(home), "--quiet", "ingest", "--no-entities", str(corpus)]) == 0
    with corpus.open(encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh if line.strip()]
    yield SearchService.from_settings(Settings(home=home)), records


def _found(service: SearchService, q: str) -> set[str]:
    """Every document id a query finds, every version listed."""
    found: set[str] = set()
    page = 1
    while True:
        request = service.parse({"q": q, "versions": "all", "per_page": "100", "page": str(page)})
        response = service.search(request)
        found.update(hit.doc_id for hit in response.hits)
        if page >= response.pages:
            return found
        page += 1


def _words(text: str) -> list[str]:
    return [t.text for t in NewsAnalyzer()(text)]


def _has_sequence(words: list[str], wanted: list[str]) -> bool:
    n = len(wanted)
    return any(words[i : i + n] == wanted for i in range(len(words) - n + 1))


def test_us_finds_every_story_with_the_word(bbc: tuple[SearchService, list[dict]]) -> None:
    service, records = bbc
    found = _found(service, "US")
    # the index folds case, so "US" is the word "us" in any case ("us" the pronoun too)
    with_word = {r["id"] for r in records if "us" in _words(r["title"] + "\n" + r["body"])}
    capital = {r["id"] for r in records if re.search(r"\bUS\b", r["title"] + "\n" + r["body"])}
    assert len(capital) > 300  # hundreds of BBC stories say "US"
    assert capital <= found
    assert found == with_word
    assert service.search(service.parse({"q": "US", "versions": "all"})).total == len(with_word)


def test_the_who_finds_only_stories_with_that_phrase(
    bbc: tuple[SearchService, list[dict]],
) -> None:
    service, records = bbc
    found = _found(service, '"The Who"')
    expected = {
        r["id"]
        for r in records
        if _has_sequence(_words(r["title"]), ["the", "who"])
        or _has_sequence(_words(r["body"]), ["the", "who"])
    }
    assert expected and found == expected
    assert len(found) < 100  # not the thousand stories that say "the" or "who"


def test_a_capitalised_function_word_is_required(bbc: tuple[SearchService, list[dict]]) -> None:
    service, _ = bbc
    economy = _found(service, "economy")
    us_economy = _found(service, "US economy")
    assert us_economy and us_economy < economy
    assert _found(service, '"US economy"') < us_economy


def test_to_be_or_not_to_be_is_a_phrase_of_its_own(bbc: tuple[SearchService, list[dict]]) -> None:
    service, records = bbc
    found = _found(service, '"to be or not to be"')
    expected = {
        r["id"]
        for r in records
        if _has_sequence(_words(r["title"] + " . " + r["body"]), "to be or not to be".split())
    }
    assert found == expected


def test_a_typo_suggests_and_shows_the_correction(bbc: tuple[SearchService, list[dict]]) -> None:
    service, _ = bbc
    response = service.search(service.parse({"q": "elction"}))
    election = service.search(service.parse({"q": "election"}))
    assert response.suggestion == "election" and response.corrected_from == "elction"
    assert response.request.q == "election"
    assert response.total == election.total > 100
    assert [h.doc_id for h in response.hits] == [h.doc_id for h in election.hits]
    as_typed = service.search(service.parse({"q": "elction", "exact": "1"}))
    assert as_typed.total == 0 and as_typed.suggestion is None
    # a rare misspelling with results: suggested, not replaced
    rare = service.search(service.parse({"q": "goverment"}))
    assert rare.suggestion == "government" and rare.corrected_from is None
    assert rare.request.q == "goverment"


def test_did_you_mean_is_one_click_in_html_and_in_json(
    bbc: tuple[SearchService, list[dict]],
) -> None:
    service, _ = bbc
    from web import create_app

    client = create_app(service.settings, service).test_client()
    page = client.get("/search?q=goverment").get_data(as_text=True)
    assert "Did you mean" in page and re.search(
        r'class="suggestion" href="[^"]*\?q=government"', page
    )
    corrected = client.get("/search?q=elction").get_data(as_text=True)
    assert "No results for “elction”; showing results for" in corrected
    assert "q=elction&amp;exact=1" in corrected  # the words as typed, one click away
    data = client.get("/api/search?q=elction").get_json()
    assert (data["suggestion"], data["corrected_from"], data["query"]["q"]) == (
        "election",
        "elction",
        "election",
    )

"""Entities end to end with the real spaCy model: names merged, junk kept out, dates resolved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import shared_path

from indexer.cli import main
from search.service import SearchService
from search.settings import Settings

STORIES = {
    "kyiv-1.txt": (
        "Zelenskiy asks allies for air defence\n\n"
        "By Anna Writer | 3 December 2024\n\n"
        "Ukrainian president Volodymyr Zelenskiy asked Nato allies for more air defence "
        "systems on Tuesday. Mr Zelenskiy said the North Atlantic Treaty Organization (NATO) "
        "had to act before winter. Mark Rutte, the alliance's secretary general, agreed.\n\n"
        "Mr Rutte said the allies would meet again in January."
    ),
    "kyiv-2.txt": (
        "Rutte promises more aid\n\n"
        "By Ben Writer | 4 December 2024\n\n"
        "Nato secretary general Mark Rutte promised more aid to Kyiv. Volodymyr Zelensky "
        "welcomed the promise. Rutte spoke in Brussels, where NATO ministers met."
    ),
    "kyiv-3.txt": (
        "Ministers meet in Brussels\n\n"
        "By Anna Writer | 10 December 2024\n\n"
        "Foreign ministers met in Brussels last week. Volodymyr Zelenskyy joined by video "
        "link. Andrii Sybiha, Ukraine's foreign minister, said Nato must decide soon."
    ),
}


@pytest.fixture(scope="module")
def stories_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("stories")
    for name, text in STORIES.items():
        (folder / name).write_text(text, encoding="utf-8")
    home = tmp_path_factory.mktemp("home")
    assert main(["--home", str(home), "--quiet", "ingest", str(folder)]) == 0
    return home


def facet(service: SearchService, name: str, **params: str) -> dict[str, int]:
    response = service.search(service.parse(params))
    found = response.facet(name)
    assert found is not None
    return {v.value: v.count for v in found.values}


def test_spelling_variants_merge_under_one_full_name(stories_home: Path) -> None:
    service = SearchService.from_settings(Settings(home=stories_home))
    people = facet(service, "person")
    assert people["Volodymyr Zelenskiy"] == 3
    assert not {"Volodymyr Zelensky", "Volodymyr Zelenskyy", "Zelenskiy"} & set(people)
    assert people["Mark Rutte"] == 2 and "Rutte" not in people
    assert set(service.variants("person", "Volodymyr Zelenskiy")) == {
        "Volodymyr Zelensky",
        "Volodymyr Zelenskyy",
    }


def test_acronym_case_variants_and_long_form_merge(stories_home: Path) -> None:
    service = SearchService.from_settings(Settings(home=stories_home))
    orgs = facet(service, "org")
    assert orgs.get("NATO") == 3
    assert "Nato" not in orgs and "North Atlantic Treaty Organization" not in orgs


def test_no_bylines_days_or_places_among_people(stories_home: Path) -> None:
    service = SearchService.from_settings(Settings(home=stories_home))
    people = set(facet(service, "person"))
    assert not people & {"Anna Writer", "Ben Writer", "Tuesday", "Kyiv", "Brussels"}
    assert facet(service, "place").get("Brussels") == 2


def test_filtering_by_a_merged_name_finds_every_spelling(stories_home: Path) -> None:
    service = SearchService.from_settings(Settings(home=stories_home))
    response = service.search(service.parse({"person": "Volodymyr Zelenskiy"}))
    assert response.total == 3
    assert all("Volodymyr Zelenskiy" in hit.people for hit in response.hits)


def test_relative_dates_resolve_against_the_publication_date(stories_home: Path) -> None:
    service = SearchService.from_settings(Settings(home=stories_home))
    hit = service.search(service.parse({"q": "winter"})).hits[0]
    document = service.get(hit.doc_id)
    assert str(document.published) == "2024-12-03"
    dates = {m.text: m.value for m in document.mentions if m.label == "date"}
    assert dates["Tuesday"] == "2024-12-03"  # published on a Tuesday: that day
    assert dates["January"] == "2025-01"


def test_mentions_keep_offsets_and_canonical_values(stories_home: Path) -> None:
    service = SearchService.from_settings(Settings(home=stories_home))
    hit = service.search(service.parse({"q": "winter"})).hits[0]
    document = service.get(hit.doc_id)
    rutte = [m for m in document.mentions if m.value == "Mark Rutte"]
    assert {m.text for m in rutte} >= {"Mark Rutte", "Rutte"}
    for mention in document.mentions:
        source = document.title if mention.field == "title" else document.body
        assert source[mention.start : mention.end] == mention.text


def test_manual_merge_and_split_win_and_survive_reindex(
    stories_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--home", str(stories_home)]
    assert main([*args, "aliases", "split", "Volodymyr Zelenskyy"]) == 0
    assert main([*args, "aliases", "merge", "Brussels", "Bruxelles", "--label", "place"]) == 0
    assert main([*args, "reindex"]) == 0
    capsys.readouterr()
    assert main([*args, "aliases", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {"label": "person", "variant": "Volodymyr Zelenskyy"} in listed["splits"]
    service = SearchService.from_settings(Settings(home=stories_home))
    people = facet(service, "person")
    assert people["Volodymyr Zelenskyy"] == 1 and people["Volodymyr Zelenskiy"] == 2
    places = facet(service, "place")
    assert places["Bruxelles"] == 2 and "Brussels" not in places
    # undo, so the module's other tests see the automatic decisions
    assert main([*args, "aliases", "merge", "Volodymyr Zelenskyy", "Volodymyr Zelenskiy"]) == 0
    assert main([*args, "aliases", "merge", "Bruxelles", "Brussels", "--label", "place"]) == 0


def test_seed_articles_list_each_person_once_under_a_full_name(settings: Settings) -> None:
    seeds = shared_path("seeds")
    assert main(["--home", str(settings.home), "--quiet", "ingest", str(seeds)]) == 0
    service = SearchService.from_settings(settings)
    people = facet(service, "person")
    # read both seeds: these people are named; the original alone names Trump and Sybiha,
    # the rewrite alone Peskov and Vilimsky
    assert people == {
        "Mark Rutte": 2,
        "Vladimir Putin": 2,
        "Volodymyr Zelenskiy": 2,
        "Andrii Sybiha": 1,
        "Donald Trump": 1,
        "Dmitry Peskov": 1,
        "Harald Vilimsky": 1,
    }
    orgs = facet(service, "org")
    assert orgs["NATO"] == 2 and "Nato" not in orgs
    # the photographer, the byline and the places are nobody's person facet
    assert not set(people) & {"John Thys", "Daniel McLaughlin", "Kyiv", "Brussels"}
    # Kyiv ("Kyiv said ...") is the capital, not an organisation; the original's "US" and the
    # rewrite's "USA" and "United States" are one place
    places = facet(service, "place")
    assert "Kyiv" in places and "Kyiv" not in orgs
    united_states = {"US", "USA", "United States"} & set(places)
    assert len(united_states) == 1 and places[united_states.pop()] == 2

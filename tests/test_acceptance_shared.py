"""Acceptance checks on the real corpora in ../shared (skipped with a reason when absent)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from conftest import shared_path

from indexer.cli import main
from search.service import SearchService
from search.settings import Settings
from web import create_app


def test_seed_articles_are_both_found_for_rutte_by_cli_and_api(
    capsys: pytest.CaptureFixture[str], settings: Settings
) -> None:
    seeds = shared_path("seeds")
    assert main(["--home", str(settings.home), "ingest", str(seeds)]) == 0
    capsys.readouterr()
    assert main(["--home", str(settings.home), "search", "Rutte", "--json"]) == 0
    # the second seed is a rewrite of the first: one story, both versions found
    hits = json.loads(capsys.readouterr().out)["hits"]
    cli_ids = {doc_id for hit in hits for doc_id in hit["version_ids"]}
    assert len(cli_ids) == 2 and len(hits) == 1 and hits[0]["versions"] == 2
    client = create_app(settings, SearchService.from_settings(settings)).test_client()
    api_hits = client.get("/api/search?q=Rutte&versions=all").get_json()["hits"]
    assert {hit["id"] for hit in api_hits} == cli_ids


@pytest.mark.slow
def test_every_bbc_file_ingests_and_the_latin1_pound_sign_decodes(settings: Settings) -> None:
    raw = shared_path("data", "bbc_news", "raw")
    # this checks decoding; entities on this corpus are measured by bench/ingest.py
    assert main(["--home", str(settings.home), "--quiet", "ingest", "--no-entities", str(raw)]) == 0
    service = SearchService.from_settings(settings)
    stats = service.stats()
    files = [p for p in Path(raw).rglob("*") if p.is_file()]
    assert stats.documents == len(files)  # 2,225 articles + the set's README
    lone = next(p for p in files if p.parts[-2:] == ("sport", "199.txt"))
    # the file's one Latin-1 byte, 0xA3, is a pound sign: the sentence holding it must read
    # the same in the stored text (a wrong decoding turns it into another character or U+FFFD)
    sentence = next(
        " ".join(line.split())
        for line in lone.read_bytes().decode("cp1252").splitlines()
        if "£" in line
    )
    with sqlite3.connect(settings.db_path) as db:
        bodies = [
            row[0]
            for row in db.execute("SELECT body FROM documents WHERE source = ?", (str(lone),))
        ]
    assert len(bodies) == 1, f"{lone} is not stored once"
    assert "\ufffd" not in bodies[0]
    assert sentence in " ".join(bodies[0].split())


@pytest.mark.slow
@pytest.mark.shared
@pytest.mark.timeout(900)
def test_bbc_politics_facets_have_no_parties_or_teams_as_people(
    settings: Settings, tmp_path: Path
) -> None:
    raw = shared_path("data", "bbc_news", "raw", "bbc")
    # the politics folder, and the sport stories about Manchester United (copied, so one
    # ingest sees both): parties, teams and countries as a user browses them
    corpus = tmp_path / "bbc"
    for path in sorted((raw / "politics").glob("*.txt")):
        (corpus / "politics").mkdir(parents=True, exist_ok=True)
        (corpus / "politics" / path.name).write_bytes(path.read_bytes())
    team = [
        p for p in sorted((raw / "sport").glob("*.txt")) if b"Manchester United" in p.read_bytes()
    ]
    for path in team[:40]:
        (corpus / "sport").mkdir(parents=True, exist_ok=True)
        (corpus / "sport" / path.name).write_bytes(path.read_bytes())
    assert main(["--home", str(settings.home), "--quiet", "ingest", str(corpus)]) == 0
    service = SearchService.from_settings(settings)
    request = service.parse({})

    def top(name: str, n: int = 50) -> dict[str, int]:
        return {v.value: v.count for v in service.facet_values(name, request, n).values}

    people, orgs, places = top("person"), top("org", 1000), top("place", 1000)
    assert not {"Lib Dems", "Lib Dem", "Manchester United", "Labour", "Tories"} & set(people)
    assert "US" in places or "United States" in places  # a bare "US" is kept, as a place
    assert len({"UK", "Britain", "United Kingdom"} & set(places)) == 1
    assert "Labour" in orgs and "Labour Party" not in orgs
    assert "New Labour" not in places  # the party's era, written as its organisation
    # a programme ("BBC One's Breakfast with Frost") and an award the model calls places stay
    # out of what a user sees first
    assert not {"Breakfast", "Bafta"} & set(top("place"))

"""Acceptance checks on the real corpora in ../shared (skipped with a reason when absent)."""

from __future__ import annotations

import json
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
    assert stats["documents"] == len(files)  # 2,225 articles + the set's README
    lone = next(p for p in files if p.parts[-2:] == ("sport", "199.txt"))
    body = lone.read_bytes().decode("cp1252")
    hits = service.search(service.parse({"q": f'source:"{lone}"'})).hits
    document = service.get(hits[0].doc_id) if hits else None
    assert document is not None
    assert "\ufffd" not in document.body and "£" in document.body
    assert "£" in body

"""Names in any merged spelling, on the seed articles (../shared/seeds; skipped when absent)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from conftest import shared_path

from indexer.cli import main
from search.service import SearchService
from search.settings import Settings
from web import create_app

pytestmark = [pytest.mark.shared, pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    folder = shared_path("seeds")
    home = tmp_path_factory.mktemp("seeds") / "home"
    assert main(["--home", str(home), "--quiet", "ingest", str(folder)]) == 0
    yield Settings(home=home)


def _texts() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in shared_path("seeds").glob("*.txt")}


def test_zelensky_finds_both_seed_versions_as_one_story(seeds: Settings) -> None:
    texts = _texts()
    # one seed spells him Zelensky, the other Zelenskiy: the word alone is in one of them
    assert sum("Zelensky " in t or "Zelensky," in t for t in texts.values()) == 1
    client = create_app(seeds, SearchService.from_settings(seeds)).test_client()
    data = client.get("/api/search?q=Zelensky").get_json()
    assert data["total"] == 2 and data["stories"] == 1
    assert len(data["hits"]) == 1 and data["hits"][0]["versions"] == 2
    assert "Zelenskiy" in data["also_searching"]
    exact = client.get("/api/search?q=Zelensky&exact=1").get_json()
    assert exact["total"] == 1 and exact["also_searching"] == []
    page = client.get("/search?q=Zelensky").get_data(as_text=True)
    assert "Also searching Zelenskiy" in page
    assert "exact=1" in page  # one click searches the spelling typed only
    assert "1 story (2 documents)" in page


@pytest.mark.parametrize(
    "q", ["person:Rutte", 'person:"Volodymyr Zelensky"', "person:Zelenskiy", '"Volodymyr Zelensky"']
)
def test_field_and_phrase_queries_take_any_variant(seeds: Settings, q: str) -> None:
    service = SearchService.from_settings(seeds)
    response = service.search(service.parse({"q": q, "versions": "all"}))
    assert response.total == 2, (q, response.total)


def test_one_search_parses_its_text_once_and_widens_names_once(
    seeds: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lane check, the matching, the facet counts and "also searching" share one parse
    (search.prepared): a name query and a wildcard query each parse once and widen once."""
    import search.prepared as prepared
    import search.query_text as query_text

    calls = {"parse": 0, "widen": 0}
    parse, widen = query_text.to_whoosh, prepared.expand_names

    def counting_parse(*args: Any, **kwargs: Any) -> Any:
        calls["parse"] += 1
        return parse(*args, **kwargs)

    def counting_widen(*args: Any, **kwargs: Any) -> Any:
        calls["widen"] += 1
        return widen(*args, **kwargs)

    monkeypatch.setattr(query_text, "to_whoosh", counting_parse)
    monkeypatch.setattr(prepared, "expand_names", counting_widen)
    client = create_app(seeds, SearchService.from_settings(seeds)).test_client()
    for q in ("Zelensky", "Zelensk*", "Zelensky ceasefire talks in Kyiv with the president"):
        calls.update(parse=0, widen=0)
        data = client.get("/api/search", query_string={"q": q, "per_page": 3}).get_json()
        assert data["total"] >= 1, q
        assert calls == {"parse": 1, "widen": 1}, q
    assert "Zelenskiy" in data["also_searching"]

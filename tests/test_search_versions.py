"""Versions of a story over a small real index: collapsing, counts, paging, versions, related."""

from __future__ import annotations

from pathlib import Path

import pytest
from storyfixtures import RELATED_TITLE, build_home, ingest, write_related_story

from search.errors import DocumentNotFound, QueryError
from search.service import SearchService
from search.settings import Settings


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> SearchService:
    settings: Settings = build_home(tmp_path_factory.mktemp("versions"))
    return SearchService.from_settings(settings)


def _search(service: SearchService, **params: str):  # noqa: ANN202 - SearchResponse
    return service.search(service.parse(params))


def test_collapsed_search_shows_one_hit_per_story(service: SearchService) -> None:
    response = _search(service, q="harbour")
    assert response.total == 9  # documents, as before
    assert response.stories == 6
    assert len(response.hits) == 6
    assert len({hit.story_id for hit in response.hits}) == 6
    by_versions = sorted(hit.versions for hit in response.hits)
    assert by_versions == [1, 1, 1, 1, 2, 3]
    ferry = next(hit for hit in response.hits if hit.versions == 3)
    assert ferry.doc_id in ferry.version_ids and len(ferry.version_ids) == 3
    assert response.to_dict()["stories"] == 6


def test_versions_all_shows_every_document(service: SearchService) -> None:
    response = _search(service, q="harbour", versions="all")
    assert len(response.hits) == 9
    assert response.pages == 1
    assert ("versions", "all") in response.request.to_params()


def test_versions_count_only_matching_members(service: SearchService) -> None:
    # "yesterday" is in two of the three ferry versions (the edit says "on Friday")
    response = _search(service, q="gull AND yesterday")
    assert [hit.versions for hit in response.hits] == [2]


def test_collapsed_paging_walks_every_story_once(service: SearchService) -> None:
    seen: list[str] = []
    first = _search(service, per_page="4")
    assert first.pages == 2  # 6 stories, not 9 documents
    for page in (1, 2):
        response = _search(service, per_page="4", page=str(page))
        seen.extend(hit.story_id for hit in response.hits)
    assert len(seen) == 6 and len(set(seen)) == 6
    assert _search(service, per_page="4", page="3").hits == ()


def test_facet_counts_stay_per_document(service: SearchService) -> None:
    response = _search(service, q="harbour")
    published = response.facet("published")
    assert published is not None
    assert sum(v.count for v in published.values) <= response.total


def test_bad_versions_value_is_a_query_error(service: SearchService) -> None:
    with pytest.raises(QueryError):
        service.parse({"versions": "some"})


def test_versions_of_a_document_with_reasons(service: SearchService) -> None:
    ferry = next(h for h in _search(service, q="harbour").hits if h.versions == 3)
    others = service.versions(ferry.doc_id)
    assert len(others) == 2
    assert ferry.doc_id not in {link.doc_id for link in others}
    assert all(link.reason.startswith(("near-duplicate", "exact duplicate")) for link in others)
    single = next(h for h in _search(service, q="regatta").hits)
    assert service.versions(single.doc_id) == ()
    with pytest.raises(DocumentNotFound):
        service.versions("no-such-id")


def test_related_excludes_own_story_and_gives_reasons(tmp_path: Path) -> None:
    settings = build_home(tmp_path)
    ingest(settings, write_related_story(tmp_path / "more"))
    service = SearchService.from_settings(settings)
    ferry = next(h for h in _search(service, q="harbour").hits if h.versions == 3)
    related = service.related(ferry.doc_id, limit=5)
    titles = [link.title for link in related]
    assert 0 < len(related) <= 5
    assert RELATED_TITLE in titles, titles
    assert not set(ferry.version_ids) & {link.doc_id for link in related}
    assert all(link.reason for link in related)


def test_no_story_table_means_nothing_collapses(tmp_path: Path) -> None:
    settings = build_home(tmp_path)
    (settings.index_dir.resolve() / "stories.json").unlink()
    service = SearchService.from_settings(settings)
    response = _search(service, q="harbour")
    assert len(response.hits) == 9 and response.stories == 9

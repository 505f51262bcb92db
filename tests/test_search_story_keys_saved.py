"""Story keys saved with a generation's facet arrays (search/story_keys.py): a server maps the
ones ingest left instead of reading every segment's id postings, gets the same keys and the
same collapsed page, and builds them as before for an older home without them or after the
story table changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
from storyfixtures import build_home

from search.generation_arrays import PREFIX
from search.service import SearchService
from search.story_keys import STORY_META, StoryKeys, read_story_keys


def _keys(service: SearchService) -> tuple[StoryKeys, StoryKeys]:
    """(the keys the server uses, the keys built from the index now)."""
    backend = service.backend
    with backend.searcher() as searcher:  # type: ignore[attr-defined]
        used = backend._keys(searcher)  # type: ignore[attr-defined]
        built = read_story_keys(searcher.reader(), service.tables.stories())
    return used, built


def _page(service: SearchService) -> list[tuple[str, tuple[str, ...]]]:
    response = service.search(service.parse({"q": "harbour"}))
    return [(h.story_id, h.version_ids) for h in response.hits]


def test_saved_story_keys_are_mapped_and_equal_the_built_ones(tmp_path: Path) -> None:
    settings = build_home(tmp_path)
    target = settings.index_dir.resolve()
    (saved,) = target.glob(f"{PREFIX}*")
    assert (saved / STORY_META).exists()
    service = SearchService.from_settings(settings)
    used, built = _keys(service)
    assert len(built.docnums) >= 5  # the fixture has stories with several versions
    assert isinstance(used.keys.base, np.memmap)  # mapped from disk, not rebuilt
    assert np.array_equal(used.keys, built.keys)
    assert dict(used.docnums) == dict(built.docnums)
    mapped_page = _page(service)
    assert sorted(len(v) for _, v in mapped_page) == [1, 1, 1, 1, 2, 3]

    # an older home: arrays without story keys, and no arrays at all -> built, same page
    for damage in ("story keys", "directory"):
        if damage == "story keys":
            (saved / STORY_META).unlink()
        else:
            shutil.rmtree(saved)
        old = SearchService.from_settings(settings)
        used, built = _keys(old)
        assert not isinstance(used.keys.base, np.memmap)
        assert np.array_equal(used.keys, built.keys)
        assert _page(old) == mapped_page


def test_keys_saved_under_another_story_table_are_not_used(tmp_path: Path) -> None:
    settings = build_home(tmp_path)
    target = settings.index_dir.resolve()
    stories = target / "stories.json"
    grouped = stories.read_text(encoding="utf-8")
    stories.write_text('{"format": 2, "stories": {}}', encoding="utf-8")  # nothing grouped
    service = SearchService.from_settings(settings)
    used, built = _keys(service)
    assert not isinstance(used.keys.base, np.memmap)
    assert np.array_equal(used.keys, np.arange(len(used.keys)))  # each document its own story
    assert sorted(len(v) for _, v in _page(service)) == [1] * 9
    stories.write_text(grouped, encoding="utf-8")  # the table they were made under: mapped
    used, built = _keys(SearchService.from_settings(settings))
    assert isinstance(used.keys.base, np.memmap)
    assert np.array_equal(used.keys, built.keys)

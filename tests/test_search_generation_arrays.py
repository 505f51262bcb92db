"""Facet arrays written beside an index generation (search/generation_arrays.py): ingest and
reindex leave them, a server process maps them instead of rebuilding, and they are used only
for the commit and name table they were made for."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from indexer.cli import main
from search.documents import Document
from search.facet_arrays import build_facet_index
from search.generation_arrays import PREFIX, load_facet_index, names_stamp
from search.index import write_documents
from search.query import parse_request
from search.schema import FACET_FIELDS, MENTIONED_FIELD
from search.service import SearchService
from search.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def _saved(target: Path) -> list[Path]:
    return sorted(target.glob(f"{PREFIX}*"))


def test_ingest_and_reindex_leave_arrays_that_servers_map_with_the_same_counts(
    home: Path,
) -> None:
    assert main(["--home", str(home), "ingest", str(ROOT / "samples" / "news")]) == 0
    settings = Settings(home=home)
    target = settings.index_dir.resolve()
    assert len(_saved(target)) == 1  # one commit's arrays, complete (no .tmp left)
    assert not list(target.glob(".*.tmp"))

    service = SearchService.from_settings(settings)
    with service.backend.searcher() as searcher:  # type: ignore[attr-defined]
        mapped = service.backend.facet_index(searcher)  # type: ignore[attr-defined]
        built = build_facet_index(
            searcher.reader(), FACET_FIELDS, MENTIONED_FIELD, service.tables.names()
        )
    assert isinstance(mapped.live.base, np.memmap)  # mapped from disk, not rebuilt
    assert not mapped.live.flags.writeable
    assert mapped.doc_count == built.doc_count
    for name, arrays in built.fields.items():
        assert mapped.fields[name].values == arrays.values
        assert np.array_equal(mapped.fields[name].value_docs, arrays.value_docs)
    browse = service.search(parse_request({"q": "strike"}))
    fresh = SearchService.from_settings(settings)
    fresh.backend.facet_index = lambda s: build_facet_index(  # type: ignore[method-assign]
        s.reader(), FACET_FIELDS, MENTIONED_FIELD, fresh.tables.names()
    )
    rebuilt = fresh.search(parse_request({"q": "strike"}))
    assert [f.values for f in browse.facets] == [f.values for f in rebuilt.facets]

    assert main(["--home", str(home), "reindex"]) == 0
    new_target = settings.index_dir.resolve()
    assert new_target != target and len(_saved(new_target)) == 1


def test_arrays_of_another_commit_or_name_table_are_not_used(home: Path) -> None:
    assert main(["--home", str(home), "ingest", str(ROOT / "samples" / "news")]) == 0
    settings = Settings(home=home)
    target = settings.index_dir.resolve()
    saved = _saved(target)[0]
    commit = int(saved.name[len(PREFIX) :].split("-")[0])
    stamp = names_stamp(target)
    assert load_facet_index(target, commit, stamp) is not None
    assert load_facet_index(target, commit + 1, stamp) is None
    assert load_facet_index(target, commit, "another-table") is None
    (saved / "meta.json").write_text("{broken")  # a damaged copy: built instead, no error
    assert load_facet_index(target, commit, stamp) is None

    # a later commit without new arrays: counts come from the index, and include it
    write_documents(
        settings.index_dir,
        [Document(doc_id="late", title="Late strike news", body="The strike goes on.")],
    )
    service = SearchService.from_settings(settings)
    assert service.search(parse_request({"q": "strike", "per_page": "50"})).total >= 4
    with service.backend.searcher() as searcher:  # type: ignore[attr-defined]
        counted = service.backend.facet_index(searcher)  # type: ignore[attr-defined]
        assert not isinstance(counted.live.base, np.memmap)
        assert counted.doc_count == searcher.reader().doc_count_all()

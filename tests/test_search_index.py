"""The on-disk index: generations, atomic rebuild, schema checks, translated Whoosh errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from whoosh.query import Every

from search.documents import Document
from search.errors import IndexBusy, IndexMissing, IndexSchemaMismatch
from search.index import ensure_index, index_writer, open_index, rebuild_index, write_documents
from search.query import parse_request
from search.service import SearchService


def docs(prefix: str, n: int) -> list[Document]:
    return [
        Document(
            doc_id=f"{prefix}{i}",
            title=f"{prefix} story {i}",
            body=f"The harbour council met about the {prefix} plan number {i}.",
        )
        for i in range(n)
    ]


def test_open_missing_index_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(IndexMissing, match="docsift ingest"):
        open_index(tmp_path / "index")


def test_update_replaces_documents_with_the_same_id(tmp_path: Path) -> None:
    link = tmp_path / "index"
    write_documents(link, docs("a", 3))
    write_documents(link, [Document(doc_id="a1", title="replaced", body="new text")])
    with open_index(link).searcher() as searcher:
        assert searcher.doc_count() == 3
        assert searcher.document(doc_id="a1")["title"] == "replaced"


def test_rebuild_swaps_atomically_and_open_searchers_keep_answering(tmp_path: Path) -> None:
    link = tmp_path / "index"
    write_documents(link, docs("old", 5))
    service = SearchService(link)
    before = open_index(link).searcher()
    rebuild_index(link, docs("new", 7))
    # a searcher opened before the swap still reads the old generation
    assert before.doc_count() == 5
    assert len(before.search(Every())) == 5
    before.close()
    response = service.search(parse_request({"q": "harbour"}))
    assert response.total == 7
    assert {h.doc_id[:3] for h in response.hits} == {"new"}
    assert link.is_symlink()


def test_rebuild_keeps_only_two_generations(tmp_path: Path) -> None:
    link = tmp_path / "index"
    for n in range(4):
        rebuild_index(link, docs(f"g{n}", 2))
    generations = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("index-"))
    assert generations == ["index-3", "index-4"]
    assert link.resolve().name == "index-4"


def test_schema_version_mismatch_asks_for_reindex(tmp_path: Path) -> None:
    link = tmp_path / "index"
    write_documents(link, docs("a", 1))
    (link / "docsift-index.json").write_text(json.dumps({"schema_version": 0}))
    with pytest.raises(IndexSchemaMismatch, match="docsift reindex"):
        open_index(link)


def test_held_write_lock_raises_index_busy(tmp_path: Path) -> None:
    link = tmp_path / "index"
    ix = ensure_index(link)
    with index_writer(ix):
        with pytest.raises(IndexBusy, match="another docsift process"):
            with index_writer(open_index(link), timeout_s=0.2):
                pass

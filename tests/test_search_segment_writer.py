"""The length-caching writer builds the same index as Whoosh's own: same lengths, same scores."""

from __future__ import annotations

from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.externalsort import SortingPool
from whoosh.qparser import QueryParser
from whoosh.writing import SegmentWriter

from search.documents import Document
from search.index import _create_in
from search.segment_writer import LengthCachingWriter

WORDS = "harbour ferry council strike union court budget storm quay mayor vote".split()


def _documents() -> list[Document]:
    # bodies of different lengths, so BM25's length normalisation tells them apart
    return [
        Document(
            doc_id=f"d{n:03}",
            title=f"{WORDS[n % len(WORDS)]} report {n}",
            body=" ".join(WORDS[(n * k) % len(WORDS)] for k in range(5 + 7 * n)),
            source=f"/corpus/{n}.txt",
        )
        for n in range(60)
    ]


def _build(tmp_path: Path, writer_class: type[SegmentWriter], limitmb: float) -> Path:
    folder = tmp_path / f"{writer_class.__name__}-{limitmb}"
    folder.mkdir()
    ix = _create_in(folder)
    writer = writer_class(ix, limitmb=limitmb)
    for doc in _documents():
        writer.add_document(**doc.to_fields())
    writer.commit()
    ix.close()
    return folder


def _lengths_and_scores(folder: Path) -> tuple[dict, list]:
    ix = whoosh_index.open_dir(str(folder))
    with ix.searcher() as searcher:
        lengths = {
            (docnum, field): searcher.doc_field_length(docnum, field)
            for docnum in range(searcher.doc_count_all())
            for field in ("title", "body")
        }
        query = QueryParser("body", ix.schema).parse("harbour OR strike OR court")
        # the lengths the writer asked for go into each posting block's statistics, which
        # Whoosh's top-k search uses to skip blocks
        for term in searcher.lexicon("body"):
            matcher = searcher.postings("body", term)
            lengths[("block", term)] = (matcher.block_min_length(), matcher.block_max_length())
        scores = [
            (hit["doc_id"], round(hit.score, 9)) for hit in searcher.search(query, limit=None)
        ]
    ix.close()
    return lengths, scores


def test_same_lengths_and_scores_as_whoosh(tmp_path: Path) -> None:
    ours = _lengths_and_scores(_build(tmp_path, LengthCachingWriter, 512))
    theirs = _lengths_and_scores(_build(tmp_path, SegmentWriter, 512))
    assert ours == theirs
    lengths, scores = ours
    assert len(set(lengths.values())) > 10 and len(scores) > 20  # lengths really differ


def test_same_index_when_the_pool_spills_runs_to_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 50 KB limit makes the writer sort postings in several runs and merge them."""
    runs: list[int] = []
    write_run = SortingPool._write_run
    monkeypatch.setattr(
        SortingPool,
        "_write_run",
        lambda pool, f, items: runs.append(1) or write_run(pool, f, items),
    )
    spilled = _lengths_and_scores(_build(tmp_path, LengthCachingWriter, 0.05))
    assert len(runs) > 2
    assert spilled == _lengths_and_scores(_build(tmp_path, SegmentWriter, 512))

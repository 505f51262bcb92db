"""Segment merging (search.merge_policy) on a real Whoosh index: an index written in many commits
keeps few segments, finds every document, and a small commit leaves the big segments alone."""

from __future__ import annotations

from pathlib import Path

from whoosh.query import Term

from search.documents import Document
from search.index import ensure_index, open_index, write_documents
from search.merge_policy import FACTOR, MAX_SEGMENTS


def batch(start: int, n: int) -> list[Document]:
    return [
        Document(
            doc_id=f"d{i}",
            title=f"Harbour story {i}",
            body=f"The harbour council met about plan number {i}.",
        )
        for i in range(start, start + n)
    ]


def segments(link: Path) -> dict[str, int]:
    """Segment id -> live documents."""
    return {s.segment_id(): s.doc_count() for s in open_index(link)._segments()}


def test_many_small_commits_stay_within_the_segment_bound_and_lose_nothing(
    tmp_path: Path,
) -> None:
    link = tmp_path / "index"
    ensure_index(link)
    seen = []
    for n in range(40):  # one ingest of a few documents after another
        write_documents(link, batch(n * 3, 3))
        seen.append(len(segments(link)))
    assert max(seen) <= MAX_SEGMENTS
    assert sum(segments(link).values()) == 120
    with open_index(link).searcher() as searcher:
        found = searcher.search(Term("doc_id", "d117"))
        assert [hit["title"] for hit in found] == ["Harbour story 117"]
        assert {fields["doc_id"] for fields in searcher.all_stored_fields()} == {
            f"d{i}" for i in range(120)
        }


def test_a_small_commit_does_not_rewrite_the_large_segments(tmp_path: Path) -> None:
    link = tmp_path / "index"
    ensure_index(link)
    for n in range(FACTOR - 1):  # FACTOR - 1 segments of 50: one tier, not full
        write_documents(link, batch(n * 50, 50))
    before = segments(link)
    assert len(before) == FACTOR - 1
    write_documents(link, batch(10_000, 2))
    after = segments(link)
    # the big segments are the same files; the two new documents made a segment of their own
    assert set(before) <= set(after)
    assert sorted(after.values()) == sorted([*before.values(), 2])


def test_a_full_tier_is_merged_into_one_segment(tmp_path: Path) -> None:
    link = tmp_path / "index"
    ensure_index(link)
    for n in range(FACTOR):
        write_documents(link, batch(n * 20, 20))
    # the FACTOR-th commit found FACTOR - 1 segments of 20 (one tier) plus its own: not yet
    assert len(segments(link)) == FACTOR
    write_documents(link, batch(5_000, 20))  # now the tier is full: merged with the new one
    after = segments(link)
    assert sorted(after.values()) == [20 * (FACTOR + 1)]

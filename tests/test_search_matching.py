"""The numpy matching and BM25F ranking must agree with Whoosh's own, document for document."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length, length_to_byte

from search import feedback, ranking
from search.documents import Document
from search.index import open_index, open_writer, write_documents
from search.matching import (
    field_postings,
    live_docs,
    query_mask,
    scoring_terms,
    top_by_relevance,
)
from search.query import to_whoosh
from search.schema import SEARCH_FIELDS

WORDS = "harbour ferry strike council budget minister talks port union wages storm".split()


def _corpus() -> list[Document]:
    docs = []
    for i in range(240):
        words = [WORDS[(i * k + k) % len(WORDS)] for k in range(1, 2 + i % 7)]
        docs.append(
            Document(
                doc_id=f"d{i}",
                title=" ".join(words[:2]).title(),
                body=" ".join(words * (1 + i % 3)) + f". Item {i}.",
            )
        )
    return docs


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Searcher]:
    link = tmp_path_factory.mktemp("matching") / "index"
    docs = _corpus()
    # three segments and a deletion, as a long ingest leaves them
    for chunk in (docs[:100], docs[100:200], docs[200:]):
        write_documents(link, chunk)
    ix = open_index(link.resolve())
    writer = open_writer(ix)
    writer.delete_by_term("doc_id", "d7")
    writer.commit(merge=False)
    with ix.searcher() as searcher:
        yield searcher


QUERIES = [
    "harbour",
    "ferry strike",
    "harbour OR wages",
    "council NOT budget",
    "storm talks port union wages",  # long: any word
    "title:ferry",
    '"ferry strike"',  # phrase: Whoosh matches it, numpy only combines
    "harb*",
    "minister AND (port OR union)",
]


@pytest.mark.parametrize("q", QUERIES)
def test_the_mask_is_the_set_whoosh_matches(searcher: Searcher, q: str) -> None:
    query = to_whoosh(q, searcher.schema, SEARCH_FIELDS)
    mask = query_mask(searcher, query, searcher.doc_count_all())
    live = {d for d in np.flatnonzero(mask) if not searcher.reader().is_deleted(int(d))}
    assert live == set(searcher.docs_for_query(query))
    assert live  # every query above matches something


# queries Whoosh scores itself (phrases, wildcards): numpy must not change their ranking
WHOOSH_SCORED = ['"ferry strike"', "harb*"]


@pytest.mark.parametrize("q", WHOOSH_SCORED)
def test_the_ranking_and_scores_are_whooshs(
    searcher: Searcher, q: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    query = to_whoosh(q, searcher.schema, SEARCH_FIELDS)
    ours = top_by_relevance(searcher, query, need=15, allowed=None, keys=None)
    every = searcher.search(query, limit=None, optimize=False)
    theirs = [(docnum, score) for score, docnum in every.top_n[:15]]
    assert [round(s, 9) for _, s in ours] == [round(s, 9) for _, s in theirs]
    # equal scores may come in either order; above the last score the sets must agree
    cut = theirs[-1][1] + 1e-9
    assert {d for d, s in ours if s > cut} == {d for d, s in theirs if s > cut}


def _reference_bm25f(searcher: Searcher, words: list[str], docnum: int) -> float:
    """BM25F proper written out from the stored texts (independent of search.matching):
    per word, headline and body counts over their length normalisations, the headline's
    counting TITLE_WEIGHT, saturated once with FIELDS_K1, times the RSJ IDF of the documents
    holding the word in either field (deleted ones included, as the index counts them)."""
    reader = searcher.reader()
    analyzer = searcher.schema["body"].analyzer
    texts = {}
    for d in range(reader.doc_count_all()):
        stored = reader.stored_fields(d)
        texts[d] = {f: [t.text for t in analyzer(stored.get(f) or "")] for f in SEARCH_FIELDS}
    # Whoosh's average: every stored length over the live documents
    average = {
        f: sum(len(t[f]) for t in texts.values()) / reader.doc_count() for f in SEARCH_FIELDS
    }
    score = 0.0
    for word in words:
        holding = sum(1 for t in texts.values() if any(word in t[f] for f in SEARCH_FIELDS))
        if not holding:
            continue
        n = len(texts)
        idf = math.log(1 + (n - holding + 0.5) / (holding + 0.5))
        count = 0.0
        for field in SEARCH_FIELDS:
            tokens = texts[docnum][field]
            length = byte_to_length(length_to_byte(len(tokens)))  # as the index stores it
            norm = (1 - ranking.B) + ranking.B * length / average[field]
            weight = ranking.TITLE_WEIGHT if field == "title" else 1.0
            count += weight * tokens.count(word) / norm
        k1 = ranking.FIELDS_K1
        score += idf * count * (k1 + 1) / (count + k1)
    return score


@pytest.mark.parametrize(
    "q", ["harbour", "ferry strike", "storm talks port union wages", "minister AND wages"]
)
def test_words_are_scored_by_bm25f_over_headline_and_body(
    searcher: Searcher, q: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(feedback, "MIN_WORDS", 0)  # plain BM25F: no feedback words
    query = to_whoosh(q, searcher.schema, SEARCH_FIELDS)
    ours = top_by_relevance(searcher, query, need=15, allowed=None, keys=None)
    analyzer = searcher.schema["body"].analyzer
    words = [t.text for t in analyzer(q.replace("AND", ""))]
    for docnum, score in ours:
        # within 0.1 %: the index keeps its own running field-length totals
        assert score == pytest.approx(_reference_bm25f(searcher, words, docnum), rel=5e-3)
    reference = sorted((-_reference_bm25f(searcher, words, d), d) for d, _ in ours)
    assert [d for _, d in reference][:3] == [d for d, _ in ours][:3]


def test_term_queries_take_the_numpy_path_and_others_fall_back(searcher: Searcher) -> None:
    schema = searcher.schema
    assert scoring_terms(to_whoosh("council NOT budget", schema, SEARCH_FIELDS)) is not None
    assert scoring_terms(to_whoosh('"ferry strike"', schema, SEARCH_FIELDS)) is None


def test_one_hit_per_story_keeps_each_storys_best_version(searcher: Searcher) -> None:
    query = to_whoosh("harbour", searcher.schema, SEARCH_FIELDS)
    ranked = top_by_relevance(searcher, query, need=50, allowed=None, keys=None)
    keys = np.arange(searcher.doc_count_all())
    best, second = ranked[0][0], ranked[1][0]
    keys[second] = best  # the runner-up is another version of the best
    collapsed = top_by_relevance(searcher, query, need=50, allowed=None, keys=keys)
    assert [d for d, _ in collapsed] == [d for d, _ in ranked if d != second]


def test_deleted_documents_never_rank(searcher: Searcher, tmp_path: Path) -> None:
    deleted = searcher.document_number(doc_id="d7")
    assert deleted is None
    query = to_whoosh("item", searcher.schema, SEARCH_FIELDS)
    ranked = top_by_relevance(searcher, query, need=500, allowed=None, keys=None)
    assert len(ranked) == 239


@pytest.mark.parametrize("field", ["doc_id", "body", "title"])
def test_field_postings_read_segment_by_segment_are_whooshs_postings(
    searcher: Searcher, field: str
) -> None:
    reader = searcher.reader()
    assert len(reader.leaf_readers()) == 3  # the fixture's segments, so offsets are exercised
    live = live_docs(reader, reader.doc_count_all())
    ours: dict[bytes, set[int]] = {}
    for text, ids in field_postings(reader, field):
        ours.setdefault(text, set()).update(int(d) for d in ids if live[d])
    theirs = {text: set(reader.postings(field, text).all_ids()) for text in reader.lexicon(field)}
    assert {t: d for t, d in ours.items() if d} == {t: d for t, d in theirs.items() if d}
    assert not live[[d for d in range(reader.doc_count_all()) if reader.is_deleted(d)]].any()
    if field == "doc_id":  # one document per id: read from the term info alone
        assert b"d7" not in {t for t, d in ours.items() if d}
        assert len([t for t, d in ours.items() if d]) == 239

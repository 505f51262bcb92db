"""Which documents match, and which come first, without walking postings one by one in Python.

Facet counts need every matching document, and Whoosh finds them by stepping a matcher tree
through each posting in Python: at 200,000 stories a common word costs tens of milliseconds
and a long OR query hundreds. Here the usual query shapes (terms combined with AND, OR, NOT)
become numpy masks built from whole posting blocks; anything else (phrases, wildcards, ranges)
is still asked of Whoosh. Ordering by date is numpy too, and relevance asks Whoosh only for a
short top list with its block-quality skipping on, collapsing story versions afterwards.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.query import (
    And,
    AndMaybe,
    AndNot,
    DisjunctionMax,
    Every,
    Not,
    NullQuery,
    Or,
    Query,
    Require,
    Term,
)
from whoosh.reading import TermNotFound
from whoosh.scoring import BM25F
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from search import feedback, ranking
from search.budget import check_time
from search.schema import SEARCH_FIELDS

_BYTE_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)


def query_mask(searcher: Searcher, query: Query, doc_count: int) -> np.ndarray:
    """A boolean array over document numbers: True where `query` matches (deleted documents
    may be True; callers AND with the live mask).

    Raises:
        SearchTimeout: the search is past its time limit (search.budget).
    """
    check_time()
    if isinstance(query, Term):
        return _term_mask(searcher, query, doc_count)
    if isinstance(query, Every):
        return np.ones(doc_count, dtype=bool)
    if query is NullQuery or isinstance(query, type(NullQuery)):
        return np.zeros(doc_count, dtype=bool)
    if isinstance(query, (And, Require)):
        children = query.subqueries if isinstance(query, And) else (query.a, query.b)
        mask = np.ones(doc_count, dtype=bool)
        for child in children:
            mask &= query_mask(searcher, child, doc_count)
        return mask
    if isinstance(query, (Or, DisjunctionMax)):
        mask = np.zeros(doc_count, dtype=bool)
        for child in query.subqueries:
            mask |= query_mask(searcher, child, doc_count)
        return mask
    if isinstance(query, AndMaybe):
        return query_mask(searcher, query.a, doc_count)
    if isinstance(query, AndNot):
        without: np.ndarray = query_mask(searcher, query.a, doc_count) & ~query_mask(
            searcher, query.b, doc_count
        )
        return without
    if isinstance(query, Not):
        inverse: np.ndarray = ~query_mask(searcher, query.query, doc_count)
        return inverse
    mask = np.zeros(doc_count, dtype=bool)
    mask[np.fromiter(searcher.docs_for_query(query), dtype=np.int64)] = True
    return mask


def _term_mask(searcher: Searcher, term: Term, doc_count: int) -> np.ndarray:
    mask = np.zeros(doc_count, dtype=bool)
    for leaf, offset in _leaves(searcher):
        found = segment_postings(leaf.reader(), term.fieldname, term.text)
        if found is not None:
            mask[found[0] + offset] = True
    return mask


class _PostingCache:
    """Decoded postings of recently searched terms, per segment, bounded in bytes.

    Reading a common word's postings means unpickling and decompressing hundreds of blocks
    (at 200,000 stories most of a query's time); the words people search for repeat. A
    segment never changes its postings (deletions are applied later with the live mask),
    so its id and the term are the whole key and nothing ever needs invalidating.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple[str, str, bytes], tuple[np.ndarray, np.ndarray] | None]
        self._items = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str, bytes]) -> tuple[np.ndarray, np.ndarray] | None | bool:
        with self._lock:
            if key not in self._items:
                return False
            self._items.move_to_end(key)
            return self._items[key]

    def resize(self, max_bytes: int) -> None:
        """Set the budget (its share of settings.cache_mb), forgetting the oldest to fit it."""
        with self._lock:
            self.max_bytes = max_bytes
            while self._bytes > self.max_bytes and self._items:
                _, old = self._items.popitem(last=False)
                self._bytes -= 0 if old is None else old[0].nbytes + old[1].nbytes

    @property
    def held_bytes(self) -> int:
        return self._bytes

    def put(self, key: tuple[str, str, bytes], value: tuple[np.ndarray, np.ndarray] | None) -> None:
        size = 0 if value is None else value[0].nbytes + value[1].nbytes
        if size > self.max_bytes // 4:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = value
            self._bytes += size
            while self._bytes > self.max_bytes and self._items:
                _, old = self._items.popitem(last=False)
                self._bytes -= 0 if old is None else old[0].nbytes + old[1].nbytes


# one per process, shared by every backend in it; WhooshBackend sets its share of cache_mb
POSTING_CACHE = _PostingCache(max_bytes=160 * 1024 * 1024)


def segment_postings(
    reader: object, field: str, text: str | bytes
) -> tuple[np.ndarray, np.ndarray] | None:
    """Document numbers (deleted ones included) and term frequencies of one term in one
    segment, or None when the segment lacks the term."""
    terms = getattr(reader, "_terms", None)  # whoosh3 segment internals, read-only
    segment = getattr(reader, "segment", None)
    if terms is None or segment is None or not hasattr(terms, "term_info"):
        if (field, text) not in reader:  # type: ignore[operator]
            return None
        ids, tf = _postings(reader.postings(field, text), weights=True)  # type: ignore[attr-defined]
        return ids, tf  # type: ignore[return-value]
    tbytes = reader._text_to_bytes(field, text)  # type: ignore[attr-defined]  # noqa: SLF001
    key = (segment().segment_id(), field, tbytes)
    cached = POSTING_CACHE.get(key)
    if cached is not False:
        return cached  # type: ignore[return-value]
    found: tuple[np.ndarray, np.ndarray] | None = None
    try:
        info = terms.term_info(field, tbytes)
    except TermNotFound:
        pass
    else:
        format_ = reader.schema[field].format  # type: ignore[attr-defined]
        matcher = terms._codec.postings_reader(terms._postfile, info, format_)  # noqa: SLF001
        ids, tf = _postings(matcher, weights=True)
        assert tf is not None  # asked with weights
        found = (ids, tf)
    POSTING_CACHE.put(key, found)
    return found


def _leaves(searcher: Searcher) -> Sequence[tuple[Searcher, int]]:
    return searcher.leaf_searchers() if not searcher.is_atomic() else [(searcher, 0)]


def _posting_ids(matcher: object) -> np.ndarray:
    """Every document number of one term's postings, a block at a time."""
    return _postings(matcher, weights=False)[0]


def _postings(matcher: object, *, weights: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """Document numbers (and, if asked, weights) of one term's postings, block by block."""
    if not isinstance(matcher, W3LeafMatcher):
        pairs = []
        while matcher.is_active():  # type: ignore[attr-defined]
            pairs.append((matcher.id(), matcher.weight()))  # type: ignore[attr-defined]
            matcher.next()  # type: ignore[attr-defined]
        ids = np.array([i for i, _ in pairs], dtype=np.int64)
        return ids, np.array([w for _, w in pairs], dtype=np.float64) if weights else None
    id_parts, weight_parts = [], []
    while matcher.is_active():
        # whoosh3 block internals, read-only: (ids, weights, values) per block
        if matcher._data is None:  # noqa: SLF001
            matcher._read_data()  # noqa: SLF001
        raw = np.asarray(matcher._data[0], dtype=np.int64)  # noqa: SLF001
        # ids are stored as deltas unless the whole block fits in bytes
        id_parts.append(raw if matcher._byteids else np.cumsum(raw))  # noqa: SLF001
        if weights:
            stored = matcher._data[1]  # noqa: SLF001 - None: all 1.0; a float: all that
            count = len(raw)
            if stored is None or isinstance(stored, float):
                weight_parts.append(np.full(count, 1.0 if stored is None else stored))
            else:
                weight_parts.append(np.asarray(stored, dtype=np.float64))
        if matcher._lastblock:  # noqa: SLF001
            break
        matcher._goto(matcher._nextoffset)  # noqa: SLF001
    if not id_parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0) if weights else None
    return np.concatenate(id_parts), np.concatenate(weight_parts) if weights else None


def field_postings(reader: object, field: str) -> Iterator[tuple[bytes, np.ndarray]]:
    """Every term of `field` with the document numbers holding it, segment by segment.

    Asking a multi-segment reader for a term's postings looks the term up in every segment;
    reading each segment's own term list in order costs one pass, and a term in one document
    (an id, a rare name) needs no postings read at all. Deleted documents are included: the
    callers AND with the live mask.
    """
    for leaf, offset in reader.leaf_readers():  # type: ignore[attr-defined]
        if field not in leaf.indexed_field_names():
            continue
        terms = getattr(leaf, "_terms", None)  # whoosh3 segment internals, read-only
        if terms is None or not hasattr(terms, "items_from"):
            for text in leaf.lexicon(field):
                ids = np.fromiter(leaf.postings(field, text).all_ids(), dtype=np.int64)
                yield text, ids + offset
            continue
        format_ = leaf.schema[field].format
        for (name, text), info in terms.items_from(field, b""):
            if name != field:
                break
            if info.doc_frequency() == 1:
                ids = np.array([info.min_id()], dtype=np.int64)
            else:
                matcher = terms._codec.postings_reader(terms._postfile, info, format_)  # noqa: SLF001
                ids = _posting_ids(matcher)
            yield text, ids + offset


def live_docs(reader: object, doc_count: int) -> np.ndarray:
    """A boolean array over document numbers: True where the document is not deleted."""
    live = np.zeros(doc_count, dtype=bool)
    live[np.fromiter(reader.all_doc_ids(), dtype=np.int64)] = True  # type: ignore[attr-defined]
    return live


def scoring_terms(query: Query) -> list[Term | float] | None:
    """The terms whose BM25F scores add up to a document's score, when the query is made
    of terms combined by AND, OR and NOT only (None otherwise)."""
    if isinstance(query, Term):
        return [query]
    if isinstance(query, Not):
        return [query.boost]  # Whoosh scores a NOT clause as its boost, for every document
    if isinstance(query, Every) or query is NullQuery:
        return []
    if isinstance(query, (And, Or)) and not isinstance(query, DisjunctionMax):
        if getattr(query, "scale", None):
            return None  # a coordination bonus is not a plain sum
        terms: list[Term | float] = []
        for child in query.subqueries:
            found = scoring_terms(child)
            if found is None:
                return None
            terms += found
        return terms if query.boost == 1 else None
    if isinstance(query, AndNot):
        return scoring_terms(query.a)
    if isinstance(query, (AndMaybe, Require)):
        a, b = scoring_terms(query.a), scoring_terms(query.b)
        return None if a is None or b is None else a + b
    return None


def bm25f_scores(searcher: Searcher, terms: Sequence[Term | float], doc_count: int) -> np.ndarray:
    """Each document's score for a sum of terms: a word searched in both headline and body (as
    a word typed is) by BM25F proper (search.ranking.fields_score); a term searched in one
    field alone (`title:ferry`, a wildcard's words in a body-only search, other fields) by
    Whoosh's per-field BM25F, its idf, average field lengths and byte-quantised lengths."""
    weighting = searcher.weighting
    assert isinstance(weighting, BM25F)
    scores = np.zeros(doc_count, dtype=np.float64)
    words: dict[str, dict[str, float]] = {}  # word -> field -> boost, for SEARCH_FIELDS
    single: list[Term] = []
    for term in terms:
        if not isinstance(term, Term):
            scores += term
        elif term.fieldname in SEARCH_FIELDS and isinstance(term.text, str):
            boosts = words.setdefault(term.text, {})
            boosts[term.fieldname] = boosts.get(term.fieldname, 0.0) + term.boost
        else:
            single.append(term)
    for text, boosts in words.items():
        check_time()
        if len(boosts) == 1:
            single += [Term(field, text, boost=boost) for field, boost in boosts.items()]
            continue
        # the parser's title boost is for Whoosh's per-field scoring; here the headline
        # weighs TITLE_WEIGHT within the word's count
        scores += boosts["body"] * _fields_scores(searcher, text, sorted(boosts), doc_count)
    k1 = weighting.K1
    for term in single:
        check_time()
        field, text = term.fieldname, term.text
        b = weighting._field_B.get(field, weighting.B)  # noqa: SLF001
        idf = searcher.idf(field, text)
        avgfl = searcher.avg_field_length(field) or 1
        for leaf, offset in _leaves(searcher):
            reader = leaf.reader()
            found = segment_postings(reader, field, text)
            if found is None:
                continue
            ids, tf = found
            fl = _field_lengths(reader, field)[ids]
            part = idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * fl / avgfl)))
            scores[ids + offset] += part * term.boost
    return scores


def _fields_scores(
    searcher: Searcher, text: str, fields: Sequence[str], doc_count: int
) -> np.ndarray:
    """One word's BM25F over `fields` (search.ranking's module docstring): occurrences summed
    over the fields, each over its length normalisation, saturated once, times the IDF of the
    documents holding the word in any of them."""
    weighting = searcher.weighting
    weights = {  # the index stores a field's counts times its field_boost (search.schema)
        field: (ranking.TITLE_WEIGHT if field == "title" else 1.0)
        / (searcher.schema[field].format.field_boost or 1.0)
        for field in fields
    }
    averages = {field: searcher.avg_field_length(field) or 1 for field in fields}
    parts: list[tuple[np.ndarray, np.ndarray]] = []
    holding = 0
    for leaf, offset in _leaves(searcher):
        reader = leaf.reader()
        counts = np.zeros(leaf.doc_count_all(), dtype=np.float64)
        for field in fields:
            found = segment_postings(reader, field, text)
            if found is None:
                continue
            ids, tf = found
            b = weighting._field_B.get(field, weighting.B)  # noqa: SLF001
            norm = ranking.length_norm(b, _field_lengths(reader, field)[ids], averages[field])
            counts[ids] += weights[field] * tf / norm
        found_in = np.flatnonzero(counts)
        holding += len(found_in)
        parts.append((found_in + offset, counts[found_in]))
    scores = np.zeros(doc_count, dtype=np.float64)
    idf = ranking.idf(holding, searcher.doc_count_all())
    for ids, counts in parts:
        scores[ids] += idf * ranking.fields_score(counts)
    return scores


def _field_lengths(reader: object, field: str) -> np.ndarray:
    """Every document's (byte-quantised) length of `field` in one segment, read once."""
    cache = reader.__dict__.setdefault("_docsift_lengths", {})
    if field not in cache:
        count = reader.doc_count_all()  # type: ignore[attr-defined]
        codes = np.zeros(count, dtype=np.uint8)
        column = reader._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)  # type: ignore[attr-defined]  # noqa: SLF001, E501
        if column is not None:
            raw = column._dbfile.get(column._basepos, min(column._count, count))  # noqa: SLF001
            codes[: len(raw)] = np.frombuffer(raw, dtype=np.uint8)
        cache[field] = _BYTE_LENGTHS[codes]
    lengths: np.ndarray = cache[field]
    return lengths


def by_date(mask: np.ndarray, ordinal: np.ndarray, *, newest: bool) -> np.ndarray:
    """Matching document numbers by publication date, undated last either way, ties by
    document number (as Whoosh's sort would)."""
    docs = np.flatnonzero(mask)
    dates = ordinal[docs].astype(np.int64)
    key = -dates if newest else np.where(dates == 0, 10**8, dates)
    return docs[np.argsort(key, kind="stable")]


def first_per_story(ordered: np.ndarray, keys: np.ndarray | None) -> np.ndarray:
    """Keep the first document of each story, in order."""
    if keys is None or not len(ordered):
        return ordered
    _, first = np.unique(keys[ordered], return_index=True)
    return ordered[np.sort(first)]


def top_by_relevance(
    searcher: Searcher,
    query: Query,
    *,
    need: int,
    allowed: np.ndarray | None,
    keys: np.ndarray | None,
    matched: np.ndarray | None = None,
) -> list[tuple[int, float]]:
    """The best `need` (document number, score) pairs, one per story when `keys` is given.

    `matched`, when the caller has it, is the exact set to rank (query, filters and live
    documents already applied), which spares matching the query a second time. A long query
    of plain words is re-scored with words from its first answers (search.feedback).

    Whoosh scores only a top list (skipping posting blocks that cannot enter it); when
    collapsing versions leaves too few, the list grows until it covers every match.
    """
    terms = scoring_terms(query)
    if terms is not None and isinstance(searcher.weighting, BM25F):
        if matched is None:
            matched = query_mask(searcher, query, searcher.doc_count_all())
            if allowed is not None:
                matched &= allowed
            matched &= _live(searcher, len(matched))
        words = feedback.wanted(query)
        return _top_from_scores(searcher, terms, matched, need=need, keys=keys, feedback=words)
    limit = max(need * 3, 30)
    allow = set(np.flatnonzero(allowed).tolist()) if allowed is not None else None
    while True:
        results = searcher.search(query, limit=limit, filter=allow, optimize=True, terms=False)
        ranked = [(int(docnum), float(score)) for score, docnum in results.top_n]
        exhausted = len(ranked) < limit
        if keys is not None:
            seen: set[int] = set()
            kept = []
            for docnum, score in ranked:
                story = int(keys[docnum])
                if story not in seen:
                    seen.add(story)
                    kept.append((docnum, score))
            ranked = kept
        if len(ranked) >= need or exhausted:
            return ranked[:need]
        limit *= 4


def _top_from_scores(
    searcher: Searcher,
    terms: Sequence[Term | float],
    matched: np.ndarray,
    *,
    need: int,
    keys: np.ndarray | None,
    feedback: int = 0,
) -> list[tuple[int, float]]:
    """`feedback`: the query's content words when it is long enough for search.feedback."""
    docs = np.flatnonzero(matched)
    if not len(docs):
        return []
    scores = bm25f_scores(searcher, terms, len(matched))[docs]
    if feedback:
        more = _feedback_terms(searcher, docs, scores, feedback)
        if more:
            scores = scores + bm25f_scores(searcher, more, len(matched))[docs]
    # best first; equal scores in document order, as Whoosh's collector keeps them
    order = np.lexsort((docs, -scores))
    ordered, ordered_scores = docs[order], scores[order]
    if keys is not None and len(ordered):
        _, first = np.unique(keys[ordered], return_index=True)
        keep = np.sort(first)
        ordered, ordered_scores = ordered[keep], ordered_scores[keep]
    return [
        (int(d), float(score))
        for d, score in zip(ordered[:need], ordered_scores[:need], strict=True)
    ]


def _feedback_terms(
    searcher: Searcher, docs: np.ndarray, scores: np.ndarray, words: int
) -> list[Term]:
    check_time()
    top, top_scores = feedback.top_documents(docs, scores)
    return feedback.expansion(searcher, top, top_scores, words)


def _live(searcher: Searcher, doc_count: int) -> np.ndarray:
    live = np.ones(doc_count, dtype=bool)
    if searcher.reader().has_deletions():
        for leaf, offset in _leaves(searcher):
            alive = np.zeros(leaf.doc_count_all(), dtype=bool)
            alive[np.fromiter(leaf.reader().all_doc_ids(), dtype=np.int64)] = True
            live[offset : offset + leaf.doc_count_all()] = alive
    return live


def highlight_words(searcher: Searcher, query: Query) -> frozenset[str]:
    """The body words a query searches for (wildcards expanded), for snippets."""
    # not Query.existing_terms: its loop variable shadows its `fieldname` argument, so after
    # the first leaf it skips every leaf of another field
    reader = searcher.reader()
    words = set()
    for leaf in query.leaves():
        for name, text in leaf.expanded_terms(reader, phrases=True):
            if name == "body":
                words.add(text.decode("utf-8") if isinstance(text, bytes) else text)
    return frozenset(words)

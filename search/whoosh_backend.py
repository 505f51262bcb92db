"""WhooshBackend: the embedded default engine, docsift's production read and write path.

Reads: a small pool of searchers kept open until the next commit (search/searchers.py),
matching into numpy masks (search/matching.py), facet counts from arrays cached per index
generation and name table (search/facet_arrays.py), and LRU caches of responses and counts
keyed by the request and the IndexState (issue 7). Writes go through search/index.py, which
owns the index on disk; the name and story tables beside it are read at query time.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
import time
from collections.abc import Hashable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from whoosh.index import Index
from whoosh.query import Every, Query
from whoosh.searching import Searcher

from search.backend import IndexStats
from search.budget import (
    ExpensiveLane,
    Limits,
    check_time,
    check_work,
    expand,
    is_expensive,
    time_limit,
)
from search.cache import LruCache
from search.documents import (
    Document,
    document_from_stored,
    snippet_page,
    stored_names,
    stored_precision,
)
from search.errors import DocumentNotFound, IndexUnavailable
from search.export import Export
from search.facet_arrays import (
    FacetCounts,
    FacetIndex,
    build_facet_index,
    count_facets,
    counts_bytes,
)
from search.facets import histogram_facet, value_facet
from search.generation_arrays import load_facet_index, names_stamp
from search.index import (
    delete_documents,
    index_exists,
    open_index,
    open_searcher,
    open_unmapped,
    rebuild_index,
    write_documents,
    write_names,
    write_stories,
)
from search.matching import (
    POSTING_CACHE,
    by_date,
    first_per_story,
    highlight_words,
    query_mask,
    top_by_relevance,
)
from search.names import NameTable
from search.parameters import FACETS, HISTOGRAMS
from search.query import SearchRequest, to_whoosh
from search.related import Similar, related_links
from search.results import Hit, SearchResponse, StoryLink
from search.schema import FACET_FIELDS, MENTIONED_FIELD, SEARCH_FIELDS
from search.searchers import SEARCHERS, SearcherPool, Snapshot
from search.settings import Settings
from search.snippets import make_snippet
from search.spelling import attested, suggest
from search.stories import CHANGE_FLAGS, StoryTable
from search.story_keys import StoryKeys, read_story_keys
from search.tables import IndexTables
from search.variants import VariantCache, VariantIndex
from search.variants import expand as expand_names

# settings.cache_mb split between the caches of a server process (README: Memory): decoded
# postings of searched words (most of a query's time at 200k stories), FacetCounts (every
# value's count and the result mask: large, and a miss costs a full count), and responses
# (only the shown page and facet values); the rest is the responses' share
POSTINGS_SHARE = 0.625
COUNTS_SHARE = 0.25


@dataclass(frozen=True)
class IndexState:
    """Everything a search result depends on besides the request: the generation directory,
    the commit within it (every ingest commit or delete advances it) and the name and story
    tables' file stamps. A result cached under one state is never served for another."""

    target: Path
    commit: int | None
    names: Hashable
    stories: Hashable

    @property
    def snapshot(self) -> Snapshot:
        return self.target, self.commit


# document numbers turned into Python ints at a time while exporting
EXPORT_CHUNK = 1000


class WhooshBackend:
    """docsift's index in Whoosh at `index_dir` (settings.index_dir unless given).

    The index is opened lazily, so the web app starts (and answers 503) before anything has
    been ingested."""

    name = "whoosh"

    def __init__(
        self,
        settings: Settings,
        tables: IndexTables | None = None,
        *,
        index_dir: Path | None = None,
        searchers: int = SEARCHERS,
    ) -> None:
        self.settings = settings
        self.index_dir = index_dir or settings.index_dir
        self.tables = tables or IndexTables(self.index_dir)
        self._lock = threading.Lock()
        self._keys_lock = threading.Lock()
        self._ix: Index | None = None
        self._facets: FacetIndex | None = None
        self._facets_key: tuple[object, ...] | None = None
        self._story_keys: StoryKeys | None = None
        self._story_keys_key: tuple[object, ...] | None = None
        self._pool = SearcherPool(searchers)
        self._variant_cache = VariantCache()
        # wildcards and very long queries: at most this many at once, the rest queue
        self._lane = ExpensiveLane(settings.expensive_searches)
        self.limits = Limits()
        # keyed by request and IndexState: a write or a name-table change is a new key
        budget = settings.cache_mb * 1024 * 1024
        postings, counts = int(budget * POSTINGS_SHARE), int(budget * COUNTS_SHARE)
        POSTING_CACHE.resize(postings)
        self.counts_cache: LruCache[Hashable, FacetCounts] = LruCache(counts, counts_bytes)
        self.result_cache: LruCache[Hashable, SearchResponse] = LruCache(budget - postings - counts)

    # -- writes (the pipeline's) ----------------------------------------------------------

    def ready(self) -> bool:
        return index_exists(self.index_dir)

    def write(self, documents: Iterable[Document], names: NameTable) -> int:
        count = write_documents(self.index_dir, documents)
        write_names(self.index_dir, names)
        return count

    def delete(self, doc_ids: Iterable[str]) -> int:
        return delete_documents(self.index_dir, doc_ids)

    def rebuild(self, documents: Iterable[Document], names: NameTable, stories: StoryTable) -> int:
        return rebuild_index(self.index_dir, documents, names=names, stories=stories)

    def apply_names(self, names: NameTable, previous: NameTable | None = None) -> None:
        write_names(self.index_dir, names)  # read at query time: nothing to redo

    def apply_stories(self, stories: StoryTable) -> None:
        write_stories(self.index_dir, stories)

    # -- index access -----------------------------------------------------------------------

    def _current(self) -> tuple[Index, Snapshot]:
        """The index of the current generation and its latest commit.

        Raises:
            IndexMissing: nothing has been ingested yet.
            IndexUnavailable: the index files cannot be read.
        """
        target = self.index_dir.resolve()
        with self._lock:
            if self._ix is None or self.tables.target != target:
                # opened at the generation directory, not through the link, so the commit
                # numbers it reports always belong to `target`
                self._ix = open_index(target)
                self.tables.target = target
            ix = self._ix
        try:
            return ix, (target, ix.latest_generation())
        except OSError as exc:
            raise IndexUnavailable(f"cannot read the index: {exc}") from exc

    def _state(self) -> tuple[Index, IndexState]:
        """The current index and everything a cached result must match."""
        ix, (target, commit) = self._current()
        self.tables.names()
        self.tables.stories()
        return ix, IndexState(target, commit, self.tables.names_key, self.tables.stories_key)

    @contextmanager
    def searcher(self) -> Iterator[Searcher]:
        """A searcher over the latest commit, lent from the pool for the `with` block."""
        ix, snapshot = self._current()
        with self._pool.lend(ix, snapshot) as (searcher, _):
            yield searcher

    def _where(self) -> Path:
        return self.tables.target or self.index_dir

    def _keys(self, searcher: Searcher) -> StoryKeys:
        """The collapse keys of the searcher's generation under the current story table."""
        reader = searcher.reader()
        table = self.tables.stories()
        key = (self._where(), reader.generation(), self.tables.stories_key)
        # one build at a time: after a reindex every thread of a worker misses at once, and
        # each building its own copy multiplied the wait (seconds at 21k) instead of sharing it
        with self._keys_lock:
            with self._lock:
                if self._story_keys_key == key and self._story_keys is not None:
                    return self._story_keys
            story_keys = read_story_keys(reader, table)
            with self._lock:
                self._story_keys, self._story_keys_key = story_keys, key
            return story_keys

    def facet_index(self, searcher: Searcher) -> FacetIndex:
        """The facet arrays of the searcher's generation under the current name table."""
        reader = searcher.reader()
        names = self.tables.names()
        key = (self._where(), reader.generation(), self.tables.names_key)
        with self._lock:
            if self._facets_key != key or self._facets is None:
                # written at the end of ingest or reindex when this commit is the last one
                self._facets = load_facet_index(
                    self._where(), reader.generation(), names_stamp(self._where())
                ) or build_facet_index(reader, FACET_FIELDS, MENTIONED_FIELD, names)
                self._facets_key = key
            return self._facets

    # -- queries ----------------------------------------------------------------------------

    def _variants(self, searcher: Searcher) -> VariantIndex:
        key = (self._where(), searcher.reader().generation(), self.tables.names_key)
        return self._variant_cache.get(key, searcher, self.tables.names())

    def parse_query(self, searcher: Searcher, q: str, exact: bool = False) -> Query:
        """The query for `q`, within this deployment's work limits, with its wildcards
        expanded into the terms they match (search.budget).

        Raises:
            QueryError: bad syntax, or more work than the limits allow.
            SearchTimeout: past the time limit while expanding wildcards.
        """
        if not q:
            return Every()
        query = to_whoosh(q, searcher.schema, SEARCH_FIELDS)
        check_work(query, self.limits, q)
        query = expand(searcher, query, self.limits, q)
        return query if exact else expand_names(query, self._variants(searcher))[0]

    @contextmanager
    def _budget(self, q: str) -> Iterator[None]:
        """A slot in the expensive lane for a query with wildcards or very many clauses
        (ordinary searches never wait for one), then the time limit for the block.

        Raises:
            QueryError: bad syntax, or more work than the limits allow (before any wait).
            SearchBusy: the expensive lane stayed full for the whole time limit.
        """
        expensive = False
        if q:
            query = to_whoosh(q, self._current()[0].schema, SEARCH_FIELDS)
            check_work(query, self.limits, q)
            expensive = is_expensive(query)
        wait_s = self.settings.query_timeout_s
        with self._lane.enter(expensive, wait_s), time_limit(self.settings.query_timeout_s):
            yield

    def search(self, request: SearchRequest) -> SearchResponse:
        """Run one search: matching, facet counts, the requested page with snippets.

        Responses are cached by request and IndexState, so a repeated search (a reload, the
        back button, a shared link) is a look-up, and any write makes a new key.

        Raises:
            IndexMissing: nothing has been ingested yet.
        """
        started = time.perf_counter()
        ix, state = self._state()
        # default_per_page is left out of the request's equality but shapes its URLs
        key = (request, request.default_per_page, state)
        cached = self.result_cache.get(key)
        if cached is not None:
            return replace(cached, took_ms=(time.perf_counter() - started) * 1000)
        with self._budget(request.q), self._pool.lend(ix, state.snapshot) as (searcher, reads):
            parsed, counted = self._counted(searcher, request, replace(state, commit=reads[1]))
            query = (
                parsed
                if parsed is not None
                else self.parse_query(searcher, request.q, request.exact)
            )
            also = self._also_searching(searcher, request)
            suggestion = self._suggestion(searcher, request)
            total = int(counted.result_mask.sum())
            stories = self._keys(searcher)
            story_count = int(np.unique(stories.keys[counted.result_mask]).size)
            hits = self._page(
                searcher,
                query,
                request,
                counted.result_mask,
                filtered=request.has_filters,
                total=story_count if request.collapsed else total,
            )
        limit = self.settings.facet_limit
        facets = tuple(
            value_facet(name, counted.counts.get(name, []), request, limit) for name in FACETS
        )
        facets += tuple(
            histogram_facet(name, *counted.histograms[name], request) for name in HISTOGRAMS
        )
        took_ms = (time.perf_counter() - started) * 1000
        response = SearchResponse(
            request=request,
            total=total,
            hits=hits,
            facets=facets,
            took_ms=took_ms,
            stories=story_count,
            also_searching=also,
            suggestion=suggestion[0] if suggestion else None,
        )
        if not total and suggestion and suggestion[1]:
            # nothing found: show what the correction finds at once, and say so
            found = self.search(replace(request, q=suggestion[0], page=1))
            response = replace(found, suggestion=suggestion[0], corrected_from=request.q)
        if reads == state.snapshot:
            self.result_cache.put(key, response)
        return response

    def _also_searching(self, searcher: Searcher, request: SearchRequest) -> tuple[str, ...]:
        """Other spellings of the query's names searched too (none for `exact`)."""
        if request.exact or not request.q:
            return ()
        query = to_whoosh(request.q, searcher.schema, SEARCH_FIELDS)
        return expand_names(query, self._variants(searcher))[1]

    def _suggestion(self, searcher: Searcher, request: SearchRequest) -> tuple[str, bool] | None:
        """The query with unknown or rare words corrected, unless `exact` (search.spelling)."""
        if request.exact or not request.q:
            return None

        def frequency(stem: str) -> int:
            # the body only: one look-up per candidate (a headline's words are in its body)
            return int(searcher.doc_frequency("body", stem))

        return suggest(request.q, frequency, lambda word, stem: attested(searcher, word, stem))

    def counted(self, request: SearchRequest) -> FacetCounts:
        """Matching and every facet count for a request, without fetching a page of hits.

        Cached like search(); the arrays in the result are read-only.
        """
        ix, state = self._state()
        found = self.counts_cache.get(_counts_key(request, state))
        if found is not None:
            return found
        with self._budget(request.q), self._pool.lend(ix, state.snapshot) as (searcher, reads):
            return self._counted(searcher, request, replace(state, commit=reads[1]))[1]

    def _counted(
        self, searcher: Searcher, request: SearchRequest, state: IndexState
    ) -> tuple[Query | None, FacetCounts]:
        """The facet counts for a request from the cache, else matched (with the parsed
        query) and cached; `state` must name the commit `searcher` reads, so that a cached
        result mask lines up with its document numbers."""
        key = _counts_key(request, state)
        found = self.counts_cache.get(key)
        if found is not None:
            return None, found
        query, found = self.match(searcher, request)
        found.result_mask.setflags(write=False)  # shared by every later hit
        self.counts_cache.put(key, found)
        return query, found

    def match(self, searcher: Searcher, request: SearchRequest) -> tuple[Query, FacetCounts]:
        """The parsed query and the facet counts/result mask for a request (uncached)."""
        facet_index = self.facet_index(searcher)
        query = self.parse_query(searcher, request.q, request.exact)
        base = facet_index.live.copy()
        if request.changes:
            base &= self._changes_mask(searcher, request.changes, len(base))
        if request.q:
            base &= query_mask(searcher, query, facet_index.doc_count)
        ranges = {name: request.date_range(name) for name in HISTOGRAMS}
        return query, count_facets(facet_index, base, dict(request.filters), ranges)

    def _page(
        self,
        searcher: Searcher,
        query: Query,
        request: SearchRequest,
        mask: np.ndarray,
        *,
        filtered: bool,
        total: int,
    ) -> tuple[Hit, ...]:
        start = (request.page - 1) * request.per_page
        if start >= total:
            return ()
        sort = request.effective_sort
        stories = self._keys(searcher)
        keys = stories.keys if request.collapsed and stories.docnums else None
        need = start + request.per_page
        if sort == "relevance":
            ranked: list[tuple[int, float | None]] = list(
                top_by_relevance(
                    searcher,
                    query,
                    need=need,
                    allowed=mask if filtered else None,
                    keys=keys,
                    matched=mask,
                )
            )
        else:
            ordinal = self.facet_index(searcher).published_ordinal
            ordered = first_per_story(by_date(mask, ordinal, newest=sort == "newest"), keys)
            ranked = [(int(docnum), None) for docnum in ordered[:need]]
        words = highlight_words(searcher, query) if request.q else frozenset()
        analyzer = searcher.schema["body"].analyzer
        names = self.tables.names()
        hits = []
        for docnum, score in ranked[start:need]:
            check_time()
            hit = searcher.stored_fields(docnum)
            body = hit.get("body", "")
            snippet = make_snippet(body, words, self.settings.snippet_chars, analyzer)
            date_value = hit.get("date")
            matching = [m for m, n in stories.members(hit["doc_id"]) if mask[n]] or [hit["doc_id"]]
            shown = names.shown(stored_names(hit))
            hits.append(
                Hit(
                    doc_id=hit["doc_id"],
                    title=hit.get("title") or "(untitled)",
                    url=hit.get("url", ""),
                    source=hit.get("source", ""),
                    date=date_value.date() if isinstance(date_value, dt.datetime) else None,
                    date_precision=stored_precision(hit.get("day")),
                    snippet=snippet,
                    score=score if sort == "relevance" and request.q else None,
                    people=tuple(shown["person"]),
                    orgs=tuple(shown["org"]),
                    places=tuple(shown["place"]),
                    language=hit.get("language") or "",
                    story_id=stories.table.story(hit["doc_id"]),
                    versions=len(matching),
                    version_ids=tuple(matching),
                    page=snippet_page(body, snippet, (hit.get("meta") or {}).get("page_starts")),
                )
            )
        return tuple(hits)

    def export(self, request: SearchRequest) -> Export:
        """Every document the request matches (every version), newest first (oldest first
        for sort=oldest), read one at a time from a searcher of its own: the pool's
        searchers stay free for searches however long the reader of the export takes."""
        ix, _ = self._current()
        # read without memory maps: a mapped searcher would copy every segment's stored
        # column into memory as the export reaches it (search.index.open_unmapped)
        searcher = open_searcher(open_unmapped(ix))
        try:
            with self._budget(request.q):
                _, counted = self.match(searcher, request)
            ordinal = self.facet_index(searcher).published_ordinal
            order = by_date(counted.result_mask, ordinal, newest=request.sort != "oldest")
        except BaseException:
            searcher.close()
            raise

        def documents() -> Iterator[Document]:
            for start in range(0, len(order), EXPORT_CHUNK):
                for docnum in order[start : start + EXPORT_CHUNK].tolist():
                    yield document_from_stored(searcher.stored_fields(docnum))

        return Export(len(order), documents(), searcher.close)

    def facet_counts(
        self, request: SearchRequest, name: str, limit: int | None, *, disjunctive: bool = True
    ) -> tuple[list[tuple[str, int]], int]:
        if name == "changes":
            counts = self._change_counts(request)
        elif disjunctive:
            counts = list(self.counted(request).counts.get(name, []))
        else:
            # within the documents every filter selects, this facet's own included
            result_mask = self.counted(request).result_mask
            with self.searcher() as searcher:
                arrays = self.facet_index(searcher).fields[name]
            counts = arrays.ranked(arrays.count(result_mask))
        return counts[:limit], len(counts)

    def _change_counts(self, request: SearchRequest) -> list[tuple[str, int]]:
        """Per change flag, the documents carrying it among those every other filter
        selects (the `changes` filter left out)."""
        others = replace(request, changes=(), page=1)
        ix, state = self._state()
        counts = []
        with self._budget(request.q), self._pool.lend(ix, state.snapshot) as (searcher, reads):
            mask = self._counted(searcher, others, replace(state, commit=reads[1]))[1].result_mask
            for flag in CHANGE_FLAGS:
                counts.append(
                    (flag, int((mask & self._changes_mask(searcher, (flag,), len(mask))).sum()))
                )
        return counts

    def _changes_mask(self, searcher: Searcher, flags: tuple[str, ...], size: int) -> np.ndarray:
        return self._keys(searcher).flagged(flags, size)

    # -- documents, related stories, stats ----------------------------------------------------

    def get(self, doc_id: str) -> Document | None:
        with self.searcher() as searcher:
            fields = searcher.document(doc_id=doc_id)
        return None if fields is None else document_from_stored(fields)

    def related(self, doc_id: str, limit: int) -> tuple[StoryLink, ...]:
        """Whoosh's more_like_this over the body; a candidate that shares no name with this
        document shows the key terms both bodies hold."""
        names = self.tables.names()
        with self.searcher() as searcher:
            docnum = searcher.document_number(doc_id=doc_id)
            if docnum is None:
                raise DocumentNotFound(doc_id)
            fields = searcher.stored_fields(docnum)
            text = fields.get("body") or fields.get("title") or ""
            if not text.strip():
                return ()
            own_terms = [t for t, _ in searcher.key_terms_from_text("body", text, numterms=30)]

            def shared_terms(other: Mapping[str, Any]) -> list[str]:
                body = other.get("body") or ""
                theirs = {t for t, _ in searcher.key_terms_from_text("body", body, numterms=30)}
                return [t for t in own_terms if t in theirs]

            def candidates() -> Iterator[Similar]:
                hits = searcher.more_like(
                    docnum, "body", text=text, top=limit * 4 + 10, numterms=15
                )
                for hit in hits:
                    other = hit.fields()
                    yield Similar(
                        _link(other),
                        names.shown_names(stored_names(other)),
                        functools.partial(shared_terms, other),
                    )

            return related_links(
                doc_id,
                names.shown_names(stored_names(fields)),
                candidates(),
                self.tables.stories(),
                limit,
            )

    def count(self) -> int:
        return self.stats().documents

    def stats(self) -> IndexStats:
        if not self.ready():
            return IndexStats(0, False, str(self.index_dir), self.name)
        cached = self.result_cache.stats()
        try:
            with self.searcher() as searcher:
                reader = searcher.reader()
                facet_index = self.facet_index(searcher)
                dated = facet_index.published_ordinal[facet_index.live]
                dated = dated[dated > 0]
                return IndexStats(
                    documents=searcher.doc_count(),
                    ready=True,
                    index=str(self.index_dir.resolve()),
                    backend=self.name,
                    generation=reader.generation(),
                    segments=len(reader.leaf_readers()),
                    people=len(facet_index.fields["person"].values),
                    orgs=len(facet_index.fields["org"].values),
                    places=len(facet_index.fields["place"].values),
                    languages=len(facet_index.fields["language"].values),
                    earliest=dt.date.fromordinal(int(dated.min())).isoformat()
                    if len(dated)
                    else None,
                    latest=dt.date.fromordinal(int(dated.max())).isoformat()
                    if len(dated)
                    else None,
                    cache_hits=cached.hits,
                    cache_misses=cached.misses,
                    cache_entries=cached.entries,
                )
        except IndexUnavailable as exc:
            return IndexStats(0, False, str(self.index_dir), self.name, reason=str(exc))


def _counts_key(request: SearchRequest, state: IndexState) -> Hashable:
    """What facet counts depend on: the request less its sort, page, page size and versions
    (every other field stays in, so a filter added to SearchRequest later is not forgotten)."""
    return replace(request, sort="relevance", page=1, per_page=0, versions="collapse"), state


def _link(fields: Mapping[str, Any], reason: str = "") -> StoryLink:
    date_value = fields.get("date")
    return StoryLink(
        doc_id=fields["doc_id"],
        title=fields.get("title") or "(untitled)",
        date=date_value.date() if isinstance(date_value, dt.datetime) else None,
        reason=reason,
        date_precision=stored_precision(fields.get("day")),
    )

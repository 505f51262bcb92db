"""WhooshBackend: the embedded default engine, docsift's production read and write path.

Reads: a small pool of searchers kept open until the next commit (search/searchers.py), the
query text parsed once per search (search/prepared.py), matching into numpy masks
(search/matching.py), the page's hits and related stories from stored fields
(search/whoosh_hits.py), facet counts from arrays cached per index
generation and name table (search/facet_arrays.py), and LRU caches of responses and counts
keyed by the request and the IndexState (issue 7). Writes go through search/index.py, which
owns the index on disk; the name and story tables beside it are read at query time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from whoosh.index import Index
from whoosh.query import Query
from whoosh.searching import Searcher

from search.backend import IndexStats
from search.budget import ExpensiveLane, Limits, time_limit
from search.cache import LruCache
from search.documents import Document, document_from_stored
from search.errors import IndexUnavailable
from search.export import Export
from search.facet_arrays import (
    FacetCounts,
    FacetIndex,
    build_facet_index,
    count_facets,
    counts_bytes,
)
from search.facets import histogram_facet, value_facet
from search.generation_arrays import arrays_dir, load_facet_index, names_stamp
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
from search.matching import POSTING_CACHE, by_date, query_mask
from search.names import NameTable
from search.parameters import FACETS, HISTOGRAMS
from search.prepared import PreparedQuery, ResolvedQuery, prepare, resolve
from search.query import SearchRequest
from search.results import Hit, SearchResponse, StoryLink
from search.schema import FACET_FIELDS, MENTIONED_FIELD
from search.searchers import SEARCHERS, SearcherPool, Snapshot
from search.settings import Settings
from search.spelling import IndexedWords, suggest_in
from search.stories import CHANGE_FLAGS, StoryTable
from search.story_keys import StoryKeys, load_story_keys, read_story_keys, stories_stamp
from search.tables import IndexTables
from search.variants import VariantCache, VariantIndex
from search.whoosh_hits import exported, index_stats, make_hits, ranked_page, related_stories

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
        self._words = IndexedWords()
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
            # saved at the end of ingest or reindex when this commit and table are the last
            where = arrays_dir(self._where(), reader.generation(), names_stamp(self._where()))
            stamp = stories_stamp(self._where())
            story_keys = load_story_keys(
                where, stamp, table, reader.doc_count_all()
            ) or read_story_keys(reader, table)
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

    def prepare(self, q: str, exact: bool = False) -> PreparedQuery:
        """The query text parsed once for a whole search, within this deployment's work
        limits (search.prepared); checked before any wait for a searcher or a lane slot.

        Raises:
            QueryError: bad syntax, or more work than the limits allow.
        """
        return prepare(q, self._current()[0].schema, self.limits, exact=exact)

    def resolve(self, searcher: Searcher, prepared: PreparedQuery) -> ResolvedQuery:
        """The prepared query as this searcher runs it: names in every merged spelling
        (unless exact), wildcards expanded into the terms they match.

        Raises:
            QueryError: the wildcards match more words than the limits allow.
            SearchTimeout: past the time limit while expanding wildcards.
        """
        return resolve(prepared, searcher, self._variants(searcher), self.limits)

    def parse_query(self, searcher: Searcher, q: str, exact: bool = False) -> Query:
        """The query `searcher` runs for `q` (prepare, then resolve), for callers that hold
        a searcher already (bench/facets.py).

        Raises:
            QueryError: bad syntax, or more work than the limits allow.
            SearchTimeout: past the time limit while expanding wildcards.
        """
        prepared = prepare(q, searcher.schema, self.limits, exact=exact)
        return self.resolve(searcher, prepared).query

    @contextmanager
    def _budget(self, prepared: PreparedQuery) -> Iterator[None]:
        """A slot in the expensive lane for a query with wildcards or very many clauses
        (ordinary searches never wait for one), then the time limit for the block.

        Raises:
            SearchBusy: the expensive lane stayed full for the whole time limit.
        """
        wait_s = self.settings.query_timeout_s
        with self._lane.enter(prepared.expensive, wait_s), time_limit(wait_s):
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
        prepared = self.prepare(request.q, request.exact)
        with self._budget(prepared), self._pool.lend(ix, state.snapshot) as (searcher, reads):
            resolved = self.resolve(searcher, prepared)
            query = resolved.query
            counted = self._counted(searcher, request, replace(state, commit=reads[1]), query)
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
            also_searching=resolved.also_searching,
            suggestion=suggestion[0] if suggestion else None,
        )
        if not total and suggestion and suggestion[1]:
            # nothing found: show what the correction finds at once, and say so
            found = self.search(replace(request, q=suggestion[0], page=1))
            response = replace(found, suggestion=suggestion[0], corrected_from=request.q)
        if reads == state.snapshot:
            self.result_cache.put(key, response)
        return response

    def _suggestion(self, searcher: Searcher, request: SearchRequest) -> tuple[str, bool] | None:
        """The query with unknown or rare words corrected, unless `exact` (search.spelling)."""
        if request.exact or not request.q:
            return None
        key = (self._where(), searcher.reader().generation())
        return suggest_in(searcher, request.q, self._words.get(key, searcher.reader()))

    def counted(self, request: SearchRequest) -> FacetCounts:
        """Matching and every facet count for a request, without fetching a page of hits.

        Cached like search(); the arrays in the result are read-only.
        """
        ix, state = self._state()
        found = self.counts_cache.get(_counts_key(request, state))
        if found is not None:
            return found
        prepared = self.prepare(request.q, request.exact)
        with self._budget(prepared), self._pool.lend(ix, state.snapshot) as (searcher, reads):
            query = self.resolve(searcher, prepared).query
            return self._counted(searcher, request, replace(state, commit=reads[1]), query)

    def _counted(
        self, searcher: Searcher, request: SearchRequest, state: IndexState, query: Query
    ) -> FacetCounts:
        """The facet counts for a request from the cache, else matched with `query` (the
        request's, resolved for this searcher) and cached; `state` must name the commit
        `searcher` reads, so that a cached result mask lines up with its document numbers."""
        key = _counts_key(request, state)
        found = self.counts_cache.get(key)
        if found is not None:
            return found
        found = self.match(searcher, request, query)[1]
        found.result_mask.setflags(write=False)  # shared by every later hit
        self.counts_cache.put(key, found)
        return found

    def match(
        self, searcher: Searcher, request: SearchRequest, query: Query | None = None
    ) -> tuple[Query, FacetCounts]:
        """The query and the facet counts/result mask for a request (uncached); `query` is
        the request's, already resolved, or None to parse it here."""
        facet_index = self.facet_index(searcher)
        if query is None:
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
        stories = self._keys(searcher)
        ranked = ranked_page(
            searcher,
            query,
            request,
            mask,
            filtered=filtered,
            stories=stories,
            published_ordinal=self.facet_index(searcher).published_ordinal,
        )
        return make_hits(
            searcher,
            query,
            request,
            ranked[start : start + request.per_page],
            mask,
            stories=stories,
            names=self.tables.names(),
            snippet_chars=self.settings.snippet_chars,
        )

    def export(self, request: SearchRequest) -> Export:
        """Every document the request matches (every version), newest first (oldest first
        for sort=oldest), read one at a time from a searcher of its own: the pool's
        searchers stay free for searches however long the reader of the export takes."""
        ix, _ = self._current()
        # read without memory maps: a mapped searcher would copy every segment's stored
        # column into memory as the export reaches it (search.index.open_unmapped)
        searcher = open_searcher(open_unmapped(ix))
        try:
            prepared = self.prepare(request.q, request.exact)
            with self._budget(prepared):
                query = self.resolve(searcher, prepared).query
                _, counted = self.match(searcher, request, query)
            ordinal = self.facet_index(searcher).published_ordinal
            order = by_date(counted.result_mask, ordinal, newest=request.sort != "oldest")
        except BaseException:
            searcher.close()
            raise

        return exported(searcher, order)

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
        prepared = self.prepare(request.q, request.exact)
        with self._budget(prepared), self._pool.lend(ix, state.snapshot) as (searcher, reads):
            query = self.resolve(searcher, prepared).query
            others_state = replace(state, commit=reads[1])
            mask = self._counted(searcher, others, others_state, query).result_mask
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
        with self.searcher() as searcher:
            return related_stories(
                searcher, doc_id, limit, self.tables.names(), self.tables.stories()
            )

    def count(self) -> int:
        return self.stats().documents

    def stats(self) -> IndexStats:
        if not self.ready():
            return IndexStats(0, False, str(self.index_dir), self.name)
        try:
            with self.searcher() as searcher:
                return index_stats(
                    searcher,
                    self.facet_index(searcher),
                    index=str(self.index_dir.resolve()),
                    backend=self.name,
                    cached=self.result_cache.stats(),
                )
        except IndexUnavailable as exc:
            return IndexStats(0, False, str(self.index_dir), self.name, reason=str(exc))


def _counts_key(request: SearchRequest, state: IndexState) -> Hashable:
    """What facet counts depend on: the request less its sort, page, page size and versions
    (every other field stays in, so a filter added to SearchRequest later is not forgotten)."""
    return replace(request, sort="relevance", page=1, per_page=0, versions="collapse"), state

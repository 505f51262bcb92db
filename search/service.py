"""SearchService: the single read entry point that the web app and the CLI both call."""

from __future__ import annotations

import datetime as dt
import html
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import numpy as np
from whoosh.highlight import ContextFragmenter, HtmlFormatter, highlight
from whoosh.index import Index
from whoosh.query import Every, Query
from whoosh.searching import Searcher

from search.analysis import NewsAnalyzer
from search.budget import (
    ExpensiveLane,
    Limits,
    check_time,
    check_work,
    expand,
    is_expensive,
    time_limit,
)
from search.compare import Comparison, compare_documents
from search.documents import Document, document_from_stored, parse_iso_at, split_values
from search.errors import DocumentNotFound, EntityNotFound, IndexUnavailable, QueryError
from search.facets import (
    FacetCounts,
    FacetIndex,
    bucket_range,
    build_facet_index,
    count_facets,
)
from search.index import index_exists, open_index, open_searcher
from search.matching import (
    by_date,
    field_postings,
    first_per_story,
    live_docs,
    query_mask,
    top_by_relevance,
)
from search.names import NAMES_FILE, NameTable, read_name_table
from search.query import (
    ENTITY_FACETS,
    FACETS,
    HISTOGRAMS,
    SearchRequest,
    parse_request,
    to_whoosh,
)
from search.results import EntityResponse, Facet, FacetValue, Hit, SearchResponse, StoryLink
from search.schema import FACET_FIELDS, MENTIONED_FIELD, SEARCH_FIELDS
from search.settings import Settings
from search.spelling import attested, suggest
from search.stories import CHANGE_FLAGS, STORIES_FILE, StoryTable, read_story_table
from search.variants import VariantCache, VariantIndex, rank_name_matches
from search.variants import expand as expand_names

if TYPE_CHECKING:
    from search.typesense_backend import TypesenseBackend

RELATED_NAMES = 3


@dataclass(frozen=True)
class StoryKeys:
    """Per index generation: a collapse key per docnum (a story's smallest docnum; a document
    without other versions is its own key) and each grouped document's docnum."""

    keys: np.ndarray
    docnums: Mapping[str, int]
    table: StoryTable

    def members(self, doc_id: str) -> list[tuple[str, int]]:
        return [(m, self.docnums[m]) for m in self.table.versions(doc_id) if m in self.docnums]


def excerpt(text: str, chars: int) -> str:
    """The escaped opening of a text, cut at a word boundary, for hits without a match."""
    text = " ".join(text.split())
    if len(text) <= chars:
        return html.escape(text)
    cut = text[:chars].rsplit(" ", 1)[0]
    return html.escape(cut) + " …"


def _highlight_words(searcher: Searcher, query: Query) -> frozenset[str]:
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


def shown_entities(
    names: NameTable, raw: Mapping[str, tuple[str, ...]]
) -> dict[str, tuple[str, ...]]:
    """people/orgs/places keyword arguments as the name table shows a document's raw values."""
    shown = names.shown(raw)
    return {
        "people": tuple(shown["person"]),
        "orgs": tuple(shown["org"]),
        "places": tuple(shown["place"]),
    }


T = TypeVar("T")


@dataclass
class _Sidecar(Generic[T]):
    """A small JSON table beside an index generation (names, stories), reread when it changes,
    so corpus-wide decisions reach searches without rewriting the index."""

    filename: str
    read: Callable[[Path], T]
    value: T
    key: tuple[Path, tuple[int, ...]] | None = None

    def current(self, target: Path, lock: threading.Lock) -> T:
        try:
            info = (target / self.filename).stat()
            # the inode and size too: two rewrites within one timestamp tick (the file is
            # replaced, never edited in place) must still read as a change
            stamp: tuple[int, ...] = (info.st_mtime_ns, info.st_ino, info.st_size)
        except OSError:
            stamp = ()
        with lock:
            if self.key != (target, stamp):
                self.value = self.read(target)
                self.key = (target, stamp)
            return self.value


RESULT_CACHE_SIZE = 256
# FacetCounts keep every value's count (tens of thousands for a browse of a large corpus) and
# the result mask, responses only the shown page and facet values: keep fewer of the former
COUNTS_CACHE_SIZE = 16
# Whoosh copies each segment file of an open searcher into memory (about 6 MB per 1,000
# Reuters stories), so the pool stays small
SEARCHERS = 2

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
# generation directory, commit (TOC generation) within it; None for an index without segments
Snapshot = tuple[Path, int | None]


@dataclass(frozen=True)
class CacheStats:
    """A result cache's counters, for stats() and tests."""

    hits: int
    misses: int
    entries: int
    size: int


class LruCache(Generic[K, V]):
    """A bounded, thread-safe map that forgets its least recently used entry first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()
        self._hits = 0
        self._misses = 0

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._items.get(key)
            if value is None:
                self._misses += 1
                return None
            self._items.move_to_end(key)
            self._hits += 1
            return value

    def put(self, key: K, value: V) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(self._hits, self._misses, len(self._items), self.size)


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


class SearcherPool:
    """Searchers kept open over the current commit, each lent to one thread at a time.

    Opening a searcher reads every segment, so searchers are reused until the index changes;
    then idle ones are closed and fresh ones opened. A searcher is never shared by two threads:
    the files of a Whoosh reader keep one read position. Whoosh's `Searcher.refresh()` is not
    used because it keeps the reader of a segment that gained deletions since, so a refreshed
    searcher still finds the replaced version of an updated document.
    """

    def __init__(self, size: int = SEARCHERS) -> None:
        self.size = max(1, size)
        self._cond = threading.Condition()
        self._idle: list[Searcher] = []
        self._snapshot: Snapshot | None = None
        self._lent = 0  # searchers lent out or being opened
        self._local = threading.local()

    @contextmanager
    def lend(self, ix: Index, wanted: Snapshot) -> Iterator[tuple[Searcher, Snapshot]]:
        """A searcher reading the `wanted` commit or a later one, and the commit it reads.

        Nested use in one thread gets the searcher that thread already holds (one snapshot
        for the whole operation, and no wait on a pool it is itself keeping full).

        Raises:
            IndexUnavailable: the index files cannot be read.
        """
        held: tuple[Searcher, Snapshot] | None = getattr(self._local, "held", None)
        if held is not None:
            yield held
            return
        lent = self._take(ix, wanted)
        self._local.held = lent
        try:
            yield lent
        finally:
            self._local.held = None
            self._give_back(*lent)

    def _take(self, ix: Index, wanted: Snapshot) -> tuple[Searcher, Snapshot]:
        stale: list[Searcher] = []
        with self._cond:
            while True:
                if self._snapshot != wanted:
                    stale.extend(self._idle)
                    self._idle = []
                    self._snapshot = wanted
                if self._idle or self._lent < self.size:
                    break
                self._cond.wait()
            idle = self._idle.pop() if self._idle else None
            self._lent += 1
        for old in stale:
            old.close()
        if idle is not None:
            return idle, wanted  # idle searchers read exactly the pool's snapshot
        try:
            searcher = open_searcher(ix)
        except BaseException:
            with self._cond:
                self._lent -= 1
                self._cond.notify()
            raise
        # a commit may have landed since `wanted` was read: label it with what it reads
        return searcher, (wanted[0], searcher.reader().generation())

    def _give_back(self, searcher: Searcher, reads: Snapshot) -> None:
        with self._cond:
            self._lent -= 1
            keep = reads == self._snapshot
            if keep:
                self._idle.append(searcher)
            self._cond.notify()
        if not keep:
            searcher.close()


class SearchService:
    """Answers searches, document look-ups and stats over the index at `index_dir`.

    The index is opened lazily, so the web app starts (and answers 503) before anything has
    been ingested. Facet arrays are cached per index generation, searchers are kept open in a
    small pool until the next commit, and search responses and facet counts are kept in LRU
    caches keyed by the request and the IndexState (issue 7).
    """

    def __init__(
        self,
        index_dir: Path,
        settings: Settings | None = None,
        *,
        searchers: int = SEARCHERS,
        backend: TypesenseBackend | None = None,
    ) -> None:
        self.index_dir = index_dir
        self.settings = settings or Settings()
        # None: the embedded Whoosh index at index_dir, read by the numpy path below; else a
        # server backend (search/backend.py) that answers searches and look-ups instead
        self.backend = backend
        self._lock = threading.Lock()
        self._ix: Index | None = None
        self._ix_target: Path | None = None
        self._facets_key: tuple[object, ...] | None = None
        self._names = _Sidecar(NAMES_FILE, read_name_table, NameTable())
        self._facets: FacetIndex | None = None
        self._stories = _Sidecar(STORIES_FILE, read_story_table, StoryTable())
        self._story_keys: StoryKeys | None = None
        self._story_keys_key: tuple[object, ...] | None = None
        self._pool = SearcherPool(searchers)
        self._variant_cache = VariantCache()
        # wildcards and very long queries: at most this many at once, the rest queue
        self._lane = ExpensiveLane(self.settings.expensive_searches)
        self.limits = Limits()
        # keyed by request and IndexState: a write or a name-table change is a new key
        self.result_cache: LruCache[Hashable, SearchResponse] = LruCache(RESULT_CACHE_SIZE)
        self.counts_cache: LruCache[Hashable, FacetCounts] = LruCache(COUNTS_CACHE_SIZE)

    @classmethod
    def from_settings(cls, settings: Settings) -> SearchService:
        """The service over the backend `settings.backend` names (Whoosh by default).

        Raises:
            ConfigError: an unknown backend, or Typesense without nodes or its client.
        """
        if settings.backend == "whoosh":
            return cls(settings.index_dir, settings)
        from search.typesense_backend import TypesenseBackend

        return cls(settings.index_dir, settings, backend=TypesenseBackend.from_settings(settings))

    def parse(self, params: Mapping[str, Any]) -> SearchRequest:
        """parse_request with this deployment's limits.

        Raises:
            QueryError: naming the bad parameter.
        """
        return parse_request(
            params,
            page_size=self.settings.page_size,
            max_page_size=self.settings.max_page_size,
            max_query_chars=self.settings.max_query_chars,
        )

    # -- index access -------------------------------------------------------------------

    def _index(self) -> Index:
        return self._current()[0]

    def _current(self) -> tuple[Index, Snapshot]:
        """The index of the current generation and its latest commit.

        Raises:
            IndexMissing: nothing has been ingested yet.
            IndexUnavailable: the index files cannot be read.
        """
        target = self.index_dir.resolve()
        with self._lock:
            if self._ix is None or self._ix_target != target:
                # opened at the generation directory, not through the link, so the commit
                # numbers it reports always belong to `target`
                self._ix = open_index(target)
                self._ix_target = target
            ix = self._ix
        try:
            return ix, (target, ix.latest_generation())
        except OSError as exc:
            raise IndexUnavailable(f"cannot read the index: {exc}") from exc

    def _state(self) -> tuple[Index, IndexState]:
        """The current index and everything a cached result must match."""
        ix, (target, commit) = self._current()
        self._name_table()
        self._story_table()
        names = self._names.key
        stories = self._stories.key
        return ix, IndexState(target, commit, names, stories)

    @contextmanager
    def _searcher(self) -> Iterator[Searcher]:
        """A searcher over the latest commit, lent from the pool for the `with` block."""
        ix, snapshot = self._current()
        with self._pool.lend(ix, snapshot) as (searcher, _):
            yield searcher

    def _name_table(self) -> NameTable:
        """The name table beside the current generation, reread when the file changes."""
        return self._names.current(self._ix_target or self.index_dir.resolve(), self._lock)

    def _story_table(self) -> StoryTable:
        """The story table beside the current generation, reread when the file changes."""
        return self._stories.current(self._ix_target or self.index_dir.resolve(), self._lock)

    def _keys(self, searcher: Searcher) -> StoryKeys:
        reader = searcher.reader()
        table = self._story_table()
        key = (self._ix_target or self.index_dir, reader.generation(), self._stories.key)
        with self._lock:
            if self._story_keys_key == key and self._story_keys is not None:
                return self._story_keys
        keys = np.arange(reader.doc_count_all(), dtype=np.int64)
        docnums: dict[str, int] = {}
        if table.members:
            # one pass over the id terms: a look-up per member costs a term search in every
            # segment (minutes at 200,000 stories)
            live = live_docs(reader, len(keys))
            number_of = {}
            for text, ids in field_postings(reader, "doc_id"):
                alive = ids[live[ids]]
                if len(alive):
                    number_of[text.decode("utf-8")] = int(alive[-1])
            for members in table.members.values():
                found = [(m, number_of[m]) for m in members if m in number_of]
                if found:
                    keys[[n for _, n in found]] = min(n for _, n in found)
                    docnums.update(found)
        story_keys = StoryKeys(keys, docnums, table)
        with self._lock:
            self._story_keys, self._story_keys_key = story_keys, key
        return story_keys

    def _facet_index(self, searcher: Searcher) -> FacetIndex:
        reader = searcher.reader()
        names = self._name_table()
        key = (self._ix_target or self.index_dir, reader.generation(), self._names.key)
        with self._lock:
            if self._facets_key != key or self._facets is None:
                self._facets = build_facet_index(reader, FACET_FIELDS, MENTIONED_FIELD, names)
                self._facets_key = key
            return self._facets

    def is_ready(self) -> bool:
        if self.backend is not None:
            return self.backend.ready()
        return index_exists(self.index_dir)

    # -- queries ------------------------------------------------------------------------

    def _variants(self, searcher: Searcher) -> VariantIndex:
        key = (self._ix_target, searcher.reader().generation(), self._names.key)
        return self._variant_cache.get(key, searcher, self._name_table())

    def _parse_query(self, searcher: Searcher, q: str, exact: bool = False) -> Query:
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
            query = to_whoosh(q, self._index().schema, SEARCH_FIELDS)
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
        if self.backend is not None:
            # the story table beside HOME/index lists a hit's versions and their order
            self.backend.stories = self._story_table()
            return self.backend.search(request)
        started = time.perf_counter()
        ix, state = self._state()
        # default_per_page is left out of the request's equality but shapes its URLs
        key = (request, request.default_per_page, state)
        cached = self.result_cache.get(key)
        if cached is not None:
            return replace(cached, took_ms=(time.perf_counter() - started) * 1000)
        with self._budget(request.q), self._pool.lend(ix, state.snapshot) as (searcher, reads):
            query, counted = self._counted(searcher, request, replace(state, commit=reads[1]))
            if query is None:
                query = self._parse_query(searcher, request.q, request.exact)
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
        facets = tuple(self._facet(name, counted.counts.get(name, []), request) for name in FACETS)
        facets += tuple(
            self._histogram(name, *counted.histograms[name], request) for name in HISTOGRAMS
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
            return searcher.doc_frequency("body", stem)

        return suggest(request.q, frequency, lambda word, stem: attested(searcher, word, stem))

    def facet_counts(self, request: SearchRequest) -> FacetCounts:
        """Matching and every facet count for a request, without fetching a page of hits.

        Cached like search(); the arrays in the result are read-only.
        """
        ix, state = self._state()
        counted = self.counts_cache.get(_counts_key(request, state))
        if counted is not None:
            return counted
        with self._budget(request.q), self._pool.lend(ix, state.snapshot) as (searcher, reads):
            return self._counted(searcher, request, replace(state, commit=reads[1]))[1]

    def _counted(
        self, searcher: Searcher, request: SearchRequest, state: IndexState
    ) -> tuple[Query | None, FacetCounts]:
        """The facet counts for a request from the cache, else matched (with the parsed
        query) and cached; `state` must name the commit `searcher` reads, so that a cached
        result mask lines up with its document numbers."""
        key = _counts_key(request, state)
        counted = self.counts_cache.get(key)
        if counted is not None:
            return None, counted
        query, counted = self._match(searcher, request)
        counted.result_mask.setflags(write=False)  # shared by every later hit
        self.counts_cache.put(key, counted)
        return query, counted

    def _match(self, searcher: Searcher, request: SearchRequest) -> tuple[Query, FacetCounts]:
        """The parsed query and the facet counts/result mask for a request."""
        facet_index = self._facet_index(searcher)
        query = self._parse_query(searcher, request.q, request.exact)
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
            ordinal = self._facet_index(searcher).published_ordinal
            ordered = first_per_story(by_date(mask, ordinal, newest=sort == "newest"), keys)
            ranked = [(int(docnum), None) for docnum in ordered[:need]]
        words = _highlight_words(searcher, query) if request.q else frozenset()
        analyzer = searcher.schema["body"].analyzer
        names = self._name_table()
        hits = []
        for docnum, score in ranked[start:need]:
            check_time()
            hit = searcher.stored_fields(docnum)
            body = hit.get("body", "")
            snippet = make_snippet(body, words, self.settings.snippet_chars, analyzer)
            date_value = hit.get("date")
            matching = [m for m, n in stories.members(hit["doc_id"]) if mask[n]] or [hit["doc_id"]]
            hits.append(
                Hit(
                    doc_id=hit["doc_id"],
                    title=hit.get("title") or "(untitled)",
                    url=hit.get("url", ""),
                    source=hit.get("source", ""),
                    date=date_value.date() if isinstance(date_value, dt.datetime) else None,
                    date_precision=_precision(hit.get("day")),
                    snippet=snippet,
                    score=score if sort == "relevance" and request.q else None,
                    **shown_entities(
                        names, {label: split_values(hit.get(label)) for label in ENTITY_FACETS}
                    ),
                    language=hit.get("language") or "",
                    story_id=stories.table.story(hit["doc_id"]),
                    versions=len(matching),
                    version_ids=tuple(matching),
                )
            )
        return tuple(hits)

    def _facet(self, name: str, counts: list[tuple[str, int]], request: SearchRequest) -> Facet:
        return value_facet(name, counts, request, self.settings.facet_limit)

    def _histogram(
        self, name: str, granularity: str, buckets: list[tuple[str, int]], request: SearchRequest
    ) -> Facet:
        return histogram_facet(name, granularity, buckets, request)

    def facet_values(
        self, name: str, request: SearchRequest, limit: int = 100, contains: str = ""
    ) -> Facet:
        """A facet's values for the request, optionally only those containing `contains`
        (case-insensitive): "show more" and the facet's search box.

        Raises:
            QueryError: unknown facet name.
        """
        if name not in FACETS:
            raise QueryError(
                f"unknown facet {name!r}; facets are {', '.join(FACETS)}", "facet", name
            )
        if self.backend is not None:
            counts, _ = self.backend.facet_counts(request, name, max(limit, 1000))
        else:
            counts = self.facet_counts(request).counts.get(name, [])
        needle = contains.strip().casefold()
        if needle:
            # a search for "zelensky" also finds "Volodymyr Zelenskiy" through its variants
            names = self._name_table()
            counts = rank_name_matches(counts, needle, lambda v: names.variants(name, v))
        return Facet(
            name=name,
            values=tuple(
                FacetValue(
                    v, c, v in request.selected(name), request.with_toggled(name, v).query_string()
                )
                for v, c in counts[:limit]
            ),
            total_values=len(counts),
        )

    # -- names and entities ----------------------------------------------------------

    def variants(self, label: str, name: str) -> tuple[str, ...]:
        """Other spellings merged into this name ("also written as")."""
        return self._name_table().variants(label, name)

    def entity(self, label: str, name: str, *, limit: int = 20) -> EntityResponse:
        """Everything the entity page shows for one person, organisation or place.

        Raises:
            QueryError: unknown label.
            EntityNotFound: no document mentions it.
        """
        if label not in ENTITY_FACETS:
            raise QueryError(
                f"unknown entity type {label!r}; use {', '.join(ENTITY_FACETS)}", "label", label
            )
        request = self.parse({label: name, "sort": "newest", "per_page": str(limit)})
        response = self.search(request)
        if not response.total:
            raise EntityNotFound(label, name)
        # counts are disjunctive, so the entity's own facet counts every document; its
        # co-mentions of the same kind are counted within the entity's documents only
        if self.backend is not None:
            own = self.backend.facet_counts(request, label, 1000, disjunctive=False)[0]
        else:
            ix, state = self._state()
            with self._pool.lend(ix, state.snapshot) as (searcher, reads):
                counted = self._counted(searcher, request, replace(state, commit=reads[1]))[1]
                result_mask = counted.result_mask
                arrays = self._facet_index(searcher).fields[label]
            per_value = arrays.count(result_mask)
            own = sorted(
                ((arrays.values[i], int(per_value[i])) for i in np.nonzero(per_value)[0].tolist()),
                key=lambda pair: (-pair[1], pair[0]),
            )
        facets = [
            self._facet(label, own, request) if facet.name == label else facet
            for facet in response.facets
            if facet.name in ENTITY_FACETS
        ]
        co_mentions = tuple(
            replace(facet, values=tuple(v for v in facet.values if v.value != name))
            for facet in facets
        )
        published = response.facet("published")
        mentioned = response.facet("mentioned")
        assert published is not None and mentioned is not None
        return EntityResponse(
            label=label,
            name=name,
            also_written_as=self.variants(label, name),
            total=response.total,
            stories=response.stories,
            documents=response.hits,
            co_mentions=co_mentions,
            timeline=published,
            mentioned_dates=mentioned,
        )

    # -- documents and stats ------------------------------------------------------------

    def get(self, doc_id: str) -> Document:
        """The stored document with this id.

        Raises:
            DocumentNotFound: no such id.
            IndexMissing: nothing has been ingested yet.
        """
        if self.backend is not None:
            found = self.backend.get(doc_id)
            if found is None:
                raise DocumentNotFound(doc_id)
            return self._shown(found)
        with self._searcher() as searcher:
            fields = searcher.document(doc_id=doc_id)
        if fields is None:
            raise DocumentNotFound(doc_id)
        return self._shown(document_from_stored(fields))

    def compare(self, a_id: str, b_id: str) -> Comparison:
        """What version `b_id` adds, drops or changes relative to `a_id` (search.compare).

        Raises:
            DocumentNotFound: either id is unknown.
            IndexMissing: nothing has been ingested yet.
        """
        return compare_documents(self.get(a_id), self.get(b_id))

    def compare_order(self, doc_id: str, other: str) -> tuple[str, str]:
        """(a, b) for comparing two versions of one story: the earlier version first, as the
        indexer compared them (the story's earliest version is every other's base), else by
        id."""
        changes = self._story_table().changes
        if other in changes and changes[other].base == doc_id:
            return doc_id, other
        if doc_id in changes and changes[doc_id].base == other:
            return other, doc_id
        if doc_id in changes and other not in changes:
            return other, doc_id  # `other` has no base: it is the earliest
        if other in changes and doc_id not in changes:
            return doc_id, other
        first, second = sorted((doc_id, other))
        return first, second

    def change_facet(self, request: SearchRequest) -> Facet:
        """The `changes` filter as a facet: for each flag, the matching documents that carry
        it, counted with every other filter applied but not this one (no values when no
        version of any story is flagged)."""
        if not any(c.flags for c in self._story_table().changes.values()):
            return Facet(name="changes", values=(), total_values=0)
        if self.backend is not None:
            counted = dict(self.backend.facet_counts(request, "changes", len(CHANGE_FLAGS))[0])
            return Facet(
                name="changes",
                values=tuple(
                    FacetValue(
                        flag,
                        counted.get(flag, 0),
                        flag in request.changes,
                        request.with_change_toggled(flag).query_string(),
                    )
                    for flag in CHANGE_FLAGS
                ),
                total_values=len(CHANGE_FLAGS),
            )
        others = replace(request, changes=(), page=1)
        ix, state = self._state()
        with self._budget(request.q), self._pool.lend(ix, state.snapshot) as (searcher, reads):
            mask = self._counted(searcher, others, replace(state, commit=reads[1]))[1].result_mask
            values = []
            for flag in CHANGE_FLAGS:
                count = int((mask & self._changes_mask(searcher, (flag,), len(mask))).sum())
                toggled = request.with_change_toggled(flag).query_string()
                values.append(FacetValue(flag, count, flag in request.changes, toggled))
        return Facet(name="changes", values=tuple(values), total_values=len(values))

    def _changes_mask(self, searcher: Searcher, flags: tuple[str, ...], size: int) -> np.ndarray:
        """Documents flagged with any of `flags` in the story table, as a docnum mask."""
        stories = self._keys(searcher)
        mask = np.zeros(size, dtype=bool)
        for flag in flags:
            for doc_id in stories.table.flagged(flag):
                docnum = stories.docnums.get(doc_id)
                if docnum is not None and docnum < size:
                    mask[docnum] = True
        return mask

    def story_id(self, doc_id: str) -> str:
        """The story a document belongs to (its own id when it has no other version)."""
        return self._story_table().story(doc_id)

    def versions(self, doc_id: str) -> tuple[StoryLink, ...]:
        """The other versions of this document's story, each with why it is one.

        Raises:
            DocumentNotFound: no such id.
        """
        table = self._story_table()
        if self.backend is not None:
            if self.backend.get(doc_id) is None:
                raise DocumentNotFound(doc_id)
            found = [(o, self.backend.get(o)) for o in table.versions(doc_id) if o != doc_id]
            return tuple(
                StoryLink(
                    o,
                    d.title or "(untitled)",
                    d.published,
                    table.reason(doc_id, o),
                    d.published_precision,
                )
                for o, d in found
                if d is not None
            )
        with self._searcher() as searcher:
            if searcher.document_number(doc_id=doc_id) is None:
                raise DocumentNotFound(doc_id)
            links = []
            for other in table.versions(doc_id):
                fields = searcher.document(doc_id=other) if other != doc_id else None
                if fields is not None:
                    links.append(_link(fields, table.reason(doc_id, other)))
        return tuple(links)

    def related(self, doc_id: str, limit: int = 5) -> tuple[StoryLink, ...]:
        """Other stories like this document (Whoosh more_like_this over the body, or the
        server backend's more_like), one per story and none of its own versions, each with a
        one-line reason.

        Raises:
            DocumentNotFound: no such id.
        """
        if self.backend is not None:
            return self._backend_related(doc_id, limit)
        table = self._story_table()
        names = self._name_table()
        with self._searcher() as searcher:
            docnum = searcher.document_number(doc_id=doc_id)
            if docnum is None:
                raise DocumentNotFound(doc_id)
            fields = searcher.stored_fields(docnum)
            text = fields.get("body") or fields.get("title") or ""
            if not text.strip():
                return ()
            own = _shown_names(names, fields)
            own_terms = [t for t, _ in searcher.key_terms_from_text("body", text, numterms=30)]
            own_story = table.story(doc_id)
            seen = {own_story}
            links: list[StoryLink] = []
            results = searcher.more_like(docnum, "body", text=text, top=limit * 4 + 10, numterms=15)
            for hit in results:
                story = table.story(hit["doc_id"])
                if story in seen:
                    continue
                seen.add(story)
                other = hit.fields()
                shared = [n for n in _shown_names(names, other) if n in own]
                if shared:
                    reason = "shares " + ", ".join(shared[:RELATED_NAMES])
                else:
                    theirs = {
                        t
                        for t, _ in searcher.key_terms_from_text(
                            "body", other.get("body") or "", numterms=30
                        )
                    }
                    terms = [t for t in own_terms if t in theirs][:RELATED_NAMES]
                    if not terms:
                        continue  # nothing a reader could check: not worth showing
                    reason = "shared terms: " + ", ".join(terms)
                links.append(_link(other, reason))
                if len(links) >= limit:
                    break
        return tuple(links)

    def _backend_related(self, doc_id: str, limit: int) -> tuple[StoryLink, ...]:
        """related() on a server backend: its more-like-this, with the same one-per-story
        rule and reasons as the Whoosh path (shared names first, else shared key terms)."""
        assert self.backend is not None
        own_doc = self.backend.get(doc_id)
        if own_doc is None:
            raise DocumentNotFound(doc_id)
        table = self._story_table()
        names = self._name_table()
        own = _shown_names(names, _raw_fields(own_doc))
        seen = {table.story(doc_id)}
        links: list[StoryLink] = []
        for other, terms in self.backend.more_like(doc_id, top=limit * 4 + 10):
            story = table.story(other.doc_id)
            if story in seen:
                continue
            seen.add(story)
            shared = [n for n in _shown_names(names, _raw_fields(other)) if n in own]
            if shared:
                reason = "shares " + ", ".join(shared[:RELATED_NAMES])
            elif terms:
                reason = "shared terms: " + ", ".join(terms[:RELATED_NAMES])
            else:
                continue  # nothing a reader could check: not worth showing
            links.append(
                StoryLink(
                    other.doc_id,
                    other.title or "(untitled)",
                    other.published,
                    reason,
                    other.published_precision,
                )
            )
            if len(links) >= limit:
                break
        return tuple(links)

    def _shown(self, document: Document) -> Document:
        """A document's entities and mentions as the name table shows them."""
        names = self._name_table()
        mentions = []
        for mention in document.mentions:
            if mention.label in ENTITY_FACETS:
                resolved = names.resolve(mention.label, mention.value)
                if resolved is None:
                    continue
                mention = replace(mention, label=resolved[0], value=resolved[1])
            mentions.append(mention)
        raw = {"person": document.people, "org": document.orgs, "place": document.places}
        return replace(document, mentions=tuple(mentions), **shown_entities(names, raw))

    def cache_figures(self) -> dict[str, int]:
        """The result cache's hits, misses and entries (search responses)."""
        found = self.result_cache.stats()
        return {
            "cache_hits": found.hits,
            "cache_misses": found.misses,
            "cache_entries": found.entries,
        }

    def stats(self) -> dict[str, Any]:
        """Counts for `docsift stats` and /healthz; never raises for a missing index."""
        if self.backend is not None:
            return self._backend_stats()
        if not self.is_ready():
            return {"documents": 0, "index": str(self.index_dir), "ready": False}
        try:
            with self._searcher() as searcher:
                reader = searcher.reader()
                facet_index = self._facet_index(searcher)
                dated = facet_index.published_ordinal[facet_index.live]
                dated = dated[dated > 0]
                return {
                    "documents": searcher.doc_count(),
                    "ready": True,
                    "index": str(self.index_dir.resolve()),
                    "generation": reader.generation(),
                    "segments": len(reader.leaf_readers()),
                    "people": len(facet_index.fields["person"].values),
                    "orgs": len(facet_index.fields["org"].values),
                    "places": len(facet_index.fields["place"].values),
                    "languages": len(facet_index.fields["language"].values),
                    "earliest": dt.date.fromordinal(int(dated.min())).isoformat()
                    if len(dated)
                    else None,
                    "latest": dt.date.fromordinal(int(dated.max())).isoformat()
                    if len(dated)
                    else None,
                    **self.cache_figures(),
                }
        except IndexUnavailable as exc:
            return {
                "documents": 0,
                "index": str(self.index_dir),
                "ready": False,
                "reason": str(exc),
            }

    def _backend_stats(self) -> dict[str, Any]:
        assert self.backend is not None
        where = f"typesense {self.backend.alias} on {self.settings.typesense_nodes}"
        try:
            if not self.backend.ready():
                return {"documents": 0, "index": where, "ready": False}
            request = self.parse({})
            totals = {
                key: self.backend.facet_counts(request, label, 1)[1]
                for label, key in (
                    ("person", "people"),
                    ("org", "orgs"),
                    ("place", "places"),
                    ("language", "languages"),
                )
            }
            newest = self.backend.search(replace(request, sort="newest", per_page=1)).hits
            oldest = self.backend.search(replace(request, sort="oldest", per_page=1)).hits
            return {
                "documents": self.backend.count(),
                "ready": True,
                "index": where,
                "backend": "typesense",
                "nodes": len(self.settings.typesense_node_list),
                **totals,
                "earliest": oldest[0].date.isoformat() if oldest and oldest[0].date else None,
                "latest": newest[0].date.isoformat() if newest and newest[0].date else None,
            }
        except IndexUnavailable as exc:
            return {"documents": 0, "index": where, "ready": False, "reason": str(exc)}


def _counts_key(request: SearchRequest, state: IndexState) -> Hashable:
    """What facet counts depend on: the request less its sort, page, page size and versions
    (every other field stays in, so a filter added to SearchRequest later is not forgotten)."""
    return replace(request, sort="relevance", page=1, per_page=0, versions="collapse"), state


def _link(fields: Mapping[str, Any], reason: str) -> StoryLink:
    date_value = fields.get("date")
    return StoryLink(
        doc_id=fields["doc_id"],
        title=fields.get("title") or "(untitled)",
        date=date_value.date() if isinstance(date_value, dt.datetime) else None,
        reason=reason,
        date_precision=_precision(fields.get("day")),
    )


def _precision(stored_day: str | None) -> str:
    """A stored publication date's precision: the index keeps it as ISO at its precision."""
    found = parse_iso_at(stored_day)
    return found[1] if found else "day"


def _raw_fields(document: Document) -> dict[str, str]:
    """A document's raw entity values as the comma-joined fields _shown_names reads."""
    return {
        "person": ",".join(document.people),
        "org": ",".join(document.orgs),
        "place": ",".join(document.places),
    }


def _shown_names(names: NameTable, fields: Mapping[str, Any]) -> list[str]:
    """A stored document's shown people, then organisations, then places."""
    shown = shown_entities(
        names, {label: split_values(fields.get(label)) for label in ENTITY_FACETS}
    )
    return [*shown["people"], *shown["orgs"], *shown["places"]]


def make_snippet(body: str, words: frozenset[str], chars: int, analyzer: Any = None) -> str:
    """A hit's snippet: the body's best passages with the searched words in <mark>, else its
    opening. Both backends call this, so a hit reads the same whichever engine found it."""
    if words:
        formatter = HtmlFormatter(tagname="mark", between=" … ")
        fragmenter = ContextFragmenter(maxchars=chars, surround=chars // 3)
        found = highlight(body, words, analyzer or NewsAnalyzer(), fragmenter, formatter, top=2)
        if found:
            return found
    return excerpt(body, chars)


def value_facet(
    name: str,
    counts: list[tuple[str, int]],
    request: SearchRequest,
    limit: int,
    total_values: int | None = None,
) -> Facet:
    """A person/org/place facet from (value, count) pairs, most documents first: the first
    `limit`, with selected values pinned first even when no result carries them any more."""
    selected = request.selected(name)
    shown = counts[:limit]
    count_of = dict(counts)
    pinned = [(v, count_of.get(v, 0)) for v in selected]
    rest = [(v, c) for v, c in shown if v not in selected]
    values = tuple(
        FacetValue(
            value=v,
            count=c,
            selected=v in selected,
            toggle_query=request.with_toggled(name, v).query_string(),
        )
        for v, c in pinned + rest
    )
    return Facet(
        name=name, values=values, total_values=len(counts) if total_values is None else total_values
    )


def histogram_facet(
    name: str, granularity: str, buckets: list[tuple[str, int]], request: SearchRequest
) -> Facet:
    """Date buckets in time order; choosing one sets the range, choosing it again clears."""
    current = request.date_range(name)
    values = []
    for label, count in buckets:
        span = bucket_range(label)
        selected = current == span
        target = (
            request.with_date_range(name, None, None)
            if selected
            else request.with_date_range(name, *span)
        )
        values.append(FacetValue(label, count, selected, target.query_string()))
    return Facet(
        name=name,
        values=tuple(values),
        total_values=len(values),
        kind="histogram",
        granularity=granularity,
    )


def document_in_index(service: SearchService, doc_id: str) -> Document | None:
    """The Whoosh index's stored document (raw entity values), or None."""
    with service._searcher() as searcher:
        fields = searcher.document(doc_id=doc_id)
    return None if fields is None else document_from_stored(fields)

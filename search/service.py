"""SearchService: the single read entry point that the web app and the CLI both call."""

from __future__ import annotations

import datetime as dt
import html
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Generic, TypeVar

import numpy as np
from whoosh.highlight import ContextFragmenter, HtmlFormatter
from whoosh.index import Index
from whoosh.qparser import MultifieldParser
from whoosh.query import Every, Query
from whoosh.searching import Searcher
from whoosh.sorting import FunctionFacet

from search.documents import Document, document_from_stored, split_values
from search.errors import DocumentNotFound, EntityNotFound, IndexUnavailable, QueryError
from search.facets import (
    FacetCounts,
    FacetIndex,
    bucket_range,
    build_facet_index,
    count_facets,
)
from search.index import index_exists, open_index, open_searcher
from search.names import NAMES_FILE, NameTable, read_name_table
from search.query import FACETS, HISTOGRAMS, SearchRequest, parse_request
from search.results import EntityResponse, Facet, FacetValue, Hit, SearchResponse, StoryLink
from search.schema import FACET_FIELDS, MENTIONED_FIELD, SEARCH_FIELDS
from search.settings import Settings
from search.stories import STORIES_FILE, StoryTable, read_story_table

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


def _date_sort(facet_index: FacetIndex, *, newest: bool) -> FunctionFacet:
    """Sort key by publication date with undated documents last in either direction."""
    ordinal = facet_index.published_ordinal
    if newest:
        return FunctionFacet(lambda _s, docnum: -int(ordinal[docnum]))
    return FunctionFacet(lambda _s, docnum: int(ordinal[docnum]) or 10**8)


def shown_entities(
    names: NameTable, raw: Mapping[str, tuple[str, ...]]
) -> dict[str, tuple[str, ...]]:
    """people/orgs/places keyword arguments as the name table shows a document's raw values."""
    shown: dict[str, dict[str, None]] = {label: {} for label in FACETS}
    for label, values in raw.items():
        for value in values:
            resolved = names.resolve(label, value)
            if resolved is not None and resolved[0] in shown:
                shown[resolved[0]].setdefault(resolved[1], None)
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
    key: tuple[Path, int] | None = None

    def current(self, target: Path, lock: threading.Lock) -> T:
        try:
            stamp = (target / self.filename).stat().st_mtime_ns
        except OSError:
            stamp = 0
        with lock:
            if self.key != (target, stamp):
                self.value = self.read(target)
                self.key = (target, stamp)
            return self.value


class SearchService:
    """Answers searches, document look-ups and stats over the index at `index_dir`.

    The index is opened lazily, so the web app starts (and answers 503) before anything has
    been ingested. Facet arrays are cached per index generation.
    """

    def __init__(self, index_dir: Path, settings: Settings | None = None) -> None:
        self.index_dir = index_dir
        self.settings = settings or Settings()
        self._lock = threading.Lock()
        self._ix: Index | None = None
        self._ix_target: Path | None = None
        self._facets_key: tuple[object, ...] | None = None
        self._names = _Sidecar(NAMES_FILE, read_name_table, NameTable())
        self._facets: FacetIndex | None = None
        self._stories = _Sidecar(STORIES_FILE, read_story_table, StoryTable())
        self._story_keys: StoryKeys | None = None
        self._story_keys_key: tuple[object, ...] | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> SearchService:
        return cls(settings.index_dir, settings)

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
        target = self.index_dir.resolve()
        with self._lock:
            if self._ix is None or self._ix_target != target:
                self._ix = open_index(self.index_dir)
                self._ix_target = target
            return self._ix

    def _searcher(self) -> Searcher:
        return open_searcher(self._index())

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
        for members in table.members.values():
            found = [(m, searcher.document_number(doc_id=m)) for m in members]
            nums = [n for _, n in found if n is not None]
            if nums:
                keys[nums] = min(nums)
                docnums.update((m, n) for m, n in found if n is not None)
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
        return index_exists(self.index_dir)

    # -- queries ------------------------------------------------------------------------

    def _parse_query(self, searcher: Searcher, q: str) -> Query:
        if not q:
            return Every()
        parser = MultifieldParser(list(SEARCH_FIELDS), searcher.schema)
        try:
            return parser.parse(q)
        except Exception as exc:  # Whoosh raises assorted types on odd syntax
            raise QueryError(f"cannot parse query: {exc}", "q", q) from exc

    def search(self, request: SearchRequest) -> SearchResponse:
        """Run one search: matching, facet counts, the requested page with snippets.

        Raises:
            IndexMissing: nothing has been ingested yet.
        """
        started = time.perf_counter()
        with self._searcher() as searcher:
            query, counted = self._match(searcher, request)
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
        return SearchResponse(
            request=request,
            total=total,
            hits=hits,
            facets=facets,
            took_ms=took_ms,
            stories=story_count,
        )

    def facet_counts(self, request: SearchRequest) -> FacetCounts:
        """Matching and every facet count for a request, without fetching a page of hits."""
        with self._searcher() as searcher:
            return self._match(searcher, request)[1]

    def _match(self, searcher: Searcher, request: SearchRequest) -> tuple[Query, FacetCounts]:
        """The parsed query and the facet counts/result mask for a request."""
        facet_index = self._facet_index(searcher)
        query = self._parse_query(searcher, request.q)
        base = facet_index.live.copy()
        if request.q:
            matched = np.zeros(facet_index.doc_count, dtype=bool)
            matched[np.fromiter(searcher.docs_for_query(query), dtype=np.int64)] = True
            base &= matched
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
        kwargs: dict[str, Any] = {"limit": start + request.per_page, "terms": bool(request.q)}
        if filtered:
            kwargs["filter"] = set(np.nonzero(mask)[0].tolist())
        if sort != "relevance":
            kwargs["sortedby"] = _date_sort(self._facet_index(searcher), newest=sort == "newest")
        stories = self._keys(searcher)
        if request.collapsed and stories.docnums:
            keys = stories.keys
            # + 1: Whoosh does not collapse a falsy key, and docnum 0 is a story too
            kwargs["collapse"] = FunctionFacet(lambda _s, docnum: int(keys[docnum]) + 1)
            kwargs["collapse_limit"] = 1
        results = searcher.search(query, **kwargs)
        results.formatter = HtmlFormatter(tagname="mark", between=" … ")
        results.fragmenter = ContextFragmenter(
            maxchars=self.settings.snippet_chars, surround=self.settings.snippet_chars // 3
        )
        names = self._name_table()
        hits = []
        for hit in results[start : start + request.per_page]:
            snippet = hit.highlights("body", top=2) if request.q else ""
            if not snippet:
                snippet = excerpt(hit.get("body", ""), self.settings.snippet_chars)
            date_value = hit.get("date")
            matching = [m for m, n in stories.members(hit["doc_id"]) if mask[n]] or [hit["doc_id"]]
            hits.append(
                Hit(
                    doc_id=hit["doc_id"],
                    title=hit.get("title") or "(untitled)",
                    url=hit.get("url", ""),
                    source=hit.get("source", ""),
                    date=date_value.date() if isinstance(date_value, dt.datetime) else None,
                    snippet=snippet,
                    score=hit.score if sort == "relevance" and request.q else None,
                    **shown_entities(
                        names, {label: split_values(hit.get(label)) for label in FACETS}
                    ),
                    story_id=stories.table.story(hit["doc_id"]),
                    versions=len(matching),
                    version_ids=tuple(matching),
                )
            )
        return tuple(hits)

    def _facet(self, name: str, counts: list[tuple[str, int]], request: SearchRequest) -> Facet:
        selected = request.selected(name)
        shown = counts[: self.settings.facet_limit]
        count_of = dict(counts)
        # selected values are pinned first, even when no result carries them any more
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
        return Facet(name=name, values=values, total_values=len(counts))

    def _histogram(
        self, name: str, granularity: str, buckets: list[tuple[str, int]], request: SearchRequest
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
        with self._searcher() as searcher:
            _, counted = self._match(searcher, request)
        counts = counted.counts.get(name, [])
        needle = contains.strip().casefold()
        if needle:
            # a search for "zelensky" also finds "Volodymyr Zelenskiy" through its variants
            names = self._name_table()
            counts = [
                (v, c)
                for v, c in counts
                if needle in v.casefold()
                or any(needle in alt.casefold() for alt in names.variants(name, v))
            ]
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
        if label not in FACETS:
            raise QueryError(
                f"unknown entity type {label!r}; use {', '.join(FACETS)}", "label", label
            )
        request = self.parse({label: name, "sort": "newest", "per_page": str(limit)})
        response = self.search(request)
        if not response.total:
            raise EntityNotFound(label, name)
        # counts are disjunctive, so the entity's own facet counts every document; its
        # co-mentions of the same kind are counted within the entity's documents only
        with self._searcher() as searcher:
            result_mask = self._match(searcher, request)[1].result_mask
            arrays = self._facet_index(searcher).fields[label]
        per_value = arrays.count(result_mask)
        own = sorted(
            ((arrays.values[i], int(per_value[i])) for i in np.nonzero(per_value)[0].tolist()),
            key=lambda pair: (-pair[1], pair[0]),
        )
        facets = [
            self._facet(label, own, request) if facet.name == label else facet
            for facet in response.facets
            if facet.kind == "values"
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
        with self._searcher() as searcher:
            fields = searcher.document(doc_id=doc_id)
        if fields is None:
            raise DocumentNotFound(doc_id)
        return self._shown(document_from_stored(fields))

    def story_id(self, doc_id: str) -> str:
        """The story a document belongs to (its own id when it has no other version)."""
        return self._story_table().story(doc_id)

    def versions(self, doc_id: str) -> tuple[StoryLink, ...]:
        """The other versions of this document's story, each with why it is one.

        Raises:
            DocumentNotFound: no such id.
        """
        table = self._story_table()
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
        """Other stories like this document (Whoosh more_like_this over the body), one per
        story and none of its own versions, each with a one-line reason.

        Raises:
            DocumentNotFound: no such id.
        """
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

    def _shown(self, document: Document) -> Document:
        """A document's entities and mentions as the name table shows them."""
        names = self._name_table()
        mentions = []
        for mention in document.mentions:
            if mention.label in FACETS:
                resolved = names.resolve(mention.label, mention.value)
                if resolved is None:
                    continue
                mention = replace(mention, label=resolved[0], value=resolved[1])
            mentions.append(mention)
        raw = {"person": document.people, "org": document.orgs, "place": document.places}
        return replace(document, mentions=tuple(mentions), **shown_entities(names, raw))

    def stats(self) -> dict[str, Any]:
        """Counts for `docsift stats` and /healthz; never raises for a missing index."""
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
                    "earliest": dt.date.fromordinal(int(dated.min())).isoformat()
                    if len(dated)
                    else None,
                    "latest": dt.date.fromordinal(int(dated.max())).isoformat()
                    if len(dated)
                    else None,
                }
        except IndexUnavailable as exc:
            return {
                "documents": 0,
                "index": str(self.index_dir),
                "ready": False,
                "reason": str(exc),
            }


def _link(fields: Mapping[str, Any], reason: str) -> StoryLink:
    date_value = fields.get("date")
    return StoryLink(
        doc_id=fields["doc_id"],
        title=fields.get("title") or "(untitled)",
        date=date_value.date() if isinstance(date_value, dt.datetime) else None,
        reason=reason,
    )


def _shown_names(names: NameTable, fields: Mapping[str, Any]) -> list[str]:
    """A stored document's shown people, then organisations, then places."""
    shown = shown_entities(names, {label: split_values(fields.get(label)) for label in FACETS})
    return [*shown["people"], *shown["orgs"], *shown["places"]]

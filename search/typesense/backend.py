"""TypesenseBackend: the same searches on a Typesense 0.24 cluster (Raft-replicated server).

How docsift's features map onto Typesense:

- Words. Typesense 0.24 does not stem, so each document also carries `title_terms` and
  `body_terms`: the words of title and body after docsift's own NewsAnalyzer (the stems Whoosh
  indexes), and queries are parsed by the same Whoosh parser into the same stems
  (search.query.to_typesense). Typo tolerance and prefix search are off, so a word matches
  exactly as in Whoosh. Words, "phrases", NOT and a trailing `word*` are Typesense's ranked
  `q`; OR, groups and field:term become an exact filter expression.
- Names. Facet fields hold the names as the name table shows them (merged spellings, labels),
  resolved when written; the raw values stay in `*_raw` for `person:…` queries and for
  re-resolving when the name table changes (apply_names rewrites only what changed).
- Facets are disjunctive like Whoosh's: one multi-search with the main query plus, per
  selected facet or date range, the same query without that filter for that facet's counts.
- Date histograms: per histogram, string facets for the day, month and year buckets, built
  exactly as search/facets.py counts them (a document once per bucket; decades left out;
  never finer than the finest date); the granularity is chosen from the values present.
- Mentioned-date ranges are exact: day-precision dates are ordinals, coarser ones (month,
  year, decade) are the months they cover, and a range overlaps a coarse date iff it overlaps
  one of its whole months.
- Snippets are made by the same function as Whoosh's (search.service.make_snippet) from the
  stored body and the searched stems, so highlights read the same.
- Rebuild writes a new collection and then points the alias (`typesense_collection`) at it,
  so searches never see a half-built collection; the old collection is dropped after.
- The client knows every node and retries on the others, so a write survives a node going
  down; writes that fail during a leader election are retried until `write_timeout_s`.

- Versions of one story: each record carries its story key and change flags from the story
  table (apply_stories rewrites those that change); one hit per story is Typesense's group_by
  (the counts come from an ungrouped search, since grouped facet counts count stories).

- Related stories: Typesense 0.24 has no more-like-this; more_like() searches each of the
  document's key terms (tf·idf with document frequencies from Typesense) and ranks documents
  by the weights of the term lists they are in.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from search.backend import IndexStats
from search.documents import ENTITY_LABELS, Document
from search.errors import (
    ConfigError,
    IndexMissing,
    IndexSchemaMismatch,
    IndexUnavailable,
    QueryError,
)
from search.export import Export
from search.query import SearchRequest
from search.results import SearchResponse, StoryLink
from search.schema import build_schema
from search.settings import Settings
from search.stories import StoryTable
from search.tables import IndexTables
from search.typesense.collections import CollectionWrites
from search.typesense.plan import (
    VALUE_FACET_DEPTH,
    VALUES_MAX,
    empty_response,
    facet_counts_of,
    filters_of,
    hit_of,
    ranked,
    response_facets,
    search_plan,
)
from search.typesense.query import to_typesense
from search.typesense.records import from_record
from search.typesense.related import related

EXPORT_PAGE = 250  # records per search while exporting (Typesense's largest page)


class TypesenseBackend(CollectionWrites):
    """docsift's index in a Typesense collection (behind an alias) on a cluster."""

    name = "typesense"

    def __init__(
        self,
        nodes: list[tuple[str, int]],
        api_key: str,
        alias: str = "docsift",
        *,
        facet_limit: int = 10,
        snippet_chars: int = 240,
        write_timeout_s: float = 90.0,
        stories: StoryTable | None = None,
        tables: IndexTables | None = None,
    ) -> None:
        try:
            import typesense
        except ImportError as exc:
            raise ConfigError(
                "the typesense backend needs its client: pip install 'docsift[typesense]'"
            ) from exc
        if not nodes:
            raise ConfigError("typesense_nodes is empty: give host:port of every node")
        self.nodes = nodes
        self.alias = alias
        self.facet_limit = facet_limit
        self.snippet_chars = snippet_chars
        self.write_timeout_s = write_timeout_s
        self.stories = stories or StoryTable()
        # the name and story tables beside HOME/index, read when searching (None: a writer)
        self.tables = tables
        # where the index is, as `docsift stats` says it
        self.where = f"typesense {alias} on {','.join(f'{h}:{p}' for h, p in nodes)}"
        self._schema = build_schema()
        self._exceptions = typesense.exceptions
        self._api_key = api_key
        self.client = typesense.Client(
            {
                "api_key": api_key,
                "nodes": [{"host": h, "port": p, "protocol": "http"} for h, p in nodes],
                "connection_timeout_seconds": 10,
                # a node that is down is skipped for this long, then tried again
                "healthcheck_interval_seconds": 5,
                "num_retries": max(3, 2 * len(nodes)),
                "retry_interval_seconds": 0.5,
            }
        )

    @classmethod
    def from_settings(
        cls, settings: Settings, tables: IndexTables | None = None
    ) -> TypesenseBackend:
        backend = cls(
            settings.typesense_node_list,
            settings.typesense_api_key,
            settings.typesense_collection,
            facet_limit=settings.facet_limit,
            snippet_chars=settings.snippet_chars,
            tables=tables or IndexTables(settings.index_dir),
        )
        backend.where = f"typesense {backend.alias} on {settings.typesense_nodes}"
        return backend

    # -- reads --------------------------------------------------------------------------

    def count(self) -> int:
        collection = self._collection_name()
        if collection is None:
            return 0
        return int(self.client.collections[collection].retrieve()["num_documents"])

    def get(self, doc_id: str) -> Document | None:
        if self._collection_name() is None:
            raise IndexMissing("nothing has been indexed yet")
        try:
            record = self.client.collections[self.alias].documents[doc_id].retrieve()
        except self._exceptions.ObjectNotFound:
            return None
        except self._exceptions.TypesenseClientError as exc:
            raise IndexUnavailable(f"Typesense cannot be reached: {exc}") from exc
        return from_record(record)

    def multi(self, searches: list[dict[str, Any]]) -> list[dict[str, Any]]:
        try:
            found = self.client.multi_search.perform({"searches": searches}, {})
        except self._exceptions.TypesenseClientError as exc:
            raise IndexUnavailable(f"Typesense search failed: {exc}") from exc
        results = found["results"]
        for result in results:
            if "error" in result:
                message = str(result["error"])
                if int(result.get("code", 500)) == 404 and self._collection_name() is None:
                    raise IndexMissing("nothing has been indexed yet")
                if "Could not find a facet field" in message:
                    # a collection written by an earlier docsift lacks a newer facet field
                    raise IndexSchemaMismatch(
                        f"the Typesense collection was built by an older docsift ({message}): "
                        "run `docsift reindex`"
                    )
                if int(result.get("code", 500)) == 400:
                    raise QueryError(f"Typesense refused the query: {message}", "q", None)
                raise IndexUnavailable(f"Typesense search failed: {message}")
        return list(results)

    def search(self, request: SearchRequest) -> SearchResponse:
        """The page, facet counts and histograms of one request, in one multi-search.

        Raises:
            QueryError: the query uses what Typesense cannot run.
            IndexMissing: nothing has been indexed yet.
            IndexUnavailable: the cluster does not answer.
        """
        started = time.perf_counter()
        if self.tables is not None:
            # the story table beside HOME/index lists a hit's versions and their order
            self.stories = self.tables.stories()
        translated = to_typesense(request.q, self._schema)
        if translated.nothing:
            if self._collection_name() is None:
                raise IndexMissing("nothing has been indexed yet")
            return empty_response(request, self.facet_limit, started)
        searches = search_plan(request, translated, self.alias)
        results = self.multi(searches)
        counts, totals = facet_counts_of(results)
        if request.collapsed:
            total, stories = int(results[1]["found"]), int(results[0]["found"])
            groups = [g["hits"] for g in results[0].get("grouped_hits") or ()]
        else:
            total = stories = int(results[0]["found"])
            groups = [[h] for h in results[0]["hits"]]
        hits = tuple(
            hit_of(group, translated, request, self.stories, self.snippet_chars)
            for group in groups
            if group
        )
        return SearchResponse(
            request=request,
            total=total,
            hits=hits,
            facets=response_facets(request, counts, totals, self.facet_limit),
            took_ms=(time.perf_counter() - started) * 1000,
            stories=stories,
        )

    def export(self, request: SearchRequest) -> Export:
        """Every document the request matches, a page of EXPORT_PAGE records at a time
        (newest first, oldest first for sort=oldest): the first page says how many.

        Raises:
            QueryError: the query uses what Typesense cannot run.
            IndexMissing: nothing has been indexed yet.
        """
        translated = to_typesense(request.q, self._schema)
        if translated.nothing:
            if self._collection_name() is None:
                raise IndexMissing("nothing has been indexed yet")
            return Export(0, iter(()))
        search: dict[str, Any] = {
            **ranked(translated, self.alias),
            "per_page": EXPORT_PAGE,
            "sort_by": "date_asc:asc" if request.sort == "oldest" else "date_desc:desc",
            "exclude_fields": "title_terms,body_terms,author_terms",
            "highlight_fields": "doc_id",
        }
        clause = filters_of(request, translated.filter_by).without()
        if clause:
            search["filter_by"] = clause
        first = self.multi([{**search, "page": 1}])[0]
        total = int(first["found"])

        def documents() -> Iterator[Document]:
            result, page = first, 1
            while True:
                for hit in result.get("hits") or ():
                    yield from_record(hit["document"])
                if page * EXPORT_PAGE >= total or not result.get("hits"):
                    return
                page += 1
                result = self.multi([{**search, "page": page}])[0]

        return Export(total, documents())

    def facet_counts(
        self, request: SearchRequest, name: str, limit: int | None, *, disjunctive: bool = True
    ) -> tuple[list[tuple[str, int]], int]:
        """One facet's (value, count) pairs, most first, and how many values it has; without
        its own filter when `disjunctive` (as search shows it), with it otherwise."""
        translated = to_typesense(request.q, self._schema)
        if translated.nothing:
            return [], 0
        filters = filters_of(request, translated.filter_by)
        search: dict[str, Any] = {
            **ranked(translated, self.alias),
            "per_page": 0,
            "facet_by": name,
            "max_facet_values": max(limit or VALUES_MAX, VALUE_FACET_DEPTH),
        }
        clause = filters.without(name) if disjunctive else filters.without()
        if clause:
            search["filter_by"] = clause
        result = self.multi([search])[0]
        for facet in result.get("facet_counts") or ():
            pairs = sorted(
                ((v["value"], int(v["count"])) for v in facet["counts"]),
                key=lambda pair: (-pair[1], pair[0]),
            )
            return pairs, int((facet.get("stats") or {}).get("total_values", len(pairs)))
        return [], 0

    def related(self, doc_id: str, limit: int) -> tuple[StoryLink, ...]:
        if self.tables is None:
            raise ConfigError("related stories are read beside the index: open with tables")
        return related(self, self.tables, doc_id, limit)

    def stats(self) -> IndexStats:
        """Counts asked of the cluster: documents, names per facet, the date range."""
        where = self.where
        try:
            if not self.ready():
                return IndexStats(0, False, where, self.name)
            request = SearchRequest()
            totals = {
                label: self.facet_counts(request, label, 1)[1]
                for label in (*ENTITY_LABELS, "language")
            }
            newest = self.search(replace(request, sort="newest", per_page=1)).hits
            oldest = self.search(replace(request, sort="oldest", per_page=1)).hits
            return IndexStats(
                documents=self.count(),
                ready=True,
                index=where,
                backend=self.name,
                nodes=len(self.nodes),
                people=totals["person"],
                orgs=totals["org"],
                places=totals["place"],
                languages=totals["language"],
                earliest=oldest[0].date.isoformat() if oldest and oldest[0].date else None,
                latest=newest[0].date.isoformat() if newest and newest[0].date else None,
            )
        except IndexUnavailable as exc:
            return IndexStats(0, False, where, self.name, reason=str(exc))

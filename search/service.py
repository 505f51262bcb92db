"""SearchService: the single read entry point that the web app and the CLI both call.

It knows no engine: searching, counting, documents and related stories are the backend's
(search/backend.py); what is the same whichever engine answers lives here: request parsing
with this deployment's limits, the facet "show more" and its search box, entity pages,
comparing versions and listing them, the change filter as a facet, and showing a document's
names as the name table decides.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from search.backend import Backend, IndexStats
from search.compare import Comparison, compare_documents
from search.documents import Document
from search.engines import open_backend, whoosh_backend
from search.errors import DocumentNotFound, EntityNotFound, QueryError
from search.export import Export
from search.facets import value_facet
from search.mention_sentences import sentences_mentioning
from search.parameters import ENTITY_FACETS, FACETS
from search.query import SearchRequest, parse_request
from search.results import EntityResponse, Facet, FacetValue, SearchResponse, StoryLink
from search.searchers import SEARCHERS
from search.settings import Settings
from search.stories import CHANGE_FLAGS
from search.tables import IndexTables
from search.variants import rank_name_matches


class SearchService:
    """Answers searches, document look-ups and stats through `backend`, with the name and
    story tables `tables` reads beside the index."""

    def __init__(
        self, backend: Backend, tables: IndexTables, settings: Settings | None = None
    ) -> None:
        self.backend = backend
        self.tables = tables
        self.settings = settings or Settings()

    @classmethod
    def from_settings(cls, settings: Settings) -> SearchService:
        """The service over the backend `settings.backend` names (Whoosh by default).

        Raises:
            ConfigError: an unknown backend, or Typesense without nodes or its client.
        """
        tables = IndexTables(settings.index_dir)
        return cls(open_backend(settings, tables), tables, settings)

    @classmethod
    def over_index(
        cls, index_dir: Path, settings: Settings | None = None, *, searchers: int = SEARCHERS
    ) -> SearchService:
        """The service over the Whoosh index at `index_dir` (tests, benchmarks)."""
        settings = settings or Settings()
        tables = IndexTables(index_dir)
        backend = whoosh_backend(settings, tables, index_dir=index_dir, searchers=searchers)
        return cls(backend, tables, settings)

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

    def is_ready(self) -> bool:
        return self.backend.ready()

    def search(self, request: SearchRequest) -> SearchResponse:
        """One page of results with facet counts and date histograms.

        Raises:
            IndexMissing: nothing has been ingested yet.
        """
        return self.backend.search(request)

    def export(self, request: SearchRequest) -> Export:
        """Every document the request matches, names shown as the facets show them, one at a
        time (search.export writes them as JSON Lines or CSV).

        Raises:
            IndexMissing: nothing has been ingested yet.
            QueryError: the engine cannot export this request.
        """
        found = self.backend.export(request)
        names = self.tables.names()
        found.documents = (names.show(document) for document in found.documents)
        return found

    def facet_values(
        self,
        name: str,
        request: SearchRequest,
        limit: int = 100,
        contains: str = "",
        offset: int = 0,
    ) -> Facet:
        """A facet's values for the request, optionally only those containing `contains`
        (case-insensitive), `limit` of them after the first `offset` (most frequent first):
        "show more", its pages and the facet's search box.

        Raises:
            QueryError: unknown facet name.
        """
        if name not in FACETS:
            raise QueryError(
                f"unknown facet {name!r}; facets are {', '.join(FACETS)}", "facet", name
            )
        counts, _ = self.backend.facet_counts(request, name, None)
        needle = contains.strip().casefold()
        if needle:
            # a search for "zelensky" also finds "Volodymyr Zelenskiy" through its variants
            names = self.tables.names()
            counts = rank_name_matches(counts, needle, lambda v: names.variants(name, v))
        return Facet(
            name=name,
            values=tuple(
                FacetValue(
                    v, c, v in request.selected(name), request.with_toggled(name, v).query_string()
                )
                for v, c in counts[offset : offset + limit]
            ),
            total_values=len(counts),
        )

    # -- names and entities ----------------------------------------------------------

    def variants(self, label: str, name: str) -> tuple[str, ...]:
        """Other spellings merged into this name ("also written as")."""
        return self.tables.names().variants(label, name)

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
        own = self.backend.facet_counts(request, label, None, disjunctive=False)[0]
        facets = [
            value_facet(label, own, request, self.settings.facet_limit)
            if facet.name == label
            else facet
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
        spellings = self.variants(label, name)
        quotes = {}
        for hit in response.hits:
            found = self.backend.get(hit.doc_id)
            if found is not None:
                shown = self.tables.names().show(found)
                quotes[hit.doc_id] = sentences_mentioning(shown, label, name, spellings)
        return EntityResponse(
            label=label,
            name=name,
            also_written_as=spellings,
            total=response.total,
            stories=response.stories,
            documents=response.hits,
            co_mentions=co_mentions,
            timeline=published,
            mentioned_dates=mentioned,
            sentences=quotes,
            # the list is in date order only when something in it has a date
            dated=any(hit.date for hit in response.hits),
        )

    # -- documents, versions and stats --------------------------------------------------

    def get(self, doc_id: str) -> Document:
        """The stored document with this id, its names as the name table shows them.

        Raises:
            DocumentNotFound: no such id.
            IndexMissing: nothing has been ingested yet.
        """
        found = self.backend.get(doc_id)
        if found is None:
            raise DocumentNotFound(doc_id)
        return self.tables.names().show(found)

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
        changes = self.tables.stories().changes
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
        if not any(c.flags for c in self.tables.stories().changes.values()):
            return Facet(name="changes", values=(), total_values=0)
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

    def story_id(self, doc_id: str) -> str:
        """The story a document belongs to (its own id when it has no other version)."""
        return self.tables.stories().story(doc_id)

    def versions(self, doc_id: str) -> tuple[StoryLink, ...]:
        """The other versions of this document's story, each with why it is one.

        Raises:
            DocumentNotFound: no such id.
        """
        table = self.tables.stories()
        if self.backend.get(doc_id) is None:
            raise DocumentNotFound(doc_id)
        links = []
        for other in table.versions(doc_id):
            found = self.backend.get(other) if other != doc_id else None
            if found is not None:
                links.append(
                    StoryLink(
                        other,
                        found.title or "(untitled)",
                        found.published,
                        table.reason(doc_id, other),
                        found.published_precision,
                    )
                )
        return tuple(links)

    def related(self, doc_id: str, limit: int = 5) -> tuple[StoryLink, ...]:
        """Other stories like this document, one per story and none of its own versions,
        each with a one-line reason (search/related.py).

        Raises:
            DocumentNotFound: no such id.
        """
        return self.backend.related(doc_id, limit)

    def stats(self) -> IndexStats:
        """Counts for `docsift stats`, /healthz and the about page; never raises for a
        missing index."""
        return self.backend.stats()

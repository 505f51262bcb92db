"""The backend seam: everything the one SearchService and the indexer need from an engine.

Whoosh (embedded, one process; search/whoosh_backend.py) is the default and the reference;
Typesense (a replicated server cluster; search/typesense/) is chosen by configuration
(`backend = "typesense"`, search/engines.py). The web app, the JSON API and the CLI talk to
SearchService only, so they never know which engine answers. Everything a backend receives
and returns is docsift's own value objects (Document, SearchRequest, SearchResponse,
NameTable, StoryLink, IndexStats), never an engine's types.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Protocol, TypedDict, runtime_checkable

from search.documents import Document
from search.export import Export
from search.json_schema import Schema, Whole
from search.names import NameTable
from search.query import SearchRequest
from search.results import SearchResponse, StoryLink
from search.stories import StoryTable


class HealthJSON(TypedDict):
    """/healthz: alive, and which index generation this process answers from."""

    status: Literal["ok"]
    documents: Whole
    ready: bool
    generation: Annotated[
        str | None,
        Schema(
            description="the index generation answering (index-N); null before the first "
            "ingest and for an engine without generations"
        ),
    ]
    commit: Annotated[
        int | None,
        Schema(description="the commit within that generation (every ingest adds one)"),
    ]


@dataclass(frozen=True)
class IndexStats:
    """What an index holds, for `docsift stats`, /healthz and the about page; a figure an
    engine does not keep is None (segments and the generation are Whoosh's, nodes a
    cluster's, cache counters those of an engine with a result cache)."""

    documents: int
    ready: bool
    index: str
    backend: str
    reason: str | None = None
    people: int | None = None
    orgs: int | None = None
    places: int | None = None
    languages: int | None = None
    earliest: str | None = None
    latest: str | None = None
    generation: int | None = None
    segments: int | None = None
    nodes: int | None = None
    cache_hits: int | None = None
    cache_misses: int | None = None
    cache_entries: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def health(self) -> HealthJSON:
        """The liveness answer: behind several workers, every one reports the generation it
        has open (each picks up a reindex on its own)."""
        ready = self.ready and self.generation is not None
        return {
            "status": "ok",
            "documents": self.documents,
            "ready": self.ready,
            "generation": Path(self.index).name if ready else None,
            "commit": self.generation,
        }

    def describe(self) -> str:
        """One line: documents, where or in how many segments, and the names."""
        if not self.ready:
            return "none yet: run `docsift ingest PATH`"
        where = f", {self.segments} segments" if self.segments is not None else f" in {self.index}"
        return (
            f"{self.documents} documents{where}, {self.people} people, "
            f"{self.orgs} organisations, {self.places} places"
        )


@runtime_checkable
class Backend(Protocol):
    """A search engine behind docsift: writes (add or replace by doc_id, delete, an atomic
    rebuild that readers never see half-done), reads (one search with query, filters,
    disjunctive facets, date histograms, highlights, sort and paging; a document by id; the
    document count; related stories) and the corpus-wide name and story tables that decide
    how entity values show and which documents are versions of one story."""

    name: str

    def ready(self) -> bool:
        """Whether anything has been indexed (the web app answers 503 until then)."""
        ...

    def write(self, documents: Iterable[Document], names: NameTable) -> int:
        """Add or replace documents by doc_id; returns how many were written."""
        ...

    def delete(self, doc_ids: Iterable[str]) -> int:
        """Remove documents by id; returns how many were removed."""
        ...

    def export(self, request: SearchRequest) -> Export:
        """Every document the request matches (every version, not a page), with their
        number known before the first, streamed one at a time (search.export).

        Raises:
            QueryError: the engine cannot export this request (answered with HTTP 400).
        """
        ...

    def rebuild(self, documents: Iterable[Document], names: NameTable, stories: StoryTable) -> int:
        """Build a complete new index from `documents` and swap it in atomically."""
        ...

    def apply_names(self, names: NameTable, previous: NameTable | None = None) -> None:
        """Make a new name table (merged spellings, labels) take effect; `previous` is the
        table in effect until now (None: unknown), so only what changed need be redone."""
        ...

    def apply_stories(self, stories: StoryTable) -> None:
        """Make a new story table (versions of one story) take effect."""
        ...

    def count(self) -> int:
        """Documents in the index."""
        ...

    def get(self, doc_id: str) -> Document | None:
        """The indexed document with its raw entity values, or None."""
        ...

    def search(self, request: SearchRequest) -> SearchResponse:
        """One page of results with facet counts and histograms.

        Raises:
            QueryError: a query this engine cannot run.
            IndexMissing: nothing has been indexed yet.
            IndexUnavailable: the index cannot be read.
        """
        ...

    def facet_counts(
        self, request: SearchRequest, name: str, limit: int | None, *, disjunctive: bool = True
    ) -> tuple[list[tuple[str, int]], int]:
        """One facet's (value, count) pairs, most first, and how many values it has; `name`
        may also be "changes" (the story table's change flags). Without its own filter when
        `disjunctive` (as search shows it), with it otherwise. `limit` None: as many as the
        engine keeps (Whoosh: all)."""
        ...

    def related(self, doc_id: str, limit: int) -> tuple[StoryLink, ...]:
        """Other stories like this document, one per story, each with its reason
        (search/related.py).

        Raises:
            DocumentNotFound: no such id.
        """
        ...

    def stats(self) -> IndexStats:
        """What the index holds; never raises for a missing or unreadable index."""
        ...

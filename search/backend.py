"""The backend seam: what the one SearchService and the indexer need from a search engine.

Whoosh (embedded, one process) is the default and the reference; Typesense (a replicated
server cluster) is chosen by configuration (`backend = "typesense"`). The web app, the JSON API
and the CLI talk to SearchService only, so they never know which engine answers. Everything a
backend receives and returns is docsift's own value objects (Document, SearchRequest,
SearchResponse, NameTable), never an engine's types.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from search.documents import Document
from search.errors import ConfigError
from search.index import (
    delete_documents,
    index_exists,
    rebuild_index,
    write_documents,
    write_names,
    write_stories,
)
from search.names import NameTable
from search.query import SearchRequest
from search.results import SearchResponse
from search.settings import BACKENDS, Settings
from search.stories import StoryTable

if TYPE_CHECKING:
    from search.service import SearchService


@runtime_checkable
class Backend(Protocol):
    """A search engine behind docsift: writes (add or replace by doc_id, delete, an atomic
    rebuild that readers never see half-done), reads (one search with query, filters,
    disjunctive facets, date histograms, highlights, sort and paging; a document by id; the
    document count) and the corpus-wide name table that decides how entity values show."""

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
        """One page of results with facet counts and histograms."""
        ...

    def facet_counts(
        self, request: SearchRequest, name: str, limit: int, *, disjunctive: bool = True
    ) -> tuple[list[tuple[str, int]], int]:
        """One facet's (value, count) pairs, most first, and how many values it has."""
        ...


class WhooshBackend:
    """The embedded default: writes through search/index.py, reads through SearchService's
    numpy path (search/matching.py, search/facets.py), exactly as before the seam existed."""

    name = "whoosh"

    def __init__(self, settings: Settings, service: SearchService | None = None) -> None:
        self.settings = settings
        self._service = service

    @property
    def service(self) -> SearchService:
        if self._service is None:
            from search.service import SearchService

            self._service = SearchService(self.settings.index_dir, self.settings)
        return self._service

    def ready(self) -> bool:
        return index_exists(self.settings.index_dir)

    def write(self, documents: Iterable[Document], names: NameTable) -> int:
        count = write_documents(self.settings.index_dir, documents)
        write_names(self.settings.index_dir, names)
        return count

    def delete(self, doc_ids: Iterable[str]) -> int:
        return delete_documents(self.settings.index_dir, doc_ids)

    def rebuild(self, documents: Iterable[Document], names: NameTable, stories: StoryTable) -> int:
        return rebuild_index(self.settings.index_dir, documents, names=names, stories=stories)

    def apply_names(self, names: NameTable, previous: NameTable | None = None) -> None:
        write_names(self.settings.index_dir, names)  # read at query time: nothing to redo

    def apply_stories(self, stories: StoryTable) -> None:
        write_stories(self.settings.index_dir, stories)

    def count(self) -> int:
        return int(self.service.stats().get("documents", 0))

    def get(self, doc_id: str) -> Document | None:
        from search.service import document_in_index

        return document_in_index(self.service, doc_id)

    def search(self, request: SearchRequest) -> SearchResponse:
        return self.service.search(request)

    def facet_counts(
        self, request: SearchRequest, name: str, limit: int, *, disjunctive: bool = True
    ) -> tuple[list[tuple[str, int]], int]:
        counted = self.service.facet_counts(request)
        if disjunctive:
            counts = list(counted.counts.get(name, []))
        else:
            # within the documents every filter selects, this facet's own included
            with self.service._searcher() as searcher:
                arrays = self.service._facet_index(searcher).fields[name]
            counts = arrays.ranked(arrays.count(counted.result_mask))
        return counts[:limit], len(counts)


def open_backend(settings: Settings) -> Backend:
    """The backend `settings.backend` names.

    Raises:
        ConfigError: an unknown backend, or Typesense without nodes or its client.
    """
    if settings.backend == "whoosh":
        return WhooshBackend(settings)
    if settings.backend == "typesense":
        from search.typesense_backend import TypesenseBackend

        return TypesenseBackend.from_settings(settings)
    raise ConfigError(f"backend must be one of {', '.join(BACKENDS)}, got {settings.backend!r}")

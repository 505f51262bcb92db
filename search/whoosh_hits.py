"""Whoosh's stored documents made into results: which documents fill the requested page (by
relevance or by date, one per story when versions are collapsed), each one's stored fields made
into a Hit with its snippet, a document's related stories (more like this), an export's
documents, and the index's stats. Apart from the backend (search/whoosh_backend.py), which
decides what matches and what is cached.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
from whoosh.query import Query
from whoosh.searching import Searcher

from search.backend import IndexStats
from search.budget import check_time
from search.cache import CacheStats
from search.documents import (
    Document,
    document_from_stored,
    stored_names,
    stored_precision,
)
from search.errors import DocumentNotFound
from search.export import Export
from search.facet_arrays import FacetIndex
from search.matching import by_date, first_per_story, highlight_words, top_by_relevance
from search.names import NameTable
from search.pages import snippet_page
from search.query import SearchRequest
from search.related import Similar, related_links
from search.results import Hit, StoryLink
from search.snippets import make_snippet
from search.stories import StoryTable
from search.story_keys import StoryKeys


def ranked_page(
    searcher: Searcher,
    query: Query,
    request: SearchRequest,
    mask: np.ndarray,
    *,
    filtered: bool,
    stories: StoryKeys,
    published_ordinal: np.ndarray,
) -> list[tuple[int, float | None]]:
    """Document numbers (with scores when ranked by relevance) from the first hit up to the
    end of the requested page, one per story when versions are collapsed."""
    sort = request.effective_sort
    keys = stories.keys if request.collapsed and stories.docnums else None
    need = request.page * request.per_page
    if sort == "relevance":
        return list(
            top_by_relevance(
                searcher,
                query,
                need=need,
                allowed=mask if filtered else None,
                keys=keys,
                matched=mask,
            )
        )
    ordered = first_per_story(by_date(mask, published_ordinal, newest=sort == "newest"), keys)
    return [(int(docnum), None) for docnum in ordered[:need]]


def make_hits(
    searcher: Searcher,
    query: Query,
    request: SearchRequest,
    ranked: list[tuple[int, float | None]],
    mask: np.ndarray,
    *,
    stories: StoryKeys,
    names: NameTable,
    snippet_chars: int,
) -> tuple[Hit, ...]:
    """The hits for `ranked` (already cut to the page), snippets around the query's words."""
    words = highlight_words(searcher, query) if request.q else frozenset()
    analyzer = searcher.schema["body"].analyzer
    scored = request.effective_sort == "relevance" and bool(request.q)
    hits = []
    for docnum, score in ranked:
        check_time()
        hit = searcher.stored_fields(docnum)
        body = hit.get("body", "")
        snippet = make_snippet(body, words, snippet_chars, analyzer)
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
                score=score if scored else None,
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


def story_link(fields: Mapping[str, Any], reason: str = "") -> StoryLink:
    """A related story's link from its stored fields."""
    date_value = fields.get("date")
    return StoryLink(
        doc_id=fields["doc_id"],
        title=fields.get("title") or "(untitled)",
        date=date_value.date() if isinstance(date_value, dt.datetime) else None,
        reason=reason,
        date_precision=stored_precision(fields.get("day")),
    )


def related_stories(
    searcher: Searcher, doc_id: str, limit: int, names: NameTable, stories: StoryTable
) -> tuple[StoryLink, ...]:
    """Whoosh's more_like_this over the body; a candidate that shares no name with this
    document shows the key terms both bodies hold.

    Raises:
        DocumentNotFound: no document has this id.
    """
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
        hits = searcher.more_like(docnum, "body", text=text, top=limit * 4 + 10, numterms=15)
        for hit in hits:
            other = hit.fields()
            yield Similar(
                story_link(other),
                names.shown_names(stored_names(other)),
                functools.partial(shared_terms, other),
            )

    return related_links(
        doc_id, names.shown_names(stored_names(fields)), candidates(), stories, limit
    )


# document numbers turned into Python ints at a time while exporting
EXPORT_CHUNK = 1000


def exported(searcher: Searcher, order: np.ndarray) -> Export:
    """The documents numbered in `order`, read one at a time from `searcher` (its own: the
    export closes it when done)."""

    def documents() -> Iterator[Document]:
        for start in range(0, len(order), EXPORT_CHUNK):
            for docnum in order[start : start + EXPORT_CHUNK].tolist():
                yield document_from_stored(searcher.stored_fields(docnum))

    return Export(len(order), documents(), searcher.close)


def index_stats(
    searcher: Searcher, facet_index: FacetIndex, *, index: str, backend: str, cached: CacheStats
) -> IndexStats:
    """What `docsift stats` and /healthz show of a Whoosh index: counts from the facet
    arrays, the published date range, segments and the response cache's hits."""
    reader = searcher.reader()
    dated = facet_index.published_ordinal[facet_index.live]
    dated = dated[dated > 0]
    return IndexStats(
        documents=searcher.doc_count(),
        ready=True,
        index=index,
        backend=backend,
        generation=reader.generation(),
        segments=len(reader.leaf_readers()),
        people=len(facet_index.fields["person"].values),
        orgs=len(facet_index.fields["org"].values),
        places=len(facet_index.fields["place"].values),
        languages=len(facet_index.fields["language"].values),
        earliest=dt.date.fromordinal(int(dated.min())).isoformat() if len(dated) else None,
        latest=dt.date.fromordinal(int(dated.max())).isoformat() if len(dated) else None,
        cache_hits=cached.hits,
        cache_misses=cached.misses,
        cache_entries=cached.entries,
    )

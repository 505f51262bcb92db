"""Hit, FacetValue and SearchResponse: what a search returns, and its JSON contract."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, TypedDict

from search.documents import DocumentJSON, IsoAt, iso_at
from search.json_schema import Schema, Whole
from search.mention_sentences import MentionSentence, MentionSentenceJSON
from search.parameters import ENTITY_FACETS, FACETS, HISTOGRAMS, MAX_PAGE
from search.query import QueryJSON, SearchRequest

# a histogram's bucket size (search.facets.granularity)
GRANULARITIES = ("day", "month", "year")
Granularity = Annotated[str, Schema(enum=GRANULARITIES)]


class HitJSON(TypedDict):
    id: str
    title: Annotated[str, Schema(description="plain text: escape it to show it")]
    url: Annotated[str, Schema(description="as ingested; may be any scheme")]
    source: str
    date: IsoAt | None
    snippet: Annotated[str, Schema(description="HTML-escaped text with <mark> around matches")]
    score: Annotated[
        float | None, Schema(description="relevance; null when sorted by date or browsing")
    ]
    people: list[str]
    orgs: list[str]
    places: list[str]
    story_id: str
    versions: Annotated[int, Schema(minimum=1)]
    version_ids: Annotated[list[str], Schema(minItems=1)]
    language: Annotated[
        str | None,
        Schema(
            description="ISO 639-1 code detected from the text; null for documents indexed "
            "before languages were detected"
        ),
    ]
    page: Annotated[
        Annotated[int, Schema(minimum=1)] | None,
        Schema(
            description="the page of a PDF or scan the snippet's first match is on (null for "
            "documents without pages)"
        ),
    ]


class StoryLinkJSON(TypedDict):
    id: str
    title: str
    date: IsoAt | None
    reason: str


class DocumentPageJSON(DocumentJSON):
    """A document with its story: /api/documents/<id>."""

    story_id: str
    versions: list[StoryLinkJSON]
    related: list[StoryLinkJSON]


class FacetValueJSON(TypedDict):
    value: str
    count: Whole
    selected: bool
    toggle_url: Annotated[
        str,
        Schema(
            pattern=r"^/api/search(\?.*)?$",
            description="the same search with this value added or removed",
        ),
    ]


class FacetValuesJSON(TypedDict):
    """One facet's values for a search (/api/facets/<facet>)."""

    facet: Annotated[str, Schema(enum=FACETS)]
    total_values: Whole
    offset: Whole
    values: list[FacetValueJSON]


# every facet's shown values, by facet name
FacetsJSON = Annotated[dict[str, list[FacetValueJSON]], Schema(keys=(*FACETS, *HISTOGRAMS))]


class SearchResponseJSON(TypedDict):
    query: QueryJSON
    total: Annotated[Whole, Schema(description="matching documents")]
    stories: Annotated[Whole, Schema(description="distinct stories")]
    page: Annotated[int, Schema(minimum=1, maximum=MAX_PAGE)]
    per_page: Annotated[int, Schema(minimum=1)]
    pages: Annotated[int, Schema(minimum=1)]
    took_ms: Annotated[float, Schema(minimum=0)]
    also_searching: Annotated[
        list[str],
        Schema(description="other spellings of names in q searched too (none if exact)"),
    ]
    suggestion: Annotated[
        str | None,
        Schema(description="q with unknown or rare words corrected (Did you mean)"),
    ]
    corrected_from: Annotated[
        str | None,
        Schema(
            description="q as typed, when it found nothing and the hits are those of the "
            "suggestion (query.q)"
        ),
    ]
    hits: list[HitJSON]
    facets: FacetsJSON
    histograms: Annotated[dict[str, Granularity], Schema(keys=tuple(HISTOGRAMS))]


class EntityDocumentJSON(HitJSON):
    sentences: Annotated[
        list[MentionSentenceJSON],
        Schema(description="the document's sentences naming the entity, in text order"),
    ]


class HistogramJSON(TypedDict):
    granularity: Granularity
    buckets: list[FacetValueJSON]


class EntityJSON(TypedDict):
    label: Annotated[str, Schema(enum=ENTITY_FACETS)]
    name: str
    also_written_as: list[str]
    total: Annotated[int, Schema(minimum=1)]
    stories: Annotated[int, Schema(minimum=1, description="distinct stories")]
    sorted_by_date: Annotated[
        bool, Schema(description="documents are newest first; false when none has a date")
    ]
    documents: list[EntityDocumentJSON]
    co_mentions: Annotated[dict[str, list[FacetValueJSON]], Schema(keys=ENTITY_FACETS)]
    timeline: HistogramJSON
    mentioned_dates: HistogramJSON


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result as shown in a list: snippet is already-escaped HTML with <mark>."""

    doc_id: str
    title: str
    url: str
    source: str
    date: dt.date | None
    snippet: str
    score: float | None
    people: tuple[str, ...] = ()
    orgs: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    story_id: str = ""
    versions: int = 1  # versions of this story that match the request, this one included
    version_ids: tuple[str, ...] = ()
    date_precision: str = "day"  # "month" or "year" when the page gives no more
    language: str = ""  # ISO 639-1 ("" for documents indexed before languages were detected)
    page: int | None = None  # the page of a PDF or scan the snippet comes from

    def to_dict(self) -> HitJSON:
        return {
            "id": self.doc_id,
            "title": self.title,
            "url": self.url,
            "source": self.source,
            "date": iso_at(self.date, self.date_precision) if self.date else None,
            "snippet": self.snippet,
            "score": None if self.score is None else round(self.score, 4),
            "people": list(self.people),
            "orgs": list(self.orgs),
            "places": list(self.places),
            "story_id": self.story_id or self.doc_id,
            "versions": self.versions,
            "version_ids": list(self.version_ids or (self.doc_id,)),
            "language": self.language or None,
            "page": self.page,
        }


@dataclass(frozen=True, slots=True)
class StoryLink:
    """Another document shown from a document page: a version of its story or a related one."""

    doc_id: str
    title: str
    date: dt.date | None
    reason: str
    date_precision: str = "day"

    def to_dict(self) -> StoryLinkJSON:
        return {
            "id": self.doc_id,
            "title": self.title,
            "date": iso_at(self.date, self.date_precision) if self.date else None,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class FacetValue:
    """One value of a facet with its count; toggle_query adds or removes it from the request."""

    value: str
    count: int
    selected: bool
    toggle_query: str = ""

    def toggle_url(self, base: str) -> str:
        return f"{base}?{self.toggle_query}" if self.toggle_query else base

    def to_dict(self, base: str = "/api/search") -> FacetValueJSON:
        return {
            "value": self.value,
            "count": self.count,
            "selected": self.selected,
            "toggle_url": self.toggle_url(base),
        }


@dataclass(frozen=True, slots=True)
class Facet:
    """A facet's shown values plus how many distinct values exist in all."""

    name: str
    values: tuple[FacetValue, ...]
    total_values: int
    kind: str = "values"  # "values" (person, org, place, language) or "histogram" (dates)
    granularity: str = ""  # histograms: one of GRANULARITIES

    def page_dict(self, offset: int, base: str = "/api/search") -> FacetValuesJSON:
        """The JSON of a page of this facet's values starting at `offset`."""
        return {
            "facet": self.name,
            "total_values": self.total_values,
            "offset": offset,
            "values": [v.to_dict(base) for v in self.values],
        }

    def histogram_dict(self, base: str = "/api/search") -> HistogramJSON:
        return {
            "granularity": self.granularity,
            "buckets": [v.to_dict(base) for v in self.values],
        }


@dataclass(frozen=True, slots=True)
class SearchResponse:
    """A page of results with facets; the same object feeds HTML, JSON and the CLI."""

    request: SearchRequest
    total: int
    hits: tuple[Hit, ...]
    facets: tuple[Facet, ...]
    took_ms: float
    stories: int | None = None  # distinct stories among the matches (None: not counted)
    # other spellings of names in the query that were searched too (search.variants)
    also_searching: tuple[str, ...] = ()
    # "Did you mean": the query with unknown or rare words corrected (search.spelling)
    suggestion: str | None = None
    # the query as typed, when it found nothing and these are the suggestion's results
    corrected_from: str | None = None

    @property
    def shown_total(self) -> int:
        """What paging counts: stories when versions are collapsed, else documents."""
        if self.request.collapsed and self.stories is not None:
            return self.stories
        return self.total

    @property
    def count_label(self) -> str:
        """The one count shown everywhere: "N stories (M documents)" when versions of a story
        are collapsed into one hit and that makes a difference, else "M documents"."""
        return count_label(self.total, self.stories if self.request.collapsed else None)

    @property
    def pages(self) -> int:
        return max(1, -(-self.shown_total // self.request.per_page))

    def facet(self, name: str) -> Facet | None:
        return next((f for f in self.facets if f.name == name), None)

    def to_dict(self, base: str = "/api/search") -> SearchResponseJSON:
        """The JSON contract; `base` is the path facet toggle URLs point at."""
        return {
            "query": self.request.to_dict(),
            "total": self.total,
            "stories": self.total if self.stories is None else self.stories,
            "page": self.request.page,
            "per_page": self.request.per_page,
            "pages": self.pages,
            "took_ms": round(self.took_ms, 2),
            "also_searching": list(self.also_searching),
            "suggestion": self.suggestion,
            "corrected_from": self.corrected_from,
            "hits": [h.to_dict() for h in self.hits],
            "facets": {f.name: [v.to_dict(base) for v in f.values] for f in self.facets},
            "histograms": {f.name: f.granularity for f in self.facets if f.kind == "histogram"},
        }


@dataclass(frozen=True, slots=True)
class EntityResponse:
    """An entity page: who or what, where it is mentioned, with whom, and when."""

    label: str
    name: str
    also_written_as: tuple[str, ...]
    total: int
    documents: tuple[Hit, ...]
    co_mentions: tuple[Facet, ...]
    timeline: Facet
    mentioned_dates: Facet
    stories: int | None = None  # the stories `documents` belong to (versions collapsed)
    # doc_id -> the sentences of that document naming the entity (search.mention_sentences)
    sentences: Mapping[str, tuple[MentionSentence, ...]] = field(default_factory=dict)
    dated: bool = False  # `documents` are newest first (else nothing in them has a date)

    @property
    def count_label(self) -> str:
        return count_label(self.total, self.stories)

    def to_dict(self, base: str = "/api/search") -> EntityJSON:
        return {
            "label": self.label,
            "name": self.name,
            "also_written_as": list(self.also_written_as),
            "total": self.total,
            "stories": self.total if self.stories is None else self.stories,
            "sorted_by_date": self.dated,
            "documents": [
                EntityDocumentJSON(
                    **h.to_dict(),
                    sentences=[m.to_dict() for m in self.sentences.get(h.doc_id, ())],
                )
                for h in self.documents
            ],
            "co_mentions": {f.name: [v.to_dict(base) for v in f.values] for f in self.co_mentions},
            "timeline": self.timeline.histogram_dict(base),
            "mentioned_dates": self.mentioned_dates.histogram_dict(base),
        }


def count_label(documents: int, stories: int | None) -> str:
    """ "N stories (M documents)" when stories group documents, else "M documents"."""
    docs = f"{documents:,} document" + ("" if documents == 1 else "s")
    if stories is None or stories == documents:
        return docs
    return f"{stories:,} " + ("story" if stories == 1 else "stories") + f" ({docs})"

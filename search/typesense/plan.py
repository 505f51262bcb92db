"""One search as Typesense multi-searches: filter clauses per facet (so each facet can leave
its own out), date ranges, histogram buckets read back from facet counts."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from search.documents import parse_iso_at
from search.facets import date_interval, granularity, histogram_facet, value_facet
from search.pages import snippet_page
from search.parameters import FACETS, HISTOGRAMS
from search.query import SearchRequest
from search.results import Facet, Hit, SearchResponse
from search.snippets import make_snippet
from search.stories import StoryTable
from search.typesense.query import TypesenseQuery
from search.typesense.records import analysed, month_key

# facet values asked for per person/org/place facet (then sorted by count and name, as Whoosh
# does): Typesense's cost grows with it (on Reuters, a word in 8,600 stories: 18 ms for 10
# values, 34 ms for 100, 85 ms for 250)
VALUE_FACET_DEPTH = 100
# facet values asked for when the caller wants as many as there are (a facet's "show more"
# and its search box, an entity's co-mentions)
VALUES_MAX = 1000
# histogram buckets asked for (days of a multi-year corpus would be cut; years and months not)
HISTOGRAM_DEPTH = 10_000
MAX_ORDINAL = dt.date.max.toordinal()
# per histogram: the string facet holding each granularity's bucket keys, and the facets whose
# values are the dates themselves at their precision (decades left out), from which the range
# and the finest precision choose the granularity
HISTOGRAM_FIELDS = {
    "published": {"day": "day", "month": "month", "year": "year"},
    "mentioned": {
        "day": "mentioned_day",
        "month": "mentioned_month",
        "year": "mentioned_year",
        "month_only": "mentioned_month_only",
        "year_only": "mentioned_year_only",
    },
}
DATE_VALUE_FIELDS = {
    "published": ("day",),
    "mentioned": ("mentioned_day", "mentioned_month_only", "mentioned_year_only"),
}
HIT_FIELDS = "doc_id,title,url,source,body,date_desc,day,person,org,place,language"
# versions of one story shown as one hit: how many matching versions a hit lists at most
GROUP_LIMIT = 50


def prefix(translated: TypesenseQuery) -> str:
    flag = "true" if translated.prefix else "false"
    return ",".join(flag for _ in translated.query_by)


def quoted(values: Iterable[str]) -> str:
    return "[" + ",".join("`" + v.replace("`", "") + "`" for v in values) + "]"


def histogram_from_counts(
    histogram: str, facet_counts: Mapping[str, list[tuple[str, int]]]
) -> tuple[str, list[tuple[str, int]]]:
    """(granularity, buckets) from the histogram's facet counts, chosen as
    search.facets.DateEntries.histogram chooses them."""
    fields = HISTOGRAM_FIELDS[histogram]
    intervals = [
        date_interval(v)
        for field in DATE_VALUE_FIELDS[histogram]
        for v, c in facet_counts.get(field, [])
        if c > 0
    ]
    chosen = [iv for iv in intervals if iv is not None and iv[2] < 3]
    if not chosen:
        return "year", []
    low = min(iv[0] for iv in chosen).toordinal()
    high = max(iv[1] for iv in chosen).toordinal()
    size = granularity(low, high, min(iv[2] for iv in chosen))
    buckets = sorted((v, c) for v, c in facet_counts.get(fields[size], []) if c > 0)
    return size, buckets


@dataclass(frozen=True)
class Filters:
    """A request's filter clauses by what they filter, so each facet can leave its own out."""

    text: str
    facets: Mapping[str, str]
    ranges: Mapping[str, str]

    def without(self, name: str | None = None) -> str:
        clauses = [self.text] if self.text else []
        clauses += [c for n, c in self.facets.items() if n != name]
        clauses += [c for n, c in self.ranges.items() if n != name]
        return " && ".join(f"({c})" for c in clauses)


def range_clause(histogram: str, low: dt.date | None, high: dt.date | None) -> str:
    lo = low.toordinal() if low else 1
    hi = high.toordinal() if high else MAX_ORDINAL
    if histogram == "published":
        return f"date_desc:[{lo}..{hi}]"
    lo_month = month_key(low) if low else 0
    hi_month = month_key(high) if high else month_key(dt.date.max)
    return f"mentioned_days:[{lo}..{hi}] || mentioned_cover:[{lo_month}..{hi_month}]"


def filters_of(request: SearchRequest, text_filter: str) -> Filters:
    """The request's filters as Typesense clauses, beside the query's own (`text_filter`)."""
    facets = {name: f"{name}:={quoted(values)}" for name, values in request.filters if values}
    if request.changes:
        facets["changes"] = f"changes:={quoted(request.changes)}"
    ranges = {}
    for name in HISTOGRAMS:
        low, high = request.date_range(name)
        if low is not None or high is not None:
            ranges[name] = range_clause(name, low, high)
    return Filters(text_filter, facets, ranges)


def ranked(translated: TypesenseQuery, alias: str) -> dict[str, Any]:
    """The parameters every search of one query shares: exact words, no typos."""
    return {
        "collection": alias,
        "q": translated.q,
        "query_by": ",".join(translated.query_by),
        "prefix": prefix(translated),
        "num_typos": 0,
        "typo_tokens_threshold": 0,
        "drop_tokens_threshold": 0,
    }


def search_plan(
    request: SearchRequest, translated: TypesenseQuery, alias: str
) -> list[dict[str, Any]]:
    """The multi-search for one request: the page first (grouped by story when versions
    are collapsed, then an ungrouped search for the counts), the histograms, and per
    selected facet or date range the same query without that filter for its counts."""
    filters = filters_of(request, translated.filter_by)
    common = ranked(translated, alias)
    value_facets = [n for n in FACETS if n not in filters.facets]
    histogram_fields = [
        field
        for name in HISTOGRAMS
        if name not in filters.ranges
        for field in dict.fromkeys(HISTOGRAM_FIELDS[name].values())
    ]
    page: dict[str, Any] = {
        **common,
        "filter_by": filters.without(),
        "page": request.page,
        "per_page": request.per_page,
        "include_fields": HIT_FIELDS,
        # snippets are made from the stored body (make_snippet), not Typesense's
        "highlight_fields": "doc_id",
    }
    sort = request.effective_sort
    if sort == "newest":
        page["sort_by"] = "date_desc:desc"
    elif sort == "oldest":
        page["sort_by"] = "date_asc:asc"
    # facet counts count documents; grouped searches would count stories: with versions
    # collapsed the page is grouped by story and the counts come from an ungrouped search
    # the histograms ask for every bucket, the value facets for their first values: two
    # searches, as Typesense applies one max_facet_values to every facet of a search
    searches = [page]
    facet_plan: list[list[str]] = [value_facets]
    if request.collapsed:
        page.update(group_by="story", group_limit=GROUP_LIMIT)
        searches.append({**common, "filter_by": filters.without(), "per_page": 0})
        facet_plan = [[], value_facets]
    if histogram_fields:
        searches.append({**common, "filter_by": filters.without(), "per_page": 0})
        facet_plan.append(histogram_fields)
    for name in [*filters.facets, *filters.ranges]:
        if name == "changes":
            continue  # counted by change_facet, not among these facets
        fields = [name] if name in FACETS else list(dict.fromkeys(HISTOGRAM_FIELDS[name].values()))
        searches.append({**common, "filter_by": filters.without(name), "per_page": 0})
        facet_plan.append(fields)
    for search, fields in zip(searches, facet_plan, strict=True):
        if fields:
            search["facet_by"] = ",".join(fields)
            search["max_facet_values"] = (
                HISTOGRAM_DEPTH if any(f not in FACETS for f in fields) else VALUE_FACET_DEPTH
            )
        if not search["filter_by"]:
            del search["filter_by"]
    return searches


def facet_counts_of(
    results: Iterable[Mapping[str, Any]],
) -> tuple[dict[str, list[tuple[str, int]]], dict[str, int]]:
    """Per facet field, its (value, count) pairs most first, and how many values it has."""
    counts: dict[str, list[tuple[str, int]]] = {}
    totals: dict[str, int] = {}
    for result in results:
        for facet in result.get("facet_counts") or ():
            name = facet["field_name"]
            counts[name] = sorted(
                ((v["value"], int(v["count"])) for v in facet["counts"]),
                key=lambda pair: (-pair[1], pair[0]),
            )
            stats = facet.get("stats") or {}
            totals[name] = int(stats.get("total_values", len(counts[name])))
    return counts, totals


def response_facets(
    request: SearchRequest,
    counts: Mapping[str, list[tuple[str, int]]],
    totals: Mapping[str, int],
    facet_limit: int,
) -> tuple[Facet, ...]:
    """The value facets and date histograms of a response, shaped as Whoosh's are."""
    facets: tuple[Facet, ...] = tuple(
        value_facet(
            name,
            counts.get(name, []),
            request,
            facet_limit,
            totals.get(name, len(counts.get(name, []))),
        )
        for name in FACETS
    )
    facets += tuple(
        histogram_facet(name, *histogram_from_counts(name, counts), request) for name in HISTOGRAMS
    )
    return facets


def empty_response(request: SearchRequest, facet_limit: int, started: float) -> SearchResponse:
    """The response to a query that matches nothing (only stop words)."""
    facets = tuple(value_facet(n, [], request, facet_limit) for n in FACETS)
    facets += tuple(histogram_facet(n, "year", [], request) for n in HISTOGRAMS)
    return SearchResponse(
        request=request,
        total=0,
        hits=(),
        facets=facets,
        took_ms=(time.perf_counter() - started) * 1000,
        stories=0,
    )


def hit_of(
    group: list[Mapping[str, Any]],
    translated: TypesenseQuery,
    request: SearchRequest,
    stories: StoryTable,
    snippet_chars: int,
) -> Hit:
    """A hit from the best matching version of a story and the others that match."""
    found = group[0]
    record = found["document"]
    matching = {h["document"]["doc_id"] for h in group}
    version_ids = tuple(m for m in stories.versions(record["doc_id"]) if m in matching)
    matched = set(translated.words)
    if translated.prefixes:
        # the words of this body a trailing word* matched (as Whoosh expands it)
        matched.update(
            word
            for word in analysed(record.get("body", "")).split()
            if word.startswith(tuple(translated.prefixes))
        )
    ordinal = int(record.get("date_desc") or 0)
    score = found.get("text_match")
    day = parse_iso_at(record.get("day"))
    snippet = make_snippet(
        record.get("body", ""),
        frozenset(matched) if request.q else frozenset(),
        snippet_chars,
    )
    meta = json.loads(record.get("meta") or "{}")
    return Hit(
        doc_id=record["doc_id"],
        title=record.get("title") or "(untitled)",
        url=record.get("url", ""),
        source=record.get("source", ""),
        date=dt.date.fromordinal(ordinal) if ordinal else None,
        date_precision=day[1] if day else "day",
        snippet=snippet,
        page=snippet_page(record.get("body", ""), snippet, meta.get("page_starts")),
        score=float(score)
        if score is not None and request.q and request.effective_sort == "relevance"
        else None,
        people=tuple(record.get("person") or ()),
        orgs=tuple(record.get("org") or ()),
        places=tuple(record.get("place") or ()),
        language=record.get("language") or "",
        story_id=stories.story(record["doc_id"]),
        versions=len(version_ids) or 1,
        version_ids=version_ids or (record["doc_id"],),
    )

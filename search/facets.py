"""Facets as every engine shows them: date precisions and histogram granularity, bucket
labels and ranges, and the Facet shapes (values pinned, buckets toggling a range) built from
an engine's (value, count) pairs. Whoosh's numpy counting (search/facet_arrays.py) and
Typesense's facet counts (search/typesense/) both end here, so a facet reads the same
whichever engine counted it.
"""

from __future__ import annotations

import datetime as dt

from search.query import SearchRequest
from search.results import GRANULARITIES, Facet, FacetValue


def granularity(low: int, high: int, finest: int) -> str:
    """A histogram's bucket size from the first and last day its dates cover (ordinals) and
    the rank of the finest precision among them: days up to three months, months up to three
    years, then years; never finer than the finest date (year-only mentions make years)."""
    by_range = 2 if high - low > 3 * 366 else 1 if high - low > 92 else 0
    return GRANULARITIES[max(by_range, finest)]


def date_interval(value: str) -> tuple[dt.date, dt.date, int] | None:
    """The days an ISO date value at its precision covers, and the precision's rank."""
    try:
        if len(value) == 10:
            day = dt.date.fromisoformat(value)
            return day, day, 0
        if len(value) == 7:
            year, month = int(value[:4]), int(value[5:7])
            nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
            return dt.date(year, month, 1), nxt - dt.timedelta(days=1), 1
        if len(value) == 4:
            return dt.date(int(value), 1, 1), dt.date(int(value), 12, 31), 2
        if len(value) == 5 and value.endswith("s"):
            decade = int(value[:4])
            return dt.date(decade, 1, 1), dt.date(decade + 9, 12, 31), 3
    except ValueError:
        return None
    return None


def bucket_label(key: int, granularity: str) -> str:
    if granularity == "year":
        return f"{key:04d}"
    if granularity == "month":
        return f"{key // 12:04d}-{key % 12 + 1:02d}"
    return dt.date.fromordinal(key).isoformat()


def bucket_range(label: str) -> tuple[dt.date, dt.date]:
    """The first and last day of a histogram bucket label."""
    interval = date_interval(label)
    if interval is None:
        raise ValueError(label)
    return interval[0], interval[1]


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

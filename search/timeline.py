"""A date histogram laid out on a real timeline that fits a narrow column.

The facet gives buckets (years, months or days) with counts. Drawn one bar per bucket, a
stray date ("1030" from a page number, "2100" from a typo) stretches the axis across a
thousand empty years, or, drawn evenly, puts 1030 next to 1995. So the buckets holding the
far tails of the documents (OUTLIER_SHARE at each end, unless close to the rest) are left
off the axis and summarised as "earlier" and "later"; the rest sit on a timeline where empty
buckets keep their place, merged into wider bars (2, 5, 10... buckets) when there would be
more than MAX_BARS of them, so the histogram never outgrows its column.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from search.facets import bucket_label
from search.results import FacetValue

# at most this many bars (with empty ones): 60 bars of 3 px and 1 px gaps fit a 256 px column
MAX_BARS = 60
# a bucket is an outlier when it lies in the first or last OUTLIER_SHARE of the documents...
OUTLIER_SHARE = 0.02
# ...and further than this share of the remaining span (at least OUTLIER_GAP_MIN buckets)
# from its end of it
OUTLIER_GAP = 0.1
OUTLIER_GAP_MIN = 3
_STEPS = (1, 2, 3, 4, 5, 6, 10, 12, 20, 25, 50, 100, 200, 500, 1000)


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: the buckets it covers (one unless merged), their total count."""

    values: tuple[FacetValue, ...]
    first: str  # first bucket label it covers, e.g. "1990"
    last: str  # last bucket label it covers
    count: int

    @property
    def single(self) -> FacetValue | None:
        return self.values[0] if len(self.values) == 1 and self.first == self.last else None

    @property
    def selected(self) -> bool:
        return any(v.selected for v in self.values)


@dataclass(frozen=True, slots=True)
class Timeline:
    """The bars in time order (None for an empty slot), the buckets left off as outliers, and
    how many buckets one bar spans."""

    bars: tuple[Bar | None, ...]
    outliers: tuple[FacetValue, ...]
    step: int
    earlier: Bar | None = None  # the outliers before the axis, as one range
    later: Bar | None = None  # and after it

    @property
    def top(self) -> int:
        return max((b.count for b in self.bars if b is not None), default=0)

    @property
    def first(self) -> str:
        return next(b.first for b in self.bars if b is not None) if self.top else ""

    @property
    def last(self) -> str:
        return next(b.last for b in reversed(self.bars) if b is not None) if self.top else ""

    @property
    def outlier_count(self) -> int:
        return sum(v.count for v in self.outliers)


def bucket_key(value: str, granularity: str) -> int | None:
    """Consecutive integers for consecutive buckets: years, months since year 0, or days
    (search.facets.bucket_label is its inverse)."""
    try:
        if granularity == "year" and len(value) == 4:
            return int(value)
        if granularity == "month" and len(value) == 7:
            return int(value[:4]) * 12 + int(value[5:7]) - 1
        if granularity == "day" and len(value) == 10:
            return dt.date.fromisoformat(value).toordinal()
    except ValueError:
        return None
    return None


def _core(keyed: Sequence[tuple[int, FacetValue]]) -> tuple[int, int]:
    """Indexes [lo, hi] of the buckets kept on the axis."""
    total = sum(v.count for _, v in keyed)
    lo, hi = 0, len(keyed) - 1
    cut = OUTLIER_SHARE * total
    # the tails: buckets whose documents all fall within the first / last OUTLIER_SHARE
    head = 0
    while lo < hi and head + keyed[lo][1].count <= cut:
        head += keyed[lo][1].count
        lo += 1
    tail = 0
    while hi > lo and tail + keyed[hi][1].count <= cut:
        tail += keyed[hi][1].count
        hi -= 1
    # a tail bucket close to the rest returns to the axis (measured from the rest's end, so
    # a long thin tail does not walk back one bucket at a time)
    start, end = keyed[lo][0], keyed[hi][0]
    gap = max(OUTLIER_GAP_MIN, OUTLIER_GAP * (end - start + 1))
    while lo > 0 and start - keyed[lo - 1][0] <= gap:
        lo -= 1
    while hi < len(keyed) - 1 and keyed[hi + 1][0] - end <= gap:
        hi += 1
    return lo, hi


def _range_bar(values: Sequence[FacetValue]) -> Bar | None:
    if not values:
        return None
    return Bar(tuple(values), values[0].value, values[-1].value, sum(v.count for v in values))


def timeline(values: Sequence[FacetValue], granularity: str) -> Timeline:
    """The bars to draw for a histogram facet's values (in time order)."""
    keyed = [(bucket_key(v.value, granularity), v) for v in values]
    if not keyed or any(k is None for k, _ in keyed):  # unknown labels: as they come
        return Timeline(tuple(Bar((v,), v.value, v.value, v.count) for v in values), (), 1)
    known = sorted((k, v) for k, v in keyed if k is not None)
    lo, hi = _core(known)
    core = known[lo : hi + 1]
    earlier = [v for _, v in known[:lo]]
    later = [v for _, v in known[hi + 1 :]]
    start, end = core[0][0], core[-1][0]
    step = next((s for s in _STEPS if (end - start) // s + 1 <= MAX_BARS), _STEPS[-1])
    if granularity == "year" and step > 1:
        start -= start % step  # decades start at 1990, not 1993
    slots: dict[int, list[FacetValue]] = {}
    for key, value in core:
        slots.setdefault((key - start) // step, []).append(value)
    bars: list[Bar | None] = []
    for slot in range((end - start) // step + 1):
        found = slots.get(slot)
        if not found:
            bars.append(None)
            continue
        first = bucket_label(start + slot * step, granularity)
        last = bucket_label(start + slot * step + step - 1, granularity)
        bars.append(Bar(tuple(found), first, last, sum(v.count for v in found)))
    last = core[-1][1].value
    if bars and bars[-1] is not None and bars[-1].last > last:  # the axis ends with the data
        bars[-1] = Bar(bars[-1].values, bars[-1].first, last, bars[-1].count)
    return Timeline(
        tuple(bars), tuple(earlier + later), step, _range_bar(earlier), _range_bar(later)
    )

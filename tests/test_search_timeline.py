"""Date histograms on a real timeline: stray years summarised, never more bars than fit."""

from __future__ import annotations

from search.results import FacetValue
from search.timeline import MAX_BARS, timeline


def _values(counts: dict[str, int]) -> list[FacetValue]:
    return [FacetValue(k, n, False, f"mentioned_from={k}") for k, n in sorted(counts.items())]


def test_junk_years_leave_the_axis_and_are_summarised() -> None:
    counts = {str(y): 20 for y in range(1995, 2006)}
    counts.update({"1030": 1, "2100": 1, "1066": 1})
    found = timeline(_values(counts), "year")
    assert (found.first, found.last) == ("1995", "2005")
    assert [v.value for v in found.outliers] == ["1030", "1066", "2100"]
    assert found.outlier_count == 3
    assert found.earlier is not None and found.later is not None
    assert (found.earlier.first, found.earlier.last, found.earlier.count) == ("1030", "1066", 2)
    assert (found.later.first, found.later.count) == ("2100", 1)
    assert len(found.bars) == 11 and all(b is not None for b in found.bars)


def test_empty_buckets_keep_their_place_on_the_axis() -> None:
    found = timeline(_values({"2024-01": 5, "2024-06": 3, "2024-07": 9}), "month")
    assert [b.first if b else None for b in found.bars] == [
        "2024-01",
        None,
        None,
        None,
        None,
        "2024-06",
        "2024-07",
    ]
    assert found.top == 9 and not found.outliers


def test_a_long_dense_range_is_merged_into_wider_bars() -> None:
    counts = {str(y): 5 for y in range(1800, 2011)}  # a real two centuries: no outliers
    found = timeline(_values(counts), "year")
    assert len(found.bars) <= MAX_BARS and found.step > 1
    assert sum(b.count for b in found.bars if b) == sum(counts.values())
    first = next(b for b in found.bars if b)
    assert first.single is None and first.first == "1800"


def test_a_lone_early_year_near_the_rest_stays_on_the_axis() -> None:
    counts = {str(y): 10 for y in range(1990, 2006)}
    counts["1988"] = 1  # two empty years before a sixteen-year run: still on the timeline
    found = timeline(_values(counts), "year")
    assert found.first == "1988" and not found.outliers


def test_a_long_thin_tail_is_summarised_not_walked_back_bucket_by_bucket() -> None:
    counts = {str(y): 1 for y in range(1700, 1990, 10)}  # old dates, one every ten years
    counts.update({str(y): 100 for y in range(1995, 2008)})
    found = timeline(_values(counts), "year")
    assert found.first >= "1950" and found.earlier is not None
    assert found.earlier.first == "1700"

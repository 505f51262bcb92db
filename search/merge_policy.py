"""Which index segments a commit merges: tiers by size, so an index written in many commits
keeps few segments without re-writing everything at each one.

Whoosh's own policy (MERGE_SMALL) merges, at a commit, the smallest segments up to a
Fibonacci bound; it neither bounds the count nor spreads the work: a 216k-story ingest
committed in 54 segments of 4,000 had the 22 smallest (88k stories) re-written by its last
commit and was still left in 33 segments, each of which every query and facet pass visits.

Here a segment's tier is the order of magnitude of its live documents in base FACTOR. When a
tier holds FACTOR segments they are merged into one of the next tier (the new segment of the
commit), as Lucene's LogMergePolicy does, so a document is re-written about
log_FACTOR(N / commit size) times in all. Should the index still hold more than MAX_SEGMENTS,
the smallest segments are merged too: they are the cheapest to re-write.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from whoosh.reading import SegmentReader

FACTOR = 10
MAX_SEGMENTS = 10  # after a commit, the new segment included


def _tier(segment: Any) -> int:
    return int(math.log(max(1, segment.doc_count()), FACTOR))


def segments_to_merge(segments: list[Any]) -> list[Any]:
    """The segments a commit should merge into its new segment (it is written either way)."""
    by_tier: dict[int, list[Any]] = defaultdict(list)
    for segment in segments:
        by_tier[_tier(segment)].append(segment)
    chosen: list[Any] = []
    for tier in sorted(by_tier):
        if len(by_tier[tier]) >= FACTOR:
            chosen = [s for t in sorted(by_tier) if t <= tier for s in by_tier[t]]
    kept = sorted((s for s in segments if s not in chosen), key=lambda s: s.doc_count())
    while kept and len(kept) + 1 > MAX_SEGMENTS:
        chosen.append(kept.pop(0))
    return chosen


def tiered_merge(writer: Any, segments: list[Any]) -> list[Any]:
    """A Whoosh merge policy (`writer.commit(mergetype=tiered_merge)`): adds the chosen
    segments' documents to the writer's new segment and returns the segments kept as they
    are."""
    chosen = segments_to_merge(list(segments))
    for segment in chosen:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return [s for s in segments if s not in chosen]

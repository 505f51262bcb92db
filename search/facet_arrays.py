"""Whoosh facet counting from compact per-document value arrays kept beside the index.

Whoosh's `groupedby` walks stored fields per hit and is slow; instead, for each facet field we
read the postings once per index generation into CSR arrays (document -> value ids and
value -> documents) and count with numpy. Counts are disjunctive: a facet's counts apply every
other facet's filter but not its own, so selecting one person never hides the others.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from whoosh.reading import IndexReader

from search.documents import ENTITY_LABELS
from search.facets import bucket_label, date_interval, granularity
from search.matching import field_postings, live_docs
from search.names import NameTable
from search.results import GRANULARITIES


@dataclass(frozen=True)
class FacetArrays:
    """One facet field: value names, and both directions of the doc/value relation."""

    values: tuple[str, ...]
    value_ids: Mapping[str, int]
    entry_doc: np.ndarray  # for each (doc, value) entry, its docnum
    entry_value: np.ndarray  # ... and its value id
    value_indptr: np.ndarray  # value id -> slice of value_docs
    value_docs: np.ndarray

    def docs_with_any(self, selected: Sequence[str], doc_count: int) -> np.ndarray:
        """Boolean mask of documents having at least one of the selected values."""
        mask = np.zeros(doc_count, dtype=bool)
        for value in selected:
            vid = self.value_ids.get(value)
            if vid is not None:
                mask[self.value_docs[self.value_indptr[vid] : self.value_indptr[vid + 1]]] = True
        return mask

    def count(self, mask: np.ndarray) -> np.ndarray:
        """Documents per value among the documents in mask."""
        return np.bincount(self.entry_value[mask[self.entry_doc]], minlength=len(self.values))

    @functools.cached_property
    def alphabetical(self) -> np.ndarray:
        """Each value id's rank in alphabetical order (ties in counts sort by name)."""
        rank = np.empty(len(self.values), dtype=np.int64)
        rank[sorted(range(len(self.values)), key=self.values.__getitem__)] = np.arange(
            len(self.values)
        )
        return rank

    def ranked(self, per_value: np.ndarray) -> list[tuple[str, int]]:
        """(value, count) for every value counted, most documents first, then by name."""
        nonzero = np.flatnonzero(per_value)
        order = nonzero[np.lexsort((self.alphabetical[nonzero], -per_value[nonzero]))]
        values = self.values
        return list(
            zip([values[i] for i in order.tolist()], per_value[order].tolist(), strict=True)
        )


def _postings(reader: IndexReader, field: str, live: np.ndarray) -> dict[str, np.ndarray]:
    found: dict[str, list[np.ndarray]] = {}
    for text, all_ids in field_postings(reader, field):
        ids = all_ids[live[all_ids]]
        if not len(ids):
            continue
        value = text.decode("utf-8") if isinstance(text, bytes) else str(text)
        found.setdefault(value, []).append(ids.astype(np.int32))
    return {v: parts[0] if len(parts) == 1 else np.concatenate(parts) for v, parts in found.items()}


def _arrays(docs_of: Mapping[str, np.ndarray]) -> FacetArrays:
    values = sorted(docs_of)
    docs_per_value = [docs_of[v] for v in values]
    lengths = np.array([len(d) for d in docs_per_value], dtype=np.int64)
    value_indptr = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum(lengths, out=value_indptr[1:])
    value_docs = np.concatenate(docs_per_value) if docs_per_value else np.zeros(0, np.int32)
    entry_value = np.repeat(np.arange(len(values), dtype=np.int32), lengths)
    return FacetArrays(
        values=tuple(values),
        value_ids={v: i for i, v in enumerate(values)},
        entry_doc=value_docs,
        entry_value=entry_value,
        value_indptr=value_indptr,
        value_docs=value_docs,
    )


def _read_field(reader: IndexReader, field: str, live: np.ndarray) -> FacetArrays:
    return _arrays(_postings(reader, field, live))


def _named_fields(
    reader: IndexReader, facet_fields: Mapping[str, str], names: NameTable, live: np.ndarray
) -> dict[str, FacetArrays]:
    """Each facet's raw values resolved through the name table: variants merge into one
    value, values the corpus files under another label move there, weak and hidden ones
    disappear. Facets that are not names (language) are read as they are."""
    grouped: dict[str, dict[str, list[np.ndarray]]] = {name: {} for name in facet_fields}
    for facet, field in facet_fields.items():
        for raw, docs in _postings(reader, field, live).items():
            resolved = names.resolve(facet, raw) if facet in ENTITY_LABELS else (facet, raw)
            if resolved is None:
                continue
            target, shown = resolved
            grouped[target if target in grouped else facet].setdefault(shown, []).append(docs)
    return {
        facet: _arrays(
            {
                v: np.unique(np.concatenate(parts)) if len(parts) > 1 else parts[0]
                for v, parts in values.items()
            }
        )
        for facet, values in grouped.items()
    }


@dataclass(frozen=True)
class DateEntries:
    """(document, date interval) entries: one per dated document, or per date it mentions."""

    doc: np.ndarray
    start: np.ndarray  # proleptic ordinals
    end: np.ndarray
    precision: np.ndarray  # index into PRECISIONS
    year: np.ndarray  # of the start day
    month: np.ndarray  # year * 12 + month - 1 of the start day

    @classmethod
    def build(cls, pairs: Sequence[tuple[int, str]]) -> DateEntries:
        rows = [(doc, *iv) for doc, value in pairs if (iv := date_interval(value))]
        return cls(
            doc=np.array([r[0] for r in rows], dtype=np.int32),
            start=np.array([r[1].toordinal() for r in rows], dtype=np.int32),
            end=np.array([r[2].toordinal() for r in rows], dtype=np.int32),
            precision=np.array([r[3] for r in rows], dtype=np.int8),
            year=np.array([r[1].year for r in rows], dtype=np.int64),
            month=np.array([r[1].year * 12 + r[1].month - 1 for r in rows], dtype=np.int64),
        )

    def docs_in_range(self, low: dt.date | None, high: dt.date | None, n: int) -> np.ndarray:
        """Documents with an entry overlapping [low, high]."""
        keep = np.ones(len(self.doc), dtype=bool)
        if low is not None:
            keep &= self.end >= low.toordinal()
        if high is not None:
            keep &= self.start <= high.toordinal()
        mask = np.zeros(n, dtype=bool)
        mask[self.doc[keep]] = True
        return mask

    def histogram(self, doc_mask: np.ndarray) -> tuple[str, list[tuple[str, int]]]:
        """Documents per bucket, at a granularity chosen from the range of the entries."""
        chosen = doc_mask[self.doc] & (self.precision < 3) if len(self.doc) else np.zeros(0, bool)
        if not chosen.any():
            return "year", []
        lo, hi = int(self.start[chosen].min()), int(self.end[chosen].max())
        size = granularity(lo, hi, int(self.precision[chosen].min()))
        docs, bucket, keys = self._buckets[size]
        counts = np.bincount(bucket[doc_mask[docs]], minlength=len(keys))
        present = np.flatnonzero(counts)
        return size, [(bucket_label(int(keys[i]), size), int(counts[i])) for i in present]

    @functools.cached_property
    def _buckets(self) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Per granularity, each (document, bucket) pair once, found once per index generation
        so that a histogram is one bincount over the matching documents, not a sort."""
        found = {}
        for rank, size in enumerate(GRANULARITIES):
            chosen = (self.precision < 3) & (self.precision <= rank)
            source = {"day": self.start, "month": self.month, "year": self.year}[size]
            keys = source[chosen].astype(np.int64)
            docs = self.doc[chosen].astype(np.int64)
            n = int(docs.max()) + 1 if len(docs) else 1
            pairs = np.unique(keys * n + docs)
            buckets, inverse = np.unique(pairs // n, return_inverse=True)
            found[size] = (pairs % n, inverse.ravel(), buckets)
        return found


@dataclass(frozen=True)
class FacetIndex:
    """Every facet's arrays plus live-document and date arrays for one index generation."""

    doc_count: int
    live: np.ndarray
    fields: Mapping[str, FacetArrays]
    dates: Mapping[str, DateEntries]  # "published", "mentioned"
    published_ordinal: np.ndarray  # per document, 0 when undated (for sorting)


def _pairs(arrays: FacetArrays) -> list[tuple[int, str]]:
    return [
        (int(doc), arrays.values[vid])
        for doc, vid in zip(arrays.entry_doc, arrays.entry_value, strict=True)
    ]


def build_facet_index(
    reader: IndexReader,
    facet_fields: Mapping[str, str],
    mentioned_field: str,
    names: NameTable | None = None,
) -> FacetIndex:
    """Read the arrays for every facet from one reader (once per index generation and name
    table)."""
    doc_count = reader.doc_count_all()
    live = live_docs(reader, doc_count)
    fields = _named_fields(reader, facet_fields, names or NameTable(), live)
    dates = {
        "published": DateEntries.build(_pairs(_read_field(reader, "day", live))),
        "mentioned": DateEntries.build(_pairs(_read_field(reader, mentioned_field, live))),
    }
    published_ordinal = np.zeros(doc_count, dtype=np.int32)
    published_ordinal[dates["published"].doc] = dates["published"].start
    return FacetIndex(
        doc_count=doc_count,
        live=live,
        fields=fields,
        dates=dates,
        published_ordinal=published_ordinal,
    )


@dataclass(frozen=True)
class FacetCounts:
    """The final result mask, per facet (value, count) pairs sorted by count, and histograms."""

    result_mask: np.ndarray
    counts: Mapping[str, list[tuple[str, int]]]
    histograms: Mapping[str, tuple[str, list[tuple[str, int]]]]


# a counted value in FacetCounts: its (value, count) tuple, the count and the list's slot (the
# value's string is the FacetArrays' own, not a copy)
COUNTED_VALUE_BYTES = 96


def counts_bytes(counted: FacetCounts) -> int:
    """About how many bytes a FacetCounts keeps alive (its cache weight), without walking its
    tens of thousands of pairs one object at a time."""
    pairs = sum(len(values) for values in counted.counts.values())
    histograms = sum(len(buckets) for _, buckets in counted.histograms.values())
    return counted.result_mask.nbytes + COUNTED_VALUE_BYTES * (pairs + 2 * histograms) + 1024


def count_facets(
    facet_index: FacetIndex,
    base_mask: np.ndarray,
    selections: Mapping[str, Sequence[str]],
    ranges: Mapping[str, tuple[dt.date | None, dt.date | None]],
) -> FacetCounts:
    """Apply facet selections and date ranges to the base mask (live + query) and count.

    Values within one facet are OR-ed, facets and ranges are AND-ed; each facet or histogram
    is counted with every other filter applied but not its own.
    """
    n = facet_index.doc_count
    masks: dict[str, np.ndarray] = {
        name: arrays.docs_with_any(selections[name], n)
        for name, arrays in facet_index.fields.items()
        if selections.get(name)
    }
    for name, (low, high) in ranges.items():
        if low is not None or high is not None:
            masks[name] = facet_index.dates[name].docs_in_range(low, high, n)
    result = base_mask.copy()
    for mask in masks.values():
        result &= mask

    def without(name: str) -> np.ndarray:
        if name not in masks:
            return result
        mask = base_mask.copy()
        for other, other_mask in masks.items():
            if other != name:
                mask &= other_mask
        return mask

    counts: dict[str, list[tuple[str, int]]] = {}
    for name, arrays in facet_index.fields.items():
        counts[name] = arrays.ranked(arrays.count(without(name)))
    histograms = {
        name: entries.histogram(without(name)) for name, entries in facet_index.dates.items()
    }
    return FacetCounts(result_mask=result, counts=counts, histograms=histograms)

"""Facet counting from compact per-document value arrays kept beside the index.

Whoosh's `groupedby` walks stored fields per hit and is slow; instead, for each facet field we
read the postings once per index generation into CSR arrays (document -> value ids and
value -> documents) and count with numpy. Counts are disjunctive: a facet's counts apply every
other facet's filter but not its own, so selecting one person never hides the others.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from whoosh.reading import IndexReader


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


def _read_field(reader: IndexReader, field: str) -> FacetArrays:
    values: list[str] = []
    docs_per_value: list[np.ndarray] = []
    if field in reader.indexed_field_names():
        for term in reader.lexicon(field):
            value = term.decode("utf-8") if isinstance(term, bytes) else str(term)
            ids = np.fromiter(reader.postings(field, term).all_ids(), dtype=np.int32)
            values.append(value)
            docs_per_value.append(ids)
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


@dataclass(frozen=True)
class FacetIndex:
    """Every facet's arrays plus live-document and date arrays for one index generation."""

    doc_count: int
    live: np.ndarray
    date_ordinal: np.ndarray  # 0 where the document has no date
    fields: Mapping[str, FacetArrays]

    def date_mask(self, date_from: dt.date | None, date_to: dt.date | None) -> np.ndarray:
        mask = self.live.copy()
        if date_from is not None:
            mask &= self.date_ordinal >= date_from.toordinal()
        if date_to is not None:
            mask &= (self.date_ordinal <= date_to.toordinal()) & (self.date_ordinal > 0)
        return mask


def build_facet_index(reader: IndexReader, facet_fields: Mapping[str, str]) -> FacetIndex:
    """Read the arrays for every facet from one reader (done once per index generation)."""
    doc_count = reader.doc_count_all()
    live = np.zeros(doc_count, dtype=bool)
    live[np.fromiter(reader.all_doc_ids(), dtype=np.int64)] = True
    date_ordinal = np.zeros(doc_count, dtype=np.int32)
    day = _read_field(reader, "day")
    for vid, value in enumerate(day.values):
        try:
            ordinal = dt.date.fromisoformat(value).toordinal()
        except ValueError:
            continue
        date_ordinal[day.value_docs[day.value_indptr[vid] : day.value_indptr[vid + 1]]] = ordinal
    fields = {name: _read_field(reader, field) for name, field in facet_fields.items()}
    return FacetIndex(doc_count=doc_count, live=live, date_ordinal=date_ordinal, fields=fields)


@dataclass(frozen=True)
class FacetCounts:
    """The final result mask and, per facet, (value, count) pairs sorted by count."""

    result_mask: np.ndarray
    counts: Mapping[str, list[tuple[str, int]]]


def count_facets(
    facet_index: FacetIndex,
    base_mask: np.ndarray,
    selections: Mapping[str, Sequence[str]],
) -> FacetCounts:
    """Apply facet selections to the base mask (query + date range) and count every facet.

    Values within one facet are OR-ed, facets are AND-ed; each facet is counted with all the
    other facets' selections applied but not its own.
    """
    n = facet_index.doc_count
    selection_masks = {
        name: arrays.docs_with_any(selections[name], n)
        for name, arrays in facet_index.fields.items()
        if selections.get(name)
    }
    result = base_mask.copy()
    for mask in selection_masks.values():
        result &= mask
    counts: dict[str, list[tuple[str, int]]] = {}
    for name, arrays in facet_index.fields.items():
        if name in selection_masks:
            mask = base_mask.copy()
            for other, other_mask in selection_masks.items():
                if other != name:
                    mask &= other_mask
        else:
            mask = result
        per_value = arrays.count(mask)
        nonzero = np.nonzero(per_value)[0]
        order = sorted(nonzero.tolist(), key=lambda i: (-int(per_value[i]), arrays.values[i]))
        counts[name] = [(arrays.values[i], int(per_value[i])) for i in order]
    return FacetCounts(result_mask=result, counts=counts)

"""Versions of one story as one hit in Whoosh: a collapse key per document number.

Per index generation and story table: each grouped document's docnum, and a key per docnum
(a story's smallest docnum; a document without other versions is its own key), so a page
can keep the best version of each story and count stories with one numpy unique.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from whoosh.reading import IndexReader

from search.matching import field_postings, live_docs
from search.stories import StoryTable


@dataclass(frozen=True)
class StoryKeys:
    """A collapse key per docnum and each grouped document's docnum."""

    keys: np.ndarray
    docnums: Mapping[str, int]
    table: StoryTable

    def members(self, doc_id: str) -> list[tuple[str, int]]:
        return [(m, self.docnums[m]) for m in self.table.versions(doc_id) if m in self.docnums]

    def flagged(self, flags: tuple[str, ...], size: int) -> np.ndarray:
        """Documents flagged with any of `flags` in the story table, as a docnum mask."""
        mask = np.zeros(size, dtype=bool)
        for flag in flags:
            for doc_id in self.table.flagged(flag):
                docnum = self.docnums.get(doc_id)
                if docnum is not None and docnum < size:
                    mask[docnum] = True
        return mask


def read_story_keys(reader: IndexReader, table: StoryTable) -> StoryKeys:
    """The keys of one reader's documents under `table`."""
    keys = np.arange(reader.doc_count_all(), dtype=np.int64)
    docnums: dict[str, int] = {}
    if table.members:
        # one pass over the id terms: a look-up per member costs a term search in every
        # segment (minutes at 200,000 stories)
        live = live_docs(reader, len(keys))
        number_of = {}
        for text, ids in field_postings(reader, "doc_id"):
            alive = ids[live[ids]]
            if len(alive):
                number_of[text.decode("utf-8")] = int(alive[-1])
        for members in table.members.values():
            found = [(m, number_of[m]) for m in members if m in number_of]
            if found:
                keys[[n for _, n in found]] = min(n for _, n in found)
                docnums.update(found)
    return StoryKeys(keys, docnums, table)

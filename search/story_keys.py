"""Versions of one story as one hit in Whoosh: a collapse key per document number.

Per index generation and story table: each grouped document's docnum, and a key per docnum
(a story's smallest docnum; a document without other versions is its own key), so a page
can keep the best version of each story and count stories with one numpy unique.

Finding the docnums reads the id postings of every segment, so ingest and reindex also save
the keys in the generation's facet array directory (search.generation_arrays), stamped with
the digest of the story table they were made under; a worker maps them when both match.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from whoosh.reading import IndexReader

from search.matching import field_postings, live_docs
from search.stories import STORIES_FILE, StoryTable

STORY_META = "story.json"


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


def stories_stamp(target: Path) -> str:
    """A digest of the story table beside `target` (its content: a copy keeps its stamp)."""
    try:
        data = (target / STORIES_FILE).read_bytes()
    except OSError:
        data = b""
    return hashlib.sha1(data).hexdigest()[:16]


def save_story_keys(where: Path, keys: StoryKeys, stamp: str) -> None:
    """Write `keys` into the (not yet renamed) array directory `where`."""
    ids = sorted(keys.docnums)
    np.save(where / "story.keys.npy", keys.keys)
    np.save(where / "story.docnums.npy", np.array([keys.docnums[i] for i in ids], np.int64))
    meta = {"stories": stamp, "ids": ids}
    (where / STORY_META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


def load_story_keys(where: Path, stamp: str, table: StoryTable, size: int) -> StoryKeys | None:
    """The keys saved in `where` for the story table with this stamp, the key array
    memory-mapped; None when there are none, they were made under another table or they
    cannot be read (then they are built from the index as before)."""
    try:
        meta = json.loads((where / STORY_META).read_text(encoding="utf-8"))
        if meta["stories"] != stamp:
            return None
        keys = np.load(where / "story.keys.npy", mmap_mode="r").view(np.ndarray)
        numbers = np.load(where / "story.docnums.npy")
        ids = meta["ids"]
        if len(keys) != size or len(ids) != len(numbers):
            return None
        return StoryKeys(keys, dict(zip(ids, numbers.tolist(), strict=True)), table)
    except (OSError, ValueError, KeyError, TypeError):
        return None

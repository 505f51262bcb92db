"""What each later version of a story adds over its earliest one, kept per version in the
store so an ingest compares only the versions whose inputs changed (indexer.dedup reads it)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import replace

from indexer.aliases import mark_weak_names
from indexer.store import DocumentStore
from search.compare import FLAGS_VERSION, change_flags, version_of
from search.documents import Document
from search.names import NameTable
from search.stories import StoryTable, VersionChanges

_FLAGS_SCHEMA = """
CREATE TABLE IF NOT EXISTS story_flags (
    doc_id TEXT PRIMARY KEY,
    key TEXT NOT NULL,
    base TEXT NOT NULL,
    flags TEXT NOT NULL
);
"""


class FlagCache:
    """The flags of each compared version, kept in the store (table `story_flags`) under a key
    of everything they depend on: both ids and content hashes, the names both documents'
    entities are shown as, and FLAGS_VERSION. An ingest then compares only the versions
    whose key changed (Frontier owns its tables in the same database the same way)."""

    def __init__(self, store: DocumentStore) -> None:
        self.db = store.db
        with self.db:
            self.db.executescript(_FLAGS_SCHEMA)

    def dates(self, doc_ids: Sequence[str]) -> dict[str, tuple[str, str, str]]:
        """doc_id -> (published or "", ingested_at, content_hash)."""
        found: dict[str, tuple[str, str, str]] = {}
        for i in range(0, len(doc_ids), 500):
            chunk = list(doc_ids[i : i + 500])
            marks = ",".join("?" * len(chunk))
            for row in self.db.execute(
                "SELECT doc_id, published, ingested_at, content_hash FROM documents "
                f"WHERE doc_id IN ({marks})",
                chunk,
            ):
                found[row[0]] = (row[1] or "", row[2] or "", row[3] or "")
        return found

    def load(self) -> dict[str, tuple[str, tuple[str, ...]]]:
        return {
            row[0]: (row[1], tuple(f for f in row[2].split(",") if f))
            for row in self.db.execute("SELECT doc_id, key, flags FROM story_flags")
        }

    def replace(self, rows: Mapping[str, tuple[str, str, tuple[str, ...]]]) -> None:
        """Keep exactly these versions: doc_id -> (key, base, flags)."""
        with self.db:
            self.db.execute("DELETE FROM story_flags")
            self.db.executemany(
                "INSERT INTO story_flags VALUES (?, ?, ?, ?)",
                [(d, key, base, ",".join(flags)) for d, (key, base, flags) in rows.items()],
            )


def compare_versions(
    store: DocumentStore, names: NameTable, table: StoryTable
) -> dict[str, VersionChanges]:
    """Compare every later version of each story with its earliest version (by publication
    date, then ingest time, then id); the flags each earns (search.compare.change_flags),
    keyed by the later version's id. Versions unchanged since the last run keep theirs."""
    cache = FlagCache(store)
    grouped = [tuple(members) for members in table.members.values() if len(members) > 1]
    everyone = [doc_id for members in grouped for doc_id in members]
    dates = cache.dates(everyone)
    entities = store.entity_values(everyone)
    known = cache.load()

    def shown_names(doc_id: str) -> list[tuple[str, str, str]]:
        return sorted(
            (label, value, "|".join(names.resolve(label, value) or ("", "")))
            for label, value, _ in entities.get(doc_id, ())
        )

    wanted: dict[str, tuple[str, str]] = {}  # version -> (base, key)
    for members in grouped:
        present = [d for d in members if d in dates]
        ordered = sorted(present, key=lambda d: (dates[d][0] or "9999", dates[d][1], d))
        if len(ordered) < 2:
            continue
        base = ordered[0]
        for doc_id in ordered[1:]:
            key = json.dumps(
                [
                    FLAGS_VERSION,
                    base,
                    dates[base][2],
                    shown_names(base),
                    doc_id,
                    dates[doc_id][2],
                    shown_names(doc_id),
                ],
                ensure_ascii=False,
            )
            wanted[doc_id] = (base, hashlib.sha1(key.encode("utf-8")).hexdigest())
    rows: dict[str, tuple[str, str, tuple[str, ...]]] = {}
    # compared story by story, so only one story's documents are held at a time, and the
    # earliest version's sentences and quotes are found once for all its later versions
    stale: dict[str, list[str]] = {}
    for doc_id, (base, key) in wanted.items():
        cached = known.get(doc_id)
        if cached is not None and cached[0] == key:
            rows[doc_id] = (key, base, cached[1])
        else:
            stale.setdefault(base, []).append(doc_id)

    def shown(doc_id: str) -> Document | None:
        doc = store.get(doc_id)
        if doc is None:
            return None
        return replace(doc, mentions=names.shown_mentions(mark_weak_names(doc).mentions))

    for base, versions in stale.items():
        a = shown(base)
        if a is None:
            continue
        va = version_of(a)
        for doc_id in versions:
            b = shown(doc_id)
            if b is not None:
                rows[doc_id] = (wanted[doc_id][1], base, change_flags(a, b, va))
    cache.replace(rows)
    return {doc_id: VersionChanges(base, flags) for doc_id, (_, base, flags) in rows.items()}

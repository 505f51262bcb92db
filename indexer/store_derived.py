"""What the store keeps so work is not redone: texts and names for duplicate detection, its
signatures and story edges (indexer.dedup), and NER analyses of single lines (indexer.ner).

A mixin of DocumentStore (indexer.store), which owns the connection.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence

from indexer.store_schema import SignatureRow, StoryEdge, chunks


class DerivedRecords:
    """Reads and writes the signature, story-edge and line-analysis tables."""

    db: sqlite3.Connection

    # -- duplicate detection: signatures and story edges ------------------------------

    def texts(self, doc_ids: Sequence[str]) -> Iterator[tuple[str, str, str, str | None]]:
        """(doc_id, title, body, published) of the given ids that exist."""
        for chunk in chunks(doc_ids):
            marks = ",".join("?" * len(chunk))
            yield from (
                (r[0], r[1], r[2], r[3])
                for r in self.db.execute(
                    f"SELECT doc_id, title, body, published FROM documents "
                    f"WHERE doc_id IN ({marks})",
                    chunk,
                )
            )

    def entity_values(self, doc_ids: Sequence[str]) -> dict[str, list[tuple[str, str, int]]]:
        """doc_id -> [(label, raw value, mentions)] for the given ids."""
        found: dict[str, list[tuple[str, str, int]]] = {}
        for chunk in chunks(doc_ids):
            marks = ",".join("?" * len(chunk))
            for row in self.db.execute(
                f"SELECT doc_id, label, value, mentions FROM entities WHERE doc_id IN ({marks})",
                chunk,
            ):
                found.setdefault(row[0], []).append((row[1], row[2], row[3]))
        return found

    # -- NER analyses of single lines, reused when a line comes again ----------------------

    def get_analyses(self, keys: Sequence[int]) -> dict[int, tuple[tuple[str, int, int], ...]]:
        found: dict[int, tuple[tuple[str, int, int], ...]] = {}
        for chunk in chunks(keys):
            marks = ",".join("?" * len(chunk))
            for key, spans in self.db.execute(
                f"SELECT key, spans FROM line_analyses WHERE key IN ({marks})", chunk
            ):
                found[key] = tuple((label, start, end) for label, start, end in json.loads(spans))
        return found

    def put_analyses(self, analyses: Mapping[int, Sequence[tuple[str, int, int]]]) -> None:
        with self.db:
            self.db.executemany(
                "INSERT OR IGNORE INTO line_analyses VALUES (?, ?)",
                [
                    (key, json.dumps(spans, separators=(",", ":")))
                    for key, spans in analyses.items()
                ],
            )

    def stale_signature_ids(self, doc_ids: Sequence[str] | None = None) -> list[str]:
        """Documents (all, or among `doc_ids`) without a signature, or whose content changed
        since it was made."""
        query = (
            "SELECT d.doc_id FROM documents d LEFT JOIN dedup_signatures s "
            "ON s.doc_id = d.doc_id WHERE (s.content_hash IS NULL "
            "OR s.content_hash != d.content_hash)"
        )
        if doc_ids is None:
            return [row[0] for row in self.db.execute(query + " ORDER BY d.doc_id")]
        stale: list[str] = []
        for chunk in chunks(sorted(set(doc_ids))):
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(f"{query} AND d.doc_id IN ({marks}) ORDER BY d.doc_id", chunk)
            stale.extend(row[0] for row in rows)
        return stale

    def put_signatures(self, rows: Iterable[SignatureRow]) -> None:
        with self.db:
            self.db.executemany(
                "INSERT OR REPLACE INTO dedup_signatures VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (r.doc_id, r.content_hash, r.body_hash, r.words, r.shingles, r.unigrams)
                    for r in rows
                ],
            )

    def signatures(self) -> Iterator[SignatureRow]:
        cursor = self.db.cursor()
        cursor.execute("SELECT * FROM dedup_signatures ORDER BY doc_id")
        while rows := cursor.fetchmany(2000):
            for r in rows:
                yield SignatureRow(r[0], r[1], r[2], r[3], r[4], r[5])

    def replace_edges(self, doc_ids: Sequence[str] | None, edges: Iterable[StoryEdge]) -> None:
        """Swap in freshly verified edges: for the given documents, or all when None."""
        with self.db:
            if doc_ids is None:
                self.db.execute("DELETE FROM story_edges")
            else:
                for chunk in chunks(doc_ids):
                    marks = ",".join("?" * len(chunk))
                    self.db.execute(
                        f"DELETE FROM story_edges WHERE a IN ({marks}) OR b IN ({marks})",
                        chunk + chunk,
                    )
            self.db.executemany(
                "INSERT OR REPLACE INTO story_edges VALUES (?, ?, ?, ?, ?)",
                [(e.a, e.b, e.kind, e.score, e.reason) for e in edges],
            )

    def edges(self) -> list[StoryEdge]:
        return [
            StoryEdge(r[0], r[1], r[2], r[3], r[4])
            for r in self.db.execute("SELECT * FROM story_edges ORDER BY a, b")
        ]

"""The SQLite document store: the source of truth that `docsift reindex` rebuilds from.

One row per document, keyed by its stable id, with the hash of the bytes it came from so an
unchanged source is recognised before any work is done. `indexed` is cleared on every write and
set only after the Whoosh commit, so a crash between the two is repaired by the next run.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from search.documents import Document
from search.errors import StoreError

STORE_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    url TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    author TEXT NOT NULL DEFAULT '',
    published TEXT,
    published_source TEXT NOT NULL DEFAULT '',
    people TEXT NOT NULL DEFAULT '[]',
    orgs TEXT NOT NULL DEFAULT '[]',
    places TEXT NOT NULL DEFAULT '[]',
    encoding TEXT NOT NULL DEFAULT '',
    decode_method TEXT NOT NULL DEFAULT '',
    content_type TEXT NOT NULL DEFAULT '',
    content_hash TEXT NOT NULL,
    extra TEXT NOT NULL DEFAULT '{}',
    ingested_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    indexed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS documents_unindexed ON documents(indexed) WHERE indexed = 0;
CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

_COLUMNS = (
    "doc_id",
    "source",
    "url",
    "title",
    "body",
    "author",
    "published",
    "published_source",
    "people",
    "orgs",
    "places",
    "encoding",
    "decode_method",
    "content_type",
    "content_hash",
    "extra",
    "ingested_at",
)


def _row_values(doc: Document, now: str) -> tuple[Any, ...]:
    return (
        doc.doc_id,
        doc.source,
        doc.url,
        doc.title,
        doc.body,
        doc.author,
        doc.published.isoformat() if doc.published else None,
        doc.published_source,
        json.dumps(list(doc.people)),
        json.dumps(list(doc.orgs)),
        json.dumps(list(doc.places)),
        doc.encoding,
        doc.decode_method,
        doc.content_type,
        doc.content_hash,
        json.dumps(dict(doc.extra)),
        doc.ingested_at.isoformat() if doc.ingested_at else now,
    )


def _document(row: sqlite3.Row) -> Document:
    return Document(
        doc_id=row["doc_id"],
        title=row["title"],
        body=row["body"],
        source=row["source"],
        url=row["url"],
        author=row["author"],
        published=dt.date.fromisoformat(row["published"]) if row["published"] else None,
        published_source=row["published_source"],
        people=tuple(json.loads(row["people"])),
        orgs=tuple(json.loads(row["orgs"])),
        places=tuple(json.loads(row["places"])),
        encoding=row["encoding"],
        decode_method=row["decode_method"],
        content_type=row["content_type"],
        content_hash=row["content_hash"],
        ingested_at=dt.datetime.fromisoformat(row["ingested_at"]),
        extra=json.loads(row["extra"]),
    )


class DocumentStore:
    """Reads and writes documents in one SQLite file (WAL mode, one connection per store)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, timeout=30.0)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(_SCHEMA)
            self.db.execute(
                "INSERT OR IGNORE INTO store_meta VALUES ('version', ?)", (str(STORE_VERSION),)
            )
            self.db.commit()
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the document store at {path}: {exc}") from exc

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> DocumentStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM documents").fetchone()[0])

    def hashes(self, doc_ids: Sequence[str]) -> dict[str, str]:
        """Content hashes of the given ids that exist (one query per 500 ids)."""
        found: dict[str, str] = {}
        for i in range(0, len(doc_ids), 500):
            chunk = doc_ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for row in self.db.execute(
                f"SELECT doc_id, content_hash FROM documents WHERE doc_id IN ({marks})", chunk
            ):
                found[row[0]] = row[1]
        return found

    def put_many(self, docs: Iterable[Document]) -> dict[str, str]:
        """Insert or replace documents in one transaction; returns id -> "added"/"updated"."""
        now = dt.datetime.now(dt.UTC).isoformat()
        outcome: dict[str, str] = {}
        docs = list(docs)
        existing = self.hashes([d.doc_id for d in docs])
        placeholders = ",".join("?" * len(_COLUMNS))
        try:
            with self.db:
                for doc in docs:
                    self.db.execute(
                        f"INSERT INTO documents ({','.join(_COLUMNS)}, updated_at, indexed) "
                        f"VALUES ({placeholders}, ?, 0) ON CONFLICT(doc_id) DO UPDATE SET "
                        + ", ".join(f"{c}=excluded.{c}" for c in _COLUMNS[1:])
                        + ", updated_at=excluded.updated_at, indexed=0",
                        (*_row_values(doc, now), now),
                    )
                    outcome[doc.doc_id] = "updated" if doc.doc_id in existing else "added"
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write to the document store: {exc}") from exc
        return outcome

    def get(self, doc_id: str) -> Document | None:
        row = self.db.execute("SELECT * FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return _document(row) if row else None

    def iter_documents(self, *, unindexed_only: bool = False) -> Iterator[Document]:
        """Every document in id order, streamed (reindex reads the whole store this way)."""
        sql = "SELECT * FROM documents"
        if unindexed_only:
            sql += " WHERE indexed = 0"
        cursor = self.db.cursor()
        cursor.execute(sql + " ORDER BY doc_id")
        while rows := cursor.fetchmany(500):
            for row in rows:
                yield _document(row)

    def unindexed_count(self) -> int:
        return int(
            self.db.execute("SELECT count(*) FROM documents WHERE indexed = 0").fetchone()[0]
        )

    def mark_indexed(self, doc_ids: Iterable[str] | None = None) -> None:
        """Record that the index holds these documents (all, when doc_ids is None)."""
        with self.db:
            if doc_ids is None:
                self.db.execute("UPDATE documents SET indexed = 1 WHERE indexed = 0")
                return
            ids = list(doc_ids)
            for i in range(0, len(ids), 500):
                chunk = ids[i : i + 500]
                self.db.execute(
                    "UPDATE documents SET indexed = 1 WHERE doc_id IN "
                    f"({','.join('?' * len(chunk))})",
                    chunk,
                )

    def stats(self) -> dict[str, Any]:
        row = self.db.execute(
            "SELECT count(*), min(published), max(published), max(updated_at), "
            "sum(indexed = 0) FROM documents"
        ).fetchone()
        return {
            "documents": row[0],
            "earliest": row[1],
            "latest": row[2],
            "last_update": row[3],
            "unindexed": row[4] or 0,
            "size_bytes": self.path.stat().st_size if self.path.exists() else 0,
        }

"""The SQLite document store: the source of truth that `docsift reindex` rebuilds from.

One row per document, keyed by its stable id, with the hash of the bytes it came from so an
unchanged source is recognised before any work is done. `indexed` is cleared on every write and
set only after the Whoosh commit, so a crash between the two is repaired by the next run.
Entity mentions (with offsets) are stored with each document so reindex never reruns NER; the
per-document entity values and the alias decisions live in their own tables, because merging
name variants is a corpus-wide decision and a user's manual merge or split must survive reindex.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from indexer.store_derived import DerivedRecords
from indexer.store_names import NameRecords
from indexer.store_schema import (
    COLUMNS,
    MIGRATIONS,
    SCHEMA,
    STORE_VERSION,
    AliasRow,
    SignatureRow,
    StoryEdge,
    chunks,
    document_of,
    entity_rows,
    row_values,
)
from search.documents import (
    Document,
)
from search.errors import StoreError

__all__ = ["STORE_VERSION", "AliasRow", "DocumentStore", "SignatureRow", "StoryEdge"]


class DocumentStore(NameRecords, DerivedRecords):
    """Reads and writes documents in one SQLite file (WAL mode, one connection per store)."""

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        """Open (and create or migrate) the store; `read_only` opens an existing one without
        writing a byte, so `check` and `stats` work on a full disk.

        Raises:
            StoreError: it cannot be opened (read_only: it does not exist either).
        """
        self.path = path
        # why the read-only view may miss the last writes ("" when it cannot)
        self.degraded = ""
        if read_only:
            self._open_read_only(path)
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, timeout=30.0)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
            self.db.executescript(SCHEMA)
            self.db.execute(
                "INSERT OR REPLACE INTO store_meta VALUES ('version', ?)", (str(STORE_VERSION),)
            )
            self.db.commit()
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the document store at {path}: {exc}") from exc

    def _open_read_only(self, path: Path) -> None:
        if not path.exists():
            raise StoreError(f"there is no document store at {path}")
        uri = path.absolute().as_uri()
        try:
            self.db = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=30.0)
            self.db.row_factory = sqlite3.Row
            self.db.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return
        except sqlite3.Error as exc:
            first = exc
        # the write-ahead log's index (docsift.db-shm) cannot be made, e.g. on a full disk:
        # read the database file as it is, without the log's not yet checkpointed pages
        try:
            self.db = sqlite3.connect(f"{uri}?immutable=1", uri=True)
            self.db.row_factory = sqlite3.Row
            self.db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the document store at {path}: {first}") from exc
        wal = path.with_name(path.name + "-wal")
        if wal.exists() and wal.stat().st_size:
            self.degraded = (
                f"read without its write-ahead log ({first}); the last writes may be missing"
            )

    def _migrate(self) -> None:
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(documents)")}
        if columns:
            for column, statement in MIGRATIONS.items():
                if column not in columns:
                    self.db.execute(statement)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> DocumentStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- documents ------------------------------------------------------------------------

    def count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM documents").fetchone()[0])

    def hashes(self, doc_ids: Sequence[str]) -> dict[str, str]:
        """Content hashes of the given ids that exist (one query per 500 ids)."""
        found: dict[str, str] = {}
        for i in range(0, len(doc_ids), 500):
            chunk = list(doc_ids[i : i + 500])
            marks = ",".join("?" * len(chunk))
            for row in self.db.execute(
                f"SELECT doc_id, content_hash FROM documents WHERE doc_id IN ({marks})", chunk
            ):
                found[row[0]] = row[1]
        return found

    def put_many(
        self, docs: Iterable[Document], acronyms: dict[str, list[tuple[str, str]]] | None = None
    ) -> dict[str, str]:
        """Insert or replace documents (and their entity rows) in one transaction.

        Returns:
            doc_id -> "added" or "updated".

        Raises:
            StoreError: the database cannot be written.
        """
        now = dt.datetime.now(dt.UTC).isoformat()
        outcome: dict[str, str] = {}
        docs = list(docs)
        existing = self.hashes([d.doc_id for d in docs])
        placeholders = ",".join("?" * len(COLUMNS))
        upsert = (
            f"INSERT INTO documents ({','.join(COLUMNS)}, updated_at, indexed) "
            f"VALUES ({placeholders}, ?, 0) ON CONFLICT(doc_id) DO UPDATE SET "
            + ", ".join(f"{c}=excluded.{c}" for c in COLUMNS[1:])
            + ", updated_at=excluded.updated_at, indexed=0"
        )
        try:
            with self.db:
                for doc in docs:
                    self.db.execute(upsert, (*row_values(doc, now), now))
                    self.db.execute("DELETE FROM entities WHERE doc_id = ?", (doc.doc_id,))
                    self.db.executemany(
                        "INSERT INTO entities VALUES (?, ?, ?, ?)", entity_rows(doc)
                    )
                    self.db.execute("DELETE FROM acronyms WHERE doc_id = ?", (doc.doc_id,))
                    self.db.executemany(
                        "INSERT OR IGNORE INTO acronyms VALUES (?, ?, ?)",
                        [
                            (doc.doc_id, long, short)
                            for long, short in (acronyms or {}).get(doc.doc_id, [])
                        ],
                    )
                    outcome[doc.doc_id] = "updated" if doc.doc_id in existing else "added"
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write to the document store: {exc}") from exc
        return outcome

    def delete_many(self, doc_ids: Sequence[str]) -> None:
        """Remove documents and every row that belongs to them (a document that could not be
        indexed leaves the store, so store and index keep agreeing)."""
        if not doc_ids:
            return
        with self.db:
            for chunk in chunks(list(doc_ids)):
                marks = ",".join("?" * len(chunk))
                for table in ("documents", "entities", "acronyms", "dedup_signatures"):
                    self.db.execute(f"DELETE FROM {table} WHERE doc_id IN ({marks})", chunk)
                self.db.execute(
                    f"DELETE FROM story_edges WHERE a IN ({marks}) OR b IN ({marks})",
                    chunk + chunk,
                )

    # -- deletes (indexer/delete.py): the intent first, so a killed delete is finished ------

    def mark_deleting(self, doc_ids: Sequence[str]) -> None:
        """Record that these documents are to be deleted, before anything is removed."""
        with self.db:
            self.db.executemany(
                "INSERT OR IGNORE INTO pending_deletes VALUES (?)", [(d,) for d in doc_ids]
            )

    def pending_deletes(self) -> list[str]:
        """Ids of a delete that has not finished (none for a store made before deletes)."""
        try:
            rows = self.db.execute("SELECT doc_id FROM pending_deletes ORDER BY 1").fetchall()
        except sqlite3.OperationalError:  # a read-only view of an older store
            return []
        return [row[0] for row in rows]

    def clear_deleting(self, doc_ids: Sequence[str]) -> None:
        with self.db:
            for chunk in chunks(list(doc_ids)):
                marks = ",".join("?" * len(chunk))
                self.db.execute(f"DELETE FROM pending_deletes WHERE doc_id IN ({marks})", chunk)

    def ids_from(self, prefix: str) -> list[tuple[str, str, str]]:
        """(doc_id, source, url) of every document whose source or URL starts with `prefix`."""
        return [
            (row[0], row[1], row[2])
            for row in self.db.execute(
                "SELECT doc_id, source, url FROM documents "
                "WHERE substr(source, 1, ?) = ? OR substr(url, 1, ?) = ? ORDER BY 1",
                (len(prefix), prefix, len(prefix), prefix),
            )
        ]

    def existing(self, doc_ids: Sequence[str]) -> list[str]:
        """The given ids the store holds, with the attachments of the messages among them
        (an attachment is a document of its own, linked to its message by parent_id)."""
        found: list[str] = []
        for chunk in chunks(list(dict.fromkeys(doc_ids))):
            marks = ",".join("?" * len(chunk))
            found += [
                row[0]
                for row in self.db.execute(
                    f"SELECT doc_id FROM documents WHERE doc_id IN ({marks})", chunk
                )
            ]
        seen, parents = set(found), found
        while parents:  # a message's attachments, and theirs (a forwarded message's)
            children: list[str] = []
            for chunk in chunks(parents):
                marks = ",".join("?" * len(chunk))
                children += [
                    row[0]
                    for row in self.db.execute(
                        f"SELECT doc_id FROM documents WHERE parent_id IN ({marks})", chunk
                    )
                    if row[0] not in seen
                ]
            seen.update(children)
            found += children
            parents = children
        return list(dict.fromkeys(found))

    def sources(self) -> Iterator[tuple[str, str]]:
        """(doc_id, source) of every document, streamed (prune looks for files gone)."""
        cursor = self.db.cursor()
        cursor.execute("SELECT doc_id, source FROM documents ORDER BY source")
        while rows := cursor.fetchmany(2000):
            yield from ((row[0], row[1]) for row in rows)

    def get(self, doc_id: str) -> Document | None:
        row = self.db.execute("SELECT * FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return document_of(row) if row else None

    def iter_documents(self, *, unindexed_only: bool = False) -> Iterator[Document]:
        """Every document in id order, streamed (reindex reads the whole store this way)."""
        sql = "SELECT * FROM documents"
        if unindexed_only:
            sql += " WHERE indexed = 0"
        cursor = self.db.cursor()
        cursor.execute(sql + " ORDER BY doc_id")
        while rows := cursor.fetchmany(500):
            for row in rows:
                yield document_of(row)

    def without_language(self) -> list[str]:
        """Ids of the documents stored before languages were detected."""
        return [r[0] for r in self.db.execute("SELECT doc_id FROM documents WHERE language = ''")]

    def set_languages(self, decided: Sequence[tuple[str, str, str, bool]]) -> None:
        """Record (doc_id, language, how it was decided, drop its entities) per document; a
        document in a language the entity model does not read loses the entities it was given
        before languages were detected."""
        with self.db:
            self.db.executemany(
                "UPDATE documents SET language = ?, language_source = ? WHERE doc_id = ?",
                [(code, source, doc_id) for doc_id, code, source, _ in decided],
            )
            dropped = [(doc_id,) for doc_id, _, _, drop in decided if drop]
            self.db.executemany(
                "UPDATE documents SET mentions = '[]', people = '[]', orgs = '[]', "
                "places = '[]' WHERE doc_id = ?",
                dropped,
            )
            self.db.executemany("DELETE FROM entities WHERE doc_id = ?", dropped)
            self.db.executemany("DELETE FROM acronyms WHERE doc_id = ?", dropped)

    def unindexed_count(self) -> int:
        return int(
            self.db.execute("SELECT count(*) FROM documents WHERE indexed = 0").fetchone()[0]
        )

    def ids(self) -> set[str]:
        """Every document id (`docsift check` compares them with the index's)."""
        return {row[0] for row in self.db.execute("SELECT doc_id FROM documents")}

    def unindexed_ids(self) -> list[str]:
        """Ids of the rows not yet marked indexed, in id order."""
        return [
            row[0]
            for row in self.db.execute("SELECT doc_id FROM documents WHERE indexed = 0 ORDER BY 1")
        ]

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
            "aliases": self.db.execute("SELECT count(*) FROM aliases").fetchone()[0],
            "size_bytes": self.path.stat().st_size if self.path.exists() else 0,
        }

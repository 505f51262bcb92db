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
import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from search.documents import (
    ENTITY_LABELS,
    Attachment,
    Correspondent,
    Document,
    Mention,
    parse_iso_at,
)
from search.errors import StoreError

# 3: documents.language, language_source; relabelled and hidden names
# 4: pages, page_starts, parent_id, attachments, correspondents, notes (PDF, office, e-mail)
STORE_VERSION = 4

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
    extract_method TEXT NOT NULL DEFAULT '',
    content_type TEXT NOT NULL DEFAULT '',
    content_hash TEXT NOT NULL,
    extra TEXT NOT NULL DEFAULT '{}',
    ingested_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    indexed INTEGER NOT NULL DEFAULT 0,
    mentions TEXT NOT NULL DEFAULT '[]',
    language TEXT NOT NULL DEFAULT '',
    language_source TEXT NOT NULL DEFAULT '',
    pages INTEGER NOT NULL DEFAULT 0,
    page_starts TEXT NOT NULL DEFAULT '[]',
    parent_id TEXT NOT NULL DEFAULT '',
    attachments TEXT NOT NULL DEFAULT '[]',
    correspondents TEXT NOT NULL DEFAULT '[]',
    notes TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS documents_unindexed ON documents(indexed) WHERE indexed = 0;
CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entities (
    doc_id TEXT NOT NULL,
    label TEXT NOT NULL,
    value TEXT NOT NULL,
    mentions INTEGER NOT NULL,
    PRIMARY KEY (doc_id, label, value)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entities_value ON entities(value, label);
CREATE TABLE IF NOT EXISTS acronyms (
    doc_id TEXT NOT NULL,
    long_form TEXT NOT NULL,
    acronym TEXT NOT NULL,
    PRIMARY KEY (doc_id, long_form, acronym)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS aliases (
    label TEXT NOT NULL,
    variant TEXT NOT NULL,
    canonical TEXT NOT NULL,
    reason TEXT NOT NULL,
    manual INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (label, variant)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS name_relabels (
    name TEXT PRIMARY KEY,
    label TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS name_hidden (
    name TEXT NOT NULL,
    label TEXT NOT NULL,
    PRIMARY KEY (name, label)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS alias_splits (
    label TEXT NOT NULL,
    variant TEXT NOT NULL,
    PRIMARY KEY (label, variant)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS dedup_signatures (
    doc_id TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL,
    body_hash TEXT NOT NULL,
    words INTEGER NOT NULL,
    shingles BLOB NOT NULL,
    unigrams BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS story_edges (
    a TEXT NOT NULL,
    b TEXT NOT NULL,
    kind TEXT NOT NULL,
    score REAL NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (a, b)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS story_edges_b ON story_edges(b);
CREATE TABLE IF NOT EXISTS line_analyses (key INTEGER PRIMARY KEY, spans TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pending_deletes (doc_id TEXT PRIMARY KEY) WITHOUT ROWID;
"""

# columns added after version 1, for stores created by an earlier docsift
_MIGRATIONS = {
    "mentions": "ALTER TABLE documents ADD COLUMN mentions TEXT NOT NULL DEFAULT '[]'",
    "extract_method": "ALTER TABLE documents ADD COLUMN extract_method TEXT NOT NULL DEFAULT ''",
    "language": "ALTER TABLE documents ADD COLUMN language TEXT NOT NULL DEFAULT ''",
    "language_source": (
        "ALTER TABLE documents ADD COLUMN language_source TEXT NOT NULL DEFAULT ''"
    ),
    "pages": "ALTER TABLE documents ADD COLUMN pages INTEGER NOT NULL DEFAULT 0",
    "page_starts": "ALTER TABLE documents ADD COLUMN page_starts TEXT NOT NULL DEFAULT '[]'",
    "parent_id": "ALTER TABLE documents ADD COLUMN parent_id TEXT NOT NULL DEFAULT ''",
    "attachments": "ALTER TABLE documents ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]'",
    "correspondents": (
        "ALTER TABLE documents ADD COLUMN correspondents TEXT NOT NULL DEFAULT '[]'"
    ),
    "notes": "ALTER TABLE documents ADD COLUMN notes TEXT NOT NULL DEFAULT '[]'",
}

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
    "extract_method",
    "content_type",
    "content_hash",
    "extra",
    "ingested_at",
    "mentions",
    "language",
    "language_source",
    "pages",
    "page_starts",
    "parent_id",
    "attachments",
    "correspondents",
    "notes",
)


@dataclass(frozen=True, slots=True)
class AliasRow:
    """One alias decision as stored: automatic (recomputed) or manual (kept)."""

    label: str
    variant: str
    canonical: str
    reason: str
    manual: bool


@dataclass(frozen=True, slots=True)
class SignatureRow:
    """A document's duplicate-detection signature as stored (MinHashes as little-endian u32)."""

    doc_id: str
    content_hash: str
    body_hash: str
    words: int
    shingles: bytes
    unigrams: bytes


@dataclass(frozen=True, slots=True)
class StoryEdge:
    """Two documents (a < b) that tell the same story, and why."""

    a: str
    b: str
    kind: str  # "duplicate" | "near" | "rewrite"
    score: float
    reason: str


def _chunks(values: Sequence[Any], size: int = 500) -> Iterator[list[Any]]:
    for i in range(0, len(values), size):
        yield list(values[i : i + size])


def _row_values(doc: Document, now: str) -> tuple[Any, ...]:
    return (
        doc.doc_id,
        doc.source,
        doc.url,
        doc.title,
        doc.body,
        doc.author,
        doc.published_iso,
        doc.published_source,
        json.dumps(list(doc.people)),
        json.dumps(list(doc.orgs)),
        json.dumps(list(doc.places)),
        doc.encoding,
        doc.decode_method,
        doc.extract_method,
        doc.content_type,
        doc.content_hash,
        json.dumps(dict(doc.extra)),
        doc.ingested_at.isoformat() if doc.ingested_at else now,
        json.dumps([m.to_dict() for m in doc.mentions], ensure_ascii=False),
        doc.language,
        doc.language_source,
        doc.pages,
        json.dumps(list(doc.page_starts)),
        doc.parent_id,
        json.dumps([a.to_dict() for a in doc.attachments], ensure_ascii=False),
        json.dumps([c.to_dict() for c in doc.correspondents], ensure_ascii=False),
        json.dumps(list(doc.notes), ensure_ascii=False),
    )


def _document(row: sqlite3.Row) -> Document:
    return Document(
        doc_id=row["doc_id"],
        title=row["title"],
        body=row["body"],
        source=row["source"],
        url=row["url"],
        author=row["author"],
        published=published[0] if (published := parse_iso_at(row["published"])) else None,
        published_source=row["published_source"],
        published_precision=published[1] if published else "day",
        people=tuple(json.loads(row["people"])),
        orgs=tuple(json.loads(row["orgs"])),
        places=tuple(json.loads(row["places"])),
        encoding=row["encoding"],
        decode_method=row["decode_method"],
        extract_method=row["extract_method"],
        content_type=row["content_type"],
        content_hash=row["content_hash"],
        ingested_at=dt.datetime.fromisoformat(row["ingested_at"]),
        extra=json.loads(row["extra"]),
        mentions=tuple(Mention.from_dict(m) for m in json.loads(row["mentions"])),
        language=row["language"],
        language_source=row["language_source"],
        pages=row["pages"],
        page_starts=tuple(json.loads(row["page_starts"])),
        parent_id=row["parent_id"],
        attachments=tuple(Attachment.from_dict(a) for a in json.loads(row["attachments"])),
        correspondents=tuple(Correspondent.from_dict(c) for c in json.loads(row["correspondents"])),
        notes=tuple(json.loads(row["notes"])),
    )


def _entity_rows(doc: Document) -> list[tuple[str, str, str, int]]:
    counts: dict[tuple[str, str], int] = {}
    for mention in doc.mentions:
        if mention.label in ENTITY_LABELS and mention.value:
            key = (mention.label, mention.value)
            counts[key] = counts.get(key, 0) + 1
    for label, values in (("person", doc.people), ("org", doc.orgs), ("place", doc.places)):
        for value in values:
            counts.setdefault((label, value), 1)
    return [(doc.doc_id, label, value, n) for (label, value), n in counts.items()]


class DocumentStore:
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
            self.db.executescript(_SCHEMA)
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
            for column, statement in _MIGRATIONS.items():
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
        placeholders = ",".join("?" * len(_COLUMNS))
        upsert = (
            f"INSERT INTO documents ({','.join(_COLUMNS)}, updated_at, indexed) "
            f"VALUES ({placeholders}, ?, 0) ON CONFLICT(doc_id) DO UPDATE SET "
            + ", ".join(f"{c}=excluded.{c}" for c in _COLUMNS[1:])
            + ", updated_at=excluded.updated_at, indexed=0"
        )
        try:
            with self.db:
                for doc in docs:
                    self.db.execute(upsert, (*_row_values(doc, now), now))
                    self.db.execute("DELETE FROM entities WHERE doc_id = ?", (doc.doc_id,))
                    self.db.executemany(
                        "INSERT INTO entities VALUES (?, ?, ?, ?)", _entity_rows(doc)
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
            for chunk in _chunks(list(doc_ids)):
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
            for chunk in _chunks(list(doc_ids)):
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
        for chunk in _chunks(list(dict.fromkeys(doc_ids))):
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
            for chunk in _chunks(parents):
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

    # -- corpus-wide entity statistics and aliases -------------------------------------

    def entity_counts(self) -> dict[tuple[str, str], int]:
        """(label, value) -> number of documents mentioning it."""
        return {
            (row[0], row[1]): row[2]
            for row in self.db.execute(
                "SELECT label, value, count(*) FROM entities GROUP BY label, value"
            )
        }

    def label_counts(self) -> dict[str, dict[str, int]]:
        """value -> {label: documents} for values seen under more than one label."""
        found: dict[str, dict[str, int]] = {}
        for value, label, n in self.db.execute(
            "SELECT value, label, count(*) FROM entities WHERE value IN "
            "(SELECT value FROM entities GROUP BY value HAVING count(DISTINCT label) > 1) "
            "GROUP BY value, label"
        ):
            found.setdefault(value, {})[label] = n
        return found

    def co_mentions(self, label: str, value: str, limit: int) -> list[list[tuple[str, str]]]:
        """For up to `limit` documents mentioning (label, value), every (label, value) each of
        them mentions: the company a name keeps, which corpus-wide name merges weigh."""
        ids = [
            row[0]
            for row in self.db.execute(
                "SELECT doc_id FROM entities WHERE value = ? AND label = ? LIMIT ?",
                (value, label, limit),
            )
        ]
        if not ids:
            return []
        found: dict[str, list[tuple[str, str]]] = {doc_id: [] for doc_id in ids}
        marks = ",".join("?" * len(ids))
        for doc_id, lab, val in self.db.execute(
            f"SELECT doc_id, label, value FROM entities WHERE doc_id IN ({marks})", ids
        ):
            found[doc_id].append((lab, val))
        return list(found.values())

    def acronym_pairs(self) -> dict[tuple[str, str], int]:
        return {
            (row[0], row[1]): row[2]
            for row in self.db.execute(
                "SELECT long_form, acronym, count(*) FROM acronyms GROUP BY long_form, acronym"
            )
        }

    def aliases(self) -> list[AliasRow]:
        rows = self.db.execute("SELECT * FROM aliases ORDER BY label, canonical, variant")
        return [
            AliasRow(r["label"], r["variant"], r["canonical"], r["reason"], bool(r["manual"]))
            for r in rows
        ]

    def splits(self) -> list[tuple[str, str]]:
        return [(r[0], r[1]) for r in self.db.execute("SELECT label, variant FROM alias_splits")]

    def replace_auto_aliases(self, rows: Iterable[AliasRow]) -> None:
        """Swap in a freshly computed set of automatic aliases; manual ones stay."""
        with self.db:
            self.db.execute("DELETE FROM aliases WHERE manual = 0")
            self.db.executemany(
                "INSERT OR IGNORE INTO aliases VALUES (?, ?, ?, ?, 0)",
                [(r.label, r.variant, r.canonical, r.reason) for r in rows if not r.manual],
            )

    def set_manual_merge(self, label: str, variant: str, canonical: str) -> None:
        with self.db:
            self.db.execute(
                "DELETE FROM alias_splits WHERE label = ? AND variant = ?", (label, variant)
            )
            self.db.execute(
                "INSERT OR REPLACE INTO aliases VALUES (?, ?, ?, 'manual', 1)",
                (label, variant, canonical),
            )

    def set_manual_split(self, label: str, variant: str) -> None:
        with self.db:
            self.db.execute("DELETE FROM aliases WHERE label = ? AND variant = ?", (label, variant))
            self.db.execute("INSERT OR IGNORE INTO alias_splits VALUES (?, ?)", (label, variant))

    # -- a user's corrections: names moved to another label, names never shown -------------

    def relabels(self) -> dict[str, str]:
        """name -> the label a user moved it to."""
        return {r[0]: r[1] for r in self.db.execute("SELECT name, label FROM name_relabels")}

    def set_relabel(self, name: str, label: str | None) -> bool:
        """Show `name` under `label` from now on (None: back to the automatic label);
        returns whether anything changed."""
        with self.db:
            if label is None:
                return (
                    self.db.execute("DELETE FROM name_relabels WHERE name = ?", (name,)).rowcount
                    > 0
                )
            self.db.execute("INSERT OR REPLACE INTO name_relabels VALUES (?, ?)", (name, label))
            return True

    def hidden(self) -> dict[str, tuple[str, ...]]:
        """name -> the labels it is hidden under ("*": every label)."""
        found: dict[str, list[str]] = {}
        for name, label in self.db.execute("SELECT name, label FROM name_hidden ORDER BY 1, 2"):
            found.setdefault(name, []).append(label)
        return {name: tuple(labels) for name, labels in found.items()}

    def set_hidden(self, name: str, label: str, hidden: bool) -> bool:
        """Hide `name` under `label` ("*": every label), or show it again; returns whether
        anything changed (unhiding with "*" shows it under every label)."""
        with self.db:
            if hidden:
                return (
                    self.db.execute(
                        "INSERT OR IGNORE INTO name_hidden VALUES (?, ?)", (name, label)
                    ).rowcount
                    > 0
                )
            args: tuple[str, ...]
            if label == "*":
                sql, args = "DELETE FROM name_hidden WHERE name = ?", (name,)
            else:
                sql, args = "DELETE FROM name_hidden WHERE name = ? AND label = ?", (name, label)
            return self.db.execute(sql, args).rowcount > 0

    def entity_rows_by_document(self) -> Iterator[list[tuple[str, str]]]:
        """Each document's (label, raw value) entity rows, one list per document."""
        cursor = self.db.cursor()
        cursor.execute("SELECT doc_id, label, value FROM entities ORDER BY doc_id")
        current: str | None = None
        rows: list[tuple[str, str]] = []
        while batch := cursor.fetchmany(5000):
            for doc_id, label, value in batch:
                if doc_id != current and rows:
                    yield rows
                    rows = []
                current = doc_id
                rows.append((label, value))
        if rows:
            yield rows

    def mention_texts(self) -> Iterator[tuple[str, str, list[dict[str, Any]]]]:
        """(title, body, mentions as stored) of every document with entity values."""
        cursor = self.db.cursor()
        cursor.execute(
            "SELECT title, body, mentions FROM documents "
            "WHERE people != '[]' OR orgs != '[]' OR places != '[]'"
        )
        while rows := cursor.fetchmany(500):
            for title, body, mentions in rows:
                yield title, body, json.loads(mentions)

    def documents_with(self, values: Iterable[tuple[str, str]]) -> int:
        """How many documents hold any of these (label, raw value) entities."""
        found: set[str] = set()
        pairs = list(values)
        for chunk in _chunks(pairs, 200):
            clause = " OR ".join("(label = ? AND value = ?)" for _ in chunk)
            found.update(
                r[0]
                for r in self.db.execute(
                    f"SELECT DISTINCT doc_id FROM entities WHERE {clause}",
                    [x for pair in chunk for x in pair],
                )
            )
        return len(found)

    # -- duplicate detection: signatures and story edges ------------------------------

    def texts(self, doc_ids: Sequence[str]) -> Iterator[tuple[str, str, str, str | None]]:
        """(doc_id, title, body, published) of the given ids that exist."""
        for chunk in _chunks(doc_ids):
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
        for chunk in _chunks(doc_ids):
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
        for chunk in _chunks(keys):
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
        for chunk in _chunks(sorted(set(doc_ids))):
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
                for chunk in _chunks(doc_ids):
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

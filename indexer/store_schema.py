"""The store's SQLite schema, its migrations, and the mapping between a Document and its row:
what the document store (indexer.store) reads and writes, written down once."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from search.documents import (
    ENTITY_LABELS,
    Attachment,
    Correspondent,
    Document,
    Mention,
    parse_iso_at,
)

# 3: documents.language, language_source; relabelled and hidden names
# 4: pages, page_starts, parent_id, attachments, correspondents, notes (PDF, office, e-mail)
STORE_VERSION = 4

SCHEMA = """
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
MIGRATIONS = {
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

COLUMNS = (
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


def chunks(values: Sequence[Any], size: int = 500) -> Iterator[list[Any]]:
    for i in range(0, len(values), size):
        yield list(values[i : i + size])


def row_values(doc: Document, now: str) -> tuple[Any, ...]:
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


def document_of(row: sqlite3.Row) -> Document:
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


def entity_rows(doc: Document) -> list[tuple[str, str, str, int]]:
    counts: dict[tuple[str, str], int] = {}
    for mention in doc.mentions:
        if mention.label in ENTITY_LABELS and mention.value:
            key = (mention.label, mention.value)
            counts[key] = counts.get(key, 0) + 1
    for label, values in (("person", doc.people), ("org", doc.orgs), ("place", doc.places)):
        for value in values:
            counts.setdefault((label, value), 1)
    return [(doc.doc_id, label, value, n) for (label, value), n in counts.items()]

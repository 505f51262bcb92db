"""The store's name tables: corpus-wide entity statistics, the alias decisions (automatic and a
user's merges and splits), and a user's corrections (relabelled and hidden names).

A mixin of DocumentStore (indexer.store), which owns the connection; kept apart because
merging name variants is a corpus-wide job of its own (indexer.aliases, indexer.names).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from typing import Any

from indexer.store_schema import AliasRow, chunks


class NameRecords:
    """Reads and writes the name tables of the store's database."""

    db: sqlite3.Connection

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
        for chunk in chunks(pairs, 200):
            clause = " OR ".join("(label = ? AND value = ?)" for _ in chunk)
            found.update(
                r[0]
                for r in self.db.execute(
                    f"SELECT DISTINCT doc_id FROM entities WHERE {clause}",
                    [x for pair in chunk for x in pair],
                )
            )
        return len(found)

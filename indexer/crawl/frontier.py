"""The crawl frontier in the SQLite store: every URL's state, written before and after each fetch.

Why SQLite and why so many small commits: a crawl may be stopped at any moment (Ctrl-C, `kill`,
a reboot). Each status change is its own transaction (cheap in WAL mode), so a restart knows
exactly what was queued, what was in flight (put back in the queue), what failed and why.
A fetched page's bytes are kept in `crawl_bodies` in the same transaction that marks it
fetched, and dropped only once the pipeline has stored (or rejected) it, so nothing fetched is
ever lost or fetched again. Validators (ETag, Last-Modified, content hash) and the page's links
survive from one crawl to the next for conditional GETs.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from indexer.net.urls import host_key

STATUSES = ("queued", "fetching", "fetched", "failed", "skipped", "previous")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS crawl_frontier (
    url TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    depth INTEGER NOT NULL,
    kind TEXT NOT NULL DEFAULT 'page',
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    discovered_from TEXT NOT NULL DEFAULT '',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL DEFAULT 0,
    etag TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '',
    content_hash TEXT NOT NULL DEFAULT '',
    http_status INTEGER,
    final_url TEXT NOT NULL DEFAULT '',
    links TEXT NOT NULL DEFAULT '[]',
    fetches INTEGER NOT NULL DEFAULT 0,
    run_id INTEGER,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS crawl_frontier_queue ON crawl_frontier(status, next_attempt_at);
CREATE INDEX IF NOT EXISTS crawl_frontier_host ON crawl_frontier(host, status);
CREATE TABLE IF NOT EXISTS crawl_runs (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    state TEXT NOT NULL,
    config TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS crawl_bodies (
    url TEXT PRIMARY KEY,
    final_url TEXT NOT NULL,
    content_type TEXT NOT NULL,
    content BLOB NOT NULL,
    fetched_at TEXT NOT NULL,
    tries INTEGER NOT NULL DEFAULT 0
);
"""
# columns added later, for stores whose crawl tables an earlier docsift made
_MIGRATIONS = {
    ("crawl_bodies", "tries"): "ALTER TABLE crawl_bodies ADD COLUMN tries INTEGER NOT NULL "
    "DEFAULT 0"
}


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class FrontierRow:
    """One URL as the scheduler needs it."""

    url: str
    host: str
    depth: int
    kind: str
    attempts: int
    etag: str
    last_modified: str
    content_hash: str
    links: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class PendingBody:
    """A page fetched but not yet through the pipeline (the crawl stopped in between)."""

    url: str
    final_url: str
    content_type: str
    content: bytes
    fetched_at: dt.datetime


class Frontier:
    """The crawl tables of one store; uses the store's connection, so the main thread only."""

    def __init__(self, db: sqlite3.Connection, *, read_only: bool = False) -> None:
        self.db = db
        if read_only:
            return  # the tables exist (has_crawl_tables) and nothing may be written
        with self.db:
            self.db.executescript(_SCHEMA)
            for (table, column), statement in _MIGRATIONS.items():
                columns = {row[1] for row in self.db.execute(f"PRAGMA table_info({table})")}
                if column not in columns:
                    self.db.execute(statement)

    # -- runs ----------------------------------------------------------------------------

    def start_run(self, config: dict[str, Any]) -> int:
        """A new crawl: what earlier runs left becomes `previous` (validators kept)."""
        with self.db:
            self.db.execute(
                "UPDATE crawl_runs SET state = 'abandoned', finished_at = ? "
                "WHERE state IN ('running', 'interrupted')",
                (_now(),),
            )
            self.db.execute(
                "UPDATE crawl_frontier SET status = 'previous' WHERE status != 'previous'"
            )
            cursor = self.db.execute(
                "INSERT INTO crawl_runs (started_at, state, config) VALUES (?, 'running', ?)",
                (_now(), json.dumps(config)),
            )
        return int(cursor.lastrowid or 0)

    def resumable_run(self) -> tuple[int, dict[str, Any]] | None:
        """The latest run that did not finish, with its config; in-flight URLs are requeued."""
        row = self.db.execute(
            "SELECT id, config FROM crawl_runs WHERE state IN ('running', 'interrupted') "
            "ORDER BY id DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        with self.db:
            self.db.execute(
                "UPDATE crawl_frontier SET status = 'queued', updated_at = ? "
                "WHERE status = 'fetching'",
                (_now(),),
            )
            self.db.execute("UPDATE crawl_runs SET state = 'running' WHERE id = ?", (row[0],))
        return int(row[0]), json.loads(row[1])

    def end_run(self, run_id: int, state: str) -> None:
        with self.db:
            self.db.execute(
                "UPDATE crawl_runs SET state = ?, finished_at = ? WHERE id = ?",
                (state, _now(), run_id),
            )

    # -- queueing ----------------------------------------------------------------------------

    def enqueue(
        self, entries: Iterable[tuple[str, int, str]], discovered_from: str, run_id: int
    ) -> int:
        """Queue (url, depth, kind) entries not seen in this run; returns how many were new."""
        now, wall = _now(), dt.datetime.now(dt.UTC).timestamp()
        rows = [
            (url, host_key(url), depth, kind, discovered_from, wall, run_id, now)
            for url, depth, kind in entries
        ]
        if not rows:
            return 0
        before = self.db.total_changes
        with self.db:
            self.db.executemany(
                "INSERT INTO crawl_frontier (url, host, depth, kind, status, discovered_from, "
                "next_attempt_at, run_id, updated_at) VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?) "
                "ON CONFLICT(url) DO UPDATE SET status = 'queued', depth = excluded.depth, "
                "kind = excluded.kind, discovered_from = excluded.discovered_from, "
                "attempts = 0, reason = '', next_attempt_at = excluded.next_attempt_at, "
                "run_id = excluded.run_id, updated_at = excluded.updated_at "
                "WHERE crawl_frontier.status = 'previous'",
                rows,
            )
        return self.db.total_changes - before

    def next_ready(self, now: float, exclude_hosts: Iterable[str]) -> FrontierRow | None:
        """The oldest queued URL that is due and whose host is free."""
        hosts = list(exclude_hosts)
        marks = ",".join("?" * len(hosts))
        row = self.db.execute(
            "SELECT url, host, depth, kind, attempts, etag, last_modified, content_hash, links "
            "FROM crawl_frontier WHERE status = 'queued' AND next_attempt_at <= ? "
            + (f"AND host NOT IN ({marks}) " if hosts else "")
            + "ORDER BY next_attempt_at LIMIT 1",
            (now, *hosts),
        ).fetchone()
        if row is None:
            return None
        links = tuple((str(u), str(k)) for u, k in json.loads(row[8]))
        return FrontierRow(*tuple(row)[:8], links=links)  # type: ignore[misc]  # 8 columns

    def next_due(self) -> dict[str, float]:
        """host -> earliest next_attempt_at of its queued URLs."""
        return {
            row[0]: float(row[1])
            for row in self.db.execute(
                "SELECT host, min(next_attempt_at) FROM crawl_frontier "
                "WHERE status = 'queued' GROUP BY host"
            )
        }

    # -- status changes ------------------------------------------------------------------------

    def mark_fetching(self, url: str) -> None:
        with self.db:
            self.db.execute(
                "UPDATE crawl_frontier SET status = 'fetching', fetches = fetches + 1, "
                "updated_at = ? WHERE url = ?",
                (_now(), url),
            )

    def finish(self, url: str, status: str, reason: str = "", **fields: Any) -> None:
        """Record an outcome; `fields` are other columns (etag, links as a list, ...)."""
        self._finish(url, status, reason, fields)
        self.db.commit()

    def _finish(self, url: str, status: str, reason: str, fields: dict[str, Any]) -> None:
        if "links" in fields:
            fields["links"] = json.dumps(fields["links"])
        assignments = "".join(f", {name} = ?" for name in fields)
        self.db.execute(
            f"UPDATE crawl_frontier SET status = ?, reason = ?, updated_at = ?{assignments} "
            "WHERE url = ?",
            (status, reason, _now(), *fields.values(), url),
        )

    def finish_with_body(
        self, url: str, body: PendingBody, reason: str = "", **fields: Any
    ) -> None:
        """Mark fetched and keep the bytes until the pipeline is done, in one transaction."""
        with self.db:
            self._finish(url, "fetched", reason, fields)
            self.db.execute(
                "INSERT OR REPLACE INTO crawl_bodies (url, final_url, content_type, content, "
                "fetched_at) VALUES (?, ?, ?, ?, ?)",
                (
                    body.url,
                    body.final_url,
                    body.content_type,
                    body.content,
                    body.fetched_at.isoformat(),
                ),
            )

    def claim(self, url: str, host: str, depth: int, run_id: int, reason: str) -> bool:
        """Record a URL reached by redirect as fetched; False if this run already had it."""
        row = self.db.execute("SELECT status FROM crawl_frontier WHERE url = ?", (url,)).fetchone()
        if row is not None and row[0] in ("fetched", "fetching"):
            return False
        with self.db:
            self.db.execute(
                "INSERT INTO crawl_frontier (url, host, depth, status, reason, run_id, updated_at) "
                "VALUES (?, ?, ?, 'fetched', ?, ?, ?) ON CONFLICT(url) DO UPDATE SET "
                "status = 'fetched', reason = excluded.reason, updated_at = excluded.updated_at",
                (url, host, depth, reason, run_id, _now()),
            )
        return True

    def retry(self, url: str, attempts: int, at: float, reason: str) -> None:
        with self.db:
            self.db.execute(
                "UPDATE crawl_frontier SET status = 'queued', attempts = ?, next_attempt_at = ?, "
                "reason = ?, updated_at = ? WHERE url = ?",
                (attempts, at, reason, _now(), url),
            )

    # -- pending bodies ----------------------------------------------------------------------

    def give_up_bodies(self, max_tries: int) -> list[tuple[str, str]]:
        """Count one more try of every pending body; drop those tried `max_tries` times (runs
        kept dying before they were stored) and mark their URLs failed. Returns (url, why)."""
        with self.db:
            self.db.execute("UPDATE crawl_bodies SET tries = tries + 1")
            given_up = [
                str(row[0])
                for row in self.db.execute(
                    "SELECT url FROM crawl_bodies WHERE tries > ?", (max_tries,)
                )
            ]
            reason = (
                f"fetched, but {max_tries} runs stopped before it was stored; "
                "not tried again (see the log of those runs)"
            )
            for url in given_up:
                self._finish(url, "failed", reason, {})
                self.db.execute("DELETE FROM crawl_bodies WHERE url = ?", (url,))
        return [(url, reason) for url in given_up]

    def pending_bodies(self) -> Iterator[PendingBody]:
        rows = self.db.execute(
            "SELECT url, final_url, content_type, content, fetched_at FROM crawl_bodies "
            "ORDER BY rowid"
        ).fetchall()
        for row in rows:
            yield PendingBody(
                row[0], row[1], row[2], bytes(row[3]), dt.datetime.fromisoformat(row[4])
            )

    def drop_bodies(self, urls: Iterable[str]) -> None:
        with self.db:
            self.db.executemany("DELETE FROM crawl_bodies WHERE url = ?", [(u,) for u in urls])

    # -- reading ------------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        found = dict.fromkeys(STATUSES, 0)
        for status, n in self.db.execute(
            "SELECT status, count(*) FROM crawl_frontier GROUP BY status"
        ):
            found[status] = n
        return found

    def problems(self, limit: int = 1000) -> list[dict[str, str]]:
        return [
            {"url": r[0], "status": r[1], "reason": r[2]}
            for r in self.db.execute(
                "SELECT url, status, reason FROM crawl_frontier "
                "WHERE status IN ('failed', 'skipped') ORDER BY updated_at, url LIMIT ?",
                (limit,),
            )
        ]

    def row(self, url: str) -> dict[str, Any] | None:
        cursor = self.db.execute("SELECT * FROM crawl_frontier WHERE url = ?", (url,))
        found = cursor.fetchone()
        if found is None:
            return None
        return dict(zip([d[0] for d in cursor.description], found, strict=True))

    def host_stats(self) -> list[dict[str, Any]]:
        """Per host: URLs by status and the latest failure, for `docsift stats`."""
        hosts: dict[str, dict[str, Any]] = {}
        for host, status, n in self.db.execute(
            "SELECT host, status, count(*) FROM crawl_frontier GROUP BY host, status"
        ):
            entry = hosts.setdefault(host, {"host": host, "last_error": "", "last_error_url": ""})
            entry[status] = n
        for host in hosts:
            last = self.db.execute(
                "SELECT url, reason FROM crawl_frontier WHERE host = ? AND status = 'failed' "
                "ORDER BY updated_at DESC LIMIT 1",
                (host,),
            ).fetchone()
            if last:
                hosts[host]["last_error_url"], hosts[host]["last_error"] = last[0], last[1]
        return [{**{s: hosts[h].get(s, 0) for s in STATUSES}, **hosts[h]} for h in sorted(hosts)]

    def last_run(self) -> dict[str, Any] | None:
        row = self.db.execute(
            "SELECT id, started_at, finished_at, state FROM crawl_runs ORDER BY id DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        return {"id": row[0], "started_at": row[1], "finished_at": row[2], "state": row[3]}


def has_crawl_tables(db: sqlite3.Connection) -> bool:
    return (
        db.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'crawl_frontier'"
        ).fetchone()[0]
        > 0
    )

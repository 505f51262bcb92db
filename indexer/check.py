"""Whether a home's store and index agree, and what repairs them: `docsift check` prints it.

Kept apart from the CLI so the rules are testable on a real home without click, and so a
future health endpoint can read the same report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from indexer.store import DocumentStore
from search.index import IndexInspection, inspect_index
from search.schema import SCHEMA_VERSION
from search.settings import Settings

REINDEX = "docsift reindex"
FINISH_DELETE = "docsift delete --finish (or the next docsift ingest, crawl or reindex)"
MAX_LISTED_IDS = 20


@dataclass(frozen=True)
class Finding:
    """One disagreement (a problem) or a stale lock (a warning), with the command that fixes
    it; `ids` lists up to MAX_LISTED_IDS of the documents concerned, `count` all of them."""

    code: str
    message: str
    fix: str = REINDEX
    ids: tuple[str, ...] | None = None
    count: int | None = None

    def to_dict(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"code": self.code, "message": self.message, "fix": self.fix}
        if self.ids is not None:
            entry["count"] = self.count
            entry["ids"] = list(self.ids)
        return entry


@dataclass
class CheckReport:
    """The state of a home as `docsift check` reports it; `ok` when nothing needs repair (a
    stale lock alone is a warning: the next writing command clears it)."""

    home: str
    store_documents: int
    unindexed: int
    inspection: IndexInspection
    problems: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        inspection = self.inspection
        return {
            "ok": self.ok,
            "home": self.home,
            "store": {"documents": self.store_documents, "unindexed": self.unindexed},
            "index": {
                "generation": inspection.generation,
                "documents": inspection.documents,
                "schema_version": inspection.schema_version,
                "expected_schema_version": SCHEMA_VERSION,
                "tables": dict(inspection.sidecars),
                "error": inspection.error,
            },
            "locks": [lock.to_dict() for lock in inspection.locks],
            "problems": [p.to_dict() for p in self.problems],
            "warnings": [w.to_dict() for w in self.warnings],
            "notes": list(self.notes),
            "repair": None if self.ok else REINDEX,
        }


def check_home(settings: Settings) -> CheckReport:
    """Compare the store (read-only, never created) with the Whoosh index of one home."""
    store_ids: set[str] = set()
    unindexed: list[str] = []
    deleting: list[str] = []
    degraded = ""
    if settings.db_path.exists():
        with DocumentStore(settings.db_path, read_only=True) as store:
            store_ids, unindexed = store.ids(), store.unindexed_ids()
            deleting = store.pending_deletes()
            degraded = store.degraded
    inspection = inspect_index(settings.index_dir)
    report = CheckReport(
        home=str(settings.home),
        store_documents=len(store_ids),
        unindexed=len(unindexed),
        inspection=inspection,
    )
    _find_problems(report, store_ids, unindexed)
    if deleting:
        report.problems.append(
            Finding(
                "delete_unfinished",
                f"a delete of {len(deleting)} documents did not finish (its process stopped)",
                FINISH_DELETE,
                tuple(deleting[:MAX_LISTED_IDS]),
                len(deleting),
            )
        )
    if degraded:
        report.notes.append(f"the store was {degraded}")
    return report


def _find_problems(report: CheckReport, store_ids: set[str], unindexed: list[str]) -> None:
    """Every disagreement between the store and the index, each with its fix; notes; and
    warnings (reported, but the next writing command clears them by itself: a stale lock)."""
    inspection = report.inspection

    def problem(code: str, message: str, fix: str = REINDEX, ids: list[str] | None = None) -> None:
        listed = None if ids is None else tuple(ids[:MAX_LISTED_IDS])
        count = None if ids is None else len(ids)
        report.problems.append(Finding(code, message, fix, listed, count))

    if inspection.generation is None:
        if store_ids:
            problem("no_index", f"there is no index; the store holds {len(store_ids)} documents")
    elif inspection.schema_version is not None and inspection.schema_version != SCHEMA_VERSION:
        problem(
            "schema_mismatch",
            f"the index ({inspection.generation}) was built with schema "
            f"v{inspection.schema_version}; this docsift uses v{SCHEMA_VERSION}",
        )
    elif inspection.error:
        problem("index_unreadable", inspection.error)
    else:
        missing = sorted(store_ids - inspection.ids)
        extra = sorted(inspection.ids - store_ids)
        if missing:
            problem(
                "missing_from_index",
                f"{len(missing)} documents in the store are not in the index",
                ids=missing,
            )
        if extra:
            problem(
                "not_in_store",
                f"{len(extra)} documents in the index are not in the store",
                ids=extra,
            )
        if inspection.duplicate_ids:
            problem(
                "duplicate_ids",
                f"{len(inspection.duplicate_ids)} ids are held by more than one index document",
                ids=list(inspection.duplicate_ids),
            )
        for name, state in inspection.sidecars:
            if state != "ok":
                problem(
                    "table_missing" if state == "missing" else "table_unreadable",
                    f"{name} beside {inspection.generation} is {state}",
                )
    if unindexed:
        problem(
            "unindexed",
            f"{len(unindexed)} store rows are not marked indexed (an ingest did not finish)",
            fix="docsift ingest (the same input finishes them) or docsift reindex",
            ids=unindexed,
        )
    for lock in inspection.locks:
        if lock.state == "stale":
            who = lock.owner.describe() if lock.owner else "an unknown process"
            report.warnings.append(
                Finding(
                    "stale_lock",
                    f"a stale write lock ({lock.path.name}) left by {who}, which is gone",
                    "nothing to do: the next docsift ingest, crawl or reindex clears it",
                )
            )
        elif lock.state == "held":
            who = lock.owner.describe() if lock.owner else "a process"
            report.notes.append(
                f"{who} is writing now ({lock.path.name}): differences may be in flight; "
                "run `docsift check` again when it ends"
            )
    if inspection.leftovers:
        report.notes.append(
            f"{', '.join(inspection.leftovers)} left by an interrupted reindex "
            "(harmless, never searched; the next reindex removes it)"
        )

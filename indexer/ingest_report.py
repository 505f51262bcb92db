"""What an ingest run did: the counts per outcome, each problem with its reason, and the
per-stage timings gathered while it ran."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Problem:
    """Why one source or record was skipped or failed."""

    source: str
    reason: str


@dataclass(frozen=True, slots=True)
class IngestReport:
    """What a run did: counts per outcome and each problem with its reason."""

    added: int
    updated: int
    unchanged: int
    skipped: tuple[Problem, ...]
    errors: tuple[Problem, ...]
    indexed: int
    seconds: float
    stage_seconds: tuple[tuple[str, float], ...] = ()
    # NER by line: how many lines were skipped, reused from earlier analyses, or analysed
    ner_lines: tuple[tuple[str, int], ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def seen(self) -> int:
        """Documents read this run, new, changed or not."""
        return self.added + self.updated + self.unchanged

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": [{"source": p.source, "reason": p.reason} for p in self.skipped],
            "errors": [{"source": p.source, "reason": p.reason} for p in self.errors],
            "indexed": self.indexed,
            "seconds": round(self.seconds, 3),
            "stage_seconds": {stage: round(sec, 3) for stage, sec in self.stage_seconds},
            "ner_lines": dict(self.ner_lines),
        }


@dataclass
class Tally:
    """The running counts of one run, turned into an IngestReport at its end."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[Problem] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    stages: dict[str, float] = field(default_factory=dict)
    finished: list[str] = field(default_factory=list)  # sources whose outcome is durable

    @contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.stages[stage] = self.stages.get(stage, 0.0) + time.perf_counter() - started


def described_error(exc: BaseException, limit: int = 300) -> str:
    """An unexpected exception as one line of a report: its type and its first line (at most
    `limit` characters of it)."""
    message = str(exc).strip().splitlines()[0][:limit] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__

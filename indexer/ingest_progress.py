"""What an ingest tells whoever shows its progress, stage by stage.

Reading runs ahead of the entity stage (NER takes documents as they come, in batches), so a
count of files read reached 505 of 511 in half a second and then stood still for 15 s: the
pipeline reports each document as it is read, as it comes out of the entity stage, and when its
outcome is durable (stored and indexed, unchanged, skipped or failed), and names the stages
that run once at the end. Shown by indexer/cli/progress.py; nothing here prints.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from indexer.sources import Source

END_STAGES = ("names", "stories", "done")


class IngestProgress:
    """Counters an ingest updates from its one thread; a reporter reads them from another
    (ints and strs: each read sees a whole value). Called with a source, it counts one
    document read, so it can stand where Pipeline.run takes a plain callback."""

    def __init__(self, total: int = 0) -> None:
        self.total = total  # documents expected; grows if more turn up
        self.read = 0
        self.analysed = 0  # out of the entity stage (or past it, without entities)
        # unchanged, skipped or failed before the entity stage: read from the run's tally
        self._bypassed: Callable[[], int] = lambda: 0
        self.finished = 0  # outcome durable: stored and indexed, unchanged, skipped, failed
        self.end_stage = ""  # one of END_STAGES once every document is through
        self.started = time.monotonic()

    def __call__(self, source: str) -> None:
        self.read += 1
        self.total = max(self.total, self.read)

    def watch(self, bypassed: Callable[[], int]) -> None:
        """Where to read how many documents never reach the entity stage."""
        self._bypassed = bypassed

    def document_analysed(self) -> None:
        self.analysed += 1

    def documents_finished(self, count: int) -> None:
        self.finished = min(self.finished + count, self.total)

    def set_stage(self, stage: str) -> None:
        self.end_stage = stage
        if stage == "done":
            self.finished = self.total = max(self.total, self.read, self.finished)

    @property
    def stage(self) -> str:
        """What most documents wait on: reading until all are read, then the entity stage
        while it lags behind, then indexing; the end stages as the pipeline names them."""
        if self.end_stage:
            return self.end_stage
        if self.read < self.total:
            return "reading"
        return "entities" if self.analysed + self._bypassed() < self.read else "indexing"

    @property
    def processed(self) -> int:
        """Documents past the slow per-document work (read, cleaned, names found), the
        bar's count: stored ones wait for their batch, which would hold the count still."""
        if self.end_stage == "done":
            return self.total
        return min(self.total, self.analysed + self._bypassed())

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def eta_seconds(self) -> float | None:
        """Seconds left at the rate documents have been processed so far; None until one has
        (or once every document is through: the end stages take what they take)."""
        done = self.processed
        if not done or not self.total or self.end_stage:
            return None
        return max(0.0, self.elapsed() * (self.total - done) / done)


def expected_documents(sources: Iterable[Source]) -> int:
    """How many documents the sources should give: one per file or URL, one per line of a
    JSON Lines export (counted without parsing). A guess the run corrects as it reads."""
    total = 0
    for source in sources:
        if source.problem:
            total += 1
        elif source.kind == "jsonl":
            try:
                total += _non_blank_lines(source.uri)
            except OSError:
                total += 1
        else:
            total += 1
    return total


def _non_blank_lines(path: str, block: int = 1_048_576) -> int:
    """Lines holding more than whitespace, read a block at a time: an export can hold a line of
    a gigabyte (the reader skips it without holding it), and counting must not hold it either."""
    count = 0
    content = False  # the line being read so far holds more than whitespace
    with open(path, "rb") as export:
        while chunk := export.read(block):
            *ended, rest = chunk.split(b"\n")
            for line in ended:
                if content or line.strip():
                    count += 1
                content = False
            content = content or bool(rest.strip())
    return count + content

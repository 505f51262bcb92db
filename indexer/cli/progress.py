"""Showing an ingest's progress (indexer/ingest_progress.py): a tqdm bar with the stage and an
ETA on a terminal, else one plain line every few seconds, so a log or a CI job shows a long
ingest moving instead of minutes of silence."""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from indexer.ingest_progress import IngestProgress

PLAIN_EVERY_S = 5.0
BAR_EVERY_S = 0.25


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    return str(dt.timedelta(seconds=round(seconds)))


def plain_line(progress: IngestProgress) -> str:
    """`ingest: 312/511 documents (61%), stage entities, 0:00:42 elapsed, about 0:00:12
    left (read 400, stored 0)`: one line a log keeps."""
    done, total = progress.processed, progress.total
    line = (
        f"ingest: {done}/{total} documents ({100 * done // max(total, 1)}%), "
        f"stage {progress.stage}, {_clock(progress.elapsed())} elapsed"
    )
    eta = progress.eta_seconds()
    if eta is not None:
        line += f", about {_clock(eta)} left"
    return line + f" (read {progress.read}, stored {progress.finished})"


def _width(stream: IO[str]) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError, AttributeError):
        return 0


@contextmanager
def shown(
    progress: IngestProgress, stream: IO[str], *, terminal: bool, every_s: float
) -> Iterator[None]:
    """Show `progress` on `stream` while the block runs: a bar when `terminal`, else a plain
    line every `every_s` seconds and one at the end."""
    stop = threading.Event()
    if terminal:
        from tqdm import tqdm

        # a terminal that reports no size (a CI pty, `script`) gets no bar from tqdm at all:
        # it hides bars below the terminal's last row, and that is row 0
        sized = _width(stream) > 0
        bar = tqdm(
            total=progress.total,
            unit=" docs",
            desc="reading",
            file=stream,
            ncols=None if sized else 100,
            nrows=None if sized else 24,
        )

        def refresh() -> None:
            bar.total = progress.total
            if progress.processed > bar.n:
                bar.update(progress.processed - bar.n)  # update() keeps tqdm's rate and ETA
            bar.set_description(progress.stage, refresh=False)
            bar.set_postfix(read=progress.read, stored=progress.finished, refresh=False)
            bar.refresh()

        def loop() -> None:
            while not stop.wait(BAR_EVERY_S):
                refresh()

    else:
        printed: list[str] = []

        def refresh() -> None:
            # the last line only after others: a run shorter than `every_s` prints nothing
            if printed or not stop.is_set():
                printed.append(plain_line(progress))
                print(printed[-1], file=stream, flush=True)

        def loop() -> None:
            while not stop.wait(every_s):
                refresh()

    worker = threading.Thread(target=loop, name="ingest-progress", daemon=True)
    worker.start()
    try:
        yield
    finally:
        stop.set()
        worker.join()
        refresh()
        if terminal:
            bar.close()

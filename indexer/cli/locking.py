"""One writer per home: the lock writing commands hold, the wait option, a full disk's message."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from indexer.cli.group import settings_of
from search.diskfull import disk_full, is_disk_full
from search.errors import DiskFull
from search.locks import LockOwner, write_lock
from search.settings import Settings

DEFAULT_WAIT_S = 300.0  # how long a writing command queues behind another one


def wait_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--wait",
        "wait_s",
        type=click.FloatRange(min=0),
        default=DEFAULT_WAIT_S,
        show_default=True,
        help="Seconds to queue behind another docsift process writing to this home "
        "(0: fail at once); then exit status 4.",
    )(command)


# the home grows by about this much per byte of input: the store keeps the text, its
# mentions and line analyses, the index its terms (samples/news: 6.3x; 2,000 Reuters
# stories: 6.9x)
GROWTH_PER_INPUT_BYTE = 8
CRAWL_BYTES_PER_PAGE = 400_000


def _space_needed(settings: Settings, operation: str, targets: tuple[str, ...]) -> tuple[int, str]:
    """About how many bytes a writing command needs, and how that was worked out."""
    if operation == "ingest":
        size = 0
        for target in targets:
            path = Path(target)
            if "://" in target:
                size += 1_048_576
            elif path.is_file():
                size += path.stat().st_size
            elif path.is_dir():
                for folder, _dirs, files in os.walk(path):
                    for name in files:
                        with contextlib.suppress(OSError):
                            size += os.stat(os.path.join(folder, name)).st_size
        return size * GROWTH_PER_INPUT_BYTE, (
            f"about {GROWTH_PER_INPUT_BYTE}x the {size / 1_048_576:.1f} MB of input"
        )
    if operation == "reindex":
        size = sum(f.stat().st_size for f in settings.index_dir.resolve().glob("*") if f.is_file())
        return int(size * 1.2), f"a new index beside the current {size / 1_048_576:.0f} MB one"
    if operation == "crawl":
        pages = settings.crawl_max_pages
        return pages * CRAWL_BYTES_PER_PAGE, f"up to {pages} pages"
    return 1_048_576, operation


@contextmanager
def writing(
    ctx: click.Context, operation: str, wait_s: float, targets: tuple[str, ...] = ()
) -> Iterator[None]:
    """Hold HOME/docsift.lock: ingest, crawl, reindex and alias changes run one at a time.
    A full disk anywhere inside becomes one DiskFull sentence (exit status 1).

    Raises:
        IndexBusy: another docsift process still writes after wait_s (exit status 4).
        DiskFull: a write found the disk full.
    """
    settings = settings_of(ctx)
    try:
        with _locked(ctx, settings, operation, wait_s):
            yield
    except DiskFull:
        raise
    except Exception as exc:
        if not is_disk_full(exc, settings.home):
            raise
        needed, why = _space_needed(settings, operation, targets)
        raise disk_full(settings.home.absolute(), needed, why) from exc


@contextmanager
def _locked(
    ctx: click.Context, settings: Settings, operation: str, wait_s: float
) -> Iterator[None]:

    def waiting(owner: LockOwner | None) -> None:
        if not ctx.meta["quiet"]:
            who = f" ({owner.describe()})" if owner else ""
            click.echo(
                f"waiting for another docsift process{who} to finish writing to "
                f"{settings.home} (up to {wait_s:.0f} s, see --wait)",
                err=True,
            )

    with write_lock(settings.index_dir, f"docsift {operation}", wait_s=wait_s, on_wait=waiting):
        yield


# -- ingest ----------------------------------------------------------------------------

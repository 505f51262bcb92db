"""Keeps a server process warm across index generations (issue 23).

A reindex swaps `home/index` to a new generation; a commit within a generation (an ingest)
adds a TOC file. The first search after either rebuilds the facet arrays, the story keys and
the name variants from every segment, which takes seconds on a large index. So every serving
process (each gunicorn worker, and the --dev server) runs one thread that notices the change
within a second and runs a browse and a word search itself: user requests then find the new
generation already warm, and none pays for the rebuild. Requests arriving meanwhile wait on
the same build instead of starting their own (the backend builds under one lock).
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from search.errors import DocsiftError
from search.service import SearchService

LOG = logging.getLogger(__name__)
# how often the index link is looked at: a stat and a directory listing
POLL_S = 1.0
# a word search builds the name variants and the spelling look-ups a browse does not
WARM_QUERIES: tuple[dict[str, str], ...] = ({}, {"q": "the"})

Stamp = tuple[str, tuple[str, ...]]


def index_stamp(link: Path) -> Stamp | None:
    """The generation `link` points to and its commits (Whoosh TOC files); None when there is
    no index yet or it cannot be read."""
    try:
        target = link.resolve(strict=True)
        commits = tuple(sorted(name for name in os.listdir(target) if name.endswith(".toc")))
    except OSError:
        return None
    return str(target), commits


def warm(service: SearchService) -> None:
    """Run the searches that build everything a generation needs in this process."""
    for params in WARM_QUERIES:
        service.search(service.parse(params))


class GenerationWatcher(threading.Thread):
    """A daemon thread warming `service` at start and after every new generation or commit."""

    def __init__(self, service: SearchService, poll_s: float = POLL_S) -> None:
        super().__init__(name="docsift-warmup", daemon=True)
        self.service = service
        self.poll_s = poll_s
        self.warmed: Stamp | None = None
        self._stop_event = threading.Event()

    def run(self) -> None:
        link = self.service.settings.index_dir
        while True:
            stamp = index_stamp(link)
            if stamp is not None and stamp != self.warmed:
                try:
                    warm(self.service)
                except DocsiftError as exc:  # a half-written index, a busy lane: next poll
                    LOG.info("warming %s failed: %s", stamp[0], exc)
                except Exception:  # never let the thread die: requests still work unwarmed
                    LOG.exception("warming %s failed", stamp[0])
                else:
                    self.warmed = stamp
            if self._stop_event.wait(self.poll_s):
                return

    def stop(self) -> None:
        self._stop_event.set()

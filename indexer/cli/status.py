"""Exit statuses of `docsift`, one name each: scripts branch on them, so they never change."""

from __future__ import annotations

import signal
from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0
    ERROR = 1
    USAGE = 2
    PARTIAL = 3  # ingest finished, but some documents failed
    BUSY = 4  # another docsift process kept writing to this home for longer than --wait
    INTERRUPTED = 128 + signal.SIGINT  # 130: Ctrl-C
    TERMINATED = 128 + signal.SIGTERM  # 143: SIGTERM (a crawl stops gracefully on either)

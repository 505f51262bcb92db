"""A test-only fault hook: `DOCSIFT_FAULT=<point>` kills the process at that named point.

The crash-safety tests (tests/test_crash_safety.py) run `docsift ingest` and `docsift reindex`
as real subprocesses and SIGKILL them at named points to prove that a process dying anywhere
leaves a store and an index that open, answer and are repaired by the next run. Unset (always,
outside those tests) a point costs one environment lookup.
"""

from __future__ import annotations

import os
import signal

FAULT_ENV = "DOCSIFT_FAULT"


def fault_point(name: str) -> None:
    """SIGKILL this process here when $DOCSIFT_FAULT names this point (no cleanup runs)."""
    if os.environ.get(FAULT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)

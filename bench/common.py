"""Shared helpers for the benchmarks: locating ../shared, building a Reuters home once."""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
REUTERS = SHARED / "data" / "reuters21578" / "reuters.jsonl"
sys.path.insert(0, str(ROOT))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def summary(values: list[float]) -> str:
    return (
        f"p50 {statistics.median(values):7.2f} ms  p95 {percentile(values, 0.95):7.2f} ms  "
        f"mean {statistics.fmean(values):7.2f} ms"
    )


def ensure_home(home: Path, corpus: Path = REUTERS) -> Path:
    """A home with `corpus` ingested (with entities), built on first use and then reused."""
    from indexer.pipeline import Pipeline
    from indexer.store import DocumentStore
    from search.settings import Settings

    settings = Settings(home=home)
    if settings.db_path.exists():
        with DocumentStore(settings.db_path) as store:
            if store.count():
                return home
    print(f"building {home} from {corpus} (entities on; takes minutes)...", flush=True)
    started = time.perf_counter()
    with DocumentStore(settings.db_path) as store:
        report = Pipeline.from_settings(settings, store).run([str(corpus)])
    print(f"  {report.added} documents in {time.perf_counter() - started:.0f} s", flush=True)
    return home

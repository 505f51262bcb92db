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


RESULTS = ROOT / "bench" / "out" / "results"


def record(name: str, figures: dict, *, lines: list[str] | None = None) -> Path:
    """Keep one benchmark's figures for `bench/report.py`, which writes bench/REPORT.md.

    Args:
        name: the benchmark's name (one file per name; a rerun replaces it).
        figures: JSON-serialisable figures, flat where possible.
        lines: Markdown lines the report shows for this benchmark (a table, a sentence).

    Returns:
        The path written.
    """
    import json
    import shlex

    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {
        "name": name,
        "command": "python "
        + " ".join(shlex.quote(a) for a in [_relative(sys.argv[0])] + sys.argv[1:]),
        "finished": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "figures": figures,
        "lines": lines or [],
    }
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return path


def _relative(path: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return path

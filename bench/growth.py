"""Growth table: ingest time, index size and query latency as the corpus grows (issue 7).

    python bench/growth.py [--corpus bench/out/reuters10x.jsonl] [--sizes 1000,10000,50000,215780]
                           [--out-dir bench/out/growth] [--queries 200] [--skip-ingest]

For each size N, each step a subprocess of its own so that memory and timings stay apart:
`bench/ingest.py CORPUS --limit N --keep OUT/N --no-compare` (the first N stories, entities on),
then the size on disk of the index generation `OUT/N/index` points to and of the SQLite store,
then `bench/http_latency.py --home OUT/N --queries Q --record growth-latency-N` (one client,
title queries with every facet). The corpus is made by bench/make_corpus.py when it is missing.
`--skip-ingest` reuses the homes (and the ingest figures kept beside them) of an earlier run.
Peak RSS is the ingest process's own; the NER worker processes' largest is shown beside it.
Prints a Markdown table and keeps it with `record("growth", ...)` for bench/REPORT.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from common import ROOT, record

BENCH = ROOT / "bench"
DEFAULT_CORPUS = BENCH / "out" / "reuters10x.jsonl"
DEFAULT_SIZES = "1000,10000,50000,215780"
WORKER_RSS = re.compile(r"largest worker (\d+) MB")
HEADER = [
    "| size | docs | ingest s | docs/s | peak RSS MB | worker RSS MB | index MB | store MB "
    "| p50 ms | p95 ms |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
]


def run_step(command: list[str], env: dict[str, str] | None = None) -> tuple[int, list[str]]:
    """Run one benchmark step, echoing its output as it comes; its exit status and lines."""
    print("$ " + " ".join(_relative(a) for a in command), flush=True)
    lines: list[str] = []
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env) as process:
        assert process.stdout is not None
        for line in process.stdout:
            print("  | " + line.rstrip("\n"), flush=True)
            lines.append(line.rstrip("\n"))
    return process.returncode, lines


def last_json(lines: list[str]) -> dict:
    """The JSON object a step prints as its last non-empty line."""
    for line in reversed(lines):
        if line.strip():
            try:
                value = json.loads(line)
            except ValueError:
                break
            if isinstance(value, dict):
                return value
            break
    raise ValueError("the step's last line is not a JSON object")


def megabytes(paths: list[Path]) -> float:
    total = 0
    for path in paths:
        if path.is_dir():
            total += sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
        elif path.is_file():
            total += path.stat().st_size
    return total / 1e6


def disk_sizes(home: Path) -> tuple[float, float]:
    """(index MB, store MB): the generation `home/index` points to; the SQLite file with its
    -wal and -shm companions."""
    from search.settings import Settings

    settings = Settings(home=home)
    index = settings.index_dir.resolve() if settings.index_dir.exists() else settings.index_dir
    db = settings.db_path
    store = [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]
    return megabytes([index]), megabytes(store)


def ingest(corpus: Path, size: int, home: Path) -> dict:
    # ingest.py cuts the first N lines into a temporary directory that it keeps along with the
    # home; give it one of our own and remove it afterwards (216k lines are 276 MB)
    scratch = home.with_name(f"{home.name}.tmp")
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    command = [sys.executable, str(BENCH / "ingest.py"), str(corpus), "--limit", str(size)]
    command += ["--keep", str(home), "--no-compare"]
    try:
        status, lines = run_step(command, env={**os.environ, "TMPDIR": str(scratch)})
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if status != 0:
        raise RuntimeError(f"bench/ingest.py exited with status {status}")
    figures = last_json(lines)
    worker = next((WORKER_RSS.search(x) for x in lines if WORKER_RSS.search(x)), None)
    # 0 when NER ran in the ingest process itself (small runs)
    figures["worker_rss_mb"] = (int(worker.group(1)) or None) if worker else None
    return figures


def latency(home: Path, size: int, queries: int) -> dict:
    command = [sys.executable, str(BENCH / "http_latency.py"), "--home", str(home)]
    command += ["--queries", str(queries), "--record", f"growth-latency-{size}"]
    status, lines = run_step(command)
    if status != 0:
        raise RuntimeError(f"bench/http_latency.py exited with status {status}")
    return last_json(lines)


def row(size: int, figures: dict) -> str:
    def cell(key: str, digits: int = 0) -> str:
        value = figures.get(key)
        if value is None:
            return "–"
        return f"{value:,.{digits}f}" if isinstance(value, int | float) else str(value)

    return (
        f"| {size:,} | {cell('documents')} | {cell('ingest_s', 1)} | {cell('docs_per_s', 1)} | "
        f"{cell('peak_rss_mb')} | {cell('worker_rss_mb')} | {cell('index_mb', 1)} | "
        f"{cell('store_mb', 1)} | "
        f"{cell('p50_ms', 1)} | {cell('p95_ms', 1)} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help="comma-separated story counts")
    parser.add_argument("--out-dir", type=Path, default=BENCH / "out" / "growth")
    parser.add_argument("--queries", type=int, default=200, help="searches per size")
    parser.add_argument("--skip-ingest", action="store_true", help="reuse the existing homes")
    args = parser.parse_args()
    try:
        sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    except ValueError:
        parser.error("--sizes takes comma-separated whole numbers")
    if not sizes or sizes[0] < 1:
        parser.error("--sizes needs at least one positive size")
    corpus = args.corpus.resolve()
    if not corpus.exists():
        status, _ = run_step([sys.executable, str(BENCH / "make_corpus.py"), "--out", str(corpus)])
        if status != 0 or not corpus.exists():
            print(f"error: could not make {corpus}", file=sys.stderr)
            return 1
    out_dir = args.out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict] = {}
    started = time.perf_counter()
    for size in sizes:
        home = out_dir / str(size)
        kept = out_dir / f"{size}.ingest.json"
        print(f"\n== {size:,} stories: {_relative(str(home))}", flush=True)
        try:
            if args.skip_ingest and home.exists():
                ingested = json.loads(kept.read_text()) if kept.exists() else {}
            else:
                ingested = ingest(corpus, size, home)
                kept.write_text(json.dumps(ingested, indent=2) + "\n", encoding="utf-8")
            index_mb, store_mb = disk_sizes(home)
            served = latency(home, size, args.queries)
        except (RuntimeError, ValueError, OSError) as exc:
            print(f"error at {size:,} stories: {exc}", file=sys.stderr)
            return 1
        results[str(size)] = {
            "documents": served.get("documents", ingested.get("documents")),
            "ingest_s": ingested.get("seconds"),
            "docs_per_s": ingested.get("docs_per_s"),
            "peak_rss_mb": ingested.get("peak_rss_mb"),
            "worker_rss_mb": ingested.get("worker_rss_mb"),
            "stages": ingested.get("stages"),
            "index_mb": round(index_mb, 1),
            "store_mb": round(store_mb, 1),
            "p50_ms": served.get("p50_ms"),
            "p95_ms": served.get("p95_ms"),
            "p99_ms": served.get("p99_ms"),
            "errors": served.get("errors"),
            "zero_hits": served.get("zero_hits"),
            "server_rss_mb": served.get("server_peak_rss_mb"),
        }
    lines = [
        f"Corpus `{_relative(str(corpus))}` (first N stories), entities on; "
        f"{args.queries} title queries per size, one client, all facets and snippets.",
        "",
        *HEADER,
        *(row(int(size), figures) for size, figures in results.items()),
    ]
    errors = {size: f["errors"] for size, f in results.items() if f.get("errors")}
    if errors:
        lines += ["", "Search errors: " + ", ".join(f"{n} at {s}" for s, n in errors.items())]
    print(f"\ngrowth, {time.perf_counter() - started:.0f} s in all:\n")
    print("\n".join(lines))
    figures = {"corpus": _relative(str(corpus)), "queries": args.queries, "sizes": results}
    path = record("growth", figures, lines=lines)
    print(f"\nrecorded {_relative(str(path))}")
    return 0


def _relative(value: str) -> str:
    try:
        return str(Path(value).relative_to(ROOT))
    except ValueError:
        return value


if __name__ == "__main__":
    sys.exit(main())

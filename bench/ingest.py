"""Ingest benchmark: a JSON Lines corpus into a fresh home; docs/s per stage, total, peak RSS.

python bench/ingest.py ../shared/data/reuters21578/reuters.jsonl [--limit N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer.pipeline import Pipeline  # noqa: E402
from indexer.store import DocumentStore  # noqa: E402
from search.settings import Settings  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "corpus", nargs="?", default=str(ROOT.parent / "shared/data/reuters21578/reuters.jsonl")
    )
    parser.add_argument("--limit", type=int, default=0, help="only the first N lines")
    parser.add_argument("--keep", help="ingest into this home and keep it")
    args = parser.parse_args()
    corpus = Path(args.corpus)
    if not corpus.exists():
        print(f"skipped: {corpus} is absent (needs ../shared)")
        return 0
    workdir = Path(tempfile.mkdtemp(prefix="docsift-bench-"))
    source = corpus
    if args.limit:
        source = workdir / "subset.jsonl"
        with corpus.open("rb") as src, source.open("wb") as dst:
            for n, line in enumerate(src):
                if n >= args.limit:
                    break
                dst.write(line)
    home = Path(args.keep) if args.keep else workdir / "home"
    settings = Settings(home=home)
    started = time.perf_counter()
    with DocumentStore(settings.db_path) as store:
        report = Pipeline(settings, store).run([str(source)])
    total = time.perf_counter() - started
    docs = report.added + report.updated + report.unchanged
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    index_mb = sum(f.stat().st_size for f in settings.index_dir.resolve().rglob("*")) / 1e6
    print(
        f"corpus: {corpus} ({docs} documents, {len(report.skipped)} skipped, "
        f"{len(report.errors)} errors)"
    )
    print(f"{'stage':<8} {'seconds':>9} {'docs/s':>10} {'share':>7}")
    for stage, seconds in report.stage_seconds:
        rate = docs / seconds if seconds else float("inf")
        print(f"{stage:<8} {seconds:9.2f} {rate:10.0f} {seconds / total:7.1%}")
    print(f"{'total':<8} {total:9.2f} {docs / total:10.0f} {1:7.1%}")
    print(f"peak RSS: {peak_mb:.0f} MB; index on disk: {index_mb:.0f} MB")
    print(
        json.dumps(
            {
                "documents": docs,
                "seconds": round(total, 2),
                "docs_per_s": round(docs / total, 1),
                "peak_rss_mb": round(peak_mb),
                "stages": dict(report.stage_seconds),
            }
        )
    )
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

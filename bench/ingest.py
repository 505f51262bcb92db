"""Ingest benchmark: a JSON Lines corpus into a fresh home, per stage, against plain spaCy.

    python bench/ingest.py [CORPUS] [--limit N] [--keep DIR] [--no-entities] [--no-compare]

Prints documents per second per stage and in total, peak RSS and index size, and (with
entities) the time plain spaCy NER alone takes over the same texts in the same run — `nlp.pipe`
with two processes and only the NER component — and the ratio of the two.
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

from common import REUTERS

from indexer.ner import DEFAULT_MODEL, UNUSED_COMPONENTS  # noqa: E402
from indexer.pipeline import Pipeline  # noqa: E402
from indexer.store import DocumentStore  # noqa: E402
from search.settings import Settings  # noqa: E402


def texts_of(corpus: Path) -> list[str]:
    texts = []
    with corpus.open(encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            body = record.get("text") or record.get("body") or ""
            title = record.get("title") or ""
            if title or body:
                texts.append(f"{title}\n\n{body}" if title else body)
    return texts


def plain_spacy_seconds(texts: list[str], processes: int) -> float:
    """NER alone, as a user would run it: spaCy's own multiprocessing, nothing else."""
    import spacy

    nlp = spacy.load(DEFAULT_MODEL, exclude=list(UNUSED_COMPONENTS))
    started = time.perf_counter()
    entities = sum(len(doc.ents) for doc in nlp.pipe(texts, n_process=processes, batch_size=64))
    seconds = time.perf_counter() - started
    print(
        f"plain spaCy NER ({nlp.pipe_names}, n_process={processes}): {seconds:.1f} s, "
        f"{len(texts) / seconds:.0f} docs/s, {entities} entities",
        flush=True,
    )
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("corpus", nargs="?", default=str(REUTERS))
    parser.add_argument("--limit", type=int, default=0, help="only the first N lines")
    parser.add_argument("--keep", help="ingest into this home (emptied first) and keep it")
    parser.add_argument("--no-entities", action="store_true")
    parser.add_argument("--no-compare", action="store_true", help="skip the plain spaCy run")
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
    if args.keep:
        shutil.rmtree(home, ignore_errors=True)
    settings = Settings(home=home)
    entities = not args.no_entities
    plain = None
    if entities and not args.no_compare:
        plain = plain_spacy_seconds(texts_of(source), settings.ner_processes)
    started = time.perf_counter()
    with DocumentStore(settings.db_path) as store:
        report = Pipeline.from_settings(settings, store, entities=entities).run([str(source)])
    total = time.perf_counter() - started
    docs = report.added + report.updated + report.unchanged
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    index_mb = sum(f.stat().st_size for f in settings.index_dir.resolve().rglob("*")) / 1e6
    print(
        f"corpus: {corpus} ({docs} documents, {len(report.skipped)} skipped, "
        f"{len(report.errors)} errors); entities {'on' if entities else 'off'}"
    )
    print(f"{'stage':<9} {'seconds':>9} {'docs/s':>10} {'share':>7}")
    for stage, seconds in report.stage_seconds:
        rate = docs / seconds if seconds > 0 else float("inf")
        print(f"{stage:<9} {seconds:9.2f} {rate:10.0f} {seconds / total:7.1%}")
    print(f"{'total':<9} {total:9.2f} {docs / total:10.0f} {1:7.1%}")
    print(
        f"peak RSS: {peak_mb:.0f} MB (largest worker {children_mb:.0f} MB); "
        f"index on disk: {index_mb:.0f} MB"
    )
    if plain:
        print(
            f"docsift ingest / plain spaCy NER: {total / plain:.2f}x "
            f"({total:.1f} s vs {plain:.1f} s; target <= 1.3x)"
        )
    print(
        json.dumps(
            {
                "documents": docs,
                "seconds": round(total, 2),
                "docs_per_s": round(docs / total, 1),
                "peak_rss_mb": round(peak_mb),
                "plain_spacy_s": round(plain, 2) if plain else None,
                "stages": {k: round(v, 2) for k, v in report.stage_seconds},
            }
        )
    )
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

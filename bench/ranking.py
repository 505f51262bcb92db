"""Ranking quality on Cranfield 1400: docsift's default ranking against a plain Whoosh BM25F.

    python bench/ranking.py [CRANFIELD_DIR] [--keep DIR]   (default ../shared/data/cranfield)

docsift: the corpus goes through docsift's own JSONL ingest (entities off) into a temporary
home, and each of the 225 queries is answered by `SearchService.search` exactly as /api/search
would answer `?q=<query text>&per_page=100` (default sort and story collapsing).
Baseline, computed in the same run: a fresh Whoosh index with a plain schema (title and body,
StandardAnalyzer, BM25F defaults) and the same query text parsed with OR grouping.

Prints nDCG@10 (linear graded gains 1..4 from qrels.tsv), recall@100 and MRR for both, side by
side, and records them for bench/REPORT.md. The queries fall into two folds by a stable hash of
their id (`fold`): ranking changes are tuned on "tune" only, and nDCG@10 is also printed per
fold, so "held-out" shows what a change does on queries it was not fitted to.

    python bench/ranking.py --reuse DIR   (a home made by --keep DIR: skip the ingest)
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from common import SHARED, record

from indexer.pipeline import Pipeline  # noqa: E402
from indexer.store import DocumentStore  # noqa: E402
from search.settings import Settings  # noqa: E402

DEFAULT_DIR = SHARED / "data" / "cranfield"
DEPTH = 100  # ranks kept per query: enough for recall@100
ID_PREFIX = "cran-"


@dataclass(frozen=True, slots=True)
class Collection:
    docs: tuple[dict[str, str], ...]
    queries: tuple[tuple[str, str], ...]  # (query id, text)
    qrels: dict[str, dict[str, int]]  # query id -> doc id -> gain


@dataclass(frozen=True, slots=True)
class Scores:
    ndcg10: float
    recall100: float
    mrr: float
    empty: int  # queries with no result at all
    seconds: float
    folds: dict[str, float]  # fold -> nDCG@10 over that fold's queries


FOLDS = ("tune", "held-out")


def fold(query_id: str) -> str:
    """The fold of a query: a stable hash of its id, so the split never changes."""
    return FOLDS[hashlib.sha256(query_id.encode("utf-8")).digest()[0] % 2]


def load(folder: Path) -> Collection:
    with (folder / "corpus.jsonl").open(encoding="utf-8") as fh:
        docs = tuple(json.loads(line) for line in fh if line.strip())
    with (folder / "queries.jsonl").open(encoding="utf-8") as fh:
        queries = tuple(
            (str(q["_id"]), q["text"]) for q in (json.loads(line) for line in fh if line.strip())
        )
    qrels: dict[str, dict[str, int]] = {}
    with (folder / "qrels.tsv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            gain = int(row["score"])
            if gain > 0:
                qrels.setdefault(row["query-id"], {})[row["corpus-id"]] = gain
    return Collection(docs, queries, qrels)


def ndcg_at(ranked: Sequence[str], gains: dict[str, int], k: int = 10) -> float:
    dcg = sum(gains.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(gains.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def evaluate(collection: Collection, rank: Callable[[str], list[str]]) -> Scores:
    started = time.perf_counter()
    ndcg, recall, mrr, empty = [], [], [], 0
    per_fold: dict[str, list[float]] = {name: [] for name in FOLDS}
    for qid, text in collection.queries:
        gains = collection.qrels.get(qid, {})
        if not gains:
            continue
        ranked = rank(text)[:DEPTH]
        empty += not ranked
        ndcg.append(ndcg_at(ranked, gains))
        per_fold[fold(qid)].append(ndcg[-1])
        recall.append(len(set(ranked) & gains.keys()) / len(gains))
        first = next((i for i, d in enumerate(ranked) if d in gains), None)
        mrr.append(1 / (first + 1) if first is not None else 0.0)
    n = len(ndcg)
    return Scores(
        ndcg10=sum(ndcg) / n,
        recall100=sum(recall) / n,
        mrr=sum(mrr) / n,
        empty=empty,
        seconds=time.perf_counter() - started,
        folds={name: sum(v) / len(v) if v else 0.0 for name, v in per_fold.items()},
    )


# -- docsift: the product path ---------------------------------------------------------------


def ingest(collection: Collection, home: Path) -> Settings:
    """The corpus as the JSON Lines docsift reads (`id` becomes the doc_id), ingested."""
    home.mkdir(parents=True, exist_ok=True)
    source = home / "cranfield.jsonl"
    with source.open("w", encoding="utf-8") as fh:
        for doc in collection.docs:
            item = {"id": ID_PREFIX + str(doc["_id"]), "title": doc["title"], "text": doc["text"]}
            if doc.get("author"):
                item["author"] = doc["author"]
            fh.write(json.dumps(item) + "\n")
    settings = Settings(home=home)
    started = time.perf_counter()
    with DocumentStore(settings.db_path) as store:
        report = Pipeline.from_settings(settings, store, entities=False).run([str(source)])
    print(
        f"docsift ingest: {report.added} added, {len(report.skipped)} skipped, "
        f"{len(report.errors)} errors in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    return settings


def docsift_ranker(settings: Settings) -> Callable[[str], list[str]]:
    from search.errors import QueryError
    from search.service import SearchService

    service = SearchService.from_settings(settings)
    per_page = min(DEPTH, settings.max_page_size)

    def rank(text: str) -> list[str]:
        ranked: list[str] = []
        page = 1
        try:
            while len(ranked) < DEPTH:
                request = service.parse({"q": text, "per_page": str(per_page), "page": str(page)})
                response = service.search(request)
                ranked.extend(h.doc_id.removeprefix(ID_PREFIX) for h in response.hits)
                if page >= response.pages:
                    break
                page += 1
        except QueryError as exc:  # a query the product refuses counts as no results
            print(f"  docsift refused {text[:60]!r}: {exc}")
        return ranked

    return rank


# -- the textbook baseline -------------------------------------------------------------------


def baseline_ranker(collection: Collection) -> Callable[[str], list[str]]:
    from whoosh.analysis import StandardAnalyzer
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.filedb.filestore import RamStorage
    from whoosh.qparser import MultifieldParser, OrGroup

    schema = Schema(
        doc_id=ID(stored=True, unique=True),
        title=TEXT(analyzer=StandardAnalyzer()),
        body=TEXT(analyzer=StandardAnalyzer()),
    )
    ix = RamStorage().create_index(schema)
    with ix.writer() as writer:
        for doc in collection.docs:
            writer.add_document(doc_id=str(doc["_id"]), title=doc["title"], body=doc["text"])
    searcher = ix.searcher()  # BM25F() defaults: B=0.75, K1=1.2
    parser = MultifieldParser(["title", "body"], schema, group=OrGroup)

    def rank(text: str) -> list[str]:
        results = searcher.search(parser.parse(text), limit=DEPTH)
        return [hit["doc_id"] for hit in results]

    return rank


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", nargs="?", default=str(DEFAULT_DIR))
    parser.add_argument("--keep", help="ingest into this home (emptied first) and keep it")
    parser.add_argument("--reuse", help="a home made by --keep: search it without ingesting")
    args = parser.parse_args()
    folder = Path(args.folder)
    if not (folder / "corpus.jsonl").exists():
        print(f"skipped: {folder} has no corpus.jsonl (needs ../shared/data/cranfield)")
        return 0
    collection = load(folder)
    print(
        f"Cranfield: {len(collection.docs)} documents, {len(collection.queries)} queries, "
        f"{sum(map(len, collection.qrels.values()))} graded judgements",
        flush=True,
    )
    workdir = Path(tempfile.mkdtemp(prefix="docsift-ranking-"))
    home = Path(args.reuse or args.keep or workdir / "home")
    if args.keep:
        shutil.rmtree(home, ignore_errors=True)
    try:
        settings = Settings(home=home) if args.reuse else ingest(collection, home)
        docsift = evaluate(collection, docsift_ranker(settings))
        baseline = evaluate(collection, baseline_ranker(collection))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    rows = [("nDCG@10", "ndcg10"), ("R@100", "recall100"), ("MRR", "mrr")]
    lines = [
        "| metric | docsift default | plain Whoosh BM25F (OR) | difference |",
        "| --- | ---: | ---: | ---: |",
    ]
    for label, attr in rows:
        ours, theirs = getattr(docsift, attr), getattr(baseline, attr)
        lines.append(f"| {label} | {ours:.3f} | {theirs:.3f} | {ours - theirs:+.3f} |")
    for name in FOLDS:
        ours, theirs = docsift.folds[name], baseline.folds[name]
        lines.append(f"| nDCG@10, {name} fold | {ours:.3f} | {theirs:.3f} | {ours - theirs:+.3f} |")
    lines.append(
        f"| queries with no results | {docsift.empty} | {baseline.empty} | "
        f"{docsift.empty - baseline.empty:+d} |"
    )
    verdict = "at or above" if docsift.ndcg10 >= baseline.ndcg10 else "BELOW"
    summary_line = (
        f"docsift's default ranking is {verdict} the plain BM25F baseline on nDCG@10 "
        f"({docsift.ndcg10:.3f} vs {baseline.ndcg10:.3f}, {len(collection.queries)} queries)."
    )
    lines += ["", summary_line]
    print(f"{'metric':<24} {'docsift':>8} {'baseline':>9} {'diff':>7}")
    for label, attr in rows:
        ours, theirs = getattr(docsift, attr), getattr(baseline, attr)
        print(f"{label:<24} {ours:8.3f} {theirs:9.3f} {ours - theirs:+7.3f}")
    for name in FOLDS:
        ours, theirs = docsift.folds[name], baseline.folds[name]
        print(f"{'nDCG@10 ' + name + ' fold':<24} {ours:8.3f} {theirs:9.3f} {ours - theirs:+7.3f}")
    print(f"{'queries with no results':<24} {docsift.empty:8d} {baseline.empty:9d}")
    print(f"{'seconds for all queries':<24} {docsift.seconds:8.1f} {baseline.seconds:9.1f}")
    print(summary_line)
    figures = {
        "queries": len(collection.queries),
        "documents": len(collection.docs),
        **{f"docsift_{attr}": round(getattr(docsift, attr), 4) for _, attr in rows},
        **{f"baseline_{attr}": round(getattr(baseline, attr), 4) for _, attr in rows},
        "ndcg10_difference": round(docsift.ndcg10 - baseline.ndcg10, 4),
        **{f"docsift_ndcg10_{n}": round(docsift.folds[n], 4) for n in FOLDS},
        **{f"baseline_ndcg10_{n}": round(baseline.folds[n], 4) for n in FOLDS},
        "docsift_empty": docsift.empty,
        "baseline_empty": baseline.empty,
    }
    path = record("ranking", figures, lines=lines)
    print(f"recorded in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

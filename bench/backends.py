"""Whoosh against Typesense behind the same SearchService, on the Reuters corpus, in one run.

    python bench/backends.py [--home DIR] [--queries 200] [--nodes 3] [--limit N]
        [--record backends]
        (default home bench/out/reuters: the 21,578 Reuters stories with entities, built on
        first use as bench/ingest.py builds it; its store is copied, never written)

1. Ingest: the same stored documents (entities already recognised, so NER, which costs the
   same for both, is left out) are indexed into a fresh Whoosh index (`rebuild_index`) and
   into a fresh Typesense collection on a local cluster of `--nodes` nodes started for the run
   (`docsift cluster`'s code, 127.0.0.1, stopped at the end), each timed.
2. Queries: the 200 title queries bench/http_latency.py uses (lower-cased runs of one to four
   Reuters title words, fixed seed), each with all five facets and snippets as the results
   page asks, sent to both services interleaved (which goes first alternates), result caches
   off. The first five queries warm both up and are not counted. Whoosh answers in-process;
   Typesense over HTTP on 127.0.0.1, so its figure includes the client's round trip.

Prints ingest seconds, p50/p95 per backend, the ratio Whoosh/Typesense, and how often the two
agree on the number of matches; keeps the figures with `record("backends", ...)`.

    python bench/backends.py --native [--nodes 1] [--workers 2] [--record backends-native]

With --native (issue 23), the other side is Typesense as its users query it
(bench/typesense_native.py: title and body indexed as text, one search per query with every
facet in `facet_by`, highlights, the same page size) and docsift is queried as its users do:
`docsift serve` (gunicorn, --workers) over HTTP, /api/search with all facets and snippets. Both
over HTTP on 127.0.0.1, interleaved, the same distinct title queries; docsift's result caches
stay on (every query is new to them).
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import REUTERS, ROOT, ensure_home, percentile, record
from http_latency import client_for, search_once, serve, title_queries

from indexer.aliases import load_name_table, mark_weak_names
from indexer.store import DocumentStore
from search.cache import LruCache
from search.index import rebuild_index
from search.service import SearchService
from search.settings import load_settings
from search.typesense import TypesenseBackend
from search.typesense.cluster import LocalCluster, server_unavailable_reason
from search.whoosh_backend import WhooshBackend

WARMUP = 5


def copy_store(home: Path, into: Path) -> Path:
    """A private copy of the home's SQLite store (the online backup API: safe while another
    process has it open)."""
    into.mkdir(parents=True, exist_ok=True)
    target = into / "docsift.db"
    source = sqlite3.connect(f"file:{home / 'docsift.db'}?mode=ro", uri=True)
    dest = sqlite3.connect(target)
    with dest:
        source.backup(dest)
    source.close()
    dest.close()
    return into


def uncached(service: SearchService) -> SearchService:
    """Every query computed: the result and count caches hold nothing."""
    if isinstance(service.backend, WhooshBackend):
        service.backend.result_cache = LruCache(0)
        service.backend.counts_cache = LruCache(0)
    return service


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, default=ROOT / "bench" / "out" / "reuters")
    parser.add_argument("--corpus", type=Path, default=REUTERS)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--nodes", type=int, default=3, choices=(1, 2, 3))
    parser.add_argument("--limit", type=int, default=0, help="index only the first N documents")
    parser.add_argument("--record", default="backends")
    parser.add_argument(
        "--native",
        action="store_true",
        help="docsift over HTTP against Typesense as its users query it (one search per query)",
    )
    parser.add_argument("--workers", type=int, default=2, help="with --native: server workers")
    parser.add_argument(
        "--no-entities",
        action="store_true",
        help="when --home does not exist, build it without NER (fast; no person/org/place)",
    )
    args = parser.parse_args()
    reason = server_unavailable_reason()
    if reason:
        print(f"skipped: {reason}")
        return 0
    if not args.corpus.exists():
        print(f"skipped: {args.corpus} is absent")
        return 0
    if args.no_entities and not (args.home / "docsift.db").exists():
        from indexer.pipeline import Pipeline

        print(f"building {args.home} from {args.corpus} without entities...", flush=True)
        with DocumentStore(args.home / "docsift.db") as store:
            Pipeline.from_settings(
                load_settings(environ={}, home=args.home), store, entities=False
            ).run([str(args.corpus)])
    ensure_home(args.home, args.corpus)
    work = Path(tempfile.mkdtemp(prefix="docsift-backends-"))
    cluster = LocalCluster.plan(work / "cluster", args.nodes, base_port=None)
    try:
        home = copy_store(args.home, work / "home")
        with DocumentStore(home / "docsift.db") as store:
            names = load_name_table(store)
            documents = [mark_weak_names(d) for d in store.iter_documents()]
        if args.limit:
            documents = documents[: args.limit]
        entities = "on" if any(d.people or d.orgs or d.places for d in documents) else "off"
        print(f"{len(documents):,} documents from {args.home}, entities {entities}", flush=True)

        whoosh_settings = load_settings(environ={}, home=home)
        started = time.perf_counter()
        rebuild_index(whoosh_settings.index_dir, documents, names=names)
        whoosh_ingest = time.perf_counter() - started
        print(f"whoosh:    indexed in {whoosh_ingest:6.1f} s", flush=True)

        started = time.perf_counter()
        cluster.start(120)
        cluster_s = time.perf_counter() - started
        if args.native:
            return run_native(args, home, cluster, documents, names, whoosh_ingest)
        ts_settings = load_settings(
            environ={},
            home=work / "ts-home",
            backend="typesense",
            typesense_nodes=",".join(cluster.addresses),
            typesense_api_key=cluster.api_key,
        )
        backend = TypesenseBackend.from_settings(ts_settings)
        started = time.perf_counter()
        from search.stories import StoryTable

        backend.rebuild(documents, names, StoryTable())
        typesense_ingest = time.perf_counter() - started
        print(
            f"typesense: indexed in {typesense_ingest:6.1f} s on {args.nodes} nodes "
            f"(cluster formed in {cluster_s:.1f} s)",
            flush=True,
        )
        ts_settings.index_dir.mkdir(parents=True, exist_ok=True)
        from search.index import write_names

        write_names(ts_settings.index_dir, names)

        whoosh = uncached(SearchService.from_settings(whoosh_settings))
        typesense = uncached(SearchService.from_settings(ts_settings))
        queries = title_queries(args.corpus, args.queries + WARMUP)
        times: dict[str, list[float]] = {"whoosh": [], "typesense": []}
        agree = refused = 0
        for i, q in enumerate(queries):
            totals = {}
            order = [("whoosh", whoosh), ("typesense", typesense)]
            if i % 2:
                order.reverse()
            for name, service in order:
                request = service.parse({"q": q})
                started = time.perf_counter()
                try:
                    totals[name] = service.search(request).total
                except Exception as exc:  # noqa: BLE001 - a refused query is counted
                    totals[name] = None
                    if name == "typesense":
                        refused += 1
                        print(f"  typesense refused {q!r}: {exc}", file=sys.stderr)
                elapsed = (time.perf_counter() - started) * 1000
                if i >= WARMUP:
                    times[name].append(elapsed)
            if i >= WARMUP and totals["whoosh"] == totals["typesense"]:
                agree += 1
        counted = len(queries) - WARMUP
        figures: dict[str, object] = {
            "documents": len(documents),
            "queries": counted,
            "typesense_nodes": args.nodes,
            "entities": entities,
            "whoosh_ingest_s": round(whoosh_ingest, 1),
            "typesense_ingest_s": round(typesense_ingest, 1),
            "same_total_share": round(agree / counted, 3),
            "typesense_refused": refused,
        }
        for name, values in times.items():
            figures[f"{name}_p50_ms"] = round(statistics.median(values), 2)
            figures[f"{name}_p95_ms"] = round(percentile(values, 0.95), 2)
        figures["p50_ratio"] = round(
            float(figures["whoosh_p50_ms"]) / float(figures["typesense_p50_ms"]), 2
        )
        figures["p95_ratio"] = round(
            float(figures["whoosh_p95_ms"]) / float(figures["typesense_p95_ms"]), 2
        )
        lines = [
            f"{len(documents):,} Reuters stories (entities {entities}); {counted} title "
            f"queries with all five facets and snippets, interleaved; Typesense 0.24.1 on "
            f"{args.nodes} local nodes.",
            "",
            "| backend | ingest (index only) | p50 | p95 |",
            "| --- | --- | --- | --- |",
            f"| Whoosh (in-process) | {whoosh_ingest:.1f} s | {figures['whoosh_p50_ms']} ms "
            f"| {figures['whoosh_p95_ms']} ms |",
            f"| Typesense (HTTP, 127.0.0.1) | {typesense_ingest:.1f} s "
            f"| {figures['typesense_p50_ms']} ms | {figures['typesense_p95_ms']} ms |",
            "",
            f"Whoosh/Typesense latency: p50 {figures['p50_ratio']}x, p95 "
            f"{figures['p95_ratio']}x; same number of matches for {agree} of {counted} queries.",
        ]
        print("\n".join(lines))
        path = record(args.record, figures, lines=lines)
        print(f"\nrecorded {path.relative_to(ROOT)}")
    finally:
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


def run_native(
    args: argparse.Namespace,
    home: Path,
    cluster: LocalCluster,
    documents: list,
    names: object,
    whoosh_ingest: float,
) -> int:
    """docsift over HTTP against native Typesense, interleaved; prints and records both."""
    import httpx
    import typesense_native as native

    base = f"http://{cluster.addresses[0]}"
    native_ingest = native.build(base, cluster.api_key, documents, names)  # type: ignore[arg-type]
    print(f"native typesense: indexed in {native_ingest:6.1f} s", flush=True)
    settings = load_settings(environ={}, home=home)
    queries = list(dict.fromkeys(title_queries(args.corpus, 3 * (args.queries + WARMUP))))
    queries = queries[: args.queries + WARMUP]
    times: dict[str, list[float]] = {"docsift": [], "typesense": []}
    both_found = errors = 0
    headers = {"X-TYPESENSE-API-KEY": cluster.api_key}
    with (
        serve(home, ("--workers", str(args.workers))) as server,
        client_for(server.url) as ours,
        httpx.Client(base_url=base, headers=headers, timeout=30, trust_env=False) as theirs,
    ):
        for i, q in enumerate(queries):
            found: dict[str, int] = {}
            for name in ("docsift", "typesense") if i % 2 == 0 else ("typesense", "docsift"):
                started = time.perf_counter()
                if name == "docsift":
                    outcome = search_once(ours, q)
                    errors += bool(outcome.error)
                    found[name] = outcome.hits
                else:
                    params = native.search_params(q, settings.page_size, settings.facet_limit)
                    found[name] = len(native.search(theirs, params)["hits"])
                if i >= WARMUP:
                    times[name].append((time.perf_counter() - started) * 1000)
            both_found += i >= WARMUP and bool(found["docsift"]) and bool(found["typesense"])
        rss = server.peak_rss_mb()
    counted = len(queries) - WARMUP
    figures: dict[str, object] = {
        "documents": len(documents),
        "queries": counted,
        "workers": args.workers,
        "whoosh_ingest_s": round(whoosh_ingest, 1),
        "native_typesense_ingest_s": round(native_ingest, 1),
        "docsift_errors": errors,
        "both_found_share": round(both_found / counted, 3),
        "server_peak_rss_mb": rss,
    }
    for name, values in times.items():
        figures[f"{name}_p50_ms"] = round(statistics.median(values), 2)
        figures[f"{name}_p95_ms"] = round(percentile(values, 0.95), 2)
    for stat in ("p50", "p95"):
        figures[f"{stat}_ratio"] = round(
            float(figures[f"docsift_{stat}_ms"]) / float(figures[f"typesense_{stat}_ms"]), 2
        )
    lines = [
        f"{len(documents):,} Reuters stories; {counted} distinct title queries, interleaved, "
        f"both over HTTP on 127.0.0.1: docsift serve (gunicorn, {args.workers} workers) "
        "/api/search with all facets and snippets, against native Typesense 0.24.1 "
        f"({args.nodes} node) with one search per query (query_by {native.QUERY_BY}, facet_by "
        f"{native.FACET_BY}, highlights, {settings.page_size} per page).",
        "",
        "| | p50 | p95 |",
        "| --- | --- | --- |",
        f"| docsift (Whoosh, HTTP) | {figures['docsift_p50_ms']} ms "
        f"| {figures['docsift_p95_ms']} ms |",
        f"| Typesense, native (HTTP) | {figures['typesense_p50_ms']} ms "
        f"| {figures['typesense_p95_ms']} ms |",
        "",
        f"docsift/native Typesense: p50 {figures['p50_ratio']}x, p95 {figures['p95_ratio']}x; "
        f"{errors} docsift errors; both found something for {both_found} of {counted} queries.",
    ]
    print("\n".join(lines))
    path = record(args.record, figures, lines=lines)
    print(f"\nrecorded {path.relative_to(ROOT)}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

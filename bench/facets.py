"""Facet counting: docsift's per-document arrays against Whoosh `groupedby`, side by side.

    python bench/facets.py [--home DIR] [--rounds 3] [--record NAME] [--baseline-queries N]
        (default home bench/out/reuters, built on first use; any other home must exist, e.g. a
        bench/growth.py home such as bench/out/growth/215780)

For 50 fixed queries, all five facets (person, org, place, published date, mentioned date):
docsift counts from numpy arrays cached per index generation; the baseline asks Whoosh for the
same groups with `groupedby` (FieldFacet with allow_overlap for the multi-valued fields).
The figures are kept with `record(NAME)` (default "facets"), so that runs over homes of
different sizes can sit side by side in bench/REPORT.md (e.g. --record facets-216k).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from common import REUTERS, ROOT, ensure_home, percentile, record, summary

QUERIES = [
    "oil",
    "coffee",
    "bank",
    "dollar",
    "trade deficit",
    "interest rates",
    "wheat",
    "gold",
    "merger",
    "acquisition",
    "shares",
    "profit",
    "loss",
    "strike",
    "opec",
    "crude prices",
    "japan",
    "tokyo",
    "germany",
    "bundesbank",
    "federal reserve",
    "treasury",
    "bonds",
    "inflation",
    "unemployment",
    "cocoa",
    "sugar",
    "soybeans",
    "corn",
    "grain exports",
    "tax",
    "budget",
    "debt",
    "brazil",
    "mexico",
    "canada",
    "steel",
    "copper",
    "ship*",
    "earnings",
    "dividend",
    "takeover bid",
    "stake",
    "airline",
    "computer",
    "chemical",
    "reagan",
    "baker",
    "yen",
    "record",
]
FACETS = ("person", "org", "place")
DEFAULT_HOME = ROOT / "bench" / "out" / "reuters"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--home", type=Path, default=DEFAULT_HOME)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--record", default="facets", help="name for bench/out/results")
    parser.add_argument(
        "--baseline-queries",
        type=int,
        default=0,
        help="run groupedby (and the count check) on the first N queries only; 0: all. "
        "groupedby takes seconds a query at 21k stories and about ten times that at 216k",
    )
    args = parser.parse_args()
    if args.home.resolve() == DEFAULT_HOME.resolve():
        if not REUTERS.exists() and not args.home.exists():
            print(f"skipped: {REUTERS} is absent (needs ../shared)")
            return 0
        ensure_home(args.home)
    elif not (args.home / "docsift.db").exists():
        parser.error(f"{args.home} has no docsift store (build it with bench/ingest.py --keep)")

    import numpy as np
    from whoosh.sorting import FieldFacet

    from search.facet_arrays import build_facet_index, count_facets
    from search.names import WEAK, NameTable
    from search.schema import FACET_FIELDS, MENTIONED_FIELD
    from search.service import SearchService
    from search.settings import Settings
    from search.whoosh_backend import WhooshBackend

    service = SearchService.from_settings(Settings(home=args.home))
    service.search(service.parse({}))  # open the index and build the arrays once
    ours: list[float] = []
    paired: list[float] = []  # docsift's times for the queries the baseline also ran
    grouped: list[float] = []
    plain: list[float] = []
    mismatches = 0
    backend = service.backend
    assert isinstance(backend, WhooshBackend)  # the arrays are Whoosh's
    with backend.searcher() as searcher:
        n_docs = searcher.doc_count()
        # the same arrays without the name table, to check the counts against groupedby's
        raw_index = build_facet_index(searcher.reader(), FACET_FIELDS, MENTIONED_FIELD, NameTable())
        for _ in range(args.rounds):
            for n, q in enumerate(QUERIES):
                request = service.parse({"q": q})
                query = backend.parse_query(searcher, q)

                started = time.perf_counter()
                backend.match(searcher, request)
                ours.append((time.perf_counter() - started) * 1000)

                started = time.perf_counter()
                searcher.search(query, limit=10)
                plain.append((time.perf_counter() - started) * 1000)
                if args.baseline_queries and n >= args.baseline_queries:
                    continue
                paired.append(ours[-1])

                groups = {name: FieldFacet(name, allow_overlap=True) for name in FACETS}
                groups["published"] = FieldFacet("year")  # the histogram's year buckets
                groups["mentioned"] = FieldFacet("mentioned", allow_overlap=True)
                started = time.perf_counter()
                results = searcher.search(query, limit=10, groupedby=groups)
                whoosh_counts = {
                    name: {k: len(v) for k, v in results.groups(name).items()} for name in FACETS
                }
                grouped.append((time.perf_counter() - started) * 1000)

                base = raw_index.live.copy()
                hits = np.fromiter(searcher.docs_for_query(query), dtype=np.int64)
                matched = np.zeros(raw_index.doc_count, dtype=bool)
                matched[hits] = True
                raw = count_facets(raw_index, base & matched, {}, {})
                for name in FACETS:
                    ours_map = dict(raw.counts[name])
                    theirs = {
                        k.decode() if isinstance(k, bytes) else k: v
                        for k, v in whoosh_counts[name].items()
                        if k
                    }
                    # weak lone words are hidden by the name table even before merging
                    theirs = {k: v for k, v in theirs.items() if not k.startswith(WEAK)}
                    mismatches += ours_map != theirs
    ratio = statistics.median(grouped) / statistics.median(paired)
    baseline = len(grouped) // args.rounds
    print(f"index: {args.home} ({n_docs} documents); {len(QUERIES)} queries x {args.rounds}")
    if baseline < len(QUERIES):
        print(f"(groupedby and the count check on the first {baseline} queries only)")
    print(f"docsift arrays (match + 5 facets): {summary(ours)}")
    print(f"whoosh groupedby (search + 5 facets): {summary(grouped)}")
    print(f"whoosh search alone, no facets:     {summary(plain)}")
    print(
        f"ratio groupedby / docsift (p50): {ratio:.1f}x   (target: docsift p50 < 20 ms and >= 10x)"
    )
    print(
        f"person/org/place counts before merging variants identical to groupedby's: "
        f"{'yes' if not mismatches else f'no ({mismatches} differ)'}"
    )
    figures = {
        "home": str(args.home),
        "documents": n_docs,
        "queries": len(QUERIES),
        "rounds": args.rounds,
        "baseline_queries": baseline,
        **timings("docsift", ours),
        **timings("groupedby", grouped),
        **timings("search_only", plain),
        "ratio_p50": round(ratio, 1),
        "counts_identical": not mismatches,
        "mismatches": mismatches,
    }
    lines = [
        f"{n_docs} documents, {len(QUERIES)} queries x {args.rounds}, person/org/place + "
        f"published + mentioned:",
        "",
        "| | p50 ms | p95 ms | mean ms |",
        "| --- | ---: | ---: | ---: |",
        *(
            f"| {label} | {figures[f'{key}_p50_ms']} | {figures[f'{key}_p95_ms']} | "
            f"{figures[f'{key}_mean_ms']} |"
            for label, key in (
                ("docsift arrays (match + 5 facets)", "docsift"),
                ("Whoosh groupedby (search + 5 facets)", "groupedby"),
                ("Whoosh search alone", "search_only"),
            )
        ),
        "",
        f"groupedby / docsift at p50: {ratio:.1f}x"
        + (f" (over the first {baseline} queries)" if baseline < len(QUERIES) else "")
        + "; counts identical to groupedby's: "
        f"{'yes' if not mismatches else f'no ({mismatches} differ)'}.",
    ]
    path = record(args.record, figures, lines=lines)
    print(f"recorded {path.relative_to(ROOT)}")
    return 0


def timings(key: str, values: list[float]) -> dict[str, float]:
    return {
        f"{key}_p50_ms": round(statistics.median(values), 2),
        f"{key}_p95_ms": round(percentile(values, 0.95), 2),
        f"{key}_mean_ms": round(statistics.fmean(values), 2),
    }


if __name__ == "__main__":
    raise SystemExit(main())

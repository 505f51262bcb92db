"""The issue-8 load test: 20 concurrent clients for 60 s against the 21k-story Reuters index.

    python bench/load.py [--home bench/out/reuters] [--clients 20] [--seconds 60] [--queries 200]
        [--bomb-fraction 0.1]

With --bomb-fraction (issue 18; default 0.1) that share of the clients sends wildcard bombs
instead (bench/http_latency.bomb_queries: the issue's 234-wildcard query, and one with 15
leading wildcards within every limit); the figures and the verdict are the other clients'.

Uses the home `bench/ingest.py --keep bench/out/reuters` builds, or builds it first with
`common.ensure_home` (entities on; takes many minutes). Then bench/http_latency.py's phases
against `docsift serve` on 127.0.0.1: one client for a baseline, then the clients together, each
looping over Reuters title queries with every facet and snippets. No error is allowed: the exit
status is 1 when any request failed. The last line is the JSON figures; `record("load", ...)`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from common import ROOT, ensure_home
from http_latency import build_parser, check_bounds, measure, report

HOME = ROOT / "bench" / "out" / "reuters"


def main() -> int:
    parser = build_parser(__doc__, home=HOME, clients=20, seconds=60.0, name="load")
    parser.add_argument(
        "--bomb-fraction",
        type=float,
        default=0.1,
        help="share of the clients sending wildcard bombs (0: none)",
    )
    args = parser.parse_args()
    check_bounds(parser, args)
    if not 0 <= args.bomb_fraction < 1:
        parser.error("--bomb-fraction must be at least 0 and below 1")
    bombers = round(args.clients * args.bomb_fraction)
    if not args.corpus.exists():
        print(f"skipped: {args.corpus} is absent (needs ../shared)")
        return 0
    home = ensure_home(Path(args.home), args.corpus)
    figures, lines = measure(
        home,
        args.corpus,
        queries=args.queries,
        clients=args.clients,
        seconds=args.seconds,
        load_queries=args.load_queries,
        bombers=bombers,
        serve_args=tuple(args.serve_args.split()),
    )
    errors = figures["all_errors"]
    verdict = f"{errors} failed requests: FAILED" if errors else "no failed request"
    lines.append(f"Verdict: {verdict} (issue 8 allows none).")
    print(f"\nverdict: {verdict}")
    report(args.record, figures, lines)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

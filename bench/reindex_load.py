"""Reindex while serving under load (issue 23): no error, no request over 2 s, every worker
on the new generation afterwards.

    python bench/reindex_load.py --home HOME [--clients 8] [--serve-args "--workers 2"]
        [--after 10] [--record reindex_load]

Starts `docsift serve` over HOME (a copy is not made: the reindex rewrites HOME's index), runs
`--clients` clients looping over Reuters title queries with all facets and snippets, runs a
real `docsift reindex` of HOME meanwhile, keeps the load `--after` seconds more, then asks
/healthz 20 times which generation answers. Prints requests, errors, p50/p95/max before,
during and after the reindex; exit status 1 on any error or request over 2 s.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from common import REUTERS, percentile, record
from http_latency import Outcome, client_for, docsift_command, search_once, serve, title_queries

LIMIT_MS = 2000.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--corpus", type=Path, default=REUTERS)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--after", type=float, default=10.0, help="seconds of load after")
    parser.add_argument("--serve-args", default="--workers 2")
    parser.add_argument("--record", default="reindex_load")
    args = parser.parse_args()
    queries = title_queries(args.corpus, args.queries)
    timeline: list[tuple[float, Outcome]] = []
    lock = threading.Lock()
    stop = threading.Event()
    with serve(args.home, tuple(args.serve_args.split())) as server:
        before = httpx.get(server.url + "/healthz", trust_env=False).json()["generation"]

        def loop(k: int) -> None:
            n = k * len(queries) // args.clients
            with client_for(server.url) as client:
                while not stop.is_set():
                    outcome = search_once(client, queries[n % len(queries)])
                    with lock:
                        timeline.append((time.perf_counter(), outcome))
                    n += 1

        threads = [threading.Thread(target=loop, args=(k,)) for k in range(args.clients)]
        for thread in threads:
            thread.start()
        time.sleep(5)
        began = time.perf_counter()
        done = subprocess.run(
            [*docsift_command(), "--home", str(args.home), "reindex"],
            capture_output=True,
            text=True,
            check=False,
        )
        ended = time.perf_counter()
        time.sleep(args.after)
        stop.set()
        for thread in threads:
            thread.join(60)
        generations = sorted(
            {
                httpx.get(server.url + "/healthz", trust_env=False).json()["generation"]
                for _ in range(20)
            }
        )
        rss = server.peak_rss_mb()
    if done.returncode:
        print(done.stderr[-2000:], file=sys.stderr)
    phases = {
        "before": [o for t, o in timeline if t < began],
        "during": [o for t, o in timeline if began <= t <= ended],
        "after": [o for t, o in timeline if t > ended],
    }
    figures: dict[str, object] = {
        "clients": args.clients,
        "serve_args": args.serve_args,
        "reindex_s": round(ended - began, 1),
        "reindex_exit": done.returncode,
        "generation_before": before,
        "generations_after": generations,
        "server_peak_rss_mb": rss,
    }
    lines = [
        f"{server.documents:,} documents; `docsift serve {args.serve_args}`, {args.clients} "
        f"clients (title queries, all facets, snippets); `docsift reindex` took "
        f"{ended - began:.1f} s (exit {done.returncode}); generation {before} -> "
        f"{', '.join(generations)} on every /healthz afterwards.",
        "",
        "| phase | requests | errors | p50 | p95 | max |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    worst = 0.0
    errors = 0
    for name, outcomes in phases.items():
        ms = [o.ms for o in outcomes] or [0.0]
        # a 400 is the right answer to a title the query syntax refuses ("corrected)-crazy":
        # an unbalanced parenthesis), whichever generation answers: counted apart, not failed
        failed = sum(1 for o in outcomes if o.error and not o.error.startswith("HTTP 400"))
        errors += failed
        worst = max(worst, max(ms))
        p50, p95 = percentile(ms, 0.5), percentile(ms, 0.95)
        figures[name] = {
            "requests": len(outcomes),
            "errors": failed,
            "p50_ms": round(p50, 1),
            "p95_ms": round(p95, 1),
            "max_ms": round(max(ms), 1),
        }
        lines.append(
            f"| {name} | {len(outcomes)} | {failed} | {p50:.1f} ms | {p95:.1f} ms "
            f"| {max(ms):.1f} ms |"
        )
    kinds: dict[str, int] = {}
    for _, outcome in timeline:
        if outcome.error:
            kinds[outcome.error] = kinds.get(outcome.error, 0) + 1
    figures["error_kinds"] = kinds
    if kinds:
        lines += ["", "Errors: " + ", ".join(f"{k} x{n}" for k, n in sorted(kinds.items()))]
    figures["refused_400"] = sum(n for k, n in kinds.items() if k.startswith("HTTP 400"))
    switched = generations != [before] and len(generations) == 1
    ok = not errors and worst <= LIMIT_MS and switched and not done.returncode
    lines += [
        "",
        f"Verdict: {'passed' if ok else 'FAILED'} (no failed request, 400s for refused query "
        "syntax aside; none over 2 s; every worker on the new generation).",
    ]
    print("\n".join(lines))
    record(args.record, figures, lines=lines)
    print(json.dumps(figures))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

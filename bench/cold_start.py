"""First query after `docsift serve` starts, with and without the facet arrays saved beside the
index generation (issue 23; search/generation_arrays.py), in one run.

    python bench/cold_start.py --home HOME [--rounds 3] [--serve-args "--workers 2"]
        [--record cold_start]

Each round starts the server twice over HOME: once with the generation's saved arrays hidden
(every worker builds them from the index, as before), once with them (workers map them). The
first title search (all facets, snippets) is sent as soon as the URL is printed; reported: its
latency, and the time from the process start to its answer. Medians over the rounds.
HOME's index is not changed, except that the arrays are written first if missing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from common import REUTERS, record
from http_latency import client_for, docsift_command, search_once, title_queries

from search.generation_arrays import PREFIX, write_generation_arrays


def first_query(home: Path, serve_args: tuple[str, ...], q: str) -> tuple[float, float]:
    """(the first search's ms, ms from the process start to its answer)."""
    import subprocess

    begun = time.perf_counter()
    command = [*docsift_command(), "--home", str(home), "serve", "--port", "0", *serve_args]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip().rstrip("/")
        with client_for(url) as client:
            outcome = search_once(client, q)
        if outcome.error:
            raise RuntimeError(f"first search failed: {outcome.error}")
        return outcome.ms, (time.perf_counter() - begun) * 1000
    finally:
        process.terminate()
        process.wait(30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--corpus", type=Path, default=REUTERS)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--serve-args", default="--workers 2")
    parser.add_argument("--record", default="cold_start")
    args = parser.parse_args()
    target = (args.home / "index").resolve()
    if not list(target.glob(f"{PREFIX}*")):
        print(f"writing the arrays: {write_generation_arrays(target):.1f} s", flush=True)
    saved = sorted(target.glob(f"{PREFIX}*"))[-1]
    hidden = saved.with_name(f".hidden-{saved.name}")
    queries = title_queries(args.corpus, args.rounds * 2)
    serve_args = tuple(args.serve_args.split())
    results: dict[str, list[tuple[float, float]]] = {"built": [], "mapped": []}
    try:
        for r in range(args.rounds):
            for mode in ("built", "mapped") if r % 2 == 0 else ("mapped", "built"):
                if mode == "built":
                    saved.rename(hidden)
                try:
                    results[mode].append(first_query(args.home, serve_args, queries[2 * r]))
                finally:
                    if hidden.exists():
                        hidden.rename(saved)
    finally:
        if hidden.exists():
            hidden.rename(saved)
    figures: dict[str, object] = {"rounds": args.rounds, "serve_args": args.serve_args}
    lines = [
        f"`docsift serve {args.serve_args}` over {args.home.name}; the first title search "
        f"(all facets, snippets) as soon as the URL is printed; median of {args.rounds} rounds.",
        "",
        "| facet arrays | first search | process start to its answer |",
        "| --- | --- | --- |",
    ]
    for mode, values in results.items():
        first = statistics.median(v[0] for v in values)
        total = statistics.median(v[1] for v in values)
        figures[f"{mode}_first_ms"] = round(first, 1)
        figures[f"{mode}_start_to_answer_ms"] = round(total, 1)
        label = "built from the index" if mode == "built" else "mapped from the generation"
        lines.append(f"| {label} | {first:.0f} ms | {total:.0f} ms |")
    print("\n".join(lines))
    record(args.record, figures, lines=lines)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())

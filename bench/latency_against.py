"""Two servers over one home, this checkout's code and another's, the same queries sent to
both in one run, alternating which goes first: `bench/http_latency.py --against-code DIR`.

Both servers read the same index files (so the same page cache) and each sees every query
once, so the medians are comparable whatever else the machine is doing. The other code runs
with this checkout's Python environment and `PYTHONPATH=DIR`, so DIR needs only the source
(`git worktree add DIR main`, or `git archive main | tar -x -C DIR`); its index schema must
be the one the home was built with.
"""

from __future__ import annotations

import os
import statistics
import sys
from pathlib import Path

from common import percentile
from http_latency import Outcome, client_for, search_once, serve

# the other checkout's CLI, run by this interpreter with PYTHONPATH pointing at the checkout
_CLI = "import sys; from indexer.cli import main; sys.argv[0] = 'docsift'; sys.exit(main())"


def other_command(checkout: Path) -> tuple[list[str], dict[str, str]]:
    """The command and environment that run `docsift` from `checkout`'s source."""
    if not (checkout / "indexer" / "cli").is_dir():
        raise SystemExit(f"--against-code {checkout}: no indexer/cli there (not a checkout?)")
    env = dict(os.environ, PYTHONPATH=str(checkout.resolve()))
    return [sys.executable, "-c", _CLI], env


def _figures(outcomes: list[Outcome]) -> dict[str, float]:
    ms = [o.ms for o in outcomes] or [0.0]
    return {
        "p50_ms": round(statistics.median(ms), 1),
        "p95_ms": round(percentile(ms, 0.95), 1),
        "p99_ms": round(percentile(ms, 0.99), 1),
        "max_ms": round(max(ms), 1),
        "errors": sum(1 for o in outcomes if o.error),
        "zero_hits": sum(1 for o in outcomes if not o.error and not o.hits),
    }


def measure_against(
    home: Path, checkout: Path, queries: list[str], kinds: list[str]
) -> tuple[dict[str, object], list[str]]:
    """Each query to both servers, alternating which is asked first; figures per server and
    per kind of query ("title", "common", "typo"), the first (cold) query left out."""
    command, env = other_command(checkout)
    mine: list[Outcome] = []
    theirs: list[Outcome] = []
    with serve(home) as ours, serve(home, command=command, env=env) as other:
        print(f"this code {ours.url}, {checkout} {other.url}: {ours.documents} documents")
        with client_for(ours.url) as a, client_for(other.url) as b:
            for n, q in enumerate(queries):
                if n % 2:
                    theirs.append(search_once(b, q))
                    mine.append(search_once(a, q))
                else:
                    mine.append(search_once(a, q))
                    theirs.append(search_once(b, q))
        rss = (ours.peak_rss_mb(), other.peak_rss_mb())
    figures: dict[str, object] = {"documents": ours.documents, "queries": len(queries)}
    lines = [
        f"{ours.documents} documents; one client, {len(queries)} queries to each server "
        f"(alternating which first), the first (cold) one left out; `{checkout}` is the "
        "other code:",
        "",
        "| queries | code | n | p50 ms | p95 ms | p99 ms | max ms | errors | no hits |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    groups = {"all": [True] * len(queries)}
    for kind in sorted(set(kinds)):
        groups[kind] = [k == kind for k in kinds]
    for group, chosen in groups.items():
        for label, outcomes in (("other", theirs), ("this", mine)):
            picked = [o for o, keep in zip(outcomes[1:], chosen[1:], strict=True) if keep]
            found = _figures(picked)
            figures.update({f"{group}_{label}_{k}": v for k, v in found.items()})
            lines.append(
                f"| {group} | {label} | {len(picked)} | {found['p50_ms']} | {found['p95_ms']} | "
                f"{found['p99_ms']} | {found['max_ms']} | {found['errors']} | "
                f"{found['zero_hits']} |"
            )
    for label in ("p50_ms", "p95_ms"):
        other_ms = float(figures[f"all_other_{label}"])  # type: ignore[arg-type]
        this_ms = float(figures[f"all_this_{label}"])  # type: ignore[arg-type]
        figures[f"ratio_{label}"] = round(this_ms / max(other_ms, 0.001), 2)
    figures.update(peak_rss_mb_this=rss[0], peak_rss_mb_other=rss[1])
    lines += [
        "",
        f"this / other: p50 x{figures['ratio_p50_ms']}, p95 x{figures['ratio_p95_ms']}; "
        f"peak RSS {rss[0]} MB vs {rss[1]} MB.",
    ]
    print("\n".join(lines))
    return figures, lines

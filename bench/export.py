"""Export every document over HTTP from a real `docsift serve`: rows vs `total`, time, and the
server's peak resident memory above its idle level.

    python bench/export.py [--home DIR] [--corpus ../shared/data/reuters21578/reuters.jsonl]
        [--formats jsonl,csv] [--record NAME]

The home is built from the corpus (with entities; minutes for Reuters) when it holds nothing,
else reused. `docsift serve` runs as a subprocess on 127.0.0.1; one search first opens the
index and builds its facet arrays, as any served search would, and the resident memory then
is the idle level. Before each export the kernel's peak-RSS mark of the server is reset
(/proc/PID/clear_refs), so the peak read after it (VmHWM) is that export's alone; a sampler
thread reads VmRSS every 10 ms as a cross-check. The client streams the response and counts
rows as it reads (a CSV with its real parser: a text cell may hold line breaks), never holding
the file. The issue's target: rows == total, and the peak under 300 MB above idle.
"""

from __future__ import annotations

import argparse
import codecs
import csv
import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from common import REUTERS, ensure_home, record
from http_latency import Server, serve

TARGET_MB = 300
SAMPLE_S = 0.01


def rss_mb(server: Server, field: str = "VmRSS") -> float:
    """The server's resident memory summed over its processes (gunicorn's master and
    workers; `docsift serve` forks them), in MB."""
    total = 0
    for pid in server.processes():
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        match = re.search(rf"^{field}:\s+(\d+) kB", status, re.M)
        total += int(match.group(1)) if match else 0
    return total / 1024


def reset_peak(server: Server) -> bool:
    """Reset each server process's VmHWM to its current RSS (Linux 4.0+); False if refused."""
    try:
        for pid in server.processes():
            Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


class Sampler:
    """The largest summed VmRSS seen while the block runs."""

    def __init__(self, server: Server) -> None:
        self.server, self.peak, self._stop = server, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mb(self.server))
            time.sleep(SAMPLE_S)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def text_lines(chunks: Iterator[bytes]) -> Iterator[str]:
    """Lines (ends kept) decoded from a byte stream, one at a time."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    pending = ""
    for chunk in chunks:
        pending += decoder.decode(chunk)
        *complete, pending = pending.split("\n")
        for line in complete:
            yield line + "\n"
    pending += decoder.decode(b"", final=True)
    if pending:
        yield pending


def export_once(server: Server, export_format: str) -> dict[str, object]:
    params = {"format": export_format, **({"bom": "1"} if export_format == "csv" else {})}
    reset = reset_peak(server)
    started = time.perf_counter()
    rows = 0
    nbytes = 0
    with (
        Sampler(server) as sampler,
        httpx.Client(base_url=server.url, timeout=600, trust_env=False) as client,
        client.stream("GET", "/api/export", params=params) as response,
    ):
        if response.status_code != 200:
            raise RuntimeError(f"/api/export answered {response.status_code}")
        announced = int(response.headers["X-Total-Count"])

        def counted(chunks: Iterator[bytes]) -> Iterator[bytes]:
            nonlocal nbytes
            for chunk in chunks:
                nbytes += len(chunk)
                yield chunk

        lines = text_lines(counted(response.iter_bytes(65536)))
        if export_format == "csv":
            reader = csv.reader(lines)
            header = next(reader)
            for row in reader:
                assert len(row) == len(header), row[:2]
                rows += 1
        else:
            for line in lines:
                json.loads(line)
                rows += 1
    seconds = time.perf_counter() - started
    return {
        "format": export_format,
        "rows": rows,
        "x_total_count": announced,
        "seconds": round(seconds, 1),
        "rows_per_s": round(rows / seconds),
        "mb": round(nbytes / 1_048_576, 1),
        "peak_rss_mb": round(rss_mb(server, "VmHWM"), 1) if reset else None,
        "sampled_peak_rss_mb": round(sampler.peak, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=Path("/tmp/i21-bench"))
    parser.add_argument("--corpus", type=Path, default=REUTERS)
    parser.add_argument("--formats", default="jsonl,csv")
    parser.add_argument("--record", default="", help="keep the figures under this name")
    parser.add_argument(
        "--serve-args", default="", help="more `docsift serve` options ('--workers 1', '--dev')"
    )
    args = parser.parse_args()
    home = ensure_home(args.home, args.corpus)
    results = []
    with serve(home, tuple(args.serve_args.split())) as server:
        cold = rss_mb(server)
        with httpx.Client(base_url=server.url, timeout=600, trust_env=False) as client:
            for _ in range(len(server.processes())):  # each worker opens the index once
                found = client.get("/api/search", params={"versions": "all", "per_page": 1})
        total = int(found.json()["total"])
        time.sleep(0.5)
        idle = rss_mb(server)
        print(
            f"server on {server.url} ({len(server.processes())} processes): "
            f"{server.documents} documents, /api/search total {total}"
        )
        print(f"RSS (all server processes): {cold:.0f} MB after start, {idle:.0f} MB idle")
        print(
            f"{'format':6} {'rows':>7} {'total':>7} {'header':>7} {'MB':>7} {'s':>6} "
            f"{'rows/s':>7} {'peak RSS':>9} {'above idle':>10} {'sampled':>8}"
        )
        for export_format in args.formats.split(","):
            result = export_once(server, export_format)
            peak = result["peak_rss_mb"] or result["sampled_peak_rss_mb"]
            above = float(peak) - idle  # type: ignore[arg-type]
            result.update(total=total, above_idle_mb=round(above, 1), idle_rss_mb=round(idle, 1))
            results.append(result)
            print(
                f"{export_format:6} {result['rows']:>7} {total:>7} {result['x_total_count']:>7} "
                f"{result['mb']:>7} {result['seconds']:>6} {result['rows_per_s']:>7} "
                f"{peak:>6.0f} MB {above:>7.0f} MB {result['sampled_peak_rss_mb']:>5.0f} MB"
            )
    ok = all(r["rows"] == r["total"] == r["x_total_count"] for r in results)
    under = all(float(r["above_idle_mb"]) < TARGET_MB for r in results)  # type: ignore[arg-type]
    print(f"rows == total: {ok}; peak under {TARGET_MB} MB above idle: {under}")
    figures = {"documents": server.documents, "total": total, "exports": results}
    print(json.dumps(figures))
    if args.record:
        record(args.record, figures)


if __name__ == "__main__":
    main()

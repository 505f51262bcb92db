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
from http_latency import serve

TARGET_MB = 300
SAMPLE_S = 0.01


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(rf"^{field}:\s+(\d+) kB", status, re.M)
    return int(match.group(1)) / 1024 if match else float("nan")


def reset_peak(pid: int) -> bool:
    """Reset the process's VmHWM to its current RSS (Linux 4.0+); False where refused."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


class Sampler:
    """The largest VmRSS seen while the block runs."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mb(self.pid))
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


def export_once(url: str, pid: int, export_format: str) -> dict[str, object]:
    params = {"format": export_format, **({"bom": "1"} if export_format == "csv" else {})}
    reset = reset_peak(pid)
    started = time.perf_counter()
    rows = 0
    nbytes = 0
    with (
        Sampler(pid) as sampler,
        httpx.Client(base_url=url, timeout=600, trust_env=False) as client,
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
        "peak_rss_mb": round(rss_mb(pid, "VmHWM"), 1) if reset else None,
        "sampled_peak_rss_mb": round(sampler.peak, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=Path("/tmp/i21-bench"))
    parser.add_argument("--corpus", type=Path, default=REUTERS)
    parser.add_argument("--formats", default="jsonl,csv")
    parser.add_argument("--record", default="", help="keep the figures under this name")
    args = parser.parse_args()
    home = ensure_home(args.home, args.corpus)
    results = []
    with serve(home) as server:
        cold = rss_mb(server.pid)
        with httpx.Client(base_url=server.url, timeout=600, trust_env=False) as client:
            found = client.get("/api/search", params={"versions": "all", "per_page": 1}).json()
        total = int(found["total"])
        time.sleep(0.5)
        idle = rss_mb(server.pid)
        print(f"server on {server.url}: {server.documents} documents, /api/search total {total}")
        print(f"RSS: {cold:.0f} MB after start, {idle:.0f} MB idle (after one search)")
        print(
            f"{'format':6} {'rows':>7} {'total':>7} {'header':>7} {'MB':>7} {'s':>6} "
            f"{'rows/s':>7} {'peak RSS':>9} {'above idle':>10} {'sampled':>8}"
        )
        for export_format in args.formats.split(","):
            result = export_once(server.url, server.pid, export_format)
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

"""HTTP latency of the real server: `docsift serve` as a subprocess, /api/search over 127.0.0.1.

    python bench/http_latency.py --home DIR [--queries 200] [--clients 1] [--seconds 0]
        [--corpus ../shared/data/reuters21578/reuters.jsonl] [--load-queries 2000] [--record NAME]
        [--common 0.2 --typos 0.1] [--against-code CHECKOUT]

Queries are Reuters titles typed as a user would: lower-cased, one to four consecutive words,
numbers left out, drawn with a fixed seed. `--common` and `--typos` give a share of them a
common word ("the", "US", "of") or a one-edit typo of a corpus word (bench/query_mix.py; issue
20 asks for 0.2 and 0.1). Every request asks for what the results page shows:
/api/search returns the person, org and place facets, the published and mentioned date
histograms and highlighted snippets by default.

1. One client sends `--queries` searches one after another: the first (cold) one is reported
   apart, then p50/p95/p99/max of the rest, errors (anything but a 200 with the JSON contract)
   and searches without hits. Then the first 20 queries are repeated, to show the cached path.
2. With `--seconds S` and `--clients K`: K clients (threads, one httpx client each) loop over
   `--load-queries` other queries for S seconds, mostly missing the server's 256-entry result
   cache: requests per second, p50/p95/p99 and errors.

The last line printed is one JSON object (documents, p50_ms, p95_ms, p99_ms, errors, requests,
rps, clients, seconds, ...) describing the load phase when there is one, else the single-client
phase; `bench/common.record` keeps it for bench/REPORT.md.

3. With `--against-code CHECKOUT`, instead: a second server runs CHECKOUT's code over the same
   home and every single-client query goes to both, alternating which first
   (bench/latency_against.py): p50/p95 of both in one run, per kind of query.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from common import REUTERS, ROOT, percentile, record

SEED = 20240607
LOAD_SEED = SEED + 1
MAX_REQUESTS = 100_000  # over the whole load phase, whatever --seconds says
MAX_SECONDS = 900
MAX_QUERIES = 20_000
REQUEST_TIMEOUT_S = 120.0
READY_TIMEOUT_S = 600.0  # /healthz builds the facet arrays of a large index first
REPEATED = 20
FACETS = ("person", "org", "place", "published", "mentioned")
_NUMBER = re.compile(r"[\d.,:/%-]+")
_STRIP = "<>()[]{}\"',;:!?*+^~&"


def title_words(title: str) -> list[str]:
    """A title's words as someone would type them: lower case, no ticker brackets or numbers."""
    words = []
    for raw in re.split(r"[\s/]+", title.lower()):
        word = raw.strip(_STRIP)
        if word and not _NUMBER.fullmatch(word):
            words.append(word)
    return words


def title_queries(corpus: Path, count: int, seed: int = SEED) -> list[str]:
    """`count` queries of one to four consecutive title words, the same for the same seed."""
    titles = []
    with corpus.open(encoding="utf-8") as fh:
        for line in fh:
            words = title_words(json.loads(line).get("title") or "")
            if words:
                titles.append(words)
    rng = random.Random(seed)
    queries = []
    for _ in range(count):
        words = rng.choice(titles)
        size = rng.randint(1, min(4, len(words)))
        start = rng.randrange(len(words) - size + 1)
        queries.append(" ".join(words[start : start + size]))
    return queries


def docsift_command() -> list[str]:
    beside = Path(sys.executable).with_name("docsift")
    if beside.exists():
        return [str(beside)]
    return [str(ROOT / ".venv" / "bin" / "docsift")]


@dataclass
class Server:
    url: str
    started_s: float  # process start until the URL was printed
    ready_s: float  # process start until /healthz answered 200
    documents: int
    pid: int

    def processes(self) -> list[int]:
        """The server's process and its descendants (gunicorn's workers), Linux."""
        found, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            for task in Path(f"/proc/{pid}/task").glob("*/children"):
                try:
                    todo.extend(int(child) for child in task.read_text().split())
                except OSError:
                    continue
        return found

    def _summed(self, path: str, pattern: str) -> float | None:
        total = 0
        for pid in self.processes():
            try:
                text = Path(f"/proc/{pid}/{path}").read_text()
            except OSError:
                continue
            match = re.search(pattern, text, re.M)
            if match:
                total += int(match.group(1))
        return round(total / 1024) if total else None

    def peak_rss_mb(self) -> float | None:
        """The sum of every server process's peak resident memory so far (Linux; shared
        pages count in each process), None where unknown."""
        return self._summed("status", r"^VmHWM:\s+(\d+) kB")

    def pss_mb(self) -> float | None:
        """The server processes' memory now with shared pages split between them (Linux)."""
        return self._summed("smaps_rollup", r"^Pss:\s+(\d+) kB")


@contextmanager
def serve(
    home: Path,
    extra: tuple[str, ...] = (),
    *,
    command: list[str] | None = None,
    env: dict[str, str] | None = None,
) -> Iterator[Server]:
    """`docsift --home HOME serve --host 127.0.0.1 --port 0` until the block ends (`command`
    and `env` run another checkout's docsift: bench/latency_against.py)."""
    log = tempfile.TemporaryFile(mode="w+")  # the request log, shown if the server fails
    argv = [*(command or docsift_command()), "--home", str(home), "serve"]
    argv += ["--host", "127.0.0.1", "--port", "0", *extra]
    begun = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=log, text=True, env=env)
    try:
        line = _first_line(process, deadline=begun + 60)
        url = line.strip()
        if urlsplit(url).hostname != "127.0.0.1":
            raise RuntimeError(f"server printed {line!r}, not a 127.0.0.1 URL")
        started = time.perf_counter() - begun
        documents = _wait_ready(url, home)
        ready = time.perf_counter() - begun
        yield Server(url.rstrip("/"), started, ready, documents, process.pid)
    except BaseException:
        log.seek(0)
        sys.stderr.write(log.read()[-4000:])
        raise
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _first_line(process: subprocess.Popen[str], deadline: float) -> str:
    """The child's first stdout line, read in a thread so that a silent child cannot hang us."""
    found: list[str] = []
    stdout = process.stdout
    assert stdout is not None
    reader = threading.Thread(target=lambda: found.append(stdout.readline()), daemon=True)
    reader.start()
    reader.join(max(0.0, deadline - time.perf_counter()))
    if not found or not found[0]:
        raise RuntimeError(f"docsift serve printed no URL (exit status {process.poll()})")
    return found[0]


def _wait_ready(url: str, home: Path) -> int:
    """The document count from /healthz; the socket is bound before the URL is printed, so the
    first request connects, and its answer waits for the index to open."""
    with httpx.Client(base_url=url, timeout=READY_TIMEOUT_S, trust_env=False) as client:
        response = client.get("/healthz")
    if response.status_code != 200 or not response.json().get("ready"):
        raise RuntimeError(
            f"/healthz answered {response.status_code}: {response.text[:200]}; "
            f"`docsift --home {home} stats` says why (an index of an older schema needs "
            f"`docsift --home {home} reindex`)"
        )
    return int(response.json()["documents"])


def client_for(url: str) -> httpx.Client:
    headers = {}
    token = os.environ.get("DOCSIFT_TOKEN")
    if token:  # the server inherits it and then wants it on every /api/ request
        headers["Authorization"] = f"Bearer {token}"
    return httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT_S, headers=headers, trust_env=False)


@dataclass
class Outcome:
    """One request: how long, and whether it counts as an error or as finding nothing."""

    ms: float
    error: str = ""
    hits: int = 0


def search_once(client: httpx.Client, q: str) -> Outcome:
    started = time.perf_counter()
    try:
        response = client.get("/api/search", params={"q": q})
        body = response.content
    except httpx.HTTPError as exc:
        return Outcome((time.perf_counter() - started) * 1000, type(exc).__name__)
    ms = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        try:  # the API's error code says which failure it was (index_unavailable, busy, ...)
            code = json.loads(body)["error"]["code"]
        except (ValueError, KeyError, TypeError):
            code = ""
        return Outcome(ms, f"HTTP {response.status_code} {code}".strip())
    try:
        data = json.loads(body)
    except ValueError:
        return Outcome(ms, "not JSON")
    missing = [name for name in FACETS if name not in data.get("facets", {})]
    if missing or "hits" not in data:
        return Outcome(ms, f"missing {missing or 'hits'}")
    return Outcome(ms, hits=len(data["hits"]))


@dataclass
class Phase:
    """Outcomes of one phase and the wall time it took."""

    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def latencies(self) -> list[float]:
        return [o.ms for o in self.outcomes]

    @property
    def errors(self) -> int:
        return sum(1 for o in self.outcomes if o.error)

    @property
    def empty(self) -> int:
        return sum(1 for o in self.outcomes if not o.error and not o.hits)

    def figures(self) -> dict[str, float]:
        ms = self.latencies or [0.0]
        return {
            "requests": len(self.outcomes),
            "p50_ms": round(statistics.median(ms), 1),
            "p95_ms": round(percentile(ms, 0.95), 1),
            "p99_ms": round(percentile(ms, 0.99), 1),
            "max_ms": round(max(ms), 1),
            "errors": self.errors,
            "zero_hits": self.empty,
            "rps": round(len(self.outcomes) / self.seconds, 2) if self.seconds else 0.0,
        }

    def error_kinds(self) -> dict[str, int]:
        kinds: dict[str, int] = {}
        for outcome in self.outcomes:
            if outcome.error:
                kinds[outcome.error] = kinds.get(outcome.error, 0) + 1
        return kinds


def run_single(url: str, queries: list[str]) -> Phase:
    """Each query once, in order, from one client."""
    phase = Phase()
    started = time.perf_counter()
    with client_for(url) as client:
        for q in queries:
            phase.outcomes.append(search_once(client, q))
    phase.seconds = time.perf_counter() - started
    return phase


def bomb_queries(count: int, seed: int = SEED) -> list[str]:
    """Wildcard bombs (issue 18), half of each kind: the issue's - about 234 two-letter infix
    wildcards OR'd in under 1,000 characters, which docsift refuses before running - and ones
    within every limit: 15 leading wildcards, each read against the whole vocabulary."""
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    found = []
    for n in range(count):
        if n % 2 == 0:
            parts = [f"*{rng.choice(letters)}{rng.choice(letters)}*" for _ in range(234)]
            found.append(" OR ".join(parts)[:1000].rsplit(" OR ", 1)[0])
        else:
            found.append(
                " OR ".join(f"*{rng.choice(letters)}{rng.choice(letters)}" for _ in range(15))
            )
    return found


def bomb_once(client: httpx.Client, q: str) -> Outcome:
    """One bomb: any answer in the JSON error shape (400 refused, 503 busy or too long) or a
    200 is fine; an error is anything else."""
    started = time.perf_counter()
    try:
        response = client.get("/api/search", params={"q": q})
    except httpx.HTTPError as exc:
        return Outcome((time.perf_counter() - started) * 1000, type(exc).__name__)
    ms = (time.perf_counter() - started) * 1000
    if response.status_code in (400, 503):
        try:
            response.json()["error"]["code"]
        except (ValueError, KeyError, TypeError):
            return Outcome(ms, f"HTTP {response.status_code} without the error shape")
        return Outcome(ms, hits=-response.status_code)  # a negative count keeps the status
    if response.status_code != 200:
        return Outcome(ms, f"HTTP {response.status_code}")
    return Outcome(ms, hits=len(response.json().get("hits", [])))


def run_load(
    url: str,
    queries: list[str],
    clients: int,
    seconds: float,
    bombers: int = 0,
    bombs: Phase | None = None,
) -> Phase:
    """`clients` threads looping over the queries (each from its own offset) until the time
    or MAX_REQUESTS is up; the first `bombers` of them send wildcard bombs instead, whose
    outcomes go to `bombs` (the returned phase holds the ordinary clients' only)."""
    phase = Phase()
    lock = threading.Lock()
    issued = [0]
    deadline = time.perf_counter() + seconds
    bomb_pool = bomb_queries(200)

    def loop(k: int) -> None:
        mine: list[Outcome] = []
        n = k * len(queries) // clients
        bombing = k < bombers
        with client_for(url) as client:
            while time.perf_counter() < deadline:
                with lock:
                    if issued[0] >= MAX_REQUESTS:
                        break
                    issued[0] += 1
                if bombing:
                    mine.append(bomb_once(client, bomb_pool[n % len(bomb_pool)]))
                else:
                    mine.append(search_once(client, queries[n % len(queries)]))
                n += 1
        with lock:
            (bombs if bombing and bombs is not None else phase).outcomes.extend(mine)

    threads = [threading.Thread(target=loop, args=(k,), daemon=True) for k in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + REQUEST_TIMEOUT_S + 10)
    phase.seconds = time.perf_counter() - started
    return phase


def measure(
    home: Path,
    corpus: Path,
    *,
    queries: int,
    clients: int,
    seconds: float,
    load_queries: int,
    serve_args: tuple[str, ...] = (),
    bombers: int = 0,
    single_queries: list[str] | None = None,
) -> tuple[dict[str, object], list[str]]:
    """Start the server over `home`, run the phases, return the figures and Markdown lines
    (`single_queries` in place of `queries` title queries for the single-client phase)."""
    single_queries = single_queries or title_queries(corpus, queries)
    lines: list[str] = []
    with serve(home, serve_args) as server:
        print(
            f"server {server.url}: {server.documents} documents; URL after "
            f"{server.started_s:.1f} s, /healthz ready after {server.ready_s:.1f} s",
            flush=True,
        )
        single = run_single(server.url, single_queries)
        cold = single.outcomes[0]
        warm = Phase(single.outcomes[1:], single.seconds)
        figures_single = warm.figures()
        print(
            f"\nsingle client, {len(single_queries)} queries "
            f"({len(set(single_queries))} distinct), {single.seconds:.1f} s:"
        )
        print(f"  first (cold) query {single_queries[0]!r}: {cold.ms:.1f} ms")
        print(
            f"  the other {len(warm.outcomes)}: p50 {figures_single['p50_ms']} ms, "
            f"p95 {figures_single['p95_ms']} ms, p99 {figures_single['p99_ms']} ms, "
            f"max {figures_single['max_ms']} ms"
        )
        print(
            f"  errors {single.errors} {single.error_kinds() or ''}; "
            f"searches without hits {single.empty}"
        )
        repeat_queries = single_queries[1 : 1 + REPEATED]
        repeated = run_single(server.url, repeat_queries)  # now from the result cache
        first_time = [o.ms for o in single.outcomes[1 : 1 + REPEATED]]
        uncached_p50 = statistics.median(first_time)
        cached_p50 = statistics.median(repeated.latencies)
        print(
            f"  the first {len(repeat_queries)} again (server result cache): p50 "
            f"{cached_p50:.1f} ms vs {uncached_p50:.1f} ms the first time "
            f"({uncached_p50 / max(cached_p50, 0.001):.0f}x), errors {repeated.errors}"
        )
        figures: dict[str, object] = {
            "documents": server.documents,
            "ready_s": round(server.ready_s, 1),
            "cold_ms": round(cold.ms, 1),
            **{f"single_{k}": v for k, v in figures_single.items()},
            "cached_p50_ms": round(cached_p50, 1),
            "uncached_p50_ms": round(uncached_p50, 1),
        }
        # the top-level figures: this phase unless a load phase follows (p50/p95/p99 leave the
        # cold query out; requests, errors and rps count it)
        figures.update(figures_single)
        figures.update(
            requests=len(single.outcomes),
            errors=single.errors,
            zero_hits=single.empty,
            rps=round(len(single.outcomes) / single.seconds, 2),
            clients=1,
            seconds=round(single.seconds, 1),
            repeated_errors=repeated.errors,
            all_errors=single.errors + repeated.errors,  # every request of every phase
        )
        lines += [
            f"{server.documents} documents; one client, {len(single_queries)} title queries "
            f"with all five facets and snippets:",
            "",
            "| | p50 ms | p95 ms | p99 ms | max ms | errors |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
            f"| first query (cold) | {cold.ms:.0f} | | | | {int(bool(cold.error))} |",
            f"| the other {len(warm.outcomes)} | {figures_single['p50_ms']} | "
            f"{figures_single['p95_ms']} | {figures_single['p99_ms']} | "
            f"{figures_single['max_ms']} | {warm.errors} |",
            f"| {len(repeat_queries)} repeated (cached) | {cached_p50:.1f} | "
            f"{percentile(repeated.latencies, 0.95):.1f} | | | {repeated.errors} |",
        ]
        if seconds > 0:
            pool = title_queries(corpus, load_queries, seed=LOAD_SEED)
            print(
                f"\n{clients} clients for {seconds:.0f} s over {len(pool)} other queries "
                f"({len(set(pool))} distinct; the server caches 256 responses):",
                flush=True,
            )
            bombs = Phase()
            load = run_load(server.url, pool, clients, seconds, bombers, bombs)
            bombs.seconds = load.seconds
            figures_load = load.figures()
            print(
                f"  {figures_load['requests']} requests, {figures_load['rps']} requests/s; "
                f"p50 {figures_load['p50_ms']} ms, p95 {figures_load['p95_ms']} ms, "
                f"p99 {figures_load['p99_ms']} ms, max {figures_load['max_ms']} ms"
            )
            print(
                f"  errors {load.errors} {load.error_kinds() or ''}; "
                f"searches without hits {load.empty}"
            )
            if bombers:
                statuses: dict[str, int] = {}
                for outcome in bombs.outcomes:
                    status = str(-outcome.hits) if outcome.hits < 0 else "200"
                    key = outcome.error or status
                    statuses[key] = statuses.get(key, 0) + 1
                bomb_figures = bombs.figures()
                print(
                    f"  {bombers} of the {clients} clients sent wildcard bombs: "
                    f"{bomb_figures['requests']} bombs answered {statuses}, p50 "
                    f"{bomb_figures['p50_ms']} ms, p95 {bomb_figures['p95_ms']} ms; the figures "
                    f"above are the other {clients - bombers} clients'"
                )
                figures.update(
                    bombers=bombers,
                    bomb_requests=bomb_figures["requests"],
                    bomb_answers=statuses,
                    bomb_p50_ms=bomb_figures["p50_ms"],
                    bomb_p95_ms=bomb_figures["p95_ms"],
                )
                lines.append(
                    f"{bombers} of them sent wildcard bombs ({bomb_figures['requests']} answered "
                    f"{statuses}); the latencies are the other {clients - bombers} clients'."
                )
            figures.update(figures_load)
            figures.update(clients=clients, seconds=round(load.seconds, 1))
            figures["all_errors"] = single.errors + repeated.errors + load.errors
            lines += [
                "",
                f"{clients} concurrent clients for {load.seconds:.0f} s "
                f"(mostly uncached queries): {figures_load['requests']} requests, "
                f"{figures_load['rps']} requests/s, p50 {figures_load['p50_ms']} ms, "
                f"p95 {figures_load['p95_ms']} ms, p99 {figures_load['p99_ms']} ms, "
                f"errors {load.errors}.",
            ]
        figures["server_peak_rss_mb"] = server.peak_rss_mb()
        figures["server_pss_mb"] = server.pss_mb()
        figures["server_processes"] = len(server.processes())
        print(
            f"\nserver peak RSS (summed over {figures['server_processes']} processes): "
            f"{figures['server_peak_rss_mb']} MB; PSS after the load: {figures['server_pss_mb']} MB"
        )
    return figures, lines


def build_parser(
    description: str | None = __doc__,
    *,
    home: Path | None = None,
    clients: int = 1,
    seconds: float = 0.0,
    name: str = "http_latency",
) -> argparse.ArgumentParser:
    """The options of this benchmark; bench/load.py gives other defaults."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--home", type=Path, default=home, required=home is None, help="docsift home to serve"
    )
    parser.add_argument("--queries", type=int, default=200, help="single-client searches")
    parser.add_argument("--clients", type=int, default=clients, help="concurrent clients")
    parser.add_argument("--seconds", type=float, default=seconds, help="load length; 0: none")
    parser.add_argument("--load-queries", type=int, default=2000, help="queries the load uses")
    parser.add_argument("--corpus", type=Path, default=REUTERS, help="JSON Lines with titles")
    parser.add_argument("--record", default=name, help="name of the kept result")
    parser.add_argument(
        "--serve-args",
        default="",
        help="more `docsift serve` options, one string (e.g. '--workers 2' or '--dev')",
    )
    parser.add_argument(
        "--common", type=float, default=0.0, help="share of queries given a common word (0.2)"
    )
    parser.add_argument(
        "--typos", type=float, default=0.0, help="share of queries given a typo (0.1)"
    )
    parser.add_argument(
        "--against-code",
        type=Path,
        metavar="CHECKOUT",
        help="also serve CHECKOUT's code over the same home; alternate queries between both",
    )
    return parser


def check_bounds(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if not 1 <= args.queries <= MAX_QUERIES or not 1 <= args.load_queries <= MAX_QUERIES:
        parser.error(f"--queries and --load-queries must be between 1 and {MAX_QUERIES}")
    if not 1 <= args.clients <= 64:
        parser.error("--clients must be between 1 and 64")
    if not 0 <= args.seconds <= MAX_SECONDS:
        parser.error(f"--seconds must be between 0 and {MAX_SECONDS}")
    if not (0 <= args.common <= 1 and 0 <= args.typos <= 1 and args.common + args.typos <= 1):
        parser.error("--common and --typos are shares between 0 and 1, together at most 1")


def report(name: str, figures: dict[str, object], lines: list[str]) -> None:
    path = record(name, figures, lines=lines)
    print(f"\nrecorded {path.relative_to(ROOT)}")
    print(json.dumps(figures))


def main() -> int:
    parser = build_parser()
    args = parser.parse_args()
    check_bounds(parser, args)
    if not args.corpus.exists():
        print(f"skipped: {args.corpus} is absent (needs ../shared)")
        return 0
    plain = title_queries(args.corpus, args.queries)
    queries, kinds = plain, ["title"] * len(plain)
    if args.common or args.typos:
        from query_mix import corpus_words, describe, mixed_queries

        vocabulary = corpus_words(args.corpus)
        queries = mixed_queries(plain, vocabulary, common=args.common, typos=args.typos)
        print(f"query mix: {describe(queries, plain)}", flush=True)
        kinds = [
            "title" if q == p else "common" if len(q.split()) > len(p.split()) else "typo"
            for q, p in zip(queries, plain, strict=True)
        ]
    if args.against_code:
        from latency_against import measure_against

        figures, lines = measure_against(args.home, args.against_code, queries, kinds)
        report(args.record, figures, lines)
        return 0
    figures, lines = measure(
        args.home,
        args.corpus,
        queries=args.queries,
        clients=args.clients,
        seconds=args.seconds,
        load_queries=args.load_queries,
        serve_args=tuple(args.serve_args.split()),
        single_queries=queries,
    )
    report(args.record, figures, lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())

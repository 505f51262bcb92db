"""Crawl benchmark: a generated 2,000-page linked site on 127.0.0.1, crawled with delay 0.

    python bench/crawl.py [--pages N] [--concurrency C] [--entities] [--keep DIR]

The site is generated on the fly by a handler (each page links to the front page, its next
ten neighbours and a section page), served by the standard library's ThreadingHTTPServer in a
thread on 127.0.0.1 only. Entities (spaCy NER) are off unless --entities, so the figure is the
crawler's and the text stages' cost. Prints pages per second and the share of wall time per
stage: the main thread's time waiting on the network, frontier bookkeeping (SQLite), link
discovery, decode, clean, store and index. Worker fetch time overlaps the main thread and is
shown separately, not in the shares. Exits 0 with a message if anything goes wrong.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import record  # noqa: E402

from indexer.crawl.crawler import Crawler, CrawlOptions  # noqa: E402
from indexer.pipeline import Pipeline  # noqa: E402
from indexer.store import DocumentStore  # noqa: E402
from search.settings import Settings  # noqa: E402

WORDS = (
    "harbour council ferry terminal budget union dockworkers storm lighthouse market pilot "
    "boat dredging contract residents consultation quay mayor vote plan inquiry court"
).split()
SYLLABLES = "ka lo mi ren tas vor bel sun dra pel kin mor tes a o i".split()
VOCABULARY = WORDS + sorted(
    {a + b + c for a in SYLLABLES for b in SYLLABLES for c in ("", "n", "s", "ter", "ing")}
)
WEIGHTS = [1 / (rank + 1) for rank in range(len(VOCABULARY))]


def page(n: int, pages: int) -> bytes:
    links = ["/"] + [f"/story/{(n + k) % pages}" for k in range(1, 11)] + [f"/section/{n % 20}"]
    anchors = "".join(f'<li><a href="{h}?utm_source=nav">{h}</a></li>' for h in links)
    # each page its own text (a seeded draw, Zipf-like weights): pages of one site share
    # vocabulary, not sentences, so story grouping sees what a real site gives it
    words = random.Random(n).choices(VOCABULARY, weights=WEIGHTS, k=400)
    paragraphs = "".join(
        f"<p>{' '.join(words[i : i + 40]).capitalize()}.</p>" for i in range(0, 400, 40)
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>Story {n}: "
        f"{words[0]} {words[1]}</title></head><body><nav><ul>{anchors}</ul></nav>"
        f"<article><h1>Story {n}</h1><p>By Desk Writer | 14 June 2024</p>{paragraphs}"
        "</article><footer>Harbour Gazette</footer></body></html>"
    ).encode()


def serve(pages: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            path = self.path.split("?")[0]
            if path == "/robots.txt":
                body, kind = b"User-agent: *\nDisallow: /private/\n", "text/plain"
            elif path == "/":
                body, kind = page(0, pages), "text/html; charset=utf-8"
            elif path.startswith("/story/") and path[7:].isdigit() and int(path[7:]) < pages:
                body, kind = page(int(path[7:]), pages), "text/html; charset=utf-8"
            elif path.startswith("/section/"):
                n = int(path[9:]) if path[9:].isdigit() else 0
                links = "".join(f'<a href="/story/{i}">{i}</a> ' for i in range(n, pages, 20))
                body = f"<html><body><h1>Section {n}</h1>{links}</body></html>".encode()
                kind = "text/html; charset=utf-8"
            else:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
    ).start()
    return server


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--entities", action="store_true", help="run spaCy NER too")
    parser.add_argument("--keep", type=Path, help="crawl into this home and keep it")
    args = parser.parse_args()
    home = args.keep or Path(tempfile.mkdtemp(prefix="docsift-crawl-bench-"))
    server = serve(args.pages)
    base = f"http://127.0.0.1:{server.server_port}/"
    settings = Settings(home=home)
    options = CrawlOptions.from_settings(
        settings,
        (base,),
        max_pages=args.pages + 100,  # the 20 section pages are pages too
        max_depth=1000,
        delay_s=0.0,
        concurrency=args.concurrency,
        allow_hosts=(f"127.0.0.1:{server.server_port}",),  # never anything but this server
        sitemaps=False,
    )
    try:
        with DocumentStore(settings.db_path) as store:
            pipeline = Pipeline.from_settings(settings, store, entities=args.entities)
            try:
                started = time.perf_counter()
                report = Crawler(options, pipeline).run()
                wall = time.perf_counter() - started
            finally:
                pipeline.close()
    except Exception as exc:  # noqa: BLE001 - a benchmark reports trouble, it does not crash
        print(f"crawl benchmark could not run: {type(exc).__name__}: {exc}")
        return 0
    finally:
        server.shutdown()
        server.server_close()
        if not args.keep:
            shutil.rmtree(home, ignore_errors=True)
    stages = dict(report.stage_seconds)
    overlapped = stages.pop("fetch (worker time, overlapped)", 0.0)
    print(
        f"crawled {report.fetched} pages ({report.ingest.added} stored, {report.failed} failed, "
        f"{report.skipped} skipped) from a generated {args.pages}-page site on 127.0.0.1, "
        f"delay 0, concurrency {args.concurrency}, entities {'on' if args.entities else 'off'}"
    )
    print(f"{report.fetched / wall:.1f} pages/s ({wall:.2f} s wall)")
    print("share of wall time per stage (main thread):")
    for stage, seconds in sorted(stages.items(), key=lambda kv: -kv[1]):
        print(f"  {stage:<32} {seconds:7.2f} s  {100 * seconds / wall:5.1f} %")
    rest = wall - sum(stages.values())
    print(f"  {'(unaccounted)':<32} {rest:7.2f} s  {100 * rest / wall:5.1f} %")
    print(f"worker fetch time (overlapped, {args.concurrency} threads): {overlapped:.2f} s")
    ranked = sorted(stages.items(), key=lambda kv: -kv[1])
    record(
        "crawl",
        {
            "site_pages": args.pages,
            "concurrency": args.concurrency,
            "entities": args.entities,
            "fetched": report.fetched,
            "stored": report.ingest.added,
            "failed": report.failed,
            "skipped": report.skipped,
            "wall_s": round(wall, 2),
            "pages_per_s": round(report.fetched / wall, 1),
            **{
                f"stage_{re.sub(r'[^a-z0-9]+', '_', stage.lower()).strip('_')}_s": round(seconds, 2)
                for stage, seconds in ranked
            },
            "unaccounted_s": round(rest, 2),
            "worker_fetch_overlapped_s": round(overlapped, 2),
        },
        lines=[
            f"Generated {args.pages}-page linked site on 127.0.0.1, delay 0, concurrency "
            f"{args.concurrency}, entities {'on' if args.entities else 'off'}: "
            f"**{report.fetched / wall:.1f} pages/s** ({report.fetched} pages in {wall:.1f} s; "
            f"{report.ingest.added} stored, {report.failed} failed, {report.skipped} skipped).",
            "Largest shares of wall time (main thread): "
            + ", ".join(f"{stage} {100 * seconds / wall:.0f} %" for stage, seconds in ranked[:4])
            + f"; worker fetch time {overlapped:.1f} s, overlapped.",
        ],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

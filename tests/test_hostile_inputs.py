"""Hostile inputs (issue 8): one folder of broken, huge, nested, binary and racing files.

The corpus is generated at test time in tmp_path (the two 50 MB files included). It goes through
the real Pipeline together with three good files; the good files and the hostile ones that still
hold readable text are stored and searchable, and every file that cannot be ingested appears in
the report with a sentence saying why. Time is bounded per file (pytest-timeout caps each test)
and memory by measuring the peak resident size of the process during the run. A gzip bomb
sitemap served on 127.0.0.1 shows the crawler stopping at the decompressed-size limit.
"""

from __future__ import annotations

import os
import re
import resource
import stat
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from indexer.crawl.crawler import Crawler, CrawlOptions
from indexer.crawl.discover import page_links
from indexer.fetch import FileFetcher, RawDocument
from indexer.page.clean import clean_html
from indexer.pipeline import IngestReport, Pipeline
from indexer.store import DocumentStore
from search.query import parse_request
from search.service import SearchService
from search.settings import Settings

pytestmark = pytest.mark.slow

MB = 1024 * 1024
STORED = "stored"
MAX_SECONDS_PER_FILE = 20.0
MAX_MEMORY_GROWTH_MB = 1024
# a "clear reason" is a sentence of ours, not an exception's repr leaking through
LEAKED_EXCEPTION = re.compile(r"^[A-Z]\w*(Error|Exception|Warning)\b|Traceback")

GOOD_PARAGRAPH = (
    "<p>The harbour council met on Tuesday to discuss the ferry budget and the dredging plans "
    "for next year, and residents filled the public gallery.</p>"
)


# -- measuring --------------------------------------------------------------------------------


def _status_mb(field: str) -> int | None:
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    match = re.search(rf"^{field}:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) // 1024 if match else None


@dataclass
class Peak:
    growth_mb: float = 0.0


@pytest.fixture
def peak_memory() -> Callable[[], Any]:
    """A context manager measuring how far the peak resident size rose above the current one.

    On Linux the kernel's high-water mark is reset first (clear_refs), so the figure belongs to
    the block alone; elsewhere ru_maxrss is used, which can only under-report the growth.
    """

    class _Measure:
        def __enter__(self) -> Peak:
            self.peak = Peak()
            try:
                Path("/proc/self/clear_refs").write_text("5")
                self.before = _status_mb("VmRSS")
                self.precise = self.before is not None
            except OSError:
                self.precise = False
            if not self.precise:
                self.before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
            return self.peak

        def __exit__(self, *exc: object) -> None:
            after = _status_mb("VmHWM") if self.precise else None
            if after is None:
                after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
            self.peak.growth_mb = after - (self.before or 0)

    return _Measure


# -- the corpus -------------------------------------------------------------------------------


def _page(title: str, body: str) -> str:
    return f"<html><head><title>{title}</title></head><body>{body}</body></html>"


def _write_repeated(path: Path, head: bytes, unit: bytes, size: int, tail: bytes = b"") -> None:
    """Write head + unit repeated to `size` bytes + tail, 1 MB at a time."""
    chunk = unit * (MB // len(unit))
    with path.open("wb") as fh:
        fh.write(head)
        written = len(head)
        while written < size:
            piece = chunk[: size - written]
            fh.write(piece)
            written += len(piece)
        fh.write(tail)


@dataclass(frozen=True)
class Corpus:
    folder: Path
    expected: dict[str, str]  # file name -> STORED or the reason reported for it
    markers: dict[str, str]  # stored file name -> a word only that file holds


def build_corpus(folder: Path) -> Corpus:
    folder.mkdir()
    expected: dict[str, str] = {}
    markers: dict[str, str] = {}

    def stored(name: str, marker: str, data: bytes | str) -> None:
        path = folder / name
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        expected[name], markers[name] = STORED, marker

    # three good files
    stored(
        "good-ferry.txt",
        "pensioners",
        "Ferry fares frozen\n\nThe council froze ferry fares for pensioners until 2026, "
        "said Mayor Helena Marsh after the meeting in Portmere.\n",
    )
    stored(
        "good-lighthouse.html",
        "lighthouse",
        _page(
            "Lighthouse restored",
            f"<article>{GOOD_PARAGRAPH}<p>The lighthouse restoration was approved.</p></article>",
        ),
    )
    stored(
        "good-storm.md",
        "survey",
        "Storm damage survey\n\nA survey of storm damage along the coast was published on "
        "Monday by the port authority.\n",
    )

    # truncated HTML: whatever was read before the cut is kept
    head = "<html><head><title>Cut short</title></head><body>" + GOOD_PARAGRAPH
    stored("cut-mid-tag.html", "aardvark", head + "<p>An aardvark was seen <a hr")
    stored("cut-mid-attribute.html", "bassoon", head + '<p>A bassoon <a href="http://exa')
    stored("cut-mid-comment.html", "cormorant", head + "<p>cormorant</p><!-- never ends <p>x")
    stored(
        "unclosed-script.html",
        "dromedary",
        head + "<p>A dromedary.</p><script>var s = '<p>scriptword</p>';" + "x" * 5000,
    )
    # markup inside attributes, mis-nested inline and block tags
    stored(
        "nested-markup.html",
        "escapade",
        '<html><body><p title="<b>attrword</b>">An <b>escapade <i>in</b> mis-nested</i> tags '
        '<p>across paragraphs</b> stays readable.</p><div class="<script>alert(1)</script>">'
        "</div></body></html>",
    )
    # deep nesting: 100,000 nested divs, and 50,000 never-closed <b><i> pairs
    depth = 100_000
    stored(
        "deep-divs.html",
        "abyssal",
        "<html><body>"
        + "<div>" * depth
        + "<p>An abyssal paragraph at the bottom of a very deep tree of divs.</p>"
        + "</div>" * depth
        + "</body></html>",
    )
    stored(
        "deep-bold-italic.html",
        "fandango",
        "<html><body><p>" + "<b><i>" * 50_000 + "A fandango of mis-nested bold and italic.",
    )
    # one element with a million attributes; one attribute value of 10 MB
    attributes = b" ".join(b'a%d="x"' % i for i in range(1_000_000))
    stored(
        "million-attributes.html",
        "gazebo",
        b"<html><body><div "
        + attributes
        + b"><p>A gazebo stands after a million attributes.</p></div></body></html>",
    )
    stored(
        "huge-attribute.html",
        "hovercraft",
        b'<html><body><p title="'
        + b"A" * (10 * MB)
        + b'">A hovercraft after a ten megabyte attribute value.</p></body></html>',
    )
    # invalid UTF-8 sprinkled through UTF-8 text: decoded as UTF-8 with U+FFFD for the bad bytes
    broken = (
        b"\xff",
        b"\xc3\x28",
        b"\xe2\x28\xa1",
        b"\xf0\x28\x8c\xbc",
        b"\xc0\xaf",
        b"\xed\xa0\x80",
    )
    lines = [
        b"Caf\xc3\xa9 ingr\xc3\xa9dients na\xc3\xafve r\xc3\xa9sum\xc3\xa9 iguana "
        + broken[i % len(broken)]
        + b" line %d" % i
        for i in range(2000)
    ]
    stored("invalid-utf8.txt", "iguana", b"Broken bytes\n\n" + b"\n".join(lines))
    # NUL bytes after the first 8 KB (the binary sniff looks at the head only)
    stored(
        "nul-late.txt",
        "jackdaw",
        b"Jackdaw notes\n\n" + b"A jackdaw text line.\n" * 600 + b"\x00\x00" + b"tail\n" * 10,
    )

    # reported, not stored
    too_large = "too large (50.0 MB > 20.0 MB limit, max_file_bytes)"
    _write_repeated(folder / "fifty-mb-line.txt", b"", b"word ", 50 * MB)
    expected["fifty-mb-line.txt"] = too_large
    _write_repeated(folder / "fifty-mb-line.html", b"<html><body><p>", b"word ", 50 * MB)
    expected["fifty-mb-line.html"] = too_large
    (folder / "long-text.txt").write_text("Long\n\n" + "Mayor Helena Marsh met them. " * 40_000)
    expected["long-text.txt"] = (
        "text too long (1,159,999 characters after cleaning > 900,000 limit, max_text_chars)"
    )
    (folder / "many-elements.html").write_text(
        "<html><body>" + "<p>x</p>" * 250_000 + "</body></html>"
    )
    expected["many-elements.html"] = "too much markup to clean (250,002 elements > 200,000 limit)"
    (folder / "nul-head.txt").write_bytes(b"text\x00with\x00nul" * 50)
    expected["nul-head.txt"] = "binary content, not text"
    (folder / "elf.txt").write_bytes(b"\x7fELF\x02\x01\x01\x00" + os.urandom(4096))
    expected["elf.txt"] = "binary content, not text"
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(2048)
    (folder / "image.html").write_bytes(png)
    expected["image.html"] = "binary content, not text"
    (folder / "zero.txt").write_bytes(b"")
    expected["zero.txt"] = "empty file"
    (folder / "whitespace.txt").write_bytes(b" \n\t\r\n  \n" * 200)
    expected["whitespace.txt"] = "empty file (only whitespace)"
    (folder / "unicode-spaces.txt").write_text("\u00a0\u3000\u2028\u200b \ufeff" * 100)
    expected["unicode-spaces.txt"] = "empty after cleaning (only whitespace or control characters)"
    (folder / "tags-only.html").write_text(_page("", "<div></div><script>x()</script>"))
    expected["tags-only.html"] = "no text after cleaning"
    # links: a -> b -> a, one to itself, one dangling, one to this folder, one to its parent
    (folder / "loop-a.txt").symlink_to(folder / "loop-b.txt")
    (folder / "loop-b.txt").symlink_to(folder / "loop-a.txt")
    (folder / "self.txt").symlink_to("self.txt")
    for name in ("loop-a.txt", "loop-b.txt", "self.txt"):
        expected[name] = "symbolic link loop (it leads back to itself)"
    (folder / "dangling.txt").symlink_to(folder / "gone.txt")
    expected["dangling.txt"] = f"broken symbolic link (its target {folder / 'gone.txt'} is missing)"
    (folder / "here").symlink_to(folder)
    (folder / "sub").mkdir()
    (folder / "sub" / "parent").symlink_to("..")
    for name in ("here", "parent"):
        expected[name] = "symbolic link to a folder: not followed, so links cannot loop"
    os.mkfifo(folder / "pipe.txt")
    expected["pipe.txt"] = "not a regular file (a pipe, socket or device)"
    # a file name that is not UTF-8 (shown with U+FFFD in the report)
    fd = os.open(os.fsencode(folder) + b"/latin1-\xe9.txt", os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, b"Caf\xe9 au lait")
    os.close(fd)
    expected["latin1-\ufffd.txt"] = "file or folder name is not valid UTF-8; rename it to ingest it"
    if os.geteuid() != 0:  # root reads any folder
        locked = folder / "locked"
        locked.mkdir()
        locked.chmod(0)
        expected["locked"] = "cannot read folder: Permission denied"
    # listed, then deleted before it is read (see VanishingFetcher)
    (folder / "vanishing.txt").write_text("This file disappears between listing and reading.")
    expected["vanishing.txt"] = "file vanished before it could be read"
    return Corpus(folder, expected, markers)


class VanishingFetcher(FileFetcher):
    """Deletes `vanishing.txt` right before reading it: the race between listing and reading."""

    def fetch(self, uri: str) -> RawDocument:
        if uri.endswith("vanishing.txt"):
            os.unlink(uri)
        return super().fetch(uri)


@pytest.fixture
def corpus(tmp_path: Path) -> Iterator[Corpus]:
    built = build_corpus(tmp_path / "corpus")
    yield built
    locked = built.folder / "locked"
    if locked.exists():
        locked.chmod(stat.S_IRWXU)


# -- the folder -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    report: IngestReport
    seconds: float
    per_file: dict[str, float]
    memory_growth_mb: float


def ingest(settings: Settings, corpus: Corpus, entities: bool, peak_memory: Any) -> Run:
    started: list[tuple[str, float]] = []
    with DocumentStore(settings.db_path) as store:
        pipeline = Pipeline.from_settings(settings, store, entities=entities)
        pipeline.files = VanishingFetcher(settings.max_file_bytes)
        try:
            with peak_memory() as peak:
                begin = time.perf_counter()
                report = pipeline.run(
                    [str(corpus.folder)],
                    progress=lambda source: started.append((source, time.perf_counter())),
                )
                end = time.perf_counter()
        finally:
            pipeline.close()
    stamps = [*started, ("", end)]
    per_file = {Path(a[0]).name: b[1] - a[1] for a, b in zip(stamps, stamps[1:], strict=False)}
    return Run(report, end - begin, per_file, peak.growth_mb)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("entities", [False, True], ids=["entities-off", "entities-on"])
def test_hostile_folder_stores_the_good_files_and_reports_every_bad_one(
    settings: Settings, corpus: Corpus, entities: bool, peak_memory: Any
) -> None:
    run = ingest(settings, corpus, entities, peak_memory)
    report = run.report

    reasons = {Path(p.source).name: p.reason for p in (*report.skipped, *report.errors)}
    expected_reasons = {n: r for n, r in corpus.expected.items() if r != STORED}
    assert reasons == expected_reasons
    assert [Path(p.source).name for p in report.errors] == ["vanishing.txt"]
    assert not [r for r in reasons.values() if LEAKED_EXCEPTION.search(r)]

    with DocumentStore(settings.db_path) as store:
        documents = {Path(d.source).name: d for d in store.iter_documents()}
    assert set(documents) == {n for n, r in corpus.expected.items() if r == STORED}
    assert report.added == len(documents) and report.indexed == len(documents)
    service = SearchService.from_settings(settings)
    for name, marker in corpus.markers.items():
        hits = service.search(parse_request({"q": marker})).hits
        assert [Path(h.source).name for h in hits] == [name], marker

    # what the hostile files that were stored turned into
    assert "scriptword" not in documents["unclosed-script.html"].body
    nested = documents["nested-markup.html"].body
    assert "mis-nested" in nested and "attrword" not in nested and "alert" not in nested
    assert "<" not in documents["million-attributes.html"].body
    invalid = documents["invalid-utf8.txt"]
    assert (invalid.encoding, invalid.decode_method) == ("utf-8", "replace")
    assert "Café ingrédients naïve résumé" in invalid.body and "\ufffd" in invalid.body
    assert "\x00" not in documents["nul-late.txt"].body
    for document in documents.values():
        assert not any("\ud800" <= ch <= "\udfff" for ch in document.body)
    if entities:
        assert "Helena Marsh" in documents["good-ferry.txt"].people

    # bounded time (per file, measured between progress calls, when NER does not interleave)
    # and bounded memory (the two 50 MB files are refused before a byte is read)
    assert run.memory_growth_mb < MAX_MEMORY_GROWTH_MB, run.memory_growth_mb
    if not entities:
        slowest = max(run.per_file.items(), key=lambda item: item[1])
        assert slowest[1] < MAX_SECONDS_PER_FILE, slowest


# -- the same limits over HTTP ---------------------------------------------------------------


class Server:
    """A ThreadingHTTPServer on 127.0.0.1 serving files from a folder, each with a content type.

    Paths ending in `?chunked` are sent without Content-Length (the body ends when the
    connection closes), so the fetcher must count bytes as they arrive.
    """

    def __init__(self, folder: Path, types: dict[str, str]) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                try:
                    server.respond(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client stopped reading at its limit: expected

        self.folder, self.types = folder, types
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()
        self.netloc = f"127.0.0.1:{self.httpd.server_port}"
        self.base = f"http://{self.netloc}/"

    def respond(self, handler: BaseHTTPRequestHandler) -> None:
        name, _, flag = handler.path.lstrip("/").partition("?")
        path = self.folder / name
        if not name or not path.is_file():
            handler.send_error(404)
            return
        handler.send_response(200)
        handler.send_header("Content-Type", self.types.get(path.suffix, "text/plain"))
        if flag != "chunked":
            handler.send_header("Content-Length", str(path.stat().st_size))
        handler.end_headers()
        with path.open("rb") as fh:
            while chunk := fh.read(MB):
                handler.wfile.write(chunk)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


HTML_TYPES = {".html": "text/html; charset=utf-8", ".txt": "text/plain; charset=utf-8"}


@pytest.mark.timeout(60)
def test_hostile_pages_over_http_get_the_same_outcome_as_files(
    settings: Settings, tmp_path: Path, peak_memory: Any
) -> None:
    folder = tmp_path / "site"
    folder.mkdir()
    _write_repeated(folder / "fifty-mb-line.html", b"<html><body><p>", b"word ", 50 * MB)
    attributes = b" ".join(b'a%d="x"' % i for i in range(1_000_000))
    (folder / "million-attributes.html").write_bytes(
        b"<html><body><div " + attributes + b"><p>A gazebo after a million attributes.</p></div>"
    )
    (folder / "many-elements.html").write_text("<html><body>" + "<p>x</p>" * 250_000)
    (folder / "image.html").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(512))
    (folder / "whitespace.txt").write_bytes(b" \n\t " * 100)
    (folder / "cut-mid-tag.html").write_text(
        "<html><head><title>Cut short</title></head><body>" + GOOD_PARAGRAPH + "<p>Cut <a hr"
    )
    server = Server(folder, HTML_TYPES)
    names = [
        "fifty-mb-line.html",
        "fifty-mb-line.html?chunked",
        "million-attributes.html",
        "many-elements.html",
        "image.html",
        "whitespace.txt",
        "cut-mid-tag.html",
    ]
    try:
        with DocumentStore(settings.db_path) as store:
            # the server is on 127.0.0.1: allowed as `docsift ingest --allow-private` would
            pipeline = Pipeline.from_settings(settings, store, entities=False, allow_private=True)
            try:
                with peak_memory() as peak:
                    report = pipeline.run([server.base + name for name in names])
            finally:
                pipeline.close()
    finally:
        server.close()

    reasons = {p.source.rsplit("/", 1)[-1]: p.reason for p in (*report.skipped, *report.errors)}
    assert reasons == {
        "fifty-mb-line.html": "too large (50.0 MB > 20.0 MB limit, max_file_bytes)",
        "fifty-mb-line.html?chunked": "too large (over the 20.0 MB limit, max_file_bytes)",
        "many-elements.html": "too much markup to clean (250,002 elements > 200,000 limit)",
        "image.html": "binary content, not text",
        "whitespace.txt": "empty response (only whitespace)",
    }
    assert report.added == 2
    assert peak.growth_mb < MAX_MEMORY_GROWTH_MB


# -- the crawler: a gzip bomb for a sitemap, a million attributes on a page ------------------


def write_gzip_bomb(path: Path, head: bytes, filler_mb: int) -> int:
    """A valid gzip file of `head` and `filler_mb` MB of spaces, written a block at a time.

    After a full flush the compressor starts afresh, so one compressed block of 1 MB of spaces
    stands for every other: 1 GB compresses to about 1 MB and takes well under a second to
    write. Returns the decompressed size.
    """
    block = b" " * MB
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    first = deflate.compress(head) + deflate.flush(zlib.Z_FULL_FLUSH)
    repeated = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)
    crc = zlib.crc32(head)
    with path.open("wb") as fh:
        fh.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff")  # gzip header, no name, no mtime
        fh.write(first)
        for _ in range(filler_mb):
            fh.write(repeated)
            crc = zlib.crc32(block, crc)
        fh.write(deflate.flush(zlib.Z_FINISH))
        size = len(head) + filler_mb * MB
        fh.write(struct.pack("<II", crc & 0xFFFFFFFF, size & 0xFFFFFFFF))
    return size


@pytest.mark.timeout(60)
def test_gzip_bomb_sitemap_stops_at_the_decompressed_size_limit(
    settings: Settings, tmp_path: Path, peak_memory: Any
) -> None:
    folder = tmp_path / "site"
    folder.mkdir()
    server = Server(folder, {".gz": "application/gzip", ".html": "text/html; charset=utf-8"})
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{server.base}listed.html</loc></url>"
    ).encode()
    inflated = write_gzip_bomb(folder / "sitemap.xml.gz", head, filler_mb=1100)
    assert inflated > 1024 * MB and (folder / "sitemap.xml.gz").stat().st_size < 2 * MB
    (folder / "robots.txt").write_text(f"User-agent: *\nSitemap: {server.base}sitemap.xml.gz\n")
    (folder / "index.html").write_text(_page("Front page", f"<article>{GOOD_PARAGRAPH}</article>"))
    options = CrawlOptions.from_settings(
        settings,
        (server.base + "index.html",),
        delay_s=0.0,
        timeout_s=5.0,
        max_attempts=1,
        allow_hosts=(server.netloc,),
    )
    try:
        with DocumentStore(settings.db_path) as store:
            pipeline = Pipeline.from_settings(settings, store, entities=False)
            try:
                with peak_memory() as peak:
                    report = Crawler(options, pipeline).run()
            finally:
                pipeline.close()
    finally:
        server.close()

    problems = {p["url"]: p for p in report.problems}
    bomb = problems[server.base + "sitemap.xml.gz"]
    assert bomb["status"] == "skipped"
    assert bomb["reason"] == (
        "gzipped sitemap inflates past the 20.0 MB limit (max_file_bytes) after 1.1 MB"
        " compressed; not read further"
    )
    assert report.ingest.added == 1  # the front page; nothing the bomb lists was read
    assert peak.growth_mb < 256, peak.growth_mb


@pytest.mark.timeout(30)
def test_a_million_attributes_cost_the_crawler_and_the_cleaner_no_quadratic_time() -> None:
    attributes = " ".join(f'a{i}="x"' for i in range(1_000_000))
    article = "<p>" + "Words of an article. " * 10 + "</p>"
    page = f'<html><body><div {attributes}><a href="/next">next</a>{article}</div></body></html>'
    started = time.perf_counter()
    links = page_links(page, "http://127.0.0.1/")
    body = clean_html(page).body
    assert links.links == ("http://127.0.0.1/next",)
    assert "Words of an article." in body
    assert time.perf_counter() - started < 15

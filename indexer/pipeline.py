"""The ingest pipeline: sources -> bytes -> decode -> clean -> Document -> store -> index.

Documents are written to the store in batched transactions as they are made; the index is then
brought up to date from the store's unindexed rows in one writer, so the store stays the source
of truth and a run that dies half-way is finished by the next one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO

from indexer.aliases import mark_weak_names, refresh_aliases
from indexer.dedup import refresh_signatures, update_stories
from indexer.enrich import Enriched, Enricher
from indexer.fetch import FileFetcher, HttpFetcher, RawDocument
from indexer.formats.expand import STREAMED, Expander
from indexer.formats.kinds import FORMAT_SUFFIXES, TEXT, kind_of, suffix_of
from indexer.formats.limits import Limits
from indexer.formats.mail import header_people
from indexer.formats.ocr import Ocr
from indexer.formats.parts import Part, part_id
from indexer.formats.reader import needs_ocr, read_part
from indexer.language.dates import choose_published, parse_date_value, plausible_published
from indexer.language.detect import backfill_languages, detect_language
from indexer.page.clean import (
    CleanText,
    check_text_length,
    clean_html,
    clean_plain,
    looks_like_html,
    normalise_text,
    unwrap_lines,
)
from indexer.page.decode import DecodedText, charset_from_content_type, decode_bytes
from indexer.sources import HTML_SUFFIXES, Source, iter_sources
from indexer.store import DocumentStore
from search.backend import Backend
from search.diskfull import is_disk_full
from search.documents import Document, make_doc_id, parse_iso_at
from search.engines import open_backend
from search.errors import IngestError, SkipDocument
from search.faults import fault_point
from search.index import (
    ensure_index,
    index_writer,
    open_writer,
    rebuild_index,
    write_names,
    write_stories,
)
from search.names import NameTable, read_name_table
from search.safetext import valid_values
from search.settings import Settings

logger = logging.getLogger(__name__)

# bump when a stage changes what it produces, so unchanged sources are processed again
PIPELINE_VERSION = "2"
BATCH_SIZE = 500
BATCH_BYTES = 64 * 1024 * 1024  # bytes of sources held at once while a batch is looked up
MAX_LINE_BYTES = 5 * 1024 * 1024
MAX_TITLE_CHARS = 300


@dataclass(frozen=True, slots=True)
class Problem:
    """Why one source or record was skipped or failed."""

    source: str
    reason: str


@dataclass(frozen=True, slots=True)
class IngestReport:
    """What a run did: counts per outcome and each problem with its reason."""

    added: int
    updated: int
    unchanged: int
    skipped: tuple[Problem, ...]
    errors: tuple[Problem, ...]
    indexed: int
    seconds: float
    stage_seconds: tuple[tuple[str, float], ...] = ()
    # NER by line: how many lines were skipped, reused from earlier analyses, or analysed
    ner_lines: tuple[tuple[str, int], ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": [{"source": p.source, "reason": p.reason} for p in self.skipped],
            "errors": [{"source": p.source, "reason": p.reason} for p in self.errors],
            "indexed": self.indexed,
            "seconds": round(self.seconds, 3),
            "stage_seconds": {stage: round(sec, 3) for stage, sec in self.stage_seconds},
            "ner_lines": dict(self.ner_lines),
        }


@dataclass
class _Tally:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[Problem] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    stages: dict[str, float] = field(default_factory=dict)
    finished: list[str] = field(default_factory=list)  # sources whose outcome is durable

    @contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.stages[stage] = self.stages.get(stage, 0.0) + time.perf_counter() - started


@dataclass(frozen=True, slots=True)
class _Item:
    """One document-to-be: its id, where it came from and the bytes that define it."""

    doc_id: str
    source: str
    raw: RawDocument | None = None
    record: dict[str, Any] | None = None
    content_hash: str = ""
    part: Part | None = None  # found in a PDF, office file, message, mailbox or archive


def content_hash(data: bytes) -> str:
    return hashlib.sha256(PIPELINE_VERSION.encode() + b"\0" + data).hexdigest()


def is_binary(data: bytes) -> bool:
    """NUL bytes outside a UTF-16/32 BOM, or mostly control bytes, mean this is not text."""
    head = data[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return controls > len(head) * 0.1


def _garbled(text: str) -> bool:
    sample = text[:20000]
    bad = sample.count("\ufffd") + sum(1 for c in sample if ord(c) < 32 and c not in "\n\t\r\f")
    return bad > max(20, len(sample) * 0.05)


def described_error(exc: BaseException) -> str:
    """An unexpected exception as one line of a report: its type and its first line."""
    message = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def bounded_lines(fh: BinaryIO, cap: int) -> Iterator[tuple[int, bytes | None]]:
    """(line number, line) for each line of a binary file; None for a line longer than `cap`
    bytes, which is read past in 1 MB pieces and never held whole."""
    lineno = 0
    while True:
        line = fh.readline(cap + 1)
        if not line:
            return
        lineno += 1
        if len(line.rstrip(b"\r\n")) > cap:
            while line and not line.endswith(b"\n"):
                line = fh.readline(1_048_576)
            yield lineno, None
            continue
        yield lineno, line


def record_id(raw: object) -> tuple[str, str]:
    """(id, "") for a JSONL record's `id` - a string or a whole number; ("", "") when there is
    none (the line's position names it); ("", why) when it cannot be an id."""
    if raw is None:
        return "", ""
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        kind = {bool: "true/false", float: "a fraction", dict: "an object", list: "a list"}
        return "", f"id must be a string or a whole number, not {kind.get(type(raw), 'that')}"
    doc_id = str(raw).strip()
    if not doc_id:
        return "", "id is blank"
    if len(doc_id) > 200 or any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in doc_id):
        return "", "id is too long or has control characters"
    return doc_id, ""


class _IndexFeed:
    """Writes stored documents into the index while NER is still running, so the two overlap.

    A long run commits a segment every COMMIT_EVERY documents (without merging), so most of
    Whoosh's flushing also happens while NER runs rather than after it; the last commit merges
    small segments as usual. On failure the open writer is cancelled (the store keeps those
    documents unindexed for the next run).
    """

    COMMIT_EVERY = 4000

    def __init__(
        self,
        settings: Settings,
        tally: _Tally,
        backend: Backend | None = None,
        names: NameTable | None = None,
    ) -> None:
        self.settings, self.tally = settings, tally
        self.ids: list[str] = []  # committed to the index (or to the server backend)
        self._writer: Any = None
        self._open_ids: list[str] = []  # ids written since the last commit, in order
        self._fresh: bool | None = None  # whether the index was empty when this run began
        # a server backend (Typesense) takes each batch as it comes; None: the Whoosh writer
        self._backend = backend
        self._names = names or NameTable()

    def __enter__(self) -> _IndexFeed:
        return self

    def write(
        self, documents: list[Document], added: frozenset[str] = frozenset()
    ) -> dict[str, str]:
        """Index a stored batch; `added` are the ids the store had never held. Returns the
        documents that could not be indexed, with why (the caller takes them out of the
        store); the rest of the batch goes on.

        On an index that was empty when the run began, a document new to the store cannot be
        in it yet, so it is added without Whoosh's per-document delete lookup (one probe of
        every segment committed so far: at 216k stories that grows to dozens per document).
        """
        failed: dict[str, str] = {}
        with self.tally.timed("index"):
            if self._backend is not None:
                self._backend.write([mark_weak_names(d) for d in documents], self._names)
                self.ids.extend(d.doc_id for d in documents)
                return failed
            for document in documents:
                if document.doc_id in self._open_ids:
                    # Whoosh's delete lookup sees only committed segments: an id that comes
                    # again in one run replaces its earlier copy only once that is committed
                    self._commit()
                try:
                    fields = mark_weak_names(document).to_fields()
                except Exception as exc:  # noqa: BLE001 - this document fails, not the run
                    failed[document.doc_id] = f"cannot be indexed: {described_error(exc)}"
                    continue
                if self._writer is None:
                    ix = ensure_index(self.settings.index_dir)
                    if self._fresh is None:
                        self._fresh = ix.doc_count_all() == 0
                    self._writer = open_writer(ix)
                try:
                    if self._fresh and document.doc_id in added:
                        self._writer.add_document(**fields)
                    else:
                        self._writer.update_document(**fields)
                except Exception as exc:
                    if is_disk_full(exc, self.settings.index_dir):
                        raise
                    # the writer may hold part of this document: drop what it holds since its
                    # last commit; those documents stay unindexed in the store, and the end
                    # of the run (_update_index) writes them again
                    logger.warning("indexing %s failed", document.source, exc_info=True)
                    self._writer.cancel()
                    self._writer = None
                    self._open_ids.clear()
                    failed[document.doc_id] = f"cannot be indexed: {described_error(exc)}"
                    continue
                self._open_ids.append(document.doc_id)
                fault_point("ingest.index_write")
            if len(self._open_ids) >= self.COMMIT_EVERY:
                self._commit()
        return failed

    def delete(self, doc_ids: list[str]) -> None:
        """Take documents out of the index (an earlier version of a document that could not
        be indexed now)."""
        if self._backend is not None or not doc_ids:
            return
        with self.tally.timed("index"):
            if self._writer is None:
                self._writer = open_writer(ensure_index(self.settings.index_dir))
            for doc_id in doc_ids:
                self._writer.delete_by_term("doc_id", doc_id)

    def _commit(self) -> None:
        self._writer.commit(merge=False)
        self._writer = None
        self.ids.extend(self._open_ids)
        self._open_ids.clear()

    def __exit__(self, kind: object, error: BaseException | None, trace: object) -> None:
        if self._writer is None:
            return
        with self.tally.timed("index"):
            if error is None:
                fault_point("ingest.before_commit")
                self._writer.commit()
                self.ids.extend(self._open_ids)
                self._open_ids.clear()
            else:
                self._writer.cancel()


def _take(items: Iterator[_Item], count: int, max_bytes: int) -> list[_Item]:
    """The next `count` items, fewer once they hold `max_bytes` of source bytes (an archive
    of large PDFs must not sit in memory whole while its batch is looked up)."""
    batch: list[_Item] = []
    held = 0
    for item in itertools.islice(items, count):
        batch.append(item)
        held += len(item.raw.content) if item.raw is not None else 0
        if held >= max_bytes:
            break
    return batch


def _record_date(value: object) -> tuple[dt.date | None, str]:
    """An export's `date` field and its precision: a full date, or "2024-03" / "2024"."""
    if not isinstance(value, str):
        return None, "day"
    if (day := parse_date_value(value)) is not None:
        return day, "day"
    found = parse_iso_at(value.strip())
    return found if found else (None, "day")


class Pipeline:
    """Runs sources through every stage; one bad source is reported, never fatal."""

    def __init__(
        self,
        settings: Settings,
        store: DocumentStore,
        *,
        files: FileFetcher | None = None,
        http: HttpFetcher | None = None,
        enricher: Enricher | None = None,
        allow_private: bool = False,
        allow_hosts: tuple[str, ...] = (),
        follow_symlinks: bool = False,
    ) -> None:
        self.settings = settings
        self.follow_symlinks = follow_symlinks  # links to files outside a folder too
        self.allow_private = allow_private  # URLs on loopback and private addresses too
        self.allow_hosts = allow_hosts  # "host" or "host:port" trusted on any address
        self.store = store
        self.enricher = enricher
        self.files = files or FileFetcher(settings.max_file_bytes)
        self.limits = Limits.from_settings(settings)
        self.ocr = Ocr(timeout_s=self.limits.ocr_timeout_s)
        self._http = http
        self._backend: Backend | None = None

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        store: DocumentStore,
        *,
        entities: bool = True,
        allow_private: bool = False,
        allow_hosts: tuple[str, ...] = (),
        follow_symlinks: bool = False,
    ) -> Pipeline:
        """The production pipeline: NER with spaCy unless `entities` is False."""
        enricher = Enricher(processes=settings.ner_processes, cache=store) if entities else None
        return cls(
            settings,
            store,
            enricher=enricher,
            allow_private=allow_private,
            allow_hosts=allow_hosts,
            follow_symlinks=follow_symlinks,
        )

    @property
    def http(self) -> HttpFetcher:
        if self._http is None:
            self._http = HttpFetcher(
                user_agent=self.settings.user_agent,
                timeout_s=self.settings.fetch_timeout_s,
                max_bytes=self.settings.max_file_bytes,
                max_redirects=self.settings.max_redirects,
                allow_private=self.allow_private,
                allow_hosts=self.allow_hosts,
            )
        return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()

    # -- expansion: targets -> items --------------------------------------------------

    def _items(self, sources: Iterable[Source], tally: _Tally) -> Iterator[_Item]:
        for source in sources:
            if source.problem:
                tally.skipped.append(Problem(source.uri, source.problem))
                continue
            try:
                if source.kind == "jsonl":
                    yield from self._jsonl_items(source, tally)
                    continue
                if source.kind == "url":
                    raw = self.http.fetch(source.uri)
                    doc_id = make_doc_id(raw.final_url or source.uri)
                elif suffix_of(source.uri) in FORMAT_SUFFIXES:
                    yield from self._part_items(source, tally)
                    continue
                else:
                    raw = self.files.fetch(source.uri)
                    doc_id = make_doc_id("file:" + source.uri)
                if is_binary(raw.content):
                    raise SkipDocument("binary content, not text", source.uri)
                yield _Item(doc_id, source.uri, raw=raw, content_hash=content_hash(raw.content))
            except SkipDocument as exc:
                tally.skipped.append(Problem(source.uri, exc.reason))
            except IngestError as exc:
                tally.errors.append(Problem(source.uri, exc.reason))
            except Exception as exc:  # noqa: BLE001 - one bad source must not stop the run
                logger.warning("failed to read %s", source.uri, exc_info=True)
                tally.errors.append(Problem(source.uri, f"cannot read: {described_error(exc)}"))

    def _part_items(self, source: Source, tally: _Tally) -> Iterator[_Item]:
        """The documents in a PDF, office file, image, message, mailbox or archive; each one
        that cannot be read is reported with its reason and the rest go on."""
        kind = kind_of(source.uri)
        data = None if kind in STREAMED else self.files.fetch(source.uri).content
        for part in Expander(self.limits).file(source.uri, kind, data):
            if part.problem:
                tally.skipped.append(Problem(part.source, part.problem))
                continue
            if part.kind == TEXT and is_binary(part.content):
                tally.skipped.append(Problem(part.source, "binary content, not text"))
                continue
            # a scan read without OCR is read again once OCR is there (or a new engine is)
            engine = self.ocr.version.encode() if needs_ocr(part.kind) else b""
            raw = RawDocument(part.source, "", part.content, "", dt.datetime.now(dt.UTC))
            yield _Item(
                part.doc_id,
                part.source,
                raw=raw,
                content_hash=content_hash(part.content + engine),
                part=part,
            )

    def _jsonl_items(self, source: Source, tally: _Tally) -> Iterator[_Item]:
        try:
            fh = open(source.uri, "rb")  # noqa: SIM115 - closed below, generator-friendly
        except OSError as exc:
            tally.errors.append(Problem(source.uri, f"cannot read: {exc.strerror}"))
            return
        with fh:
            for lineno, line in bounded_lines(fh, MAX_LINE_BYTES):
                where = f"{source.uri}:{lineno}"
                if line is None:
                    tally.skipped.append(
                        Problem(where, f"line too large (over {MAX_LINE_BYTES // 1_048_576} MB)")
                    )
                    continue
                if not line.strip():
                    continue
                try:
                    record = json.loads(decode_bytes(line).text)
                except ValueError as exc:
                    tally.errors.append(Problem(where, f"invalid JSON: {exc}"))
                    continue
                except RecursionError:
                    tally.errors.append(Problem(where, "invalid JSON: nested too deeply"))
                    continue
                if not isinstance(record, dict):
                    tally.errors.append(Problem(where, "line is not a JSON object"))
                    continue
                record = valid_values(record)
                doc_id, problem = record_id(record.get("id"))
                if problem:
                    tally.errors.append(Problem(where, problem))
                    continue
                yield _Item(
                    doc_id or make_doc_id(f"file:{source.uri}#{lineno}"),
                    where,
                    record=record,
                    content_hash=content_hash(line),
                )

    # -- stages: item -> Document -----------------------------------------------------

    def _document(self, item: _Item, tally: _Tally) -> Document:
        if item.record is not None:
            return self._record_document(item, tally)
        if item.part is not None and item.part.kind != TEXT:
            return self._part_document(item, item.part, tally)
        document = self._text_document(item, tally)
        if item.part is not None and item.part.parent:  # a text file attached to a message
            document = replace(document, parent_id=part_id(item.part.parent))
        return document

    def _part_document(self, item: _Item, part: Part, tally: _Tally) -> Document:
        """A document from a format reader (indexer/formats), through the same stages after."""
        with tally.timed("formats"):
            reading = read_part(part, self.limits, self.ocr)
        assert reading is not None
        document = self._make(
            item,
            reading.clean,
            DecodedText(text="", encoding="", method=""),
            tally,
            url="",
            content_type=reading.content_type,
        )
        return replace(
            document,
            extract_method=reading.method,
            pages=reading.pages,
            page_starts=reading.page_starts,
            parent_id=part_id(part.parent) if part.parent else "",
            attachments=part.attachments,
            correspondents=reading.correspondents,
            people=header_people(reading.correspondents),
            notes=reading.notes,
        )

    def _text_document(self, item: _Item, tally: _Tally) -> Document:
        assert item.raw is not None
        raw = item.raw
        is_html = (
            Path(item.source).suffix.lower() in HTML_SUFFIXES
            or "html" in raw.content_type.lower()
            or (not Path(item.source).suffix and looks_like_html(raw.content[:1024]))
        )
        with tally.timed("decode"):
            decoded = decode_bytes(
                raw.content,
                http_charset=charset_from_content_type(raw.content_type),
                html=is_html or None,
            )
            if _garbled(decoded.text):
                raise SkipDocument("undecodable or binary content", item.source)
        with tally.timed("clean"):
            if is_html or looks_like_html(decoded.text[:1024]):
                clean = clean_html(decoded.text, url=raw.final_url)
                kind = "text/html"
            else:
                clean = clean_plain(decoded.text, source_name=Path(item.source).name)
                kind = "text/plain"
        return self._make(item, clean, decoded, tally, url=raw.final_url, content_type=kind)

    def _record_document(self, item: _Item, tally: _Tally) -> Document:
        with tally.timed("clean"):
            clean, decoded, url, published, precision = self._record_text(item)
        return self._make(
            item,
            clean,
            decoded,
            tally,
            url=url,
            content_type="application/jsonl",
            published=published,
            published_source="field:date",
            published_precision=precision,
        )

    def _record_text(self, item: _Item) -> tuple[CleanText, DecodedText, str, dt.date | None, str]:
        """An export line's text and fields as cleaned text, like a page's."""
        record = item.record or {}
        text = record.get("text") if record.get("text") is not None else record.get("body")
        title: str = record["title"] if isinstance(record.get("title"), str) else ""
        if not isinstance(text, str) or not text.strip():
            if not title.strip():
                raise SkipDocument("no text, body or title field", item.source)
            text = ""  # a headline-only item (wire flashes, briefs) is still a document
        url: str = record["url"] if isinstance(record.get("url"), str) else ""
        published, precision = _record_date(record.get("date"))
        if looks_like_html(text[:1024]):
            clean = clean_html(text, url=url)
        elif title.strip():
            # the export's title is authoritative, so the whole text is body
            clean = CleanText(title="", body=normalise_text(unwrap_lines(text)))
        else:
            clean = clean_plain(text)
        if title.strip():
            clean = replace(clean, title=" ".join(title.split()))
        if isinstance(record.get("author"), str):
            clean = replace(clean, author=record["author"].strip())
        declared = record.get("language") or record.get("lang")
        if isinstance(declared, str) and declared.strip():
            clean = replace(clean, language=declared.strip())
        decoded = DecodedText(text=text, encoding="utf-8", method="json")
        return clean, decoded, url, published, precision

    def _make(
        self,
        item: _Item,
        clean: CleanText,
        decoded: DecodedText,
        tally: _Tally,
        *,
        url: str,
        content_type: str,
        published: dt.date | None = None,
        published_source: str = "",
        published_precision: str = "day",
    ) -> Document:
        check_text_length(clean, self.settings.max_text_chars, item.source)
        if published is None and clean.published is not None:
            published, published_source = clean.published, clean.published_source or "metadata"
            published_precision = clean.published_precision
        if published is None or not plausible_published(published):
            # a record's `date` of 0001-01-01 or 2099 is a placeholder: the URL or text decides
            published, published_source = choose_published(metadata=None, url=url, text=clean.body)
            published_precision = "day"
        title = clean.title.strip()[:MAX_TITLE_CHARS] or Path(item.source).stem or item.doc_id
        with tally.timed("language"):
            language = detect_language(title, clean.body, declared=clean.language)
        return Document(
            doc_id=item.doc_id,
            title=title,
            body=clean.body,
            source=item.source,
            url=url,
            author=clean.author,
            published=published,
            published_source=published_source if published else "",
            published_precision=published_precision,
            encoding=decoded.encoding,
            decode_method=decoded.method,
            extract_method=clean.extractor,
            content_type=content_type,
            content_hash=item.content_hash,
            ingested_at=dt.datetime.now(dt.UTC),
            language=language.code,
            language_source=language.source,
        )

    # -- the run --------------------------------------------------------------------

    def run(
        self, targets: Iterable[str], progress: Callable[[str], None] | None = None
    ) -> IngestReport:
        """Ingest every target, then bring aliases and the index up to date from the store."""
        started = time.perf_counter()
        tally = _Tally()
        sources = (
            s
            for target in targets
            for s in iter_sources(target, follow_symlinks=self.follow_symlinks)
        )
        return self._run(self._items(sources, tally), tally, started, progress)

    def run_raw(
        self,
        raws: Iterable[RawDocument],
        *,
        batch_size: int = 25,
        done: Callable[[list[str]], None] | None = None,
        failed: Callable[[list[tuple[str, str]]], None] | None = None,
    ) -> IngestReport:
        """Ingest already-fetched documents (the crawler's pages) through the same stages.

        The id is made from `raw.final_url`. `done` is called with the `raw.uri`s whose outcome
        is durable (stored, unchanged, skipped, failed), so a caller that keeps fetched bytes
        until then (the crawl frontier) can let them go; small batches keep that window short.
        `failed` is called first with (`raw.uri`, reason) for each one that failed.
        """
        started = time.perf_counter()
        tally = _Tally()
        return self._run(
            self._raw_items(raws, tally),
            tally,
            started,
            None,
            batch_size=batch_size,
            done=done,
            failed=failed,
        )

    def _raw_items(self, raws: Iterable[RawDocument], tally: _Tally) -> Iterator[_Item]:
        for raw in raws:
            if is_binary(raw.content):
                tally.skipped.append(Problem(raw.uri, "binary content, not text"))
                tally.finished.append(raw.uri)
                continue
            doc_id = make_doc_id(raw.final_url or raw.uri)
            yield _Item(doc_id, raw.uri, raw=raw, content_hash=content_hash(raw.content))

    def _run(
        self,
        items: Iterator[_Item],
        tally: _Tally,
        started: float,
        progress: Callable[[str], None] | None,
        *,
        batch_size: int = BATCH_SIZE,
        done: Callable[[list[str]], None] | None = None,
        failed: Callable[[list[tuple[str, str]]], None] | None = None,
    ) -> IngestReport:
        documents = self._documents(items, tally, progress, batch_size)
        reported = 0  # errors handed to `failed` so far
        stream: Iterable[Enriched] = (
            self.enricher.enrich(documents)
            if self.enricher is not None
            else (Enriched(d, ()) for d in documents)
        )
        stream = iter(stream)
        batch: list[Enriched] = []
        signed: list[str] = []
        backend = self.server_backend()
        # a server backend's records hold names resolved with the table beside the index
        names_before = read_name_table(self.settings.index_dir) if backend is not None else None
        with _IndexFeed(self.settings, tally, backend, names_before) as feed:
            while True:
                upstream_before = sum(tally.stages.values())
                waited = time.perf_counter()
                enriched = next(stream, None)
                # time spent in NER = waiting on the stream minus the upstream stages it ran
                nested = sum(tally.stages.values()) - upstream_before
                tally.stages["entities"] = (
                    tally.stages.get("entities", 0.0) + time.perf_counter() - waited - nested
                )
                if enriched is not None and enriched.problem:
                    tally.errors.append(Problem(enriched.document.source, enriched.problem))
                    tally.finished.append(enriched.document.source)
                elif enriched is not None:
                    batch.append(enriched)
                if batch and (enriched is None or len(batch) >= batch_size):
                    stored, added = self._store(batch, tally)
                    fault_point("ingest.stored")
                    unindexable = feed.write(stored, added)
                    if unindexable:
                        stored = self._unstore(stored, unindexable, added, tally, feed)
                    with tally.timed("stories"):  # signatures now, while NER still runs
                        signed.extend(refresh_signatures(self.store, [d.doc_id for d in stored]))
                    tally.finished.extend(e.document.source for e in batch)
                    batch = []
                if failed is not None and len(tally.errors) > reported:
                    failed([(p.source, p.reason) for p in tally.errors[reported:]])
                    reported = len(tally.errors)
                if done is not None and tally.finished:
                    done(tally.finished)
                    tally.finished = []
                if enriched is None:
                    break
        fault_point("ingest.after_commit")
        self.store.mark_indexed(feed.ids)
        with tally.timed("aliases"):
            names = refresh_aliases(self.store)
        with tally.timed("index"):
            indexed = len(set(feed.ids) | set(self._update_index(names)))
        with tally.timed("stories"):
            stories = update_stories(self.store, names, signed=signed)
            fault_point("ingest.stories")
            write_stories(self.settings.index_dir, stories)
            if backend is not None:
                backend.apply_stories(stories)
        return IngestReport(
            added=tally.added,
            updated=tally.updated,
            unchanged=tally.unchanged,
            skipped=tuple(tally.skipped),
            errors=tuple(tally.errors),
            indexed=indexed,
            seconds=time.perf_counter() - started,
            stage_seconds=tuple(tally.stages.items()),
            ner_lines=tuple(self.enricher.stats.to_dict().items()) if self.enricher else (),
        )

    def _documents(
        self,
        items: Iterator[_Item],
        tally: _Tally,
        progress: Callable[[str], None] | None,
        batch_size: int = BATCH_SIZE,
    ) -> Iterator[Document]:
        """Cleaned documents for every item whose bytes changed, looked up in batches."""
        while True:
            with tally.timed("read"):
                batch = _take(items, batch_size, BATCH_BYTES)
            if not batch:
                return
            known = self.store.hashes([item.doc_id for item in batch])
            for item in batch:
                if progress:
                    progress(item.source)
                if known.get(item.doc_id) == item.content_hash:
                    tally.unchanged += 1
                    tally.finished.append(item.source)
                    continue
                try:
                    yield self._document(item, tally)
                except SkipDocument as exc:
                    tally.skipped.append(Problem(item.source, exc.reason))
                    tally.finished.append(item.source)
                except IngestError as exc:
                    tally.errors.append(Problem(item.source, exc.reason))
                    tally.finished.append(item.source)
                except Exception as exc:  # noqa: BLE001 - one bad document must not stop the run
                    logger.warning("failed on %s", item.source, exc_info=True)
                    tally.errors.append(Problem(item.source, described_error(exc)))
                    tally.finished.append(item.source)

    def _store(self, batch: list[Enriched], tally: _Tally) -> tuple[list[Document], frozenset[str]]:
        """Write a batch to the store; returns the documents written and the ids among them
        the store had never held. A batch the store refuses is written again one document
        at a time, so only a document that really fails is lost (and reported); a full disk
        stops the run."""
        latest = {e.document.doc_id: e for e in batch}  # one export may repeat an id
        with tally.timed("store"):
            try:
                outcomes = self._put(list(latest.values()))
            except Exception as exc:
                if is_disk_full(exc, self.settings.db_path):
                    raise
                logger.warning("storing a batch failed; storing it one by one", exc_info=True)
                outcomes = {}
                for enriched in latest.values():
                    try:
                        outcomes.update(self._put([enriched]))
                    except Exception as one:
                        if is_disk_full(one, self.settings.db_path):
                            raise
                        reason = f"cannot be stored: {described_error(one)}"
                        tally.errors.append(Problem(enriched.document.source, reason))
        for outcome in outcomes.values():
            if outcome == "added":
                tally.added += 1
            else:
                tally.updated += 1
        added = frozenset(doc_id for doc_id, outcome in outcomes.items() if outcome == "added")
        return [e.document for doc_id, e in latest.items() if doc_id in outcomes], added

    def _put(self, batch: list[Enriched]) -> dict[str, str]:
        return self.store.put_many(
            (e.document for e in batch),
            acronyms={e.document.doc_id: list(e.acronyms) for e in batch},
        )

    def _unstore(
        self,
        stored: list[Document],
        failed: dict[str, str],
        added: frozenset[str],
        tally: _Tally,
        feed: _IndexFeed,
    ) -> list[Document]:
        """Take documents the index refused back out of the store (and the index), so the two
        keep agreeing; each is reported with its reason."""
        self.store.delete_many(list(failed))
        feed.delete(list(failed))
        kept = []
        for document in stored:
            reason = failed.get(document.doc_id)
            if reason is None:
                kept.append(document)
                continue
            tally.errors.append(Problem(document.source, reason))
            if document.doc_id in added:
                tally.added -= 1
            else:
                tally.updated -= 1
        return kept

    def server_backend(self) -> Backend | None:
        """The configured server backend (Typesense), or None for the embedded Whoosh index,
        which this module writes directly (incremental commits overlapping NER)."""
        if self.settings.backend == "whoosh":
            return None
        if self._backend is None:
            self._backend = open_backend(self.settings)
        return self._backend

    def _update_index(self, names: NameTable) -> list[str]:
        backend = self.server_backend()
        if backend is not None:
            self.settings.index_dir.mkdir(parents=True, exist_ok=True)
            pending = [mark_weak_names(d) for d in self.store.iter_documents(unindexed_only=True)]
            if pending:
                backend.write(pending, names)
            # names merged by this run may change how earlier documents' names show: redo
            # the records the change touches, then record the table they now reflect
            backend.apply_names(names, read_name_table(self.settings.index_dir))
            write_names(self.settings.index_dir, names)
            names_written = [d.doc_id for d in pending]
            self.store.mark_indexed(names_written)
            return names_written
        ix = ensure_index(self.settings.index_dir)
        written: list[str] = []
        if self.store.unindexed_count():
            refused: list[str] = []
            with index_writer(ix) as writer:
                for doc in self.store.iter_documents(unindexed_only=True):
                    try:
                        fields = mark_weak_names(doc).to_fields()
                    except Exception:  # noqa: BLE001 - this document fails, not the run
                        logger.warning("cannot index %s; removed from the store", doc.source)
                        refused.append(doc.doc_id)
                        continue
                    writer.update_document(**fields)
                    written.append(doc.doc_id)
            self.store.delete_many(refused)
        write_names(self.settings.index_dir, names)
        self.store.mark_indexed(written)
        return written

    def reindex(self) -> int:
        """Rebuild the whole index from the store (no NER rerun) and swap it in atomically.

        Documents stored before languages were detected get theirs first (backfill_languages).
        """
        backfill_languages(self.store)
        names = refresh_aliases(self.store)
        backend = self.server_backend()
        if backend is not None:
            stories = update_stories(self.store, names, full=True)
            count = backend.rebuild(
                (mark_weak_names(doc) for doc in self.store.iter_documents()), names, stories
            )
            self.settings.index_dir.mkdir(parents=True, exist_ok=True)
            write_names(self.settings.index_dir, names)
            write_stories(self.settings.index_dir, stories)
            self.store.mark_indexed()
            return count
        count = rebuild_index(
            self.settings.index_dir,
            (mark_weak_names(doc) for doc in self.store.iter_documents()),
            names=names,
            stories=update_stories(self.store, names, full=True),
        )
        fault_point("reindex.after_swap")
        self.store.mark_indexed()
        return count

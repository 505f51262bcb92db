"""Sources -> items: each document-to-be with its id and the bytes that define it.

A folder's files, a URL, a JSONL export's lines, the parts of a PDF, office file, message,
mailbox or archive, and the crawler's fetched pages all become items here; whether an item's
bytes changed since the last run is decided on its content hash before any work is done.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from indexer.fetch import FileFetcher, RawDocument
from indexer.formats.expand import STREAMED, Expander
from indexer.formats.kinds import FORMAT_SUFFIXES, TEXT, kind_of, suffix_of
from indexer.formats.limits import Limits
from indexer.formats.ocr import Ocr
from indexer.formats.parts import Part
from indexer.formats.reader import needs_ocr
from indexer.ingest_report import Problem, Tally, described_error
from indexer.page.decode import decode_bytes
from indexer.sources import Source
from search.documents import make_doc_id
from search.errors import IngestError, SkipDocument
from search.safetext import valid_values

logger = logging.getLogger(__name__)

# bump when a stage changes what it produces, so unchanged sources are processed again
PIPELINE_VERSION = "2"
MAX_LINE_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Item:
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


def take(items: Iterator[Item], count: int, max_bytes: int) -> list[Item]:
    """The next `count` items, fewer once they hold `max_bytes` of source bytes (an archive
    of large PDFs must not sit in memory whole while its batch is looked up)."""
    batch: list[Item] = []
    held = 0
    for item in itertools.islice(items, count):
        batch.append(item)
        held += len(item.raw.content) if item.raw is not None else 0
        if held >= max_bytes:
            break
    return batch


@dataclass
class ItemReader:
    """Reads sources into items with the fetchers, limits and OCR engine of one run."""

    files: FileFetcher
    fetch_url: Callable[[str], RawDocument]
    limits: Limits
    ocr: Ocr

    def items(self, sources: Iterable[Source], tally: Tally) -> Iterator[Item]:
        for source in sources:
            if source.problem:
                tally.skipped.append(Problem(source.uri, source.problem))
                continue
            try:
                if source.kind == "jsonl":
                    yield from self.jsonl_items(source, tally)
                    continue
                if source.kind == "url":
                    raw = self.fetch_url(source.uri)
                    doc_id = make_doc_id(raw.final_url or source.uri)
                elif suffix_of(source.uri) in FORMAT_SUFFIXES:
                    yield from self.part_items(source, tally)
                    continue
                else:
                    raw = self.files.fetch(source.uri)
                    doc_id = make_doc_id("file:" + source.uri)
                if is_binary(raw.content):
                    raise SkipDocument("binary content, not text", source.uri)
                yield Item(doc_id, source.uri, raw=raw, content_hash=content_hash(raw.content))
            except SkipDocument as exc:
                tally.skipped.append(Problem(source.uri, exc.reason))
            except IngestError as exc:
                tally.errors.append(Problem(source.uri, exc.reason))
            except Exception as exc:  # noqa: BLE001 - one bad source must not stop the run
                logger.warning("failed to read %s", source.uri, exc_info=True)
                tally.errors.append(Problem(source.uri, f"cannot read: {described_error(exc)}"))

    def part_items(self, source: Source, tally: Tally) -> Iterator[Item]:
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
            yield Item(
                part.doc_id,
                part.source,
                raw=raw,
                content_hash=content_hash(part.content + engine),
                part=part,
            )

    def jsonl_items(self, source: Source, tally: Tally) -> Iterator[Item]:
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
                yield Item(
                    doc_id or make_doc_id(f"file:{source.uri}#{lineno}"),
                    where,
                    record=record,
                    content_hash=content_hash(line),
                )


def raw_items(raws: Iterable[RawDocument], tally: Tally) -> Iterator[Item]:
    for raw in raws:
        if is_binary(raw.content):
            tally.skipped.append(Problem(raw.uri, "binary content, not text"))
            tally.finished.append(raw.uri)
            continue
        doc_id = make_doc_id(raw.final_url or raw.uri)
        yield Item(doc_id, raw.uri, raw=raw, content_hash=content_hash(raw.content))

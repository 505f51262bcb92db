"""Items -> Documents: decode, clean, date and detect the language of each item's text.

A page or text file is decoded and cleaned; a format reader's part (PDF, office file, scan,
message) arrives already read; a JSONL record's fields are taken as the export states them.
All three end in one place (`make`) that picks the title, the publication date and the
language, so every kind of source is judged the same way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path

from indexer.formats.kinds import TEXT
from indexer.formats.limits import Limits
from indexer.formats.mail import header_people
from indexer.formats.ocr import Ocr
from indexer.formats.parts import Part, part_id
from indexer.formats.reader import read_part
from indexer.ingest_items import Item
from indexer.ingest_report import Tally
from indexer.language.dates import choose_published, parse_date_value, plausible_published
from indexer.language.detect import detect_language
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
from indexer.sources import HTML_SUFFIXES
from search.documents import Document, parse_iso_at
from search.errors import SkipDocument

MAX_TITLE_CHARS = 300


def _garbled(text: str) -> bool:
    sample = text[:20000]
    bad = sample.count("\ufffd") + sum(1 for c in sample if ord(c) < 32 and c not in "\n\t\r\f")
    return bad > max(20, len(sample) * 0.05)


def _record_date(value: object) -> tuple[dt.date | None, str]:
    """An export's `date` field and its precision: a full date, or "2024-03" / "2024"."""
    if not isinstance(value, str):
        return None, "day"
    if (day := parse_date_value(value)) is not None:
        return day, "day"
    found = parse_iso_at(value.strip())
    return found if found else (None, "day")


@dataclass
class DocumentMaker:
    """Makes Documents from items within one run's limits, OCR engine and text cap."""

    limits: Limits
    ocr: Ocr
    max_text_chars: int

    def document(self, item: Item, tally: Tally) -> Document:
        if item.record is not None:
            return self.record_document(item, tally)
        if item.part is not None and item.part.kind != TEXT:
            return self.part_document(item, item.part, tally)
        document = self.text_document(item, tally)
        if item.part is not None and item.part.parent:  # a text file attached to a message
            document = replace(document, parent_id=part_id(item.part.parent))
        return document

    def part_document(self, item: Item, part: Part, tally: Tally) -> Document:
        """A document from a format reader (indexer/formats), through the same stages after."""
        with tally.timed("formats"):
            reading = read_part(part, self.limits, self.ocr)
        assert reading is not None
        document = self.make(
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

    def text_document(self, item: Item, tally: Tally) -> Document:
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
        return self.make(item, clean, decoded, tally, url=raw.final_url, content_type=kind)

    def record_document(self, item: Item, tally: Tally) -> Document:
        with tally.timed("clean"):
            clean, decoded, url, published, precision = self.record_text(item)
        return self.make(
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

    def record_text(self, item: Item) -> tuple[CleanText, DecodedText, str, dt.date | None, str]:
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

    def make(
        self,
        item: Item,
        clean: CleanText,
        decoded: DecodedText,
        tally: Tally,
        *,
        url: str,
        content_type: str,
        published: dt.date | None = None,
        published_source: str = "",
        published_precision: str = "day",
    ) -> Document:
        check_text_length(clean, self.max_text_chars, item.source)
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

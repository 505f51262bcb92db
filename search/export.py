"""Every document a search matches, as JSON Lines or CSV, streamed one row at a time.

The web (`GET /api/export`) and the CLI (`docsift export`) both write these lines; an engine
hands over documents one by one (search.backend.Backend.export), so an export of the whole
corpus holds one document in memory at a time, never the list of them.

CSV is made for spreadsheets: one row per document, a header row, names joined with "; ",
an optional UTF-8 byte order mark (Excel reads UTF-8 only with it), a cell starting with
= + - @ (or a tab or carriage return) prefixed with an apostrophe so it is never taken for
a formula (CSV injection), and the text cut at the 32,767 characters a spreadsheet cell holds.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from search.documents import Document, content_type_label, source_origin
from search.errors import QueryError
from search.parameters import EXPORT_FORMATS, parameter

FORMATS = EXPORT_FORMATS
MEDIA_TYPES = {"jsonl": "application/x-ndjson", "csv": "text/csv; charset=utf-8"}
COLUMNS = (
    "id",
    "title",
    "date",
    "url",
    "source",
    "filetype",
    "origin",
    "author",
    "language",
    "people",
    "orgs",
    "places",
    "text",
)
LIST_COLUMNS = ("people", "orgs", "places")
JOIN = "; "
CELL_CHARS = 32_000  # a spreadsheet cell holds 32,767 characters; the rest is cut, and said
CUT_MARK = " […]"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


@dataclass
class Export:
    """The documents a search matches: how many (known before the first row), and the
    documents one by one. `close` lets go of what the engine holds (a searcher) even when
    the rows are never read to the end (a client that hangs up)."""

    total: int
    documents: Iterator[Document]
    on_close: Callable[[], None] = field(default=lambda: None)
    closed: bool = False

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.on_close()


def parse_format(value: str | None) -> str:
    """The export format parameter (jsonl when absent).

    Raises:
        QueryError: not one of FORMATS.
    """
    chosen = (value or "").strip().lower() or "jsonl"
    if chosen not in FORMATS:
        raise QueryError(
            f"format must be one of {', '.join(FORMATS)}, got {chosen[:20]!r}", "format", chosen
        )
    return chosen


def parse_flag(value: str | None, name: str) -> bool:
    """A 1/0 parameter such as `bom`.

    Raises:
        QueryError: anything else.
    """
    raw = (value or "").strip().lower()
    if raw not in ("", *parameter("export", name).choices):
        raise QueryError(f"{name} must be 1 or 0, got {raw[:20]!r}", name, raw[:20])
    return raw in ("1", "true", "yes")


def record(document: Document) -> dict[str, Any]:
    """One exported row: what a reader of the export needs, names as the facets show them."""
    return {
        "id": document.doc_id,
        "title": document.title,
        "date": document.published_iso,
        "url": document.url,
        "source": document.source,
        "filetype": content_type_label(document.content_type) if document.content_type else "",
        "origin": source_origin(document.source, document.url),
        "author": document.author,
        "language": document.language,
        "people": list(document.people),
        "orgs": list(document.orgs),
        "places": list(document.places),
        "text": document.body,
    }


def jsonl_lines(documents: Iterator[Document]) -> Iterator[str]:
    for document in documents:
        yield json.dumps(record(document), ensure_ascii=False) + "\n"


def formula_safe(cell: str) -> str:
    """A cell a spreadsheet shows as text, never runs: "=SUM(A1)" becomes "'=SUM(A1)"."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def csv_row(document: Document) -> list[str]:
    row = record(document)
    cells = []
    for column in COLUMNS:
        value = row[column]
        if column in LIST_COLUMNS:
            value = JOIN.join(value)
        value = "" if value is None else str(value)
        if column == "text" and len(value) > CELL_CHARS:
            value = value[:CELL_CHARS] + CUT_MARK
        cells.append(formula_safe(value))
    return cells


def csv_lines(documents: Iterator[Document], *, bom: bool = False) -> Iterator[str]:
    """The header, then one line per document (RFC 4180 quoting, CRLF line ends)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def take() -> str:
        line = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return line

    writer.writerow(COLUMNS)
    yield (BOM if bom else "") + take()
    for document in documents:
        writer.writerow(csv_row(document))
        yield take()


def lines(export: Export, export_format: str, *, bom: bool = False) -> Iterator[str]:
    """The export's text in `export_format`, closing the export when done or abandoned."""
    try:
        if export_format == "csv":
            yield from csv_lines(export.documents, bom=bom)
        else:
            yield from jsonl_lines(export.documents)
    finally:
        export.close()

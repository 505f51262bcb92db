"""What the format readers hand the pipeline: Parts found in a file, Readings of their text.

A Part is one document-to-be found inside a file (the file itself, a message in a mailbox, an
attachment, an archive member), with the bytes that define it; a Reading is the text and
metadata a reader got out of a Part's bytes. Both are plain values: the pipeline turns them
into Documents through the same stages as a web page.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from indexer.page.clean import CleanText, normalise_text, unwrap_lines
from search.documents import Attachment, Correspondent, make_doc_id


@dataclass(frozen=True, slots=True)
class Part:
    """One document found in a file, or (with `problem`) one that could not be read."""

    source: str  # where it is: "/in/a.zip!/b/c.pdf", "/in/box.mbox#3", "/in/m.eml!/1/x.pdf"
    kind: str  # see indexer.formats.kinds
    content: bytes = b""
    parent: str = ""  # the source of the message this is attached to
    attachments: tuple[Attachment, ...] = ()  # a message's attached files
    problem: str = ""  # why it is skipped ("" when it is read)

    @property
    def doc_id(self) -> str:
        return part_id(self.source)

    @property
    def name(self) -> str:
        """The file name, for a title when the file gives none."""
        tail = re.split(r"[!#]/?", self.source)[-1]
        return PurePosixPath(tail).name or tail


def part_id(source: str) -> str:
    """The document id of whatever is at `source` (a plain file keeps the id it always had)."""
    return make_doc_id("file:" + source)


@dataclass(frozen=True, slots=True)
class Reading:
    """What a reader got out of one Part."""

    clean: CleanText
    content_type: str
    method: str  # the library or tool that read it: "pypdfium2", "pypdfium2+tesseract", ...
    pages: int = 0
    page_starts: tuple[int, ...] = ()
    correspondents: tuple[Correspondent, ...] = ()
    notes: tuple[str, ...] = ()


_JUNK_TITLES = frozenset({"untitled", "unknown", "title", "document", "no title", "(anonymous)"})
_FILE_NAME = re.compile(r"\.(?:docx?|odt|rtf|pdf|txt|indd|qxd|pages|html?)$", re.IGNORECASE)


def usable_title(title: str) -> str:
    """A title a file's metadata declares, or "" for a placeholder ("untitled", a file name,
    "Microsoft Word - draft3.doc")."""
    title = " ".join((title or "").split())
    if not title or title.lower() in _JUNK_TITLES or len(title) > 300:
        return ""
    if _FILE_NAME.search(title) or title.lower().startswith("microsoft word - "):
        return ""
    if not re.search(r"[^\W\d_]", title):
        return ""
    return title


def heading_line(text: str) -> str:
    """The first line of a text when it reads like a heading (short, not a sentence)."""
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        words = line.split()
        if len(line) <= 120 and len(words) >= 2 and line[-1] not in ".,;:" and line[0].isupper():
            return line
        return ""
    return ""


def choose_title(declared: str, text: str, name: str) -> str:
    """The declared title, else a heading-like first line, else the file's name."""
    return usable_title(declared) or heading_line(text) or PurePosixPath(name).stem or name


_PDF_DATE = re.compile(r"^(?:D:)?(\d{4})(\d{2})?(\d{2})?")


def parse_pdf_date(value: str) -> dt.date | None:
    """ "D:20240314093000+01'00'" -> 2024-03-14 (the day as written, in the writer's zone)."""
    match = _PDF_DATE.match((value or "").strip())
    if not match:
        return None
    year, month, day = match.group(1), match.group(2) or "01", match.group(3) or "01"
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


def parse_iso_date(value: str) -> dt.date | None:
    """ "2024-03-14T09:30:00Z" (office metadata) -> 2024-03-14."""
    match = re.match(r"^\s*(\d{4})-(\d{2})-(\d{2})", value or "")
    if not match:
        return None
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def join_pages(pages: list[str]) -> tuple[str, tuple[int, ...]]:
    """Page texts (already normalised) as one body, pages apart by a blank line, and the
    offset where each page begins (an empty page begins where the next text does)."""
    body = ""
    starts = []
    for text in pages:
        if text and body:
            body += "\n\n"
        starts.append(len(body))
        body += text
    return body, tuple(starts)


# a line break inside a sentence: after a full line that does not end one, or before a word in
# lower case ("Captain Ines\nMoreau" is one name; "Harbour Report\nThe board" stays apart)
_WRAPPED = re.compile(r"(?<=[^\s.!?:;])\n(?=[^\W\d_])")


def page_text(text: str) -> str:
    """One page's text as extracted (PDF text layer or OCR), normalised like any other text,
    with lines wrapped inside a sentence joined, so a name broken across lines stays one; a
    soft hyphen at a line end joins its word ("reve-\\nnue")."""
    text = text.replace("\u00ad\r\n", "").replace("\u00ad\n", "").replace("\x02", "")
    text = normalise_text(unwrap_lines(text))
    return _WRAPPED.sub(_join_line, text)


def _join_line(match: re.Match[str]) -> str:
    start = match.string.rfind("\n", 0, match.start()) + 1
    line = match.string[start : match.start()]
    following = match.string[match.end()]
    return " " if len(line) >= 40 or following.islower() else "\n"


_NO_AUTHOR = frozenset({"anonymous", "unknown", "author", "user", "admin", "administrator"})


def usable_author(author: str) -> str:
    """A declared author, or "" for a placeholder ("anonymous", "User")."""
    author = " ".join((author or "").split())
    return "" if author.lower() in _NO_AUTHOR else author

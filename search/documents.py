"""The Document value object that crosses from indexer/ to search/, and document ids.

A Document is what the store keeps and what the index is derived from; `to_fields` is the one
place that turns it into Whoosh field values and `from_stored` the one place that reads a hit
back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, TypedDict
from urllib.parse import urlsplit

from search.json_schema import Schema, Whole
from search.pages import page_at
from search.parameters import ENTITY_FACETS


def make_doc_id(key: str) -> str:
    """A short stable id from a canonical key (absolute path, canonical URL, export line)."""
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def _clean_value(value: str) -> str:
    # facet values are stored comma-separated in Whoosh KEYWORD fields
    return " ".join(value.replace(",", " ").split())


# how much of a publication date is known: a URL such as /2024/03/slug gives the month only,
# and 11/04/2008 that nothing on its page reads one way or the other gives the year only
PUBLISHED_PRECISIONS = ("day", "month", "year")
_ISO_LENGTH = {"day": 10, "month": 7, "year": 4}


# a date at its precision (iso_at), as the JSON answers write it: a histogram's bucket, a
# publication date
IsoAt = Annotated[
    str,
    Schema(
        pattern=r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$",
        description="YYYY-MM-DD, or YYYY-MM / YYYY when no more is known",
    ),
]


def iso_at(day: dt.date, precision: str = "day") -> str:
    """A date as ISO at its precision: "2024-03-14", "2024-03" or "2024"."""
    return day.isoformat()[: _ISO_LENGTH.get(precision, 10)]


def parse_iso_at(value: str | None) -> tuple[dt.date, str] | None:
    """An ISO date at its precision ("2024-03-14", "2024-03", "2024") as (first day it covers,
    precision), or None."""
    precision = {10: "day", 7: "month", 4: "year"}.get(len(value or ""))
    if not value or precision is None:
        return None
    try:
        return dt.date.fromisoformat((value + "-01-01")[:10]), precision
    except ValueError:
        return None


# the labels of names: person, org, place (search.parameters lists the facets)
ENTITY_LABELS = ENTITY_FACETS
MENTION_LABELS = (*ENTITY_LABELS, "date")
# how much of a mentioned date is known ("the 1990s": a decade)
MENTION_PRECISIONS = ("day", "month", "year", "decade")
# the languages the entity model reads; a document in another has no entities, and says so
NER_LANGUAGES = ("en",)


class MentionJSON(TypedDict):
    label: Annotated[str, Schema(enum=MENTION_LABELS)]
    text: str
    start: Whole
    end: Whole
    field: Annotated[str, Schema(enum=("title", "body"))]
    value: str
    precision: Annotated[str, Schema(enum=("", *MENTION_PRECISIONS))]


class CorrespondentJSON(TypedDict):
    role: Annotated[str, Schema(enum=("from", "to", "cc", "bcc"))]
    name: str
    address: str


class AttachmentJSON(TypedDict):
    name: str
    id: Annotated[str, Schema(description="empty when not ingested")]
    problem: Annotated[str, Schema(description="why not ingested")]


@dataclass(frozen=True, slots=True)
class Mention:
    """One entity or date mention with its character offsets in the title or body.

    `value` is what the mention means: a canonical name ("Mark Rutte" for "Mr Rutte") or, for
    dates, an ISO value at its precision ("2024-12-03", "2024-12", "2024", "1990s").
    """

    label: str  # one of MENTION_LABELS
    text: str  # the surface form, exactly as in the text
    start: int
    end: int
    field: str = "body"  # "title" | "body"
    value: str = ""
    precision: str = ""  # dates only: "day" | "month" | "year" | "decade"

    def to_dict(self) -> MentionJSON:
        return {
            "label": self.label,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "field": self.field,
            "value": self.value,
            "precision": self.precision,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Mention:
        return cls(
            label=data["label"],
            text=data["text"],
            start=int(data["start"]),
            end=int(data["end"]),
            field=data.get("field", "body"),
            value=data.get("value", ""),
            precision=data.get("precision", ""),
        )


@dataclass(frozen=True, slots=True)
class Correspondent:
    """Someone an e-mail's headers name: the role, the display name (the person facet shows
    it) and the address, which is kept apart and never taken for a name."""

    role: str  # "from" | "to" | "cc" | "bcc"
    name: str
    address: str = ""

    def to_dict(self) -> CorrespondentJSON:
        return {"role": self.role, "name": self.name, "address": self.address}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Correspondent:
        return cls(
            str(data.get("role", "")), str(data.get("name", "")), str(data.get("address", ""))
        )


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file attached to a message: the document made of it, or why there is none."""

    name: str
    doc_id: str = ""  # "" when it was not ingested (see problem)
    problem: str = ""

    def to_dict(self) -> AttachmentJSON:
        return {"name": self.name, "id": self.doc_id, "problem": self.problem}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Attachment:
        return cls(str(data.get("name", "")), str(data.get("id", "")), str(data.get("problem", "")))


# what a reader calls each content type (the document page says "PDF, 12 pages")
CONTENT_TYPE_LABELS = {
    "text/html": "Web page",
    "text/plain": "Text",
    "application/jsonl": "JSON Lines record",
    "application/pdf": "PDF",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word document",
    "application/vnd.oasis.opendocument.text": "OpenDocument text",
    "message/rfc822": "E-mail",
    "image/png": "Image (PNG)",
    "image/jpeg": "Image (JPEG)",
    "image/tiff": "Image (TIFF)",
}


def content_type_label(content_type: str) -> str:
    return CONTENT_TYPE_LABELS.get(content_type, content_type)


_PART_MARK = re.compile(r"!/|#\d+$")
_RECORD_LINE = re.compile(r"(?i)(\.jsonl):\d+$")


def source_file(source: str) -> str:
    """The file on disk a document came from: a member of an archive ("/in/a.zip!/b.pdf"), a
    message of a mailbox ("/in/box.mbox#3"), an attachment ("/in/m.eml!/1/x.pdf") and a record
    of a JSON Lines export ("/in/x.jsonl:3") all come from the file before the mark."""
    found = _PART_MARK.search(source)
    head = source[: found.start()] if found else source
    return _RECORD_LINE.sub(r"\1", head)


def source_origin(source: str, url: str) -> str:
    """Where a document comes from, as the source facet counts it: the site (host name, no
    "www.") of a web page or of a record with a web address, else the folder of its file."""
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.") if url else ""
    if host:
        return host
    return posixpath.dirname(source_file(source)) if source else ""


class DocumentJSON(TypedDict):
    id: str
    title: str
    url: str
    source: str
    author: str
    date: IsoAt | None
    date_precision: Annotated[str | None, Schema(enum=PUBLISHED_PRECISIONS)]
    date_source: str | None
    people: list[str]
    orgs: list[str]
    places: list[str]
    encoding: str
    decode_method: str
    extract_method: Annotated[
        str,
        Schema(
            description="the extractor whose reading of an HTML page was kept (trafilatura, "
            "readability, trafilatura-recall, justext, boilerpy3, beautifulsoup); empty for "
            "other formats"
        ),
    ]
    content_type: str
    ingested_at: Annotated[str | None, Schema(description="ISO 8601")]
    language: Annotated[
        str | None,
        Schema(description="ISO 639-1 code (null: stored before languages were detected)"),
    ]
    language_source: Annotated[
        str | None,
        Schema(
            description="how the language was decided: `text` (detected; `text (page declared "
            "xx)` when the page said otherwise), `declared` (too little text; the page's "
            "declared language) or `assumed` (neither: English)"
        ),
    ]
    entities: Annotated[
        str,
        Schema(
            description="`analysed`, or `not analysed (language xx)`: the entity model reads "
            "English only, so a document in another language has no people, organisations, "
            "places or mentioned dates"
        ),
    ]
    text: Annotated[str, Schema(description="the cleaned body, plain text")]
    mentions: list[MentionJSON]
    pages: Annotated[
        Annotated[int, Schema(minimum=1)] | None,
        Schema(description="pages of a PDF, scan or office document (null: not paged)"),
    ]
    page_starts: Annotated[
        list[Whole], Schema(description="offset in `text` where each page read begins")
    ]
    parent_id: Annotated[str | None, Schema(description="the message this document is attached to")]
    attachments: list[AttachmentJSON]
    correspondents: Annotated[
        list[CorrespondentJSON],
        Schema(
            description="an e-mail's From, To, Cc and Bcc: a person's name (empty when the "
            "header gives only an address) and the address, kept apart"
        ),
    ]
    notes: Annotated[
        list[str],
        Schema(description="what was not read and why (pages over the limit, no OCR)"),
    ]


@dataclass(frozen=True, slots=True)
class Document:
    """One stored, enriched document."""

    doc_id: str
    title: str
    body: str
    source: str = ""
    url: str = ""
    author: str = ""
    published: dt.date | None = None  # the first day of the month or year at those precisions
    published_source: str = ""
    published_precision: str = "day"  # one of PUBLISHED_PRECISIONS
    people: tuple[str, ...] = ()
    orgs: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    encoding: str = ""
    decode_method: str = ""
    extract_method: str = ""
    content_type: str = ""
    content_hash: str = ""
    ingested_at: dt.datetime | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    mentions: tuple[Mention, ...] = ()
    language: str = ""  # ISO 639-1, "" for a document stored before languages were detected
    language_source: str = ""  # how it was decided: "text", "declared", "assumed"
    pages: int = 0  # pages of a PDF, a scan or an office document (0: not paged)
    page_starts: tuple[int, ...] = ()  # body offset where each page read begins (PDF, TIFF)
    parent_id: str = ""  # the message this document is attached to
    attachments: tuple[Attachment, ...] = ()  # a message's attached files
    correspondents: tuple[Correspondent, ...] = ()  # an e-mail's from, to, cc
    notes: tuple[str, ...] = ()  # what was not read, and why (pages over the limit, no OCR)

    def page_at(self, offset: int) -> int | None:
        """The page (1-based) the body offset falls on, or None for a document without pages."""
        return page_at(self.page_starts, offset)

    @property
    def entities_analysed(self) -> bool:
        """Whether the entity model read this document (it reads NER_LANGUAGES only)."""
        return not self.language or self.language in NER_LANGUAGES

    @property
    def entities_status(self) -> str:
        """What a reader is told about the document's entities ("not analysed (language de)")."""
        if self.entities_analysed:
            return "analysed"
        return f"not analysed (language {self.language})"

    @property
    def published_iso(self) -> str | None:
        """The publication date as ISO at its precision, or None."""
        return iso_at(self.published, self.published_precision) if self.published else None

    def to_fields(self) -> dict[str, Any]:
        """Field values for the Whoosh schema in search/schema.py."""
        fields: dict[str, Any] = {
            "doc_id": self.doc_id,
            "url": self.url,
            "source": self.source,
            "title": self.title,
            "body": self.body,
            "author": self.author,
            "person": ",".join(_clean_value(p) for p in self.people if _clean_value(p)),
            "org": ",".join(_clean_value(o) for o in self.orgs if _clean_value(o)),
            "place": ",".join(_clean_value(p) for p in self.places if _clean_value(p)),
            "mentioned": ",".join(
                sorted({m.value for m in self.mentions if m.label == "date" and m.value})
            ),
            "meta": {
                "published_source": self.published_source,
                "published_precision": self.published_precision,
                "encoding": self.encoding,
                "decode_method": self.decode_method,
                "extract_method": self.extract_method,
                "content_type": self.content_type,
                "content_hash": self.content_hash,
                "ingested_at": self.ingested_at.isoformat() if self.ingested_at else None,
                "extra": dict(self.extra),
                "mentions": [m.to_dict() for m in self.mentions],
                "language_source": self.language_source,
                **self._format_meta(),
            },
        }
        if self.language:
            fields["language"] = self.language
        if self.content_type:
            fields["filetype"] = content_type_label(self.content_type)
        origin = source_origin(self.source, self.url)
        if origin:
            fields["origin"] = origin
        if self.published is not None:
            fields["date"] = dt.datetime.combine(self.published, dt.time())
            fields["year"] = str(self.published.year)
            fields["month"] = self.published.strftime("%Y-%m")
            # a month or a year is searched and counted as the interval it is
            fields["day"] = self.published_iso
        return fields

    def _format_meta(self) -> dict[str, Any]:
        """The file-format fields, kept only when set so web pages' meta stays as it was."""
        meta: dict[str, Any] = {}
        if self.pages:
            meta["pages"] = self.pages
        if self.page_starts:
            meta["page_starts"] = list(self.page_starts)
        if self.parent_id:
            meta["parent_id"] = self.parent_id
        if self.attachments:
            meta["attachments"] = [a.to_dict() for a in self.attachments]
        if self.correspondents:
            meta["correspondents"] = [c.to_dict() for c in self.correspondents]
        if self.notes:
            meta["notes"] = list(self.notes)
        return meta

    def to_dict(self) -> DocumentJSON:
        """The JSON form served by /api/documents/<id>."""
        return {
            "id": self.doc_id,
            "title": self.title,
            "url": self.url,
            "source": self.source,
            "author": self.author,
            "date": self.published_iso,
            "date_precision": self.published_precision if self.published else None,
            "date_source": self.published_source or None,
            "people": list(self.people),
            "orgs": list(self.orgs),
            "places": list(self.places),
            "encoding": self.encoding,
            "decode_method": self.decode_method,
            "extract_method": self.extract_method,
            "content_type": self.content_type,
            "ingested_at": self.ingested_at.isoformat() if self.ingested_at else None,
            "language": self.language or None,
            "language_source": self.language_source or None,
            "entities": self.entities_status,
            "text": self.body,
            "mentions": [m.to_dict() for m in self.mentions],
            "pages": self.pages or None,
            "page_starts": list(self.page_starts),
            "parent_id": self.parent_id or None,
            "attachments": [a.to_dict() for a in self.attachments],
            "correspondents": [c.to_dict() for c in self.correspondents],
            "notes": list(self.notes),
        }


def split_values(stored: str | None) -> tuple[str, ...]:
    """Read a comma-joined facet field back into its values."""
    if not stored:
        return ()
    return tuple(v.strip() for v in stored.split(",") if v.strip())


def meta_fields(meta: Mapping[str, Any]) -> dict[str, Any]:
    """The Document fields every index keeps in its one stored `meta` JSON value."""
    ingested = meta.get("ingested_at")
    return {
        "published_source": meta.get("published_source", ""),
        "published_precision": meta.get("published_precision") or "day",
        "encoding": meta.get("encoding", ""),
        "decode_method": meta.get("decode_method", ""),
        "extract_method": meta.get("extract_method", ""),
        "content_type": meta.get("content_type", ""),
        "content_hash": meta.get("content_hash", ""),
        "ingested_at": dt.datetime.fromisoformat(ingested) if ingested else None,
        "extra": meta.get("extra") or {},
        "mentions": tuple(Mention.from_dict(m) for m in meta.get("mentions") or ()),
        "language_source": meta.get("language_source", ""),
        "pages": int(meta.get("pages") or 0),
        "page_starts": tuple(int(n) for n in meta.get("page_starts") or ()),
        "parent_id": meta.get("parent_id", ""),
        "attachments": tuple(Attachment.from_dict(a) for a in meta.get("attachments") or ()),
        "correspondents": tuple(
            Correspondent.from_dict(c) for c in meta.get("correspondents") or ()
        ),
        "notes": tuple(str(n) for n in meta.get("notes") or ()),
    }


def document_from_stored(fields: Mapping[str, Any]) -> Document:
    """The one place that reads a Whoosh stored-fields mapping back into a Document."""
    meta: Mapping[str, Any] = fields.get("meta") or {}
    date_value = fields.get("date")
    published = date_value.date() if isinstance(date_value, dt.datetime) else None
    return Document(
        doc_id=fields.get("doc_id", ""),
        title=fields.get("title", ""),
        body=fields.get("body", ""),
        source=fields.get("source", ""),
        url=fields.get("url", ""),
        author=fields.get("author", ""),
        published=published,
        people=split_values(fields.get("person")),
        orgs=split_values(fields.get("org")),
        places=split_values(fields.get("place")),
        language=fields.get("language") or "",
        **meta_fields(meta),
    )


def stored_precision(stored_day: str | None) -> str:
    """A stored publication date's precision: the index keeps it as ISO at its precision."""
    found = parse_iso_at(stored_day)
    return found[1] if found else "day"


def stored_names(fields: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """A stored document's raw entity values per label."""
    return {label: split_values(fields.get(label)) for label in ENTITY_LABELS}

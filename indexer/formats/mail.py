"""E-mail with the standard library: one .eml message, or an .mbox of many.

A message becomes a document titled by its subject, dated by its Date header, its body the
plain-text part (or the HTML part, cleaned like a web page). The people its From, To and Cc
headers name are people of the document; their addresses are kept beside them and never
taken for names. Attachments are returned for the caller to read as documents of their own.
An mbox is split as it is read, one message at a time, so its size is not limited by memory.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
import mimetypes
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage, Message
from typing import BinaryIO

from indexer.formats.kinds import CONTENT_TYPES, EML
from indexer.formats.parts import Reading
from indexer.names import canonical_name
from indexer.page.clean import CleanText, clean_html, normalise_text, unwrap_lines
from search.documents import Correspondent

ROLES = ("from", "to", "cc", "bcc")
MAX_MIME_DEPTH = 30  # multiparts inside multiparts: deeper is hostile, not mail
# display names that are a mailbox's function, not a person
_NOT_PEOPLE = re.compile(
    r"\b(team|newsroom|desk|support|service|info|office|notifications?|no-?reply|admin|"
    r"news|press|help|sales|billing|mailer|daemon|postmaster|list|group|bot)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Attached:
    """One attachment as found: its file name and decoded bytes."""

    name: str
    content: bytes
    kind_hint: str = ""  # EML for a forwarded message (message/rfc822)


def parse(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def read_message(data: bytes) -> Reading:
    """A message's subject, date, people and body text."""
    message = parse(data)
    correspondents = tuple(_correspondents(message))
    sender = next((c for c in correspondents if c.role == "from"), None)
    published = _date(message)
    subject = " ".join(_header(message, "subject").split())
    return Reading(
        clean=CleanText(
            title=subject or "(no subject)",
            body=_body(message),
            author=(sender.name or sender.address) if sender else "",
            published=published,
            published_source="header:Date" if published else "",
        ),
        content_type=CONTENT_TYPES[EML],
        method="email",
        correspondents=correspondents,
    )


def header_people(correspondents: tuple[Correspondent, ...]) -> tuple[str, ...]:
    """The person names among a message's correspondents, each once, in header order."""
    seen: dict[str, None] = {}
    for correspondent in correspondents:
        if correspondent.name:
            seen.setdefault(correspondent.name, None)
    return tuple(seen)


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # noqa: BLE001 - a malformed header is read as missing
        return ""
    return str(value) if value is not None else ""


def _date(message: Message) -> dt.date | None:
    raw = _header(message, "date")
    if not raw:
        return None
    try:
        return email.utils.parsedate_to_datetime(raw).date()
    except (TypeError, ValueError, IndexError):
        return None


def _correspondents(message: Message) -> Iterator[Correspondent]:
    for role in ROLES:
        try:
            values = [str(v) for v in message.get_all(role) or ()]
        except Exception:  # noqa: BLE001 - a malformed header is read as missing
            continue
        for name, address in email.utils.getaddresses(values):
            address = address.strip()
            if "@" not in address:
                address = ""
            person = person_name(name)
            if person or address:
                yield Correspondent(role, person, address)


def person_name(display: str) -> str:
    """The person a display name names ("Okafor, Jane" -> "Jane Okafor"), or "" for an
    address, a mailbox's function ("Newsroom Desk") or anything that is no name."""
    name = " ".join(display.replace('"', " ").split()).strip("'<> ")
    if not name or "@" in name or _NOT_PEOPLE.search(name):
        return ""
    last, comma, first = name.partition(",")
    if comma and first.strip() and len(last.split()) == 1 and len(first.split()) <= 2:
        name = f"{first.strip()} {last.strip()}"
    if name.islower() or name.isupper():
        name = name.title()
    if not re.search(r"[^\W\d_]{2}", name) or len(name) > 80:
        return ""
    return canonical_name(name, "person") or ""


def _body(message: EmailMessage) -> str:
    """The plain-text body, else the HTML body cleaned, else ""."""
    try:
        part = message.get_body(preferencelist=("plain", "html"))
    except Exception:  # noqa: BLE001 - a malformed structure has no body we can find
        part = None
    if part is None:
        return ""
    text = _text(part)
    if part.get_content_subtype() == "html":
        return clean_html(text).body if text.strip() else ""
    return normalise_text(unwrap_lines(text))


def _text(part: Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
        if isinstance(content, str):
            return content
    except (LookupError, UnicodeError, ValueError, AssertionError, KeyError):
        pass
    payload = part.get_payload(decode=True)
    return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""


def attachments(data: bytes) -> Iterator[Attached]:
    """The files attached to a message (not its body, not inline pictures), in order."""
    message = parse(data)
    try:
        body = message.get_body(preferencelist=("plain", "html"))
    except Exception:  # noqa: BLE001
        body = None
    for index, part in enumerate(_leaves(message, 0), start=1):
        if part is body or part is message:
            continue
        yield from _attached(part, index)


def _attached(part: Message, index: int) -> Iterator[Attached]:
    kind = part.get_content_type()
    disposition = (part.get_content_disposition() or "").lower()
    name = _filename(part)
    if kind == "message/rfc822":
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        if isinstance(inner, Message):
            try:
                content = inner.as_bytes()
            except Exception:  # noqa: BLE001 - an unserialisable message is left out
                return
            yield Attached(name or f"message-{index}.eml", content, EML)
        return
    if disposition != "attachment" and not name:
        return  # an alternative body or an inline picture (a logo, a signature)
    if disposition == "inline" and part.get("content-id") and kind.startswith("image/"):
        return
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes) or not payload:
        return
    content = payload
    if not name:
        name = f"attachment-{index}{mimetypes.guess_extension(kind) or ''}"
    yield Attached(name, content)


def _filename(part: Message) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:  # noqa: BLE001
        name = ""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return " ".join(name.split()).strip(". ")[:200]


def _leaves(part: Message, depth: int) -> Iterator[Message]:
    """The non-multipart parts, not descending into attached messages."""
    if depth > MAX_MIME_DEPTH:
        return
    if part.get_content_maintype() == "multipart":
        payload = part.get_payload()
        for sub in payload if isinstance(payload, list) else ():
            if isinstance(sub, Message):
                yield from _leaves(sub, depth + 1)
        return
    yield part


def split_mbox(stream: BinaryIO, max_bytes: int) -> Iterator[tuple[int, bytes | None]]:
    """(number, message bytes) for each message of an mbox, read line by line; None for a
    message over `max_bytes`, which is read past and never held whole. ">From " quoting
    (mboxrd) is undone."""
    number = 0
    lines: list[bytes] = []
    size = 0
    too_big = False
    started = False
    previous_blank = True
    while True:
        line = stream.readline(1_048_576)
        if not line or (line.startswith(b"From ") and previous_blank):
            if started:
                yield number, None if too_big else b"".join(lines)
            if not line:
                return
            number += 1
            lines, size, too_big, started = [], 0, False, True
            previous_blank = False
            continue
        previous_blank = line in (b"\n", b"\r\n")
        if not started:
            continue  # text before the first "From " line is not a message
        size += len(line)
        if size > max_bytes:
            too_big, lines = True, []
            continue
        if not too_big:
            lines.append(line[1:] if re.match(rb">+From ", line) else line)

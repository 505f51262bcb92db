"""The document page's text with its entity and date mentions marked, built in Python.

The body is cut at paragraph breaks and at mention offsets; every piece of document text goes
through markupsafe.escape, and only our own <mark>/<a> tags (whose attribute values are escaped
by Markup.format) are added around them. Offsets that do not match the text (a document stored
before its text was re-cleaned) are skipped rather than trusted.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from markupsafe import Markup, escape

from search.documents import ENTITY_LABELS, MENTION_LABELS, Document, Mention

PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
MENTION_NAMES = {"person": "Person", "org": "Organisation", "place": "Place", "date": "Date"}

# (label, canonical value) -> the page it links to, or "" for none
LinkFor = Callable[[str, str], str]


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each blank-line-separated paragraph, surrounding whitespace trimmed."""
    spans = []
    start = 0
    for match in [*PARAGRAPH_BREAK.finditer(text), None]:
        end = match.start() if match else len(text)
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            spans.append((start, end))
        if match:
            start = match.end()
    return spans


def body_mentions(doc: Document) -> list[Mention]:
    """The body mentions whose offsets match the text, in order, without overlaps
    (the earlier, then the longer, mention wins)."""
    body = doc.body
    valid = sorted(
        (
            m
            for m in doc.mentions
            if m.field == "body"
            and m.label in MENTION_LABELS
            and 0 <= m.start < m.end <= len(body)
            and (not m.text or body[m.start : m.end] == m.text)
        ),
        key=lambda m: (m.start, -m.end),
    )
    kept: list[Mention] = []
    for mention in valid:
        if not kept or mention.start >= kept[-1].end:
            kept.append(mention)
    return kept


def mark(mention: Mention, text: str, href: str) -> Markup:
    """One mention: `<mark class="entity entity-person" title="Mark Rutte">…</mark>`."""
    inner = escape(text)
    if href:
        inner = Markup('<a href="{}">{}</a>').format(href, inner)
    meaning = mention.value or text
    return Markup('<mark class="entity entity-{}" title="{}" data-value="{}">{}</mark>').format(
        mention.label, meaning, meaning, inner
    )


def marked_paragraphs(doc: Document, link_for: LinkFor) -> list[Markup]:
    """The body as paragraphs of escaped text with mentions marked; a mention that spans a
    paragraph break stays plain text."""
    body = doc.body
    mentions = body_mentions(doc)
    paragraphs = []
    for start, end in paragraph_spans(body):
        pieces: list[Markup] = []
        position = start
        for mention in mentions:
            if mention.start < start or mention.end > end:
                continue
            pieces.append(escape(body[position : mention.start]))
            text = body[mention.start : mention.end]
            pieces.append(mark(mention, text, link_for(mention.label, mention.value)))
            position = mention.end
        pieces.append(escape(body[position:end]))
        paragraphs.append(Markup("").join(pieces))
    return paragraphs


def page_anchors(doc: Document) -> list[int | None]:
    """For each paragraph of marked_paragraphs, the page that begins with it (its anchor
    "page-N", which a search hit's "page N" links to), or None."""
    anchors: list[int | None] = []
    last = 0
    for start, _ in paragraph_spans(doc.body):
        page = doc.page_at(start)
        anchors.append(page if page and page > last else None)
        last = max(last, page or 0)
    return anchors


def entity_link_for(doc: Document, entity_url: LinkFor, date_url: Callable[[str], str]) -> LinkFor:
    """Links for a document's mentions: an entity page when the document is filed under that
    name (so the page exists), the search by date mentioned for dates."""
    filed = {"person": doc.people, "org": doc.orgs, "place": doc.places}

    def link_for(label: str, value: str) -> str:
        if label in ENTITY_LABELS and value in filed[label]:
            return entity_url(label, value)
        if label == "date" and value:
            return date_url(value)
        return ""

    return link_for


def mentioned_dates(doc: Document) -> list[tuple[str, tuple[str, ...]]]:
    """Each date the text mentions (ISO value, in time order) with the ways it is written."""
    written: dict[str, list[str]] = {}
    for mention in doc.mentions:
        if mention.label == "date" and mention.value:
            forms = written.setdefault(mention.value, [])
            if mention.text and mention.text not in forms:
                forms.append(mention.text)
    return [(value, tuple(written[value])) for value in sorted(written)]


def mention_labels_used(doc: Document) -> list[str]:
    """The mention kinds marked in the body, for the colour legend."""
    used = {m.label for m in body_mentions(doc)}
    return [label for label in MENTION_LABELS if label in used]

"""An Atom 1.0 feed of a search, so people can follow a query in their feed reader.

Built with ElementTree, which escapes every piece of text and attribute it writes: titles and
snippets from the index never become markup in the feed.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable
from dataclasses import replace
from xml.etree import ElementTree as ET

from search.query import SearchRequest
from search.results import Hit, SearchResponse
from web.urls import active_dates

ATOM_NS = "http://www.w3.org/2005/Atom"
ATOM_TYPE = "application/atom+xml"
FEED_SIZE = 20
TAG = re.compile(r"<[^>]*>")
# characters XML 1.0 cannot hold at all, even escaped
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

ET.register_namespace("", ATOM_NS)


def feed_request(search_request: SearchRequest) -> SearchRequest:
    """The search a feed shows: the same query and filters, newest first, first page."""
    return replace(search_request, sort="newest", page=1, per_page=FEED_SIZE)


def plain_text(snippet: str) -> str:
    """A hit's snippet (escaped HTML with <mark>) as the plain text it shows."""
    return " ".join(html.unescape(TAG.sub("", snippet)).split())


def feed_title(search_request: SearchRequest, labels: dict[str, str]) -> str:
    """`docsift: “nato” · Person: Mark Rutte · From: 2024-01-01`, or `docsift: all documents`."""
    parts = [f"“{search_request.q}”"] if search_request.q else []
    for name, values in search_request.filters:
        parts.extend(f"{labels.get(name, name)}: {value}" for value in values)
    parts.extend(f"{label}: {day.isoformat()}" for _, label, day in active_dates(search_request))
    return "docsift: " + (" · ".join(parts) if parts else "all documents")


def _timestamp(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def atom_feed(
    response: SearchResponse,
    *,
    title: str,
    self_url: str,
    html_url: str,
    document_url: Callable[[Hit], str],
    ingested: Callable[[Hit], dt.datetime | None] = lambda hit: None,
    now: dt.datetime | None = None,
) -> bytes:
    """The feed as UTF-8 bytes. `self_url`, `html_url` and `document_url` give absolute URLs.

    Atom requires `updated`, and a reader takes a changed one as a changed entry: an entry
    without a date is stamped with the time its document was ingested (`ingested`), so every
    poll gives it the same stamp; only a document with neither (stored by a version that kept
    no ingest time) gets the feed's. The feed's `updated` is its newest known entry stamp,
    the clock only when no entry has one."""

    def known(hit: Hit) -> str | None:
        if hit.date:
            return _timestamp(hit.date)
        at = ingested(hit)
        return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if at else None

    found = {hit.doc_id: known(hit) for hit in response.hits}
    stamp = max((s for s in found.values() if s), default=None)
    if stamp is None:
        stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    stamps = {doc_id: s or stamp for doc_id, s in found.items()}

    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    _text(feed, "id", self_url)
    _text(feed, "title", title)
    _text(feed, "updated", stamp)
    _text(feed, "generator", "docsift")
    author = ET.SubElement(feed, f"{{{ATOM_NS}}}author")
    _text(author, "name", "docsift")
    _link(feed, self_url, "self", ATOM_TYPE)
    _link(feed, html_url, "alternate", "text/html")
    for hit in response.hits:
        entry = ET.SubElement(feed, f"{{{ATOM_NS}}}entry")
        url = document_url(hit)
        _text(entry, "id", url)
        _text(entry, "title", hit.title or "(untitled)")
        _link(entry, url, "alternate", "text/html")
        _text(entry, "updated", stamps[hit.doc_id])
        if hit.date:
            _text(entry, "published", _timestamp(hit.date))
        summary = plain_text(hit.snippet)
        if summary:
            _text(entry, "summary", summary).set("type", "text")
        for name in (*hit.people, *hit.orgs, *hit.places):
            ET.SubElement(entry, f"{{{ATOM_NS}}}category", term=NOT_XML.sub("", name))
    ET.indent(feed)
    body: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return body


def _text(parent: ET.Element, name: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM_NS}}}{name}")
    element.text = NOT_XML.sub("", text)
    return element


def _link(parent: ET.Element, href: str, rel: str, kind: str) -> None:
    ET.SubElement(parent, f"{{{ATOM_NS}}}link", rel=rel, type=kind, href=NOT_XML.sub("", href))

"""Finding more URLs: links and `<link rel=canonical>` in pages, sitemaps, RSS and Atom feeds.

Everything here parses bytes that a stranger wrote, so parsers are set up not to resolve
entities or reach the network, and gzipped sitemaps are decompressed with a hard cap
(a 10 MB file can inflate to gigabytes).
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass
from typing import Any

import feedparser
import lxml.etree
import lxml.html

from indexer.net.urls import canonicalize
from indexer.page.markup import cap_attributes
from search.errors import SkipDocument

# sitemaps.org: "no more than 50,000 URLs"; the rest of a longer one is not read.
MAX_SITEMAP_URLS = 50_000
_XML_PARSER_OPTIONS: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "huge_tree": False,
    "remove_comments": True,
    "recover": True,
}


@dataclass(frozen=True, slots=True)
class PageLinks:
    """The canonical URLs a page links to, and the one it names as its own canonical."""

    links: tuple[str, ...]
    canonical: str | None


@dataclass(frozen=True, slots=True)
class Listing:
    """What a sitemap or feed lists: pages, and (sitemap indexes) more sitemaps."""

    kind: str  # "sitemap" | "feed"
    pages: tuple[str, ...]
    sitemaps: tuple[str, ...] = ()


def page_links(html: str, base_url: str) -> PageLinks:
    """Every distinct http(s) link of an HTML page, canonicalised, in document order."""
    try:
        root = lxml.html.document_fromstring(cap_attributes(html))
    except (lxml.etree.ParserError, ValueError):
        return PageLinks((), None)
    base = base_url
    for href in root.xpath("//base/@href")[:1]:
        base = canonicalize(str(href), base_url) or base_url
    canonical = None
    for link in root.xpath("//link[@href]"):
        if "canonical" in (link.get("rel") or "").lower().split():
            canonical = canonicalize(link.get("href") or "", base)
            break
    seen: dict[str, None] = {}
    for anchor in root.xpath("//a[@href] | //area[@href]"):
        rel = (anchor.get("rel") or "").lower().split()
        if "nofollow" in rel:
            continue
        url = canonicalize(anchor.get("href") or "", base)
        if url:
            seen.setdefault(url, None)
    return PageLinks(tuple(seen), canonical)


def gunzip_capped(data: bytes, max_bytes: int) -> bytes:
    """Decompress gzip data, refusing to produce more than `max_bytes` (zip-bomb safe).

    Output is inflated at most `max_bytes + 1` bytes at a time and in total, so a bomb costs
    no more memory than a sitemap at the limit would.

    Raises:
        SkipDocument: not gzip data, or it inflates past the cap.
    """
    out = io.BytesIO()
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out.write(decompressor.decompress(data, max_bytes + 1))
        while decompressor.unconsumed_tail and out.tell() <= max_bytes:
            room = max_bytes + 1 - out.tell()
            out.write(decompressor.decompress(decompressor.unconsumed_tail, room))
    except zlib.error as exc:
        raise SkipDocument(f"bad gzip data: {exc}") from exc
    if out.tell() > max_bytes:
        raise SkipDocument(
            f"gzipped sitemap inflates past the {max_bytes / 1_048_576:.1f} MB limit"
            f" (max_file_bytes) after {len(data) / 1_048_576:.1f} MB compressed; not read further"
        )
    return out.getvalue()


def is_gzip(data: bytes) -> bool:
    return data[:2] == b"\x1f\x8b"


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def xml_root_kind(data: bytes) -> str:
    """ "sitemap", "feed" or "" from the first element of an XML document."""
    head = data[:4096].lstrip()
    if not head.startswith(b"<"):
        return ""
    for tag in (b"<urlset", b"<sitemapindex", b":urlset", b":sitemapindex"):
        if tag in head:
            return "sitemap"
    for tag in (b"<rss", b"<feed", b"<rdf:rdf", b"<rdf", b":feed"):
        if tag in head.lower():
            return "feed"
    return ""


def parse_sitemap(data: bytes, base_url: str) -> Listing:
    """Pages (`<urlset>`) or child sitemaps (`<sitemapindex>`) of one sitemap document."""
    parser = lxml.etree.XMLParser(**_XML_PARSER_OPTIONS)
    try:
        root = lxml.etree.fromstring(data, parser)
    except lxml.etree.XMLSyntaxError as exc:
        raise SkipDocument(f"sitemap is not XML: {exc}") from exc
    if root is None:
        raise SkipDocument("sitemap is empty")
    locs: list[str] = []
    for element in root.iter():
        if len(locs) >= MAX_SITEMAP_URLS:
            break
        if _local(element.tag) == "loc" and element.text:
            url = canonicalize(element.text.strip(), base_url)
            if url:
                locs.append(url)
    if _local(root.tag) == "sitemapindex":
        return Listing("sitemap", (), tuple(dict.fromkeys(locs)))
    return Listing("sitemap", tuple(dict.fromkeys(locs)))


def parse_feed(data: bytes, base_url: str) -> Listing:
    """The item links of an RSS or Atom feed (feedparser copes with the many dialects)."""
    parsed = feedparser.parse(
        data, response_headers={"content-location": base_url}, resolve_relative_uris=False
    )
    links: list[str] = []
    for entry in parsed.entries:
        href = entry.get("link") or ""
        if not href:
            for link in entry.get("links", []):
                if link.get("rel", "alternate") == "alternate" and link.get("href"):
                    href = link["href"]
                    break
        url = canonicalize(href, base_url) if href else None
        if url:
            links.append(url)
    if not links and parsed.bozo and not parsed.entries:
        raise SkipDocument(f"feed cannot be parsed: {parsed.get('bozo_exception')}")
    return Listing("feed", tuple(dict.fromkeys(links)))


def parse_listing(data: bytes, base_url: str, max_bytes: int) -> Listing | None:
    """A sitemap or feed from fetched bytes (gunzipped if need be), or None if it is neither."""
    if is_gzip(data):
        data = gunzip_capped(data, max_bytes)
    kind = xml_root_kind(data)
    if kind == "sitemap":
        return parse_sitemap(data, base_url)
    if kind == "feed":
        return parse_feed(data, base_url)
    return None

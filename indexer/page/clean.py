"""Text → CleanText: the main content and metadata of a page, or the title/body of a plain file.

HTML goes through indexer.page.extractors, which reads the main text with several extractors
and keeps the one the others bear out (see bench/extraction_quality.py), never an empty text
when any of them found one; title, author and date come from the page's own meta tags and
JSON-LD first, because those are what the publisher declared.
"""

from __future__ import annotations

import datetime
import json
import logging
import re
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

from bs4 import BeautifulSoup, Tag

from indexer.page.extractors import extract_article
from indexer.page.extractors import invisible as _invisible
from indexer.page.extractors import text_of as _text_of
from indexer.page.json_ld import json_ld_objects
from indexer.page.markup import (  # noqa: F401 (cap_attributes and the limits are part of the API)
    EXTRACTOR_MAX_ELEMENTS,
    MAX_ATTRIBUTES,
    MAX_ELEMENTS,
    cap_attributes,
    count_elements,
)
from indexer.page.pubdate import page_published
from search.errors import SkipDocument
from search.safetext import valid_json, valid_text

logger = logging.getLogger(__name__)

MAX_TITLE_CHARS = 200

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\ufeff]")
_HSPACE_RE = re.compile(r"[^\S\n]+")
_BLANK_LINES_RE = re.compile(r"\n{3,}")
_HTML_SNIFF_RE = re.compile(
    r"<(?:!doctype\s+html|html|head|body|title|meta|p|div|article|br|h[1-6]|table|a\s)[\s>/]",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class CleanText:
    """The indexable text of one document and what the page says about itself.

    Attributes:
        title: the document title ("" only if nothing usable was found).
        body: the main text, normalised; paragraphs separated by a blank line.
        author: the declared author(s), comma-separated.
        published: the publication date, if the page declares one.
        published_source: where `published` came from, e.g. "meta:article:published_time".
        published_precision: "day", or "month"/"year" when the page gives no more.
        links: absolute http(s) hrefs found in the page, in order, without fragments.
        language: the declared or detected language code, e.g. "en".
        extractor: which extractor's reading of an HTML page was kept (see
            indexer.page.extractors.METHODS); "" for plain text.
    """

    title: str
    body: str
    author: str = ""
    published: datetime.date | None = None
    published_source: str = ""
    links: tuple[str, ...] = ()
    published_precision: str = "day"
    language: str = ""
    extractor: str = ""


def normalise_text(text: str) -> str:
    """Normalise text for indexing and display.

    NFC; CRLF/CR to LF; control characters dropped (tab becomes a space); runs of horizontal
    whitespace collapsed to one space and stripped at line ends; three or more newlines
    collapsed to one blank line, so paragraphs survive; the result stripped.

    Args:
        text: any text.

    Returns:
        The normalised text (possibly empty).
    """
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    text = text.replace("\u2029", "\n\n").replace("\t", " ")
    text = _CONTROL_RE.sub("", text)
    lines = (_HSPACE_RE.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_LINES_RE.sub("\n\n", "\n".join(lines)).strip()


_TABLE_RE = re.compile(r"\S {3,}\S|\.{4,}")
_SENTENCE_END = (".", "!", "?", ":", '"', "\u201d", "'")
MIN_WRAP_WIDTH, MAX_WRAP_WIDTH = 40, 100


def unwrap_lines(text: str) -> str:
    """Join hard-wrapped lines back into paragraphs (wire copy, e-mail, teletype exports).

    Text is taken as hard-wrapped when most of its lines end near one width between 40 and
    100 characters. A blank line, an indented line or a short line ending a sentence ends a
    paragraph; table-like lines (column gaps, dot leaders) stay as they are. Names and
    sentences broken across lines would otherwise be cut in two for search and NER alike.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    widths = sorted(len(line.rstrip()) for line in lines if line.strip())
    if len(widths) < 4:
        return text
    width = widths[int(len(widths) * 0.75)]
    if not MIN_WRAP_WIDTH <= width <= MAX_WRAP_WIDTH:
        return text
    if sum(w >= width - 20 for w in widths) < 0.5 * len(widths):
        return text
    blocks: list[str] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            blocks.append(" ".join(current))
            current.clear()

    for line in lines:
        stripped = line.strip()
        if not stripped:
            flush()
            continue
        if _TABLE_RE.search(stripped):
            flush()
            blocks.append(stripped)
            continue
        if line[:1] in (" ", "\t") and current:
            flush()
        current.append(stripped)
        if len(line.rstrip()) < width - 20 and stripped.endswith(_SENTENCE_END):
            flush()
    flush()
    return "\n\n".join(blocks)


def looks_like_html(text_or_bytes_prefix: str | bytes) -> bool:
    """Sniff whether a document is HTML from its first kilobyte.

    Args:
        text_or_bytes_prefix: the start of the document, as text or raw bytes.

    Returns:
        True when a doctype or a common HTML tag appears in the first 1 KB.
    """
    prefix = text_or_bytes_prefix[:1024]
    if isinstance(prefix, bytes):
        prefix = prefix.decode("latin-1")
    return _HTML_SNIFF_RE.search(prefix) is not None


def clean_plain(text: str, *, source_name: str = "") -> CleanText:
    """Split a plain-text document into title and body.

    The first line is the title when it is short and does not read like prose; otherwise the
    title is the file stem of `source_name`, or the first words of the text.

    Args:
        text: the decoded text.
        source_name: the file name or URL the text came from, for the title fallback.

    Returns:
        The cleaned document.

    Raises:
        SkipDocument: when nothing is left after normalisation.
    """
    text = normalise_text(unwrap_lines(text))
    if not text:
        raise SkipDocument(
            "empty after cleaning (only whitespace or control characters)", source_name
        )
    first, _, rest = text.partition("\n")
    rest = rest.strip()
    if rest and _is_title_line(first):
        return CleanText(title=first, body=rest)
    # a lede or summary paragraph may come before the headline: take a short heading-like
    # line just below it, and keep every line in the body
    for line in [ln for ln in text.split("\n") if ln.strip()][1:3]:
        if len(line) <= MAX_HEADING_CHARS and len(line.split()) >= 2 and _is_title_line(line):
            return CleanText(title=line.strip(), body=text)
    stem = PurePath(urlsplit(source_name).path or source_name).stem if source_name else ""
    return CleanText(title=stem or _first_words(text), body=text)


MAX_HEADING_CHARS = 120


def _is_title_line(line: str) -> bool:
    if not line or len(line) > MAX_TITLE_CHARS:
        return False
    # A headline may end in ? or !, but a line ending in a full stop or a comma, or holding
    # two sentences, is the start of the prose.
    if line[-1] in ".,;:" and not line.endswith("..."):
        return False
    return re.search(r"\w[.!?]\s+[A-Z]\w*\s+\w+.*[.!?]$", line) is None


def _first_words(text: str, limit: int = 8) -> str:
    words = text.split()
    return " ".join(words[:limit]) + (" …" if len(words) > limit else "")


def clean_html(html: str, *, url: str = "") -> CleanText:
    """Extract the main text and metadata of an HTML page.

    Args:
        html: the decoded page.
        url: the page URL, used to resolve links and as a metadata hint (never fetched).

    Returns:
        The cleaned document.

    Raises:
        SkipDocument: when no text is left after cleaning, or the page has more than
            MAX_ELEMENTS elements.
    """
    html = cap_attributes(_CONTROL_RE.sub("", html))  # lxml refuses NUL and most C0 controls
    elements = count_elements(html)
    if elements > MAX_ELEMENTS:
        raise SkipDocument(
            f"too much markup to clean ({elements:,} elements > {MAX_ELEMENTS:,} limit)", url
        )
    soup = _parse(html)
    meta = _read_metadata(soup)
    extraction = extract_article(html, url=url, soup=soup, elements=elements)
    extracted = extraction.metadata
    # extractors put one block per line; a blank line between blocks keeps paragraphs visible.
    body = normalise_text(extraction.text.replace("\n", "\n\n"))
    if not body:
        raise SkipDocument("no text after cleaning", url)
    title, author = meta.title, meta.author
    if extracted is not None:
        page_text = _PageText(soup)
        title = title or page_text.checked(normalise_text(extracted.title or ""))
        author = author or page_text.checked(normalise_text(extracted.author or ""))
    dated = page_published(soup, url=url, body=body, title=title or meta.fallback_title)
    language = meta.language or (extracted.language or "" if extracted is not None else "")
    return CleanText(
        title=title or meta.fallback_title or _first_words(body),
        body=body,
        author=author,
        published=dated.value,
        published_source=dated.source,
        published_precision=dated.precision,
        links=_absolute_links(soup, url),
        language=language,
        extractor=extraction.method,
    )


_NON_WORD_RE = re.compile(r"[\W_]+")


class _PageText:
    """What a page says in the open: its visible text, meta values and JSON-LD, letters and
    digits only, built on first use.

    trafilatura reads a title or an author from an element's whole text, <script> included, so
    its answer is kept only when the page says it in the open.
    """

    def __init__(self, soup: BeautifulSoup) -> None:
        self.soup = soup
        self._compact: str | None = None

    def checked(self, value: str) -> str:
        if not value:
            return ""
        if self._compact is None:
            metas = (tag.get("content") for tag in self.soup.find_all("meta"))
            pieces = [_text_of(self.soup, _invisible), *(m for m in metas if isinstance(m, str))]
            pieces += _json_ld_texts(self.soup)
            self._compact = _compact("\n".join(pieces))
        return value if _compact(value) in self._compact else ""


def _compact(text: str) -> str:
    """Letters and digits only, case-folded: what survives any cleaning of a title."""
    return _NON_WORD_RE.sub("", unicodedata.normalize("NFC", text).casefold())


def check_text_length(clean: CleanText, limit: int, source: str = "") -> CleanText:
    """Refuse a cleaned document whose body is longer than `limit` characters.

    spaCy's NER reads at most 1,000,000 characters per text and needs about 1 GB of memory per
    100,000 of them; a body that long is a book or a dump, not an article.

    Raises:
        SkipDocument: naming the length and the limit (the `max_text_chars` setting).
    """
    if len(clean.body) > limit:
        raise SkipDocument(
            f"text too long ({len(clean.body):,} characters after cleaning > {limit:,} limit,"
            " max_text_chars)",
            source,
        )
    return clean


def _parse(html: str) -> BeautifulSoup:
    with warnings.catch_warnings():
        # bs4 warns about input that looks like a URL or like XML; both are fine to parse here.
        warnings.simplefilter("ignore")
        return BeautifulSoup(html, "lxml")


@dataclass(frozen=True, slots=True)
class _PageMetadata:
    title: str = ""
    fallback_title: str = ""
    author: str = ""
    language: str = ""


def _read_metadata(soup: BeautifulSoup) -> _PageMetadata:
    metas: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        key = tag.get("property") or tag.get("name") or tag.get("itemprop")
        content = tag.get("content")
        if isinstance(key, str) and isinstance(content, str) and content.strip():
            metas.setdefault(key.strip().lower(), normalise_text(content))
    ld = _json_ld_article(soup)
    title = metas.get("og:title") or _ld_text(ld.get("headline")) or ""
    fallback_title = _tag_text(soup.title) or _tag_text(soup.find("h1"))
    author = metas.get("author") or _ld_author(ld.get("author"))
    if not author and not metas.get("article:author", "").startswith("http"):
        author = metas.get("article:author", "")
    html_tag = soup.find("html")
    lang = html_tag.get("lang") if isinstance(html_tag, Tag) else None
    return _PageMetadata(
        title=normalise_text(title),
        fallback_title=fallback_title,
        author=author,
        language=lang.strip().lower() if isinstance(lang, str) else "",
    )


def _json_ld_article(soup: BeautifulSoup) -> dict[str, Any]:
    """The first JSON-LD object that has a headline, a date or an author, or {}."""
    for script in soup.find_all("script", type=re.compile(r"ld\+json", re.IGNORECASE)):
        try:
            data = valid_json(json.loads(script.string or ""))
        except (ValueError, RecursionError):
            continue
        for obj in json_ld_objects(data):
            if any(key in obj for key in ("headline", "datePublished", "author")):
                return obj
    return {}


def _json_ld_texts(soup: BeautifulSoup) -> list[str]:
    """Each JSON-LD block as text with its escapes resolved (names in "\\u00e9" form)."""
    texts = []
    for script in soup.find_all("script", type=re.compile(r"ld\+json", re.IGNORECASE)):
        raw = script.string or ""
        try:
            texts.append(json.dumps(valid_json(json.loads(raw)), ensure_ascii=False))
        except (ValueError, RecursionError):
            texts.append(valid_text(raw))
    return texts


def _ld_text(value: Any) -> str:
    if isinstance(value, list) and value:
        value = value[0]
    return normalise_text(value) if isinstance(value, str) else ""


def _ld_author(value: Any) -> str:
    items = value if isinstance(value, list) else [value]
    names = [_ld_text(item.get("name") if isinstance(item, dict) else item) for item in items]
    return ", ".join(dict.fromkeys(name for name in names if name))


def _tag_text(tag: object) -> str:
    return normalise_text(_text_of(tag, _invisible, sep=" ")) if isinstance(tag, Tag) else ""


def _absolute_links(soup: BeautifulSoup, base_url: str) -> tuple[str, ...]:
    links: dict[str, None] = {}
    for anchor in soup.find_all("a", href=True):
        href = str(anchor.get("href", "")).strip()
        if href.startswith("#"):  # a place on this same page
            continue
        try:
            absolute = urldefrag(urljoin(base_url, href)).url if href else ""
            scheme = urlsplit(absolute).scheme
        except ValueError:  # malformed URLs such as "http://[::1"
            continue
        if scheme in ("http", "https"):
            links.setdefault(absolute, None)
    return tuple(links)

"""Hostile-input bounds for HTML, and the one lxml parse every extractor shares.

libxml2 checks each new attribute against the element's others (an element with a million
attributes takes hours), trafilatura costs about 0.1-0.2 ms per element, and libxml2 stops
building the tree 256 levels deep unless asked for more. The bounds here keep those costs linear
and change only the broken part of a page: start tags are read the way an HTML5 tokenizer (and
libxml2 2.14) reads them, so a stray or unclosed quote cannot make one "tag" swallow the article
behind it, and block boundaries become word boundaries before any extractor reads the text.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

import lxml.html
from lxml.etree import ParserError

logger = logging.getLogger(__name__)

# trafilatura costs about 0.1-0.2 ms per element and beautifulsoup4 about 40 microseconds and
# 2 KB: pages with more elements than the first get the beautifulsoup4 extraction alone, pages
# with more than the second are skipped (a big real page has 5,000).
EXTRACTOR_MAX_ELEMENTS = 30_000
MAX_ELEMENTS = 200_000
# No real page comes close to this many attributes on one element.
MAX_ATTRIBUTES = 256

_ELEMENT_RE = re.compile(r"<[A-Za-z]")
# One attribute as the HTML5 tokenizer reads it: a quote opens a value only right after "=";
# anywhere else it is part of a (broken) attribute name, as in `style="x"">` or `"href="...`.
# Possessive quantifiers: no backtracking state is kept, so a 20 MB tag costs no memory.
_ATTRIBUTE = r"""(?:[^\s/>=][^\s/>=]*+|=[^\s/>=]*+)(?:\s*+=\s*+(?:"[^"]*+"|'[^']*+'|[^\s>]*+))?+"""
_ATTRIBUTE_RE = re.compile(_ATTRIBUTE)
_START_TAG_RE = re.compile(rf"<[A-Za-z][^\s/>]*+(?:[\s/]++|{_ATTRIBUTE})*+>?")
_TAG_NAME_RE = re.compile(r"<[^\s/>]*")

# Elements a browser lays out as their own block (or cell): the text on either side of one
# never continues the same word.
BLOCK_TAGS = frozenset(
    """address article aside blockquote br caption dd details dialog div dl dt fieldset
    figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr legend li main menu nav
    ol option p pre section summary table tbody td tfoot th thead tr ul""".split()
)


def cap_attributes(html: str, limit: int = MAX_ATTRIBUTES) -> str:
    """Keep at most `limit` attributes on each start tag, so no HTML parser goes quadratic.

    Tags are delimited as an HTML5 parser delimits them, so what is left out is only what the
    parser would have read as attributes of that one element: never text or other elements.

    Args:
        html: markup from anywhere.
        limit: attributes kept per element, in document order.

    Returns:
        `html` itself when no element has more (one linear scan of the start tags; a tag
        shorter than 2 * limit characters is not even looked into), else a copy with the
        extra attributes of those elements left out.
    """
    if len(html) < 2 * limit:
        return html
    pieces: list[str] = []
    done = 0
    for tag in _START_TAG_RE.finditer(html):
        if tag.end() - tag.start() < 2 * limit:  # too short to hold that many attributes
            continue
        text = tag.group()
        name_end = _TAG_NAME_RE.match(text)
        start = name_end.end() if name_end else 1
        cut = 0
        for count, attribute in enumerate(_ATTRIBUTE_RE.finditer(text, start), start=1):
            if count > limit:
                cut = attribute.start()
                break
        if cut:
            pieces += [html[done : tag.start()], text[:cut].rstrip(), ">"]
            done = tag.end()
    if not pieces:
        return html
    logger.debug("left out attributes beyond %d per element", limit)
    return "".join([*pieces, html[done:]])


def count_elements(html: str) -> int:
    """How many start tags a page has (an upper bound of its elements), counted cheaply."""
    if html.count("<") <= EXTRACTOR_MAX_ELEMENTS:
        return html.count("<")
    return sum(1 for _ in _ELEMENT_RE.finditer(html))


def parse_tree(html: str) -> lxml.html.HtmlElement | None:
    """The page as one lxml tree for the extractors, or None when libxml2 builds nothing.

    Parsed from UTF-8 bytes with the encoding stated, so an XML declaration or a meta charset
    in already-decoded text cannot make libxml2 decode it twice; `huge_tree` lets the tree go
    2,048 levels deep instead of stopping (and dropping everything) at 256, which pages with
    hundreds of unclosed <font> or <div> tags reach.
    """
    parser = lxml.html.HTMLParser(
        encoding="utf-8", huge_tree=True, remove_comments=True, remove_pis=True
    )
    try:
        root = lxml.html.document_fromstring(html.encode("utf-8", "replace"), parser=parser)
    except (ParserError, ValueError) as exc:
        logger.debug("lxml could not parse the page: %r", exc)
        return None
    return root if len(root) else None


def separate_blocks(root: lxml.html.HtmlElement) -> None:
    """Make every block boundary, and the gap between two adjacent links, a word boundary.

    A sidebar of `<div>Ilhan Omar<div>Ilhan ...` or `<a>Ilhan Omar</a><a>Ilhan ...</a>` reads
    as separate names on screen; extractors that join text nodes would glue them into
    "Ilhan OmarIlhan", which NER then reads as a name. A space is added where text would touch
    a block's edge; nothing else in the tree changes.
    """
    for element in root.iter(*BLOCK_TAGS):
        tail = element.tail
        if not tail:
            element.tail = " "
        elif not tail[0].isspace():
            element.tail = " " + tail
        previous = element.getprevious()
        if previous is not None:
            if not previous.tail:
                previous.tail = " "
            elif not previous.tail[-1].isspace():
                previous.tail += " "
        elif (parent := element.getparent()) is not None:
            if parent.text and not parent.text[-1].isspace():
                parent.text += " "
    for link in root.iter("a"):
        previous = link.getprevious()
        if previous is not None and previous.tag == "a" and not previous.tail:
            previous.tail = " "


# The heading a blog or news page puts above its readers' comments ("Comments", "12 Comments",
# "Comments (7)", "3 Responses to “…”", "Leave a Reply"), as the whole text of the heading.
_COMMENTS_HEADING_RE = re.compile(
    r"(?:\d+|no|one)?\s*(?:reader\s+)?(?:comments?|responses|replies)"
    r"(?:\s*\(\d+\))?(?:\s+(?:to|on)\s.{0,200})?\s*:?"
    r"|(?:leave|post|add|write)\s+a\s+(?:comment|reply|response)\s*:?",
    re.IGNORECASE | re.DOTALL,
)
# words that must precede the heading under the same parent: a "Comments (2)" count above the
# story heads the article, not a thread
_MIN_ARTICLE_WORDS = 50
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def drop_comment_threads(root: lxml.html.HtmlElement) -> int:
    """Remove readers' comment threads that follow a "Comments" heading; return how many.

    Extractors drop a thread whose container is named like one (class="comments"), but a blog
    that writes its comments as plain paragraphs after an <h2>Comments</h2> (Typepad, Movable
    Type, many news sites) has them read as article text. Readers and issue 16's gold leave
    comments out. The heading, climbed up through wrappers that hold nothing else, and every
    element after it under the same parent are removed, but only when at least
    _MIN_ARTICLE_WORDS words precede it there and more words follow than precede (a thread
    comes after its article and outgrows it); otherwise nothing is removed.
    """
    dropped = 0
    for heading in list(root.iter(*_HEADINGS)):
        if heading.getparent() is None or not _is_comments_heading(heading):
            continue
        start = heading
        while (parent := start.getparent()) is not None and parent.tag not in ("body", "html"):
            if _normalised(parent.text_content()) != _normalised(heading.text_content()):
                break
            start = parent
        parent = start.getparent()
        following = list(start.itersiblings())
        before = _words(start.itersiblings(preceding=True))
        if parent is None or before < _MIN_ARTICLE_WORDS or _words(following) < before:
            continue  # a thread follows an article and outgrows it; else it may be the article
        for element in [start, *following]:
            parent.remove(element)
        dropped += 1
    return dropped


def _is_comments_heading(heading: lxml.html.HtmlElement) -> bool:
    text = _normalised(heading.text_content())
    return bool(text) and _COMMENTS_HEADING_RE.fullmatch(text) is not None


def _words(elements: Iterable[lxml.html.HtmlElement]) -> int:
    return sum(len(element.text_content().split()) for element in elements)


def _normalised(text: str) -> str:
    return " ".join(text.split())

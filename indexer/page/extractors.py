"""The main text of an HTML page: two strong extractors, three judges, and a fallback.

No single extractor is best on every kind of page: trafilatura (precision mode) leads on
present-day news pages, readability-lxml on older blog and table-layout pages, and each of them
now and then returns a menu, a comment thread or nothing at all where the other finds the
article. The rule, measured in bench/extraction_quality.py:

1. trafilatura (precision) and readability-lxml both read the page. When their texts agree
   (F1 of their word 4-gram shingles >= AGREEMENT) the page is unambiguous: trafilatura's text
   is kept.
2. When both found text but disagree, three more extractors judge: trafilatura in recall mode,
   jusText and boilerpy3's ArticleExtractor. Of the two texts, the one whose shingles agree
   more with the judges' (summed F1) is kept; a tie keeps trafilatura's.
3. When only one of the two found text, that text is kept; when neither did, the first judge
   that finds text, and then the beautifulsoup4 reading of <article>/<main>/<body>, so a page
   that any extractor reads is never empty.

Before any of them reads, a readers' comment thread written as plain paragraphs after a
"Comments" heading is removed (indexer.page.markup.drop_comment_threads): all five would read
it as article text. The judges cost time only on the pages where the two disagree. Every
extractor reads the same lxml tree, parsed once after the hostile-input caps, with block
boundaries made word boundaries first (see indexer.page.markup).
"""

from __future__ import annotations

import copy
import functools
import logging
import re
import warnings
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass

import justext
import lxml.html
import trafilatura
from boilerpy3 import extractors as boilerpy3_extractors
from bs4 import BeautifulSoup, PageElement, Tag
from readability import Document as ReadabilityDocument
from trafilatura.settings import Document

from indexer.page.markup import (
    BLOCK_TAGS,
    EXTRACTOR_MAX_ELEMENTS,
    drop_comment_threads,
    parse_tree,
    separate_blocks,
)

logger = logging.getLogger(__name__)
# the extractors log a warning for every page they find little in; the bench counts those
for _name in ("trafilatura", "htmldate", "readability", "justext", "boilerpy3"):
    logging.getLogger(_name).setLevel(logging.ERROR)

# Shingle F1 at or above which trafilatura's and readability's texts count as the same article
# (chosen on tuning fold 0 of both dev sets among 0.8-0.95; see bench/extraction_quality.py).
AGREEMENT = 0.9
SHINGLE_WORDS = 4

TRAFILATURA = "trafilatura"
READABILITY = "readability"
TRAFILATURA_RECALL = "trafilatura-recall"
JUSTEXT = "justext"
BOILERPY3 = "boilerpy3"
BEAUTIFULSOUP = "beautifulsoup"
#: every value Extraction.method can take
METHODS = (TRAFILATURA, READABILITY, TRAFILATURA_RECALL, JUSTEXT, BOILERPY3, BEAUTIFULSOUP)

_WORD_RE = re.compile(r"\w+")
# elements whose content is never page text (scripts and styles stay: trafilatura reads JSON-LD)
_RAW_TEXT_TAGS = ("iframe", "noembed", "noframes", "template")


@dataclass(frozen=True, slots=True)
class Extraction:
    """The main text of a page and which extractor's reading was kept.

    Attributes:
        text: the article text, one block per line (not yet normalised).
        method: one of METHODS.
        metadata: trafilatura's reading of the page (title, author, date), when it ran.
    """

    text: str
    method: str
    metadata: Document | None = None


def extract_article(html: str, *, url: str, soup: BeautifulSoup, elements: int) -> Extraction:
    """The main text of a page, by the rule in this module's docstring.

    Args:
        html: the page, already through the hostile-input caps.
        url: the page URL, a hint for trafilatura (never fetched).
        soup: the same page parsed by beautifulsoup4, for the last fallback.
        elements: count_elements(html); above EXTRACTOR_MAX_ELEMENTS only beautifulsoup4 reads.

    Returns:
        The kept text ("" only when no extractor found any) and its extractor.
    """
    tree = parse_tree(html) if elements <= EXTRACTOR_MAX_ELEMENTS else None
    if tree is None:
        return Extraction(fallback_text(soup), BEAUTIFULSOUP)
    # libxml2 keeps an <iframe>'s fallback markup as raw text, which extractors would read
    lxml.etree.strip_elements(tree, *_RAW_TEXT_TAGS, with_tail=False)
    drop_comment_threads(tree)
    separate_blocks(tree)
    metadata = _trafilatura(tree, url, precision=True)
    first = (metadata.text or "") if metadata is not None else ""
    second = _readability(tree)
    texts = {TRAFILATURA: first, READABILITY: second}
    found = [name for name, text in texts.items() if has_words(text)]
    if len(found) == 2:
        shingles = {name: shingle_counts(text) for name, text in texts.items()}
        if agreement(shingles[TRAFILATURA], shingles[READABILITY]) >= AGREEMENT:
            return Extraction(first, TRAFILATURA, metadata)
        judged = [shingle_counts(judge()) for judge in _judges(tree, url).values()]
        support = {
            name: sum(agreement(shingles[name], other) for other in judged) for name in texts
        }
        winner = READABILITY if support[READABILITY] > support[TRAFILATURA] else TRAFILATURA
        return Extraction(texts[winner], winner, metadata)
    if found:
        return Extraction(texts[found[0]], found[0], metadata)
    for name, judge in _judges(tree, url).items():
        if has_words(text := judge()):
            return Extraction(text, name, metadata)
    return Extraction(fallback_text(soup), BEAUTIFULSOUP, metadata)


def has_words(text: str) -> bool:
    """Whether a text holds at least one word character."""
    return _WORD_RE.search(text) is not None


def shingle_counts(text: str) -> Counter[tuple[str, ...]]:
    """The text's word 4-grams (the unit the extraction benchmarks score), with counts."""
    words = _WORD_RE.findall(text)
    if len(words) < SHINGLE_WORDS:
        return Counter([tuple(words)] if words else [])
    return Counter(zip(*(words[i:] for i in range(SHINGLE_WORDS)), strict=False))


def agreement(a: Counter[tuple[str, ...]], b: Counter[tuple[str, ...]]) -> float:
    """F1 of two shingle multisets: 1.0 for the same text, 0.0 when they share nothing."""
    if not a or not b:
        return 0.0
    shared = sum((a & b).values())
    return 2 * shared / (a.total() + b.total())


def _judges(tree: lxml.html.HtmlElement, url: str) -> dict[str, Callable[[], str]]:
    @functools.cache
    def visible_tree() -> lxml.html.HtmlElement:
        """The page without the elements a reader never sees as text: the judges would read a
        <noscript>'s raw content, or (trafilatura in recall mode) a <script> inside a quote, as
        text otherwise. Only the precision run needs the scripts, for JSON-LD metadata."""
        page = copy.deepcopy(tree)
        lxml.etree.strip_elements(page, *INVISIBLE_TAGS, with_tail=False)
        return page

    def recall() -> str:
        document = _trafilatura(visible_tree(), url, precision=False)
        return (document.text or "") if document is not None else ""

    @functools.cache
    def visible_html() -> str:
        return lxml.html.tostring(visible_tree(), encoding="unicode")

    return {
        TRAFILATURA_RECALL: recall,
        JUSTEXT: lambda: _justext(visible_html()),
        BOILERPY3: lambda: _boilerpy3(visible_html()),
    }


def _trafilatura(tree: lxml.html.HtmlElement, url: str, *, precision: bool) -> Document | None:
    """trafilatura's reading; in precision mode with the page's metadata, else in recall mode."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = trafilatura.bare_extraction(
                tree,  # copied by trafilatura before it prunes
                url=url or None,
                favor_precision=precision,
                favor_recall=not precision,
                include_comments=False,
                include_tables=True,
                with_metadata=precision,
                date_extraction_params={"extensive_search": False, "original_date": True},
            )
    except Exception as exc:  # noqa: BLE001
        # trafilatura/lxml raise assorted errors on hostile markup; the other extractors and
        # the fallback still read the page.
        logger.debug("trafilatura failed on %s: %r", url or "<page>", exc)
        return None
    return result if isinstance(result, Document) else None


def _readability(tree: lxml.html.HtmlElement) -> str:
    """readability-lxml's article, as one block per line.

    It reads the page as it is, without the comment-thread pruning trafilatura applies first:
    an article whose container is named like a comment thread (class="commentable-story") is
    lost to trafilatura in precision mode, and an independent second reading is what finds it.
    """
    page = copy.deepcopy(tree)  # readability drops hidden elements from the tree it is given
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            summary = ReadabilityDocument(page).summary(html_partial=True)
        root = lxml.html.fragment_fromstring(summary, create_parent="div")
    except Exception as exc:  # noqa: BLE001
        logger.debug("readability failed: %r", exc)
        return ""
    return block_text(root)


def block_text(root: lxml.html.HtmlElement) -> str:
    """The text under `root` with a line break at every block element's edges."""
    for element in root.iter(*BLOCK_TAGS):
        element.text = "\n" + (element.text or "")
        element.tail = "\n" + (element.tail or "")
    return root.text_content()


@functools.cache
def _stoplist() -> frozenset[str]:
    """jusText's stop words of every language it knows, as trafilatura uses them: the page's
    language is not known yet."""
    return frozenset(w for lang in justext.get_stoplists() for w in justext.get_stoplist(lang))


def _justext(html: str) -> str:
    try:
        paragraphs = justext.justext(html.encode("utf-8", "replace"), _stoplist(), encoding="utf-8")
    except Exception as exc:  # noqa: BLE001
        logger.debug("justext failed: %r", exc)
        return ""
    return "\n".join(p.text for p in paragraphs if not p.is_boilerplate)


def _boilerpy3(html: str) -> str:
    try:
        extractor = boilerpy3_extractors.ArticleExtractor(raise_on_failure=False)
        return extractor.get_content(html) or ""
    except Exception as exc:  # noqa: BLE001
        logger.debug("boilerpy3 failed: %r", exc)
        return ""


# -- the beautifulsoup4 fallback ---------------------------------------------------------------

# Markup that is never article text.
_DROP_TAGS = frozenset(
    "script style nav header footer aside form noscript iframe svg button template select".split()
)
_BOILERPLATE_RE = re.compile(
    r"(?:^|[-_\s])(?:ads?|advert\w*|banner|cookie\w*|consent|share|sharing|social|related|"
    r"newsletter|subscribe|comments?|promo|sponsor\w*|popup|modal|breadcrumbs?|sidebar|"
    r"menu|footer|header|nav|navigation|navbar|contentinfo|complementary)(?:$|[-_\s])",
    re.IGNORECASE,
)
# Elements whose content a reader never sees as text (an iframe's is raw markup for old browsers).
INVISIBLE_TAGS = frozenset("script style template iframe noscript noembed noframes".split())


def fallback_text(soup: BeautifulSoup) -> str:
    """Visible text of <article>, <main> or <body>, minus navigation and boilerplate blocks."""
    return text_of(_fallback_root(soup), _dropped, blocks=BLOCK_TAGS)


def text_of(
    root: Tag, skip: Callable[[Tag], bool], *, blocks: Collection[str] = (), sep: str = ""
) -> str:
    """The strings under `root` (those its get_text() would give), minus `skip`ped subtrees,
    with a blank line around each element named in `blocks` and a space between two adjacent
    links (a row of links reads as separate words on screen).

    Walks the tree with an explicit stack and leaves it unchanged: linear in the number of
    nodes, so 100,000 nested elements cost no recursion and no quadratic re-walks.
    """
    wanted = root.interesting_string_types
    parts: list[str] = []
    stack: list[tuple[Iterator[PageElement], bool]] = [(iter(root.contents), False)]
    while stack:
        children, block = stack[-1]
        node = next(children, None)
        if node is None:
            stack.pop()
            if block:
                parts.append("\n\n")
        elif isinstance(node, Tag):
            if not skip(node):
                opens_block = node.name in blocks
                if opens_block:
                    parts.append("\n\n")
                elif node.name == "a" and isinstance(node.previous_sibling, Tag):
                    if node.previous_sibling.name == "a":
                        parts.append(" ")
                stack.append((iter(node.contents), opens_block))
        elif type(node) is wanted if isinstance(wanted, type) else type(node) in (wanted or ()):
            parts.append(str(node))
    return sep.join(parts)


def invisible(tag: Tag) -> bool:
    """Whether a reader never sees the element's content as text."""
    return tag.name in INVISIBLE_TAGS


def _fallback_root(soup: BeautifulSoup) -> Tag:
    """The first <article> outside dropped markup, else the first <main>, else <body>."""
    found: dict[str, Tag] = {}
    stack: list[Iterator[PageElement]] = [iter(soup.contents)]
    while stack and "article" not in found:
        node = next(stack[-1], None)
        if node is None:
            stack.pop()
        elif isinstance(node, Tag) and not _dropped(node):
            if node.name in ("article", "main", "body"):
                found.setdefault(node.name, node)
            stack.append(iter(node.contents))
    return found.get("article") or found.get("main") or found.get("body") or soup


def _dropped(tag: Tag) -> bool:
    return tag.name in _DROP_TAGS or _looks_like_boilerplate(tag)


def _looks_like_boilerplate(tag: Tag) -> bool:
    if tag.name in ("html", "body", "article", "main"):
        return False
    attrs = getattr(tag, "attrs", None) or {}
    classes = attrs.get("class") or []
    names = " ".join([*classes] if isinstance(classes, list) else [str(classes)])
    names += " " + str(attrs.get("id") or "") + " " + str(attrs.get("role") or "")
    return bool(names.strip()) and _BOILERPLATE_RE.search(names) is not None

"""What a page shows its reader, read for its publication date (indexer/page/pubdate.py):
one pass over the page for the elements the date rules read, the headline and its
article, the site's furniture (masthead, navigation, sidebars, comments, footer) left out,
and the dates in the lines near the headline.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from bs4 import BeautifulSoup, PageElement, Tag

from indexer.language.dates import (
    TextDate,
    line_date,
)

_INVISIBLE = frozenset("script style template noscript noembed noframes iframe svg head".split())
_BLOCKS = frozenset(
    "p div li h1 h2 h3 h4 h5 h6 blockquote pre tr td th table section article header footer "
    "main aside nav ul ol dl dd dt figure figcaption address form br hr".split()
)
_FURNITURE_TAGS = frozenset("nav form button select".split())
_FURNITURE_ROLES = frozenset("navigation banner contentinfo complementary".split())
# class or id words of the site's furniture wherever they are
_FURNITURE = re.compile(
    r"(?:^|[-_\s])(?:today|current-?date|date-?today|todays-?date|masthead|weather|ticker|"
    r"clock|sidebar|side-?bar|related|recommended|popular|trending|most-?read|"
    r"more-?stories|teaser|promo|comments?|disqus|reply|ad|ads|advert\w*)(?:$|[-_\s])",
    re.I,
)
# ... and words that name furniture only outside the article ("story-meta-footer" is not)
_SITE_FURNITURE = re.compile(
    r"(?:^|[-_\s])(?:top-?bar|topnav|utility|site-?header|header-?top|nav|navbar|navigation|"
    r"menu|header|footer|breadcrumbs?|calendar|archive|latest|widget)(?:$|[-_\s])",
    re.I,
)
_OWN_PART = re.compile(r"(?:date|post|entry|article|story)[-_]?(?:header|footer)", re.I)
_BYLINE_WORDS = re.compile(
    r"^(?:by|posted|published|filed|written|submitted)\b|\bpermalink\b|\bposted (?:by|on|in)\b",
    re.I,
)
_CONTAINER = re.compile(r"(?:^|[-_\s])(?:article|post|story|entry|content)(?:$|[-_\s])", re.I)
_DATE_CLASS = re.compile(
    r"date|time|byline|dateline|publish|posted|timestamp|(?:^|[-_\s])meta(?:$|[-_\s])", re.I
)
HEAD_BEFORE = 4  # lines above the headline (inside the article) that may hold its date
HEAD_AFTER = 20  # lines below the headline that may hold the byline or dateline
PROSE_CHARS = 100  # a line this long is a paragraph of the article's text
MAX_LINES = 5000  # lines of a page read at most (a date line is near the top of an article)
NEAR_DAYS = 7  # an ambiguous numeric date takes the reading this close to another page date
LIST_DATES = 3  # date elements of one class with this many different dates list other pages


@dataclass(slots=True)
class _Scan:
    """The elements the date rules read, found in one pass over the page."""

    metas: dict[str, str]  # property, name or itemprop (lower case) -> content, first wins
    locales: list[str]  # lang attributes and og:locale / Content-Language values
    links: list[str]  # canonical URL and og:url
    times: list[Tag]  # <time datetime=...>
    headings: list[Tag]  # h1-h3
    ld_scripts: list[str]  # JSON-LD that mentions datePublished
    date_named: list[Tag]  # elements whose class, id or itemprop names a date
    title: str  # <title>

    @classmethod
    def of(cls, soup: BeautifulSoup) -> _Scan:
        scan = cls({}, [], [], [], [], [], [], "")
        for tag in soup.descendants:
            if not isinstance(tag, Tag):
                continue
            name = tag.name
            if name == "meta":
                scan._meta(tag)
            elif name == "link":
                rel: Any = tag.get("rel") or []
                if "canonical" in [str(r).lower() for r in rel] and tag.get("href"):
                    scan.links.append(str(tag.get("href")))
            elif name == "time" and isinstance(tag.get("datetime"), str):
                scan.times.append(tag)
            elif name in ("h1", "h2", "h3") and len(scan.headings) < 80:
                scan.headings.append(tag)
            elif name == "script":
                text = tag.string or ""
                if "ld+json" in str(tag.get("type") or "").lower() and "datePublished" in text:
                    scan.ld_scripts.append(text)
            elif name == "title" and not scan.title:
                scan.title = tag.get_text(" ")
            elif name == "html":
                scan.locales.extend([str(tag.get("lang") or ""), str(tag.get("xml:lang") or "")])
            if name not in _INVISIBLE and len(scan.date_named) < 300:
                names = _names(tag)
                if names and _DATE_CLASS.search(names):
                    scan.date_named.append(tag)
        return scan

    def _meta(self, tag: Tag) -> None:
        key = tag.get("property") or tag.get("name") or tag.get("itemprop")
        content = tag.get("content")
        if not isinstance(content, str) or not content.strip():
            return
        if isinstance(key, str):
            self.metas.setdefault(key.strip().lower(), content)
            if key.lower() in ("og:locale", "language", "dc.language", "content-language"):
                self.locales.append(content)
            if key.lower() == "og:url":
                self.links.append(content)
        if str(tag.get("http-equiv") or "").lower() == "content-language":
            self.locales.append(content)


@dataclass(frozen=True, slots=True)
class _Page:
    soup: BeautifulSoup
    scan: _Scan
    headline: Tag | None  # the element holding the page's headline
    container: Tag | None  # the article element around it
    holds_headline: frozenset[int]  # id() of the headline's ancestors

    @classmethod
    def of(cls, soup: BeautifulSoup, title: str) -> _Page:
        scan = _Scan.of(soup)
        headline = _find_headline(scan, title)
        chain = frozenset(id(a) for a in headline.parents) if headline is not None else frozenset()
        return cls(soup, scan, headline, _container(headline), chain)


# -- what the page shows -------------------------------------------------------------------


def _names(tag: Tag) -> str:
    """An element's class words, id and itemprop, space-separated ("" for none)."""
    attrs = tag.attrs
    if not attrs:
        return ""
    classes: Any = attrs.get("class") or []
    names = [str(c) for c in classes] if isinstance(classes, list) else [str(classes)]
    return " ".join([*names, str(attrs.get("id") or ""), str(attrs.get("itemprop") or "")]).strip()


def _furniture(tag: Tag, in_article: bool, in_main: bool, page: _Page) -> bool:
    """Whether `tag` is the site's furniture: navigation, a "today" widget, a sidebar, a
    comment list, or a header, footer or aside that is not the article's own.

    `in_article`: inside the headline's article container; `in_main`: inside any <article>
    or <main>."""
    if id(tag) in page.holds_headline:
        return False  # whatever it is called, it holds the article
    role = str(tag.get("role") or "").lower()
    if tag.name in ("header", "footer", "aside") or role == "banner":
        return not in_main  # an article's own header, footer or aside holds its byline
    if tag.name in _FURNITURE_TAGS or role in _FURNITURE_ROLES:
        return True
    names = _names(tag)
    if not names:
        return False
    if _FURNITURE.search(names):
        return True
    # "date-header", "post-footer": the header of a post or of its date (blogs set the day
    # above the post title so), not the site's ("header-date" in a masthead still is)
    names = _OWN_PART.sub(" ", names)
    return not in_article and _SITE_FURNITURE.search(names) is not None


def _is_furniture(tag: Tag, page: _Page) -> bool:
    """Whether `tag` or one of its ancestors is the site's furniture."""
    chain: list[Tag] = []
    node: Tag | None = tag
    while node is not None and node.name not in ("body", "html", "[document]") and len(chain) < 80:
        chain.append(node)
        node = node.parent
    for i, node in enumerate(chain):
        above = chain[i + 1 :]
        in_article = page.container is not None and any(a is page.container for a in above)
        in_main = any(a.name in ("article", "main") for a in above)
        if _furniture(node, in_article or node is page.container, in_main, page):
            return True
    return False


@dataclass(frozen=True, slots=True)
class _Line:
    text: str
    furniture: bool
    in_article: bool


def _read_lines(page: _Page) -> tuple[list[_Line], int]:
    """The page's visible text as lines (one per block element), each marked as furniture or
    not and as inside the headline's article container or not; and the headline's line."""
    lines: list[_Line] = []
    headline_line = -1
    parts: list[str] = []
    depth = {"furniture": 0, "article": 0, "main": 0}

    def flush() -> None:
        text = " ".join(" ".join(parts).split())
        parts.clear()
        if text and len(lines) < MAX_LINES:
            lines.append(_Line(text, depth["furniture"] > 0, depth["article"] > 0))

    # (children, tag, counted as furniture, is the container, is article/main)
    stack: list[tuple[Iterator[PageElement], Tag | None, bool, bool, bool]] = [
        (iter(page.soup.contents), None, False, False, False)
    ]
    while stack and len(lines) < MAX_LINES:
        node = next(stack[-1][0], None)
        if node is None:
            _, tag, furniture, article, main = stack.pop()
            if tag is not None and (tag.name in _BLOCKS or tag is page.headline):
                flush()
                if tag is page.headline:
                    headline_line = len(lines) - 1
            depth["furniture"] -= furniture
            depth["article"] -= article
            depth["main"] -= main
        elif isinstance(node, Tag):
            if node.name in _INVISIBLE:
                continue
            if node.name in _BLOCKS or node is page.headline:
                flush()
            article = node is page.container
            in_article = depth["article"] > 0 or article
            furniture = node.name not in ("body", "html") and (
                _furniture(node, in_article, depth["main"] > 0, page)
            )
            main = node.name in ("article", "main")
            depth["furniture"] += furniture
            depth["article"] += article
            depth["main"] += main
            stack.append((iter(node.contents), node, furniture, article, main))
        elif type(node).__name__ == "NavigableString":
            parts.append(str(node))
    flush()
    return lines, headline_line


def _find_headline(scan: _Scan, title: str) -> Tag | None:
    """The heading that holds the page's title (as found, or in <title> or og:title), else
    the first h1 with text; never the site's name or logo."""
    site = _compact(scan.metas.get("og:site_name", ""))
    candidates = [
        tag
        for tag in scan.headings
        if (text := _compact(tag.get_text(" "))) and text != site and not _site_name(tag)
    ]
    titles = [title, scan.title, scan.metas.get("og:title", "")]
    best: tuple[int, int, Tag] | None = None
    for wanted in {_compact(t) for t in titles if _compact(t)}:
        for i, tag in enumerate(candidates):
            text = _compact(tag.get_text(" "))
            if (text in wanted and len(text) >= 0.4 * len(wanted)) or wanted in text:
                # the longest heading wholly inside a title, else the nearest around one
                score = len(text) if text in wanted else len(wanted) - len(text)
                if best is None or (score, -i) > best[:2]:
                    best = (score, -i, tag)
    if best is not None:
        return best[2]
    return next((tag for tag in candidates if tag.name == "h1"), None)


def _site_name(tag: Tag) -> bool:
    """A heading that holds the site's name or logo."""
    for node in [tag, *list(tag.parents)[:3]]:
        names = _names(node) if isinstance(node, Tag) else ""
        if re.search(
            r"logo|site-?(?:title|name)|blog-?(?:title|name)|branding|masthead", names, re.I
        ):
            return True
    return False


def _container(headline: Tag | None) -> Tag | None:
    """The article element around the headline (article, main, or a div named for one)."""
    node = headline.parent if headline is not None else None
    for _ in range(30):
        if node is None or node.name in ("body", "html", "[document]"):
            return None
        if node.name in ("article", "main") or _CONTAINER.search(_names(node)):
            return node
        node = node.parent
    return None


def _compact(text: str) -> str:
    return re.sub(r"\W+", "", text).casefold()


def _shown_dates(
    page: _Page, lines: list[_Line], headline: int, order: str
) -> list[tuple[TextDate, str]]:
    """Dates the page shows as its own ("byline"), in order of trust: lines around the
    headline, then elements named for a date inside the article, then elsewhere."""
    found: list[tuple[TextDate, str]] = []
    if headline >= 0:
        if page.container is not None:
            before = [i for i in range(headline) if lines[i].in_article and not lines[i].furniture]
            before = before[-HEAD_BEFORE:]
        else:  # no article element: only what sits right above the headline
            before = [i for i in range(max(headline - 2, 0), headline) if not lines[i].furniture]
        after = [i for i in range(headline, len(lines)) if not lines[i].furniture]
        # the byline sits between the headline and the article's text: once two paragraphs
        # of prose have passed, only a line that says it is a byline ("Posted by ... on ...")
        # inside the article counts (below the text come teasers, comments, other stories)
        window: list[int] = []
        prose = 0
        for i in after[: HEAD_AFTER + 1]:
            if prose >= 2:
                break
            window.append(i)
            prose += len(lines[i].text) > PROSE_CHARS
        further = [
            i
            for i in after[len(window) :]
            if lines[i].in_article and _BYLINE_WORDS.search(lines[i].text)
        ]
        for i in before + window + further:
            text = lines[i].text
            if i == headline and page.headline is not None:
                # "Liverpool preview 20 August, 2011": a date set inside the headline element
                heading = " ".join(page.headline.get_text(" ").split())
                text = text.removeprefix(heading) or _after_text(page.headline)
            if (value := line_date(text, order)) is not None:
                found.append((value, "byline"))
    # (inside the article, class) -> dates of elements named for a date
    named: dict[tuple[bool, str], list[TextDate]] = {}
    for tag in page.scan.date_named:
        if _is_furniture(tag, page):
            continue
        within = page.container is not None and id(page.container) in {id(p) for p in tag.parents}
        kind = f"{tag.name}.{_names(tag)}"
        # the element's text, else one of its children's ("<div class=meta"><div>date</div>")
        for part in [tag, *(c for c in tag.children if isinstance(c, Tag))][:20]:
            text = " ".join(part.get_text(" ").split())
            if text and (value := line_date(text, order)) is not None:
                named.setdefault((within, kind), []).append(value)
                break
    for within in (True, False):
        for (inside, _), values in named.items():
            # one class of date element holding several dates is a list of other articles
            # (or of comments) that the page's markup failed to set apart
            if inside == within and len({v.value or v.readings for v in values}) < LIST_DATES:
                found += [(value, "byline") for value in values]
    return found


def _after_text(headline: Tag) -> str:
    """The text of a headline element after its first child that holds text."""
    texts = [c if isinstance(c, str) else c.get_text(" ") for c in headline.children]
    texts = [t for t in texts if t.strip()]
    return " ".join(" ".join(texts[1:]).split())

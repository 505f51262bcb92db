"""The publication date of an HTML page: what its publisher declared, checked against what the
page shows its reader.

Sources, best first:
1. metadata that says "published": `article:published_time` and its kin, JSON-LD
   `datePublished` (articles first), `itemprop="datePublished"`, `<time pubdate>`;
2. a date in the URL path (the page's own URL, then its canonical URL or `og:url`);
3. the byline, dateline or date line near the headline, or an element named for a date
   ("byline", "post-date", ...) outside the site's furniture;
4. metadata that only says "date" (`<meta name="date">`, `dc.date`, any other `<time>`);
5. a byline, dateline or date line in the first lines of the article text;
6. an "Updated ..." stamp, when nothing states the publication.

A date before 1900 (a JSON-LD `0001-01-01` placeholder) or after tomorrow is no date, and the
next source is asked. A metadata timestamp stated in UTC ("2024-03-14T23:30:00Z") one day off
the byline's date gives way to the byline: the page's own local date is the one its readers
saw. A stamp with an offset ("...T23:30:00-05:00") is already local and taken as written.

A numeric date such as 11/04/2008 is read in the page's order: first the page's own
unambiguous numeric dates (12/25/2008 or 25/12/2008), then its language or locale (`lang`,
`og:locale`, Content-Language: en-US month first; en-GB, de, fr ... day first), then a
country domain (.us, .co.uk). Still ambiguous, the reading within a week of another date the
page states (its URL, metadata, an "Updated" stamp) wins; else the date is not taken.

A date in the site's masthead, navigation or a "today" widget, in comments, related-article
lists, sidebars or the footer is the site's furniture, not the article's date, and is not read.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, PageElement, Tag

from indexer.language.dates import (
    Stamp,
    TextDate,
    date_from_url,
    line_date,
    month_from_url,
    order_from_dates,
    order_from_host,
    order_from_locale,
    parse_stamp,
    plausible_published,
    text_dates,
)
from indexer.page.json_ld import json_ld_objects

# meta names (property, name or itemprop, lower case) that declare the publication itself
PUBLISHED_METAS = (
    "article:published_time",
    "og:published_time",
    "og:article:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "dc.date.issued",
    "dcterms.issued",
    "sailthru.date",
    "parsely-pub-date",
    "citation_publication_date",
)
# ... and ones that only say "date" (a page may fill them with its build or update time)
DATE_METAS = ("date", "dc.date", "dcterms.date", "dcterms.created", "dc.date.created")
_ARTICLE_TYPES = re.compile(r"article|posting|report|blog|review", re.I)
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


@dataclass(frozen=True, slots=True)
class PageDate:
    """The publication date of a page and where it came from ("" and None when unknown)."""

    value: dt.date | None
    source: str
    precision: str = "day"  # "month" (a /2024/03/ URL) or "year" (11/04/2008, order unknown)


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


def page_published(
    soup: BeautifulSoup,
    *,
    url: str = "",
    body: str = "",
    title: str = "",
    today: dt.date | None = None,
) -> PageDate:
    """The publication date of a parsed page (see the module docstring for the rules).

    Args:
        soup: the parsed page.
        url: the page's URL (its path may hold the date; its domain the date order).
        body: the article text cleaning kept, searched for a byline or dateline.
        title: the page's headline as found, to locate it among the page's headings.
        today: the date "tomorrow" is counted from (default: today, UTC).
    """
    page = _Page.of(soup, title)
    lines, headline_line = _read_lines(page)
    order = (
        order_from_dates("\n".join(line.text for line in lines))
        or order_from_locale(*page.scan.locales)
        or order_from_host(urlsplit(url).hostname or "" if url else "")
    )

    def ok(value: dt.date | None) -> bool:
        return value is not None and plausible_published(value, today)

    strong: list[tuple[Stamp, str]] = []
    weak: list[tuple[Stamp, str]] = []
    for stamp, source, declares in _metadata_stamps(page, order):
        if ok(stamp.value):
            (strong if declares else weak).append((stamp, source))
    urls = [url, *page.scan.links] if url else page.scan.links
    url_dates = [d for u in urls if (d := date_from_url(u)) is not None and ok(d)]
    shown = [
        (d, s)
        for d, s in _shown_dates(page, lines, headline_line, order)
        if d.value is None or ok(d.value)
    ]
    body_dates = [(d, s) for d, s in text_dates(body, order) if d.value is None or ok(d.value)]
    anchors = [s.value for s, _ in strong + weak] + url_dates
    anchors += [d.value for d, _ in shown + body_dates if d.value is not None]
    months = [m for u in urls if (m := month_from_url(u)) and ok(m)]
    anchors += months  # a month the URL names: a reading in it agrees (see _agrees)

    if strong:
        return _local_date(*strong[0], shown + body_dates)
    if url_dates:
        return PageDate(url_dates[0], "url")
    if found := _published(shown, anchors, "published"):
        return found
    if weak:
        return _local_date(*weak[0], shown + body_dates)
    return (
        _published(body_dates, anchors, "published")
        or (PageDate(months[0], "url", "month") if months else None)
        or _published(shown + body_dates, anchors, "updated")
        or _year_only(shown + body_dates)
        or PageDate(None, "")
    )


def _year_only(found: list[tuple[TextDate, str]]) -> PageDate | None:
    """The year of a published numeric date nothing on its page reads one way or the other:
    11/04/2008 is 4 November or 11 April, both in 2008."""
    for item, source in found:
        if item.kind == "published" and item.value is None and item.readings:
            if len({r.year for r in item.readings}) == 1:
                return PageDate(item.readings[0].replace(month=1, day=1), source, "year")
    return None


def _published(
    found: list[tuple[TextDate, str]], anchors: list[dt.date], kind: str
) -> PageDate | None:
    """The first date of that kind, an ambiguous one resolved against the page's other dates."""
    for item, source in found:
        if item.kind == kind and (value := item.value or _resolve(item.readings, anchors)):
            return PageDate(value, source if kind == "published" else "updated")
    return None


def _local_date(stamp: Stamp, source: str, shown: list[tuple[TextDate, str]]) -> PageDate:
    """The stamp, or the byline's date when the stamp is a UTC time one day off it."""
    if stamp.utc:
        first = next((item for item in shown if item[0].kind == "published"), None)
        if first is not None:
            item, where = first
            readings = (item.value,) if item.value else item.readings
            if stamp.value not in readings:
                for reading in readings:
                    if abs((reading - stamp.value).days) == 1:
                        return PageDate(reading, where)
    return PageDate(stamp.value, source)


def _resolve(readings: tuple[dt.date, ...], anchors: list[dt.date]) -> dt.date | None:
    """The one reading of an ambiguous numeric date within NEAR_DAYS of a date the page states
    elsewhere (or in a month its URL names), else None."""
    near = [r for r in readings if any(_agrees(r, a) for a in anchors)]
    return near[0] if len(near) == 1 else None


def _agrees(reading: dt.date, anchor: dt.date) -> bool:
    """Within NEAR_DAYS of another date, or in the month a URL names (its first day)."""
    same_month = anchor.day == 1 and (reading.year, reading.month) == (anchor.year, anchor.month)
    return same_month or abs((reading - anchor).days) <= NEAR_DAYS


# -- what the page declares ----------------------------------------------------------------


def _metadata_stamps(page: _Page, order: str) -> Iterator[tuple[Stamp, str, bool]]:
    """Declared dates, best first, each with whether it declares the publication itself."""
    metas = page.scan.metas
    for key in PUBLISHED_METAS:
        if key in metas and (stamp := parse_stamp(metas[key], order)):
            yield stamp, f"meta:{key}", True
    for value in _json_ld_dates(page.scan.ld_scripts):
        if stamp := parse_stamp(value, order):
            yield stamp, "json-ld", True
    times = [t for t in page.scan.times if not _is_furniture(t, page)]
    for time_tag in times:
        if _declares_publication(time_tag) and (
            stamp := parse_stamp(str(time_tag["datetime"]), order)
        ):
            yield stamp, "time", True
    for key in DATE_METAS:
        if key in metas and (stamp := parse_stamp(metas[key], order)):
            yield stamp, f"meta:{key}", False
    for time_tag in times:
        if not _declares_publication(time_tag) and not _says_updated(time_tag):
            if stamp := parse_stamp(str(time_tag["datetime"]), order):
                yield stamp, "time", False


def _declares_publication(tag: Tag) -> bool:
    if tag.has_attr("pubdate") or str(tag.get("itemprop") or "").lower() == "datepublished":
        return True
    names = _names(tag)
    return bool(re.search(r"publish|posted|entry-date|dateline", names, re.I)) and not (
        _says_updated(tag)
    )


def _says_updated(tag: Tag) -> bool:
    return bool(re.search(r"updated|modified", _names(tag), re.I))


def _json_ld_dates(scripts: list[str]) -> list[str]:
    """`datePublished` of the JSON-LD objects, articles first."""
    articles: list[str] = []
    others: list[str] = []
    for script in scripts:
        try:
            data = json.loads(script)
        except (ValueError, RecursionError):
            continue
        for obj in json_ld_objects(data, into=("@graph", "mainEntity")):
            value = obj.get("datePublished")
            if isinstance(value, list) and value:
                value = value[0]
            if not isinstance(value, str):
                continue
            kind = obj.get("@type")
            kinds = " ".join(map(str, kind)) if isinstance(kind, list) else str(kind or "")
            (articles if _ARTICLE_TYPES.search(kinds) else others).append(value)
    return articles + others


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

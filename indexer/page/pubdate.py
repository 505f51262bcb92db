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
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Tag

from indexer.language.dates import (
    Stamp,
    TextDate,
    date_from_url,
    month_from_url,
    order_from_dates,
    order_from_host,
    order_from_locale,
    parse_stamp,
    plausible_published,
    text_dates,
)
from indexer.page.date_scan import (
    NEAR_DAYS,
    _is_furniture,
    _names,
    _Page,
    _read_lines,
    _shown_dates,
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


@dataclass(frozen=True, slots=True)
class PageDate:
    """The publication date of a page and where it came from ("" and None when unknown)."""

    value: dt.date | None
    source: str
    precision: str = "day"  # "month" (a /2024/03/ URL) or "year" (11/04/2008, order unknown)


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

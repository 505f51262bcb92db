"""Article pages written by code, each with the publication date a reader of it would give.

A second check for the publication date beside GUM Wikinews (whose 43 texts were read while
tuning): pages in many layouts that put the date where real sites put it, and the traps real
sites set. Every page is generated here from a seed; no text comes from anywhere else.

Cases (`PageCase.case`):
- us_order / eu_order: a numeric byline date (both parts <= 12) on a page that says its order
  by its language, og:locale, country domain, or another unambiguous date on the page;
- ambiguous: the same date with nothing to read it by (gold: the year only), or with a URL
  that names the month (gold: the day);
- masthead: a site header or top bar showing today's date, the article's date elsewhere (or
  nowhere: gold None);
- dateline: a wire dateline or a dated lead paragraph;
- placeholder: JSON-LD or meta `0001-01-01` / a date in the future, the real date in the URL or
  the byline;
- url: only the URL path has the date (/y/m/d: the day; /y/m/: the month);
- utc_local: a UTC timestamp in the metadata one day off the byline's local date, or a stamp
  with an offset whose written date is the local one;
- updated: "Published ... | Updated ..." (the published one), or only "Updated ..." ;
- furniture: dates only in related-article lists, comments, a calendar widget or a copyright
  footer (gold None);
- sentence: a date only inside a sentence about another event (gold None).
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass

MONTHS = (
    "January February March April May June July August September October November December"
).split()
CITIES = "LONDON PARIS NAIROBI OTTAWA LIMA MANILA OSLO ACCRA HANOI QUITO".split()
AGENCIES = ("Reuters", "AP", "AFP", "dpa")
SURNAMES = "Okafor Lindqvist Moreau Tanaka Haddad Novak Silva Byrne Kowalski Mensah".split()
GIVEN = "Ana Ben Chidi Dora Emil Farah Goran Hana Ivo Jana".split()
TOPICS = (
    ("Council", "approves", "new harbour bridge"),
    ("Regulator", "fines", "two ferry operators"),
    ("University", "opens", "a flood research centre"),
    ("Court", "delays", "ruling on water rights"),
    ("Ministry", "publishes", "rail timetable review"),
    ("Museum", "returns", "three carved doors"),
)
EU_LANGS = ("en-GB", "de", "fr", "es-ES", "it", "nl-NL", "en-IE", "pt-PT", "pl", "da")
EU_HOSTS = ("example.co.uk", "example.de", "example.fr", "example.nl", "example.ie")


@dataclass(frozen=True, slots=True)
class PageCase:
    """One generated page and the publication date its reader would give (None: no date)."""

    case: str
    variant: str
    html: str
    url: str
    gold: dt.date | None
    precision: str = "day"


def _long(day: dt.date, rng: random.Random) -> str:
    """A written-out date in one of the forms sites use."""
    forms = (
        f"{MONTHS[day.month - 1]} {day.day}, {day.year}",
        f"{day.day} {MONTHS[day.month - 1]} {day.year}",
        f"{MONTHS[day.month - 1][:3]}. {day.day}, {day.year}",
        f"{day:%A}, {day.day} {MONTHS[day.month - 1]} {day.year}",
        f"{day:%A}, {MONTHS[day.month - 1]} {day.day}, {day.year}",
    )
    return rng.choice(forms)


def _paragraphs(rng: random.Random, n: int) -> list[str]:
    verbs = "said inspected reviewed announced questioned delayed approved".split()
    things = "the budget|the new ferry timetable|repairs to the quay|a report on tolls".split("|")
    return [
        f"{rng.choice(GIVEN)} {rng.choice(SURNAMES)}, a spokesperson, "
        f"{rng.choice(verbs)} {rng.choice(things)} and {rng.choice(verbs)} "
        f"{rng.choice(things)} after a long meeting with residents of the district."
        for _ in range(n)
    ]


class _Page:
    """A page assembled from optional parts, in one of several layouts."""

    def __init__(self, rng: random.Random, *, lang: str = "en", title: str = "") -> None:
        self.rng = rng
        self.lang = lang
        subject, verb, rest = rng.choice(TOPICS)
        self.title = title or f"{subject} {verb} {rest}"
        self.head: list[str] = []
        self.masthead: list[str] = []
        self.before_headline: list[str] = []
        self.byline: list[str] = []
        self.body: list[str] = [f"<p>{p}</p>" for p in _paragraphs(rng, rng.randint(3, 6))]
        self.after: list[str] = []
        self.footer = f"<footer><p>© 2003-{rng.randint(2019, 2024)} Example News</p></footer>"

    def author(self) -> str:
        return f"{self.rng.choice(GIVEN)} {self.rng.choice(SURNAMES)}"

    def render(self) -> str:
        layout = self.rng.choice(("article", "div.post", "div.story", "main", "bare"))
        headline = f"<h1>{self.title}</h1>"
        inner = "\n".join([*self.before_headline, headline, *self.byline, *self.body])
        if layout == "article":
            top = "\n".join([*self.before_headline, headline, *self.byline])
            rest = "\n".join(self.body)
            article = f"<article><header>{top}</header>{rest}</article>"
        elif layout == "div.post":
            article = f'<div class="post entry">{inner}</div>'
        elif layout == "div.story":
            article = f'<div id="story" class="story-body">{inner}</div>'
        elif layout == "main":
            article = f"<main>{inner}</main>"
        else:
            article = inner
        nav = "<nav><ul><li><a href='/'>Home</a></li><li><a href='/news'>News</a></li></ul></nav>"
        masthead = "\n".join(self.masthead)
        site_header = (
            f'<header class="site-header"><div class="logo">Example News</div>{masthead}{nav}'
            "</header>"
        )
        return (
            f'<!doctype html><html lang="{self.lang}"><head><meta charset="utf-8">'
            f"<title>{self.title} | Example News</title>{''.join(self.head)}</head><body>"
            f"{site_header}{article}{''.join(self.after)}{self.footer}</body></html>"
        )


def _byline(page: _Page, date_text: str) -> str:
    author = page.author()
    forms = (
        f'<p class="byline">By {author} | {date_text}</p>',
        f'<div class="meta"><span class="author">{author}</span>'
        f'<span class="date">{date_text}</span></div>',
        f'<p class="byline">By {author}</p><p class="dateline">{date_text}</p>',
        f'<div class="article-info">Published {date_text} by {author}</div>',
        f"<p>By {author}, {date_text}</p>",
    )
    return page.rng.choice(forms)


def _ambiguous_day(rng: random.Random) -> dt.date:
    """A date whose day and month are both 12 or less and differ."""
    while True:
        day = dt.date(rng.randint(2004, 2023), rng.randint(1, 12), rng.randint(1, 12))
        if day.day != day.month:
            return day


def _day(rng: random.Random) -> dt.date:
    return dt.date(2004, 1, 1) + dt.timedelta(days=rng.randint(0, 7200))


def _numeric(day: dt.date, order: str, rng: random.Random) -> str:
    sep = rng.choice("/.") if order == "dmy" else "/"
    first, second = (day.month, day.day) if order == "mdy" else (day.day, day.month)
    return f"{first:02d}{sep}{second:02d}{sep}{day.year}"


def _slug(page: _Page) -> str:
    return "-".join(page.title.lower().split())


def us_order(rng: random.Random) -> PageCase:
    day = _ambiguous_day(rng)
    variant = rng.choice(("lang", "og:locale", "host", "other-date"))
    page = _Page(rng, lang="en-US" if variant == "lang" else "en")
    host = "example.us" if variant == "host" else "example.com"
    if variant == "og:locale":
        page.head.append('<meta property="og:locale" content="en_US">')
    page.byline.append(_byline(page, _numeric(day, "mdy", rng)))
    if variant == "other-date":
        later = day + dt.timedelta(days=rng.randint(40, 300))
        later = later.replace(day=rng.randint(13, 28))
        page.body.append(
            f"<p>Correction appended {later.month:02d}/{later.day:02d}/{later.year}.</p>"
        )
    return PageCase("us_order", variant, page.render(), f"https://{host}/news/{_slug(page)}", day)


def eu_order(rng: random.Random) -> PageCase:
    day = _ambiguous_day(rng)
    variant = rng.choice(("lang", "og:locale", "host", "other-date"))
    page = _Page(rng, lang=rng.choice(EU_LANGS) if variant == "lang" else "en")
    host = rng.choice(EU_HOSTS) if variant == "host" else "example.com"
    if variant == "og:locale":
        page.head.append(
            f'<meta property="og:locale" content="{rng.choice(("en_GB", "fr_FR", "de_DE"))}">'
        )
    page.byline.append(_byline(page, _numeric(day, "dmy", rng)))
    if variant == "other-date":
        later = day + dt.timedelta(days=rng.randint(40, 300))
        later = later.replace(day=rng.randint(13, 28))
        page.body.append(
            f"<p>Correction appended {later.day:02d}/{later.month:02d}/{later.year}.</p>"
        )
    return PageCase("eu_order", variant, page.render(), f"https://{host}/news/{_slug(page)}", day)


def ambiguous(rng: random.Random) -> PageCase:
    day = _ambiguous_day(rng)
    page = _Page(rng, lang="en")
    page.byline.append(_byline(page, _numeric(day, rng.choice(("mdy", "dmy")), rng)))
    if rng.random() < 0.5:
        url = f"https://example.com/{day.year}/{day.month:02d}/{_slug(page)}"
        return PageCase("ambiguous", "url-month", page.render(), url, day)
    url = f"https://example.com/news/{_slug(page)}"
    return PageCase(
        "ambiguous", "no-signal", page.render(), url, day.replace(month=1, day=1), "year"
    )


def masthead(rng: random.Random) -> PageCase:
    day = _day(rng)
    today = day + dt.timedelta(days=rng.randint(1, 900))
    page = _Page(rng)
    shown = _long(today, rng)
    page.masthead.append(
        rng.choice(
            (
                f'<div class="date-today">{shown}</div>',
                f'<div class="top-bar"><span>Today is {shown}</span> '
                "<span>Weather: 18°C</span></div>",
                f'<p class="current-date"><time datetime="{today.isoformat()}">{shown}</time></p>',
                f"<div>{shown}</div>",
            )
        )
    )
    variant = rng.choice(("byline", "time", "none"))
    if variant == "byline":
        page.byline.append(_byline(page, _long(day, rng)))
    elif variant == "time":
        page.byline.append(
            f'<p class="byline">By {page.author()} <time datetime="{day.isoformat()}T09:30">'
            f"{_long(day, rng)}</time></p>"
        )
    url = f"https://example.com/news/{_slug(page)}"
    return PageCase("masthead", variant, page.render(), url, None if variant == "none" else day)


def dateline(rng: random.Random) -> PageCase:
    day = _day(rng)
    page = _Page(rng)
    lead = page.body[0][3:-4]
    variant = rng.choice(("wire", "lead", "no-year"))
    if variant == "wire":
        page.body[0] = (
            f"<p>{rng.choice(CITIES)}, {day.day} {MONTHS[day.month - 1]} {day.year} "
            f"({rng.choice(AGENCIES)}) - {lead}</p>"
        )
    elif variant == "lead":
        page.body[0] = f"<p>{MONTHS[day.month - 1][:3]}. {day.day}, {day.year} -- {lead}</p>"
    else:
        page.body[0] = (
            f"<p>{rng.choice(CITIES)}, {MONTHS[day.month - 1]} {day.day} "
            f"({rng.choice(AGENCIES)}) - {lead}</p>"
        )
    url = f"https://example.com/world/{_slug(page)}"
    return PageCase("dateline", variant, page.render(), url, None if variant == "no-year" else day)


def placeholder(rng: random.Random) -> PageCase:
    day = _day(rng)
    page = _Page(rng)
    variant = rng.choice(("json-ld+url", "meta+byline", "future+byline"))
    if variant == "future+byline":
        bad = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=rng.randint(3, 4000))).isoformat()
    else:
        bad = rng.choice(("0001-01-01T00:00:00Z", "0001-01-01", "0000-00-00", "1899-12-31"))
    if variant == "json-ld+url":
        ld = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": page.title,
            "datePublished": bad,
        }
        page.head.append(f'<script type="application/ld+json">{json.dumps(ld)}</script>')
        url = f"https://example.com/{day.year}/{day.month:02d}/{day.day:02d}/{_slug(page)}"
    else:
        page.head.append(f'<meta property="article:published_time" content="{bad}">')
        page.byline.append(_byline(page, _long(day, rng)))
        url = f"https://example.com/news/{_slug(page)}"
    return PageCase("placeholder", variant, page.render(), url, day)


def url_only(rng: random.Random) -> PageCase:
    day = _day(rng)
    page = _Page(rng)
    if rng.random() < 0.5:
        url = f"https://example.com/{day.year}/{day.month:02d}/{day.day:02d}/{_slug(page)}/"
        return PageCase("url", "day", page.render(), url, day)
    url = f"https://example.com/{day.year}/{day.month:02d}/{_slug(page)}/"
    return PageCase("url", "month", page.render(), url, day.replace(day=1), "month")


def utc_local(rng: random.Random) -> PageCase:
    day = _day(rng)
    page = _Page(rng)
    variant = rng.choice(("ahead", "behind", "offset"))
    if variant == "ahead":  # a page in a zone ahead of UTC: its evening is the next day
        eve = day - dt.timedelta(days=1)
        stamp = f"{eve.isoformat()}T{rng.randint(20, 23)}:{rng.randint(10, 59)}:00Z"
    elif variant == "behind":  # a page behind UTC: its evening is already tomorrow in UTC
        morning = day + dt.timedelta(days=1)
        stamp = f"{morning.isoformat()}T0{rng.randint(0, 4)}:{rng.randint(10, 59)}:00+00:00"
    else:  # the offset is the page's own: the date as written is local
        zone = rng.choice(("-05:00", "+05:30", "-08:00", "+09:00"))
        stamp = f"{day.isoformat()}T{rng.randint(20, 23)}:15:00{zone}"
    page.head.append(f'<meta property="article:published_time" content="{stamp}">')
    if variant != "offset" or rng.random() < 0.5:
        page.byline.append(_byline(page, _long(day, rng)))
    return PageCase(
        "utc_local", variant, page.render(), f"https://example.com/news/{_slug(page)}", day
    )


def updated(rng: random.Random) -> PageCase:
    day = _day(rng)
    later = day + dt.timedelta(days=rng.randint(1, 20))
    page = _Page(rng)
    variant = rng.choice(("both", "updated-first", "updated-only"))
    if variant == "both":
        page.byline.append(
            f'<p class="dates">Published {_long(day, rng)} | Updated {_long(later, rng)}</p>'
        )
    elif variant == "updated-first":
        page.byline.append(
            f'<p class="dates">Last updated: {_long(later, rng)}</p>'
            f"<p>First published: {_long(day, rng)}</p>"
        )
    else:
        page.byline.append(f'<p class="dates">Updated {_long(later, rng)}</p>')
    gold = later if variant == "updated-only" else day
    return PageCase(
        "updated", variant, page.render(), f"https://example.com/news/{_slug(page)}", gold
    )


def furniture(rng: random.Random) -> PageCase:
    page = _Page(rng)
    base = _day(rng)
    variant = rng.choice(("related", "comments", "teasers", "calendar"))
    if variant == "related":
        items = "".join(
            f"<li><a href='/n/{i}'>Story {i}</a> "
            f"<span>{_long(base - dt.timedelta(days=i), rng)}</span></li>"
            for i in range(1, 5)
        )
        page.after.append(
            f'<aside class="related-stories"><h2>Related</h2><ul>{items}</ul></aside>'
        )
    elif variant == "comments":
        items = "".join(
            f'<div class="comment"><p class="comment-meta">{page.author()} on '
            f"{_long(base + dt.timedelta(days=i), rng)}</p><p>Good piece.</p></div>"
            for i in range(3)
        )
        page.after.append(f'<section id="comments"><h2>Comments</h2>{items}</section>')
    elif variant == "teasers":
        items = "".join(
            f'<div class="card"><h3>Story {i}</h3><span class="date">'
            f"{_long(base - dt.timedelta(days=i), rng)}</span></div>"
            for i in range(1, 5)
        )
        page.after.append(f"<div>{items}</div>")
    else:
        page.after.append(f'<div class="widget calendar"><p>{_long(base, rng)}</p></div>')
    return PageCase(
        "furniture", variant, page.render(), f"https://example.com/news/{_slug(page)}", None
    )


def sentence(rng: random.Random) -> PageCase:
    page = _Page(rng)
    other = _day(rng)
    page.body.insert(
        1, f"<p>The festival, which opened on {_long(other, rng)}, drew large crowds.</p>"
    )
    page.body.append(
        f"<p>Hearings resume on {MONTHS[other.month - 1]} {other.day}, {other.year + 1}, "
        "the court said.</p>"
    )
    return PageCase(
        "sentence", "in-sentence", page.render(), f"https://example.com/news/{_slug(page)}", None
    )


MAKERS = (
    us_order,
    eu_order,
    ambiguous,
    masthead,
    dateline,
    placeholder,
    url_only,
    utc_local,
    updated,
    furniture,
    sentence,
)


def generate(n_per_case: int = 40, seed: int = 0) -> Iterator[PageCase]:
    """`n_per_case` pages of every case, reproducible from `seed`."""
    rng = random.Random(seed)
    for make in MAKERS:
        for _ in range(n_per_case):
            yield make(rng)

"""The publication date: which order a source writes numeric dates in (locale, host, its
own unambiguous dates), a date line or byline near the top of the text, and the choice
between metadata, URL and text (`choose_published`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

from indexer.language.date_reading import (
    _MONTH,
    _NUMERIC,
    _WEEKDAY,
    DMY,
    HEAD_LIMIT,
    HEAD_LINES,
    MDY,
    TEXT_LIMIT,
    _full_dates,
    date_from_url,
    plausible_published,
)

# -- the day/month order of numeric dates ------------------------------------------------

# regions that write the month first (11/04/2008 = 4 November); everywhere else writes the day
# first, except where dates are written year first and a d/m/y date says nothing of the order
_MDY_REGIONS = frozenset("us ph pr gu as vi mp um fm mh pw".split())
_NO_ORDER_REGIONS = frozenset("ca cn jp kr tw hu lt mn ir".split())
_YEAR_FIRST_LANGUAGES = frozenset("zh ja ko hu lt mn".split())
# country-code domains that sites anywhere register for the name, so they say nothing
_VANITY_TLDS = frozenset(
    "io co tv me ly fm ai gg to cc ws la am so sh ac nu tk ml ga cf gq".split()
)


def order_from_locale(*tags: str) -> str:
    """ "mdy", "dmy" or "" from language tags ("en-US", "en_GB", "de"), the first that says:
    a region decides (US and a few others month first); a language without a region decides
    unless it is English (written both ways) or a year-first language."""
    for tag in tags:
        parts = [p for p in re.split(r"[-_\s]+", (tag or "").strip().lower()) if p]
        if not parts or not parts[0].isalpha() or len(parts[0]) > 3:
            continue
        language = parts[0]
        region = next((p for p in parts[1:] if len(p) == 2 and p.isalpha()), "")
        if region:
            if region in _MDY_REGIONS:
                return MDY
            if region in _NO_ORDER_REGIONS or language in _YEAR_FIRST_LANGUAGES:
                continue
            return DMY
        if language in ("en", "und") or language in _YEAR_FIRST_LANGUAGES:
            continue
        return DMY
    return ""


def order_from_host(host: str) -> str:
    """ "mdy", "dmy" or "" from a site's country-code domain (.us month first, .uk day first);
    generic domains (.com, .org) and ones registered for the name (.io, .tv) say nothing."""
    tld = host.rstrip(".").rsplit(".", 1)[-1].lower()
    if len(tld) != 2 or not tld.isalpha() or tld in _VANITY_TLDS or tld in _NO_ORDER_REGIONS:
        return ""
    return MDY if tld in _MDY_REGIONS else DMY


def order_from_dates(text: str) -> str:
    """ "mdy" or "dmy" when most of the unambiguous numeric dates in `text` (12/25/2024 or
    25/12/2024) read one way, else ""."""
    month_first = day_first = 0
    for match in _NUMERIC.finditer(text):
        first, second = int(match[1]), int(match[3])
        if 1 <= first <= 12 < second <= 31:
            month_first += 1
        elif 1 <= second <= 12 < first <= 31:
            day_first += 1
    return MDY if month_first > day_first else DMY if day_first > month_first else ""


# -- publication date from the text ----------------------------------------------------

_SEGMENT_SPLIT = re.compile(r"\s+(?:[|·•/]|//)\s+|\s*[|·•]\s*|\s+[-–—]\s+")
_TIME = re.compile(
    r"\b\d{1,2}(?:[:.]\d{2}){1,2}\s*(?:[ap]\.?m\.?)?|\b\d{1,2}\s*[ap]\.?m\.?|"
    r"\b(?:gmt|utc|bst|cet|cest|est|edt|cst|cdt|mst|mdt|pst|pdt|et|pt|ist|aest|aedt|jst|hkt|"
    r"sgt)\b(?:\s*[+-]\s*\d{1,2}(?::?\d{2})?)?|(?<![\w+-])[+-]\d{2}:?\d{2}\b",
    re.I,
)
_LEAD_WORDS = re.compile(
    r"^(?:(?:(?:first|originally)\s+)?(?:published|posted)|publication\s+date|pub\.?\s+date|"
    r"date|dated|created|issued|released|filed|written|(?:for\s+immediate\s+)?release(?:\s+date)?|"
    r"(?:last\s+)?(?:updated|modified|revised|edited)|on|at)\b[\s:]*",
    re.I,
)
_UPDATED = re.compile(r"\b(?:updated|modified|revised|edited)\b", re.I)
_NEVER = re.compile(
    r"©|\(c\)|copyright|all rights reserved|\b(?:accessed|retrieved|archived|printed|today)\b",
    re.I,
)
_BY = re.compile(
    r"^(?:(?:posted|written|published|submitted|filed|story|words|reported|text)\s+)?by\s+\S",
    re.I,
)
# "By Jane Doe and John Roe, Associated Press " up to a date: capitalised words and particles,
# or one user name ("Posted by admin on ...")
_BY_NAMES = re.compile(
    r"(?:(?:[Pp]osted|[Ww]ritten|[Pp]ublished|[Ss]ubmitted|[Ff]iled|[Ss]tory|[Ww]ords|"
    r"[Rr]eported|[Tt]ext)\s+)?(?:by|By|BY)\s+"
    r"(?:(?:(?:[A-Z][\w'’.-]*|and|&|de|da|di|du|van|von|der|den|la|le|del|bin|al)[\s,]+){1,8}"
    r"|[\w.@-]+[\s,]+)(?:in\s+[\w &'’-]{1,40}?\s+(?=on\b))?(?:(?:on|at|[-–—:|])\s*)?"
    rf"(?:(?i:{_WEEKDAY}),?\s+)?"
)
# "... on August 9, 2012 in Uncategorized": the post's category after its date
_IN_CATEGORY = re.compile(r",?\s+(?:in|under|filed under)\s+[\w &,.'’-]{1,60}$")
_STAMP_WORD = re.compile(
    r"\b(?:(?:first|originally)\s+)?(?:published|posted|updated|last updated)\b", re.I
)
# the start of a range ("8 November - ", "March 3 - ", "3-") before a date
_RANGE = re.compile(
    rf"(\b\d{{1,2}}(?:st|nd|rd|th)? {_MONTH}|\b{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?|"
    rf"(?<![:.\d])\d{{1,2}})\s*[-–—]\s*(?=\d{{1,2}}(?:st|nd|rd|th)? {_MONTH}|{_MONTH} \d)",
    re.I,
)
_NAMES = r"(?:[A-Z][\w'’.-]*|and|&|de|da|di|du|van|von|der|den|la|le|del|bin|al)"
# what may stand around a date in a date line: "Posted in News on DATE", "Jane Doe on DATE",
# "DATE by Jane Doe", "DATE in Uncategorized"
_AROUND_DATE = (
    re.compile(
        r"^(?:posted|filed|published)\s+(?:in|to|under|as)\s+[\w &'’-]{1,40}?\s+on\s+", re.I
    ),
    re.compile(rf"^{_NAMES}(?:\s+{_NAMES}){{0,3}}\s+on\s+"),
    _IN_CATEGORY,
    re.compile(rf",?\s+(?:by|By|BY)\s+{_NAMES}(?:\s+{_NAMES}){{0,4}},?$"),
)
_DATELINE = re.compile(r"^[A-Z][A-Z.'’ -]{1,40}(?:,\s*[A-Z][A-Za-z.'’ -]{1,40})?\s*,\s*")
_OPENING_STAMP = re.compile(
    rf"(?:(?:first|originally)\s+)?(?:published|posted)(?:\s+on)?[\s:]+(?:(?:{_WEEKDAY}),?\s+)?",
    re.I,
)
_WEEKDAY_RE = re.compile(rf"\b(?:{_WEEKDAY})\b,?", re.I)
_STRIP = " \t,.;:()[]-–—/@"


@dataclass(frozen=True, slots=True)
class TextDate:
    """A date a line of text states as the page's own: "published" (a byline, a dateline, a
    "Published ..." stamp or a line that is only a date) or "updated" ("Updated ...").
    `value` is None when the date is numeric and its day/month order is not known; then
    `readings` holds both ways of reading it."""

    value: dt.date | None
    kind: str
    readings: tuple[dt.date, ...] = ()


def _date_only(segment: str, order: str = "") -> TextDate | None:
    """The date when `segment` is nothing but a date (plus weekday, time, "Published" ...)."""
    if _NEVER.search(segment):
        return None
    found = _full_dates(segment, order)
    if len(found) != 1:
        return None
    only = found[0]
    rest = segment[: only.start] + " " + segment[only.end :]
    rest = _TIME.sub(" ", rest)
    rest = _WEEKDAY_RE.sub(" ", rest)
    rest = rest.strip(_STRIP)
    while True:
        stripped = _LEAD_WORDS.sub("", rest).strip(_STRIP)
        if stripped == rest:
            break
        rest = stripped
    if rest:
        return None
    kind = "updated" if _UPDATED.search(segment) else "published"
    return TextDate(only.value, kind, only.readings)


def _first(found: list[TextDate]) -> TextDate | None:
    """A published date before an updated one, a known one before an ambiguous one."""
    for wanted in ((True, "published"), (False, "published"), (True, "updated")):
        for item in found:
            if (item.value is not None) == wanted[0] and item.kind == wanted[1]:
                return item
    return next((item for item in found if item.kind == "updated"), None)


def line_date(line: str, order: str = "") -> TextDate | None:
    """The date a byline, date line or dateline states, if the line is one.

    Takes "By Jane Doe | 14 March 2024", "Published: 3 June 2024 | Updated: 5 June 2024"
    (the published one), "Monday, 3 June 2024", "LONDON, 14 March 2024 (Reuters) - The ...";
    refuses a date inside a sentence, a copyright line or a "today" widget."""
    line = line.strip()
    # "Feb. 23, 2015 -- Life-threatening peanut allergies ...": a dated lead paragraph
    dates = _full_dates(line[:40], order)
    if dates and dates[0].start == 0 and re.match(r"\s*(?:--|—|–)\s*\w", line[dates[0].end :]):
        return TextDate(dates[0].value, "published", dates[0].readings)
    if not line or len(line) > 200:
        return None
    # "Posted on October 30, 2012 at 12:13 am as Theme", "Published on November 7th, 2012
    # Read the 8 comments »": a stamp that opens the line covers the date right after it
    if stamp := _OPENING_STAMP.match(line):
        dates = _full_dates(line, order)
        if dates and dates[0].start == stamp.end():
            return TextDate(dates[0].value, "published", dates[0].readings)
    # "8 November - 27 January, 2013" is a range (an exhibition), not a date line
    line = _RANGE.sub(r"\1 to ", line)
    if _BY.match(line):
        segments = _SEGMENT_SPLIT.split(line)
        found = [d for segment in segments[1:] if (d := _date_only(segment, order))]
        if found:
            return _first(found)
        # "By Jane Doe, March 14, 2024", "by Jane Doe on 10/18/2012": the date after the names
        dates = _full_dates(segments[0], order)
        if dates and _BY_NAMES.fullmatch(segments[0][: dates[0].start]):
            return _date_only(_IN_CATEGORY.sub("", segments[0][dates[0].start :]), order)
        # "By New Statesman Published 09 November 2012 17:39"
        stamp = _STAMP_WORD.search(segments[0])
        return _date_only(segments[0][stamp.start() :], order) if stamp else None
    found = []
    context = "published"  # "Updated 10:31 | 5 June 2024": a keyword covers what follows it
    for segment in _SEGMENT_SPLIT.split(line):
        if keyword := _STAMP_WORD.search(segment):
            context = "updated" if _UPDATED.search(keyword.group()) else "published"
        if d := _date_only(segment, order):
            found.append(replace(d, kind=context) if keyword is None else d)
    if not found:
        for segment in _SEGMENT_SPLIT.split(line):
            for pattern in _AROUND_DATE:
                segment = pattern.sub("", segment)
            if d := _date_only(segment, order):
                found.append(d)
    if found:
        return _first(found)
    # "LONDON, 14 March 2024 (Reuters) - The ..." - a wire dateline opening the story
    dateline = _DATELINE.match(line)
    if dateline:
        dates = _full_dates(line, order)
        if dates and dates[0].start == dateline.end():
            after = line[dates[0].end :]
            if re.match(r"\s*(?:\([^)]{1,40}\))?\s*[-–—:]", after):
                return TextDate(dates[0].value, "published", dates[0].readings)
    return None


def _head_lines(text: str) -> list[str]:
    lines = [line for line in text[:HEAD_LIMIT].splitlines() if line.strip()]
    return lines[:HEAD_LINES]


PROSE_CHARS = 100  # a line this long is a paragraph of the text, not a heading or date line
LIST_DATES = 3  # date lines below the prose naming this many different days list other items


def text_dates(text: str, order: str = "") -> list[tuple[TextDate, str]]:
    """The dates the top of a text states as its own, each with where: "byline" (one of the
    first lines) or "text" (a line further in that is nothing but a date), in reading order.

    Date lines below the first paragraph of prose that name LIST_DATES or more different
    days are a list the extractor kept (teasers, other stories, comments), none of them this
    text's date; a date line above the prose still is."""
    found: list[tuple[TextDate, str]] = []
    below_prose: list[int] = []  # indexes into found of the dates after the first paragraph
    prose = False
    lines = _head_lines(text)
    head_end = text.find(lines[-1]) + len(lines[-1]) if lines else 0
    further = [line.strip() for line in text[head_end:TEXT_LIMIT].splitlines()]
    for i, line in enumerate([*lines, *further]):
        if i < len(lines):
            value, where = line_date(line, order), "byline"
        elif line and len(line) <= 80:
            value, where = _date_only(line, order), "text"
        else:
            value = None
        if value is not None:
            if prose:
                below_prose.append(len(found))
            found.append((value, where))
        prose = prose or len(line) > PROSE_CHARS
    listed = {found[i][0].value or found[i][0].readings for i in below_prose}
    if len(listed) >= LIST_DATES:
        found = [item for i, item in enumerate(found) if i not in set(below_prose)]
    return found


def pick_text_date(
    found: list[tuple[TextDate, str]], today: dt.date | None = None
) -> tuple[dt.date | None, str]:
    """The publication date among `text_dates`: the first published date, else the first
    "Updated" one (source "updated"); implausible dates (before 1900, after tomorrow) skipped."""
    usable = [(d, s) for d, s in found if d.value is None or plausible_published(d.value, today)]
    chosen = _first([d for d, _ in usable])
    if chosen is None or chosen.value is None:
        return None, ""
    source = next(s for d, s in usable if d is chosen)
    return chosen.value, "updated" if chosen.kind == "updated" else source


def date_from_byline(text: str) -> dt.date | None:
    """The date a byline or dateline near the top states (or, failing that, a standalone
    dateline line further in); a date inside a sentence is not a publication date."""
    value, _ = pick_text_date(text_dates(text, order_from_dates(text)))
    return value


def choose_published(
    *,
    metadata: dt.date | None,
    url: str,
    text: str,
    order: str = "",
    today: dt.date | None = None,
) -> tuple[dt.date | None, str]:
    """The publication date and where it came from: "metadata", "url", "byline", "text" or
    "updated" (an "Updated ..." stamp, only when nothing states the publication).

    `metadata` is a date the caller already parsed from the document's own fields; it is
    skipped when implausible (before 1900, after tomorrow: see `plausible_published`), and so
    is a URL date. `order` ("mdy"/"dmy") reads numeric dates such as 11/04/2008; without it
    the text's own unambiguous numeric dates decide, and a date still ambiguous is not taken.
    Returns (None, "") when nothing states the date explicitly.
    """
    if metadata is not None:
        if isinstance(metadata, dt.datetime):
            metadata = metadata.date()
        if plausible_published(metadata, today):
            return metadata, "metadata"
    if url:
        value = date_from_url(url)
        if value is not None and plausible_published(value, today):
            return value, "url"
    if text:
        return pick_text_date(text_dates(text, order or order_from_dates(text)), today)
    return None, ""

"""Reading full dates: the month and weekday names, explicit dates in text (ISO, "14 March
2024", numeric in a known order), date stamps, dates in URL paths, and what counts as a
plausible publication date.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from search.words import MONTHS, WEEKDAYS

# each full name (search.words), its first three letters, and "sept"
_MONTHS = {name: i for i, full in enumerate(MONTHS, start=1) for name in (full, full[:3])} | {
    "sept": 9
}
_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
# each full name (search.words), its first three letters, and the longer abbreviations
_WEEKDAYS = {name: i for i, full in enumerate(WEEKDAYS) for name in (full, full[:3])} | {
    "tues": 1,
    "thur": 3,
    "thurs": 3,
}
_WEEKDAY = (
    r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)\.?|(?:mon|tues|wednes|thurs|fri|satur|sun)day"
)
_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_YMD = re.compile(r"(?<![\d/.])(\d{4})/(\d{1,2})/(\d{1,2})(?![\d/.])")
_DMY = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?[ -](?:of )?{_MONTH}[ ,-]+(\d{{4}})\b", re.I)
_MDY = re.compile(rf"\b{_MONTH} (\d{{1,2}})(?:st|nd|rd|th)?,? (\d{{4}})\b", re.I)
_NUMERIC = re.compile(r"(?<![\d/.])(\d{1,2})([/.])(\d{1,2})\2(\d{4})(?![\d/]|\.\d)")
_URL = re.compile(r"/((?:19|20)\d{2})[/-](\d{1,2})[/-](\d{1,2})(?:/|$|[-_.])")
_URL_MONTH = re.compile(r"/((?:19|20)\d{2})/(0?[1-9]|1[0-2])/(?!\d{1,2}(?:/|$|[-_.]))")
# an ISO date with an optional time of day and zone: "2024-03-14T23:30:00Z", "... -05:00"
_STAMP = re.compile(
    r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?"
    r"\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?)?",
    re.I,
)
MIN_YEAR, MAX_YEAR = 1800, 2100
EARLIEST_PUBLISHED = dt.date(1900, 1, 1)  # before this a "publication date" is a placeholder
HEAD_CHARS = 400  # kept for callers; the byline search uses HEAD_LINES / HEAD_LIMIT
HEAD_LINES = 8  # non-empty lines that count as "the top" (title, standfirst, byline)
HEAD_LIMIT = 1000  # ... and never further in than this many characters
TEXT_LIMIT = 3000  # a standalone dateline line further in is only looked for this far
NEAR_DAYS = 183  # a month-day without a year is resolved only this close to publication
MDY, DMY = "mdy", "dmy"  # the two orders of a numeric date such as 11/04/2008


def _make(year: int, month: int, day: int) -> dt.date | None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _readings(first: int, second: int, year: int) -> tuple[dt.date, ...]:
    """The valid readings of a numeric date, month/day first, then day/month."""
    found = [d for d in (_make(year, first, second), _make(year, second, first)) if d]
    return tuple(dict.fromkeys(found))


def _numeric(first: int, second: int, year: int, order: str = "") -> dt.date | None:
    """d/m/y or m/d/y: the only valid reading, else the one `order` ("mdy"/"dmy") gives."""
    readings = _readings(first, second, year)
    if len(readings) == 1:
        return readings[0]
    if order == MDY:
        return _make(year, first, second)
    if order == DMY:
        return _make(year, second, first)
    return None


def _from_match(pattern: re.Pattern[str], match: re.Match[str], order: str = "") -> dt.date | None:
    if pattern is _ISO or pattern is _YMD:
        return _make(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    if pattern is _NUMERIC:
        return _numeric(int(match.group(1)), int(match.group(3)), int(match.group(4)), order)
    if pattern is _DMY:
        return _make(
            int(match.group(3)), _MONTHS[match.group(2).lower().rstrip(".")], int(match.group(1))
        )
    return _make(
        int(match.group(3)), _MONTHS[match.group(1).lower().rstrip(".")], int(match.group(2))
    )


@dataclass(frozen=True, slots=True)
class _Found:
    start: int
    end: int
    value: dt.date | None  # None: a numeric date whose day/month order is not known
    readings: tuple[dt.date, ...]


def _full_dates(text: str, order: str = "") -> list[_Found]:
    """Every explicit full date in `text`, in order of position; a numeric date that reads
    both ways and `order` does not settle is kept with value None and both readings."""
    found: list[_Found] = []
    for pattern in (_ISO, _YMD, _DMY, _MDY, _NUMERIC):
        for match in pattern.finditer(text):
            value = _from_match(pattern, match, order)
            readings: tuple[dt.date, ...] = (value,) if value else ()
            if value is None and pattern is _NUMERIC:
                readings = _readings(int(match[1]), int(match[3]), int(match[4]))
            if readings:
                found.append(_Found(match.start(), match.end(), value, readings))
    found.sort(key=lambda f: (f.start, -f.end))
    kept: list[_Found] = []
    for item in found:
        if not kept or item.start >= kept[-1].end:
            kept.append(item)
    return kept


def parse_date_value(value: str) -> dt.date | None:
    """A date from a metadata value: ISO (with or without time) or a written-out date."""
    value = value.strip()
    if not value:
        return None
    for pattern in (_ISO, _DMY, _MDY):
        match = pattern.search(value)
        if match:
            return _from_match(pattern, match)
    if re.fullmatch(r"\d{8}", value):
        return _make(int(value[:4]), int(value[4:6]), int(value[6:]))
    return None


@dataclass(frozen=True, slots=True)
class Stamp:
    """A date a page's metadata declares, and whether it was stated as a UTC time of day (then
    the page's own local date may be a day either side of it)."""

    value: dt.date
    utc: bool = False


def parse_stamp(value: str, order: str = "") -> Stamp | None:
    """A metadata date or timestamp. A timestamp with an offset keeps its own (local) date: the
    date as written, never converted to UTC; "Z", "UTC" or "+00:00" marks the stamp as UTC.
    Written-out and numeric dates are read too (numeric ones in `order`, see `_numeric`)."""
    value = value.strip()[:200]
    match = _STAMP.search(value)
    if match:
        day = _make(int(match[1]), int(match[2]), int(match[3]))
        if day is None:
            return None
        zone = (match[4] or "").upper().replace(":", "")
        return Stamp(day, zone in ("Z", "UTC", "GMT", "+00", "+0000", "-00", "-0000"))
    found = _full_dates(value, order)
    if found:
        return Stamp(found[0].value) if found[0].value else None
    if re.fullmatch(r"\d{8}", value):
        day = _make(int(value[:4]), int(value[4:6]), int(value[6:]))
        return Stamp(day) if day else None
    return None


def latest_published(today: dt.date | None = None) -> dt.date:
    """The latest plausible publication date: tomorrow, since a page in a zone ahead of UTC may
    already be dated tomorrow. `today` defaults to today's UTC date (the one clock read)."""
    return (today or dt.datetime.now(dt.UTC).date()) + dt.timedelta(days=1)


def plausible_published(value: dt.date, today: dt.date | None = None) -> bool:
    """A publication date before 1900 is a placeholder (JSON-LD "0001-01-01") and one after
    tomorrow is an error or an event date; neither is the day the page was published."""
    return EARLIEST_PUBLISHED <= value <= latest_published(today)


def date_from_url(url: str) -> dt.date | None:
    match = _URL.search(url)
    return _make(int(match.group(1)), int(match.group(2)), int(match.group(3))) if match else None


def month_from_url(url: str) -> dt.date | None:
    """The first day of the month a URL path such as /2024/03/budget-vote names, when it names
    no day (a permalink scheme many blogs use)."""
    match = _URL_MONTH.search(url)
    return _make(int(match.group(1)), int(match.group(2)), 1) if match else None

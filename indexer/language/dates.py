"""Dates a newsroom can trust: the publication date, and the dates a text mentions.

Publication date (`choose_published`): document metadata, then the URL path, then a byline or
dateline near the top, then a standalone dateline line further in. Only explicit full dates
(ISO, "14 March 2024", "March 14, 2024", unambiguous numeric) count; a date inside a sentence,
a "© 2008-2024" footer or an "Updated ..." stamp is never taken as the publication date.
Unknown stays None.

Mentioned dates (`normalise_date`, `date_mentions`): a table of whole-span patterns, so
anything not recognised (durations, ages, vague phrases, ranges) is dropped rather than
guessed. Relative forms need the publication date and resolve against it as follows; without
it they stay unresolved (None). Nothing here reads the clock.

- "today"/"tonight"/"this morning" = publication day; "yesterday" = day - 1; "tomorrow" = +1.
- weekday ("Tuesday", "on Tuesday", "Tuesday night"): the most recent such day on or before
  publication (the last 6 days or the publication day itself) - news is mostly past tense -
  unless its sentence looks forward ("until Monday", "will meet on Friday": indexer.language.tense),
  then the next such day after publication.
  "last Tuesday" = 1-7 days before; "next Tuesday" = 1-7 days after; "this Tuesday",
  "a Tuesday", "the next Tuesday" are ambiguous and dropped.
- month-day without year ("Feb 26", "Dec. 3"): the occurrence nearest publication, and only
  when it is within 183 days of it; otherwise unresolved.
- month alone ("in January", "late September"): the occurrence nearest publication (within
  ±6 months, an exact 6-month tie goes to the past). "last January" = the latest January
  strictly before publication's month, "next January" the first strictly after, "this January"
  the one in publication's year.
- "last/this/next month|year" = month/year precision; "earlier/later this month|year" too.
- "N years|months|days ago" (N in digits or words, "a year ago") = year/month/day precision;
  "N weeks ago", "last week" have no week precision and are dropped.
- "the '90s"/"the 90s" = the latest such decade not after the publication year.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from indexer.language.tense import looks_forward
from search.documents import Mention
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

_SEGMENT_SPLIT = re.compile(r"\s+[|·•/]\s+|\s*[|·•]\s*|\s+[-–—]\s+")
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
    if not line or len(line) > 200:
        return None
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
    # "Feb. 23, 2015 -- Life-threatening peanut allergies ...": a dated lead paragraph
    dates = _full_dates(line[:40], order)
    if dates and dates[0].start == 0 and re.match(r"\s*(?:--|—|–)\s*\w", line[dates[0].end :]):
        return TextDate(dates[0].value, "published", dates[0].readings)
    return None


def _head_lines(text: str) -> list[str]:
    lines = [line for line in text[:HEAD_LIMIT].splitlines() if line.strip()]
    return lines[:HEAD_LINES]


def text_dates(text: str, order: str = "") -> list[tuple[TextDate, str]]:
    """The dates the top of a text states as its own, each with where: "byline" (one of the
    first lines) or "text" (a line further in that is nothing but a date), in reading order."""
    found: list[tuple[TextDate, str]] = []
    lines = _head_lines(text)
    for line in lines:
        if (value := line_date(line, order)) is not None:
            found.append((value, "byline"))
    head_end = text.find(lines[-1]) + len(lines[-1]) if lines else 0
    for line in text[head_end:TEXT_LIMIT].splitlines():
        segment = line.strip()
        if segment and len(segment) <= 80 and (value := _date_only(segment, order)):
            found.append((value, "text"))
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


# -- dates mentioned in the text ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DateValue:
    """What a date mention means: an ISO value at its precision."""

    value: str  # "2024-12-03" | "2024-12" | "2024" | "1990s"
    precision: str  # "day" | "month" | "year" | "decade"


_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
}
_NUMBER = r"(\d{1,3}|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + ")"
_LEADING = re.compile(
    r"^(?:(?:on|in|at|during|since|from|until|till|by|before|after|around|about|of|the|between|"
    r"as of|as early as|as late as|sometime in|some time in|circa|c\.)\s+"
    r"(?!next\b|following\b|previous\b|past\b|same\b))+"
)
_PART_OF_DAY = re.compile(r"\s+(?:morning|afternoon|evening|night|overnight|noon|midday)$")
_ORD = r"(?:st|nd|rd|th)?"
_DAY = r"(\d{1,2})" + _ORD
_PARTIAL = (
    r"(?:early|late|mid|end of|the end of|start of|the start of|beginning of|"
    r"the beginning of|middle of|the middle of|spring|summer|autumn|fall|winter|"
    r"first half of|the first half of|second half of|the second half of|"
    r"spring of|summer of|autumn of|fall of|winter of|the spring of|the summer of|"
    r"the autumn of|the fall of|the winter of)"
)


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


# the span, cleaned (lower case, one space, leading prepositions gone), must match whole
_P_ISO = _re(r"(\d{4})-(\d{2})-(\d{2})")
_P_YMD_SLASH = _re(r"(\d{4})/(\d{1,2})/(\d{1,2})")
_P_NUMERIC = _re(r"(\d{1,2})([/.])(\d{1,2})\2(\d{4})")
_P_DMY = _re(rf"(?:(?:{_WEEKDAY}),? )?{_DAY} (?:of )?{_MONTH},? (\d{{4}})")
_P_MDY = _re(rf"(?:(?:{_WEEKDAY}),? )?{_MONTH} (?:the )?{_DAY},? (\d{{4}})")
_P_DM = _re(rf"(?:(?:{_WEEKDAY}),? )?{_DAY} (?:of )?{_MONTH}")
_P_MD = _re(rf"(?:(?:{_WEEKDAY}),? )?{_MONTH} (?:the )?{_DAY}")
_P_MONTH_YEAR = _re(rf"(?:{_PARTIAL}[ -]?)?{_MONTH},? (?:of )?(\d{{4}})")
_P_YEAR = _re(rf"(?:(?:{_PARTIAL}|the year|year)[ -]?)?(\d{{4}})")
_P_DECADE = _re(rf"(?:{_PARTIAL}[ -]?)?(\d{{3}}0)'?s")
_P_SHORT_DECADE = _re(rf"(?:{_PARTIAL}[ -]?)?'?(\d)0'?s")
_P_MONTH = _re(
    rf"(?:(last|this|next|early|late|mid|end of|the end of|start of|"
    rf"the start of|beginning of|the beginning of|middle of|the middle of)[ -]?)?"
    rf"{_MONTH}"
)
_P_WEEKDAY = _re(rf"(?:(last|next|this|a|the next|the following|the previous) )?({_WEEKDAY})")
_P_DAY_WORD = _re(
    r"(today|tonight|this morning|this afternoon|this evening|yesterday|tomorrow|"
    r"(?:the )?day before yesterday|(?:the )?day after tomorrow)"
)
_P_REL_PERIOD = _re(
    r"(?:(earlier|later|late|early) )?(last|this|next|the current|the coming|the past) "
    r"(month|year)"
)
_P_AGO = _re(rf"{_NUMBER} (year|month|day|week|decade)s? ago")
_P_BARE_DIGITS = _re(r"\d{4}")


def _clean(text: str) -> str:
    text = text.replace("’", "'").replace("‘", "'").replace("–", "-").replace("—", "-")
    text = " ".join(text.split()).lower().strip(' ,.;:!?"()[]')
    text = re.sub(r"(?<=[a-z])'s$", "", text)
    text = _LEADING.sub("", text)
    text = _PART_OF_DAY.sub("", text)
    return text.strip(" ,")


def _month_num(token: str) -> int:
    return _MONTHS[token.rstrip(".")]


def _day(value: dt.date | None) -> DateValue | None:
    return DateValue(value.isoformat(), "day") if value else None


def _month_value(year: int, month: int) -> DateValue | None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    return DateValue(f"{year:04d}-{month:02d}", "month")


def _year_value(year: int) -> DateValue | None:
    if not 1000 <= year <= MAX_YEAR:
        return None
    return DateValue(f"{year:04d}", "year")


def _shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def _nearest_month_day(month: int, day: int, published: dt.date) -> dt.date | None:
    candidates = [
        d
        for y in (published.year - 1, published.year, published.year + 1)
        if (d := _make(y, month, day))
    ]
    if not candidates:
        return None
    best = min(candidates, key=lambda d: (abs((d - published).days), d > published))
    return best if abs((best - published).days) <= NEAR_DAYS else None


def _nearest_month(month: int, published: dt.date) -> tuple[int, int]:
    delta = (month - published.month) % 12  # 0..11 months ahead
    if delta > 6 or delta == 6:  # nearer in the past (a 6-month tie goes to the past)
        delta -= 12
    return _shift_month(published.year, published.month, delta)


def _absolute(text: str, original: str) -> DateValue | None:
    if m := _P_ISO.fullmatch(text):
        return _day(_make(int(m[1]), int(m[2]), int(m[3])))
    if m := _P_YMD_SLASH.fullmatch(text):
        return _day(_make(int(m[1]), int(m[2]), int(m[3])))
    if m := _P_NUMERIC.fullmatch(text):
        return _day(_numeric(int(m[1]), int(m[3]), int(m[4])))
    if m := _P_DMY.fullmatch(text):
        return _day(_make(int(m[3]), _month_num(m[2]), int(m[1])))
    if m := _P_MDY.fullmatch(text):
        return _day(_make(int(m[3]), _month_num(m[1]), int(m[2])))
    if m := _P_MONTH_YEAR.fullmatch(text):
        return _month_value(int(m[2]), _month_num(m[1]))
    if m := _P_DECADE.fullmatch(text):
        return DateValue(f"{m[1]}s", "decade") if 1000 <= int(m[1]) <= MAX_YEAR else None
    if (m := _P_YEAR.fullmatch(text)) and (
        not _P_BARE_DIGITS.fullmatch(text) or re.search(r"\b\d{4}\b", original)
    ):
        return _year_value(int(m[1]))
    return None


def _relative(
    text: str, original: str, published: dt.date, forward: bool = False
) -> DateValue | None:
    if m := _P_DM.fullmatch(text):
        return _day(_nearest_month_day(_month_num(m[2]), int(m[1]), published))
    if m := _P_MD.fullmatch(text):
        return _day(_nearest_month_day(_month_num(m[1]), int(m[2]), published))
    if m := _P_DAY_WORD.fullmatch(text):
        offset = {
            "yesterday": -1,
            "tomorrow": 1,
            "day before yesterday": -2,
            "day after tomorrow": 2,
        }.get(m[1].removeprefix("the "), 0)
        return _day(published + dt.timedelta(days=offset))
    if m := _P_WEEKDAY.fullmatch(text):
        weekday = _WEEKDAYS[m[2].rstrip(".")]
        back = (published.weekday() - weekday) % 7
        if m[1] is None and forward:
            # "until Monday", "will meet on Friday": the next one, never publication day
            return _day(published + dt.timedelta(days=(weekday - published.weekday()) % 7 or 7))
        if m[1] is None:
            return _day(published - dt.timedelta(days=back))
        if m[1] == "last":
            return _day(published - dt.timedelta(days=back or 7))
        if m[1] == "next":
            return _day(published + dt.timedelta(days=(weekday - published.weekday()) % 7 or 7))
        return None
    if m := _P_MONTH.fullmatch(text):
        month = _month_num(m[2])
        if month == 5 and not re.search(r"\bMay\b", original):
            return None  # "may" the verb
        if m[1] == "last":
            delta = -((published.month - month) % 12 or 12)
            return _month_value(*_shift_month(published.year, published.month, delta))
        if m[1] == "next":
            delta = (month - published.month) % 12 or 12
            return _month_value(*_shift_month(published.year, published.month, delta))
        if m[1] == "this":
            return _month_value(published.year, month)
        return _month_value(*_nearest_month(month, published))
    if m := _P_REL_PERIOD.fullmatch(text):
        if m[2] == "the past" or (m[1] in ("earlier", "early") and m[2] != "this"):
            return None
        if m[1] in ("later", "late") and m[2] != "this":
            return None
        delta = {"last": -1, "next": 1, "the coming": 1}.get(m[2], 0)
        if m[3] == "year":
            return _year_value(published.year + delta)
        return _month_value(*_shift_month(published.year, published.month, delta))
    if m := _P_AGO.fullmatch(text):
        count = _NUMBER_WORDS.get(m[1]) or int(m[1])
        if m[2] == "year":
            return _year_value(published.year - count)
        if m[2] == "month":
            return _month_value(*_shift_month(published.year, published.month, -count))
        if m[2] == "day" and count <= 366:
            return _day(published - dt.timedelta(days=count))
        return None
    if m := _P_SHORT_DECADE.fullmatch(text):
        year = published.year // 100 * 100 + int(m[1]) * 10
        if year > published.year:
            year -= 100
        return DateValue(f"{year}s", "decade") if 1000 <= year <= MAX_YEAR else None
    return None


def normalise_date(
    text: str, published: dt.date | None, *, forward: bool = False
) -> DateValue | None:
    """What a date mention means, or None for durations, vague or unresolvable mentions.

    Absolute forms never need `published`; relative ones ("yesterday", "Tuesday", "Feb 26",
    "last year") resolve against it and stay None without it (see the module docstring).
    `forward`: a bare weekday is the next one, not the last (indexer.language.tense reads that from
    the sentence).
    """
    if not isinstance(text, str) or len(text) > 100:
        return None
    cleaned = _clean(text)
    if not cleaned:
        return None
    try:
        value = _absolute(cleaned, text)
        if value is None and published is not None:
            value = _relative(cleaned, text, published, forward)
    except (ValueError, OverflowError, KeyError):
        return None
    return value


_RANGE_SPLIT = re.compile(
    r"\s*\n\s*|\s+(?:to|through|thru|until|till|and|or)\s+|\s+[-–—]\s+|(?<=\d)[-–—](?=\d)"
)
_RANGE_LEAD = re.compile(r"\s*(?:between|from)\s+", re.I)
_EXPLICIT_YEAR = re.compile(r"(?<![\d'])(\d{4})$")


def _trimmed(span: Mention, start: int, end: int) -> Mention:
    """The part text[start:end] of a span, without surrounding whitespace or punctuation."""
    piece = span.text[start:end]
    left = len(piece) - len(piece.lstrip(" \t\n,;:(\"'"))
    right = len(piece.rstrip(" \t\n,;:)\"'"))
    return replace(
        span,
        text=piece[left:right],
        start=span.start + start + left,
        end=span.start + start + right,
    )


def _with_value(span: Mention, value: DateValue) -> Mention:
    return replace(span, value=value.value, precision=value.precision)


_WEEKDAY_WORD = re.compile(
    r"\b(?:mon|tues|tue|wednes|wed|thurs|thu|fri|satur|sat|sun)(?:day)?\b", re.IGNORECASE
)


def _span_dates(
    span: Mention, published: dt.date | None, texts: Mapping[str, str] | None = None
) -> list[Mention]:
    whole = _trimmed(span, 0, len(span.text))
    if not whole.text:
        return []
    text = (texts or {}).get(span.field)
    forward = bool(
        text
        and published
        and _WEEKDAY_WORD.search(whole.text)
        and looks_forward(text, whole.start, whole.end)
    )
    value = normalise_date(whole.text, published, forward=forward)
    if value is not None:
        return [_with_value(whole, value)]
    # a span that runs over a line break ("Tuesday, May 7, 2015\n\nFormica") or is a range
    # ("November 20 to December 11", "January 23 - March 9 2014", "2004-2009"): its parts
    bounds, position = [], 0
    for separator in _RANGE_SPLIT.finditer(span.text):
        bounds.append((position, separator.start()))
        position = separator.end()
    bounds.append((position, len(span.text)))
    if len(bounds) == 1:
        return []
    parts = []
    for start, end in bounds:
        lead = _RANGE_LEAD.match(span.text, start, end)
        parts.append(_trimmed(span, lead.end() if lead else start, end))
    parts = [part for part in parts if part.text]
    found: list[Mention] = []
    for i, part in enumerate(parts):
        value = normalise_date(part.text, published)
        later_year = next(
            (m[1] for p in parts[i + 1 :] if (m := _EXPLICIT_YEAR.search(p.text))), None
        )
        if later_year and not _EXPLICIT_YEAR.search(part.text):
            # "January 23 - March 9 2014": the range's year belongs to its start as well
            with_year = normalise_date(f"{part.text} {later_year}", None)
            if with_year is not None and with_year.precision in ("day", "month"):
                value = with_year
        if value is not None:
            found.append(_with_value(part, value))
    return found


def date_mentions(
    spans: Iterable[Mention],
    published: dt.date | None,
    texts: Mapping[str, str] | None = None,
) -> tuple[Mention, ...]:
    """The date spans that normalise, with `value` and `precision` filled; others dropped.

    `texts` (field -> the title's or body's text the offsets point into) lets a bare weekday
    read its sentence's tense: "until Monday" is the next Monday (indexer.language.tense).

    A span is trimmed of surrounding whitespace; one that does not normalise as a whole is
    split at line breaks and range words ("to", "through", "and", " - ", "2004-2009") and
    its parts that do normalise are kept, each with its own offsets.
    """
    kept: list[Mention] = []
    for span in spans:
        if span.label == "date":
            kept.extend(_span_dates(span, published, texts))
    return tuple(kept)


__all__ = [
    "DateValue",
    "choose_published",
    "date_from_byline",
    "date_from_url",
    "date_mentions",
    "normalise_date",
    "parse_date_value",
]

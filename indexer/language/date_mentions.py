"""Dates mentioned in a text: each span read against a table of whole-span patterns and,
for relative forms, resolved against the publication date (the rules are in
indexer.language.dates).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from indexer.language.date_reading import (
    _MONTH,
    _MONTHS,
    _WEEKDAY,
    _WEEKDAYS,
    MAX_YEAR,
    MIN_YEAR,
    NEAR_DAYS,
    _make,
    _numeric,
)
from indexer.language.tense import looks_forward
from search.documents import Mention

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

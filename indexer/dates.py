"""Publication dates from what a document says about itself: a field, its URL, its byline.

Only explicit, unambiguous forms are read (ISO dates, "14 March 2024", "March 14, 2024",
"/2024/03/14/" in a URL); anything else is left unknown rather than guessed.
"""

from __future__ import annotations

import datetime as dt
import re

_MONTHS = {
    name: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_DMY = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?[ -]{_MONTH}[ ,-]+(\d{{4}})\b", re.I)
_MDY = re.compile(rf"\b{_MONTH} (\d{{1,2}})(?:st|nd|rd|th)?,? (\d{{4}})\b", re.I)
_URL = re.compile(r"/((?:19|20)\d{2})[/-](\d{1,2})[/-](\d{1,2})(?:/|$|[-_])")
MIN_YEAR, MAX_YEAR = 1800, 2100
HEAD_CHARS = 400


def _make(year: int, month: int, day: int) -> dt.date | None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


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


def _from_match(pattern: re.Pattern[str], match: re.Match[str]) -> dt.date | None:
    if pattern is _ISO:
        return _make(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    if pattern is _DMY:
        return _make(
            int(match.group(3)), _MONTHS[match.group(2).lower().rstrip(".")], int(match.group(1))
        )
    return _make(
        int(match.group(3)), _MONTHS[match.group(1).lower().rstrip(".")], int(match.group(2))
    )


def date_from_url(url: str) -> dt.date | None:
    match = _URL.search(url)
    return _make(int(match.group(1)), int(match.group(2)), int(match.group(3))) if match else None


def date_from_byline(text: str) -> dt.date | None:
    """The first explicit date in the opening lines (dateline or byline), if any."""
    head = text[:HEAD_CHARS]
    found = [(m.start(), p, m) for p in (_ISO, _DMY, _MDY) for m in [p.search(head)] if m]
    if not found:
        return None
    _, pattern, match = min(found, key=lambda f: f[0])
    return _from_match(pattern, match)

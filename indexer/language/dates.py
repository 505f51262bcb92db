"""Dates a newsroom can trust: the publication date, and the dates a text mentions.

Three modules, re-exported here: date_reading.py (explicit full dates, stamps, URL dates),
published.py (the publication date) and date_mentions.py (dates a text mentions).

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

from indexer.language.date_mentions import DateValue, date_mentions, normalise_date
from indexer.language.date_reading import (
    Stamp,
    date_from_url,
    month_from_url,
    parse_date_value,
    parse_stamp,
    plausible_published,
)
from indexer.language.published import (
    TextDate,
    choose_published,
    date_from_byline,
    line_date,
    order_from_dates,
    order_from_host,
    order_from_locale,
    text_dates,
)

__all__ = [
    "DateValue",
    "Stamp",
    "TextDate",
    "choose_published",
    "date_from_byline",
    "date_from_url",
    "date_mentions",
    "line_date",
    "month_from_url",
    "normalise_date",
    "order_from_dates",
    "order_from_host",
    "order_from_locale",
    "parse_date_value",
    "parse_stamp",
    "plausible_published",
    "text_dates",
]

"""indexer.language.dates: publication dates and the dates a text mentions (deterministic:
the one clock read, for "tomorrow", takes `today` in these tests)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.language.dates import (
    DateValue,
    Stamp,
    choose_published,
    date_from_byline,
    date_from_url,
    date_mentions,
    line_date,
    month_from_url,
    normalise_date,
    order_from_dates,
    order_from_host,
    order_from_locale,
    parse_date_value,
    parse_stamp,
    plausible_published,
)
from search.documents import Mention

PUB = dt.date(2024, 12, 5)  # a Thursday


def D(value: str, precision: str) -> DateValue:  # noqa: N802 - reads like a literal
    return DateValue(value, precision)


# -- absolute forms --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3 December 2024", D("2024-12-03", "day")),
        ("3rd December, 2024", D("2024-12-03", "day")),
        ("the 3rd of December 2024", D("2024-12-03", "day")),
        ("December 3, 2024", D("2024-12-03", "day")),
        ("Dec. 3, 2024", D("2024-12-03", "day")),
        ("March 9 2014", D("2014-03-09", "day")),
        ("Tuesday, September 1, 2015", D("2015-09-01", "day")),
        ("on 3 December 2024", D("2024-12-03", "day")),
        ("2024-12-03", D("2024-12-03", "day")),
        ("2024/12/03", D("2024-12-03", "day")),
        ("25/12/2024", D("2024-12-25", "day")),
        ("12/25/2024", D("2024-12-25", "day")),
        ("5.5.2024", D("2024-05-05", "day")),
        ("December 2024", D("2024-12", "month")),
        ("in Dec 2024", D("2024-12", "month")),
        ("mid-December 2024", D("2024-12", "month")),
        ("2024", D("2024", "year")),
        ("in 2024", D("2024", "year")),
        ("the year 2000", D("2000", "year")),
        ("mid-2023", D("2023", "year")),
        ("early 2023", D("2023", "year")),
        ("the end of 2023", D("2023", "year")),
        ("the summer of 2012", D("2012", "year")),
        ("the 1990s", D("1990s", "decade")),
        ("1990s", D("1990s", "decade")),
        ("the 1930’s", D("1930s", "decade")),
        ("early 1990s", D("1990s", "decade")),
        ("the late 1980s", D("1980s", "decade")),
    ],
)
def test_absolute_forms_need_no_publication_date(text: str, expected: DateValue) -> None:
    assert normalise_date(text, None) == expected
    assert normalise_date(text, PUB) == expected


@pytest.mark.parametrize(
    "text",
    ["3/12/2024", "03/04/2024", "2024-02-30", "31 February 2024", "2011-12", "2004-2009"],
)
def test_ambiguous_or_impossible_numeric_dates_are_dropped(text: str) -> None:
    assert normalise_date(text, PUB) is None


# -- relative forms, published Thursday 5 December 2024 ---------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # month-day without a year: the occurrence nearest publication, within 183 days
        ("Dec. 3", D("2024-12-03", "day")),
        ("December 3rd", D("2024-12-03", "day")),
        ("the 3rd of December", D("2024-12-03", "day")),
        ("Feb 26", D("2025-02-26", "day")),  # 83 days ahead beats 283 days back
        ("June 26", D("2024-06-26", "day")),
        ("Sept. 14", D("2024-09-14", "day")),
        ("today", D("2024-12-05", "day")),
        ("Today's", D("2024-12-05", "day")),
        ("tonight", D("2024-12-05", "day")),
        ("yesterday", D("2024-12-04", "day")),
        ("yesterday afternoon", D("2024-12-04", "day")),
        ("tomorrow", D("2024-12-06", "day")),
        ("the day before yesterday", D("2024-12-03", "day")),
        # weekdays: the last 6 days or the publication day itself
        ("Tuesday", D("2024-12-03", "day")),
        ("on Tuesday", D("2024-12-03", "day")),
        ("Tuesday night", D("2024-12-03", "day")),
        ("Thursday", D("2024-12-05", "day")),
        ("Friday", D("2024-11-29", "day")),
        ("last Thursday", D("2024-11-28", "day")),
        ("last Tuesday", D("2024-12-03", "day")),
        ("next Thursday", D("2024-12-12", "day")),
        ("next Friday", D("2024-12-06", "day")),
        # months
        ("last month", D("2024-11", "month")),
        ("this month", D("2024-12", "month")),
        ("earlier this month", D("2024-12", "month")),
        ("next month", D("2025-01", "month")),
        ("in January", D("2025-01", "month")),  # nearest: one month ahead
        ("September", D("2024-09", "month")),
        ("late September", D("2024-09", "month")),
        ("in June", D("2024-06", "month")),  # a 6-month tie goes to the past
        ("May's", D("2025-05", "month")),
        ("last January", D("2024-01", "month")),
        ("this January", D("2024-01", "month")),
        ("next January", D("2025-01", "month")),
        ("last December", D("2023-12", "month")),
        ("three months ago", D("2024-09", "month")),
        # years
        ("this year", D("2024", "year")),
        ("earlier this year", D("2024", "year")),
        ("last year", D("2023", "year")),
        ("Last Year", D("2023", "year")),
        ("next year", D("2025", "year")),
        ("Next year's", D("2025", "year")),
        ("two years ago", D("2022", "year")),
        ("a year ago", D("2023", "year")),
        ("Seventeen years ago", D("2007", "year")),
        ("3 days ago", D("2024-12-02", "day")),
        ("the '90s", D("1990s", "decade")),
    ],
)
def test_relative_forms_resolve_against_the_publication_date(
    text: str, expected: DateValue
) -> None:
    assert normalise_date(text, PUB) == expected
    assert normalise_date(text, None) is None


def test_month_day_far_from_publication_stays_unresolved() -> None:
    # 29 February exists only in 2024 near a June 2025 publication: 470 days away
    assert normalise_date("Feb 29", dt.date(2025, 6, 1)) is None
    assert normalise_date("Feb 29", dt.date(2024, 3, 1)) == D("2024-02-29", "day")


def test_year_boundaries() -> None:
    new_year = dt.date(2025, 1, 2)  # a Thursday
    assert normalise_date("Dec 30", new_year) == D("2024-12-30", "day")
    assert normalise_date("Monday", new_year) == D("2024-12-30", "day")
    assert normalise_date("in December", new_year) == D("2024-12", "month")
    assert normalise_date("last month", new_year) == D("2024-12", "month")


@pytest.mark.parametrize(
    "text",
    [
        # durations
        "two years",
        "48 hours",
        "the past 35 years",
        "the last five months",
        "110 days",
        "8–10 years",
        "a decade",
        # vague
        "recent years",
        "the past",
        "recently",
        "now",
        "the day",
        "those days",
        "every year",
        "daily",
        # no week precision
        "last week",
        "this week",
        "two weeks ago",
        "this weekend",
        # ambiguous weekdays, ages, clock times, centuries, bare small numbers
        "this Tuesday",
        "a Monday",
        "the next Tuesday night",
        "82 years old",
        "aged 82",
        "6:00am",
        "15:11 GMT",
        "the 20th century",
        "08",
        "80",
        "may",
        "",
        "   ",
    ],
)
def test_durations_vague_and_unpinnable_mentions_are_dropped(text: str) -> None:
    assert normalise_date(text, PUB) is None


@settings(max_examples=100, deadline=None)
@given(
    st.text(max_size=60),
    st.one_of(st.none(), st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31))),
)
def test_normalise_date_never_raises(text: str, published: dt.date | None) -> None:
    value = normalise_date(text, published)
    assert value is None or value.precision in ("day", "month", "year", "decade")


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(
        ["Feb 26", "Tuesday", "yesterday", "last month", "next year", "in January", "3 days ago"]
    ),
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
)
def test_relative_forms_never_raise_at_calendar_edges(text: str, published: dt.date) -> None:
    normalise_date(text, published)


# -- date_mentions ------------------------------------------------------------------------


def _span(text: str, start: int = 10) -> Mention:
    return Mention("date", text, start, start + len(text))


def test_date_mentions_fills_values_and_drops_the_rest() -> None:
    spans = [
        _span("3 December 2024", 0),
        _span("two years", 20),
        _span("yesterday", 40),
        _span("recent years", 60),
        Mention("person", "Mark Rutte", 80, 90),
    ]
    found = date_mentions(spans, PUB)
    assert [(m.text, m.start, m.value, m.precision) for m in found] == [
        ("3 December 2024", 0, "2024-12-03", "day"),
        ("yesterday", 40, "2024-12-04", "day"),
    ]
    assert all(m.label == "date" for m in found)
    assert [m.text for m in date_mentions(spans, None)] == ["3 December 2024"]


def test_date_mentions_trims_and_splits_spans_over_line_breaks_and_ranges() -> None:
    text = "x Tuesday, September 1, 2015\n\nFormica"
    span = Mention("date", text[2:], 2, len(text))
    (found,) = date_mentions([span], dt.date(2015, 9, 1))
    assert (found.text, found.start, found.end) == ("Tuesday, September 1, 2015", 2, 28)
    assert found.value == "2015-09-01"

    text = "January 23 - March 9 2014"
    found = date_mentions([_span(text, 100)], None)
    assert [(m.text, m.start, m.value) for m in found] == [
        ("January 23", 100, "2014-01-23"),
        ("March 9 2014", 113, "2014-03-09"),
    ]
    found = date_mentions([_span("between July 2003 and December 2004")], None)
    assert [(m.text, m.value) for m in found] == [
        ("July 2003", "2003-07"),
        ("December 2004", "2004-12"),
    ]
    assert date_mentions([_span("  2024 \n")], None)[0].text == "2024"


# -- the publication date -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Council votes\nBy Jane Doe | 14 March 2024\n\nThe council...", dt.date(2024, 3, 14)),
        ("Council votes\nBy Jane Doe, March 14, 2024\nThe council...", dt.date(2024, 3, 14)),
        (
            "Council votes\nBy Jane Doe · 14 Mar 2024 · 3 min read\nThe council",
            dt.date(2024, 3, 14),
        ),
        ("Ants\nTuesday, September 1, 2015\n\nNick Bos studies ants.", dt.date(2015, 9, 1)),
        ("Budget\nPublished 3 June 2024\n\nThe budget...", dt.date(2024, 6, 3)),
        ("Budget\nPublished: 3 June 2024 | Updated: 5 June 2024 10:31 BST\n", dt.date(2024, 6, 3)),
        ("Budget\n2024-06-03 09:30 UTC\nThe budget", dt.date(2024, 6, 3)),
        ("LONDON, 26 February 2024 (Reuters) - The council met.", dt.date(2024, 2, 26)),
    ],
)
def test_bylines_and_datelines(text: str, expected: dt.date) -> None:
    assert choose_published(metadata=None, url="", text=text) == (expected, "byline")
    assert date_from_byline(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "LONDON, Feb 26 - The council met.",  # no year: not a publication date
        "Budget\nThe council met on 3 June 2024 to vote.\n\nMore text.",  # a sentence
        "Budget\n\nThe budget passed.\n\n© 2008–2024 Acme News. All rights reserved.",
        "Budget\n\nThe budget passed.\n\nCopyright 3 June 2024",
        "Budget\n\nThe budget passed on Tuesday.",
        "",
    ],
)
def test_no_publication_date_is_guessed(text: str) -> None:
    assert choose_published(metadata=None, url="", text=text) == (None, "")


def test_an_updated_stamp_is_taken_only_when_nothing_states_the_publication() -> None:
    text = "Budget\nUpdated 5 June 2024\n\nThe budget passed."
    assert choose_published(metadata=None, url="", text=text) == (dt.date(2024, 6, 5), "updated")
    text = "Budget\nUpdated 5 June 2024\nPublished 3 June 2024\n\nThe budget passed."
    assert choose_published(metadata=None, url="", text=text) == (dt.date(2024, 6, 3), "byline")


PROSE = (
    "Ben Okafor, a spokesperson, reviewed the new ferry timetable after a long meeting with "
    "residents of the district.\n\n"
)
TEASERS = "".join(f"Story {d}\n\n{d} May 2019\n\n" for d in (6, 5, 4, 3))


def test_dates_of_teasers_kept_below_the_prose_are_not_the_texts() -> None:
    # an extractor that keeps the "other stories" cards under the article
    text = "Council keeps the winter ferry\n\n" + PROSE * 2 + TEASERS
    assert choose_published(metadata=None, url="", text=text) == (None, "")
    dated = "Council keeps the winter ferry\nTuesday, 7 May 2019\n\n" + PROSE * 2 + TEASERS
    assert choose_published(metadata=None, url="", text=dated) == (dt.date(2019, 5, 7), "byline")


def test_a_standalone_dateline_further_in_counts_as_text() -> None:
    text = "Headline\n" + "A sentence of the standfirst.\n" * 10 + "\nMonday, 3 June 2024\n\nBody."
    assert choose_published(metadata=None, url="", text=text) == (dt.date(2024, 6, 3), "text")


def test_choose_published_order_metadata_url_byline() -> None:
    text = "Headline\nPublished 3 June 2024\n\nBody."
    url = "https://news.example.org/2024/06/02/budget"
    meta = dt.date(2024, 6, 1)
    assert choose_published(metadata=meta, url=url, text=text) == (meta, "metadata")
    stamp = dt.datetime(2024, 6, 1, 9, 30)
    assert choose_published(metadata=stamp, url=url, text=text) == (meta, "metadata")
    assert choose_published(metadata=None, url=url, text=text) == (dt.date(2024, 6, 2), "url")
    no_date_url = "https://news.example.org/budget"
    assert choose_published(metadata=None, url=no_date_url, text=text) == (
        dt.date(2024, 6, 3),
        "byline",
    )


def test_existing_helpers_still_work() -> None:
    assert parse_date_value("2024-03-18T09:00:00Z") == dt.date(2024, 3, 18)
    assert parse_date_value("14 March 2024") == dt.date(2024, 3, 14)
    assert parse_date_value("20240314") == dt.date(2024, 3, 14)
    assert parse_date_value("soon") is None
    assert date_from_url("https://x.org/2024/05/02/ferry") == dt.date(2024, 5, 2)
    assert date_from_url("https://x.org/ferry") is None


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300), st.text(max_size=40))
def test_choose_published_never_raises(text: str, url: str) -> None:
    value, source = choose_published(metadata=None, url=url, text=text)
    assert (value is None) == (source == "")


# -- plausibility, timestamps, day/month order --------------------------------------------


def test_a_publication_date_before_1900_or_after_tomorrow_is_implausible() -> None:
    today = dt.date(2024, 3, 14)
    assert plausible_published(dt.date(1900, 1, 1), today)
    assert plausible_published(dt.date(2024, 3, 15), today)  # tomorrow: a zone ahead of UTC
    assert not plausible_published(dt.date(1899, 12, 31), today)
    assert not plausible_published(dt.date(2024, 3, 16), today)


def test_choose_published_skips_implausible_metadata_and_url_dates() -> None:
    today = dt.date(2024, 3, 14)
    text = "Budget\nPublished 3 June 2021\n\nThe budget."
    url = "https://x.org/2031/05/02/budget"
    got = choose_published(metadata=dt.date(2099, 1, 1), url=url, text=text, today=today)
    assert got == (dt.date(2021, 6, 3), "byline")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-14T23:30:00Z", Stamp(dt.date(2024, 3, 14), utc=True)),
        ("2024-03-14T23:30:00+00:00", Stamp(dt.date(2024, 3, 14), utc=True)),
        ("2024-03-14 23:30 UTC", Stamp(dt.date(2024, 3, 14), utc=True)),
        ("2024-03-14T23:30:00-05:00", Stamp(dt.date(2024, 3, 14))),  # local, as written
        ("2024-03-15T04:30:00+05:30", Stamp(dt.date(2024, 3, 15))),
        ("2024-03-14", Stamp(dt.date(2024, 3, 14))),
        ("14 March 2024", Stamp(dt.date(2024, 3, 14))),
        ("2024/03/14", Stamp(dt.date(2024, 3, 14))),
        ("0001-01-01T00:00:00Z", None),
        ("soon", None),
    ],
)
def test_parse_stamp_keeps_the_written_date_and_marks_utc(value: str, expected: Stamp) -> None:
    assert parse_stamp(value) == expected


def test_parse_stamp_reads_numeric_dates_in_the_order_given() -> None:
    assert parse_stamp("11/04/2008") is None
    assert parse_stamp("11/04/2008", "mdy") == Stamp(dt.date(2008, 11, 4))
    assert parse_stamp("11/04/2008", "dmy") == Stamp(dt.date(2008, 4, 11))


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (("en-US",), "mdy"),
        (("en_us",), "mdy"),
        (("en-GB",), "dmy"),
        (("de",), "dmy"),
        (("fr-CA",), ""),  # Canada writes both
        (("en",), ""),  # English without a region writes both
        (("ja",), ""),  # year first: says nothing of d/m
        (("en", "en_GB"), "dmy"),  # the first tag that says decides
        (("", "  "), ""),
    ],
)
def test_order_from_locale(tags: tuple[str, ...], expected: str) -> None:
    assert order_from_locale(*tags) == expected


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("news.example.com", ""),
        ("example.org", ""),
        ("example.us", "mdy"),
        ("www.example.co.uk", "dmy"),
        ("example.de", "dmy"),
        ("example.io", ""),  # registered anywhere for the name
        ("example.ca", ""),
    ],
)
def test_order_from_host(host: str, expected: str) -> None:
    assert order_from_host(host) == expected


def test_order_from_dates_follows_the_texts_unambiguous_dates() -> None:
    assert order_from_dates("Filed 12/25/2008. Corrected 12/28/2008.") == "mdy"
    assert order_from_dates("Filed 25/12/2008 and 28.12.2008.") == "dmy"
    assert order_from_dates("Filed 11/04/2008.") == ""
    assert order_from_dates("12/25/2008 and 28/12/2008") == ""  # a tie says nothing


def test_a_text_with_us_dates_reads_its_ambiguous_byline_month_first() -> None:
    text = "Budget\nBy Jane Doe | 11/04/2008\n\nThe vote, first set for 10/30/2008, passed."
    assert choose_published(metadata=None, url="", text=text) == (dt.date(2008, 11, 4), "byline")
    text = "Budget\nBy Jane Doe | 11/04/2008\n\nThe vote passed."
    assert choose_published(metadata=None, url="", text=text) == (None, "")
    assert choose_published(metadata=None, url="", text=text, order="dmy") == (
        dt.date(2008, 4, 11),
        "byline",
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Posted by admin on August 9, 2012 in Uncategorized · 0 Comments", (2012, 8, 9)),
        ("written by Tony Hamilton, October 24, 2012", (2012, 10, 24)),
        ("By JANE DOE JAN. 13, 2017", (2017, 1, 13)),
        ("by Pearl Higgins on 10/18/2012 • 2 Comments", (2012, 10, 18)),
        ("posted Aug 7, 2012 2:08 AM by Allen Versfeld", (2012, 8, 7)),
        ("Filed as News on November 6, 2012 11:56 am", (2012, 11, 6)),
        ("For Immediate Release: Oct. 26, 2012", (2012, 10, 26)),
        ("Feb. 23, 2015 -- Peanut allergies have been on the rise.", (2015, 2, 23)),
        ("Submitted by Tyler Durden on 08/19/2012 14:30 -0400", (2012, 8, 19)),
        ("October 30, 2012 @ 9:00AM", (2012, 10, 30)),
        ("Posted on October 30, 2012 at 12:13 am as Theme", (2012, 10, 30)),
        ("Published on November 7th, 2012 Read the 8 comments »", (2012, 11, 7)),
        ("By Conner Flynn on Monday 12th November 2012 3:16 pm in Gaming", (2012, 11, 12)),
        ("By Logan Utsman on Monday, January 9th, 2012", (2012, 1, 9)),
        ("August 9, 2012 // 7 Comments // Fast, Kids", (2012, 8, 9)),
        (
            "April 17, 2015 -- Imagine being sick in the hospital" + " and far from home" * 12,
            (2015, 4, 17),
        ),
    ],
)
def test_line_date_reads_the_byline_forms_sites_use(
    line: str, expected: tuple[int, int, int]
) -> None:
    found = line_date(line)
    assert found is not None and (found.value, found.kind) == (dt.date(*expected), "published")


@pytest.mark.parametrize(
    "line",
    [
        "Cartier-Bresson, Somerset House, 8 November - 27 January, 2013",  # a range
        "March 3 - April 5, 2024",
        "Today is Tuesday, March 12, 2024",  # a masthead widget
        "The council met on 3 June 2024 to vote.",
        "By Jane Doe and the cat said on March 14, 2024",
        "© 3 June 2024 Harbour Post",
        "Posted on the forum on 3 June 2024 by a reader",  # the stamp does not open the date
        "By Jane Doe on Tuesday",
    ],
)
def test_line_date_refuses_what_is_not_a_date_line(line: str) -> None:
    assert line_date(line) is None


def test_line_date_tells_updated_from_published() -> None:
    updated = line_date("Updated 10:31 - 5 June 2024")
    assert updated is not None and (updated.value, updated.kind) == (dt.date(2024, 6, 5), "updated")
    both = line_date("Updated: 5 June 2024 | Published 3 June 2024")
    assert both is not None and (both.value, both.kind) == (dt.date(2024, 6, 3), "published")


def test_an_ambiguous_line_keeps_both_readings() -> None:
    found = line_date("By Jane Doe | 11/04/2008")
    assert found is not None and found.value is None
    assert set(found.readings) == {dt.date(2008, 11, 4), dt.date(2008, 4, 11)}


def test_month_from_url() -> None:
    assert month_from_url("https://x.org/2024/03/budget-vote/") == dt.date(2024, 3, 1)
    assert month_from_url("https://x.org/2024/03/14/budget-vote") is None  # a day: date_from_url
    assert month_from_url("https://x.org/2024/13/budget") is None
    assert month_from_url("https://x.org/budget/2024") is None

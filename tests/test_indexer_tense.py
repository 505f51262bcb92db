"""Bare weekdays resolve forward in sentences about what is to come, back in the past tense."""

from __future__ import annotations

import datetime as dt

import pytest

from indexer.language.dates import date_mentions
from indexer.language.tense import looks_forward
from search.documents import Mention

THURSDAY = dt.date(2024, 3, 14)  # Thursday 14 March 2024
WEDNESDAY = dt.date(2024, 3, 20)


def _resolved(sentence: str, weekday_span: str, published: dt.date) -> str:
    start = sentence.index(weekday_span)
    span = Mention("date", weekday_span, start, start + len(weekday_span), field="body")
    found = date_mentions([span], published, {"body": sentence, "title": ""})
    assert len(found) == 1, found
    return found[0].value


@pytest.mark.parametrize(
    ("sentence", "span", "published", "expected"),
    [
        # forward: "until", future verbs, "due to"
        (
            "The bridge will stay closed until Monday, the council said.",
            "Monday",
            THURSDAY,
            "2024-03-18",
        ),
        (
            "Shops stay shut until Monday while the floods recede.",
            "until Monday",
            THURSDAY,
            "2024-03-18",
        ),
        ("The minister will visit Kyiv on Friday.", "Friday", WEDNESDAY, "2024-03-22"),
        ("Talks are due to resume on Tuesday in Geneva.", "Tuesday", THURSDAY, "2024-03-19"),
        ("The new speed limit applies from Saturday.", "Saturday", THURSDAY, "2024-03-16"),
        (
            "Ministers are expected to meet on Thursday to approve it.",
            "Thursday",
            THURSDAY,
            "2024-03-21",
        ),
        # back: past tense, and the nearest verb decides
        ("The minister visited Kyiv on Friday.", "Friday", WEDNESDAY, "2024-03-15"),
        ("Talks resumed on Monday after a week-long pause.", "Monday", THURSDAY, "2024-03-11"),
        ("He said on Monday that talks will resume soon.", "Monday", THURSDAY, "2024-03-11"),
        (
            "Police were called to the house on Tuesday night.",
            "Tuesday night",
            THURSDAY,
            "2024-03-12",
        ),
        ("Markets fell sharply last Monday.", "last Monday", THURSDAY, "2024-03-11"),
        # no verb at all: news is mostly past tense
        ("Monday: a day of protests.", "Monday", THURSDAY, "2024-03-11"),
    ],
)
def test_weekdays_follow_the_sentence(
    sentence: str, span: str, published: dt.date, expected: str
) -> None:
    assert _resolved(sentence, span, published) == expected


def test_without_the_text_a_bare_weekday_stays_in_the_past() -> None:
    sentence = "The bridge will stay closed until Monday."
    start = sentence.index("Monday")
    span = Mention("date", "Monday", start, start + 6, field="body")
    assert [m.value for m in date_mentions([span], THURSDAY)] == ["2024-03-11"]


def test_the_sentence_ends_the_context() -> None:
    text = "Voting will close soon. The count started on Monday."
    start = text.index("Monday")
    assert not looks_forward(text, start, start + 6)

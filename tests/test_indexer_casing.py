"""Tests for indexer.casing: how a line set in capitals is re-cased for the NER model."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indexer.casing import case_map, is_all_caps, is_title_case, recase


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("SHEARER NAMED AS ENGLAND CAPTAIN", True),
        ("BELGRADE 1996-08-30", True),
        ("Shearer named as England captain", False),
        ("NATO", True),
        ("UN", False),  # too few letters to tell a headline from an acronym
        ("12 34 56", False),
    ],
)
def test_lines_set_in_capitals_are_recognised(line: str, expected: bool) -> None:
    assert is_all_caps(line) is expected


def test_a_headline_takes_the_spelling_its_own_story_uses() -> None:
    body = [
        "England coach Terry Venables said on Friday that Alan Shearer would lead the side.",
        "Shearer, who was named captain for the first time, scored twice.",
    ]
    assert recase("SHEARER NAMED AS ENGLAND CAPTAIN .", case_map(body)) == (
        "Shearer named as England captain ."
    )


def test_words_the_story_lacks_short_acronyms_and_datelines() -> None:
    # a dateline's place is capitalised, an acronym kept, a closed-class word lower-cased
    assert recase("BELGRADE 1996-08-30") == "Belgrade 1996-08-30"
    assert recase("UN TROOPS LEAVE THE CITY OF GOMA") == "UN troops leave the city of goma"
    assert recase("PANAMA 'S DURAN FIGHTS ON", {"duran": "Duran", "panama": "Panama"}) == (
        "Panama 's Duran fights on"
    )


def test_mixed_case_lines_are_left_alone() -> None:
    line = "Alan Shearer was named England captain"
    assert recase(line, {"shearer": "SHEARER"}) == line


def test_a_sentence_start_does_not_teach_a_words_case() -> None:
    known = case_map(["Named after his father, he left.", "He was named captain."])
    assert known["named"] == "named"


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60))
def test_recasing_keeps_every_offset(line: str) -> None:
    cased = recase(line.upper())
    assert len(cased) == len(line.upper())
    assert cased.lower() == line.upper().lower() or cased == line.upper()


def test_a_title_case_headline_lowers_only_the_words_its_story_writes_in_lower_case() -> None:
    story = ["The alliance will focus on military support, officials in Kyiv said."]
    headline = "NATO’s Focus on Military Support for Ukraine"
    assert is_title_case(headline)
    assert recase(headline, case_map(story)) == "NATO’s focus on military support for Ukraine"
    # a word the story never writes in lower case may be a name: it stays as printed
    assert recase("Talks With Zelensky Resume in Brussels", case_map(story)) == (
        "Talks with Zelensky Resume in Brussels"
    )


@pytest.mark.parametrize(
    "line",
    ["Mark Rutte", "Volodymyr Zelensky and Mark Rutte met", "The talks resumed on Tuesday"],
)
def test_names_and_sentences_are_not_title_case_headlines(line: str) -> None:
    assert not is_title_case(line)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("LONDON (AP) — Shares fell.", "London (AP) — Shares fell."),
        ("WASHINGTON, D.C. - The president said.", "Washington, D.C. - The president said."),
        (
            "NEW YORK, March 3 (Reuters) - Stocks rose.",
            "New York, March 3 (Reuters) - Stocks rose.",
        ),
        # capitals that open an ordinary sentence are not a dateline
        ("NATO, the alliance, said it would act.", "NATO, the alliance, said it would act."),
        ("US officials - they said so.", "US officials - they said so."),
    ],
)
def test_a_dateline_in_capitals_is_read_mixed_case_and_the_rest_as_printed(
    line: str, expected: str
) -> None:
    assert recase(line) == expected
    assert len(recase(line)) == len(line)

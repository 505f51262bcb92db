"""NewsAnalyzer must index and query exactly as Whoosh's StemmingAnalyzer without a stop list
does (every word kept, schema v5), only faster."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.analysis import StemmingAnalyzer

from search.analysis import NewsAnalyzer

WORDS = st.sampled_from(
    [
        "The",
        "the",
        "a",
        "I",
        "U.S.",
        "co-operation",
        "3.5",
        "pct",
        "Zelenskiy's",
        "running",
        "ran",
        "NATO",
        "naïve",
        "café",
        "x.y.z",
        "*wild*",
        "under_score",
        "北京",
        "and",
        "an",
    ]
)
TEXTS = st.lists(st.one_of(WORDS, st.text(min_size=1, max_size=12)), max_size=30).map(
    lambda words: " ".join(words)
)
OPTIONS = [
    {},
    {"positions": True},
    {"positions": True, "chars": True, "start_pos": 3, "start_char": 10},
    {"removestops": False, "positions": True, "chars": True, "keeporiginal": True},
    {"tokenize": False, "positions": True, "chars": True},
    {"no_morph": True, "positions": True},
    {"mode": "query", "removestops": False},
]


def _tokens(analyzer: Any, text: str, options: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (
            t.text,
            t.stopped,
            t.pos if options.get("positions") else None,
            (t.startchar, t.endchar) if options.get("chars") else None,
            t.original if options.get("keeporiginal") else None,
        )
        for t in analyzer(text, **options)
    ]


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(o) or "defaults")
@settings(max_examples=150, deadline=None)
@given(text=TEXTS)
def test_tokens_are_those_of_whooshs_stemming_analyzer(options: dict[str, Any], text: str) -> None:
    expected = _tokens(StemmingAnalyzer(stoplist=None), text, options)
    assert _tokens(NewsAnalyzer(), text, options) == expected


def test_a_sentence_keeps_every_word_with_its_position() -> None:
    tokens = _tokens(NewsAnalyzer(), "The US and a Plan B in Brussels", {"positions": True})
    assert [(t[0], t[2]) for t in tokens] == [
        ("the", 0),
        ("us", 1),
        ("and", 2),
        ("a", 3),
        ("plan", 4),
        ("b", 5),
        ("in", 6),
        ("brussel", 7),
    ]
    assert not any(t[1] for t in tokens)  # nothing is marked stopped

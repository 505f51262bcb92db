"""Reasons for linked documents read as plain words on the pages, figures left to the API."""

from __future__ import annotations

import pytest

from search.reasons import plain_reason


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("exact duplicate (same text)", "The same text"),
        ("near-duplicate (shingles 0.97)", "Almost the same text"),
        ("near-duplicate (shingles 0.69)", "Mostly the same text, lightly edited"),
        (
            "rewrite: shares Mark Rutte, NATO, Ukraine; cosine 0.45",
            "The same story in other words, naming Mark Rutte, NATO and Ukraine",
        ),
        ("shares Helena Marsh", "Also names Helena Marsh"),
        ("shared terms: harbour, dredging", "Also about harbour and dredging"),
        ("something new", "something new"),
    ],
)
def test_stored_reasons_read_as_plain_words(stored: str, shown: str) -> None:
    assert plain_reason(stored) == shown
    assert "cosine" not in plain_reason(stored) and "shingles" not in plain_reason(stored)

"""The words of a search that a document opened from its results highlights."""

from __future__ import annotations

from search.highlight import query_words


def test_plain_words_and_phrase_words_are_kept_syntax_dropped() -> None:
    assert query_words('title:harbour AND "Lower Quay" -storm') == ["harbour", "lower", "quay"]
    assert query_words("Harbour harbour OR dock") == ["harbour", "dock"]
    assert query_words("") == []

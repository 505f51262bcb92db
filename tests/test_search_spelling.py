"""Did you mean: one edit from the typed word, the most common attested word wins."""

from __future__ import annotations

from pathlib import Path

from search.analysis import cached_stem
from search.documents import Document
from search.names import NameTable
from search.query import SearchRequest
from search.settings import load_settings
from search.spelling import correct_word, edits1, suggest
from search.whoosh_backend import WhooshBackend

WORDS = {"election": 400, "elation": 3, "government": 500, "over": 900, "putt": 70, "economy": 200}
DOCS = {cached_stem(word): count for word, count in WORDS.items()}


def frequency(stem: str) -> int:
    return DOCS.get(stem, 0)


def test_edits_cover_drops_swaps_changes_and_inserts() -> None:
    found = edits1("elction")
    assert {"election", "elcotin"} - found == {"elcotin"}
    assert {"lection", "elcton", "eltcion", "ealction"} <= found


def test_the_most_common_near_word_wins() -> None:
    assert correct_word("elction", frequency) == "election"
    assert correct_word("Ecomomy", frequency) == "Economy"


def test_a_known_word_or_a_short_one_is_left_alone() -> None:
    DOCS[cached_stem("harbour")] = 12
    assert correct_word("harbour", frequency) is None
    assert correct_word("teh", frequency) is None  # under four letters


def test_a_non_word_that_stems_to_a_common_stem_must_be_attested() -> None:
    # "overment" stems to "over": only a word seen in the text may be suggested
    def attested(word: str, stem: str) -> bool:
        return word == "government"

    assert correct_word("goverment", frequency, attested) == "government"


def test_suggest_keeps_phrases_fields_and_operators() -> None:
    assert suggest('elction AND person:Elction "elction"', frequency) == (
        'election AND person:Elction "elction"',
        True,
    )
    # a capitalised word may be a name the index lacks: suggested, never searched instead
    assert suggest("Rutte", frequency) == ("Putte", False)
    assert suggest("economy", frequency) is None


def test_name_suggestions_put_a_word_that_starts_with_the_text_first() -> None:
    from search.variants import rank_name_matches

    counts = [("David Prutton", 9), ("Mark Rutte", 4), ("Ruttenberg", 2), ("Gertrude", 30)]
    ranked = rank_name_matches(counts, "rutt", lambda v: ())
    assert ranked == [("Mark Rutte", 4), ("Ruttenberg", 2), ("David Prutton", 9)]
    merged = rank_name_matches([("Volodymyr Zelenskiy", 3)], "zelensky", lambda v: ("Zelensky",))
    assert merged == [("Volodymyr Zelenskiy", 3)]


def test_a_word_ingested_later_is_suggested_for_its_typo(tmp_path: Path) -> None:
    """The index's word list is kept per generation (search.spelling.indexed_words): a word
    the next ingest brings is known to the very next search."""
    backend = WhooshBackend(load_settings(environ={}, home=tmp_path / "home"))
    filler = [
        Document(doc_id=f"f{i}", title=f"Council item {i}", body=f"The council met. Item {i}.")
        for i in range(5)
    ]
    backend.write(filler, NameTable())
    assert backend.search(SearchRequest(q="refinery")).total == 0
    assert backend.search(SearchRequest(q="refnery")).suggestion is None  # no such word yet
    backend.write(
        [
            Document(doc_id=f"r{i}", title="Refinery fire", body=f"The refinery burned ({i}).")
            for i in range(3)
        ],
        NameTable(),
    )
    found = backend.search(SearchRequest(q="refnery"))
    assert found.suggestion == "refinery" and found.corrected_from == "refnery"
    assert found.total == 3

"""Pseudo-relevance feedback (search.feedback): a long query's first answers lend it their
words, which reorders what it matches and never adds to it; a short query is left alone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from whoosh.searching import Searcher

from search import feedback
from search.documents import Document
from search.index import open_index, write_documents
from search.matching import top_by_relevance
from search.query import to_whoosh
from search.schema import SEARCH_FIELDS

LONG = "effect of wing sweep on supersonic lift and heating"

ON_TOPIC = [
    # the best answers: most of the query's words, and the field's own vocabulary
    "wing sweep changes supersonic lift; delta planform drag and aerodynamic heating measured",
    "supersonic wing lift with sweep: delta planform drag, aerodynamic heating of the edge",
    "sweep of a wing and supersonic heating: delta planform drag, aerodynamic load and lift",
]
# the first has one query word and the answers' vocabulary; the second two query words (one
# in no other document) and nothing of the subject, so the typed words alone rank it higher
RELATED = "delta planform drag and aerodynamic flutter of a thin wing at low speed"
STRAY = "the effect of the snow: the ski lift on the mountain closed and the resort with it"
FILLER = [f"council budget talks on harbour wages, item {i}" for i in range(40)]


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Searcher]:
    link = tmp_path_factory.mktemp("feedback") / "index"
    bodies = [*ON_TOPIC, RELATED, STRAY, *FILLER]
    write_documents(
        link, [Document(doc_id=f"d{i}", title="", body=b) for i, b in enumerate(bodies)]
    )
    with open_index(link.resolve()).searcher() as searcher:
        yield searcher


def _ranked(searcher: Searcher, q: str) -> list[str]:
    query = to_whoosh(q, searcher.schema, SEARCH_FIELDS)
    ranked = top_by_relevance(searcher, query, need=50, allowed=None, keys=None)
    return [searcher.stored_fields(d)["doc_id"] for d, _ in ranked]


def test_a_long_querys_answers_lift_a_document_on_their_subject(
    searcher: Searcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    related, stray = f"d{len(ON_TOPIC)}", f"d{len(ON_TOPIC) + 1}"
    monkeypatch.setattr(feedback, "MIN_WORDS", 0)  # off
    plain = _ranked(searcher, LONG)
    monkeypatch.setattr(feedback, "MIN_WORDS", 5)
    monkeypatch.setattr(feedback, "DOCS", 3)
    widened = _ranked(searcher, LONG)
    assert set(widened) == set(plain)  # the same matches: only the order moves
    assert plain.index(related) > plain.index(stray)
    assert widened.index(related) < widened.index(stray)
    assert set(widened[:3]) == set(plain[:3])  # the best answers stay on top


def test_a_short_query_is_ranked_by_its_own_words(
    searcher: Searcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(feedback, "DOCS", 3)
    short = "supersonic wing lift heating"  # four content words: under MIN_WORDS
    assert feedback.content_words(to_whoosh(short, searcher.schema, SEARCH_FIELDS)) == 4
    widened = _ranked(searcher, short)
    monkeypatch.setattr(feedback, "MIN_WORDS", 0)
    assert widened == _ranked(searcher, short)
    long_query = to_whoosh(LONG, searcher.schema, SEARCH_FIELDS)
    assert feedback.content_words(long_query) == 6  # "of", "on", "and" are not counted

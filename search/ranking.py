"""How relevance is weighed: BM25F with an IDF that lets common words count for almost nothing.

A word typed in the search box is looked for in the headline and the body. Whoosh scores each
field as a separate BM25 and adds them, so a word in both gets two saturated scores: a story
whose headline names the subject once more weighs almost as much as one about it, and the
headline weight cannot be set without also changing how fast a word saturates. BM25F proper
(Robertson and Zaragoza's; what a one-field index of headline and body together approximates,
the best standard BM25 on benchmarks) first adds a word's occurrences over the fields, each
divided by its field's length normalisation and a headline occurrence counting TITLE_WEIGHT
body ones, then saturates once with FIELDS_K1, and takes the IDF of the documents holding it
in either field. search.matching scores plain word queries this way (`fields_score`); phrases
and wildcards, which Whoosh scores, keep per-field BM25F.

The index keeps every word (schema v5), so "the" and "of" now reach the scorer. Whoosh's own
IDF, log(N / (df + 1)) + 1, never falls below 1: a word in every story would weigh as much as
a rare one does in a few hundred. The Robertson/Sparck Jones IDF (Lucene's and Elasticsearch's,
log(1 + (N - df + 0.5) / (df + 0.5))) falls towards 0 as a word approaches every document, so a
common word decides nothing unless it is all a query has ("The Who", "US"), and rare words
dominate. Both the numpy scorer (search.matching) and Whoosh's matchers read it through
`Searcher.idf`, so every ranking path agrees.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import log

import numpy as np
from whoosh.scoring import BM25F
from whoosh.searching import Searcher

# BM25 saturation and length normalisation: K1 and B as tuned on half of Cranfield's queries
# (bench/ranking.py reports the other half); a headline is short and complete, so its length
# is barely normalised
K1 = 1.2
B = 0.75
TITLE_B = 0.75
# query-time weight of a word found in the title over one found in the body, for the queries
# Whoosh scores per field (phrases, wildcards; the index also doubles title term frequencies:
# schema.py's field_boost)
TITLE_BOOST = 0.4
IDF = "rsj"
# BM25F proper (module docstring), as tuned on Cranfield's tune fold (bench/ranking.py): one
# headline occurrence counts as TITLE_WEIGHT body occurrences (a headline is a few words, all
# chosen; 5 to 8 tied on the tune fold); the summed, length-normalised count saturates with
# FIELDS_K1 (higher than K1: it adds up two fields)
TITLE_WEIGHT = 6.0
FIELDS_K1 = 2.0


class NewsBM25F(BM25F):  # type: ignore[misc]  # Whoosh is untyped
    """BM25F with the Robertson/Sparck Jones IDF (see the module docstring)."""

    def idf(self, searcher: Searcher, fieldname: str, text: str | bytes) -> float:
        parent = searcher.get_parent()
        return idf(parent.doc_frequency(fieldname, text), parent.doc_count_all())


def idf(df: int, doc_count: int) -> float:
    """The IDF of a word found in `df` of `doc_count` documents (module docstring)."""
    if IDF == "whoosh":
        return log(doc_count / (df + 1)) + 1
    return log(1 + (doc_count - df + 0.5) / (df + 0.5))


def length_norm(b: float, lengths: np.ndarray, average: float) -> np.ndarray:
    """BM25's length normalisation of a field: 1 for a field of average length."""
    norm: np.ndarray = (1 - b) + b * lengths / (average or 1)
    return norm


def fields_score(counts: np.ndarray) -> np.ndarray:
    """BM25F's saturation of a word's summed, length-normalised counts over the fields
    (multiplied by its IDF by the caller)."""
    saturated: np.ndarray = counts * (FIELDS_K1 + 1) / (counts + FIELDS_K1)
    return saturated


def weighting() -> NewsBM25F:
    """The weighting every searcher over a docsift index uses."""
    return NewsBM25F(B=B, K1=K1, title_B=TITLE_B)


def field_boosts(fields: Sequence[str]) -> dict[str, float]:
    """Query-time boosts per searched field, for MultifieldParser."""
    return {"title": TITLE_BOOST} if "title" in fields and TITLE_BOOST != 1 else {}

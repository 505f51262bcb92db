"""How relevance is weighed: BM25F with an IDF that lets common words count for almost nothing.

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

from whoosh.scoring import BM25F
from whoosh.searching import Searcher

# BM25 saturation and length normalisation: K1 and B as tuned on half of Cranfield's queries
# (bench/ranking.py reports the other half); a headline is short and complete, so its length
# is barely normalised
K1 = 1.2
B = 0.75
TITLE_B = 0.75
# query-time weight of a word found in the title over one found in the body (the index also
# doubles title term frequencies: schema.py's field_boost)
TITLE_BOOST = 0.4
IDF = "rsj"


class NewsBM25F(BM25F):  # type: ignore[misc]  # Whoosh is untyped
    """BM25F with the Robertson/Sparck Jones IDF (see the module docstring)."""

    def idf(self, searcher: Searcher, fieldname: str, text: str | bytes) -> float:
        parent = searcher.get_parent()
        n = parent.doc_frequency(fieldname, text)
        dc = parent.doc_count_all()
        if IDF == "whoosh":
            return log(dc / (n + 1)) + 1
        return log(1 + (dc - n + 0.5) / (n + 0.5))


def weighting() -> NewsBM25F:
    """The weighting every searcher over a docsift index uses."""
    return NewsBM25F(B=B, K1=K1, title_B=TITLE_B)


def field_boosts(fields: Sequence[str]) -> dict[str, float]:
    """Query-time boosts per searched field, for MultifieldParser."""
    return {"title": TITLE_BOOST} if "title" in fields and TITLE_BOOST != 1 else {}

"""Pseudo-relevance feedback for long queries: the words the best first answers share weigh in.

A question typed as a sentence ("what are the effects of the wing sweep on the lift of a
supersonic aircraft") names its subject in a few of many possible words; the stories that
answer it best use other words for the same thing too. When a query has at least MIN_WORDS
content words, the top DOCS documents by BM25F are read again and RM3 (Lavrenko and Croft's
relevance model, as Anserini uses it) picks the TERMS words most of their text is made of,
weighing each document by its share of the top scores. Those words are added to every matching
document's score with, together, WEIGHT times the weight of the words typed. Only the order
changes: a document the query does not match is never added, so counts and facets stay those
of the words typed.

Why only long queries: a short news query ("oil prices", "Rutte") names exactly what it wants,
and its top stories' other words (the week's other news) would pull unrelated stories up; a
long one is a description, where more words for the same subject help. Cranfield (bench/
ranking.py) was tuned on half its queries; BBC's short queries keep their top five, long
questions gain stories on their subject (the issue 20 report has both).
Cost: re-reading DOCS stored bodies and scoring TERMS more words, for long queries only.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from whoosh.query import Query, Term
from whoosh.searching import Searcher

from search.query_text import FUNCTION_WORDS
from search.schema import SEARCH_FIELDS

# a query needs this many distinct content words (function words aside) for feedback; 0: off
MIN_WORDS = 5
DOCS = 10  # top documents read
TERMS = 20  # words added
WEIGHT = 1.0  # the added words' weight together, relative to the words typed


def content_words(query: Query) -> int:
    """Distinct words searched in the text fields, function words aside."""
    leaves = [query] if query.is_leaf() else query.leaves()
    return len(
        {
            leaf.text
            for leaf in leaves
            if isinstance(leaf, Term)
            and leaf.fieldname in SEARCH_FIELDS
            and leaf.text not in FUNCTION_WORDS
        }
    )


def wanted(query: Query) -> int:
    """The query's content words when there are enough for feedback (MIN_WORDS), else 0."""
    words = content_words(query) if MIN_WORDS else 0
    return words if MIN_WORDS and words >= MIN_WORDS else 0


def top_documents(docs: np.ndarray, scores: np.ndarray) -> tuple[list[int], list[float]]:
    """The DOCS best of `docs` by `scores` (ties in document order), with their scores."""
    best = np.lexsort((docs, -scores))[:DOCS]
    return docs[best].tolist(), scores[best].tolist()


def expansion(
    searcher: Searcher, top: Sequence[int], scores: Sequence[float], words: int
) -> list[Term]:
    """RM3's TERMS words for the `top` documents (with their `scores`), their boosts summing
    to WEIGHT times `words` (the query's content words, each of boost 1). Each word is a body
    term and a title term, as a word typed is: search.matching scores the pair by BM25F over
    headline and body together.

    Each document's word distribution (tf / length, its body analysed as the index does) is
    weighed by the document's share of the top scores and summed; function words and numbers
    are left out (they say nothing of the subject, and common words have the longest
    postings)."""
    if not top:
        return []
    field = searcher.schema["body"]
    total = sum(scores) or 1.0
    model: dict[str, float] = {}
    for docnum, score in zip(top, scores, strict=True):
        body = searcher.stored_fields(int(docnum)).get("body") or ""
        counts: dict[str, float] = {}
        for text, freq, _, _ in field.index(body):
            word = field.from_bytes(text)
            if word not in FUNCTION_WORDS and not word.isdigit():
                counts[word] = counts.get(word, 0.0) + freq
        length = sum(counts.values()) or 1.0
        for word, n in counts.items():
            model[word] = model.get(word, 0.0) + (n / length) * (score / total)
    best = sorted(model.items(), key=lambda item: (-item[1], item[0]))[:TERMS]
    mass = sum(weight for _, weight in best) or 1.0
    return [
        Term(field, word, boost=WEIGHT * words * w / mass)
        for word, w in best
        for field in ("title", "body")
    ]

"""Related stories on Typesense 0.24, which has no more-like-this: the document's key terms
(tf·idf with document frequencies asked of Typesense), one search per term, documents ranked
by the weights of the term lists they are in; then search/related.py's one rule."""

from __future__ import annotations

import functools
import math
from typing import Any, Protocol

from search.documents import Document
from search.errors import DocumentNotFound
from search.related import Similar, related_links
from search.results import StoryLink
from search.tables import IndexTables
from search.typesense.plan import quoted
from search.typesense.records import analysed, from_record


class TypesenseBackend(Protocol):
    """What related stories ask of the backend: its alias, a multi-search, documents."""

    alias: str

    def multi(self, searches: list[dict[str, Any]]) -> list[dict[str, Any]]: ...

    def count(self) -> int: ...

    def get(self, doc_id: str) -> Document | None: ...


def related(
    backend: TypesenseBackend, tables: IndexTables, doc_id: str, limit: int
) -> tuple[StoryLink, ...]:
    """Other stories like this document, each with the names or key terms it shares.

    Raises:
        DocumentNotFound: no such id.
    """
    own = backend.get(doc_id)
    if own is None:
        raise DocumentNotFound(doc_id)
    names = tables.names()
    candidates = (
        Similar(
            StoryLink(
                other.doc_id,
                other.title or "(untitled)",
                other.published,
                "",
                other.published_precision,
            ),
            names.shown_names(_raw(other)),
            functools.partial(list, terms),
        )
        for other, terms in more_like(backend, doc_id, top=limit * 4 + 10)
    )
    return related_links(doc_id, names.shown_names(_raw(own)), candidates, tables.stories(), limit)


def _raw(document: Document) -> dict[str, tuple[str, ...]]:
    return {"person": document.people, "org": document.orgs, "place": document.places}


def key_terms(
    backend: TypesenseBackend, text: str, count: int = 15, candidates: int = 40
) -> dict[str, float]:
    """The words that best characterise a text: its most frequent analysed words,
    weighted by how rare they are in the collection (tf·idf, document frequencies asked
    of Typesense in one multi-search), as Whoosh's key_terms_from_text does."""
    frequency: dict[str, int] = {}
    for word in analysed(text).split():
        if len(word) > 2 and not word.isdigit():
            frequency[word] = frequency.get(word, 0) + 1
    top = sorted(frequency, key=lambda w: (-frequency[w], w))[:candidates]
    if not top:
        return {}
    searches = [
        {
            "collection": backend.alias,
            "q": "*",
            "filter_by": f"body_terms:[{quoted([word])[1:-1]}]",
            "per_page": 0,
        }
        for word in top
    ]
    results = backend.multi(searches)
    total = max(1, backend.count())
    weight = {
        word: frequency[word] * math.log(total / (1 + int(result.get("found", 0))) + 1)
        for word, result in zip(top, results, strict=True)
    }
    return {w: weight[w] for w in sorted(weight, key=lambda w: (-weight[w], w))[:count]}


def more_like(
    backend: TypesenseBackend, doc_id: str, top: int = 30
) -> list[tuple[Document, list[str]]]:
    """Documents sharing this one's key terms, best first, each with the key terms its
    body holds; the document itself left out. Typesense 0.24 has no more-like-this: one
    search per key term (its best `top` documents) in one multi-search, and a document
    scores the tf·idf weights of the terms whose lists it is in.

    Raises:
        IndexMissing: nothing has been indexed yet.
    """
    record = backend.get(doc_id)
    if record is None:
        return []
    weights = key_terms(backend, record.body or record.title)
    if not weights:
        return []
    terms = list(weights)
    lists = backend.multi(
        [
            {
                "collection": backend.alias,
                "q": term,
                "query_by": "body_terms",
                "num_typos": 0,
                "prefix": "false",
                "drop_tokens_threshold": 0,
                "typo_tokens_threshold": 0,
                "filter_by": f"doc_id:!={quoted([doc_id])}",
                "per_page": top,
                "include_fields": "doc_id",
                "highlight_fields": "doc_id",
            }
            for term in terms
        ]
    )
    score: dict[str, float] = {}
    shared: dict[str, list[str]] = {}
    for term, found in zip(terms, lists, strict=True):
        for hit in found.get("hits") or ():
            other = hit["document"]["doc_id"]
            score[other] = score.get(other, 0.0) + weights[term]
            shared.setdefault(other, []).append(term)
    best = sorted(score, key=lambda d: (-score[d], d))[:top]
    if not best:
        return []
    fetched = backend.multi(
        [
            {
                "collection": backend.alias,
                "q": "*",
                "filter_by": f"doc_id:={quoted(best)}",
                "per_page": len(best),
                "exclude_fields": "title_terms,body_terms",
            }
        ]
    )[0]
    documents = {h["document"]["doc_id"]: from_record(h["document"]) for h in fetched["hits"]}
    return [(documents[d], shared[d]) for d in best if d in documents]

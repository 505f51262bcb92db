"""SearchService over a real on-disk index: matching, facets, sorting, paging, snippets."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from pathlib import Path

import pytest

from search.documents import Document
from search.errors import DocumentNotFound, IndexMissing
from search.index import write_documents
from search.query import parse_request
from search.service import SearchService

PEOPLE = ["Helena Marsh", "Tomás Reyes", "Amara Okafor", "Ingrid Solberg", "Kenji Watanabe"]
ORGS = ["Port Alder Council", "Northwind Freight", "Dockworkers Union", "Clearwater Trust"]
PLACES = ["Port Alder", "Brussels", "Kyiv"]
WORDS = ["harbour", "strike", "storm", "council", "budget", "election", "ferry", "court"]


def random_corpus(seed: int, n: int) -> list[Document]:
    rng = random.Random(seed)
    corpus = []
    for i in range(n):
        published = (
            None
            if rng.random() < 0.15
            else dt.date(2022, 1, 1) + dt.timedelta(days=rng.randrange(1100))
        )
        corpus.append(
            Document(
                doc_id=f"doc{i:03d}",
                title=" ".join(rng.sample(WORDS, 2)).title(),
                body=" ".join(rng.choice(WORDS) for _ in range(30)),
                people=tuple(rng.sample(PEOPLE, rng.randrange(0, 3))),
                orgs=tuple(rng.sample(ORGS, rng.randrange(0, 3))),
                places=tuple(rng.sample(PLACES, rng.randrange(0, 2))),
                published=published,
            )
        )
    return corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[SearchService, list[Document]]:
    link = tmp_path_factory.mktemp("svc") / "index"
    documents = random_corpus(7, 95)
    # three commits, so docnums span several segments
    for chunk in (documents[:40], documents[40:70], documents[70:]):
        write_documents(link, chunk)
    return SearchService(link), documents


def brute_force(
    documents: list[Document],
    q: str,
    selections: dict[str, list[str]],
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> tuple[set[str], dict[str, dict[str, int]]]:
    """Expected result ids and disjunctive facet counts, computed without the index."""
    attr = {"person": "people", "org": "orgs", "place": "places"}

    def values(doc: Document, facet: str) -> tuple[str, ...]:
        if facet == "year":
            return (str(doc.published.year),) if doc.published else ()
        return getattr(doc, attr[facet])

    def base(doc: Document) -> bool:
        text = f"{doc.title} {doc.body}".lower()
        if q and q not in text.split():
            return False
        if date_from and (not doc.published or doc.published < date_from):
            return False
        return not (date_to and (not doc.published or doc.published > date_to))

    def passes(doc: Document, skip: str | None) -> bool:
        return all(
            set(values(doc, f)) & set(sel) for f, sel in selections.items() if sel and f != skip
        )

    hits = {d.doc_id for d in documents if base(d) and passes(d, None)}
    counts: dict[str, dict[str, int]] = {}
    for facet in ("person", "org", "place", "year"):
        tally: dict[str, int] = {}
        for doc in documents:
            if base(doc) and passes(doc, facet):
                for value in values(doc, facet):
                    tally[value] = tally.get(value, 0) + 1
        counts[facet] = tally
    return hits, counts


SELECTIONS = [
    {},
    {"person": ["Helena Marsh"]},
    {"person": ["Helena Marsh", "Amara Okafor"]},
    {"person": ["Helena Marsh", "Amara Okafor"], "org": ["Northwind Freight"]},
    {"org": ["Clearwater Trust", "Dockworkers Union"], "place": ["Kyiv"], "year": ["2023"]},
    {"year": ["2022", "2024"], "person": ["Kenji Watanabe"]},
]


@pytest.mark.parametrize(
    ("q", "selections"), list(itertools.product(["", "strike", "ferry"], SELECTIONS))
)
def test_facet_counts_match_brute_force(
    corpus: tuple[SearchService, list[Document]], q: str, selections: dict[str, list[str]]
) -> None:
    service, documents = corpus
    request = parse_request({"q": q, "per_page": "100", **selections})
    response = service.search(request)
    expected_hits, expected_counts = brute_force(documents, q, selections)
    assert response.total == len(expected_hits)
    assert {h.doc_id for h in response.hits} == expected_hits
    for facet in response.facets:
        shown = {v.value: v.count for v in facet.values if v.count}
        expected = expected_counts[facet.name]
        assert facet.total_values == len(expected)
        for value, count in shown.items():
            assert expected[value] == count, (facet.name, value)
        for value in selections.get(facet.name, []):
            assert next(v for v in facet.values if v.value == value).selected


def test_date_range_filter_matches_brute_force(
    corpus: tuple[SearchService, list[Document]],
) -> None:
    service, documents = corpus
    request = parse_request({"from": "2023-03", "to": "2023-10-15", "per_page": "100"})
    expected, _ = brute_force(documents, "", {}, dt.date(2023, 3, 1), dt.date(2023, 10, 15))
    response = service.search(request)
    assert {h.doc_id for h in response.hits} == expected


def test_selected_value_is_pinned_even_without_results(
    corpus: tuple[SearchService, list[Document]],
) -> None:
    service, _ = corpus
    response = service.search(parse_request({"person": "Nobody Atall"}))
    assert response.total == 0
    person = response.facet("person")
    assert person is not None
    assert person.values[0].value == "Nobody Atall" and person.values[0].selected
    assert person.values[0].count == 0


def test_sorting_by_date_puts_undated_documents_last(
    corpus: tuple[SearchService, list[Document]],
) -> None:
    service, documents = corpus
    for sort, reverse in (("newest", True), ("oldest", False)):
        response = service.search(parse_request({"sort": sort, "per_page": "100", "q": "harbour"}))
        dates = [h.date for h in response.hits]
        dated = [d for d in dates if d]
        assert dated == sorted(dated, reverse=reverse)
        assert all(d is None for d in dates[len(dated) :])


def test_pages_partition_the_results(corpus: tuple[SearchService, list[Document]]) -> None:
    service, _ = corpus
    everything = service.search(parse_request({"q": "council", "per_page": "100"}))
    seen: list[str] = []
    pages = -(-everything.total // 7)
    for page in range(1, pages + 2):  # one page past the end: empty, not an error
        response = service.search(
            parse_request({"q": "council", "page": str(page), "per_page": "7"})
        )
        assert response.pages == pages
        seen.extend(h.doc_id for h in response.hits)
    assert seen == [h.doc_id for h in everything.hits]


def test_snippets_escape_markup_and_mark_matches(tmp_path: Path) -> None:
    link = tmp_path / "index"
    write_documents(
        link,
        [
            Document(
                doc_id="x",
                title="<b>Bold</b> claims",
                body="Officials said <script>alert('x')</script> the ferry strike will end.",
            )
        ],
    )
    service = SearchService(link)
    hit = service.search(parse_request({"q": "ferry"})).hits[0]
    assert "<script>" not in hit.snippet
    assert "&lt;script&gt;" in hit.snippet
    assert '<mark class="match term0">ferry</mark>' in hit.snippet
    assert hit.title == "<b>Bold</b> claims"  # escaped by the renderer, not mangled here


def test_stemming_matches_word_forms(corpus: tuple[SearchService, list[Document]]) -> None:
    service, _ = corpus
    assert (
        service.search(parse_request({"q": "strikes"})).total
        == service.search(parse_request({"q": "strike"})).total
        > 0
    )


def test_get_returns_the_document_or_raises(corpus: tuple[SearchService, list[Document]]) -> None:
    service, documents = corpus
    assert service.get("doc005").title == documents[5].title
    with pytest.raises(DocumentNotFound):
        service.get("nope")


def test_missing_index_raises_index_missing(tmp_path: Path) -> None:
    service = SearchService(tmp_path / "index")
    assert service.stats()["ready"] is False
    with pytest.raises(IndexMissing):
        service.search(parse_request({}))

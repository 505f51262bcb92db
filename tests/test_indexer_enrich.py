"""The enrich stage as a pure function: raw mentions in, names, labels and dates out."""

from __future__ import annotations

import datetime as dt

import pytest

from indexer.enrich import enrich_document
from indexer.names import has_person_evidence
from search.documents import Document, Mention

BODY = (
    '"We will not back down," said Amara Okafor, leader of the Dockworkers Union. '
    "Ms Okafor spoke on Tuesday. Northwind Freight, the port's largest employer, said talks "
    "would resume next month."
)


def mention(label: str, text: str) -> Mention:
    start = BODY.index(text)
    return Mention(label, text, start, start + len(text))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Amara Okafor", True),  # "said Amara Okafor", "Ms Okafor", ", leader of"
        ("Northwind Freight", False),  # an appositive without a person's role
        ("Dockworkers Union", False),
    ],
)
def test_person_evidence_comes_from_titles_speech_and_roles(name: str, expected: bool) -> None:
    assert has_person_evidence(BODY, name) is expected


def test_a_titled_name_the_model_called_a_place_is_a_person() -> None:
    document = Document(
        doc_id="d", title="Strike", body=BODY, published=dt.date(2024, 6, 6)
    )  # a Thursday
    raw = [
        mention("place", "Amara Okafor"),
        mention("person", "Okafor"),
        mention("org", "Northwind Freight"),
        mention("date", "Tuesday"),
        mention("date", "next month"),
    ]
    enriched = enrich_document(document, raw).document
    assert enriched.people == ("Amara Okafor",)
    assert enriched.orgs == ("Northwind Freight",)
    assert enriched.places == ()
    dates = {m.text: m.value for m in enriched.mentions if m.label == "date"}
    assert dates == {"Tuesday": "2024-06-04", "next month": "2024-07"}


def test_relative_dates_are_not_resolved_against_a_month_only_publication_date() -> None:
    raw = [mention("date", "Tuesday"), mention("date", "next month")]
    dated = Document(doc_id="d", title="Strike", body=BODY, published=dt.date(2024, 6, 1))
    month = Document(
        doc_id="d",
        title="Strike",
        body=BODY,
        published=dt.date(2024, 6, 1),
        published_precision="month",
    )
    day_values = {m.text for m in enrich_document(dated, raw).document.mentions}
    month_values = {m.text for m in enrich_document(month, raw).document.mentions}
    assert day_values == {"Tuesday", "next month"}
    assert month_values == set()  # "Tuesday" of which week? left unresolved, not guessed

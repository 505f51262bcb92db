"""parse_request and to_whoosh: the one parameter and query parser the web app and CLI share."""

from __future__ import annotations

import datetime as dt

import pytest
from werkzeug.datastructures import MultiDict
from whoosh.fields import Schema
from whoosh.qparser import MultifieldParser
from whoosh.query import And, AndMaybe, Or

from search.errors import QueryError
from search.query import SearchRequest, parse_request, to_whoosh
from search.ranking import field_boosts
from search.schema import SEARCH_FIELDS, build_schema


def test_defaults_browse_newest_first() -> None:
    request = parse_request({})
    assert request == SearchRequest()
    assert request.effective_sort == "newest"


def test_multidict_and_plain_dict_parse_the_same() -> None:
    multi = MultiDict([("q", "nato"), ("person", "Mark Rutte"), ("person", "Andrii Sybiha")])
    plain = {"q": "nato", "person": ["Mark Rutte", "Andrii Sybiha"]}
    assert parse_request(multi) == parse_request(plain)
    assert parse_request(multi).selected("person") == ("Mark Rutte", "Andrii Sybiha")


def test_date_range_expands_partial_dates() -> None:
    request = parse_request({"from": "2024-02", "to": "2024"})
    assert request.date_from == dt.date(2024, 2, 1)
    assert request.date_to == dt.date(2024, 12, 31)
    assert parse_request({"to": "2024-02"}).date_to == dt.date(2024, 2, 29)


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"page": "abc"}, "page"),
        ({"page": "0"}, "page"),
        ({"page": "-1"}, "page"),
        ({"per_page": "100000"}, "per_page"),
        ({"sort": "bogus"}, "sort"),
        ({"from": "yesterday"}, "from"),
        ({"from": "2024-13-01"}, "from"),
        ({"from": "2024-05-01", "to": "2024-04-01"}, "from"),
        ({"q": '"unclosed phrase'}, "q"),
        ({"q": "(nato OR kyiv"}, "q"),
        ({"q": "nato)"}, "q"),
        ({"q": "colour:red"}, "q"),
        ({"q": "x" * 1001}, "q"),
        ({"q": "a\x00b"}, "q"),
        ({"q": "*"}, "q"),
        ({"mentioned_from": "2024-02", "mentioned_to": "2024-01"}, "mentioned_from"),
        ({"q": ["a", "b"]}, "q"),
    ],
)
def test_bad_parameters_raise_query_error_naming_the_parameter(
    params: dict[str, object], param: str
) -> None:
    with pytest.raises(QueryError) as info:
        parse_request(params)
    assert info.value.param == param
    assert str(info.value)


def test_known_fields_and_times_are_accepted() -> None:
    query = "title:harbour AND body:strike"
    assert parse_request({"q": query}).q == query
    assert parse_request({"q": "meeting at 10:30"}).q == "meeting at 10:30"
    assert parse_request({"q": '"colour: red"'}).q == '"colour: red"'


def test_toggle_adds_then_removes_a_value_and_resets_page() -> None:
    request = parse_request({"q": "nato", "page": "3", "person": "Mark Rutte"})
    added = request.with_toggled("org", "NATO")
    assert added.selected("org") == ("NATO",) and added.page == 1
    assert added.with_toggled("org", "NATO").selected("org") == ()
    removed = request.with_toggled("person", "Mark Rutte")
    assert removed.query_string() == "q=nato"


def test_query_string_round_trips() -> None:
    request = parse_request(
        {"q": "kyiv", "person": ["A B", "C"], "from": "2024-01-01", "sort": "oldest", "page": "2"}
    )
    from urllib.parse import parse_qs

    assert parse_request(parse_qs(request.query_string())) == request


@pytest.fixture(scope="module")
def schema() -> Schema:
    return build_schema()


def _required(q: str, schema: Schema) -> bool:
    """Whether every part of `q` must match: the parsed query is an AND of its parts."""
    query = to_whoosh(q, schema)
    if isinstance(query, AndMaybe):  # a question's function words only add to the score
        query = query.a
    assert isinstance(query, And | Or), query
    return isinstance(query, And)


@pytest.mark.parametrize(
    "q",
    [
        "harbour strike ferry",  # up to three words: all of them
        "the strike at the harbour",  # stop words do not count
        '"harbour strike" ferry council',  # a phrase is one part
        "ferry AND council storm budget election",  # operators: as written
        "NOT storm harbour ferry council budget",
    ],
)
def test_short_or_explicit_queries_require_every_word(q: str, schema: Schema) -> None:
    assert _required(q, schema)


@pytest.mark.parametrize(
    "q",
    [
        "harbour strike ferry council",
        "when will the ferries sail again after the harbour strike",
        '"cats AND dogs" harbour strike ferry council',  # AND inside a phrase is a word
    ],
)
def test_longer_queries_match_any_word(q: str, schema: Schema) -> None:
    assert not _required(q, schema)


@pytest.mark.parametrize(
    "q", ["nato OR brussels OR harbour", "title:harbour AND body:strike ferry council storm"]
)
def test_queries_with_operators_parse_as_written(q: str, schema: Schema) -> None:
    boosts = field_boosts(SEARCH_FIELDS)
    assert to_whoosh(q, schema) == MultifieldParser(list(SEARCH_FIELDS), schema, boosts).parse(q)


@pytest.mark.parametrize(
    "q",
    [
        'year:"1987 1988"',  # a phrase where there are no word positions
        'date:"next week"',  # words in a date field
        'date:"<script> nato"',
    ],
)
def test_queries_whoosh_parses_but_cannot_run_are_refused_up_front(q: str, schema: Schema) -> None:
    with pytest.raises(QueryError) as caught:
        to_whoosh(q, schema)
    assert caught.value.param == "q"
    assert q.split(":")[0] in str(caught.value)


def test_phrases_in_text_fields_and_plain_field_terms_still_parse(schema: Schema) -> None:
    assert to_whoosh('"prime minister" year:1987', schema) is not None
    assert to_whoosh("title:nato body:summit", schema) is not None
    # a quoted name in an entity field is one whole value, not a phrase
    assert "Mark Rutte" in repr(to_whoosh('person:"Mark Rutte" AND nato', schema))

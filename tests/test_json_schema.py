"""The response schemas generated from typed dicts (search/json_schema.py): what each Python type
becomes, and that a real answer validates against the schema made from its own declaration."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, TypedDict

import jsonschema
import pytest

from search.documents import Document, DocumentJSON
from search.json_schema import REF, Schema, Whole, schemas
from search.parameters import ENTITY_FACETS, HISTOGRAMS
from search.query import QueryJSON, SearchRequest


class InnerJSON(TypedDict):
    n: Whole


class OuterJSON(TypedDict):
    """An answer."""

    kind: Literal["a", "b"]
    label: Annotated[str | None, Schema(enum=("x", "y"), description="which")]
    inner: InnerJSON | None
    many: list[InnerJSON]
    by_name: Annotated[dict[str, int], Schema(keys=("one", "two"))]
    some: Annotated[dict[str, str], Schema(keys=("p", "q"), optional=True, properties={"q": int})]
    score: float | None
    when: dt.date


def test_types_become_closed_schemas_with_references() -> None:
    found = schemas(OuterJSON)

    assert set(found) == {"Outer", "Inner"}
    outer = found["Outer"]
    assert outer["additionalProperties"] is False
    assert outer["description"] == "An answer."
    assert outer["required"] == list(OuterJSON.__annotations__)
    props = outer["properties"]
    assert props["kind"] == {"type": "string", "enum": ["a", "b"]}
    # a nullable enum takes null among its values, or null would be refused
    assert props["label"] == {
        "type": ["string", "null"],
        "enum": ["x", "y", None],
        "description": "which",
    }
    assert props["inner"] == {"anyOf": [{"$ref": REF + "Inner"}, {"type": "null"}]}
    assert props["many"] == {"type": "array", "items": {"$ref": REF + "Inner"}}
    assert props["by_name"]["required"] == ["one", "two"]
    assert props["by_name"]["additionalProperties"] is False
    assert "required" not in props["some"]
    assert props["some"]["properties"] == {"p": {"type": "string"}, "q": {"type": "integer"}}
    assert props["score"] == {"type": ["number", "null"]}
    assert props["when"] == {"type": "string", "format": "date"}
    assert found["Inner"]["properties"]["n"] == {"type": "integer", "minimum": 0}


def test_a_type_without_a_json_form_or_two_types_of_one_name_are_refused() -> None:
    class BadJSON(TypedDict):
        raw: bytes

    with pytest.raises(TypeError, match="no JSON schema"):
        schemas(BadJSON)

    def make() -> type:
        class InnerJSON(TypedDict):
            other: str

        return InnerJSON

    with pytest.raises(TypeError, match="two response types are named Inner"):
        schemas(OuterJSON, make())


def test_a_documents_json_matches_the_schema_made_from_its_declaration() -> None:
    doc = Document(
        doc_id="d1",
        title="Title",
        body="Body text.",
        url="https://example.org/a",
        source="example.org",
        published=dt.date(2024, 3, 1),
        published_precision="month",
    )
    found = schemas(DocumentJSON)
    validator = jsonschema.Draft202012Validator(
        {"$ref": REF + "Document", "components": {"schemas": found}}
    )

    validator.validate(doc.to_dict())
    assert doc.to_dict()["date"] == "2024-03"
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({**doc.to_dict(), "extra": 1})  # closed: an undeclared key fails
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({**doc.to_dict(), "date_precision": "week"})


def test_the_querys_json_names_every_date_range_parameter_of_the_facet_table() -> None:
    """QueryJSON spells its keys out ("from" is a keyword): a range parameter renamed in
    search/parameters.py must be renamed there too, or the answer and its schema drift apart."""
    ranges = {name for pair in HISTOGRAMS.values() for name in pair}
    query = SearchRequest(date_from=dt.date(2024, 1, 1), mentioned_to=dt.date(2024, 2, 1))

    assert ranges <= set(QueryJSON.__annotations__)
    assert ranges <= set(query.to_dict())
    assert set(ENTITY_FACETS) <= set(
        schemas(QueryJSON)["Query"]["properties"]["filters"]["properties"]
    )

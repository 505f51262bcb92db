"""JSON Schema from the typed dicts the result objects serialise to (their `to_dict` types).

Each JSON answer is declared once, as a TypedDict beside the object that writes it: mypy checks
that `to_dict` writes exactly those keys with those types, and `schemas()` turns the same
declaration into the OpenAPI document's response schemas (web/openapi.py), so the description
cannot drift from the output. What a Python type cannot say (a description, bounds, a pattern,
the values a string takes) rides along in `Annotated[..., Schema(...)]`.

Why not pydantic's TypeAdapter: it is not a dependency of the server (only of the tests, through
schemathesis), it needs typing_extensions' TypedDict on Python 3.11, and its output (titles,
`$defs`, open objects) would need rewriting into this shape anyway.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from collections.abc import Mapping, Sequence
from typing import (
    Annotated,
    Any,
    Literal,
    Union,
    get_args,
    get_origin,
    get_type_hints,
    is_typeddict,
)

SUFFIX = "JSON"  # HitJSON is the schema named Hit
REF = "#/components/schemas/"
_SCALARS: dict[object, dict[str, Any]] = {
    str: {"type": "string"},
    bool: {"type": "boolean"},
    int: {"type": "integer"},
    float: {"type": "number"},
    type(None): {"type": "null"},
    dt.datetime: {"type": "string", "format": "date-time"},
    dt.date: {"type": "string", "format": "date"},
}


class Schema:
    """JSON Schema keywords for an annotated type: `Annotated[int, Schema(minimum=0)]`.

    Two keywords are this module's own, for a dict whose keys are known (a facet's name, an
    entity label): `keys` lists them (every one required unless `optional`), and `properties`
    gives the value type of those keys whose value differs from the dict's.
    """

    def __init__(
        self,
        *,
        keys: Sequence[str] = (),
        optional: bool = False,
        properties: Mapping[str, object] | None = None,
        **keywords: Any,
    ) -> None:
        self.keys = tuple(keys)
        self.optional = optional
        self.properties = dict(properties or {})
        self.keywords = keywords


# a count or an offset
Whole = Annotated[int, Schema(minimum=0)]


def name_of(typed_dict: type) -> str:
    return typed_dict.__name__.removesuffix(SUFFIX)


def ref(typed_dict: type) -> dict[str, str]:
    return {"$ref": REF + name_of(typed_dict)}


def schemas(*roots: type) -> dict[str, dict[str, Any]]:
    """Every typed dict reachable from `roots`, as named closed-object schemas."""
    found: dict[str, dict[str, Any]] = {}
    pending = list(roots)
    seen: dict[str, type] = {}
    while pending:
        typed_dict = pending.pop(0)
        name = name_of(typed_dict)
        if name in seen:
            if seen[name] is not typed_dict:
                raise TypeError(f"two response types are named {name}")
            continue
        seen[name] = typed_dict
        found[name] = _object(typed_dict, pending)
    return found


def _object(typed_dict: type, pending: list[type]) -> dict[str, Any]:
    hints = get_type_hints(typed_dict, include_extras=True)
    required = typed_dict.__required_keys__  # type: ignore[attr-defined]
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {key: _schema(hint, pending) for key, hint in hints.items()},
        "required": [key for key in hints if key in required],
        "additionalProperties": False,
    }
    if typed_dict.__doc__:
        schema["description"] = " ".join(typed_dict.__doc__.split())
    return schema


def _schema(hint: object, pending: list[type]) -> dict[str, Any]:
    """The schema of one type; typed dicts become references, queued in `pending`."""
    origin, args = get_origin(hint), get_args(hint)
    if origin is typing.Annotated:
        return _annotated(args[0], [m for m in hint.__metadata__ if isinstance(m, Schema)], pending)  # type: ignore[attr-defined]
    if is_typeddict(hint):
        pending.append(hint)  # type: ignore[arg-type]
        return ref(hint)  # type: ignore[arg-type]
    if hint is None:
        hint = type(None)
    if hint in _SCALARS:
        return dict(_SCALARS[hint])
    if origin in (Union, types.UnionType):
        return _union([a for a in args if a is not type(None)], type(None) in args, pending)
    if origin is Literal:
        return {**_schema(type(args[0]), pending), "enum": list(args)}
    if origin in (list, tuple, Sequence) and (origin is not tuple or args[1:] == (Ellipsis,)):
        return {"type": "array", "items": _schema(args[0], pending)}
    if origin in (dict, Mapping) and args[0] is str:
        return {"type": "object", "additionalProperties": _schema(args[1], pending)}
    raise TypeError(f"no JSON schema for {hint!r}")


def _union(options: list[object], nullable: bool, pending: list[type]) -> dict[str, Any]:
    if len(options) != 1:
        return {"anyOf": [_schema(o, pending) for o in (*options, *([None] if nullable else []))]}
    schema = _schema(options[0], pending)
    if not nullable:
        return schema
    if isinstance(schema.get("type"), str):
        # {"type": ["string", "null"]}: the form readers (and schemathesis) handle best
        schema["type"] = [schema["type"], "null"]
        if "enum" in schema:
            schema["enum"] = [*schema["enum"], None]
        return schema
    return {"anyOf": [schema, {"type": "null"}]}


def _annotated(hint: object, marks: list[Schema], pending: list[type]) -> dict[str, Any]:
    schema = _schema(hint, pending)
    for mark in marks:
        if mark.keys:
            value = schema.pop("additionalProperties")
            schema["properties"] = {
                key: _schema(mark.properties[key], pending) if key in mark.properties else value
                for key in mark.keys
            }
            if not mark.optional:
                schema["required"] = list(mark.keys)
            schema["additionalProperties"] = False
        keywords = dict(mark.keywords)
        if "enum" in keywords:
            null = "null" in schema.get("type", ())
            keywords["enum"] = [*keywords["enum"], *([None] if null else [])]
        schema.update(keywords)
    return schema

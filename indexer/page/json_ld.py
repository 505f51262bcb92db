"""JSON-LD blocks of a page (schema.org metadata): the objects in them, for the cleaner's
title, author and date (indexer/page/clean.py) and the publication date (pubdate.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

# how deep nested lists and graphs are followed: real pages nest two or three levels
MAX_DEPTH = 4


def json_ld_objects(data: Any, into: tuple[str, ...] = ("@graph",)) -> Iterator[dict[str, Any]]:
    """Every object of a parsed JSON-LD block, outermost first, following lists and the keys
    in `into` (an "@graph", or also an article's "mainEntity") down to MAX_DEPTH levels."""
    yield from _walk(data, into, 0)


def _walk(data: Any, into: tuple[str, ...], depth: int) -> Iterator[dict[str, Any]]:
    if depth > MAX_DEPTH:
        return
    if isinstance(data, list):
        for item in data:
            yield from _walk(item, into, depth + 1)
    elif isinstance(data, dict):
        yield data
        for key in into:
            if isinstance(data.get(key), (list, dict)):
                yield from _walk(data[key], into, depth + 1)

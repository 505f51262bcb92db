"""Typesense as its users query it (issue 23), for bench/backends.py --native.

docsift's Typesense backend indexes analysed word fields and sends a multi-search per query
(the page, then counts without each selected facet). Someone who picks Typesense instead of
docsift would not: they index the title and body as text, the facet fields as they are, and
send one search per query with Typesense's defaults - `q`, `query_by`, every facet in
`facet_by`, highlights (snippets of the matched fields), the same page size. This module builds
that collection from the same documents and sends that request over HTTP.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import Any

import httpx

from search.documents import Document
from search.names import NameTable
from search.typesense.records import to_record

COLLECTION = "native"
# docsift's value facets, and the year a published-date histogram groups by
FACET_BY = "person,org,place,language,filetype,origin,year"
QUERY_BY = "title,body"
ENTITY_FIELDS = ("person", "org", "place")
KEPT = ("title", "body", "person", "org", "place", "language", "filetype", "origin", "year")


def schema() -> dict[str, Any]:
    def f(name: str, kind: str, **options: Any) -> dict[str, Any]:
        return {"name": name, "type": kind, **options}

    return {
        "name": COLLECTION,
        "fields": [
            f("title", "string"),
            f("body", "string", optional=True),
            *(f(name, "string[]", facet=True, optional=True) for name in ENTITY_FIELDS),
            *(
                f(name, "string", facet=True, optional=True)
                for name in ("language", "filetype", "origin", "year")
            ),
            f("date_desc", "int64"),
        ],
        "default_sorting_field": "date_desc",
    }


def native_record(document: Document, names: NameTable) -> dict[str, Any]:
    """The fields a user would index: the text as written, facet values as docsift shows them."""
    full = to_record(document, names)
    kept = {key: full[key] for key in KEPT if full.get(key) not in (None, "", [])}
    return {"id": full["id"], "date_desc": full["date_desc"], **kept}


def build(
    base: str, api_key: str, documents: Iterable[Document], names: NameTable, batch: int = 2000
) -> float:
    """Create the collection and import `documents`; the seconds it took."""
    headers = {"X-TYPESENSE-API-KEY": api_key}
    started = time.perf_counter()
    with httpx.Client(base_url=base, headers=headers, timeout=600, trust_env=False) as client:
        client.delete(f"/collections/{COLLECTION}")
        client.post("/collections", json=schema()).raise_for_status()
        pending: list[str] = []

        def flush() -> None:
            response = client.post(
                f"/collections/{COLLECTION}/documents/import",
                params={"action": "create"},
                content="\n".join(pending).encode(),
            )
            response.raise_for_status()
            failed = [line for line in response.text.splitlines() if '"success":false' in line]
            if failed:
                raise RuntimeError(f"{len(failed)} records refused, first: {failed[0][:300]}")
            pending.clear()

        for document in documents:
            pending.append(json.dumps(native_record(document, names), ensure_ascii=False))
            if len(pending) >= batch:
                flush()
        if pending:
            flush()
    return time.perf_counter() - started


def search_params(q: str, per_page: int, facet_values: int) -> dict[str, str | int]:
    """One search as a Typesense user writes it (Typesense's defaults for the rest)."""
    return {
        "q": q,
        "query_by": QUERY_BY,
        "facet_by": FACET_BY,
        "max_facet_values": facet_values,
        "per_page": per_page,
        "highlight_fields": QUERY_BY,
    }


def search(client: httpx.Client, params: dict[str, str | int]) -> dict[str, Any]:
    response = client.get(f"/collections/{COLLECTION}/documents/search", params=params)
    response.raise_for_status()
    found: dict[str, Any] = response.json()
    return found

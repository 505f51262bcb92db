"""One search's query text, parsed once and reused by every step that needs it.

A search used to parse its text up to three times (the work-limit check that picks the lane,
the matching, the "also searching" list) and widen its names twice. PreparedQuery is the parse
and the work check, made before a searcher is lent (a refused query must never wait for a
slot); `resolve` is the part that needs the index — other spellings of names (search.variants)
and wildcards expanded into the terms they match (search.budget) — done once per searcher.
"""

from __future__ import annotations

from dataclasses import dataclass

from whoosh.fields import Schema
from whoosh.query import Every, Query
from whoosh.searching import Searcher

from search import query_text
from search.budget import Limits, check_work, expand, is_expensive
from search.schema import SEARCH_FIELDS
from search.variants import VariantIndex
from search.variants import expand as expand_names


@dataclass(frozen=True)
class PreparedQuery:
    """The query text of a request, parsed and within the work limits."""

    q: str
    parsed: Query
    # the query's words as typed only: no other spelling of a name
    exact: bool = False
    # wildcards or very many clauses: it runs in the expensive lane (search.budget)
    expensive: bool = False


@dataclass(frozen=True)
class ResolvedQuery:
    """What a searcher runs: the prepared query with other spellings of its names and its
    wildcards' terms, and the spellings added (shown as "also searching …")."""

    query: Query
    also_searching: tuple[str, ...] = ()


def prepare(q: str, schema: Schema, limits: Limits, *, exact: bool = False) -> PreparedQuery:
    """Parse `q` once (search.query_text) and check its work against `limits`.

    Raises:
        QueryError: bad syntax, or more work than the limits allow.
    """
    if not q:
        return PreparedQuery(q, Every(), exact)
    parsed = query_text.to_whoosh(q, schema, SEARCH_FIELDS)
    check_work(parsed, limits, q)
    return PreparedQuery(q, parsed, exact, is_expensive(parsed))


def resolve(
    prepared: PreparedQuery, searcher: Searcher, variants: VariantIndex, limits: Limits
) -> ResolvedQuery:
    """The prepared query widened to every merged spelling of its names (unless exact), then
    its wildcards expanded in this searcher's index.

    Names are widened before wildcards are expanded, so "also searching" lists the spellings
    of the names the user typed, not of every word a wildcard happens to match.

    Raises:
        QueryError: the wildcards together match more words than the limits allow.
        SearchTimeout: past the time limit while expanding wildcards.
    """
    if not prepared.q:
        return ResolvedQuery(prepared.parsed)
    query, also = (
        (prepared.parsed, ()) if prepared.exact else expand_names(prepared.parsed, variants)
    )
    return ResolvedQuery(expand(searcher, query, limits, prepared.q), also)

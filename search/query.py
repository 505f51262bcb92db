"""SearchRequest and its validation, and the query text's meaning (to_whoosh): the one parser
both the web and the CLI use.

`parse_request` takes any mapping of parameters (Werkzeug's MultiDict or a plain dict) so the
query semantics are identical in every front end; every bad value raises QueryError naming the
parameter.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from whoosh.analysis import STOP_WORDS
from whoosh.fields import Schema
from whoosh.qparser import MultifieldParser, OrGroup
from whoosh.query import (
    And,
    AndMaybe,
    Every,
    NullQuery,
    Or,
    Phrase,
    Query,
    Term,
)

from search import ranking
from search.analysis import cached_stem
from search.errors import QueryError
from search.parameters import (
    FACETS,
    HISTOGRAMS,
    MAX_FILTER_CHARS,
    MAX_FILTER_VALUES,
    MAX_PAGE,
    SORTS,
    VERSIONS,
    YES_NO,
)
from search.parameters import values_of as _getlist
from search.schema import SEARCH_FIELDS
from search.settings import Settings
from search.stories import CHANGE_FLAGS

# the limits a request is parsed with when the caller gives none: the deployment defaults
DEFAULTS = Settings()
QUERY_FIELDS = (
    "title",
    "body",
    "author",
    "person",
    "org",
    "place",
    "language",
    "year",
    "source",
    "url",
    "mentioned",
)
# a query of up to this many words (function words aside; a phrase or field:term is one) needs
# them all; a longer one, such as a question typed as a sentence, ranks documents by how well
# they match it, so one missing word no longer hides the best answer
ALL_WORDS_UP_TO = 3
# words that do not count towards ALL_WORDS_UP_TO (they are still searched and, in a short
# query, still required: "US economy" needs "us"): Whoosh's old stop list, which the index no
# longer applies (schema v5)
FUNCTION_WORDS = frozenset(STOP_WORDS) | frozenset(cached_stem(w) for w in STOP_WORDS)
# Whoosh's coordination bonus: a small extra score for each further word a document matches
# explicit operators: the query is taken as written (words side by side all required)
OPERATORS = re.compile(r"\b(?:AND|OR|NOT|ANDNOT|ANDMAYBE)\b")


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """A validated search: query text, facet filters, date range, sort and page."""

    q: str = ""
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    mentioned_from: dt.date | None = None
    mentioned_to: dt.date | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 10
    versions: str = "collapse"
    # later versions of stories flagged by comparison with the earliest (search.stories):
    # any of these (OR), like the values of one facet
    changes: tuple[str, ...] = ()
    # the query's words as typed only: no other spelling of a name (search.variants)
    exact: bool = False
    # the deployment's default page size: per_page goes into URLs only when it differs
    default_per_page: int = field(default=10, compare=False)

    def selected(self, facet: str) -> tuple[str, ...]:
        return dict(self.filters).get(facet, ())

    @property
    def effective_sort(self) -> str:
        """An empty query browses newest first: relevance means nothing without terms."""
        return "newest" if not self.q and self.sort == "relevance" else self.sort

    def with_toggled(self, facet: str, value: str) -> SearchRequest:
        """The same request with one facet value added or removed, back on page 1."""
        current = dict(self.filters)
        values = current.get(facet, ())
        values = tuple(v for v in values if v != value) if value in values else (*values, value)
        current[facet] = values
        return replace(self, filters=_ordered(current), page=1)

    def with_change_toggled(self, flag: str) -> SearchRequest:
        """The same request with one `changes` flag added or removed, back on page 1."""
        flags = (
            tuple(f for f in self.changes if f != flag)
            if flag in self.changes
            else tuple(f for f in CHANGE_FLAGS if f in (*self.changes, flag))
        )
        return replace(self, changes=flags, page=1)

    def without_changes(self) -> SearchRequest:
        return replace(self, changes=(), page=1)

    def without_filters(self) -> SearchRequest:
        return replace(
            self,
            filters=(),
            changes=(),
            date_from=None,
            date_to=None,
            mentioned_from=None,
            mentioned_to=None,
            page=1,
        )

    def date_range(self, histogram: str) -> tuple[dt.date | None, dt.date | None]:
        if histogram == "published":
            return self.date_from, self.date_to
        return self.mentioned_from, self.mentioned_to

    def with_date_range(
        self, histogram: str, start: dt.date | None, end: dt.date | None
    ) -> SearchRequest:
        """The same request with one histogram's range set (or cleared), back on page 1."""
        if histogram == "published":
            return replace(self, date_from=start, date_to=end, page=1)
        return replace(self, mentioned_from=start, mentioned_to=end, page=1)

    @property
    def has_filters(self) -> bool:
        return bool(
            self.filters
            or self.changes
            or self.date_from
            or self.date_to
            or self.mentioned_from
            or self.mentioned_to
        )

    def with_page(self, page: int) -> SearchRequest:
        return replace(self, page=page)

    def to_params(self) -> list[tuple[str, str]]:
        """The request as URL parameters, defaults left out, so URLs stay short and shareable."""
        params: list[tuple[str, str]] = []
        if self.q:
            params.append(("q", self.q))
        for name, values in self.filters:
            params.extend((name, v) for v in values)
        params.extend(("changes", flag) for flag in self.changes)
        if self.date_from:
            params.append(("from", self.date_from.isoformat()))
        if self.date_to:
            params.append(("to", self.date_to.isoformat()))
        if self.mentioned_from:
            params.append(("mentioned_from", self.mentioned_from.isoformat()))
        if self.mentioned_to:
            params.append(("mentioned_to", self.mentioned_to.isoformat()))
        if self.sort != "relevance":
            params.append(("sort", self.sort))
        if self.per_page != self.default_per_page:
            params.append(("per_page", str(self.per_page)))
        if self.versions != "collapse":
            params.append(("versions", self.versions))
        if self.exact:
            params.append(("exact", "1"))
        if self.page != 1:
            params.append(("page", str(self.page)))
        return params

    def query_string(self) -> str:
        return urlencode(self.to_params())

    def to_dict(self) -> dict[str, Any]:
        return {
            "q": self.q,
            "filters": {name: list(values) for name, values in self.filters}
            | ({"changes": list(self.changes)} if self.changes else {}),
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "mentioned_from": self.mentioned_from.isoformat() if self.mentioned_from else None,
            "mentioned_to": self.mentioned_to.isoformat() if self.mentioned_to else None,
            "sort": self.effective_sort,
            "versions": self.versions,
            "exact": self.exact,
        }

    @property
    def collapsed(self) -> bool:
        return self.versions == "collapse"


def _ordered(filters: Mapping[str, Sequence[str]]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((f, tuple(filters[f])) for f in FACETS if filters.get(f))


def _getone(params: Mapping[str, Any], key: str) -> str | None:
    values = _getlist(params, key)
    if len(values) > 1:
        raise QueryError(f"{key} given {len(values)} times; give it once", key, values)
    return values[0].strip() if values else None


def _parse_int(raw: str | None, name: str, default: int, low: int, high: int) -> int:
    if raw is None or raw == "":
        return default
    if not re.fullmatch(r"\d{1,9}", raw):
        raise QueryError(f"{name} must be a whole number, got {raw!r}", name, raw)
    value = int(raw)
    if not low <= value <= high:
        raise QueryError(f"{name} must be between {low} and {high}, got {value}", name, raw)
    return value


def parse_date(raw: str, name: str, *, end: bool = False) -> dt.date:
    """Parse YYYY, YYYY-MM or YYYY-MM-DD; `end` picks the last day of a year or month."""
    match = re.fullmatch(r"(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?", raw.strip())
    try:
        if not match:
            raise ValueError
        year, month, day = match.group(1), match.group(2), match.group(3)
        if day and not month:
            raise ValueError
        y = int(year)
        if month is None:
            return dt.date(y, 12, 31) if end else dt.date(y, 1, 1)
        m = int(month)
        if day is None:
            if end:
                nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
                return nxt - dt.timedelta(days=1)
            return dt.date(y, m, 1)
        return dt.date(y, m, int(day))
    except (ValueError, OverflowError):
        raise QueryError(
            f"{name} must be a date like 2024, 2024-12 or 2024-12-03, got {raw!r}", name, raw
        ) from None


def check_query_syntax(q: str) -> None:
    """Reject what Whoosh would silently misread: unbalanced quotes/brackets, unknown fields.

    Raises:
        QueryError: with a message that says how to fix the query.
    """
    if q.count('"') % 2:
        raise QueryError('unbalanced quotes: close the phrase with a second "', "q", q)
    depth = 0
    for ch in re.sub(r'"[^"]*"', "", q):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                raise QueryError("unbalanced parentheses: ')' without '('", "q", q)
    if depth:
        raise QueryError("unbalanced parentheses: '(' without ')'", "q", q)
    for name in re.findall(r"(?:^|[\s(])([A-Za-z_]+):(?=[^\s])", re.sub(r'"[^"]*"', "", q)):
        if name.lower() not in QUERY_FIELDS:
            raise QueryError(
                f"unknown field {name!r}; searchable fields are " + ", ".join(QUERY_FIELDS),
                "q",
                q,
            )
    if re.fullmatch(r"[\s*?]+", q):
        raise QueryError("a query of only wildcards matches everything; leave q empty", "q", q)


def parse_request(
    params: Mapping[str, Any],
    *,
    page_size: int = DEFAULTS.page_size,
    max_page_size: int = DEFAULTS.max_page_size,
    max_query_chars: int = DEFAULTS.max_query_chars,
) -> SearchRequest:
    """Validate raw parameters into a SearchRequest.

    Raises:
        QueryError: naming the first bad parameter.
    """
    q = (_getone(params, "q") or "").strip()
    if len(q) > max_query_chars:
        raise QueryError(
            f"q is too long ({len(q)} characters; at most {max_query_chars})", "q", q[:50]
        )
    if "\x00" in q:
        raise QueryError("q contains a NUL character", "q", None)
    if q:
        check_query_syntax(q)
    filters: dict[str, list[str]] = {}
    for facet in FACETS:
        values: list[str] = []
        for raw in _getlist(params, facet):
            value = raw.strip().lower() if facet == "language" else raw.strip()
            if not value:
                continue
            if len(value) > MAX_FILTER_CHARS or "\x00" in value:
                raise QueryError(f"{facet} value is too long or invalid", facet, value[:50])
            if value not in values:
                values.append(value)
        if len(values) > MAX_FILTER_VALUES:
            raise QueryError(f"at most {MAX_FILTER_VALUES} {facet} values", facet, None)
        filters[facet] = values
    ranges: dict[str, dt.date | None] = {}
    for low, high in HISTOGRAMS.values():
        raw_low, raw_high = _getone(params, low), _getone(params, high)
        ranges[low] = parse_date(raw_low, low) if raw_low else None
        ranges[high] = parse_date(raw_high, high, end=True) if raw_high else None
        if ranges[low] and ranges[high] and ranges[low] > ranges[high]:  # type: ignore[operator]
            raise QueryError(f"{low} is after {high}", low, raw_low)
    sort = (_getone(params, "sort") or "relevance").lower()
    if sort == "date":
        sort = "newest"
    if sort not in SORTS:
        raise QueryError(f"sort must be one of {', '.join(SORTS)}, got {sort!r}", "sort", sort)
    page = _parse_int(_getone(params, "page"), "page", 1, 1, MAX_PAGE)
    per_page = _parse_int(_getone(params, "per_page"), "per_page", page_size, 1, max_page_size)
    changes = parse_changes(_getlist(params, "changes"))
    versions = (_getone(params, "versions") or "collapse").strip().lower()
    if versions not in VERSIONS:
        raise QueryError(
            f"versions must be one of {', '.join(VERSIONS)}, got {versions!r}", "versions", versions
        )
    exact_raw = (_getone(params, "exact") or "").lower()
    if exact_raw not in ("", *YES_NO):
        raise QueryError(f"exact must be 1 or 0, got {exact_raw[:20]!r}", "exact", exact_raw[:20])
    return SearchRequest(
        q=q,
        exact=exact_raw in ("1", "true", "yes", "on"),
        filters=_ordered(filters),
        date_from=ranges["from"],
        date_to=ranges["to"],
        mentioned_from=ranges["mentioned_from"],
        mentioned_to=ranges["mentioned_to"],
        sort=sort,
        page=page,
        per_page=per_page,
        versions=versions,
        changes=changes,
        default_per_page=page_size,
    )


def parse_changes(values: Sequence[str]) -> tuple[str, ...]:
    """The `changes` filter: flags from CHANGE_FLAGS, in their canonical order.

    Raises:
        QueryError: an unknown flag.
    """
    wanted = set()
    for raw in values:
        value = raw.strip().lower()
        if not value:
            continue
        if value not in CHANGE_FLAGS:
            raise QueryError(
                f"changes must be one of {', '.join(CHANGE_FLAGS)}, got {raw[:50]!r}",
                "changes",
                raw[:50],
            )
        wanted.add(value)
    return tuple(flag for flag in CHANGE_FLAGS if flag in wanted)


def to_whoosh(q: str, schema: Schema, fields: Sequence[str] = SEARCH_FIELDS) -> Query:
    """The Whoosh query for the text of a request, searched in `fields`.

    Words side by side must all match when there are at most ALL_WORDS_UP_TO of them or when
    the query uses AND, OR or NOT. A longer query without operators, such as a question,
    matches documents that have any of its words, best matches first. Function words typed in
    lower case neither count nor are required (they add to the score); a query of only
    function words needs them all.

    Raises:
        QueryError: Whoosh cannot parse the text.
    """
    if not q:
        return Every()
    try:
        boosts = ranking.field_boosts(fields)
        query = MultifieldParser(list(fields), schema, fieldboosts=boosts).parse(q)
        if OPERATORS.search(re.sub(r'"[^"]*"', "", q)):
            return _checked(query, schema, q)
        capitals = _capitals(q)
        if _clauses(query, capitals) <= ALL_WORDS_UP_TO:
            return _checked(_function_words_optional(query, capitals), schema, q)
        # plain OR, no coordination bonus: the bonus scores every match in Python (it counts
        # matched terms per document), while plain OR lets Whoosh skip whole posting blocks
        # that cannot reach the top; on Cranfield it was worth 0.001 nDCG@10
        parsed = MultifieldParser(list(fields), schema, fieldboosts=boosts, group=OrGroup).parse(q)
        return _checked(_function_words_optional(parsed, capitals), schema, q)
    except QueryError:
        raise
    except Exception as exc:  # Whoosh raises assorted types on odd syntax
        raise QueryError(f"cannot parse query: {exc}", "q", q) from exc


def _checked(query: Query, schema: Schema, q: str) -> Query:
    """Reject what Whoosh parses but cannot run: a phrase in a field that keeps no word
    positions (year, date, the entity lists), or a date field given words, fails only at search
    time, deep in the matcher."""
    for leaf in [query] if query.is_leaf() else query.leaves():
        if isinstance(leaf, Term) and leaf.fieldname in schema:
            try:
                schema[leaf.fieldname].to_bytes(leaf.text)
            except Exception as exc:  # DATETIME raises bare Exception, numbers ValueError
                raise QueryError(
                    f"{leaf.fieldname}: cannot read {leaf.text!r} as a value of that field",
                    "q",
                    q,
                ) from exc
        if isinstance(leaf, Phrase):
            name = leaf.fieldname
            if name not in schema or not schema[name].format.supports("positions"):
                raise QueryError(f"{name}: takes single words, not a phrase in quotes", "q", q)
    return query


def _capitals(q: str) -> frozenset[str]:
    """Words typed in capitals outside phrases ("US", "WHO", "IT"), lowercased: a name, never
    a function word."""
    words = re.findall(r"\w+", re.sub(r'"[^"]*"', "", q))
    upper = [w.lower() for w in words if len(w) > 1 and w.isupper()]
    return frozenset(upper) | frozenset(cached_stem(w) for w in upper)


def _clauses(query: Query, capitals: frozenset[str] = frozenset()) -> int:
    """How many parts an all-words query requires: words, phrases, field:term, groups;
    a function word alone ("the", "us") is not counted."""
    if query is NullQuery:
        return 0
    parts = query.subqueries if isinstance(query, And) else [query]
    return sum(not _function_word(part, capitals) for part in parts)


def _function_words_optional(query: Query, capitals: frozenset[str]) -> Query:
    """Function words typed in lower case ("the", "a", "for") only add their (small) score:
    "a timetable for the harbour" needs timetable and harbour, and a question typed as a
    sentence needs one of its content words, not "what". A query of nothing but function
    words ("the who", "to be or not to be") needs them all, and a word typed in capitals
    ("US economy") is never one."""
    if not isinstance(query, And | Or):
        return query
    content = [p for p in query.subqueries if not _function_word(p, capitals)]
    function = [p for p in query.subqueries if _function_word(p, capitals)]
    if not content or not function:
        return query
    required = content[0] if len(content) == 1 else type(query)(content)
    return AndMaybe(required, Or(function))


def _function_word(part: Query, capitals: frozenset[str]) -> bool:
    """A plain word from FUNCTION_WORDS searched in the text fields (not a phrase, not a
    field:term, not typed in capitals): MultifieldParser makes Or(title:w, body:w) of it."""
    leaves = part.subqueries if isinstance(part, Or) else [part]
    return all(
        isinstance(leaf, Term)
        and leaf.fieldname in SEARCH_FIELDS
        and leaf.text in FUNCTION_WORDS
        and leaf.text not in capitals
        for leaf in leaves
    )

"""SearchRequest and its validation: the one parameter parser both the web and the CLI use.
The query text's meaning (to_whoosh) is search.query_text's, re-exported here for importers.

`parse_request` takes any mapping of parameters (Werkzeug's MultiDict or a plain dict) so the
query semantics are identical in every front end; every bad value raises QueryError naming the
parameter.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Annotated, Any, TypedDict
from urllib.parse import urlencode

from search.errors import QueryError
from search.json_schema import Schema
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
from search.query_text import QUERY_FIELDS, check_query_syntax, to_whoosh
from search.settings import Settings
from search.stories import CHANGE_FLAGS, ChangeFlag

__all__ = [
    "QUERY_FIELDS",
    "SearchRequest",
    "check_query_syntax",
    "parse_request",
    "to_whoosh",
]

# a day of a date range, as the request's first or last day covered
RangeDay = Annotated[str | None, Schema(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
# the request as understood (SearchRequest.to_dict); "from" is a keyword, hence this form
QueryJSON = TypedDict(
    "QueryJSON",
    {
        "q": str,
        "filters": Annotated[
            dict[str, Annotated[list[str], Schema(minItems=1)]],
            Schema(
                keys=(*FACETS, "changes"),
                optional=True,
                properties={"changes": Annotated[list[ChangeFlag], Schema(minItems=1)]},
            ),
        ],
        "from": RangeDay,
        "to": RangeDay,
        "mentioned_from": RangeDay,
        "mentioned_to": RangeDay,
        "sort": Annotated[str, Schema(enum=SORTS)],
        "versions": Annotated[str, Schema(enum=VERSIONS)],
        "exact": bool,
    },
)

# the limits a request is parsed with when the caller gives none: the deployment defaults
DEFAULTS = Settings()


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

    def to_dict(self) -> QueryJSON:
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

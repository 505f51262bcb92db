"""Every facet and every request parameter of a search, written once.

The request parsers (search/query.py, search/compare, web/views.py, web/api.py), the CLI's
options (indexer/cli/), the pages' labels (web/views.py hands them to the templates) and the
OpenAPI document (web/openapi.py) all read these tables, so a facet added here is filtered,
labelled, offered as a CLI option and described in one step, and a limit changed here is
enforced and documented alike. Limits a deployment sets (the longest query, the largest page)
live in Settings; the parameters name them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from search.errors import QueryError
from search.safetext import valid_text
from search.stories import CHANGE_FLAGS

# -- facets ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FacetSpec:
    """One facet: what a search counts and filters by."""

    name: str  # the facet's name: its URL parameter (value facets) and its index field
    # "name": people, organisations and places, resolved through the name table (search.names)
    # "value": other values of a document (its language, file type, origin)
    # "histogram": dates counted by period, filtered by the range parameters in `params`
    kind: str
    heading: str  # above its values on a page ("People")
    label: str = ""  # before a chosen value ("Person: Angela Merkel")
    noun: str = ""  # one value in a sentence, and more than one ("organisation(s)")
    plural: str = ""
    params: tuple[str, ...] = ()  # a histogram's (from, to) range parameters
    range_help: tuple[str, ...] = ()  # ... and the CLI options' help for them
    cli_help: str = ""  # the CLI option that filters by it
    note: str = ""  # what its values are, where the name alone does not say (API description)


FACET_TABLE = (
    FacetSpec(
        "person",
        "name",
        "People",
        "Person",
        "person",
        "people",
        cli_help="Only documents naming this person (repeat = OR).",
    ),
    FacetSpec(
        "org",
        "name",
        "Organisations",
        "Organisation",
        "organisation",
        "organisations",
        cli_help="Only documents mentioning this organisation.",
    ),
    FacetSpec(
        "place",
        "name",
        "Places",
        "Place",
        "place",
        "places",
        cli_help="Only documents mentioning this place.",
    ),
    FacetSpec(
        "language",
        "value",
        "Language",
        "Language",
        cli_help="Only documents in this language (ISO 639-1: de, fr).",
        note=" Languages are ISO 639-1 codes detected from the text (`de`, `fr`).",
    ),
    FacetSpec(
        "filetype",
        "value",
        "File type",
        "File type",
        cli_help="Only documents of this file type (PDF, Web page, E-mail).",
        note=" File types as the facet shows them (`PDF`, `Web page`, `E-mail`, "
        "`Word document`, `Text`).",
    ),
    FacetSpec(
        "origin",
        "value",
        "Source",
        "Source",
        cli_help="Only documents from this site (example.com) or folder.",
        note=" Where documents come from: the site of a web address without `www.` "
        "(`example.com`), or the folder of a file (`/archive/2024`).",
    ),
    FacetSpec(
        "published",
        "histogram",
        "Published",
        params=("from", "to"),
        range_help=(
            "Published on or after (2024, 2024-03, 2024-03-14).",
            "Published on or before.",
        ),
    ),
    FacetSpec(
        "mentioned",
        "histogram",
        "Dates mentioned",
        params=("mentioned_from", "mentioned_to"),
        range_help=(
            "Mentions a date on or after this one.",
            "Mentions a date on or before this one.",
        ),
    ),
)
FACET_BY_NAME = {facet.name: facet for facet in FACET_TABLE}

# the facets whose values are names: person, org, place (also the labels of a Mention)
ENTITY_FACETS = tuple(f.name for f in FACET_TABLE if f.kind == "name")
# every value facet a request can filter on (values of one OR-ed, facets AND-ed)
FACETS = tuple(f.name for f in FACET_TABLE if f.kind in ("name", "value"))
# date histograms and the range parameters that filter them
HISTOGRAMS = {f.name: (f.params[0], f.params[1]) for f in FACET_TABLE if f.kind == "histogram"}
# the words pages use: a facet's heading, a chosen filter's label, a name's noun
FACET_LABELS = {f.name: f.heading for f in FACET_TABLE}
FILTER_LABELS = {f.name: f.label for f in FACET_TABLE if f.label}
ENTITY_NOUNS = {f.name: f.noun for f in FACET_TABLE if f.kind == "name"}
ENTITY_PLURALS = {f.name: f.plural for f in FACET_TABLE if f.kind == "name"}


# -- request parameters -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Parameter:
    """One request parameter: its type, whether it may repeat, its bounds and its help."""

    name: str
    type: str  # "text", "integer", "date", "choice" or "flag"
    help: str = ""  # the CLI option's help, where a CLI option sets it
    description: str = ""  # the API's description of it (web/openapi.py)
    repeatable: bool = False
    minimum: int | None = None
    maximum: int | None = None
    # a deployment's bound (a Settings field): the longest text, the largest integer
    maximum_setting: str = ""
    default: int | str | None = None
    default_setting: str = ""  # a deployment's default (a Settings field)
    max_length: int | None = None
    max_values: int | None = None  # distinct values of a repeatable parameter
    choices: tuple[str, ...] = ()
    cli: str = ""  # the CLI option that sets it

    def bounds(self) -> tuple[int, int]:
        """(minimum, maximum) of an integer parameter with fixed bounds."""
        assert self.minimum is not None and self.maximum is not None, self.name
        return self.minimum, self.maximum


# the request limits, each written here once
MAX_PAGE = 1000  # of search results
MAX_FILTER_VALUES = 20  # distinct values of one facet in a request
MAX_FILTER_CHARS = 200  # one facet value, a name, a facet's search text
MAX_ID_CHARS = 200  # a document id to compare
MAX_PAGE_NUMBER = 100_000  # of a facet's values on the facet page
DEFAULT_FACET_VALUES = 100  # /api/facets' values when no limit is given (and the facet page's)
MAX_FACET_VALUES = 1000
MAX_OFFSET = 100_000_000

SORTS = ("relevance", "newest", "oldest")
# "collapse": one hit per story (its best-ranked version); "all": every version is a hit
VERSIONS = ("collapse", "all")
YES_NO = ("0", "1", "true", "false", "yes", "no", "on", "off")

SEARCH_PARAMETERS = (
    Parameter(
        "q",
        "text",
        description="Search text in Whoosh syntax: words (up to three must all match; a longer "
        'query without operators matches any of its words, best first), "phrases", AND/OR/NOT, '
        "parentheses, field:term for {fields}, wildcards. Quotes and parentheses must balance, "
        "only those fields are known and a query of only wildcards is refused (400 naming "
        "`{name}`). Empty: browse every document, newest first. Give it at most once.",
        maximum_setting="max_query_chars",
    ),
    *(
        Parameter(
            f.name,
            "text",
            f.cli_help,
            f"Only documents with this {f.name} (repeat for several: OR within a facet, AND "
            f"across facets); at most {MAX_FILTER_VALUES} distinct values of at most "
            f"{MAX_FILTER_CHARS} characters.{f.note}",
            repeatable=True,
            max_length=MAX_FILTER_CHARS,
            max_values=MAX_FILTER_VALUES,
            cli="--" + f.name,
        )
        for f in FACET_TABLE
        if f.kind in ("name", "value")
    ),
    *(
        Parameter(
            name,
            "date",
            cli_help,
            f"{f.name.capitalize()} date range, {edge} day: YYYY, YYYY-MM or YYYY-MM-DD (a year "
            f"or month means its {edge} day). It must be a real date and `{f.params[0]}` must "
            f"not be after `{f.params[1]}` (400 otherwise).",
            cli="--" + name.replace("_", "-"),
        )
        for f in FACET_TABLE
        if f.kind == "histogram"
        for name, edge, cli_help in zip(f.params, ("first", "last"), f.range_help, strict=True)
    ),
    Parameter(
        "sort",
        "choice",
        description="Order of the hits (case-insensitive; `date` means `newest`). `relevance` "
        "without query text browses newest first.",
        choices=(*SORTS, "date"),
        default="relevance",
    ),
    Parameter(
        "page",
        "integer",
        description="Page of results.",
        minimum=1,
        maximum=MAX_PAGE,
        default=1,
    ),
    Parameter(
        "per_page",
        "integer",
        description="Hits per page (the deployment's `max_page_size` at most).",
        minimum=1,
        maximum_setting="max_page_size",
        default_setting="page_size",
    ),
    Parameter(
        "versions",
        "choice",
        description="`collapse`: one hit per story (its best version); `all`: every version "
        "is a hit.",
        choices=VERSIONS,
        default="collapse",
    ),
    Parameter(
        "exact",
        "choice",
        "The words as typed: no other spellings of names, no spelling correction.",
        "`1`: search the words as typed: no other spellings of names (`also_searching`), no "
        "spelling correction.",
        choices=YES_NO,
    ),
    Parameter(
        "changes",
        "choice",
        description="Only later versions of stories that, compared with the story's earliest "
        "version, `adds_people` (names people it does not) or has `unsupported_quotes` (quotes "
        "a person the earlier version never quotes saying them). Repeat for several (OR).",
        repeatable=True,
        choices=tuple(CHANGE_FLAGS),
    ),
)
COMPARE_PARAMETERS = (
    Parameter(
        "a", "text", description="Document id of version A (the base).", max_length=MAX_ID_CHARS
    ),
    Parameter(
        "b",
        "text",
        description="Document id of version B (what it adds, drops, changes).",
        max_length=MAX_ID_CHARS,
    ),
)
FACET_PAGE_PARAMETERS = (
    Parameter("fq", "text", max_length=MAX_FILTER_CHARS),
    Parameter("fpage", "integer", minimum=1, maximum=MAX_PAGE_NUMBER, default=1),
)
API_FACET_PARAMETERS = (
    Parameter(
        "q",
        "text",
        description="Only values containing this text (case-insensitive; merged spellings count).",
        max_length=MAX_FILTER_CHARS,
    ),
    Parameter(
        "limit",
        "integer",
        description="Most values returned.",
        minimum=1,
        maximum=MAX_FACET_VALUES,
        default=DEFAULT_FACET_VALUES,
    ),
    Parameter(
        "offset",
        "integer",
        description="Values to skip, most frequent first: the next page starts at offset + "
        "limit while that is below total_values.",
        minimum=0,
        maximum=MAX_OFFSET,
        default=0,
    ),
    Parameter(
        "prefix",
        "text",
        description="Older form: when given, it is the facet text and `q` the search text.",
        max_length=MAX_FILTER_CHARS,
    ),
)
# GET /api/export and `docsift export`: the search's parameters less paging, and these
EXPORT_FORMATS = ("jsonl", "csv")
EXPORT_PARAMETERS = (
    Parameter(
        "format",
        "choice",
        "JSON Lines (one object a line) or CSV (a header row, one row per document).",
        choices=EXPORT_FORMATS,
        default="jsonl",
        cli="--format",
    ),
    Parameter(
        "bom",
        "choice",
        "Begin a CSV with a UTF-8 byte order mark (Excel).",
        "`1`: begin a CSV with a UTF-8 byte order mark (Excel reads UTF-8 only with it).",
        choices=YES_NO[:6],  # 1/0, true/false, yes/no
        cli="--bom",
    ),
)
PARAMETERS = {
    (where, p.name): p
    for where, table in (
        ("export", EXPORT_PARAMETERS),
        ("search", SEARCH_PARAMETERS),
        ("compare", COMPARE_PARAMETERS),
        ("facet_page", FACET_PAGE_PARAMETERS),
        ("api_facets", API_FACET_PARAMETERS),
    )
    for p in table
}


def parameter(where: str, name: str) -> Parameter:
    """The parameter `name` of one kind of request ("search", "compare", "facet_page",
    "api_facets")."""
    return PARAMETERS[(where, name)]


# -- reading them -----------------------------------------------------------------------------


def values_of(params: Mapping[str, Any], key: str) -> list[str]:
    """Every value of `key` as text, made valid Unicode where it enters (a terminal's
    undecodable bytes reach argv as lone surrogates, which no later encode accepts).
    `params` is Werkzeug's MultiDict or a plain dict (of strings, numbers or lists)."""
    getlist = getattr(params, "getlist", None)
    if callable(getlist):
        values = getlist(key)
    else:
        raw = params.get(key)
        if raw is None:
            values = []
        elif isinstance(raw, str | int):
            values = [raw]
        else:
            values = list(raw)
    return [valid_text(str(v)) for v in values]


def whole_number(raw: str | None, param: Parameter) -> int:
    """An integer parameter with fixed bounds (a page of facet values, a limit, an offset):
    its default when absent or empty.

    Raises:
        QueryError: not a whole number within the parameter's bounds.
    """
    low, high = param.bounds()
    if raw is None or raw == "":
        assert isinstance(param.default, int), param.name
        return param.default
    # leading zeros are allowed up to six digits, or as many as the largest value has
    valid = raw.isascii() and raw.isdigit() and len(raw) <= max(6, len(str(high)))
    if not valid or not low <= int(raw) <= high:
        raise QueryError(
            f"{param.name} must be a whole number from {low} to {high}", param.name, raw
        )
    return int(raw)


def facet_text(raw: str | None, name: str) -> str:
    """The text typed into a facet's search box (`fq` on the facet page; `q` or `prefix` of
    /api/facets), stripped.

    Raises:
        QueryError: longer than any facet value can be, or holding a NUL.
    """
    text = (raw or "").strip()
    if len(text) > MAX_FILTER_CHARS or "\x00" in text:
        raise QueryError(f"{name} is too long or invalid", name, text[:50])
    return text

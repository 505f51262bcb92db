"""The query text's meaning: what the words typed in the search box ask Whoosh for
(to_whoosh), and the syntax checks that reject what Whoosh would silently misread.

Kept apart from the request's parameters (search.query) because this is the part every engine
and every ranking change reads: the Typesense translation starts from the same Whoosh query.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from whoosh.analysis import STOP_WORDS
from whoosh.fields import Schema
from whoosh.qparser import MultifieldParser, OrGroup
from whoosh.query import And, AndMaybe, Every, NullQuery, Or, Phrase, Query, Term

from search import ranking
from search.analysis import cached_stem
from search.errors import QueryError
from search.parameters import ENTITY_FACETS
from search.schema import SEARCH_FIELDS

# the fields a query may name (`person:Rutte`)
QUERY_FIELDS = (
    "title",
    "body",
    "author",
    *ENTITY_FACETS,
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
# explicit operators: the query is taken as written (words side by side all required)
OPERATORS = re.compile(r"\b(?:AND|OR|NOT|ANDNOT|ANDMAYBE)\b")


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

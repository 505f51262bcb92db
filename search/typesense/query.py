"""docsift's query syntax translated for Typesense 0.24: the ranked words, a filter for the
rest, the words to highlight; what Typesense cannot run is refused, never approximated."""

from __future__ import annotations

from dataclasses import dataclass

from whoosh.fields import Schema
from whoosh.query import (
    And,
    AndMaybe,
    Not,
    NullQuery,
    NumericRange,
    Or,
    Phrase,
    Prefix,
    Query,
    Term,
    TermRange,
    Wildcard,
)

from search.errors import QueryError
from search.query import to_whoosh

# the fields a Typesense collection holds the analysed words of title and body in (see
# search/typesense/records.py): the same NewsAnalyzer stems Whoosh indexes, so both engines
# match the same words
TYPESENSE_TEXT = {"title": "title_terms", "body": "body_terms"}
# field:term query fields and the Typesense field an exact filter on them uses
TYPESENSE_FILTERS = {
    "person": "person_raw",
    "org": "org_raw",
    "place": "place_raw",
    "language": "language",
    "year": "year",
    "source": "source",
    "url": "url",
    "mentioned": "mentioned",
    "author": "author_terms",
}


@dataclass(frozen=True)
class TypesenseQuery:
    """A query text's meaning for Typesense: the ranked part (`q`, searched in `query_by`,
    with `prefix` for a trailing `word*`), a filter expression for what q cannot say (OR,
    groups, field:term), and the body words to highlight. `nothing` is a query that matches
    no document (only stop words)."""

    q: str = "*"
    query_by: tuple[str, ...] = ("title_terms", "body_terms")
    prefix: bool = False
    filter_by: str = ""
    words: frozenset[str] = frozenset()
    nothing: bool = False
    # a trailing word*: its stem prefix, expanded against each hit's words for the snippet
    prefixes: frozenset[str] = frozenset()


def _backticked(value: str) -> str:
    return "`" + value.replace("`", "") + "`"


def to_typesense(q: str, schema: Schema) -> TypesenseQuery:
    """Translate docsift's query syntax (parsed exactly as for Whoosh, so the words are the
    same stems) into what Typesense 0.24 can run.

    Words, "phrases", NOT/-exclusions and a trailing `word*` go into Typesense's ranked `q`;
    OR, parenthesised groups and field:term become an exact filter expression over the
    analysed words (unranked within it). What Typesense cannot express is refused, never
    approximated.

    Raises:
        QueryError: the query uses a construct Typesense cannot run (wildcards other than a
            trailing *, ranges, a phrase inside OR/NOT groups, a query of only exclusions).
    """
    if not q:
        return TypesenseQuery()
    query = to_whoosh(q, schema)
    if isinstance(query, AndMaybe):
        query = query.a  # function words only add to Whoosh's score: Typesense ranks its own way
    if query is NullQuery:
        return TypesenseQuery(nothing=True)
    words = frozenset(
        leaf.text
        for leaf in ([query] if query.is_leaf() else query.leaves())
        if isinstance(leaf, Term) and leaf.fieldname == "body"
    ) | frozenset(
        w
        for leaf in ([query] if query.is_leaf() else query.leaves())
        if isinstance(leaf, Phrase) and leaf.fieldname == "body"
        for w in leaf.words
    )
    parts = list(query.subqueries) if isinstance(query, And) else [query]
    ranked: list[str] = []
    filters: list[str] = []
    prefix = False
    prefixes: list[str] = []
    fields: set[tuple[str, ...]] = set()
    for i, part in enumerate(parts):
        unit = _text_unit(part)
        excluded = _excluded_words(part)
        negated = isinstance(part, Not) and _text_unit(part.query) is not None
        if excluded:
            ranked.extend("-" + word for word in excluded)
        elif negated:
            word, _, kind = _text_unit(part.query)  # type: ignore[misc]
            if kind == "prefix":
                raise _refused(q, "NOT before a word*: exclude whole words")
            ranked.append("-" + word)
        elif unit is not None:
            word, unit_fields, kind = unit
            if kind == "prefix":
                if i != len(parts) - 1 or prefix:
                    raise _refused(q, "word* only as the last word of the query")
                prefix = True
                prefixes.append(word)
            ranked.append(word)
            fields.add(unit_fields)
        else:
            filters.append(_filter(part, q))
    if len(fields) > 1:
        # title:word beside plain words: the field-limited words become exact filters
        both = ("title_terms", "body_terms")
        kept = []
        for part in parts:
            unit = _text_unit(part)
            if unit is not None and unit[1] != both:
                if unit[2] != "word":
                    raise _refused(q, 'title:"phrase" or title:word* beside other words')
                filters.append(_filter(part, q))
            elif unit is not None:
                kept.append(unit[0])
        ranked = [r for r in ranked if r.startswith("-")] + kept
        fields = {both}
    query_by: tuple[str, ...] = fields.pop() if fields else ("title_terms", "body_terms")
    return TypesenseQuery(
        q=" ".join(ranked) if ranked else "*",
        query_by=query_by,
        prefix=prefix,
        filter_by=" && ".join(filters),
        words=words,
        prefixes=frozenset(prefixes),
    )


def _excluded_words(node: Query) -> list[str]:
    """NOT (a OR b ...) over plain words as the words to exclude (NOT a AND NOT b), else []."""
    if not isinstance(node, Not) or not isinstance(node.query, Or):
        return []
    leaves = node.query.subqueries
    if not all(isinstance(leaf, Term) and leaf.fieldname in TYPESENSE_TEXT for leaf in leaves):
        return []
    fields: dict[str, set[str]] = {}
    for leaf in leaves:
        fields.setdefault(leaf.text, set()).add(leaf.fieldname)
    if any(found != set(TYPESENSE_TEXT) for found in fields.values()):
        return []
    return list(fields)


def _refused(q: str, what: str) -> QueryError:
    return QueryError(f"the Typesense backend cannot run {what}", "q", q)


def _text_unit(node: Query) -> tuple[str, tuple[str, ...], str] | None:
    """A word, phrase or trailing prefix searched in title and body (or one of them) as
    (text for q, Typesense fields, kind), else None."""
    leaves = node.subqueries if isinstance(node, Or) else [node]
    kinds = {type(leaf) for leaf in leaves}
    if len(kinds) != 1 or not all(
        getattr(leaf, "fieldname", None) in TYPESENSE_TEXT for leaf in leaves
    ):
        return None
    kind = kinds.pop()
    if kind is Term:
        texts = {leaf.text for leaf in leaves}
        text = texts.pop() if len(texts) == 1 else None
        kind_name = "word"
    elif kind is Phrase:
        phrases = {tuple(leaf.words) for leaf in leaves}
        text = '"' + " ".join(phrases.pop()) + '"' if len(phrases) == 1 else None
        kind_name = "phrase"
    elif kind is Prefix:
        texts = {leaf.text for leaf in leaves}
        text = texts.pop() if len(texts) == 1 else None
        kind_name = "prefix"
    else:
        return None
    if text is None:
        return None
    fields = tuple(TYPESENSE_TEXT[leaf.fieldname] for leaf in leaves)
    return text, tuple(sorted(set(fields), reverse=True)), kind_name


def _filter(node: Query, q: str) -> str:
    """An exact Typesense filter expression for a query node.

    Raises:
        QueryError: a node a filter cannot express.
    """
    if isinstance(node, And):
        return "(" + " && ".join(_filter(n, q) for n in node.subqueries) + ")"
    if isinstance(node, Or):
        return "(" + " || ".join(_filter(n, q) for n in node.subqueries) + ")"
    if isinstance(node, Not):
        inner = node.query
        leaves = inner.subqueries if isinstance(inner, Or) else [inner]
        if all(isinstance(leaf, Term) and leaf.fieldname not in TYPESENSE_TEXT for leaf in leaves):
            return "(" + " && ".join(_term_filter(leaf, q, negate=True) for leaf in leaves) + ")"
        raise _refused(q, "NOT inside a group in parentheses; put NOT words outside it")
    if isinstance(node, Term):
        return _term_filter(node, q)
    if isinstance(node, Phrase):
        raise _refused(q, "a phrase inside OR or a group; search it on its own")
    if isinstance(node, Prefix | Wildcard):
        raise _refused(q, "wildcards (* and ?) except one trailing * on the last word")
    if isinstance(node, TermRange | NumericRange):
        raise _refused(q, "ranges ([a TO b]) or date:…; use the from/to parameters")
    raise _refused(q, f"{type(node).__name__} queries")


def _term_filter(leaf: Term, q: str, *, negate: bool = False) -> str:
    name = leaf.fieldname
    if name in TYPESENSE_TEXT:
        field, op = TYPESENSE_TEXT[name], ":!=" if negate else ":"
    elif name in TYPESENSE_FILTERS:
        field, op = TYPESENSE_FILTERS[name], ":!=" if negate else ":="
    else:
        raise _refused(q, f"{name}:… searches")
    return f"{field}{op}[{_backticked(str(leaf.text))}]"

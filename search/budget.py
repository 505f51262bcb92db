"""A search's budget: how much work one query may ask for, and how long it may run.

Issue 18: about 234 words like `*ab*` in a 1,000-character query took 17-21 s each, and a
few of them in flight made every other search wait a minute. Three limits keep that from
happening:

1. Work limits, checked before anything runs (a 400 that says what to change): at most
   MAX_WILDCARDS wildcard or prefix words, MAX_CLAUSES clauses, and the words all wildcards
   together match capped at MAX_EXPANDED_TERMS. Wildcards are expanded here, once, into the
   plain terms they match, so matching, ranking and snippets all take the fast term path and
   never scan the term list again (the scores are Whoosh's own: it ORs the same terms).
2. A time limit (`query_timeout_s`): the matching code calls `check_time()` between pieces of
   work and a search past its deadline stops with a 503.
3. A lane for expensive searches (wildcards, very long queries): at most
   `expensive_searches` of them run at once, the rest queue for up to the time limit and then
   get a 503 with Retry-After; ordinary searches never wait in that queue.

A leading wildcard (`*ship`) has no prefix to seek to, so it reads a field's whole term
list; each segment's list is kept as one string (segments never change their terms) and
matched with one regular expression, a few milliseconds where Whoosh's term-by-term scan
took tens.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from whoosh.query import MultiTerm, NullQuery, Or, Query, Term, Wildcard
from whoosh.searching import Searcher

from search.errors import QueryError, SearchBusy, SearchTimeout

MAX_WILDCARDS = 16  # wildcard, prefix and fuzzy words in one query
MAX_EXPANDED_TERMS = 2048  # distinct (field, word) pairs all of them may match together
MAX_CLAUSES = 600  # clauses after parsing (a word searched in title and body is two)
EXPENSIVE_CLAUSES = 64  # a query with more clauses than this goes in the expensive lane
_CHECK_EVERY = 256  # terms expanded between two looks at the clock


@dataclass(frozen=True)
class Limits:
    """The work one query may ask for (the module docstring says why each exists)."""

    max_wildcards: int = MAX_WILDCARDS
    max_expanded_terms: int = MAX_EXPANDED_TERMS
    max_clauses: int = MAX_CLAUSES


# -- time --------------------------------------------------------------------------------

_DEADLINE: ContextVar[tuple[float, float] | None] = ContextVar("docsift_deadline", default=None)


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Run the block with a deadline `seconds` from now (an enclosing one, if sooner, wins)."""
    now = time.monotonic()
    outer = _DEADLINE.get()
    at = now + seconds
    if outer is not None and outer[0] <= at:
        yield
        return
    token = _DEADLINE.set((at, seconds))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def check_time() -> None:
    """Raise SearchTimeout when the current search is past its deadline (no-op outside one).

    Raises:
        SearchTimeout: the search took longer than its time limit.
    """
    found = _DEADLINE.get()
    if found is not None and time.monotonic() > found[0]:
        raise SearchTimeout(
            f"the search took longer than its {found[1]:g} s limit (query_timeout_s) and was "
            "stopped; make it narrower: fewer or longer wildcards, fewer words"
        )


# -- work ----------------------------------------------------------------------------------


def _leaves(query: Query) -> list[Query]:
    return [query] if query.is_leaf() else list(query.leaves())


def _words(leaves: list[Query]) -> set[str]:
    """The distinct wildcard, prefix, fuzzy and range words (one per word, whatever the
    number of fields it is searched in)."""
    return {_shown(leaf) for leaf in leaves if isinstance(leaf, MultiTerm)}


def _shown(leaf: Query) -> str:
    text = getattr(leaf, "text", None)
    if text is not None:
        return str(text)
    return f"[{getattr(leaf, 'start', '')} TO {getattr(leaf, 'end', '')}]"


def check_work(query: Query, limits: Limits, q: str = "") -> None:
    """Refuse a query that asks for more work than `limits` allow, before it runs.

    Raises:
        QueryError: too many wildcard words or clauses, saying what to change.
    """
    leaves = _leaves(query)
    wildcards = _words(leaves)
    if len(wildcards) > limits.max_wildcards:
        raise QueryError(
            f"too many wildcard words ({len(wildcards)}; at most {limits.max_wildcards}): "
            "each one is looked up in the whole vocabulary",
            "q",
            q[:50],
        )
    if len(leaves) > limits.max_clauses:
        raise QueryError(
            f"the query is too long ({len(leaves)} clauses; at most {limits.max_clauses}, "
            "a word counts once for the title and once for the body)",
            "q",
            q[:50],
        )


def is_expensive(query: Query) -> bool:
    """Whether a query goes in the expensive lane: any wildcard, or many clauses."""
    leaves = _leaves(query)
    return any(isinstance(leaf, MultiTerm) for leaf in leaves) or len(leaves) > EXPENSIVE_CLAUSES


def expand(searcher: Searcher, query: Query, limits: Limits, q: str = "") -> Query:
    """`query` with every wildcard, prefix and fuzzy leaf replaced by an OR of the terms it
    matches in this searcher's index (Whoosh would OR the same terms, and score them the same).

    Raises:
        QueryError: the wildcards together match more than `limits.max_expanded_terms` words.
        SearchTimeout: past the deadline while expanding.
    """
    if not any(isinstance(leaf, MultiTerm) for leaf in _leaves(query)):
        return query
    budget = [limits.max_expanded_terms]
    # normalize: a wildcard that matches nothing leaves a NullQuery, which drops out
    return _expanded(searcher, query, budget, limits, q).normalize()


def _expanded(searcher: Searcher, node: Query, budget: list[int], limits: Limits, q: str) -> Query:
    if isinstance(node, MultiTerm):
        terms = _matching_terms(searcher, node, budget, limits, q)
        if not terms:
            return NullQuery
        if len(terms) == 1:
            return Term(node.fieldname, terms[0], boost=node.boost)
        return Or([Term(node.fieldname, text, boost=node.boost) for text in terms])
    if node.is_leaf():
        return node
    return node.apply(lambda child: _expanded(searcher, child, budget, limits, q))


def _matching_terms(
    searcher: Searcher, leaf: MultiTerm, budget: list[int], limits: Limits, q: str
) -> list[str]:
    field = leaf.fieldname
    if isinstance(leaf, Wildcard) and str(leaf.text)[:1] in ("*", "?"):
        found = _scan(searcher, field, str(leaf.text))
    else:
        found = []
        for n, text in enumerate(leaf._btexts(searcher.reader())):  # noqa: SLF001
            found.append(text.decode("utf-8") if isinstance(text, bytes) else str(text))
            if len(found) > budget[0]:
                break
            if n % _CHECK_EVERY == 0:
                check_time()
    budget[0] -= len(found)
    if budget[0] < 0:
        raise QueryError(
            f"{_shown(leaf)!r} and the other wildcards match more than "
            f"{limits.max_expanded_terms} words; make them longer or use fewer",
            "q",
            q[:50],
        )
    check_time()
    return found


# -- leading wildcards: one regular expression over each segment's term list ------------------


class _TermLists:
    """Each segment's term list of a field as one NUL-separated string, most recent kept
    first and bounded in characters (a segment never changes its terms, so nothing goes
    stale)."""

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self._items: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str], build: object) -> str:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
        value: str = build()  # type: ignore[operator]
        with self._lock:
            if key not in self._items:
                self._items[key] = value
                self._chars += len(value)
                while self._chars > self.max_chars and len(self._items) > 1:
                    _, old = self._items.popitem(last=False)
                    self._chars -= len(old)
        return value


TERM_LISTS = _TermLists(max_chars=64 * 1024 * 1024)


def _segment_terms(leaf: object, field: str) -> str:
    words = []
    for n, text in enumerate(leaf.lexicon(field)):  # type: ignore[attr-defined]
        word = text.decode("utf-8") if isinstance(text, bytes) else str(text)
        if "\0" not in word:
            words.append(word)
        if n % 4096 == 0:
            check_time()
    return "\0" + "\0".join(words) + "\0"


def _pattern(wildcard: str) -> re.Pattern[str]:
    parts = []
    for ch in wildcard:
        parts.append("[^\0]*" if ch == "*" else "[^\0]" if ch == "?" else re.escape(ch))
    return re.compile("\0(" + "".join(parts) + ")(?=\0)")


def _scan(searcher: Searcher, field: str, wildcard: str) -> list[str]:
    pattern = _pattern(wildcard)
    found: dict[str, None] = {}
    reader = searcher.reader()
    for leaf, _offset in reader.leaf_readers():
        if field not in leaf.indexed_field_names():
            continue
        segment = getattr(leaf, "segment", None)
        key = (segment().segment_id() if segment is not None else str(id(leaf)), field)
        joined = TERM_LISTS.get(key, lambda leaf=leaf: _segment_terms(leaf, field))
        # overlapping matches are impossible: each match ends just before a separator
        for match in pattern.finditer(joined):
            found.setdefault(match.group(1), None)
        check_time()
    return sorted(found)


# -- the lane for expensive searches ------------------------------------------------------------


class ExpensiveLane:
    """At most `size` expensive searches at once; the others queue for up to `wait_s`."""

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self._slots = threading.BoundedSemaphore(self.size)
        self._local = threading.local()

    @contextmanager
    def enter(self, expensive: bool, wait_s: float) -> Iterator[None]:
        """Hold a slot for the block when `expensive` (re-entrant within one thread).

        Raises:
            SearchBusy: every slot stayed taken for `wait_s`.
        """
        if not expensive or getattr(self._local, "inside", False):
            yield
            return
        if not self._slots.acquire(timeout=wait_s):
            raise SearchBusy(
                f"{self.size} expensive search{'es are' if self.size > 1 else ' is'} already "
                "running (wildcards or very long queries) and this one waited "
                f"{wait_s:g} s; try again shortly, or search without wildcards",
                retry_after=2,
            )
        self._local.inside = True
        try:
            yield
        finally:
            self._local.inside = False
            self._slots.release()

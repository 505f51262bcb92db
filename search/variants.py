"""A name in the query means the entity in any merged spelling.

The name table (search.names) knows that "Zelensky", "Volodymyr Zelensky" and "Volodymyr
Zelenskiy" are one person; facets already count them as one. Here a query word or phrase that
is one of those spellings (or the surname of one) also searches the others, and a
`person:`/`org:`/`place:` term matches every indexed value that is shown as the same name (or,
for one word, every name ending in it: `person:Rutte` finds "Mark Rutte"). The spellings added
are returned, so the user sees "also searching …" and can ask for the exact spelling only.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from whoosh.query import Or, Phrase, Query, Term

from search.analysis import NewsAnalyzer
from search.names import WEAK, NameTable
from search.parameters import ENTITY_FACETS
from search.schema import SEARCH_FIELDS

_ANALYZER = NewsAnalyzer()
# a word that ends more merged names than this is a company suffix or a common word ("Inc",
# "Corp", "Bank"), not a surname: typed alone it is searched as written
MAX_NAMES_PER_LAST_WORD = 3
_WORD = re.compile(r"\w[\w'’.-]*")


def _key(text: str) -> tuple[str, ...]:
    return tuple(t.text for t in _ANALYZER(text))


@dataclass
class _Group:
    """The spellings of one merged name: full keys and surnames (analysed) -> surface text."""

    full: dict[tuple[str, ...], str] = field(default_factory=dict)
    last: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class VariantIndex:
    """Analysed spellings -> their group, and per entity field raw value lists, for one name
    table and index generation."""

    by_full: dict[tuple[str, ...], list[_Group]]
    by_last: dict[str, list[_Group]]
    # label -> casefolded shown name or its last word -> raw values in the index
    raw: dict[str, dict[str, set[str]]]
    names: NameTable


def build_variants(names: NameTable, raw_values: Mapping[str, Iterable[str]]) -> VariantIndex:
    """The index for a name table and the raw values each entity field holds."""
    groups: dict[tuple[str, str], _Group] = {}
    for label, table in names.aliases.items():
        for variant, canonical in table.items():
            group = groups.setdefault((label, canonical), _Group())
            for spelling in (variant, canonical):
                key = _key(spelling)
                if key:
                    group.full[key] = spelling
                    group.last.setdefault(key[-1], spelling.split()[-1])
    by_full: dict[tuple[str, ...], list[_Group]] = {}
    by_last: dict[str, list[_Group]] = {}
    for group in groups.values():
        if len(group.last) < 2 and len(group.full) < 2:
            continue
        for key in group.full:
            by_full.setdefault(key, []).append(group)
        for word in group.last:
            by_last.setdefault(word, []).append(group)
    raw: dict[str, dict[str, set[str]]] = {label: {} for label in ENTITY_FACETS}
    for label, values in raw_values.items():
        for value in values:
            resolved = names.resolve(label, value)
            shown = resolved[1] if resolved else value.removeprefix(WEAK)
            for spelled in {shown.casefold(), value.removeprefix(WEAK).casefold()}:
                raw[label].setdefault(spelled, set()).add(value)
                words = spelled.split()
                if len(words) > 1:
                    raw[label].setdefault(words[-1], set()).add(value)
    return VariantIndex(by_full, by_last, raw, names)


def expand(query: Query, index: VariantIndex) -> tuple[Query, tuple[str, ...]]:
    """The query with every name spelling widened to its variants, and the spellings added
    (as the user would write them), in first-seen order."""
    added: dict[str, None] = {}

    def widen(node: Query) -> Query:
        if isinstance(node, Term) and node.fieldname in SEARCH_FIELDS:
            return _widen_words(node, (str(node.text),), index, added)
        if isinstance(node, Phrase) and node.fieldname in SEARCH_FIELDS:
            return _widen_words(node, tuple(node.words), index, added)
        if isinstance(node, Term) and node.fieldname in ENTITY_FACETS:
            text = str(node.text)
            resolved = index.names.resolve(node.fieldname, text)
            keys = {text.casefold(), resolved[1].casefold() if resolved else ""}
            found = index.raw.get(node.fieldname, {})
            values = set().union(*(found.get(k, set()) for k in keys))
            others = sorted(v for v in values if v != node.text)
            if not others:
                return node
            return Or([node, *(Term(node.fieldname, v, boost=node.boost) for v in others)])
        if node.is_leaf():
            return node
        return node.apply(widen)

    return widen(query), tuple(added)


def _widen_words(
    node: Query, words: tuple[str, ...], index: VariantIndex, added: dict[str, None]
) -> Query:
    alternatives: dict[tuple[str, ...], str] = {}
    for group in index.by_full.get(words, []):
        if len(words) > 1:
            alternatives.update(group.full)
    if len(words) == 1 and _surname(words[0], index):
        for group in [*index.by_last.get(words[0], []), *index.by_full.get(words, [])]:
            alternatives.update({(w,): t for w, t in group.last.items() if _surname(w, index)})
    alternatives.pop(words, None)
    if not alternatives:
        return node
    added.update((text, None) for text in alternatives.values())
    extra = [
        Term(node.fieldname, key[0], boost=node.boost)
        if len(key) == 1
        else Phrase(node.fieldname, list(key), boost=node.boost)
        for key in alternatives
    ]
    return Or([node, *extra])


def _surname(word: str, index: VariantIndex) -> bool:
    """Whether a word alone may stand for the names it ends: not when it ends more than
    MAX_NAMES_PER_LAST_WORD merged names. At 21k Reuters stories "inc" ends 862 and "corp" 845:
    widened, `q=inc` searched every other company suffix and matched 20,641 stories (4,745
    have the word), at 0.1-0.8 s a query."""
    return len(index.by_last.get(word, ())) <= MAX_NAMES_PER_LAST_WORD


class VariantCache:
    """The VariantIndex of the latest (generation, name table), built once for both."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._build_lock = threading.Lock()  # one build at a time; the others wait for it
        self._items: OrderedDict[object, VariantIndex] = OrderedDict()

    def get(self, key: object, searcher: object, names: NameTable) -> VariantIndex:
        with self._lock:
            found = self._items.get(key)
        if found is not None:
            return found
        with self._build_lock:
            with self._lock:
                found = self._items.get(key)
            if found is not None:
                return found
            return self._build(key, searcher, names)

    def _build(self, key: object, searcher: object, names: NameTable) -> VariantIndex:
        reader = searcher.reader()  # type: ignore[attr-defined]
        raw = {
            label: [t.decode("utf-8") if isinstance(t, bytes) else t for t in reader.lexicon(label)]
            for label in ENTITY_FACETS
            if label in reader.schema
        }
        built = build_variants(names, raw)
        with self._lock:
            self._items[key] = built
            while len(self._items) > 2:
                self._items.popitem(last=False)
        return built


def rank_name_matches(
    counts: Sequence[tuple[str, int]], needle: str, variants: Callable[[str], Iterable[str]]
) -> list[tuple[str, int]]:
    """The names (with counts, most first) that contain `needle` (casefolded), in any of
    their spellings: those with a word that starts with it first ("rutt": Mark Rutte before
    David Prutton), then the rest; most documents first within each."""
    starts, inside = [], []
    for value, count in counts:
        spellings = [value, *variants(value)]
        folded = [s.casefold() for s in spellings]
        if any(w.startswith(needle) for s in folded for w in _WORD.findall(s)) or any(
            s.startswith(needle) for s in folded
        ):
            starts.append((value, count))
        elif any(needle in s for s in folded):
            inside.append((value, count))
    by_count = lambda pair: -pair[1]  # noqa: E731 - stable: ties keep the facet's order
    return sorted(starts, key=by_count) + sorted(inside, key=by_count)

"""Did you mean …: a correction for query words the index does not know, or knows barely.

Candidates are the words one edit away from the typed word (a letter dropped, added, changed
or two swapped: Norvig's generator, about 54n + 25 for n letters), each looked up by its stem in
the index; the one in most documents wins. Whoosh's own correctors search the term list, which
here holds Porter stems ("elect"), so they would suggest stems and miss "elction" -> "election"
(four edits from "elect"). One edit covers most typos (Typesense and Meilisearch forgive one
per word by default); a look-up costs one term search per candidate in each segment.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

from whoosh.reading import IndexReader, TermNotFound
from whoosh.searching import Searcher

from search.analysis import cached_stem

_LETTERS = "abcdefghijklmnopqrstuvwxyz"
# words typed that are rarer than this may be typos of a far more common word
RARE = 3
# ... when the near word is in at least this many times as many documents
RATIO = 50
MIN_LENGTH = 4
# candidates checked against the text, most frequent first
ATTEST_TRIES = 5
# a plain word outside quotes, not a field name, operator, number or wildcard
_TOKEN = re.compile(r'"[^"]*"|\b[A-Za-z_]+:(?:"[^"]*"|\S+)|[\w*?]+')
_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"})


def edits1(word: str) -> set[str]:
    """Every string one edit away from `word` (lower case)."""
    letters = _LETTERS + "".join(sorted(set(word) - set(_LETTERS)))
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = [a + b[1:] for a, b in splits if b]
    swaps = [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
    replaces = [a + c + b[1:] for a, b in splits if b for c in letters]
    inserts = [a + c + b for a, b in splits for c in letters]
    return set(deletes + swaps + replaces + inserts) - {word}


def correct_word(
    word: str,
    frequency: Callable[[str], int],
    attested: Callable[[str, str], bool] = lambda word, stem: True,
) -> str | None:
    """A far more common word one edit from `word`, or None.

    `frequency(stem)` is the number of documents holding a stem; `attested(word, stem)` says
    whether the word itself is written in a document with that stem, which rules out a
    non-word that merely stems to a common stem ("overment" -> "over" for "goverment").
    """
    lower = word.lower()
    if len(lower) < MIN_LENGTH or not lower.isalpha():
        return None
    own = frequency(cached_stem(lower))
    if own > RARE:
        return None
    need = RATIO * own if own else 1
    counted = [(frequency(cached_stem(c)), c) for c in sorted(edits1(lower))]
    ranked = sorted(((n, c) for n, c in counted if n >= need), key=lambda p: (-p[0], p[1]))
    for _, candidate in ranked[:ATTEST_TRIES]:
        if attested(candidate, cached_stem(candidate)):
            return candidate.capitalize() if word[:1].isupper() else candidate
    return None


def suggest(
    q: str,
    frequency: Callable[[str], int],
    attested: Callable[[str, str], bool] = lambda word, stem: True,
) -> tuple[str, bool] | None:
    """The query with its unknown or rare words corrected, and whether every corrected word
    was typed in lower case (a capitalised one may be a name the index lacks: "Rutte" is
    suggested as "Putte" but never searched instead); None when nothing is corrected."""
    corrected: list[str] = []
    pieces: list[str] = []
    position = 0
    for match in _TOKEN.finditer(q):
        token = match.group(0)
        pieces.append(q[position : match.start()])
        position = match.end()
        fixed = None
        if token[0] != '"' and ":" not in token and token not in _OPERATORS:
            fixed = correct_word(token, frequency, attested)
        pieces.append(fixed or token)
        if fixed is not None:
            corrected.append(token)
    pieces.append(q[position:])
    if not corrected:
        return None
    return "".join(pieces), all(word.islower() for word in corrected)


def suggest_in(searcher: Searcher, q: str, words: frozenset[str]) -> tuple[str, bool] | None:
    """`suggest` against an index: frequencies from the body (a headline's words are in its
    body), looked up only for a word in `words` (indexed_words), candidates attested there."""

    def frequency(stem: str) -> int:
        return int(searcher.doc_frequency("body", stem)) if stem in words else 0

    return suggest(q, frequency, lambda word, stem: attested(searcher, word, stem))


def indexed_words(reader: IndexReader, field: str = "body") -> frozenset[str]:
    """Every word (stem) `field` holds, read segment by segment: built once per index
    generation, it answers most candidates of a typo (about 400 for a seven-letter word, nearly
    all no word at all) without a term look-up in every segment (21 ms a typo at 21k stories
    before, a set built in about 0.1 s)."""
    words: set[bytes] = set()
    for leaf in reader.leaf_readers():
        segment = leaf[0] if isinstance(leaf, tuple) else leaf
        words.update(segment.lexicon(field))
    return frozenset(w.decode("utf-8") for w in words)


class IndexedWords:
    """indexed_words of the latest index generation, read once for it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: object = None
        self._words: frozenset[str] = frozenset()

    def get(self, key: object, reader: IndexReader) -> frozenset[str]:
        with self._lock:
            if self._key == key:
                return self._words
        words = indexed_words(reader)
        with self._lock:
            self._key, self._words = key, words
        return words


def attested(searcher: Searcher, word: str, stem: str, documents: int = 3) -> bool:
    """Whether `word` is written in one of the first few documents whose body has `stem`."""
    pattern = re.compile(rf"\b{re.escape(word)}\b", re.IGNORECASE)
    try:
        postings = searcher.postings("body", stem)
    except TermNotFound:
        return False
    seen = 0
    while postings.is_active() and seen < documents:
        if pattern.search(searcher.stored_fields(postings.id()).get("body") or ""):
            return True
        seen += 1
        postings.next()
    return False

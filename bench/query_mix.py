"""Queries as people type them (issue 20): title words, with a share holding a common word and
a share holding a typo.

    mixed_queries(corpus, queries, common=0.2, typos=0.1)

A common-word query gets one of COMMON_WORDS ("the", "US", "of", ...) put in at a random
place: the index keeps every word since schema v5, so these are the longest posting lists a
query can read. A typo query has one of its words (five letters or more, a word of the corpus)
changed by one edit - a letter dropped, doubled, changed or two swapped - into a string that
is no word of the corpus, so "Did you mean" must look for it (search/spelling.py). Which
queries are changed and how is fixed by the seed, so two runs (or two servers in one run)
see the same queries.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

COMMON_WORDS = ("the", "US", "of", "in", "to", "and", "a", "for", "on", "UK", "is", "it")
_WORD = re.compile(r"[a-z]+")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
MIN_TYPO_LENGTH = 5


def corpus_words(corpus: Path) -> frozenset[str]:
    """Every lower-case word of the corpus's titles and bodies."""
    words: set[str] = set()
    with corpus.open(encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            text = f"{record.get('title') or ''} {record.get('body') or record.get('text') or ''}"
            words.update(_WORD.findall(text.lower()))
    return frozenset(words)


def one_edit(word: str, rng: random.Random) -> str:
    """`word` with one letter dropped, doubled, changed or swapped with the next."""
    i = rng.randrange(len(word))
    kind = rng.choice(("drop", "double", "change", "swap"))
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[: i + 1] + word[i:]
    if kind == "swap" and i < len(word) - 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + rng.choice(_LETTERS.replace(word[i], "")) + word[i + 1 :]


def with_typo(query: str, vocabulary: frozenset[str], rng: random.Random) -> str | None:
    """The query with one long corpus word mistyped into a non-word, or None if it has none."""
    words = query.split()
    places = [i for i, w in enumerate(words) if len(w) >= MIN_TYPO_LENGTH and w in vocabulary]
    if not places:
        return None
    i = rng.choice(places)
    for _ in range(20):
        typo = one_edit(words[i], rng)
        if typo not in vocabulary:
            return " ".join([*words[:i], typo, *words[i + 1 :]])
    return None


def with_common_word(query: str, rng: random.Random) -> str:
    words = query.split()
    words.insert(rng.randint(0, len(words)), rng.choice(COMMON_WORDS))
    return " ".join(words)


def mixed_queries(
    queries: list[str],
    vocabulary: frozenset[str],
    *,
    common: float = 0.2,
    typos: float = 0.1,
    seed: int = 20,
) -> list[str]:
    """`queries` with a `common` share given a common word and a `typos` share a typo (other
    queries than the common-word ones); a query without a word to mistype is passed over for
    the next one, so the shares hold whenever the queries allow."""
    rng = random.Random(seed)
    order = list(range(len(queries)))
    rng.shuffle(order)
    out = list(queries)
    n_common = round(common * len(queries))
    for i in order[:n_common]:
        out[i] = with_common_word(out[i], rng)
    wanted = round(typos * len(queries))
    for i in order[n_common:]:
        if not wanted:
            break
        typo = with_typo(out[i], vocabulary, rng)
        if typo is not None:
            out[i] = typo
            wanted -= 1
    return out


def describe(queries: list[str], original: list[str]) -> str:
    """How many queries were changed, and a few of each kind, for the printed report."""
    common = [q for q, o in zip(queries, original, strict=True) if len(q.split()) > len(o.split())]
    typos = [q for q, o in zip(queries, original, strict=True) if q != o and q not in common]
    return (
        f"{len(common)} with a common word (e.g. {common[:3]}), "
        f"{len(typos)} with a typo (e.g. {typos[:3]})"
    )

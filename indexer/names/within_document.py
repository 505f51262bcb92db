"""Within one document: `resolve_document` resolves a partial name ("Mr Rutte") to the one
full name there it stands for, comparing spellings by `name_key`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache

from indexer.names.canonical import _fold, _is_capitals, _is_suffix, canonical_name
from indexer.names.words import _PARTICLES
from search.documents import ENTITY_LABELS, Mention

# --------------------------------------------------------------------------------------------
# Name keys: how two spellings of a person's name are compared


_DOUBLED = re.compile(r"(.)\1+")
_ENDING = re.compile(r"^(.*?)([iyj]+)$")
_VOWEL_Y = re.compile(r"(?<=[aeiou])y")
_VOWELS = re.compile(r"[aeiouy]")


@lru_cache(maxsize=1 << 16)
def name_key(word: str) -> str:
    """An orthographic key for one name word: equal keys are spellings of the same name.

    Lower case, accents and letters like "ł" folded, non-letters dropped, "x" -> "ks", an
    inner "kh" -> "h", doubled letters collapsed, "y" after a vowel -> "i" (Shoygu/Shoigu), and
    a final run of i/y/j after a stem of four or more letters -> "y" (Zelenskiy, Zelensky,
    Zelenskyy, Zelenskii -> "zelensky"; Andrii, Andriy -> "andry"; Sergei, Sergey -> "sergey").
    Short stems keep their ending, so Levi/Levy and Toni/Tony stay apart.
    """
    folded = _fold(word)
    s = folded if folded.isalpha() else "".join(c for c in folded if c.isalpha())
    if not s:
        return folded
    s = s.replace("x", "ks")
    s = s[0] + s[1:].replace("kh", "h")
    s = _DOUBLED.sub(r"\1", s)
    m = _ENDING.match(s)
    ending = ""
    if m and len(m.group(1)) >= 4 and m.group(1)[-1] not in "iyj":
        s, ending = m.group(1), "y"
    s = _VOWEL_Y.sub("i", s)
    return s + ending


def _skeleton(key: str) -> str:
    return _VOWELS.sub("", key) or key


def _osa_distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (optimal string alignment)."""
    if a == b:
        return 0
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def _vowel_slots(key: str) -> list[str]:
    """The vowel runs before, between and after the consonants of a key ("kadyrov" ->
    ["", "a", "y", "o", ""]): two keys with the same skeleton differ only in these."""
    return re.split(r"[^aeiouy]", key)


def _surname_close(a: str, b: str) -> bool:
    """Two surname keys that spell the same name: equal, or the same consonants in the same
    order with the vowels changed in one place (two beyond 8 letters) by one edit each
    (Kadyrov/Kadirov), never below 5 letters. A vowel that moves to the other side of a
    consonant is another name (Castro/Castor), as is a changed consonant (Rutte/Rutter)."""
    if a == b:
        return True
    shortest = min(len(a), len(b))
    if shortest < 5 or _skeleton(a) != _skeleton(b):
        return False
    changed = [(x, y) for x, y in zip(_vowel_slots(a), _vowel_slots(b), strict=True) if x != y]
    if len(changed) > (1 if shortest <= 8 else 2):
        return False
    return all(_osa_distance(x, y) <= 1 for x, y in changed)


def _same_person(a: Sequence[str], b: Sequence[str]) -> bool:
    """Two multi-word names (as name keys) of the same length that are one person's name:
    the same first and middle names, and close surnames."""
    return len(a) == len(b) >= 2 and a[:-1] == b[:-1] and _surname_close(a[-1], b[-1])


@lru_cache(maxsize=1 << 16)
def _keys(value: str) -> tuple[str, ...]:
    words = value.split()
    return tuple(name_key(w) for i, w in enumerate(words) if i == 0 or not _is_suffix(w))


def _is_partial(value: str) -> bool:
    """A name without a first name: one word, or a surname with its particle ("de Gaulle")."""
    words = value.split()
    return len(words) == 1 or (
        len(words) >= 2 and words[0] in _PARTICLES and words[0] == words[0].lower()
    )


def _ends_with(full: tuple[str, ...], part: tuple[str, ...]) -> bool:
    return len(full) > len(part) >= 1 and full[-len(part) :] == part


# --------------------------------------------------------------------------------------------
# resolve_document


def resolve_document(mentions: Sequence[Mention]) -> tuple[Mention, ...]:
    """Fill `value` for the person, org and place mentions of one document.

    Each value is `canonical_name(text)`; mentions whose text canonicalises to None are dropped.
    Names are resolved inside the document first, where the evidence is: a person mention
    without a first name ("Rutte", "Mr Rutte", "de Gaulle") takes the longest full name in the
    same document ending with that surname (compared by `name_key`, so "Zelensky" finds
    "Volodymyr Zelenskiy"), unless two different people in the document share it ("Trump"
    with "Donald Trump" and "Melania Trump" stays "Trump"). A lone word that ends no full name
    but begins exactly one takes it too ("Xi" -> "Xi Jinping", "Alastair" -> "Alastair
    Campbell"), unless the document also uses that word for an organisation or a place. A full
    name whose words are all in a longer one with the same first and last name becomes the
    longer one ("Owen Dempsey" -> "Owen John Dempsey"). Full names that are one person ("Joe
    Biden", "Joe R. Biden") do not make a surname ambiguous. Date mentions and unknown labels
    pass through untouched. The result does not depend on existing values, so the function is
    idempotent.
    """
    values: list[str | None] = []
    for m in mentions:
        values.append(canonical_name(m.text, m.label) if m.label in ENTITY_LABELS else None)

    full_names: dict[str, int] = defaultdict(int)
    not_person: set[str] = set()
    for m, v in zip(mentions, values, strict=True):
        if m.label == "person" and v and not _is_partial(v) and not _is_capitals(v):
            full_names[v] += 1  # "REAGAN SIGNS GNMA" in a headline is nobody's full name
        elif m.label != "person" and v:
            not_person.add(_fold(v))
    full_keys = {v: _keys(v) for v in full_names}

    def one_person(candidates: list[str]) -> str | None:
        """The longest of names that are all one person's, or None."""
        if not candidates:
            return None
        best = max(candidates, key=lambda v: (len(full_keys[v]), len(v), full_names[v], v))
        for other in candidates:
            if other != best and not _same_person_loose(full_keys[other], full_keys[best]):
                return None
        return best

    def resolve(partial: str) -> str:
        key = _keys(partial)
        candidates = [v for v, k in full_keys.items() if _ends_with(k, key)]
        if not candidates and len(key) == 1 and _fold(partial) not in not_person:
            candidates = [v for v, k in full_keys.items() if k[0] == key[0]]
        return one_person(candidates) or partial

    longer: dict[str, str] = {}
    for name, key in full_keys.items():
        wider = [v for v, k in full_keys.items() if len(k) > len(key) and _within(key, k)]
        best = one_person(wider)
        if best is not None:
            longer[name] = best

    out: list[Mention] = []
    cache: dict[str, str] = {}
    for m, v in zip(mentions, values, strict=True):
        if m.label not in ENTITY_LABELS:
            out.append(m)
            continue
        if v is None:
            continue
        if m.label == "person" and _is_partial(v):
            if v not in cache:
                cache[v] = resolve(v)
            v = cache[v]
        elif m.label == "person":
            v = longer.get(v, v)
        out.append(replace(m, value=v))
    return tuple(out)


def _within(short: tuple[str, ...], long_: tuple[str, ...]) -> bool:
    """`short` is a first and last name and `long_` the same with middle names or initials
    ("Joe Biden", "Joe R. Biden"); "George W. Bush" is not within "George H. W. Bush"."""
    return len(short) == 2 < len(long_) and short[0] == long_[0] and short[-1] == long_[-1]


def _same_person_loose(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Within one document: "Joe Biden" and "Joe R. Biden" (same first and last name, one's
    words contained in the other's) or two spellings of one name."""
    if _same_person(a, b):
        return True
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    return _within(short, long_)

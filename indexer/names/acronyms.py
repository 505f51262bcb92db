"""Acronyms paired with their long form in the text ("North Atlantic Treaty Organization
(NATO)"): the evidence build_aliases merges an acronym with.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from indexer.names.canonical import _lookup, _normalise, _strip_edges
from indexer.names.words import _ACRONYM_STOPWORDS

# --------------------------------------------------------------------------------------------
# Acronyms


_ACRONYM_IN_PARENS = re.compile(r"\(\s*([A-Z][A-Za-z0-9&.\-]{1,11}?)(s?)\s*\)")
_LONG_IN_PARENS = re.compile(r"\b([A-Z][A-Za-z0-9&.\-]{1,11})\s*\(([^()]{3,160})\)")
_WORD = re.compile(r"\S+")
_SENTENCE_BREAK = re.compile(r"[.,;:!?\"]$")


def _acronym_letters(acronym: str) -> str:
    letters = "".join(c for c in acronym if c.isalnum())
    return letters.casefold()


def _plausible_acronym(acronym: str) -> bool:
    letters = [c for c in acronym if c.isalpha()]
    if not 2 <= len(letters) <= 10 or not acronym[:1].isupper():
        return False
    upper = sum(c.isupper() for c in letters)
    return upper >= 2 or (upper == 1 and len(letters) <= 5)  # "NATO", "DRoC", "Nato"


def _word_initials(word: str) -> list[str]:
    """The letters a word can contribute: its initial, or the initials of its hyphen parts."""
    core = _strip_edges(word)
    options = [core[:1].casefold()] if core else []
    parts = [p for p in core.split("-") if p]
    if len(parts) > 1:
        options.append("".join(p[0] for p in parts).casefold())
    letters = core.replace(".", "")
    if len(letters) >= 2 and letters.isalpha() and letters.isupper():
        options.append(letters.casefold())  # "UN High Commissioner for Refugees (UNHCR)"
    return options


def _spells(words: Sequence[str], letters: str) -> bool:
    """Whether the words' initials spell `letters`: every significant (capitalised) word gives
    its initial, short function words ("of", "and", "the") may give theirs or be skipped; the
    first word must be significant."""
    if not words or _lookup(words[0]) in _ACRONYM_STOPWORDS:
        return False
    memo: dict[tuple[int, int], bool] = {}

    def go(i: int, j: int) -> bool:
        if i == len(words):
            return j == len(letters)
        if (i, j) in memo:
            return memo[(i, j)]
        word = words[i]
        core = _strip_edges(word)
        ok = False
        if _lookup(word) in _ACRONYM_STOPWORDS or core in ("&", "-"):
            ok = go(i + 1, j) or (
                j < len(letters) and core[:1].casefold() == letters[j] and go(i + 1, j + 1)
            )
        elif core and (core[0].isupper() or core[0].isdigit()):
            for initials in _word_initials(word):
                if letters.startswith(initials, j) and go(i + 1, j + len(initials)):
                    ok = True
                    break
        memo[(i, j)] = ok
        return ok

    return go(0, 0)


def _clean_long_form(text: str) -> str:
    return _strip_edges(" ".join(text.split()))


def find_acronym_pairs(text: str) -> list[tuple[str, str]]:
    """(long form, acronym) pairs the text defines, in order, without repeats.

    Reads "North Atlantic Treaty Organization (NATO)" and "NATO (North Atlantic Treaty
    Organization)". The acronym's letters must be the initials of the long form's capitalised
    words, in order; "of", "and", "the" and the like may give their initial or not ("Department
    of Justice (DOJ)", "Organization for Security and Co-operation in Europe (OSCE)"), and a
    hyphenated word may give the initials of its parts. The long form is the shortest run of
    words before the parenthesis that spells the acronym, and never crosses punctuation.
    """
    if not isinstance(text, str):
        return []
    text = _normalise(text)
    found: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()

    def add(long_form: str, acronym: str) -> None:
        pair = (long_form, acronym)
        if pair not in seen:
            seen.add(pair)
            found.append(pair)

    for m in _ACRONYM_IN_PARENS.finditer(text):
        acronym = m.group(1)
        if acronym.endswith("-"):
            continue
        if not _plausible_acronym(acronym):
            continue
        letters = _acronym_letters(acronym)
        before = text[max(0, m.start() - 400) : m.start()]
        words = list(_WORD.finditer(before))[-(len(letters) * 3 + 3) :]
        for start in range(len(words) - 1, -1, -1):
            if start < len(words) - 1 and _SENTENCE_BREAK.search(words[start].group()):
                break
            candidate = [w.group() for w in words[start:]]
            if _spells(candidate, letters):
                long_form = _clean_long_form(before[words[start].start() : words[-1].end()])
                if long_form.casefold() != acronym.casefold():
                    add(long_form, acronym)
                break

    for m in _LONG_IN_PARENS.finditer(text):
        acronym, inner = m.group(1), m.group(2)
        if not _plausible_acronym(acronym) or any(c.isspace() for c in acronym):
            continue
        inner_words = inner.split()
        if len(inner_words) < 2:
            continue
        if _spells(inner_words, _acronym_letters(acronym)):
            add(_clean_long_form(inner), acronym)
    return found

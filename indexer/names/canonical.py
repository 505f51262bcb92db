"""`canonical_name`: one NER span cleaned to the name it holds (honorifics, job titles,
possessives, quotes and Unicode out), or None for junk.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from indexer.names.words import (
    _APOSTROPHES,
    _ARTICLES,
    _DOTTED_ACRONYM,
    _DOTTED_ENDINGS,
    _FOLD_LETTERS,
    _HONORIFICS,
    _JUNK_MARKERS,
    _MAX_CHARS,
    _MAX_PERSON_WORDS,
    _MAX_WORDS,
    _OFFICE_NOUNS,
    _PAREN,
    _PARTICLES,
    _PRONOUNS,
    _REGNAL,
    _ROLE_PARTS,
    _ROLES,
    _SEGMENT_SPLIT,
    _SUFFIX_AFTER_COMMA,
    _SUFFIXES,
)

# --------------------------------------------------------------------------------------------
# Small text helpers


_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text).translate(_APOSTROPHES)
    text = _CONTROLS.sub(" ", _INVISIBLE.sub("", text))
    return " ".join(text.split())


def _is_alnum(c: str) -> bool:
    return unicodedata.category(c)[0] in "LN"


def _strip_edges(text: str) -> str:
    """Drop surrounding quotes and punctuation, keeping "U.S." and "Inc." whole."""
    start, end = 0, len(text)
    while start < end and not _is_alnum(text[start]):
        start += 1
    while end > start and not _is_alnum(text[end - 1]):
        end -= 1
    core = text[start:end]
    rest = text[end:]
    if rest.startswith("."):
        last = core.split(" ")[-1] + "."
        if _DOTTED_ACRONYM.match(last) or last[:-1].casefold() in _DOTTED_ENDINGS:
            core += "."
    elif rest.startswith(")") and core.count("(") > core.count(")"):
        core += ")"
    return core


def _strip_possessive(text: str) -> str:
    if len(text) > 2 and text[-2:] in ("'s", "'S"):
        return text[:-2]
    if len(text) > 2 and text[-1] == "'" and text[-2] in "sS":
        return text[:-1]
    return text


def _is_lowercase(text: str) -> bool:
    """Has cased letters and all of them are lower case (caseless scripts are not)."""
    return text != text.upper() and text == text.lower()


def _is_capitals(text: str) -> bool:
    """Two or more letters, all of them capitals: an acronym, not a word ("US", "WHO")."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _fold(text: str) -> str:
    """Case- and accent-insensitive form."""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", text.casefold().translate(_FOLD_LETTERS))
    return "".join(c for c in text if not unicodedata.combining(c))


def _junk(name: str, label: str) -> bool:
    if not name or len(name) > _MAX_CHARS or _JUNK_MARKERS.search(name):
        return True
    letters = sum(c.isalpha() for c in name)
    digits = sum(c.isdigit() for c in name)
    if letters == 0 or digits > letters:
        return True
    if _is_lowercase(name):
        return True
    if name.casefold() in _PRONOUNS and (label == "person" or not _is_capitals(name)):
        return True  # "us" is a pronoun, "US" a country; "WHO" an agency, "IT" a trade
    if letters < 2 and not (label == "org" and name.isupper()):
        return True
    words = name.split()
    if label == "person" and any(
        len(core := w.strip(".,")) > 1 and core.casefold() in _PRONOUNS for w in words
    ):
        return True  # "I. We", "He Said": sentence fragments, not names
    limit = _MAX_PERSON_WORDS if label == "person" else _MAX_WORDS
    return len(words) > limit


# --------------------------------------------------------------------------------------------
# canonical_name


def _word_core(token: str) -> str:
    return _strip_edges(token) or token


def _lookup(token: str) -> str:
    return _word_core(token).casefold().rstrip(".")


def _is_title(token: str) -> bool:
    low = _lookup(token)
    if low in _HONORIFICS or low in _ROLES:
        return True
    parts = [p for p in low.split("-") if p]
    return len(parts) > 1 and any(p in _ROLE_PARTS for p in parts)


_ROMAN = frozenset("II III IV VI VII VIII IX XI XII XIII XIV XV XVI".split())


def _is_suffix(token: str) -> bool:
    """Jr., Sr. and regnal numbers ("Charles III"), which are no name of their own."""
    core = _word_core(token).rstrip(".")
    return core.casefold() in _SUFFIXES or core in _ROMAN


def _is_possessive_word(core: str) -> bool:
    return core.endswith(("'s", "'S")) or (core.endswith("'") and core[-2:-1] in ("s", "S"))


def _classify(tokens: Sequence[str]) -> list[str]:
    """Each word as "name", "particle", "marker" (a title, an article, a possessive, a
    lower-case word, an office noun after a title) or "regnal"."""
    kinds: list[str] = []
    after_role = False
    for i, tok in enumerate(tokens):
        core = _word_core(tok)
        low = _lookup(tok)
        if low in _REGNAL:
            kind, after_role = "regnal", False
        elif _is_title(tok):
            kind, after_role = "marker", True
        elif low in _ARTICLES:
            kind = "marker"
        elif i < len(tokens) - 1 and _is_possessive_word(core):
            kind, after_role = "marker", False  # "Nato's secretary general ..."
        elif after_role and low in _OFFICE_NOUNS:
            kind = "marker"  # "Secretary of State ..."
        elif low in _PARTICLES and core == core.lower():
            kind = "particle"
        elif _is_lowercase(core):
            kind = "marker"
        else:
            kind, after_role = "name", False
        kinds.append(kind)
    return kinds


def _person_segment(segment: str) -> tuple[list[str], bool]:
    """The name words of one comma-free segment, and whether the segment ends in a name.

    The name starts after the last marker that has a name word after it. A sovereign's
    title stays when exactly one name word follows ("King Charles III", "Pope Francis") and
    goes when more do ("Crown Prince Mohammed bin Salman"); at the end of a name it is a
    surname ("Martin Luther King").
    """
    tokens = segment.split()
    kinds = _classify(tokens)
    names_after = [0] * (len(tokens) + 1)
    for i in range(len(tokens) - 1, -1, -1):
        is_name = kinds[i] in ("name", "regnal") and not _is_suffix(tokens[i])
        names_after[i] = names_after[i + 1] + (1 if is_name and kinds[i] == "name" else 0)
    for i, kind in enumerate(kinds):
        if kind == "regnal" and names_after[i + 1] == 0:
            kinds[i] = "name" if i > 0 and kinds[i - 1] == "name" else "marker"
    start = 0
    for i, kind in enumerate(kinds):
        if kind == "marker" and names_after[i + 1] > 0:
            start = i + 1
        elif kind == "regnal":
            start = i + 1 if names_after[i + 1] >= 2 else i
    words: list[str] = []
    for tok, kind in zip(tokens[start:], kinds[start:], strict=True):
        if kind == "marker":
            break
        words.append(tok)
    if words and kinds[start] == "regnal":
        words[0] = words[0][:1].upper() + words[0][1:].lower()
    while words and _lookup(words[-1]) in _PARTICLES:
        words.pop()
    if all(_lookup(w) in _REGNAL for w in words):
        words = []
    return words, bool(words) and kinds[-1] in ("name", "regnal")


def _canonical_person(text: str) -> str:
    text = _SUFFIX_AFTER_COMMA.sub(r" \1", _PAREN.sub(" ", text))
    segments = [s for s in _SEGMENT_SPLIT.split(text) if s.strip()]
    results = [_person_segment(s) for s in segments]
    for words, ends_with_name in reversed(results):
        if ends_with_name:
            return _strip_edges(" ".join(words))
    for words, _ in results:
        if words:
            return _strip_edges(" ".join(words))
    return ""


def _canonical_once(text: str, label: str) -> str:
    name = _strip_possessive(_strip_edges(_normalise(text)))
    if label == "person":
        name = _canonical_person(name)
    elif label in ("org", "place"):
        words = name.split(" ")
        the = words[0] == "the" or (label == "org" and words[0].casefold() == "the")
        if the and len(words) > 1:
            name = " ".join(words[1:])
    return _strip_possessive(_strip_edges(name))


def canonical_name(text: str, label: str) -> str | None:
    """The clean form of an entity span, or None when the span names nothing.

    Strips courtesy titles and offices with whatever qualifies them ("Kremlin spokesperson
    Dmitry Peskov" -> "Dmitry Peskov", "Mr Rutte" -> "Rutte"), possessives ("Nato's" ->
    "Nato"), surrounding quotes and punctuation, and a leading "the" of an organisation (of a
    place only when written lower case: "the Netherlands", but "The Hague"). Normalises
    Unicode to NFC, typographic apostrophes to "'" and runs of whitespace to one space.
    Sovereigns keep their title when one name word follows ("King Charles"). Acronyms are left
    as written. None for junk: nothing left, a bare title, a pronoun, all lower case, more
    digits than letters, a URL or e-mail address, implausibly long spans.
    """
    if not isinstance(text, str) or not isinstance(label, str):
        return None
    name = text
    for _ in range(4):  # to a fixed point: canonical_name(canonical_name(x)) == canonical_name(x)
        nxt = _canonical_once(name, label)
        if nxt == name:
            break
        name = nxt
    return None if _junk(name, label) else name

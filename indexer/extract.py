"""The extract stage: what NER may see of a document and which of its spans are names.

spaCy finds the spans (indexer.ner runs it) in text whose page furniture (photo credits,
bylines, author bios, "READ MORE") indexer.furniture masked; this module trims each span to
the name itself and drops junk. Canonical names and date values are filled in later
(indexer.names, indexer.language.dates).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Protocol

from search import words
from search.documents import Mention

SPACY_LABELS = {"PERSON": "person", "ORG": "org", "GPE": "place", "LOC": "place", "DATE": "date"}

MAX_TOKENS = {"person": 8, "org": 12, "place": 8, "date": 12}

# closed classes only; anything name-specific belongs to indexer.names
PRONOUNS = frozenset(
    "i me my mine myself we us our ours ourselves you your yours yourself yourselves he him his "
    "himself she her hers herself it its itself they them their theirs themselves one someone "
    "somebody anyone anybody everyone everybody nobody who whom whose this that these those".split()
)
# full names only: "Sun", "Jan" or "Mar" on their own are as often a newspaper, a person or a
# place as a date
WEEKDAYS = frozenset(words.WEEKDAYS)
MONTHS = frozenset(words.MONTHS)
HONORIFICS = frozenset(
    "mr mrs ms miss mx dr prof sir dame lord lady madam madame rev fr sr jr "
    "mister doctor professor monsieur herr frau senor señor".split()
)
# lowercase words that may open a personal name ("de Gaulle", "van Gogh", "al-Assad")
NAME_PARTICLES = frozenset(
    "al bin ibn da das de del della der di dos du el la le van von ter".split()
)

_EDGE_PUNCT = "\"'“”‘’«»‹›„()[]{}<>,;:!?*•·|/\\-–—_~=+#&"
_POSSESSIVE_RE = re.compile(r"\s*['’]s$")
_ENDS_POSSESSIVE = re.compile(r"['’]s?$")
_URL_RE = re.compile(r"(?:https?://|www\.|@\w|\w\.(?:com|org|net)\b)", re.IGNORECASE)


class EntityExtractor(Protocol):
    """Finds raw mentions in (title, body) pairs."""

    def extract(self, docs: Iterable[tuple[str, str]]) -> Iterator[tuple[Mention, ...]]:
        """One tuple of mentions per (title, body) pair, in input order, lazily."""
        ...


# --- spans -----------------------------------------------------------------------------------


def is_junk(text: str, label: str) -> bool:
    """Whether a trimmed span is not worth keeping as a mention of `label`.

    General rules only, plus closed word classes (pronouns, weekdays, months, honorifics):
    spans of one character, with a line break, URLs and emails, names without a capital
    letter, names that are mostly digits or punctuation, persons with digits, a weekday or
    month or bare honorific as a name, and spans too long to be one name.

    Args:
        text: the span text, already trimmed.
        label: one of the Mention labels ("person", "org", "place", "date").

    Returns:
        True when the span should be dropped.
    """
    stripped = text.strip()
    if len(stripped) <= 1 or "\n" in stripped or _URL_RE.search(stripped):
        return True
    words = stripped.split()
    if len(words) > MAX_TOKENS.get(label, 8):
        return True
    if label == "date":
        return not any(ch.isalnum() for ch in stripped)
    letters = sum(ch.isalpha() for ch in stripped)
    if letters * 2 < len(stripped.replace(" ", "")):
        return True
    cased = [ch for ch in stripped if ch.lower() != ch.upper()]
    if cased and not any(ch.isupper() for ch in cased):
        return True  # scripts without case (CJK, Arabic) cannot fail this test
    if label == "person" and any(ch.isdigit() for ch in stripped):
        return True
    folded = [w.lower().strip(".") for w in words]
    if len(folded) == 1 and folded[0] in PRONOUNS | WEEKDAYS | MONTHS:
        # "US", "WHO", "IT" written in capitals are the country, the agency, the trade: a
        # pronoun is never an acronym (a person is: "WE" names nobody)
        return label == "person" or not _is_acronym_word(stripped)
    return all(w in HONORIFICS for w in folded)


def _is_acronym_word(word: str) -> bool:
    letters = [ch for ch in word if ch.isalpha()]
    return len(letters) >= 2 and all(ch.isupper() for ch in letters)


def trim_span(text: str, start: int, end: int, label: str) -> tuple[int, int]:
    """The offsets of a span with edge punctuation, quotes, "'s" and non-name words removed.

    Args:
        text: the text the offsets point into.
        start: span start.
        end: span end.
        label: the Mention label.

    Returns:
        The trimmed (start, end); start >= end when nothing is left.
    """
    changed = True
    while changed and start < end:
        before = (start, end)
        while start < end and (text[start].isspace() or text[start] in _EDGE_PUNCT):
            start += 1
        while end > start and (text[end - 1].isspace() or text[end - 1] in _EDGE_PUNCT):
            end -= 1
        # a full stop of its own ("Sept ."), not an abbreviation's ("Inc.", "U.S.")
        if end - start > 1 and text[end - 1] == "." and not text[end - 2].isalnum():
            end -= 1
        possessive = _POSSESSIVE_RE.search(text, start, end)
        if possessive and possessive.start() > start:
            end = possessive.start()
        if label in ("org", "place") and text[start:end].lower().startswith("the "):
            start += 4
        if label != "date":
            start, end = _cut_unbalanced(text, start, end)
            start, end = _trim_words(text, start, end, label)
        changed = (start, end) != before
    return start, end


def _cut_unbalanced(text: str, start: int, end: int) -> tuple[int, int]:
    # "National Association of Purchasing Management ( NAPM": keep the name before the bracket
    span = text[start:end]
    opening, closing = span.rfind("("), span.rfind(")")
    if opening > closing:
        return start, start + opening
    if closing >= 0 and "(" not in span:
        return start + closing + 1, end
    return start, end


def _trim_words(text: str, start: int, end: int, label: str) -> tuple[int, int]:
    # drop words that cannot begin or end a name: lowercase role words ("secretary general Mark
    # Rutte", "Sybiha said"), scores, dates and ordinals ("Boston Red Sox 7-0", "BEIJING
    # 1996-08-30", "Gordon Durie 75th"), a month glued on ("September Treasury")
    words = [(m.start() + start, m.end() + start) for m in re.finditer(r"\S+", text[start:end])]
    while len(words) > 1 and not _keeps_edge(text[slice(*words[0])], label, leading=True):
        words.pop(0)
    while words and not _keeps_edge(text[slice(*words[-1])], label, leading=False):
        dropped = text[slice(*words.pop())]
        if dropped.isalpha() and words and _ENDS_POSSESSIVE.search(text[slice(*words[-1])]):
            return start, start  # "Morales' party": whose party, not its name
    if not words or not _keeps_edge(text[slice(*words[0])], label, leading=True):
        return start, start
    return words[0][0], words[-1][1]


def _keeps_edge(word: str, label: str, *, leading: bool) -> bool:
    has_alpha = any(ch.isalpha() for ch in word)
    if label == "person":
        if not has_alpha or any(ch.isdigit() for ch in word):
            return False
        if word[0].isupper() or word[0].lower() == word[0].upper():
            return True
        # "al-Saadani" may end a name; "de" or "van" may only begin one ("de Gaulle")
        parts = re.split(r"[-'’]", word)
        return any(p[:1].isupper() for p in parts[1:]) or (
            leading and parts[0].lower() in NAME_PARTICLES
        )
    if not has_alpha:
        # "Channel 4", "Formula 1", "Area 51" end in a number; a score or a date does not
        return not leading and word.isdigit() and len(word) <= 2
    if word.isalpha() and word.islower() and word not in NAME_PARTICLES:
        # a common word next to a name is not part of it: "the Ennahda party", "royal PR"
        return False
    return not (leading and word.lower().strip(".") in WEEKDAYS | MONTHS)

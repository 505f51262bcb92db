"""The words of a search to highlight on a document opened from its results.

Field prefixes, operators and wildcards are query syntax, not words the reader typed to find
in the text: only plain words (and the words of phrases) are kept, lower-cased, at least two
letters long, each once.
"""

from __future__ import annotations

import re

_FIELD = re.compile(r"\b\w+:")
_WORD = re.compile(r"[^\W_]{2,}")
_OPERATORS = frozenset({"and", "or", "not", "to"})
MAX_TERMS = 12


def query_words(q: str) -> list[str]:
    """ "title:harbour AND \"Lower Quay\" -storm" -> ["harbour", "lower", "quay"]."""
    text = _FIELD.sub(" ", q)
    text = re.sub(r"(^|\s)-\S+", " ", text)  # excluded words are not in the document
    words: list[str] = []
    for word in _WORD.findall(text.lower()):
        if word not in _OPERATORS and word not in words:
            words.append(word)
    return words[:MAX_TERMS]

"""The text analyzer for title and body: Whoosh's StemmingAnalyzer in one pass, every word kept.

Whoosh chains a tokenizer and three filters as Python generators, each touching every token,
and memoises stems in its own pure-Python LRU; at ingest that chain was the largest cost after
NER. This analyzer yields exactly the same tokens (text, positions, offsets, stopped flags) in
a single loop with a C-level stem cache.

Unlike StemmingAnalyzer it keeps every word (schema v5): a stop list made `US`, `WHO`, `IT`
and "The Who" unsearchable and phrases inexact, while BM25's IDF (search.ranking) already
gives a word found in nearly every document almost no weight. Case is folded: `US` also finds
the pronoun "us" (the index keeps no case), which IDF ranks like any common word.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

from whoosh.analysis import Analyzer, Token
from whoosh.lang.porter import stem
from whoosh.lang.porter2 import stem as _porter2

# RegexTokenizer's default expression, as StemmingAnalyzer uses it
_WORDS = re.compile(r"[\w\*]+(\.?[\w\*]+)*", re.UNICODE)


@functools.lru_cache(maxsize=200_000)
def cached_stem(word: str) -> str:
    return str(stem(word))


@functools.lru_cache(maxsize=50_000)
def porter2_stem(word: str) -> str:
    """Porter2 (Snowball English): unlike the original Porter used for the index, it stems
    "focus" and "focuses" alike, which matters when comparing two short headlines."""
    return str(_porter2(word))


class NewsAnalyzer(Analyzer):  # type: ignore[misc]  # Whoosh is untyped
    """Tokenize on words, lowercase, Porter-stem; no word is dropped."""

    is_morph = True

    def __init__(self) -> None:
        self.stoplist: frozenset[str] = frozenset()

    def has_morph(self) -> bool:
        return True

    def __call__(  # noqa: PLR0913 - Whoosh's analyzer signature
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        no_morph: bool = False,
        **kwargs: Any,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        token.stopped = False
        pieces = (
            ((m.group(0), m.start(), m.end()) for m in _WORDS.finditer(value))
            if tokenize
            else iter([(value, 0, len(value))])
        )
        for index, (original, start, end) in enumerate(pieces):
            text = original.lower()
            token.text = text if no_morph else cached_stem(text)
            if positions:
                token.pos = start_pos + index
            token.boost = 1.0
            if keeporiginal:
                token.original = original
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token

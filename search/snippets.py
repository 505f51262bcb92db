"""A hit's snippet: the body's best passages with the searched words marked, else its opening.

Every engine calls make_snippet with the words it matched (Whoosh's expanded query terms,
Typesense's stems), so a hit reads the same whichever engine found it.
"""

from __future__ import annotations

import html

from whoosh.analysis import Analyzer
from whoosh.highlight import ContextFragmenter, HtmlFormatter, highlight

from search.analysis import NewsAnalyzer


def excerpt(text: str, chars: int) -> str:
    """The escaped opening of a text, cut at a word boundary, for hits without a match."""
    text = " ".join(text.split())
    if len(text) <= chars:
        return html.escape(text)
    cut = text[:chars].rsplit(" ", 1)[0]
    return html.escape(cut) + " …"


def make_snippet(
    body: str, words: frozenset[str], chars: int, analyzer: Analyzer | None = None
) -> str:
    """The body's two best passages with `words` (analysed stems) in <mark>, else its
    opening; `analyzer` is the body field's (NewsAnalyzer when not given)."""
    if words:
        formatter = HtmlFormatter(tagname="mark", between=" … ")
        fragmenter = ContextFragmenter(maxchars=chars, surround=chars // 3)
        found = highlight(body, words, analyzer or NewsAnalyzer(), fragmenter, formatter, top=2)
        if found:
            return str(found)
    return excerpt(body, chars)

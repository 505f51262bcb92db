"""Which page of a PDF, scan or office document a body offset or a search snippet is on."""

from __future__ import annotations

import bisect
import html
import re
from typing import Any


def page_at(page_starts: tuple[int, ...] | list[int], offset: int) -> int | None:
    """The 1-based page whose text holds body offset `offset`, given where each page begins."""
    if not page_starts or offset < 0:
        return None
    return max(1, bisect.bisect_right(page_starts, offset))


_TAG = re.compile(r"<[^>]*>")


def snippet_page(body: str, snippet: str, page_starts: Any) -> int | None:
    """The page a hit's first highlighted word is on: the snippet (escaped HTML with <mark>)
    is found in the body by its first passage's opening words, then the mark within it. None
    for a document without pages."""
    if not page_starts or not isinstance(page_starts, list | tuple):
        return None
    passage = snippet.split(" … ")[0]
    before, mark, _ = passage.partition("<mark")
    words = _words(passage)[:8]
    if not words:
        return None
    found = re.search(r"\s+".join(re.escape(w) for w in words), body)
    if not found:
        return None
    offset = found.start()
    if mark:  # the highlighted word, looked for from where the passage starts
        lead = _words(before)
        marked = _words(passage)[len(lead) : len(lead) + 3]
        at = re.compile(r"\s+".join(re.escape(w) for w in marked)).search(body, offset)
        offset = at.start() if at else offset
    return page_at(tuple(int(n) for n in page_starts), offset)


def _words(fragment: str) -> list[str]:
    return html.unescape(_TAG.sub("", fragment)).replace("…", " ").split()

"""Titles of works written in quotation marks, as news style sets them, are no names.

News style puts the titles of films, songs, books and shows in quotation marks ("classic Disney
fare, including “Mary Poppins” and “Bambi.”"), and the model often reads such a title as a
person or an organisation. A name the document writes only so, each time quoted exactly, is a
work's title; works are no facet. A name quoted once and written plainly elsewhere stays. This
rule runs in indexer.entity_types.retype, per document.
"""

from __future__ import annotations

from collections import defaultdict

from search.documents import ENTITY_LABELS, Document, Mention

__all__ = ["not_quoted_titles"]

_OPENING = frozenset('"“‘')
_CLOSING = frozenset('"”’')
_INSIDE = frozenset(".,!?")  # American style closes a sentence's mark inside the quotes


def _quoted(source: str, start: int, end: int) -> bool:
    if start == 0 or source[start - 1] not in _OPENING:
        return False
    after = source[end : end + 2]
    return after[:1] in _CLOSING or (after[:1] in _INSIDE and after[1:2] in _CLOSING)


def not_quoted_titles(document: Document, mentions: list[Mention]) -> list[Mention]:
    """The mentions without names the document only ever writes as a quoted title."""
    uses: dict[tuple[str, str], list[bool]] = defaultdict(list)
    for m in mentions:
        if m.label in ENTITY_LABELS:
            source = document.title if m.field == "title" else document.body
            uses[(m.label, m.value)].append(_quoted(source, m.start, m.end))
    titles = {key for key, found in uses.items() if all(found)}
    return [m for m in mentions if (m.label, m.value) not in titles]

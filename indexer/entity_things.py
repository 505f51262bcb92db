"""Names that are no entity of any kind, whatever the model says: a storm's given name
("Hurricane Sandy", then "Sandy") and a unit or a time zone after a number ("3 MB", "0100
GMT"). Part of the per-document retyping in indexer.entity_types.
"""

from __future__ import annotations

import re
from collections import defaultdict

from search.documents import ENTITY_LABELS, Document, Mention

__all__ = ["not_storms", "not_units"]

NAME_LABELS = ENTITY_LABELS


# "Hurricane Sandy", "Tropical Storm Irene", "Typhoon Haiyan": a storm's given name
_STORM_RE = re.compile(
    r"\b(?:[Hh]urricane|[Tt]ropical [Ss]torm|[Ss]uperstorm|[Ww]inter [Ss]torm|[Ss]torm|"
    r"[Tt]yphoon|[Cc]yclone)s?[ \t]+([A-Z][a-z]+)\b"
)


def not_storms(document: Document, mentions: list[Mention]) -> list[Mention]:
    """A storm's name is no person, organisation or place (named storms are no facet): once a
    document writes "Hurricane Sandy", "Sandy" alone in it is the storm too."""
    text = f"{document.title}\n{document.body}"
    storms = {m.group(1) for m in _STORM_RE.finditer(text)}
    if not storms:
        return mentions

    def is_storm(value: str) -> bool:
        match = _STORM_RE.fullmatch(value)
        return value in storms or (match is not None and match.group(1) in storms)

    return [m for m in mentions if m.label not in NAME_LABELS or not is_storm(m.value)]


# a number, a clock time or a date just before: "0.47 MB", "(0100 GMT)", "02:20:33 (GMT)"
_NUMBER_BEFORE = re.compile(r"\d[\d:.,/-]*[ \t]*(?:[ap]\.?m\.?)?[ \t]*\(?[ \t]*$", re.IGNORECASE)


def not_units(document: Document, mentions: list[Mention]) -> list[Mention]:
    """An all-capitals short "organisation" that always follows a number is a unit or a time
    zone ("3 MB", "0100 GMT"), no organisation: an organisation is named, not measured in."""
    uses: dict[str, list[bool]] = defaultdict(list)
    for m in mentions:
        if m.label == "org" and m.value.isalpha() and m.value.isupper() and len(m.value) <= 4:
            source = document.title if m.field == "title" else document.body
            before = source[max(0, m.start - 24) : m.start]
            uses[m.value].append(_NUMBER_BEFORE.search(before) is not None)
    units = {value for value, found in uses.items() if all(found)}
    return [m for m in mentions if not (m.label == "org" and m.value in units)]

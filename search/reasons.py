"""Why two documents are linked, in words a reader uses.

The indexer and the search service record reasons in a compact form that keeps the figures
("rewrite: shares Mark Rutte, NATO; cosine 0.45", "near-duplicate (shingles 0.69)"): the API
returns them as they are. The pages say the same in plain words, without the figures.
"""

from __future__ import annotations

import re

_REWRITE = re.compile(r"^rewrite: shares (?P<names>.*?)(?:; cosine [\d.]+)?$")
_NEAR = re.compile(r"^near-duplicate \(shingles (?P<share>[\d.]+)\)$")
_SHARES = re.compile(r"^shares (?P<names>.+)$")
_TERMS = re.compile(r"^shared terms: (?P<terms>.+)$")


def _listed(items: str) -> str:
    """ "a, b, c" -> "a, b and c"."""
    parts = [p.strip() for p in items.split(",") if p.strip()]
    if len(parts) < 2:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} and {parts[-1]}"


def plain_reason(reason: str) -> str:
    """A stored reason as a reader reads it; anything unknown comes back unchanged."""
    text = reason.strip()
    if text.startswith("exact duplicate"):
        return "The same text"
    if found := _NEAR.match(text):
        share = float(found["share"])
        return "Almost the same text" if share >= 0.9 else "Mostly the same text, lightly edited"
    if found := _REWRITE.match(text):
        return f"The same story in other words, naming {_listed(found['names'])}"
    if found := _SHARES.match(text):
        return f"Also names {_listed(found['names'])}"
    if found := _TERMS.match(text):
        return f"Also about {_listed(found['terms'])}"
    return reason

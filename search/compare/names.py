"""Names across two versions: which people, organisations and places only one version has.

A name counts as present in the other version when that version's NER found it in another
spelling of the same country or union ("US", "U.S.", "America"), the same person (J. Smith),
or when the other text names it after all and the NER missed it there.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from search.compare.quotes import same_name
from search.documents import Document, Mention

# the same country or union written differently: one key each when comparing names
_NAME_GROUPS = (
    ("United States", "US", "U.S.", "USA", "U.S.A.", "America", "United States of America"),
    ("United Kingdom", "UK", "U.K.", "Britain", "Great Britain"),
    ("European Union", "EU", "E.U."),
    ("United Nations", "UN", "U.N."),
    ("Soviet Union", "USSR", "U.S.S.R."),
)
_GROUP_OF = {name.casefold(): group[0] for group in _NAME_GROUPS for name in group}


def names_only_in(a: Document, b: Document, label: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The names of one kind only a has, and those only b has."""
    in_a, in_b = _names(a, label), _names(b, label)
    keys_a = {_group_key(n) for n in in_a}
    keys_b = {_group_key(n) for n in in_b}
    only_a = tuple(
        n
        for n, forms in in_a.items()
        if _group_key(n) not in keys_b
        and not (label == "person" and any(same_name(n, other) for other in in_b))
        and not _said_in(n, forms, label, b, set(in_b))
    )
    only_b = tuple(
        n
        for n, forms in in_b.items()
        if _group_key(n) not in keys_a
        and not (label == "person" and any(same_name(n, other) for other in in_a))
        and not _said_in(n, forms, label, a, set(in_a))
    )
    return only_a, only_b


def _group_key(name: str) -> str:
    return _GROUP_OF.get(name.casefold(), name).casefold()


def _names(doc: Document, label: str) -> dict[str, list[Mention]]:
    """Names of one kind in a document; none from an all-capitals headline or a person in
    capitals (NER reads "MILL CLOSURE" as a name there)."""
    found: dict[str, list[Mention]] = {}
    shouted = doc.title.isupper()
    for mention in doc.mentions:
        if mention.label != label or not mention.value:
            continue
        if mention.field == "title" and shouted:
            continue
        if label == "person" and mention.text.isupper() and len(mention.text) > 4:
            continue
        found.setdefault(mention.value, []).append(mention)
    return found


def _said_in(
    name: str, forms: Sequence[Mention], label: str, other: Document, other_names: set[str]
) -> bool:
    """Whether the other version's text names it after all (its NER missed the name there)."""
    text = f"{other.title}\n{other.body}"
    candidates = {name, *(m.text for m in forms)}
    for candidate in candidates:
        if re.search(rf"(?<!\w){re.escape(candidate)}(?!\w)", text):
            return True
    if label == "person":
        surname = name.split()[-1]
        if len(surname) > 2:
            taken = [
                m
                for m in other.mentions
                if m.label == "person" and m.value != name and surname in m.value.split()
            ]
            for found in re.finditer(rf"(?<!\w){re.escape(surname)}(?!\w)", other.body):
                if not any(m.start <= found.start() < m.end for m in taken if m.field == "body"):
                    return True
    if label == "org":
        # "Ukraine's Foreign Ministry" / "Ukrainian Foreign Ministry" vs "foreign ministry"
        words = name.split()
        if len(words) >= 3 and (
            words[0].endswith(("'s", "’s")) or re.search(r"(?:ian|ean|ese|ish)$", words[0])
        ):
            tail = " ".join(words[1:])
            if re.search(rf"(?<!\w){re.escape(tail)}(?!\w)", text, re.IGNORECASE):
                return True
    return any(_group_key(name) == _group_key(o) for o in other_names)

"""The name table: how raw entity values in the index are shown, decided at query time.

The indexer stores each document's own entity values; which variants merge into one name
(Zelensky -> Volodymyr Zelenskiy, Nato -> NATO) and which label a contested value belongs to
are corpus-wide decisions that change as documents arrive or a user merges or splits names.
Keeping them in a small `names.json` beside the index, applied when facets are built and hits
are shown, means such a decision never requires rewriting the index.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from search.documents import ENTITY_LABELS

NAMES_FILE = "names.json"
# prefix the indexer puts on a lone-word person value the text never gives a title to: shown
# only when the corpus links it to a full name, because otherwise it is too often a place or
# a thing the NER model mislabelled
WEAK = "?"


@dataclass(frozen=True)
class NameTable:
    """(label, variant) -> canonical, value -> winning label, and the reverse for display."""

    aliases: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> NameTable:
        aliases = data.get("aliases") if isinstance(data.get("aliases"), dict) else {}
        labels = data.get("labels") if isinstance(data.get("labels"), dict) else {}
        return cls(aliases=aliases or {}, labels=labels or {})

    def to_dict(self) -> dict[str, Any]:
        return {
            "aliases": {k: dict(v) for k, v in self.aliases.items()},
            "labels": dict(self.labels),
        }

    def resolve(self, label: str, raw: str) -> tuple[str, str] | None:
        """The (label, name) a raw indexed value is shown as, or None to hide it."""
        weak = raw.startswith(WEAK)
        value = raw[len(WEAK) :] if weak else raw
        moved = self.labels.get(value, label)
        # a lone word voted over to person from another label has no title to vouch for it
        weak = weak or (moved == "person" != label and " " not in value)
        name = self.aliases.get(moved, {}).get(value, value)
        if weak and " " not in name:
            return None
        return moved, name

    def shown(self, raw: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
        """A document's raw entity values per label as they are shown: merged names, moved
        to their winning label, hidden ones dropped, each name once in first-seen order."""
        shown: dict[str, dict[str, None]] = {label: {} for label in ENTITY_LABELS}
        for label, values in raw.items():
            for value in values:
                resolved = self.resolve(label, value)
                if resolved is not None and resolved[0] in shown:
                    shown[resolved[0]].setdefault(resolved[1], None)
        return {label: list(values) for label, values in shown.items()}

    def variants(self, label: str, name: str) -> tuple[str, ...]:
        """Other spellings merged into `name` ("also written as")."""
        return tuple(
            sorted(v for v, c in self.aliases.get(label, {}).items() if c == name and v != name)
        )


def read_name_table(index_dir: Path) -> NameTable:
    try:
        data = json.loads((index_dir / NAMES_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return NameTable()
    return NameTable.from_dict(data) if isinstance(data, dict) else NameTable()

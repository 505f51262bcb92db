"""The name table: how raw entity values in the index are shown, decided at query time.

The indexer stores each document's own entity values; which variants merge into one name
(Zelensky -> Volodymyr Zelenskiy, Nato -> NATO) and which label a contested value belongs to
are corpus-wide decisions that change as documents arrive or a user merges or splits names.
Keeping them in a small `names.json` beside the index, applied when facets are built and hits
are shown, means such a decision never requires rewriting the index. A user's corrections
(`docsift aliases relabel` / `hide`) travel in the same table, applied after the automatic
decisions, so they take effect at once and win over them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from search.documents import ENTITY_LABELS, Document, Mention

NAMES_FILE = "names.json"
# prefix the indexer puts on a lone-word person value the text never gives a title to: shown
# only when the corpus links it to a full name, because otherwise it is too often a place or
# a thing the NER model mislabelled
WEAK = "?"
# hidden under every label (`docsift aliases hide NAME` without --label)
ALL_LABELS = "*"


@dataclass(frozen=True)
class NameTable:
    """(label, variant) -> canonical, value -> winning label, and the reverse for display;
    then a user's corrections, which always win: names moved to another label (`relabels`,
    name -> label) and names never shown (`hidden`, name -> the labels it is hidden under,
    "*" for all)."""

    aliases: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)
    relabels: Mapping[str, str] = field(default_factory=dict)
    hidden: Mapping[str, Sequence[str]] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> NameTable:
        def mapping(key: str) -> dict[str, Any]:
            value = data.get(key)
            return value if isinstance(value, dict) else {}

        return cls(
            aliases=mapping("aliases"),
            labels=mapping("labels"),
            relabels=mapping("relabels"),
            hidden={k: tuple(v) for k, v in mapping("hidden").items() if isinstance(v, list)},
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "aliases": {k: dict(v) for k, v in self.aliases.items()},
            "labels": dict(self.labels),
            "relabels": dict(self.relabels),
            "hidden": {k: list(v) for k, v in self.hidden.items()},
        }

    def is_hidden(self, label: str, name: str) -> bool:
        under = self.hidden.get(name, ())
        return ALL_LABELS in under or label in under

    def resolve(self, label: str, raw: str) -> tuple[str, str] | None:
        """The (label, name) a raw indexed value is shown as, or None to hide it."""
        weak = raw.startswith(WEAK)
        value = raw[len(WEAK) :] if weak else raw
        voted = self.labels.get(value, label)
        # a lone word voted over to person from another label has no title to vouch for it
        weak = weak or (voted == "person" != label and " " not in value)
        label = voted
        name = self.aliases.get(label, {}).get(value, value)
        moved = self.relabels.get(name) or self.relabels.get(value)
        if moved and moved != label:
            label = moved
            name = self.aliases.get(label, {}).get(name, name)
        if self.is_hidden(label, name) or self.is_hidden(label, value):
            return None
        if weak and " " not in name and not moved:
            return None
        return label, name

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

    def shown_mentions(self, mentions: Iterable[Mention]) -> tuple[Mention, ...]:
        """Mentions as they are shown (merged spellings, winning label); hidden names (lone
        weak words) are left out."""
        shown = []
        for mention in mentions:
            if mention.label in ENTITY_LABELS:
                resolved = self.resolve(mention.label, mention.value)
                if resolved is None:
                    continue
                mention = replace(mention, label=resolved[0], value=resolved[1])
            shown.append(mention)
        return tuple(shown)

    def show(self, document: Document) -> Document:
        """A stored document (raw entity values) with its names and mentions as they are
        shown: what every reader of a document sees, and what the indexer compares."""
        shown = self.shown(
            {"person": document.people, "org": document.orgs, "place": document.places}
        )
        return replace(
            document,
            mentions=self.shown_mentions(document.mentions),
            people=tuple(shown["person"]),
            orgs=tuple(shown["org"]),
            places=tuple(shown["place"]),
        )

    def shown_names(self, raw: Mapping[str, Iterable[str]]) -> list[str]:
        """A document's shown people, then organisations, then places, from its raw values."""
        return [name for values in self.shown(raw).values() for name in values]

    def variants(self, label: str, name: str) -> tuple[str, ...]:
        """Other spellings merged into `name` ("also written as"), also those merged under
        the label a user moved the name away from."""
        found: set[str] = set()
        for table_label, table in self.aliases.items():
            if table_label == label or self.relabels.get(name) == label:
                found.update(v for v, c in table.items() if c == name and v != name)
        return tuple(sorted(found))


def read_name_table(index_dir: Path) -> NameTable:
    try:
        data = json.loads((index_dir / NAMES_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return NameTable()
    return NameTable.from_dict(data) if isinstance(data, dict) else NameTable()

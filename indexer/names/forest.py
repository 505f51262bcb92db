"""The pieces corpus-wide aliasing works with: an `Alias`, the forest of merged names with
why each was merged, and the co-mentions that tell whether a lone surname keeps a full name's
company.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from indexer.names.canonical import _fold

# --------------------------------------------------------------------------------------------
# Corpus-wide aliases


@dataclass(frozen=True, slots=True)
class Alias:
    """`variant` (under the label it was found with) is shown and indexed as `canonical`.

    `label` is the canonical's label: it differs from the variant's only for a "label-vote"
    alias. `reason` names the rules that moved the variant, joined by "+" in the order they
    applied: "case", "spelling", "transliteration", "middle-name", "surname", "acronym",
    "country", "designator", "demonym", "label-vote", "manual" (e.g. "case+surname").
    """

    variant: str
    canonical: str
    label: str
    reason: str


_Node = tuple[str, str]  # (label, value)
_EMPTY_PAIRS: Mapping[tuple[str, str], int] = MappingProxyType({})


def _is_short_acronym(value: str) -> bool:
    letters = [c for c in value if c.isalpha()]
    return (
        2 <= len(letters) <= 6
        and all(c.isupper() for c in letters)
        and not any(c.isspace() for c in value)
    )


def _mixed_case(value: str) -> bool:
    return value != value.upper() and value != value.lower()


def _group_key(label: str, value: str) -> str:
    """Equal for case and trivial spelling variants: case, accents, full stops, hyphens vs
    spaces, and (org/place) a leading "the"."""
    folded = _fold(value).replace(".", "").replace("-", " ")
    folded = " ".join(folded.split())
    if label != "person" and folded.startswith("the "):
        folded = folded[4:]
    return folded


class _Forest:
    """Nodes merged into other nodes, with the reason, and summed document counts."""

    def __init__(self, counts: Mapping[_Node, int]) -> None:
        self.count: dict[_Node, int] = {n: max(0, int(c)) for n, c in counts.items()}
        self.total: dict[_Node, int] = dict(self.count)
        self.parent: dict[_Node, tuple[_Node, str]] = {}

    def add(self, node: _Node) -> None:
        if node not in self.count:
            self.count[node] = 0
            self.total[node] = 0

    def root(self, node: _Node) -> _Node:
        seen = set()
        while node in self.parent and node not in seen:
            seen.add(node)
            node = self.parent[node][0]
        return node

    def merge(self, variant: _Node, canonical: _Node, reason: str) -> None:
        if variant == canonical or variant in self.parent:
            return
        self.parent[variant] = (canonical, reason)
        self.total[canonical] = self.total.get(canonical, 0) + self.total.get(variant, 0)

    def path(self, node: _Node) -> tuple[_Node, list[str]]:
        reasons: list[str] = []
        seen = {node}
        while node in self.parent:
            node, reason = self.parent[node]
            if node in seen:  # cannot happen; never loop
                break
            seen.add(node)
            if reason not in reasons:
                reasons.append(reason)
        return node, reasons


def _choose(nodes: Iterable[_Node], forest: _Forest, pinned: set[_Node]) -> _Node:
    """The canonical of a group: a user's canonical first; for org/place a short all-caps
    acronym; then the most documents; then (persons) not all-caps or all-lower; then the
    longest; then alphabetical."""

    def rank(node: _Node) -> tuple:
        label, value = node
        acronym = label != "person" and _is_short_acronym(value)
        return (
            node not in pinned,
            not acronym,
            label == "person" and not _mixed_case(value),
            -forest.total[node],
            -len(value),
            value,
        )

    return min(nodes, key=rank)


@dataclass(frozen=True)
class CoMentions:
    """The other names each document of a name mentions: the evidence that a lone surname in
    one story and a full name in another are one person (shared company), read on demand.

    `documents(node)` gives, for a sample of the documents mentioning (label, value), the
    (label, value) pairs each of them mentions; `total` is the number of documents.
    """

    documents: Callable[[_Node], Sequence[Collection[_Node]]]
    total: int

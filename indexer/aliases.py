"""Corpus-wide name decisions: which variants merge into which canonical name.

Recomputed from the store after every ingest (the counts change as documents arrive); manual
merges and splits are kept in the store and always win. Documents whose facet values change
because of a new decision are queued for reindexing, so the index never shows a stale name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from indexer.names import build_aliases, is_titled_in, resolve_labels
from indexer.store import AliasRow, DocumentStore
from search.documents import Document, Mention

LABEL_FIELDS = {"person": "people", "org": "orgs", "place": "places"}


@dataclass(frozen=True)
class NameMap:
    """Variant -> canonical per label, and the label each contested value belongs to."""

    canonical: Mapping[tuple[str, str], str]
    winning_label: Mapping[str, str]

    def name(self, label: str, value: str) -> str:
        return self.canonical.get((label, value), value)

    def variants(self) -> dict[str, dict[str, list[str]]]:
        """label -> canonical -> its variants, for entity pages ("also written as")."""
        grouped: dict[str, dict[str, list[str]]] = {}
        for (label, variant), canonical in sorted(self.canonical.items()):
            if variant != canonical:
                grouped.setdefault(label, {}).setdefault(canonical, []).append(variant)
        return grouped

    def apply(self, document: Document) -> Document:
        """The document's facet values as the index should show them: merged names, and a
        value the corpus mostly tags with another label moved to that label."""
        shown: dict[str, dict[str, None]] = {label: {} for label in LABEL_FIELDS}
        for label, attr in LABEL_FIELDS.items():
            for value in getattr(document, attr):
                target = self.winning_label.get(value, label)
                name = self.name(target, self.name(label, value))
                if (
                    target == "person"
                    and " " not in name
                    and not is_titled_in(f"{document.title}\n{document.body}", name)
                ):
                    # a lone word the corpus never links to a full name, and the text never
                    # calls Mr/President X, is too often a place or thing NER mislabelled
                    continue
                shown[target].setdefault(name, None)
        mentions = tuple(self._mention(m) for m in document.mentions)
        return replace(
            document,
            mentions=mentions,
            **{attr: tuple(shown[label]) for label, attr in LABEL_FIELDS.items()},
        )

    def _mention(self, mention: Mention) -> Mention:
        if mention.label not in LABEL_FIELDS:
            return mention
        target = self.winning_label.get(mention.value, mention.label)
        value = self.name(target, self.name(mention.label, mention.value))
        return replace(mention, label=target, value=value)


def load_name_map(store: DocumentStore) -> NameMap:
    canonical = {(row.label, row.variant): row.canonical for row in store.aliases()}
    return NameMap(canonical=canonical, winning_label=resolve_labels(store.label_counts()))


def refresh_aliases(store: DocumentStore) -> int:
    """Recompute automatic aliases and queue documents whose shown names change.

    Returns:
        How many documents were queued for reindexing.
    """
    before = load_name_map(store)
    manual = [row for row in store.aliases() if row.manual]
    computed = build_aliases(
        store.entity_counts(),
        store.acronym_pairs(),
        manual_merges=[(row.label, row.variant, row.canonical) for row in manual],
        manual_splits=store.splits(),
    )
    store.replace_auto_aliases(
        AliasRow(label, variant, alias.canonical, alias.reason, manual=False)
        for (label, variant), alias in computed.items()
        if alias.reason != "manual"
    )
    after = load_name_map(store)
    changed = {
        key
        for key in set(before.canonical) | set(after.canonical)
        if before.canonical.get(key) != after.canonical.get(key)
    }
    changed |= {
        (label, value)
        for value in set(before.winning_label) | set(after.winning_label)
        if before.winning_label.get(value) != after.winning_label.get(value)
        for label in LABEL_FIELDS
    }
    return store.mark_unindexed_with(changed)

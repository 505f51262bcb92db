"""Corpus-wide name decisions: which variants merge into which canonical name.

Recomputed from the store after every ingest (the counts change as documents arrive); manual
merges and splits are kept in the store and always win. The decisions reach the index as a
name table beside it (search.names), applied at query time, so no decision ever requires
rewriting indexed documents.
"""

from __future__ import annotations

from dataclasses import replace

from indexer.names import CoMentions, build_aliases, is_titled_in, resolve_labels
from indexer.store import AliasRow, DocumentStore
from search.documents import Document
from search.names import WEAK, NameTable

# documents read per name when weighing a corpus-wide merge: enough to see the company a name
# keeps, few enough that refreshing the aliases stays quick on a large corpus
CO_MENTION_SAMPLE = 40


def mark_weak_names(document: Document) -> Document:
    """Mark lone-word persons the text never titles ("Kyiv said ..." vs "Mr Rutte said ...").

    They stay in the index, marked, and are shown only if the corpus links them to a full name:
    alone they are too often a place or thing the NER model took for a person.
    """
    text = f"{document.title}\n{document.body}"
    weak = {
        name
        for name in document.people
        if " " not in name
        and not is_titled_in(text, name)
        and not is_titled_in(text, name.upper())  # "PRESIDENT REAGAN", shown as "Reagan"
    }
    if not weak:
        return document
    return replace(
        document,
        people=tuple(WEAK + p if p in weak else p for p in document.people),
        mentions=tuple(
            replace(m, value=WEAK + m.value) if m.label == "person" and m.value in weak else m
            for m in document.mentions
        ),
    )


def load_name_table(store: DocumentStore) -> NameTable:
    aliases: dict[str, dict[str, str]] = {}
    for row in store.aliases():
        aliases.setdefault(row.label, {})[row.variant] = row.canonical
    return NameTable(
        aliases=aliases,
        labels=resolve_labels(store.label_counts()),
        relabels=store.relabels(),
        hidden=store.hidden(),
    )


def refresh_aliases(store: DocumentStore) -> NameTable:
    """Recompute the automatic aliases from the store's counts; returns the new name table."""
    manual = [row for row in store.aliases() if row.manual]
    computed = build_aliases(
        store.entity_counts(),
        store.acronym_pairs(),
        manual_merges=[(row.label, row.variant, row.canonical) for row in manual],
        manual_splits=store.splits(),
        co_mentions=CoMentions(
            lambda node: store.co_mentions(*node, limit=CO_MENTION_SAMPLE), store.count()
        ),
    )
    store.replace_auto_aliases(
        AliasRow(label, variant, alias.canonical, alias.reason, manual=False)
        for (label, variant), alias in computed.items()
        if alias.reason != "manual"
    )
    return load_name_table(store)

"""Deleting documents from the store and the index together, safe against a crash.

The intent is written first (the store's pending_deletes table, one transaction); then the
index drops the documents, then the store (rows, entities, signatures, story edges), then the
name table and the story table are recomputed without them, and only then is the intent
cleared. A process killed anywhere leaves the intent behind: `docsift check` reports it, and
the next writing command (`docsift delete`, `ingest`, `reindex`, `crawl`) finishes it first,
every step being one that can run twice. Prune (`docsift ingest --prune DIR`) picks documents
whose files are gone and deletes them the same way.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from indexer.aliases import refresh_aliases
from indexer.dedup import update_stories
from indexer.store import DocumentStore
from search.documents import source_file
from search.engines import open_backend
from search.faults import fault_point
from search.index import write_names, write_stories
from search.names import read_name_table
from search.settings import Settings

# what may follow a path prefix in a source and still be that file or folder: a folder's
# files, an archive's members, a mailbox's messages, an export's records
_PATH_BOUNDARY = ("/", "!/", "#", ":")


def select_from(store: DocumentStore, prefix: str) -> list[str]:
    """The documents a `--source PATH_OR_URL_PREFIX` names: a URL prefix matches the start of
    a source or web address as written; a path matches that file or everything under that
    folder (never /a/b2 for /a/b), made absolute as ingest made its sources."""
    if "://" in prefix:
        return [doc_id for doc_id, _, _ in store.ids_from(prefix)]
    path = os.path.abspath(prefix).rstrip("/") or "/"
    found = []
    for doc_id, source, _ in store.ids_from(path):
        rest = source[len(path) :]
        if not rest or path == "/" or rest.startswith(_PATH_BOUNDARY):
            found.append(doc_id)
    return found


def gone_under(store: DocumentStore, folder: str) -> list[str]:
    """Documents whose file under `folder` no longer exists (prune): a member of an archive,
    a message of a mailbox and a record of an export go with their file; web pages and files
    elsewhere are never touched."""
    root = os.path.abspath(folder)
    under = root if root.endswith("/") else root + "/"
    gone: list[str] = []
    seen: dict[str, bool] = {}
    for doc_id, source in store.sources():
        if "://" in source:
            continue
        path = source_file(source)
        if path != root and not path.startswith(under):
            continue
        if path not in seen:
            seen[path] = Path(path).exists()
        if not seen[path]:
            gone.append(doc_id)
    return gone


def delete_documents(settings: Settings, store: DocumentStore, doc_ids: Sequence[str]) -> int:
    """Delete documents (and a message's attachments) from index and store; returns how many
    the store held. Ids the store does not hold are ignored."""
    found = store.existing(doc_ids)
    if not found:
        finish_deletes(settings, store)
        return 0
    store.mark_deleting(found)
    fault_point("delete.intent")
    finish_deletes(settings, store)
    return len(found)


def finish_deletes(settings: Settings, store: DocumentStore) -> int:
    """Carry out every recorded delete (a killed one included); returns how many ids it
    finished."""
    pending = store.pending_deletes()
    if not pending:
        return 0
    backend = open_backend(settings)
    if settings.backend != "whoosh" or settings.index_dir.exists():
        backend.delete(pending)
    fault_point("delete.index")
    store.delete_many(pending)
    fault_point("delete.store")
    names = refresh_aliases(store)
    stories = update_stories(store, names)
    if settings.index_dir.exists():
        backend.apply_names(names, read_name_table(settings.index_dir))
        write_names(settings.index_dir, names)
        write_stories(settings.index_dir, stories)
        if settings.backend != "whoosh":
            backend.apply_stories(stories)
    fault_point("delete.tables")
    store.clear_deleting(pending)
    return len(pending)

"""Writing stored documents into the index while NER still runs (the ingest's index stage)."""

from __future__ import annotations

import logging
from typing import Any

from indexer.aliases import mark_weak_names
from indexer.ingest_report import Tally, described_error
from search.backend import Backend
from search.diskfull import is_disk_full
from search.documents import Document
from search.faults import fault_point
from search.index import ensure_index, open_writer
from search.merge_policy import tiered_merge
from search.names import NameTable
from search.settings import Settings

logger = logging.getLogger(__name__)


class IndexFeed:
    """Writes stored documents into the index while NER is still running, so the two overlap.

    A long run commits a segment every COMMIT_EVERY documents, so most of Whoosh's flushing
    also happens while NER runs rather than after it; each commit merges segments by tiers
    (search.merge_policy). A 216k-story ingest thus writes 9 segments and re-writes none:
    with commits of 4,000 it left 54 segments for Whoosh's policy (33 after re-writing 88k
    stories at the last commit), or re-wrote each story 1.5 times to stay within 10. The
    writer's memory is bounded by its pool (search.index.WRITER_LIMIT_MB), not by this.
    On failure the open writer is cancelled (the store keeps those documents unindexed for
    the next run).
    """

    COMMIT_EVERY = 24_000

    def __init__(
        self,
        settings: Settings,
        tally: Tally,
        backend: Backend | None = None,
        names: NameTable | None = None,
    ) -> None:
        self.settings, self.tally = settings, tally
        self.ids: list[str] = []  # committed to the index (or to the server backend)
        self._writer: Any = None
        self._open_ids: list[str] = []  # ids written since the last commit, in order
        self._fresh: bool | None = None  # whether the index was empty when this run began
        # a server backend (Typesense) takes each batch as it comes; None: the Whoosh writer
        self._backend = backend
        self._names = names or NameTable()

    def __enter__(self) -> IndexFeed:
        return self

    def write(
        self, documents: list[Document], added: frozenset[str] = frozenset()
    ) -> dict[str, str]:
        """Index a stored batch; `added` are the ids the store had never held. Returns the
        documents that could not be indexed, with why (the caller takes them out of the
        store); the rest of the batch goes on.

        On an index that was empty when the run began, a document new to the store cannot be
        in it yet, so it is added without Whoosh's per-document delete lookup (one probe of
        every segment committed so far: at 216k stories that grows to dozens per document).
        """
        failed: dict[str, str] = {}
        with self.tally.timed("index"):
            if self._backend is not None:
                self._backend.write([mark_weak_names(d) for d in documents], self._names)
                self.ids.extend(d.doc_id for d in documents)
                return failed
            for document in documents:
                if document.doc_id in self._open_ids:
                    # Whoosh's delete lookup sees only committed segments: an id that comes
                    # again in one run replaces its earlier copy only once that is committed
                    self._commit()
                try:
                    fields = mark_weak_names(document).to_fields()
                except Exception as exc:  # noqa: BLE001 - this document fails, not the run
                    failed[document.doc_id] = f"cannot be indexed: {described_error(exc)}"
                    continue
                if self._writer is None:
                    ix = ensure_index(self.settings.index_dir)
                    if self._fresh is None:
                        self._fresh = ix.doc_count_all() == 0
                    self._writer = open_writer(ix)
                try:
                    if self._fresh and document.doc_id in added:
                        self._writer.add_document(**fields)
                    else:
                        self._writer.update_document(**fields)
                except Exception as exc:
                    if is_disk_full(exc, self.settings.index_dir):
                        raise
                    # the writer may hold part of this document: drop what it holds since its
                    # last commit; those documents stay unindexed in the store, and the end
                    # of the run (_update_index) writes them again
                    logger.warning("indexing %s failed", document.source, exc_info=True)
                    self._writer.cancel()
                    self._writer = None
                    self._open_ids.clear()
                    failed[document.doc_id] = f"cannot be indexed: {described_error(exc)}"
                    continue
                self._open_ids.append(document.doc_id)
                fault_point("ingest.index_write")
            if len(self._open_ids) >= self.COMMIT_EVERY:
                self._commit()
        return failed

    def delete(self, doc_ids: list[str]) -> None:
        """Take documents out of the index (an earlier version of a document that could not
        be indexed now)."""
        if self._backend is not None or not doc_ids:
            return
        with self.tally.timed("index"):
            if self._writer is None:
                self._writer = open_writer(ensure_index(self.settings.index_dir))
            for doc_id in doc_ids:
                self._writer.delete_by_term("doc_id", doc_id)

    def _commit(self) -> None:
        self._writer.commit(mergetype=tiered_merge)
        self._writer = None
        self.ids.extend(self._open_ids)
        self._open_ids.clear()

    def __exit__(self, kind: object, error: BaseException | None, trace: object) -> None:
        if self._writer is None:
            return
        with self.tally.timed("index"):
            if error is None:
                fault_point("ingest.before_commit")
                self._writer.commit(mergetype=tiered_merge)
                self.ids.extend(self._open_ids)
                self._open_ids.clear()
            else:
                self._writer.cancel()

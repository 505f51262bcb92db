"""The ingest pipeline: sources -> bytes -> decode -> clean -> Document -> store -> index.

Documents are written to the store in batched transactions as they are made; the index is then
brought up to date from the store's unindexed rows in one writer, so the store stays the source
of truth and a run that dies half-way is finished by the next one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator

from indexer.aliases import mark_weak_names, refresh_aliases
from indexer.dedup import refresh_signatures, update_stories
from indexer.delete import finish_deletes
from indexer.enrich import Enriched, Enricher
from indexer.fetch import FileFetcher, HttpFetcher, RawDocument
from indexer.formats.limits import Limits
from indexer.formats.ocr import Ocr
from indexer.index_feed import IndexFeed
from indexer.ingest_items import Item, ItemReader, raw_items, take
from indexer.ingest_progress import IngestProgress
from indexer.ingest_report import IngestReport, Problem, Tally, described_error
from indexer.language.detect import backfill_languages
from indexer.make_document import DocumentMaker
from indexer.net.fetcher import FetchOptions
from indexer.sources import Source, iter_sources
from indexer.store import DocumentStore
from search.backend import Backend
from search.diskfull import is_disk_full
from search.documents import Document
from search.engines import open_backend
from search.errors import IngestError, SkipDocument
from search.faults import fault_point
from search.generation_arrays import write_generation_arrays
from search.index import (
    ensure_index,
    index_exists,
    index_writer,
    rebuild_index,
    write_names,
    write_stories,
)
from search.names import NameTable, read_name_table
from search.settings import Settings

__all__ = ["IngestReport", "Pipeline", "Problem", "described_error"]

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
BATCH_BYTES = 64 * 1024 * 1024  # bytes of sources held at once while a batch is looked up


class Pipeline:
    """Runs sources through every stage; one bad source is reported, never fatal."""

    def __init__(
        self,
        settings: Settings,
        store: DocumentStore,
        *,
        files: FileFetcher | None = None,
        http: HttpFetcher | None = None,
        enricher: Enricher | None = None,
        allow_private: bool = False,
        allow_hosts: tuple[str, ...] = (),
        follow_symlinks: bool = False,
    ) -> None:
        self.settings = settings
        self.follow_symlinks = follow_symlinks  # links to files outside a folder too
        self.allow_private = allow_private  # URLs on loopback and private addresses too
        self.allow_hosts = allow_hosts  # "host" or "host:port" trusted on any address
        self.store = store
        self.enricher = enricher
        self.files = files or FileFetcher(settings.max_file_bytes)
        self.limits = Limits.from_settings(settings)
        self.ocr = Ocr(timeout_s=self.limits.ocr_timeout_s)
        self._http = http
        self._backend: Backend | None = None

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        store: DocumentStore,
        *,
        entities: bool = True,
        allow_private: bool = False,
        allow_hosts: tuple[str, ...] = (),
        follow_symlinks: bool = False,
    ) -> Pipeline:
        """The production pipeline: NER with spaCy unless `entities` is False."""
        enricher = Enricher(processes=settings.ner_processes, cache=store) if entities else None
        return cls(
            settings,
            store,
            enricher=enricher,
            allow_private=allow_private,
            allow_hosts=allow_hosts,
            follow_symlinks=follow_symlinks,
        )

    @property
    def http(self) -> HttpFetcher:
        if self._http is None:
            self._http = HttpFetcher(
                FetchOptions.from_settings(
                    self.settings, allow_private=self.allow_private, allow_hosts=self.allow_hosts
                )
            )
        return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()

    # -- the stages: targets -> items -> documents ----------------------------------

    def _items(self, sources: Iterable[Source], tally: Tally) -> Iterator[Item]:
        reader = ItemReader(self.files, lambda uri: self.http.fetch(uri), self.limits, self.ocr)
        return reader.items(sources, tally)

    # -- the run --------------------------------------------------------------------

    def run(
        self, targets: Iterable[str], progress: Callable[[str], None] | None = None
    ) -> IngestReport:
        """Ingest every target, then bring aliases and the index up to date from the store."""
        started = time.perf_counter()
        tally = Tally()
        sources = (
            s
            for target in targets
            for s in iter_sources(target, follow_symlinks=self.follow_symlinks)
        )
        if not isinstance(progress, IngestProgress):
            return self._run(self._items(sources, tally), tally, started, progress)
        progress.watch(lambda: tally.unchanged + len(tally.skipped) + len(tally.errors))
        report = self._run(
            self._items(sources, tally),
            tally,
            started,
            progress,
            done=lambda finished: progress.documents_finished(len(finished)),
        )
        progress.set_stage("done")
        return report

    def run_raw(
        self,
        raws: Iterable[RawDocument],
        *,
        batch_size: int = 25,
        done: Callable[[list[str]], None] | None = None,
        failed: Callable[[list[tuple[str, str]]], None] | None = None,
    ) -> IngestReport:
        """Ingest already-fetched documents (the crawler's pages) through the same stages.

        The id is made from `raw.final_url`. `done` is called with the `raw.uri`s whose outcome
        is durable (stored, unchanged, skipped, failed), so a caller that keeps fetched bytes
        until then (the crawl frontier) can let them go; small batches keep that window short.
        `failed` is called first with (`raw.uri`, reason) for each one that failed.
        """
        started = time.perf_counter()
        tally = Tally()
        return self._run(
            raw_items(raws, tally),
            tally,
            started,
            None,
            batch_size=batch_size,
            done=done,
            failed=failed,
        )

    def _run(
        self,
        items: Iterator[Item],
        tally: Tally,
        started: float,
        progress: Callable[[str], None] | None,
        *,
        batch_size: int = BATCH_SIZE,
        done: Callable[[list[str]], None] | None = None,
        failed: Callable[[list[tuple[str, str]]], None] | None = None,
    ) -> IngestReport:
        finish_deletes(self.settings, self.store)  # a delete a killed process left half-done
        documents = self._documents(items, tally, progress, batch_size)
        reported = 0  # errors handed to `failed` so far
        stream: Iterable[Enriched] = (
            self.enricher.enrich(documents)
            if self.enricher is not None
            else (Enriched(d, ()) for d in documents)
        )
        stream = iter(stream)
        batch: list[Enriched] = []
        signed: list[str] = []
        backend = self.server_backend()
        # a server backend's records hold names resolved with the table beside the index
        names_before = read_name_table(self.settings.index_dir) if backend is not None else None
        with IndexFeed(self.settings, tally, backend, names_before) as feed:
            while True:
                upstream_before = sum(tally.stages.values())
                waited = time.perf_counter()
                enriched = next(stream, None)
                if enriched is not None and isinstance(progress, IngestProgress):
                    progress.document_analysed()
                # time spent in NER = waiting on the stream minus the upstream stages it ran
                nested = sum(tally.stages.values()) - upstream_before
                tally.stages["entities"] = (
                    tally.stages.get("entities", 0.0) + time.perf_counter() - waited - nested
                )
                if enriched is not None and enriched.problem:
                    tally.errors.append(Problem(enriched.document.source, enriched.problem))
                    tally.finished.append(enriched.document.source)
                elif enriched is not None:
                    batch.append(enriched)
                if batch and (enriched is None or len(batch) >= batch_size):
                    stored, added = self._store(batch, tally)
                    fault_point("ingest.stored")
                    unindexable = feed.write(stored, added)
                    if unindexable:
                        stored = self._unstore(stored, unindexable, added, tally, feed)
                    with tally.timed("stories"):  # signatures now, while NER still runs
                        signed.extend(refresh_signatures(self.store, [d.doc_id for d in stored]))
                    tally.finished.extend(e.document.source for e in batch)
                    batch = []
                if failed is not None and len(tally.errors) > reported:
                    failed([(p.source, p.reason) for p in tally.errors[reported:]])
                    reported = len(tally.errors)
                if done is not None and tally.finished:
                    done(tally.finished)
                    tally.finished = []
                if enriched is None:
                    break
        fault_point("ingest.after_commit")
        self.store.mark_indexed(feed.ids)
        if isinstance(progress, IngestProgress):
            progress.set_stage("names")
        with tally.timed("aliases"):
            names = refresh_aliases(self.store)
        with tally.timed("index"):
            indexed = len(set(feed.ids) | set(self._update_index(names)))
        if isinstance(progress, IngestProgress):
            progress.set_stage("stories")
        with tally.timed("stories"):
            stories = update_stories(self.store, names, signed=signed)
            fault_point("ingest.stories")
            write_stories(self.settings.index_dir, stories)
            if backend is not None:
                backend.apply_stories(stories)
        if backend is None and index_exists(self.settings.index_dir):
            with tally.timed("arrays"):  # the facet arrays every server worker maps
                write_generation_arrays(self.settings.index_dir.resolve())
        return IngestReport(
            added=tally.added,
            updated=tally.updated,
            unchanged=tally.unchanged,
            skipped=tuple(tally.skipped),
            errors=tuple(tally.errors),
            indexed=indexed,
            seconds=time.perf_counter() - started,
            stage_seconds=tuple(tally.stages.items()),
            ner_lines=tuple(self.enricher.stats.to_dict().items()) if self.enricher else (),
        )

    def _documents(
        self,
        items: Iterator[Item],
        tally: Tally,
        progress: Callable[[str], None] | None,
        batch_size: int = BATCH_SIZE,
    ) -> Iterator[Document]:
        """Cleaned documents for every item whose bytes changed, looked up in batches."""
        maker = DocumentMaker(self.limits, self.ocr, self.settings.max_text_chars)
        while True:
            with tally.timed("read"):
                batch = take(items, batch_size, BATCH_BYTES)
            if not batch:
                return
            known = self.store.hashes([item.doc_id for item in batch])
            for item in batch:
                if progress:
                    progress(item.source)
                if known.get(item.doc_id) == item.content_hash:
                    tally.unchanged += 1
                    tally.finished.append(item.source)
                    continue
                try:
                    yield maker.document(item, tally)
                except SkipDocument as exc:
                    tally.skipped.append(Problem(item.source, exc.reason))
                    tally.finished.append(item.source)
                except IngestError as exc:
                    tally.errors.append(Problem(item.source, exc.reason))
                    tally.finished.append(item.source)
                except Exception as exc:  # noqa: BLE001 - one bad document must not stop the run
                    logger.warning("failed on %s", item.source, exc_info=True)
                    tally.errors.append(Problem(item.source, described_error(exc)))
                    tally.finished.append(item.source)

    def _store(self, batch: list[Enriched], tally: Tally) -> tuple[list[Document], frozenset[str]]:
        """Write a batch to the store; returns the documents written and the ids among them
        the store had never held. A batch the store refuses is written again one document
        at a time, so only a document that really fails is lost (and reported); a full disk
        stops the run."""
        latest = {e.document.doc_id: e for e in batch}  # one export may repeat an id
        with tally.timed("store"):
            try:
                outcomes = self._put(list(latest.values()))
            except Exception as exc:
                if is_disk_full(exc, self.settings.db_path):
                    raise
                logger.warning("storing a batch failed; storing it one by one", exc_info=True)
                outcomes = {}
                for enriched in latest.values():
                    try:
                        outcomes.update(self._put([enriched]))
                    except Exception as one:
                        if is_disk_full(one, self.settings.db_path):
                            raise
                        reason = f"cannot be stored: {described_error(one)}"
                        tally.errors.append(Problem(enriched.document.source, reason))
        for outcome in outcomes.values():
            if outcome == "added":
                tally.added += 1
            else:
                tally.updated += 1
        added = frozenset(doc_id for doc_id, outcome in outcomes.items() if outcome == "added")
        return [e.document for doc_id, e in latest.items() if doc_id in outcomes], added

    def _put(self, batch: list[Enriched]) -> dict[str, str]:
        return self.store.put_many(
            (e.document for e in batch),
            acronyms={e.document.doc_id: list(e.acronyms) for e in batch},
        )

    def _unstore(
        self,
        stored: list[Document],
        failed: dict[str, str],
        added: frozenset[str],
        tally: Tally,
        feed: IndexFeed,
    ) -> list[Document]:
        """Take documents the index refused back out of the store (and the index), so the two
        keep agreeing; each is reported with its reason."""
        self.store.delete_many(list(failed))
        feed.delete(list(failed))
        kept = []
        for document in stored:
            reason = failed.get(document.doc_id)
            if reason is None:
                kept.append(document)
                continue
            tally.errors.append(Problem(document.source, reason))
            if document.doc_id in added:
                tally.added -= 1
            else:
                tally.updated -= 1
        return kept

    def server_backend(self) -> Backend | None:
        """The configured server backend (Typesense), or None for the embedded Whoosh index,
        which this module writes directly (incremental commits overlapping NER)."""
        if self.settings.backend == "whoosh":
            return None
        if self._backend is None:
            self._backend = open_backend(self.settings)
        return self._backend

    def _update_index(self, names: NameTable) -> list[str]:
        backend = self.server_backend()
        if backend is not None:
            self.settings.index_dir.mkdir(parents=True, exist_ok=True)
            pending = [mark_weak_names(d) for d in self.store.iter_documents(unindexed_only=True)]
            if pending:
                backend.write(pending, names)
            # names merged by this run may change how earlier documents' names show: redo
            # the records the change touches, then record the table they now reflect
            backend.apply_names(names, read_name_table(self.settings.index_dir))
            write_names(self.settings.index_dir, names)
            names_written = [d.doc_id for d in pending]
            self.store.mark_indexed(names_written)
            return names_written
        ix = ensure_index(self.settings.index_dir)
        written: list[str] = []
        if self.store.unindexed_count():
            refused: list[str] = []
            with index_writer(ix) as writer:
                for doc in self.store.iter_documents(unindexed_only=True):
                    try:
                        fields = mark_weak_names(doc).to_fields()
                    except Exception:  # noqa: BLE001 - this document fails, not the run
                        logger.warning("cannot index %s; removed from the store", doc.source)
                        refused.append(doc.doc_id)
                        continue
                    writer.update_document(**fields)
                    written.append(doc.doc_id)
            self.store.delete_many(refused)
        write_names(self.settings.index_dir, names)
        self.store.mark_indexed(written)
        return written

    def reindex(self) -> int:
        """Rebuild the whole index from the store (no NER rerun) and swap it in atomically.

        Documents stored before languages were detected get theirs first (backfill_languages);
        a delete a killed process left half-done is finished before (it would bring them back).
        """
        finish_deletes(self.settings, self.store)
        backfill_languages(self.store)
        names = refresh_aliases(self.store)
        backend = self.server_backend()
        if backend is not None:
            stories = update_stories(self.store, names, full=True)
            count = backend.rebuild(
                (mark_weak_names(doc) for doc in self.store.iter_documents()), names, stories
            )
            self.settings.index_dir.mkdir(parents=True, exist_ok=True)
            write_names(self.settings.index_dir, names)
            write_stories(self.settings.index_dir, stories)
            self.store.mark_indexed()
            return count
        count = rebuild_index(
            self.settings.index_dir,
            (mark_weak_names(doc) for doc in self.store.iter_documents()),
            names=names,
            stories=update_stories(self.store, names, full=True),
        )
        fault_point("reindex.after_swap")
        self.store.mark_indexed()
        return count

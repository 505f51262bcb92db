"""Running spaCy NER over a document stream: line by line, skipping and reusing what it can.

NER is most of ingest's cost, so it only sees text that can hold a name: a document is cut into
lines (the line-break sentence starts already keep every entity inside one line), lines with no
capital letter, digit or date word are skipped, and a line analysed before - in this run or, with
a persistent cache, in any earlier one (wire copy repeated across outlets, an updated story) -
is reused instead of analysed again. The lines left are joined back into one text per document,
so spaCy's per-text overhead stays per document.

With n_process > 1 the model runs in our own worker processes, which send back only
(label, start, end) triples: spaCy's `n_process` would ship whole Doc objects back to the main
process, whose CPU the other ingest stages need.
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
import multiprocessing
import os
import re
import signal
import sys
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from indexer.blas import single_thread_blas
from indexer.casing import case_map, needs_recasing, recase
from indexer.furniture import mask_furniture, mask_title
from indexer.ingest_report import described_error
from indexer.ner_lines import (
    FailedMentions,
    _Line,
    _lines,
    _mentions,
    _Pending,
    _split,
    consistent_labels,
    drop_not_names,
)
from indexer.ner_model import (
    BASE_MODEL,
    DEFAULT_MODEL,
    UNUSED_COMPONENTS,
    Spans,
    load_pipeline,
    model_source,
    spans_of,
)
from search.documents import Mention
from search.errors import ConfigError

if TYPE_CHECKING:
    from spacy.language import Language

__all__ = [
    "BASE_MODEL",
    "DEFAULT_MODEL",
    "UNUSED_COMPONENTS",
    "AnalysisCache",
    "FailedMentions",
    "NerStats",
    "SpacyExtractor",
    "brief_error",
    "consistent_labels",
    "drop_not_names",
    "load_pipeline",
    "may_hold_name",
    "model_source",
    "spans_of",
]

logger = logging.getLogger(__name__)

# bump when what one line's analysis yields changes, so cached analyses are not reused
ANALYSIS_VERSION = "3"  # 2: capitals that spell pronouns ("US", "WHO") are kept; 3: en_core_web_md

# lowercase words a date mention can be made of without a digit or a capital ("last week")
_DATE_WORD_RE = re.compile(
    r"\b(?:today|tonight|yesterday|tomorrow|week|weeks|weekend|month|months|year|years|decade|"
    r"decades|century|ago|morning|afternoon|evening|night|quarter|spring|summer|autumn|fall|"
    r"winter|season|annual|annually|daily|weekly|monthly|yearly)\b"
)


class AnalysisCache(Protocol):
    """Analyses of lines kept between runs, keyed by `line_key`."""

    def get_analyses(self, keys: Sequence[int]) -> dict[int, Spans]: ...

    def put_analyses(self, analyses: dict[int, Spans]) -> None: ...


def may_hold_name(line: str) -> bool:
    """Whether NER could find anything in a line: a capital letter, a digit, a letter of a
    script without case, or a lowercase date word. Lowercase prose, rules and dingbats cannot."""
    for ch in line:
        if ch.isupper() or ch.isdigit() or (ch.isalpha() and ch.lower() == ch.upper()):
            return True
    return _DATE_WORD_RE.search(line) is not None


def line_key(model: str, line: str) -> int:
    """A 63-bit key for a line's analysis under one model and analysis version."""
    # surrogatepass: a lone surrogate must not make one line unhashable (text is made valid
    # where it enters, but the key must never be the place that fails)
    digest = hashlib.blake2b(
        f"{model}\0{ANALYSIS_VERSION}\0{line}".encode("utf-8", "surrogatepass"), digest_size=8
    ).digest()
    return int.from_bytes(digest, "big") >> 1


_WORKER_NLP: Language | None = None
_WORKER_THREADS: object = None  # the BLAS thread limit, held for the worker's life


def _worker_context() -> multiprocessing.context.BaseContext:
    # fork where there is one: "spawn" and "forkserver" re-import the caller's __main__, which
    # breaks `python -` and any script without a __name__ guard (spaCy's n_process forks too)
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


PARENT_CHECK_S = 0.5  # how often a worker looks whether the process that started it is alive
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _die_with(parent: int) -> None:
    """End this worker when `parent` ends, however it ends (issue 18: after `kill -9` of an
    ingest its workers lived on for minutes, each holding 200 MB and the store open).

    Its siblings keep the task pipe open, so a worker never sees end-of-file on it. On Linux
    the kernel sends SIGKILL at the parent's death (prctl PR_SET_PDEATHSIG); everywhere, a
    daemon thread checks the parent's pid twice a second, which also covers the moment
    between fork and prctl.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the thread below still does it

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_S)
        os._exit(1)

    if os.getppid() != parent:
        os._exit(1)
    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _worker_start(model: str, parent: int) -> None:
    global _WORKER_NLP, _WORKER_THREADS
    _die_with(parent)
    _WORKER_THREADS = single_thread_blas()
    _WORKER_NLP = load_pipeline(model)


def _worker_spans(texts: list[str], batch_size: int) -> list[Spans]:
    assert _WORKER_NLP is not None
    return spans_of(_WORKER_NLP, texts, batch_size)


@dataclass
class NerStats:
    """Where each line's analysis came from in a run: the figure behind "how much was reused"."""

    lines: int = 0
    skipped: int = 0
    reused: int = 0
    analysed: int = 0
    analysed_chars: int = 0

    def to_dict(self) -> dict[str, int]:
        return {
            "lines": self.lines,
            "skipped": self.skipped,
            "reused": self.reused,
            "analysed": self.analysed,
            "analysed_chars": self.analysed_chars,
        }


class SpacyExtractor:
    """EntityExtractor backed by a spaCy model, loaded on first use.

    Documents go through in groups of `batch_size`; each group's unanalysed lines become one
    job (one text per document) for the model, in this process or in a worker. Several groups
    per worker are in flight at once, so workers stay busy while the main process prepares the
    next ones or flushes an index segment.
    """

    MEMORY_ENTRIES = 200_000  # analyses kept in memory (most recent first)
    # groups queued per worker: 8 x 64 stories outlast an index segment flush in the main
    # process (2 per worker left the workers idle during each flush)
    GROUPS_IN_FLIGHT = 8

    def __init__(
        self,
        *,
        model: str = DEFAULT_MODEL,
        n_process: int = 1,
        batch_size: int = 64,
        cache: AnalysisCache | None = None,
        recase_capitals: bool = True,
    ) -> None:
        """Configure the extractor; the model loads on the first `extract` call.

        Args:
            model: an installed spaCy package name.
            n_process: 1 runs the model here; more start that many worker processes.
            batch_size: documents per group.
            cache: where analyses persist between runs (the document store), if anywhere.
            recase_capitals: let the model read lines set in capitals in headline case
                (indexer.casing); off only to measure what that gives.

        Raises:
            ConfigError: when n_process or batch_size is below 1.
        """
        if n_process < 1:
            raise ConfigError(f"n_process must be at least 1, not {n_process}")
        if batch_size < 1:
            raise ConfigError(f"batch_size must be at least 1, not {batch_size}")
        self.model = model
        self.n_process = n_process
        self.batch_size = batch_size
        self.cache = cache
        self.recase_capitals = recase_capitals
        self.stats = NerStats()
        self._nlp: Language | None = None
        self._memory: OrderedDict[int, Spans] = OrderedDict()
        # line key -> the line that analyses it in a group still in flight
        self._scheduled: dict[int, _Line] = {}
        self._pool_broken = False

    @property
    def nlp(self) -> Language:
        """The loaded pipeline (loads it on first access).

        Raises:
            ConfigError: when the model is not installed.
        """
        if self._nlp is None:
            self._nlp = load_pipeline(self.model)
        return self._nlp

    def extract(self, docs: Iterable[tuple[str, str]]) -> Iterator[tuple[Mention, ...]]:
        """Mentions for each (title, body) pair, in input order, lazily.

        Args:
            docs: (title, body) pairs.

        Returns:
            One tuple of mentions per pair, title mentions first.

        Raises:
            ConfigError: when the model is not installed.
        """
        if self.n_process == 1:
            yield from self._extract(docs, None)  # the model loads with the first job
            return
        pool = ProcessPoolExecutor(
            max_workers=self.n_process,
            mp_context=_worker_context(),
            initializer=_worker_start,
            initargs=(self.model, os.getpid()),
        )
        try:
            yield from self._extract(docs, pool)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _extract(
        self, docs: Iterable[tuple[str, str]], pool: ProcessPoolExecutor | None
    ) -> Iterator[tuple[Mention, ...]]:
        docs = iter(docs)
        in_flight: deque[tuple[list[_Pending], list[str], Future[list[Spans]] | None]] = deque()
        depth = self.GROUPS_IN_FLIGHT * self.n_process if pool is not None else 0
        self._scheduled = {}
        while True:
            group = [self._prepare(title, body) for title, body in _take(docs, self.batch_size)]
            if group:
                self._reuse(group)
                texts = self._job(group)
                if pool is not None and texts and not self._pool_broken:
                    in_flight.append((group, texts, pool.submit(_worker_spans, texts, 64)))
                else:
                    in_flight.append((group, texts, None))
            while in_flight and (len(in_flight) > depth or not group):
                yield from self._finish(*in_flight.popleft())
            if not group and not in_flight:
                return

    def _prepare(self, title: str, body: str) -> _Pending:
        try:
            pending = _Pending(title, body, _lines(mask_title(title), mask_furniture(body)))
            known = None
            for line in pending.lines:
                self.stats.lines += 1
                if not may_hold_name(line.text):
                    line.spans = ()
                    self.stats.skipped += 1
                    continue
                if self.recase_capitals and needs_recasing(line.text):
                    if known is None:
                        known = case_map(ln.text for ln in pending.lines)
                    line.seen = recase(line.text, known)
                # keyed by what the model reads: a capitals line re-cased from its document
                line.key = line_key(self.model, line.seen or line.text)
        except Exception as exc:  # noqa: BLE001 - this document fails, not the run
            logger.warning("NER could not prepare a document", exc_info=True)
            return _Pending(title, body, [], error=f"entity recognition failed: {brief_error(exc)}")
        return pending

    def _reuse(self, group: list[_Pending]) -> None:
        """Fill in analyses held in memory or in the cache; list the rest as each job.

        A line is analysed once per run, in the first document that has it, and every later
        copy takes that analysis - also when the first one is still in flight in a worker
        (`_scheduled`). So the lines analysed, and the context each is analysed in, do not
        depend on how many workers run or how far ahead they are (issue 18: up to 5 of 2,226
        BBC stories got other entities with two workers than with one).
        """
        wanted = [ln for p in group for ln in p.lines if ln.spans is None]
        missing = []
        for line in wanted:
            spans = self._memory.get(line.key)
            if spans is None:
                missing.append(line.key)
            else:
                self._memory.move_to_end(line.key)
                line.spans = spans
        stored = self.cache.get_analyses(missing) if self.cache is not None and missing else {}
        for line in wanted:
            if line.spans is None and line.key in stored:
                line.spans = stored[line.key]
                self._remember(line.key, line.spans)
        for pending in group:
            pending.job = []
            for line in pending.lines:
                if line.spans is not None:
                    self.stats.reused += bool(line.key)
                elif line.key in self._scheduled:
                    pending.copies.append((line, self._scheduled[line.key]))
                    self.stats.reused += 1
                else:
                    self._scheduled[line.key] = line
                    pending.job.append(line)

    def _job(self, group: list[_Pending]) -> list[str]:
        texts: list[str] = []
        for pending in group:
            if pending.job:
                pending.slot = len(texts)
                texts.append("\n".join(line.seen or line.text for line in pending.job))
                self.stats.analysed += len(pending.job)
                self.stats.analysed_chars += len(texts[-1])
        return texts

    def _results(self, texts: list[str], work: Future[list[Spans]] | None) -> list[Spans | str]:
        """Spans per job text; a text NER failed on gets the reason instead.

        A worker that fails (or dies) costs its group a second try here, one text at a time,
        so only the document that really fails is lost; once a worker has died the rest of
        the run stays in this process.
        """
        if not texts:
            return []
        try:
            if work is not None:
                return list(work.result())
            return list(spans_of(self.nlp, texts, 64))
        except ConfigError:
            raise
        except BrokenProcessPool:
            logger.warning("an NER worker died; entity recognition goes on in this process")
            self._pool_broken = True
        except Exception:  # noqa: BLE001 - retried text by text below
            logger.warning("NER failed on a group; trying its documents one by one", exc_info=True)
        found: list[Spans | str] = []
        for text in texts:
            try:
                found.extend(spans_of(self.nlp, [text], 64))
            except ConfigError:
                raise
            except Exception as exc:  # noqa: BLE001 - this document fails, not the run
                found.append(f"entity recognition failed: {brief_error(exc)}")
        return found

    def _finish(
        self, group: list[_Pending], texts: list[str], work: Future[list[Spans]] | None
    ) -> Iterator[tuple[Mention, ...]]:
        results = self._results(texts, work)
        fresh: dict[int, Spans] = {}
        for pending in group:
            if pending.job:
                result = results[pending.slot]
                if isinstance(result, str):
                    pending.error = result
                    result = ()
                _split(pending.job, result)
                for line in pending.job:
                    assert line.spans is not None
                    if self._scheduled.get(line.key) is line:
                        del self._scheduled[line.key]
                    if pending.error:
                        continue  # never reused: a copy elsewhere is analysed afresh
                    fresh[line.key] = line.spans
                    self._remember(line.key, line.spans)
        if self.cache is not None and fresh:
            self.cache.put_analyses(fresh)
        for pending in group:
            for line, leader in pending.copies:
                line.spans = leader.spans
            if pending.error:
                yield FailedMentions(pending.error)
            else:
                yield _mentions(pending)

    def _remember(self, key: int, spans: Spans) -> None:
        self._memory[key] = spans
        if len(self._memory) > self.MEMORY_ENTRIES:
            self._memory.popitem(last=False)


def brief_error(exc: BaseException) -> str:
    """An exception in NER as a document's one-line reason (shorter than a source's)."""
    return described_error(exc, limit=200)


def _take(items: Iterator[tuple[str, str]], count: int) -> list[tuple[str, str]]:
    taken = []
    for item in items:
        taken.append(item)
        if len(taken) >= count:
            break
    return taken

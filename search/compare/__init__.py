"""Comparing two versions of a story: aligned sentences, and what one adds, drops or changes.

Pure functions over two stored Documents (title, body and mentions with the names the name
table shows). The stages, each testable alone:

- `split_sentences`: a regex splitter over the body's lines (paragraphs) that knows common
  abbreviations (Mr, Gen., U.S.) and keeps a closing quotation mark with its sentence.
- `align`: TF-IDF cosine over Porter-stemmed words, numbers and the canonical names mentioned
  in each sentence (IDF from the two documents' sentences); pairs are taken greedily, best
  first, above ALIGN_THRESHOLD (tuned on bench/compare_quality.py and the seed rewrite),
  among pairs with evidence of saying the same thing: at least two content words, numbers or
  names in common, no page furniture (a caption or credit its version prints twice) paired
  with a sentence of other words, and a heading paired only with a heading. A sentence with
  no such counterpart is "only in this version".
- `extract_quotes`: text inside straight or curly quotation marks, a quote running on to the
  end of its paragraph when it is not closed, and its speaker: the person named outside the
  quote near a speech verb (said, told, according to ...), else for "he"/"she" the speaker or
  person of the nearest earlier sentence, else an organisation or the phrase before the verb;
  an unattributed quote that continues another quote (same paragraph, or the next paragraph
  opening with a quote) keeps that quote's speaker.
- `compare_documents`: people, organisations and places only in one version (a name the NER
  missed in the other text but that text still contains is not a difference), quotes added,
  dropped, reworded or given to another speaker, and numbers and dates that differ between
  aligned sentences.

A quote is *unsupported* when the second version attributes it to a person and the first
version never gives those words to that person: a new quote, a reworded one (beyond a light
correction), or the same words said by someone else when the second version names that
speaker beside the quote (a "he said" that only points elsewhere because paragraphs moved is
not a new attribution).

The stages live in sentences.py (splitting, numbers, alignment, numbers across versions),
quotes.py (quotes, speakers, quotes across versions) and names.py (names across versions);
this module holds the result and its JSON, and re-exports the stages' names for importers.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypedDict

from search.documents import Document, IsoAt, Mention, iso_at
from search.errors import QueryError
from search.json_schema import Schema, Whole
from search.parameters import ENTITY_NOUNS, ENTITY_PLURALS, MAX_ID_CHARS, values_of
from search.stories import ChangeFlag

__all__ = [
    "ALIGN_THRESHOLD",
    "Comparison",
    "EntityChange",
    "FLAGS_VERSION",
    "LABELS",
    "LABEL_NOUNS",
    "MAX_ID_CHARS",
    "Mark",
    "NUMBER_PAIR",
    "NumberChange",
    "PRONOUN_REACH",
    "QUOTE_MIN_WORDS",
    "QUOTE_REWORDED",
    "QUOTE_REWORDED_WORDS",
    "QUOTE_SAME",
    "QUOTE_SUPPORTED",
    "Quote",
    "QuoteChange",
    "Row",
    "SIMILAR_SHARE",
    "SPEAKER_REACH",
    "Sentence",
    "Version",
    "align",
    "change_flags",
    "compare_documents",
    "compare_entities",
    "compare_numbers",
    "compare_quotes",
    "contained",
    "extract_quotes",
    "numbers_in",
    "parse_compare",
    "reworded",
    "same_name",
    "similarity_matrix",
    "split_sentences",
    "version_of",
]

from search.compare.names import names_only_in
from search.compare.quotes import (
    PRONOUN_REACH,
    QUOTE_MIN_WORDS,
    QUOTE_REWORDED,
    QUOTE_REWORDED_WORDS,
    QUOTE_SAME,
    QUOTE_SUPPORTED,
    SPEAKER_REACH,
    Quote,
    QuoteChange,
    QuoteChangeJSON,
    compare_quotes,
    contained,
    extract_quotes,
    reworded,
    same_name,
)
from search.compare.sentences import (
    ALIGN_THRESHOLD,
    LABELS,
    NUMBER_PAIR,
    SIMILAR_SHARE,
    NumberChange,
    NumberChangeJSON,
    Row,
    RowJSON,
    Sentence,
    align,
    compare_numbers,
    numbers_in,
    similarity_matrix,
    split_sentences,
)

# bump when what decides the flags changes: the indexer then compares every version again
FLAGS_VERSION = 1

LABEL_NOUNS = {label: (ENTITY_NOUNS[label], ENTITY_PLURALS[label]) for label in ENTITY_NOUNS}


# -- values -------------------------------------------------------------------------------


class EntityChangeJSON(TypedDict):
    only_a: list[str]
    only_b: list[str]


class CompareVersionJSON(TypedDict):
    id: str
    title: str
    date: IsoAt | None
    sentences: list[str]
    quotes: Annotated[Whole, Schema(description="how many quotes the version has")]


class CountsJSON(TypedDict):
    people_added: Whole
    people_dropped: Whole
    orgs_added: Whole
    orgs_dropped: Whole
    places_added: Whole
    places_dropped: Whole
    quotes_added: Whole
    quotes_dropped: Whole
    quotes_reworded: Whole
    speakers_changed: Whole
    unsupported_quotes: Whole
    numbers_changed: Whole
    sentences_aligned: Whole
    sentences_only_a: Whole
    sentences_only_b: Whole


class ComparisonJSON(TypedDict):
    """What /api/compare answers: what b adds, drops or changes relative to a."""

    a: CompareVersionJSON
    b: CompareVersionJSON
    summary: Annotated[str, Schema(description='e.g. "adds 2 people, 3 quotes"')]
    threshold: Annotated[float, Schema(description="sentence alignment cosine")]
    counts: CountsJSON
    flags: list[ChangeFlag]
    entities: Annotated[dict[str, EntityChangeJSON], Schema(keys=LABELS)]
    quotes: list[QuoteChangeJSON]
    unsupported_quotes: list[QuoteChangeJSON]
    numbers: list[NumberChangeJSON]
    alignment: list[RowJSON]


@dataclass(frozen=True, slots=True)
class EntityChange:
    """Names of one kind found in only one of the two versions."""

    label: str
    only_a: tuple[str, ...]
    only_b: tuple[str, ...]

    def to_dict(self) -> EntityChangeJSON:
        return {"only_a": list(self.only_a), "only_b": list(self.only_b)}


@dataclass(frozen=True, slots=True)
class Version:
    """One side of a comparison: the document's identity and its sentences."""

    doc_id: str
    title: str
    date: dt.date | None
    sentences: tuple[Sentence, ...]
    quotes: tuple[Quote, ...]
    # the body's person, organisation and place mentions, for marking names in sentences
    mentions: tuple[Mention, ...] = ()
    date_precision: str = "day"

    def to_dict(self) -> CompareVersionJSON:
        return {
            "id": self.doc_id,
            "title": self.title,
            "date": iso_at(self.date, self.date_precision) if self.date else None,
            "sentences": [s.text for s in self.sentences],
            "quotes": len(self.quotes),
        }


@dataclass(frozen=True, slots=True)
class Mark:
    """A span of one version's body to highlight: a name only that version has, or a quote
    that changed (kind "name" or "quote"; `label` is the entity label or the quote's kind)."""

    start: int
    end: int
    kind: str
    label: str
    note: str


@dataclass(frozen=True, slots=True)
class Comparison:
    """What version b adds, drops or changes relative to version a."""

    a: Version
    b: Version
    rows: tuple[Row, ...]
    entities: tuple[EntityChange, ...]
    quotes: tuple[QuoteChange, ...]
    numbers: tuple[NumberChange, ...]
    threshold: float = ALIGN_THRESHOLD

    def entity(self, label: str) -> EntityChange:
        return next(e for e in self.entities if e.label == label)

    def quotes_of(self, kind: str) -> tuple[QuoteChange, ...]:
        return tuple(q for q in self.quotes if q.kind == kind)

    @property
    def unsupported(self) -> tuple[QuoteChange, ...]:
        return tuple(q for q in self.quotes if q.unsupported)

    def marks(self, side: str) -> tuple[Mark, ...]:
        """What to highlight in version `side` ("a" or "b"), in text order."""
        version = self.a if side == "a" else self.b
        only = {
            change.label: set(change.only_a if side == "a" else change.only_b)
            for change in self.entities
        }
        found = [
            Mark(m.start, m.end, "name", m.label, f"only in this version: {m.value}")
            for m in version.mentions
            if m.value in only.get(m.label, set())
        ]
        for change in self.quotes:
            if change.side != side:
                continue
            quote = change.quote
            note = {
                "added": "quote only in this version",
                "dropped": "quote only in this version",
                "reworded": "quote worded differently in the other version",
                "speaker_changed": "the other version gives these words to "
                + (change.counterpart.speaker if change.counterpart else "someone else"),
            }[change.kind]
            if change.unsupported:
                note += f"; the other version never quotes {quote.speaker} saying this"
            found.append(Mark(quote.start, quote.end, "quote", change.kind, note))
        return tuple(sorted(found, key=lambda m: (m.start, -m.end)))

    def counts(self) -> CountsJSON:
        rows = Counter(row.status for row in self.rows)
        return {
            "people_added": len(self.entity("person").only_b),
            "people_dropped": len(self.entity("person").only_a),
            "orgs_added": len(self.entity("org").only_b),
            "orgs_dropped": len(self.entity("org").only_a),
            "places_added": len(self.entity("place").only_b),
            "places_dropped": len(self.entity("place").only_a),
            "quotes_added": len(self.quotes_of("added")),
            "quotes_dropped": len(self.quotes_of("dropped")),
            "quotes_reworded": len(self.quotes_of("reworded")),
            "speakers_changed": len(self.quotes_of("speaker_changed")),
            "unsupported_quotes": len(self.unsupported),
            "numbers_changed": len(self.numbers),
            "sentences_aligned": rows["same"] + rows["changed"],
            "sentences_only_a": rows["only_a"],
            "sentences_only_b": rows["only_b"],
        }

    def flags(self) -> tuple[str, ...]:
        """The flags b earns against a, as the story table keeps them (CHANGE_FLAGS)."""
        return _flags(self.entity("person").only_b, self.quotes)

    def summary_parts(self) -> tuple[str, ...]:
        """ "adds 2 people, 3 quotes", "drops 1 person", ...: each part one verb."""
        counts = self.counts()
        parts = []
        for verb, side, quotes in (("adds", "only_b", "added"), ("drops", "only_a", "dropped")):
            items = []
            for change in self.entities:
                items.append(_count(len(getattr(change, side)), *LABEL_NOUNS[change.label]))
            items.append(_count(len(self.quotes_of(quotes)), "quote", "quotes"))
            items = [item for item in items if item]
            if items:
                parts.append(f"{verb} {', '.join(items)}")
        if counts["quotes_reworded"]:
            parts.append(f"rewords {_count(counts['quotes_reworded'], 'quote', 'quotes')}")
        if counts["speakers_changed"]:
            n = counts["speakers_changed"]
            parts.append(f"gives {_count(n, 'quote', 'quotes')} to another speaker")
        if counts["numbers_changed"]:
            n = counts["numbers_changed"]
            parts.append(f"changes numbers in {_count(n, 'sentence', 'sentences')}")
        return tuple(parts)

    @property
    def summary(self) -> str:
        parts = self.summary_parts()
        return "; ".join(parts) if parts else "no differences found"

    def to_dict(self) -> ComparisonJSON:
        return {
            "a": self.a.to_dict(),
            "b": self.b.to_dict(),
            "summary": self.summary,
            "threshold": self.threshold,
            "counts": self.counts(),
            "flags": list(self.flags()),
            "entities": {change.label: change.to_dict() for change in self.entities},
            "quotes": [q.to_dict() for q in self.quotes],
            "unsupported_quotes": [q.to_dict() for q in self.unsupported],
            "numbers": [n.to_dict() for n in self.numbers],
            "alignment": [row.to_dict() for row in self.rows],
        }


def _flags(people_added: Sequence[str], quotes: Iterable[QuoteChange]) -> tuple[str, ...]:
    found = []
    if people_added:
        found.append("adds_people")
    if any(q.unsupported for q in quotes):
        found.append("unsupported_quotes")
    return tuple(found)


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}" if n else ""


def compare_entities(
    a: Document, b: Document, labels: Sequence[str] = LABELS
) -> tuple[EntityChange, ...]:
    """People, organisations and places named in one version and nowhere in the other."""
    return tuple(EntityChange(label, *names_only_in(a, b, label)) for label in labels)


# -- the comparison ---------------------------------------------------------------------------


def parse_compare(params: Mapping[str, Any]) -> tuple[str, str]:
    """The two document ids of a comparison request (`a`, `b`), each given once.

    Raises:
        QueryError: an id missing, given twice, too long or holding a NUL.
    """
    ids = []
    for name in ("a", "b"):
        values = values_of(params, name)
        if len(values) > 1:
            raise QueryError(f"{name} given {len(values)} times; give it once", name, None)
        value = values[0] if values else ""
        if not value:
            raise QueryError(f"{name} is required: the id of a document to compare", name, None)
        if len(value) > MAX_ID_CHARS or "\x00" in value:
            raise QueryError(f"{name} is not a document id", name, value[:50])
        ids.append(value)
    return ids[0], ids[1]


def version_of(doc: Document) -> Version:
    sentences = split_sentences(doc.body)
    return Version(
        doc_id=doc.doc_id,
        title=doc.title or "(untitled)",
        date=doc.published,
        date_precision=doc.published_precision,
        sentences=sentences,
        quotes=extract_quotes(doc.body, sentences, doc.mentions),
        mentions=tuple(m for m in doc.mentions if m.field == "body" and m.label in LABELS),
    )


def compare_documents(
    a: Document, b: Document, *, threshold: float = ALIGN_THRESHOLD
) -> Comparison:
    """What b adds, drops or changes relative to a.

    Both documents' mentions must carry the names to compare (as SearchService.get returns
    them, or through `NameTable.shown_mentions`).
    """
    va, vb = version_of(a), version_of(b)
    sim = similarity_matrix(va.sentences, vb.sentences, a.mentions, b.mentions)
    rows = align(va.sentences, vb.sentences, sim, threshold)
    return Comparison(
        a=va,
        b=vb,
        rows=rows,
        entities=compare_entities(a, b),
        quotes=compare_quotes(va.quotes, vb.quotes),
        numbers=compare_numbers(va.sentences, vb.sentences, rows, sim, threshold),
        threshold=threshold,
    )


def change_flags(a: Document, b: Document, va: Version | None = None) -> tuple[str, ...]:
    """compare_documents(a, b).flags() without aligning sentences: what the indexer keeps
    for every later version of every story. `va` is version_of(a) when the caller has it
    (every later version of a story is compared with the same earliest one)."""
    va, vb = va or version_of(a), version_of(b)
    (people,) = compare_entities(a, b, ("person",))
    return _flags(people.only_b, compare_quotes(va.quotes, vb.quotes))

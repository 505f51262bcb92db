"""Comparing two versions of a story: aligned sentences, and what one adds, drops or changes.

Pure functions over two stored Documents (title, body and mentions with the names the name
table shows). The stages, each testable alone:

- `split_sentences`: a regex splitter over the body's lines (paragraphs) that knows common
  abbreviations (Mr, Gen., U.S.) and keeps a closing quotation mark with its sentence.
- `align`: TF-IDF cosine over Porter-stemmed words, numbers and the canonical names mentioned
  in each sentence (IDF from the two documents' sentences); pairs are taken greedily, best
  first, above ALIGN_THRESHOLD (tuned on bench/compare_quality.py and the seed rewrite). A
  sentence with no counterpart at or above the threshold is "only in this version".
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
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from search.analysis import cached_stem
from search.documents import Document, Mention, iso_at
from search.errors import QueryError
from search.words import MONTHS, SPEECH_VERBS, WEEKDAYS

# sentences whose cosine reaches this are versions of one another (bench/compare_quality.py)
ALIGN_THRESHOLD = 0.2
# an aligned pair this alike reports a number only one side has (else only replacements)
NUMBER_PAIR = 0.5
# a sentence left without a pair is "similar" (merged or split) when its cosine with its
# closest sentence reaches the threshold and this share of that sentence's own pair's
SIMILAR_SHARE = 0.6
# a quote's word pairs found in the other version's quote at this share: the same words
QUOTE_SAME = 0.8
# below that, shared content words at this share of the shorter quote (and at least
# QUOTE_REWORDED_WORDS of them): the same quote worded differently
QUOTE_REWORDED = 0.35
QUOTE_REWORDED_WORDS = 3
# a reworded quote keeping this share of its word pairs is the same quote lightly edited (a
# correction, a trimmed clause): not an unsupported one
QUOTE_SUPPORTED = 0.5
QUOTE_MIN_WORDS = 2
# a speech verb this many characters from a name makes the name the speaker
SPEAKER_REACH = 60
# how far back (in sentences) "he said" looks for the person it means
PRONOUN_REACH = 4

# bump when what decides the flags changes: the indexer then compares every version again
FLAGS_VERSION = 1

LABELS = ("person", "org", "place")
LABEL_NOUNS = {
    "person": ("person", "people"),
    "org": ("organisation", "organisations"),
    "place": ("place", "places"),
}

_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof st sr jr gen lt col sgt capt cmdr adm gov sen rep rev hon pres supt
    insp det no nos vs v etc approx inc ltd co corp plc bros dept univ jan feb mar apr jun jul
    aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun fig pp vol ed al cf
    est mt ft messrs mme mlle gov't""".split()
)
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’»)\]]*\s+(?=[\"'“‘«(\[]*[A-Z0-9])")
_LAST_WORD = re.compile(r"([\w.'’-]+)[.!?…]*$")
_WORD = re.compile(r"\w+(?:['’]\w+)*")
_STOP = frozenset(
    """a an and are as at be by for from has he in is it its of on or that the to was were
    will with this these those their they them there then than but not no so if into over
    also been have had his her she who whom which what when where why how all any can could
    would should may might must our we us you your i me my mr mrs ms""".split()
)

_SPEECH = re.compile(rf"\b(?:{'|'.join(SPEECH_VERBS)})\b", re.IGNORECASE)
_PRONOUN = re.compile(r"\b(he|she)\b", re.IGNORECASE)
_LEADING_DETERMINER = re.compile(r"^(?:the|a|an|its|their|and|but|as)\s+", re.IGNORECASE)

_NUMBER_WORDS = {
    word: n
    for n, word in enumerate(
        """_ _ two three four five six seven eight nine ten eleven twelve thirteen fourteen
        fifteen sixteen seventeen eighteen nineteen""".split()
    )
    if n >= 2
} | {
    word: 10 * n
    for n, word in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)
}
_ONES = {"one": 1, **{w: n for w, n in _NUMBER_WORDS.items() if n < 10}}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9}
_DIGITS = re.compile(
    r"(?<![\w.,])(\d+(?:[.,]\d+)*)(?:\s?(%|per ?cent|pct)|(bn|m|mn|mln|k|s|st|nd|rd|th)\b)?"
    r"(?![\w])"
)
_NUMBER_TEXT = re.compile(
    r"\b((?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[\s-](?:one|two|three|"
    r"four|five|six|seven|eight|nine))?|two|three|four|five|six|seven|eight|nine|ten|eleven|"
    r"twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)"
    r"(?:[\s-](?:hundred|thousand|million|billion))*)\b|"
    r"\b(" + "|".join(MONTHS) + "|" + "|".join(WEEKDAYS) + r")\b",
    re.IGNORECASE,
)
# a cheap test before the expression above: words it could match
_NUMBER_VOCABULARY = frozenset([*_NUMBER_WORDS, *MONTHS, *WEEKDAYS])
_LETTERS = re.compile(r"[a-z]+")
# May is a month and a verb: only "in May", "May 3", "3 May" count
_MAY = re.compile(r"\bin\s+May\b|\bMay\s+\d|\d\s+May\b")
# the same country or union written differently: one key each when comparing names
_NAME_GROUPS = (
    ("United States", "US", "U.S.", "USA", "U.S.A.", "America", "United States of America"),
    ("United Kingdom", "UK", "U.K.", "Britain", "Great Britain"),
    ("European Union", "EU", "E.U."),
    ("United Nations", "UN", "U.N."),
    ("Soviet Union", "USSR", "U.S.S.R."),
)
_GROUP_OF = {name.casefold(): group[0] for group in _NAME_GROUPS for name in group}


# -- values -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a body, with its offsets and paragraph (line) number."""

    index: int
    text: str
    start: int
    end: int
    paragraph: int


@dataclass(frozen=True, slots=True)
class Quote:
    """Words inside quotation marks in a body, and who says them when the text tells."""

    text: str
    start: int  # offsets of the quoted words (marks excluded) in the body
    end: int
    sentence: int  # the sentence the quote opens in
    speaker: str = ""  # a canonical name, or the phrase before the speech verb
    speaker_label: str = ""  # "person" | "org" | "" (a phrase, or nobody)
    # how the speaker was found: "named" beside the quote, "phrase" (the words before the
    # speech verb), "pronoun" (he/she said, the person named earlier in the paragraph),
    # "pronoun_far" (named in an earlier paragraph), "continued" (from the quote before in
    # the same paragraph), "next_paragraph" (a paragraph opening with a quote, after one),
    # "" (nobody)
    attribution: str = ""
    # people named (outside quotes) in the quote's sentences and the PRONOUN_REACH before
    # them: whom "he said" could mean
    context: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "speaker": self.speaker or None,
            "speaker_label": self.speaker_label or None,
            "attribution": self.attribution or None,
            "sentence": self.sentence,
            "start": self.start,
            "end": self.end,
        }


@dataclass(frozen=True, slots=True)
class QuoteChange:
    """A quote in one version that the other lacks, words differently or gives to another.

    kind: "added" (only in b), "dropped" (only in a), "reworded" (b's words differ from its
    counterpart in a) or "speaker_changed" (the same words, said by another person in a).
    """

    kind: str
    quote: Quote  # b's quote, except for "dropped" (a's)
    counterpart: Quote | None = None  # a's quote for "reworded" and "speaker_changed"
    similarity: float = 0.0
    unsupported: bool = False

    @property
    def side(self) -> str:
        return "a" if self.kind == "dropped" else "b"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "side": self.side,
            **self.quote.to_dict(),
            "counterpart": self.counterpart.to_dict() if self.counterpart else None,
            "similarity": round(self.similarity, 3),
            "unsupported": self.unsupported,
        }


@dataclass(frozen=True, slots=True)
class NumberChange:
    """Numbers or dates that differ between two aligned sentences."""

    a_sentence: int
    b_sentence: int
    only_a: tuple[str, ...]
    only_b: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "a_sentence": self.a_sentence,
            "b_sentence": self.b_sentence,
            "only_a": list(self.only_a),
            "only_b": list(self.only_b),
        }


@dataclass(frozen=True, slots=True)
class EntityChange:
    """Names of one kind found in only one of the two versions."""

    label: str
    only_a: tuple[str, ...]
    only_b: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"only_a": list(self.only_a), "only_b": list(self.only_b)}


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the side-by-side view: aligned sentences, or a sentence in one version.

    status: "same" (the same words), "changed" (aligned, worded differently), "only_a",
    "only_b", or "similar" (no pair of its own, but like a sentence paired elsewhere: merged or
    split in the other version).
    """

    a: int | None
    b: int | None
    score: float
    status: str

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "score": round(self.score, 3), "status": self.status}


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

    def to_dict(self) -> dict[str, Any]:
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

    def counts(self) -> dict[str, int]:
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

    def to_dict(self) -> dict[str, Any]:
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


# -- sentences ------------------------------------------------------------------------------


def _is_abbreviation(before: str) -> bool:
    match = _LAST_WORD.search(before)
    if not match:
        return False
    word = match.group(1).strip("'’\"“”(").rstrip(".")
    lower = word.lower()
    if lower in _ABBREVIATIONS:
        return True
    if len(word) == 1 and word.isalpha() and word.isupper():
        return True  # an initial: "John F. Kennedy"
    return bool(re.fullmatch(r"(?:[a-z]\.)+[a-z]", lower))  # U.S., e.g., i.e.


def split_sentences(text: str) -> tuple[Sentence, ...]:
    """Sentences of a body: each line is a paragraph, split after . ! ? (and a closing quote
    or bracket) when the next word starts with a capital, a digit or an opening quote, except
    after abbreviations and initials."""
    sentences: list[Sentence] = []
    paragraph = 0
    for line in re.finditer(r"[^\n]+", text):
        if not line.group(0).strip():
            continue
        base = line.start()
        para = line.group(0)
        cut = 0
        for boundary in _BOUNDARY.finditer(para):
            head = para[cut : boundary.start() + len(boundary.group(0).rstrip())]
            if _is_abbreviation(para[cut : boundary.start() + 1]):
                continue
            _append(sentences, head, base + cut, paragraph)
            cut = boundary.end()
        _append(sentences, para[cut:], base + cut, paragraph)
        paragraph += 1
    return tuple(sentences)


def _append(sentences: list[Sentence], piece: str, offset: int, paragraph: int) -> None:
    stripped = piece.strip()
    if not stripped:
        return
    start = offset + (len(piece) - len(piece.lstrip()))
    sentences.append(Sentence(len(sentences), stripped, start, start + len(stripped), paragraph))


# -- numbers ----------------------------------------------------------------------------------


def _words_value(words: str) -> str:
    total, current = 0, 0
    for word in re.split(r"[\s-]+", words.lower()):
        if word in _SCALES:
            current = max(current, 1) * _SCALES[word]
            if _SCALES[word] >= 1000:
                total, current = total + current, 0
        else:
            current += _NUMBER_WORDS.get(word, _ONES.get(word, 0))
    return str(total + current)


@functools.lru_cache(maxsize=8192)
def numbers_in(text: str) -> tuple[str, ...]:
    """Numbers, percentages, months and weekdays in a text, normalised ("twenty" -> "20",
    "155,221" -> "155221", "3 pct" -> "3%", "Tuesday" -> "tuesday")."""
    found = []
    for match in _DIGITS.finditer(text):
        digits, percent, suffix = match.groups()
        value = digits.replace(",", "") if re.fullmatch(r"\d{1,3}(,\d{3})+", digits) else digits
        value = value.replace(",", ".")
        if percent:
            value += "%"
        elif suffix and suffix.lower() in ("bn", "m", "mn", "mln", "k", "s"):
            value += suffix.lower()
        found.append(value)
    if _NUMBER_VOCABULARY.isdisjoint(_LETTERS.findall(text.lower())):
        return tuple(found)
    for match in _NUMBER_TEXT.finditer(text):
        words, calendar = match.groups()
        if words is not None:
            found.append(_words_value(words))
        elif calendar is not None:
            lower = calendar.lower()
            if lower == "may" and not _MAY.search(
                text[max(0, match.start() - 4) : match.end() + 4]
            ):
                continue
            found.append(lower)
    return tuple(found)


# -- alignment --------------------------------------------------------------------------------


def _terms(text: str) -> list[str]:
    terms = [
        cached_stem(w)
        for w in (m.group(0).lower().replace("’", "'") for m in _WORD.finditer(text))
        if len(w) > 1 and w not in _STOP and not w.isdigit()
    ]
    return terms + [f"#{n}" for n in numbers_in(text)]


def _mentions_in(mentions: Sequence[Mention], start: int, end: int) -> list[Mention]:
    return [m for m in mentions if m.field == "body" and start <= m.start and m.end <= end]


def _vectors(
    docs: Sequence[tuple[Sequence[Sentence], Sequence[Mention]]],
) -> list[np.ndarray]:
    """Unit TF-IDF rows per document, over one vocabulary (IDF from all their sentences)."""
    bags: list[list[Counter[str]]] = []
    for sentences, mentions in docs:
        rows = []
        for sentence in sentences:
            bag = Counter(_terms(sentence.text))
            for mention in _mentions_in(mentions, sentence.start, sentence.end):
                if mention.label in LABELS and mention.value:
                    bag[f"@{mention.value.casefold()}"] += 1
            rows.append(bag)
        bags.append(rows)
    df: Counter[str] = Counter(t for rows in bags for bag in rows for t in bag)
    total = sum(len(rows) for rows in bags)
    vocabulary = {t: i for i, t in enumerate(df)}
    idf = np.array([math.log((1 + total) / (1 + df[t])) + 1 for t in vocabulary])
    matrices = []
    for rows in bags:
        matrix = np.zeros((len(rows), len(vocabulary)))
        for i, bag in enumerate(rows):
            for term, n in bag.items():
                matrix[i, vocabulary[term]] = 1 + math.log(n)
        matrix *= idf
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        matrices.append(matrix / norms)
    return matrices


def similarity_matrix(
    a: Sequence[Sentence],
    b: Sequence[Sentence],
    a_mentions: Sequence[Mention] = (),
    b_mentions: Sequence[Mention] = (),
) -> np.ndarray:
    """Cosine of every a sentence with every b sentence (rows a, columns b)."""
    if not a or not b:
        return np.zeros((len(a), len(b)))
    va, vb = _vectors([(a, a_mentions), (b, b_mentions)])
    return np.asarray(va @ vb.T)


@functools.lru_cache(maxsize=8192)
def _normal(text: str) -> str:
    return " ".join(m.group(0).lower().replace("’", "'") for m in _WORD.finditer(text))


def align(
    a: Sequence[Sentence],
    b: Sequence[Sentence],
    sim: np.ndarray,
    threshold: float = ALIGN_THRESHOLD,
) -> tuple[Row, ...]:
    """Rows for the side-by-side view in a's order, b's unpaired sentences after the row of the
    nearest earlier paired b sentence. Pairs are one to one, best cosine first."""
    pairs: dict[int, int] = {}
    used_b: set[int] = set()
    if sim.size:
        order = np.dstack(np.unravel_index(np.argsort(-sim, axis=None), sim.shape))[0]
        for i, j in order:
            score = sim[i, j]
            if score < threshold:
                break
            if int(i) in pairs or int(j) in used_b:
                continue
            pairs[int(i)] = int(j)
            used_b.add(int(j))
    b_to_a = {j: i for i, j in pairs.items()}

    def lone(score: float, partner_pair: float) -> bool:
        # like a sentence that has its own pair: a merge or a split, unless that pair is much
        # closer (then this one is new: a dropped sentence resembling a kept one)
        return score >= threshold and score >= SIMILAR_SHARE * partner_pair

    def pair_score_a(i: int) -> float:
        return float(sim[i, pairs[i]]) if i in pairs else 0.0

    def pair_score_b(j: int) -> float:
        return float(sim[b_to_a[j], j]) if j in b_to_a else 0.0

    after: dict[int, list[int]] = {}
    anchor = -1
    for j in range(len(b)):
        if j in b_to_a:
            anchor = b_to_a[j]
        else:
            after.setdefault(anchor, []).append(j)

    def lone_b(j: int) -> Row:
        if not len(a):
            return Row(None, j, 0.0, "only_b")
        partner = int(np.argmax(sim[:, j]))
        score = float(sim[partner, j])
        similar = lone(score, pair_score_a(partner))
        return Row(None, j, score, "similar" if similar else "only_b")

    rows = [lone_b(j) for j in after.get(-1, [])]
    for i in range(len(a)):
        if i in pairs:
            j = pairs[i]
            same = _normal(a[i].text) == _normal(b[j].text)
            rows.append(Row(i, j, float(sim[i, j]), "same" if same else "changed"))
        elif len(b):
            partner = int(np.argmax(sim[i]))
            score = float(sim[i, partner])
            similar = lone(score, pair_score_b(partner))
            rows.append(Row(i, None, score, "similar" if similar else "only_a"))
        else:
            rows.append(Row(i, None, 0.0, "only_a"))
        rows.extend(lone_b(j) for j in after.get(i, []))
    return tuple(rows)


# -- quotes -----------------------------------------------------------------------------------


_OPENING = re.compile(r"[“«\"‘]")
_ODD_CLOSE = re.compile(r"(?<=[,.!?])[’'](?=\s|$)")
_SINGLE_CLOSE = re.compile(r"’(?![A-Za-z])")


def _quote_spans(para: str) -> list[tuple[int, int, int, int]]:
    """(open mark, text start, text end, close mark end) of each quote in a paragraph."""
    spans = []
    found = _OPENING.search(para)
    while found is not None:
        i = found.start()
        ch = para[i]
        end = -1
        after_word = i > 0 and para[i - 1].isalnum()
        if ch in "“«":
            end = para.find("”" if ch == "“" else "»", i + 1)
            if end < 0:
                # a curly opening closed by a single mark (“…,’ he added) or left open
                odd = _ODD_CLOSE.search(para, i + 1)
                end = odd.start() if odd else len(para)
        elif ch == '"' and not after_word and para[i + 1 : i + 2].strip():
            end = para.find('"', i + 1)
            if end < 0:
                end = len(para)
        elif ch == "‘" and not after_word and para[i + 1 : i + 2].isalnum():
            close = _SINGLE_CLOSE.search(para, i + 1)
            end = close.start() if close else -1
        if end >= 0:
            spans.append((i, i + 1, end, min(len(para), end + 1)))
            found = _OPENING.search(para, end + 1)
        else:
            found = _OPENING.search(para, i + 1)
    return spans


@dataclass(frozen=True)
class _Speaker:
    name: str
    label: str
    how: str = "named"


def _clean_quote(text: str) -> str:
    return text.strip().rstrip(",;:").strip()


def extract_quotes(
    body: str, sentences: Sequence[Sentence], mentions: Sequence[Mention] = ()
) -> tuple[Quote, ...]:
    """Every quotation of QUOTE_MIN_WORDS words or more in a body, with its speaker.

    `mentions` are the document's mentions with canonical values (Mention.value).
    """
    people = sorted(
        (m for m in mentions if m.field == "body" and m.label == "person" and m.value),
        key=lambda m: m.start,
    )
    orgs = [m for m in mentions if m.field == "body" and m.label == "org" and m.value]
    raw: list[tuple[int, int, int, int, int]] = []  # open, start, end, close, paragraph
    for number, line in enumerate(m for m in re.finditer(r"[^\n]+", body) if m.group(0).strip()):
        base = line.start()
        for open_, start, end, close in _quote_spans(line.group(0)):
            raw.append((base + open_, base + start, base + end, base + close, number))
    masked = [(o, c) for o, _, _, c, _ in raw]

    def outside(m: Mention) -> bool:
        return not any(o <= m.start < c for o, c in masked)

    def sentence_at(offset: int) -> Sentence | None:
        for sentence in sentences:
            if sentence.start <= offset < max(sentence.end, sentence.start + 1):
                return sentence
        return None

    quotes: list[Quote] = []
    speakers_by_sentence: dict[int, _Speaker] = {}
    previous: tuple[int, _Speaker | None] | None = None  # paragraph, speaker of the last quote
    for open_, start, end, close, paragraph in raw:
        text = _clean_quote(body[start:end])
        first = sentence_at(open_)
        last = sentence_at(max(open_, close - 1)) or first
        if first is None:
            continue
        region_start, region_end = first.start, (last or first).end
        # the text around the quote, with every quote in it blanked out
        region = list(body[region_start:region_end])
        for o, c in masked:
            for k in range(max(o, region_start), min(c, region_end)):
                region[k - region_start] = " "
        around = "".join(region)
        speaker = _find_speaker(
            around,
            region_start,
            (open_, close),
            [m for m in people if region_start <= m.start < region_end and outside(m)],
            [m for m in orgs if region_start <= m.start < region_end and outside(m)],
        )
        if speaker is None and _PRONOUN.search(around) and _SPEECH.search(around):
            speaker = _resolve_pronoun(first, sentences, people, outside, speakers_by_sentence)
        if speaker is None and not _SPEECH.search(around) and previous is not None:
            last_paragraph, last_speaker = previous
            opens_paragraph = not body[body.rfind("\n", 0, open_) + 1 : open_].strip()
            if last_paragraph == paragraph or (opens_paragraph and last_paragraph == paragraph - 1):
                # a quote running on from the last one, in its paragraph or the next
                how = "continued" if last_paragraph == paragraph else "next_paragraph"
                if last_speaker is not None and last_speaker.how not in ("named", "continued"):
                    how = last_speaker.how  # no surer than the quote it continues
                speaker = replace(last_speaker, how=how) if last_speaker else None
        if speaker is not None and speaker.label == "" and orgs:
            speaker = _org_for_phrase(speaker, orgs, open_)
        previous = (paragraph, speaker)
        if speaker is not None:
            for sentence in sentences:
                if first.index <= sentence.index <= (last or first).index:
                    speakers_by_sentence.setdefault(sentence.index, speaker)
        if len(_WORD.findall(text)) < QUOTE_MIN_WORDS:
            continue
        reach = sentences[max(0, first.index - PRONOUN_REACH)].start
        context = tuple(
            dict.fromkeys(m.value for m in people if reach <= m.start < region_end and outside(m))
        )
        quotes.append(
            Quote(
                text=text,
                start=start,
                end=end,
                sentence=first.index,
                speaker=speaker.name if speaker else "",
                speaker_label=speaker.label if speaker else "",
                attribution=speaker.how if speaker else "",
                context=context,
            )
        )
    return tuple(quotes)


def _find_speaker(
    around: str,
    offset: int,
    quote: tuple[int, int],
    people: Sequence[Mention],
    orgs: Sequence[Mention],
) -> _Speaker | None:
    """The speaker named in the text around a quote (quotes blanked out)."""
    verbs = [(offset + m.start(), offset + m.end()) for m in _SPEECH.finditer(around)]

    def gap(m: Mention, span: tuple[int, int]) -> int:
        if m.end <= span[0]:
            return span[0] - m.end
        if span[1] <= m.start:
            return m.start - span[1]
        return 0

    def near_verb(candidates: Sequence[Mention]) -> Mention | None:
        scored = [(min(gap(m, v) for v in verbs), gap(m, quote), m) for m in candidates]
        scored = [s for s in scored if s[0] <= SPEAKER_REACH]
        return min(scored, key=lambda s: (s[0], s[1]))[2] if scored else None

    if people:
        if verbs:
            found = near_verb(people)
            if found is not None:
                return _Speaker(found.value, "person")
        return _Speaker(min(people, key=lambda m: gap(m, quote)).value, "person")
    if not verbs:
        return None
    if _PRONOUN.search(around):
        return None  # "he said": resolved by the caller
    found = near_verb(orgs)
    phrase = _phrase_before_verb(around)
    if found is not None and (not phrase or found.text.casefold() in phrase.casefold()):
        if not phrase or len(phrase) <= len(found.text) + 2:
            return _Speaker(found.value, "org")
    if phrase:
        return _Speaker(phrase, "", "phrase")
    return _Speaker(found.value, "org") if found is not None else None


def _phrase_before_verb(around: str) -> str:
    """The words right before the first speech verb outside the quote ("the ministry")."""
    for verb in _SPEECH.finditer(around):
        head = around[: verb.start()].rstrip()
        words = re.findall(r"[\w’'.-]+", head.split(",")[-1])[-4:]
        if not words:
            continue
        phrase = _LEADING_DETERMINER.sub("", " ".join(words)).strip()
        while True:
            stripped = _LEADING_DETERMINER.sub("", phrase)
            if stripped == phrase:
                break
            phrase = stripped
        if phrase and phrase.lower() not in ("he", "she", "it", "they", "who", "which"):
            return phrase
    return ""


def _org_for_phrase(speaker: _Speaker, orgs: Sequence[Mention], before: int) -> _Speaker:
    """ "the Ministry declared": the organisation named earlier that the phrase ends."""
    phrase = speaker.name.casefold()
    earlier = [m for m in orgs if m.start < before and m.value.casefold().endswith(phrase)]
    if earlier and len(phrase) > 3:
        found = max(earlier, key=lambda m: m.start)
        return _Speaker(found.value, "org", "phrase")
    return speaker


def _resolve_pronoun(
    first: Sentence,
    sentences: Sequence[Sentence],
    people: Sequence[Mention],
    outside: Any,
    speakers: Mapping[int, _Speaker],
) -> _Speaker | None:
    """ "he added": the speaker of a quote in the nearest earlier sentence, or that
    sentence's first person named outside quotes."""
    for index in range(first.index - 1, max(-1, first.index - 1 - PRONOUN_REACH), -1):
        sentence = sentences[index]
        # "he" pointing back within its paragraph is surer than across paragraphs
        how = "pronoun" if sentence.paragraph == first.paragraph else "pronoun_far"
        if index in speakers and speakers[index].label == "person":
            return replace(speakers[index], how=how)
        named = [m for m in people if sentence.start <= m.start < sentence.end and outside(m)]
        if named:
            return _Speaker(named[0].value, "person", how)
    return None


# -- quotes across versions -------------------------------------------------------------------


def _pairs(text: str) -> set[tuple[str, str]]:
    words = [m.group(0).lower().replace("’", "'") for m in _WORD.finditer(text)]
    if len(words) == 1:
        return {(words[0], "")}
    return set(zip(words, words[1:], strict=False))


def contained(inner: str, outer: str) -> float:
    """The share of `inner`'s word pairs found in `outer`: 1.0 when quoted verbatim."""
    pairs = _pairs(inner)
    return len(pairs & _pairs(outer)) / len(pairs) if pairs else 0.0


def _content(text: str) -> set[str]:
    return {
        cached_stem(w)
        for w in (m.group(0).lower().replace("’", "'") for m in _WORD.finditer(text))
        if len(w) > 2 and w not in _STOP
    }


def reworded(a: str, b: str) -> float:
    """Shared content words as a share of the shorter quote's, 0 below QUOTE_REWORDED_WORDS."""
    ca, cb = _content(a), _content(b)
    shared = len(ca & cb)
    if shared < QUOTE_REWORDED_WORDS or not ca or not cb:
        return 0.0
    return shared / min(len(ca), len(cb))


def same_name(x: str, y: str) -> bool:
    """Two spellings of one person's name: equal, or one surname with one first name the
    start of the other (Pat / Patricia Carney, J. Smith / John Smith)."""
    if x.casefold() == y.casefold():
        return True
    xs, ys = x.casefold().replace(".", " ").split(), y.casefold().replace(".", " ").split()
    if len(xs) < 2 or len(ys) < 2 or xs[-1] != ys[-1]:
        return False
    return xs[0].startswith(ys[0]) or ys[0].startswith(xs[0])


def _given_to_another(quote: Quote, other: Quote) -> bool:
    """Whether b's `quote` gives a's `other` (the same words) to another person. A speaker
    named beside the quote (or in its paragraph) counts; one found through "he said" only
    when "he" points back within the paragraph and a's speaker is not named anywhere "he"
    could point: after an insertion or a reordering of paragraphs a pronoun may resolve
    elsewhere without anyone changing the attribution."""
    if quote.speaker_label != "person" or other.speaker_label != "person":
        return False
    if same_name(quote.speaker, other.speaker):
        return False
    if quote.attribution in ("named", "continued"):
        return True
    return quote.attribution == "pronoun" and not any(
        same_name(other.speaker, name) for name in quote.context
    )


def _same_person(a: Quote, b: Quote) -> bool:
    return a.speaker_label == b.speaker_label == "person" and same_name(a.speaker, b.speaker)


def compare_quotes(a: Sequence[Quote], b: Sequence[Quote]) -> tuple[QuoteChange, ...]:
    """b's quotes that a lacks, words differently or gives to another person, and a's that
    b lacks, in b's then a's order."""
    changes: list[QuoteChange] = []
    matched_a: set[int] = set()
    for quote in b:
        same = [(contained(quote.text, other.text), k, other) for k, other in enumerate(a)]
        same = [s for s in same if s[0] >= QUOTE_SAME]
        if same:
            matched_a.update(k for _, k, _ in same)
            by_person = [s for s in same if _same_person(s[2], quote)]
            if by_person or quote.speaker_label != "person":
                continue
            score, _, other = max(same, key=lambda s: s[0])
            if _given_to_another(quote, other):
                changes.append(QuoteChange("speaker_changed", quote, other, score, True))
            continue
        loose = [(reworded(quote.text, other.text), k, other) for k, other in enumerate(a)]
        loose = [s for s in loose if s[0] >= QUOTE_REWORDED]
        if loose:
            score, k, other = max(loose, key=lambda s: s[0])
            matched_a.add(k)
            edited = contained(quote.text, other.text) >= QUOTE_SUPPORTED and _same_person(
                other, quote
            )
            unsupported = quote.speaker_label == "person" and not edited
            changes.append(QuoteChange("reworded", quote, other, score, unsupported))
            continue
        changes.append(QuoteChange("added", quote, None, 0.0, quote.speaker_label == "person"))
    for k, quote in enumerate(a):
        if k in matched_a:
            continue
        if any(
            contained(quote.text, other.text) >= QUOTE_SAME
            or reworded(quote.text, other.text) >= QUOTE_REWORDED
            for other in b
        ):
            continue
        changes.append(QuoteChange("dropped", quote))
    return tuple(changes)


# -- names ----------------------------------------------------------------------------------


def _group_key(name: str) -> str:
    return _GROUP_OF.get(name.casefold(), name).casefold()


def _names(doc: Document, label: str) -> dict[str, list[Mention]]:
    """Names of one kind in a document; none from an all-capitals headline or a person in
    capitals (NER reads "MILL CLOSURE" as a name there)."""
    found: dict[str, list[Mention]] = {}
    shouted = doc.title.isupper()
    for mention in doc.mentions:
        if mention.label != label or not mention.value:
            continue
        if mention.field == "title" and shouted:
            continue
        if label == "person" and mention.text.isupper() and len(mention.text) > 4:
            continue
        found.setdefault(mention.value, []).append(mention)
    return found


def _said_in(
    name: str, forms: Sequence[Mention], label: str, other: Document, other_names: set[str]
) -> bool:
    """Whether the other version's text names it after all (its NER missed the name there)."""
    text = f"{other.title}\n{other.body}"
    candidates = {name, *(m.text for m in forms)}
    for candidate in candidates:
        if re.search(rf"(?<!\w){re.escape(candidate)}(?!\w)", text):
            return True
    if label == "person":
        surname = name.split()[-1]
        if len(surname) > 2:
            taken = [
                m
                for m in other.mentions
                if m.label == "person" and m.value != name and surname in m.value.split()
            ]
            for found in re.finditer(rf"(?<!\w){re.escape(surname)}(?!\w)", other.body):
                if not any(m.start <= found.start() < m.end for m in taken if m.field == "body"):
                    return True
    if label == "org":
        # "Ukraine's Foreign Ministry" / "Ukrainian Foreign Ministry" vs "foreign ministry"
        words = name.split()
        if len(words) >= 3 and (
            words[0].endswith(("'s", "’s")) or re.search(r"(?:ian|ean|ese|ish)$", words[0])
        ):
            tail = " ".join(words[1:])
            if re.search(rf"(?<!\w){re.escape(tail)}(?!\w)", text, re.IGNORECASE):
                return True
    return any(_group_key(name) == _group_key(o) for o in other_names)


def compare_entities(
    a: Document, b: Document, labels: Sequence[str] = LABELS
) -> tuple[EntityChange, ...]:
    """People, organisations and places named in one version and nowhere in the other."""
    changes = []
    for label in labels:
        in_a, in_b = _names(a, label), _names(b, label)
        keys_a = {_group_key(n) for n in in_a}
        keys_b = {_group_key(n) for n in in_b}
        only_a = tuple(
            n
            for n, forms in in_a.items()
            if _group_key(n) not in keys_b
            and not (label == "person" and any(same_name(n, other) for other in in_b))
            and not _said_in(n, forms, label, b, set(in_b))
        )
        only_b = tuple(
            n
            for n, forms in in_b.items()
            if _group_key(n) not in keys_a
            and not (label == "person" and any(same_name(n, other) for other in in_a))
            and not _said_in(n, forms, label, a, set(in_a))
        )
        changes.append(EntityChange(label, only_a, only_b))
    return tuple(changes)


# -- numbers across versions ------------------------------------------------------------------


def compare_numbers(
    a: Sequence[Sentence],
    b: Sequence[Sentence],
    rows: Sequence[Row],
    sim: np.ndarray,
    threshold: float = ALIGN_THRESHOLD,
) -> tuple[NumberChange, ...]:
    """Numbers and dates that differ between aligned sentences: one replaced by another, or
    one added or dropped in a pair at least NUMBER_PAIR alike (in a looser pair a missing
    number is just the rewrite saying less). A number missing from one side of a pair but
    present in an unpaired sentence like it (a sentence split in two) is not a difference."""
    changes = []
    lone_a = [r.a for r in rows if r.b is None and r.a is not None]
    lone_b = [r.b for r in rows if r.a is None and r.b is not None]
    for row in rows:
        if row.a is None or row.b is None or row.status == "same":
            continue
        na, nb = Counter(numbers_in(a[row.a].text)), Counter(numbers_in(b[row.b].text))
        only_a, only_b = na - nb, nb - na
        if not only_a and not only_b:
            continue
        # sentences of the other version like this one (merged or split): numbers there count
        near_b = [j for j in lone_b if sim[row.a, j] >= threshold]
        near_a = [i for i in lone_a if sim[i, row.b] >= threshold]
        elsewhere_b = Counter(n for j in near_b for n in numbers_in(b[j].text))
        elsewhere_a = Counter(n for i in near_a for n in numbers_in(a[i].text))
        only_a -= elsewhere_b
        only_b -= elsewhere_a
        if (only_a and only_b) or ((only_a or only_b) and row.score >= NUMBER_PAIR):
            changes.append(
                NumberChange(
                    row.a, row.b, tuple(sorted(only_a.elements())), tuple(sorted(only_b.elements()))
                )
            )
    return tuple(changes)


# -- the comparison ---------------------------------------------------------------------------

MAX_ID_CHARS = 200


def parse_compare(params: Mapping[str, Any]) -> tuple[str, str]:
    """The two document ids of a comparison request (`a`, `b`), each given once.

    Raises:
        QueryError: an id missing, given twice, too long or holding a NUL.
    """
    ids = []
    for name in ("a", "b"):
        getlist = getattr(params, "getlist", None)
        raw = getlist(name) if callable(getlist) else params.get(name)
        values = [] if raw is None else [raw] if isinstance(raw, str) else list(raw)
        if len(values) > 1:
            raise QueryError(f"{name} given {len(values)} times; give it once", name, None)
        value = str(values[0]) if values else ""
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


def change_flags(a: Document, b: Document) -> tuple[str, ...]:
    """compare_documents(a, b).flags() without aligning sentences: what the indexer keeps
    for every later version of every story."""
    va, vb = version_of(a), version_of(b)
    (people,) = compare_entities(a, b, ("person",))
    return _flags(people.only_b, compare_quotes(va.quotes, vb.quotes))

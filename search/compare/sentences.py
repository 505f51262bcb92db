"""Sentences of a version: splitting, the numbers and dates they hold, alignment, and the
numbers that differ between aligned sentences.

See search.compare for the stages; this module is split_sentences and align, and the numbers.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, TypedDict

import numpy as np

from search.analysis import cached_stem
from search.documents import ENTITY_LABELS, Mention
from search.json_schema import Whole
from search.words import MONTHS, WEEKDAYS

# sentences whose cosine reaches this are versions of one another (bench/compare_quality.py)
ALIGN_THRESHOLD = 0.2
# an aligned pair this alike reports a number only one side has (else only replacements)
NUMBER_PAIR = 0.5
# a pair shares at least this many content words, numbers or names: one word in common
# (a place, "aggression") is a shared topic, not a shared statement
MIN_SHARED_TERMS = 2
# a sentence left without a pair is "similar" (merged or split) when its cosine with its
# closest sentence reaches the threshold and this share of that sentence's own pair's
SIMILAR_SHARE = 0.6


# the kinds of name compared (a sentence's names count toward its alignment too)
LABELS = ENTITY_LABELS

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


# -- values -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a body, with its offsets and paragraph (line) number."""

    index: int
    text: str
    start: int
    end: int
    paragraph: int


RowStatus = Literal["same", "changed", "similar", "only_a", "only_b"]


class RowJSON(TypedDict):
    """One line of the sentence alignment: indexes into a's and b's `sentences`."""

    a: Whole | None
    b: Whole | None
    score: float
    status: RowStatus


class NumberChangeJSON(TypedDict):
    a_sentence: Whole
    b_sentence: Whole
    only_a: list[str]
    only_b: list[str]


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
    status: RowStatus

    def to_dict(self) -> RowJSON:
        return {"a": self.a, "b": self.b, "score": round(self.score, 3), "status": self.status}


@dataclass(frozen=True, slots=True)
class NumberChange:
    """Numbers or dates that differ between two aligned sentences."""

    a_sentence: int
    b_sentence: int
    only_a: tuple[str, ...]
    only_b: tuple[str, ...]

    def to_dict(self) -> NumberChangeJSON:
        return {
            "a_sentence": self.a_sentence,
            "b_sentence": self.b_sentence,
            "only_a": list(self.only_a),
            "only_b": list(self.only_b),
        }


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


_POSSESSIVE = re.compile(r"'s?$")


def _terms(text: str) -> list[str]:
    # "Ukraine's" and "Ukraine" are one word: a possessive must not hide a shared name
    words = (
        _POSSESSIVE.sub("", m.group(0).lower().replace("’", "'")) for m in _WORD.finditer(text)
    )
    terms = [cached_stem(w) for w in words if len(w) > 1 and w not in _STOP and not w.isdigit()]
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


_CLOSED = re.compile(r"[.!?…:;,\"'”’»)\]]$")
_LONG_WORD = re.compile(r"[^\W\d_][\w'’-]{3,}")


def _headings(sentences: Sequence[Sentence]) -> list[bool]:
    """Whether each sentence is a heading: a paragraph of its own, of two words or more, with
    no closing stop and every word of four letters or more capitalised."""
    per_paragraph = Counter(s.paragraph for s in sentences)
    flags = []
    for s in sentences:
        words = _LONG_WORD.findall(s.text)
        flags.append(
            per_paragraph[s.paragraph] == 1
            and len(s.text.split()) >= 2
            and not _CLOSED.search(s.text)
            and bool(words)
            and all(w[0].isupper() for w in words)
        )
    return flags


def _evidence(a: Sequence[Sentence], b: Sequence[Sentence], sim: np.ndarray) -> np.ndarray:
    """sim with the pairs that lack evidence of saying the same thing set to 0.

    Three rules, none a tuned figure. A pair shares MIN_SHARED_TERMS content words, numbers
    or names (a single one in common is a shared topic). A sentence its own version prints
    more than once (a photo caption under two pictures, a byline, a credit) is page furniture,
    not a statement of the story: it pairs only with the same words. And a heading names a
    topic ("Russia's Aggression and Ukraine's Response"); a sentence using its words says
    something about that topic, so a heading pairs only with a heading. A caption's setting ("in
    Brussels, where the foreign ministers are meeting") shares as many rare words with a report
    sentence set there as a true paraphrase does, so no threshold on shared words can tell
    them apart (the seed pair: caption and "diplomats have reported ..." share five stems,
    Dice 0.29; Zelenskiy's call for an invitation and its rewrite share five, Dice 0.22).
    """
    if not sim.size:
        return sim
    normal_a = [_normal(s.text) for s in a]
    normal_b = [_normal(s.text) for s in b]
    repeated = {t for t, n in Counter(normal_a).items() if n > 1} | {
        t for t, n in Counter(normal_b).items() if n > 1
    }
    heading_a, heading_b = _headings(a), _headings(b)
    terms_a = [set(_terms(s.text)) for s in a]
    terms_b = [set(_terms(s.text)) for s in b]
    kept = sim.copy()
    for i, j in zip(*np.nonzero(sim > 0), strict=True):
        if normal_a[i] == normal_b[j]:
            continue
        if (
            normal_a[i] in repeated
            or normal_b[j] in repeated
            or heading_a[i] != heading_b[j]
            or len(terms_a[i] & terms_b[j]) < MIN_SHARED_TERMS
        ):
            kept[i, j] = 0.0
    return kept


def align(
    a: Sequence[Sentence],
    b: Sequence[Sentence],
    sim: np.ndarray,
    threshold: float = ALIGN_THRESHOLD,
) -> tuple[Row, ...]:
    """Rows for the side-by-side view in a's order, b's unpaired sentences after the row of the
    nearest earlier paired b sentence. Pairs are one to one, best cosine first, among the
    pairs with evidence of saying the same thing (`_evidence`)."""
    sim = _evidence(a, b, sim)
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

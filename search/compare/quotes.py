"""Quotes of a version and their speakers, and how the quotes of two versions differ.

See search.compare for the rules; the sentences come from search.compare.sentences.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Annotated, Any, Literal, TypedDict

from search.analysis import cached_stem
from search.compare.sentences import _STOP, _WORD, Sentence
from search.documents import Mention
from search.json_schema import Schema, Whole
from search.words import SPEECH_VERBS

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

_SPEECH = re.compile(rf"\b(?:{'|'.join(SPEECH_VERBS)})\b", re.IGNORECASE)
_PRONOUN = re.compile(r"\b(he|she)\b", re.IGNORECASE)
_LEADING_DETERMINER = re.compile(r"^(?:the|a|an|its|their|and|but|as)\s+", re.IGNORECASE)


# -- values -------------------------------------------------------------------------------


# how a quote's speaker was found (Quote.attribution)
ATTRIBUTIONS = ("named", "phrase", "pronoun", "pronoun_far", "continued", "next_paragraph")
QuoteKind = Literal["added", "dropped", "reworded", "speaker_changed"]


class QuoteJSON(TypedDict):
    text: str
    speaker: Annotated[
        str | None, Schema(description="a shown name, or the words before the speech verb")
    ]
    speaker_label: Annotated[str | None, Schema(enum=("person", "org"))]
    attribution: Annotated[
        str | None,
        Schema(
            enum=ATTRIBUTIONS,
            description="how the speaker was found: named beside the quote, the phrase "
            "before the speech verb, he/she (in the paragraph or further back), or carried "
            "over from the quote before",
        ),
    ]
    sentence: Annotated[Whole, Schema(description="the sentence the quote opens in")]
    start: Whole
    end: Whole


class QuoteChangeJSON(QuoteJSON):
    kind: QuoteKind
    side: Literal["a", "b"]
    counterpart: QuoteJSON | None
    similarity: Annotated[float, Schema(minimum=0)]
    unsupported: Annotated[
        bool, Schema(description="b gives these words to a person a never quotes saying them")
    ]


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

    def to_dict(self) -> QuoteJSON:
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

    kind: QuoteKind
    quote: Quote  # b's quote, except for "dropped" (a's)
    counterpart: Quote | None = None  # a's quote for "reworded" and "speaker_changed"
    similarity: float = 0.0
    unsupported: bool = False

    @property
    def side(self) -> Literal["a", "b"]:
        return "a" if self.kind == "dropped" else "b"

    def to_dict(self) -> QuoteChangeJSON:
        return {
            "kind": self.kind,
            "side": self.side,
            **self.quote.to_dict(),
            "counterpart": self.counterpart.to_dict() if self.counterpart else None,
            "similarity": round(self.similarity, 3),
            "unsupported": self.unsupported,
        }


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

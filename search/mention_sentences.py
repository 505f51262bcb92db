"""The sentences of a document that name one person, organisation or place.

An entity page quotes these rather than the article's opening, so a reader sees what was said
about the name. A mention counts in any spelling the name table merged into the name ("Mr
Zelenskiy" for Volodymyr Zelensky): the service hands over documents whose mentions already
carry the shown name. When a document stores no offsets for the name (filed under it by an
older ingest, or only in the title), the spellings are looked for in the text instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, TypedDict

from search.compare.sentences import Sentence, split_sentences
from search.documents import Document
from search.json_schema import Schema, Whole

MAX_SENTENCE_CHARS = 400  # a "sentence" longer than this (a table, a list) is cut around the name


class MentionMarkJSON(TypedDict):
    start: Whole
    end: Annotated[int, Schema(minimum=1)]
    text: str


class MentionSentenceJSON(TypedDict):
    text: Annotated[str, Schema(description="plain text: escape it to show it")]
    marks: Annotated[
        list[MentionMarkJSON],
        Schema(description="each mention of the entity in `text` (any spelling)"),
    ]


@dataclass(frozen=True, slots=True)
class MentionSentence:
    """One sentence naming the entity; `marks` are (start, end) of each mention in `text`."""

    text: str
    marks: tuple[tuple[int, int], ...]

    @property
    def written(self) -> tuple[str, ...]:
        """The spellings used in this sentence, each once."""
        return tuple(dict.fromkeys(self.text[s:e] for s, e in self.marks))

    def to_dict(self) -> MentionSentenceJSON:
        return {
            "text": self.text,
            "marks": [{"start": s, "end": e, "text": self.text[s:e]} for s, e in self.marks],
        }


def _spans_from_mentions(doc: Document, label: str, name: str) -> list[tuple[int, int]]:
    body = doc.body
    return sorted(
        {
            (m.start, m.end)
            for m in doc.mentions
            if m.field == "body"
            and m.label == label
            and m.value == name
            and 0 <= m.start < m.end <= len(body)
            and (not m.text or body[m.start : m.end] == m.text)
        }
    )


def _spans_from_text(body: str, spellings: Iterable[str]) -> list[tuple[int, int]]:
    words = sorted({s for s in spellings if s.strip()}, key=len, reverse=True)
    if not words:
        return []
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, words)) + r")(?!\w)", re.I)
    return [match.span() for match in pattern.finditer(body)]


def _cut(sentence: Sentence, spans: list[tuple[int, int]]) -> MentionSentence:
    """The sentence with its marks relative to it, shortened around the first mention when it
    is too long to quote."""
    start, end = sentence.start, sentence.end
    text = sentence.text
    marks = [(s - start, e - start) for s, e in spans if start <= s and e <= end]
    if len(text) > MAX_SENTENCE_CHARS and marks:
        first = marks[0][0]
        lo = max(0, first - MAX_SENTENCE_CHARS // 2)
        hi = min(len(text), lo + MAX_SENTENCE_CHARS)
        head, tail = ("…" if lo else ""), ("…" if hi < len(text) else "")
        shift = lo - len(head)
        text = head + text[lo:hi] + tail
        marks = [(s - shift, e - shift) for s, e in marks if lo <= s and e <= hi]
    return MentionSentence(text, tuple(marks))


def sentences_mentioning(
    doc: Document, label: str, name: str, spellings: Iterable[str] = (), *, limit: int = 2
) -> tuple[MentionSentence, ...]:
    """Up to `limit` sentences of `doc`'s body that mention `name` (a shown name under
    `label`), in text order, each mention marked; `spellings` are the name's other spellings,
    used when the document holds no usable mention offsets."""
    spans = _spans_from_mentions(doc, label, name)
    if not spans:
        spans = _spans_from_text(doc.body, [name, *spellings])
    if not spans:
        return ()
    found: list[MentionSentence] = []
    for sentence in split_sentences(doc.body):
        if not any(sentence.start <= s and e <= sentence.end for s, e in spans):
            continue
        if doc.body[sentence.start : sentence.end] != sentence.text:
            continue  # offsets that do not match the text are not trusted
        found.append(_cut(sentence, spans))
        if len(found) >= limit:
            break
    return tuple(found)

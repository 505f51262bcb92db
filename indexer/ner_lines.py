"""A document as lines for NER, and the mentions its lines' spans give back: the spans
put back into the document's text, names the story calls products or works dropped, untagged
surnames of its people added, one type per name.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace

from indexer.ner_model import NOT_A_NAME_LABEL, Spans
from search.documents import ENTITY_LABELS, Mention

_POSSESSIVE = re.compile(r"\s*['’]s?$")


NAME_LABELS = ENTITY_LABELS


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

"""Names only a story's headlines give: the title, and title-case subheadings in its body.

A story names in its text the people, organisations and places its headlines name. A name the
headlines alone give is most often a title-case headline word the model read as a name, or the
site's masthead left in the title. This rule runs in indexer.entity_types.retype, per document.
"""

from __future__ import annotations

import re

from indexer.casing import is_title_case
from indexer.gazetteer import is_place_name
from search.documents import ENTITY_LABELS, Document, Mention

__all__ = ["TITLE_ONLY_BODY_WORDS", "line_at", "not_headline_only"]

NAME_LABELS = ENTITY_LABELS


def line_at(source: str, start: int) -> str:
    """The line of `source` that holds the character at `start`."""
    line_start = source.rfind("\n", 0, start) + 1
    line_end = source.find("\n", start)
    return source[line_start : len(source) if line_end < 0 else line_end]


# a body this long tells the story: a name it never gives is not one of the story's
TITLE_ONLY_BODY_WORDS = 50


def not_headline_only(document: Document, mentions: list[Mention]) -> list[Mention]:
    """Names only the title or the body's title-case headings give, never a body of some
    length's prose: a story names in its text the people, organisations and places its
    headlines name, so a name found in headlines alone is a title-case headline word the model
    took for a name ("Release Clause To", "Syrian Forces Blocking Refugee", the "Focus" of a
    subheading "NATO's Focus on Military Support") or the page's masthead left in the title. A
    country or capital the gazetteer knows stays, and so does a name the body writes as an
    adjective ("North African")."""
    if len(document.body.split()) < TITLE_ONLY_BODY_WORDS:
        return mentions
    in_body = {
        (m.label, m.value)
        for m in mentions
        if m.field == "body" and not _heading_at(document.body, m.start)
    }
    return [
        m
        for m in mentions
        if m.label not in NAME_LABELS
        or (m.label, m.value) in in_body
        or is_place_name(m.value)
        or _named_as_adjective(document.body, m.value)
    ]


# a headline is shorter; a longer title-case line is a list ("Gunter Grass (Germany) Ismail
# Kadare (Albania) ...")
HEADING_MAX_WORDS = 20


def _heading(line: str) -> bool:
    """A line set in title case as a heading is: not a list of names ("Bob Marley, Bruno Mars,
    Drake", "T Abeyie (Woodford Green), C Lambert (Belgrave Harriers).") nor a wrapped line of
    prose that runs on after a comma, nor longer than a headline."""
    line = line.strip()
    return (
        is_title_case(line)
        and line.count(",") < 2
        and not line.endswith((",", ";", "."))
        and len(line.split()) <= HEADING_MAX_WORDS
    )


_SENTENCE_END = tuple('.!?:"”’)')


def _heading_at(body: str, start: int) -> bool:
    """Whether the character at `start` is on a heading line that stands apart: the line
    before it ends a paragraph or a sentence and the line after it does not go on in small
    letters; a hard-wrapped line of prose ("The European Investment Bank is" / "planning a
    bond") is no heading."""
    line_start = body.rfind("\n", 0, start) + 1
    line_end = body.find("\n", start)
    line_end = len(body) if line_end < 0 else line_end
    if not _heading(body[line_start:line_end]):
        return False
    before = body[: max(0, line_start - 1)].rstrip(" \t")
    previous = before[before.rfind("\n") + 1 :].strip()
    following = body[line_end + 1 :].lstrip(" \t")[:1]
    return (not previous or previous.endswith(_SENTENCE_END)) and not following.islower()


def _named_as_adjective(body: str, value: str) -> bool:
    """Whether the body names `value` in a word built on it: a headline's "North Africa" is the
    story's "North African nation", its "Syria" the "Syrian army"."""
    return re.search(rf"(?<!\w){re.escape(value)}(?:n|an|ian|ese|i)\b", body) is not None

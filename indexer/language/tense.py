"""Whether a bare weekday in a sentence points forward or back from the day of publication.

News is mostly past tense, so "on Monday" means the Monday just gone (indexer.language.dates). A
sentence about what is to come means the next one: "closed until Monday", "the vote will take
place on Friday", "talks are due to resume on Tuesday". The verb nearest the weekday decides,
so "he said on Monday that talks will resume" stays in the past; "until", "till", "by",
"before", "from" or "next" just before the weekday always look forward.
"""

from __future__ import annotations

import re

# words right before a weekday that make it the next one ("from Monday" in news is a change
# that starts then: "the ban applies from Monday")
_FORWARD_LEAD = frozenset({"until", "till", "til", "by", "before", "from", "next", "coming"})
_FUTURE = frozenset(
    {
        "will",
        "'ll",
        "shall",
        "due",
        "expected",
        "scheduled",
        "planned",
        "plans",
        "going",
        "upcoming",
        "expects",
        "intends",
        "aims",
        "hopes",
        "ahead",
    }
)
_PAST = frozenset(
    {
        "said",
        "says",
        "was",
        "were",
        "had",
        "did",
        "told",
        "met",
        "went",
        "came",
        "began",
        "took",
        "made",
        "gave",
        "left",
        "held",
        "saw",
        "won",
        "lost",
        "ran",
        "fell",
        "rose",
        "spoke",
        "wrote",
        "ago",
    }
)
_WORD = re.compile(r"'ll|\w+(?:'\w+)?")
_SENTENCE_END = re.compile(r"[.!?]\s|\n")
# how far (in words) from the weekday a verb still counts
_REACH = 12


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _is_past(word: str) -> bool:
    return word in _PAST or (len(word) > 4 and word.endswith("ed") and word not in _FUTURE)


def looks_forward(text: str, start: int, end: int) -> bool:
    """Whether the date at text[start:end] (a weekday) is the next one rather than the last.

    The mention's sentence is read around it: a forward word just before it wins; otherwise
    the nearest future or past verb within a few words on either side, past on a tie or when
    there is none.
    """
    ends = [m.end() for m in _SENTENCE_END.finditer(text, 0, start)]
    sentence_start = ends[-1] if ends else 0
    after = _SENTENCE_END.search(text, end)
    sentence_end = after.start() + 1 if after else len(text)
    inside = _words(text[start:end])
    before = _words(text[sentence_start:start])
    following = _words(text[end:sentence_end])
    lead = (before[-2:] if before else []) + inside[:-1]
    if _FORWARD_LEAD & set(lead):
        return True
    best: tuple[int, bool] | None = None  # (distance, forward)
    for distance, word in enumerate(reversed(before[-_REACH:]), start=1):
        if word in _FUTURE or _is_past(word):
            best = (distance, word in _FUTURE)
            break
    for distance, word in enumerate(following[:_REACH], start=1):
        if word in _FUTURE or _is_past(word):
            if best is None or distance < best[0]:
                best = (distance, word in _FUTURE)
            break
    return bool(best and best[1])

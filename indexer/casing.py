"""Headlines in capitals or title case, read by the NER model in the case it was trained on.

The model leans on capital letters: in a headline or dateline set in capitals ("SHEARER NAMED
AS ENGLAND CAPTAIN", "BELGRADE 1996-08-30") every word looks alike, and it finds few of the
names and gives those wrong types. So the model reads such a line re-cased from its own
document: each word as the document's mixed-case lines spell it mid-sentence ("Shearer",
"named", "England", "captain"); a word they do not have is lower-cased when it is a closed-class
word, kept when it is a short acronym ("UN", "BBC") and capitalised otherwise. The line keeps
its length and every character's offset, so the spans found point straight into the original
text, whose own spelling is what gets shown.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

# closed-class words; "US" and "IT" are not here, so in capitals they stay acronyms
_FUNCTION_WORDS = frozenset(
    "a an the and or nor but of in on at to for by with from into onto over under after before "
    "as than via per vs v is are was were be been has have had will would shall should can could "
    "may might must do does did not no its his her their our your my he she we they".split()
)
_WORD_RE = re.compile(r"[^\W\d_]+")
MIN_CASED_LETTERS = 4
UPPER_SHARE = 0.9
# an all-capital word of two letters (UN, EU) or of three without a vowel (BBC, NHS) is kept
ACRONYM_MAX = 3

SHORT_LINE_WORDS = 4
TITLE_CASE_WORDS = 5

CaseMap = dict[str, str]


def is_all_caps(line: str) -> bool:
    """Whether a line is set in capitals: at least four cased letters, nine in ten upper case."""
    upper = lower = 0
    for ch in line:
        if ch.isupper():
            upper += 1
        elif ch.islower():
            lower += 1
    cased = upper + lower
    return cased >= MIN_CASED_LETTERS and upper >= UPPER_SHARE * cased


def is_title_case(line: str) -> bool:
    """Whether a line capitalises every word but closed-class ones, as many sites set their
    headlines ("Nato's Focus on Military Support for Ukraine"): five words or more."""
    words = _WORD_RE.findall(line)
    content = [w for w in words if len(w) > 1 and w.lower() not in _FUNCTION_WORDS]
    return (
        len(words) >= TITLE_CASE_WORDS
        and len(content) >= 3
        and all(w[0].isupper() for w in content)
        and not is_all_caps(line)
    )


# a wire dateline opening a mixed-case line: "LONDON (AP) —", "WASHINGTON, D.C. -",
# "NEW YORK, March 3 (Reuters) -"; the model reads "LONDON — Shares" as a person
_DATELINE_RE = re.compile(
    r"[A-Z][A-Z.'’-]+(?: [A-Z][A-Z.'’-]+){0,3}"
    r"(?=(?:,[^,\n]{1,40}?)?\s*(?:\([^()\n]{1,30}\))?\s*[-–—]\s)"
)


def dateline_end(line: str) -> int:
    """Where a capitals dateline opening a mixed-case line ends, or 0 when there is none."""
    match = _DATELINE_RE.match(line)
    if match is None or len(_WORD_RE.findall(match.group(0))[0]) < 3:
        return 0
    return match.end() if not is_all_caps(line) else 0


def needs_recasing(line: str) -> bool:
    """Whether the model should read `line` re-cased: set in capitals or in title case, or
    opening with a dateline in capitals."""
    return is_all_caps(line) or is_title_case(line) or dateline_end(line) > 0


def case_map(lines: Iterable[str]) -> CaseMap:
    """How the mixed-case lines spell each word: most often away from a sentence start, else as
    a sentence start does."""
    seen: dict[str, Counter[str]] = {}
    starts: dict[str, str] = {}
    for line in lines:
        if needs_recasing(line):
            continue
        for match in _WORD_RE.finditer(line):
            word = match.group(0)
            before = line[: match.start()].rstrip()
            if not before or before[-1] in ".!?:\"“‘'(-–—":
                # a sentence start capitalises any word: only a word seen nowhere else
                # ("England beat Moldova.") is taken as spelt so
                starts.setdefault(word.lower(), word)
                continue
            seen.setdefault(word.lower(), Counter())[word] += 1
    known = {key: word for key, word in starts.items() if key not in _FUNCTION_WORDS}
    known.update((key, forms.most_common(1)[0][0]) for key, forms in seen.items())
    return known


def _lowered(match: re.Match[str], known: CaseMap) -> str:
    word = match.group(0)
    if match.start() == 0:
        return word
    lower = word.lower()
    if lower in _FUNCTION_WORDS or known.get(lower) == lower:
        return lower if len(lower) == len(word) else word
    return word


def _is_acronym(word: str) -> bool:
    return len(word) <= 2 or (len(word) == ACRONYM_MAX and not set(word.lower()) & set("aeiouy"))


def recase(line: str, known: CaseMap | None = None) -> str:
    """`line` re-cased for the model when it is set in capitals or title case, else unchanged;
    always of the same length, character for character. In title case only the words the story
    writes in lower case are lowered ("Focus", "Military"); the rest may be names."""
    known = known or {}
    if is_title_case(line):
        return _WORD_RE.sub(lambda m: _lowered(m, known), line)
    if not is_all_caps(line):
        end = dateline_end(line)
        return recase(line[:end] + ".", known)[:end] + line[end:] if end else line
    # a dateline or label ("NEW YORK 1996-08-30"): words the document does not have are
    # names more often than not; in a longer headline they are more often ordinary words
    short = len(_WORD_RE.findall(line)) <= SHORT_LINE_WORDS

    def one(match: re.Match[str]) -> str:
        word = match.group(0)
        lower = word.lower()
        if lower in known:
            cased = known[lower]
        elif match.start() > 0 and line[match.start() - 1] in "'’" and len(word) == 1:
            cased = lower  # the possessive "'S"
        elif lower in _FUNCTION_WORDS and match.start() > 0:
            cased = lower
        elif word.isupper() and _is_acronym(word):
            cased = word
        elif match.start() == 0 or short:
            cased = word[0] + word[1:].lower()
        else:
            cased = lower
        return cased if len(cased) == len(word) else word

    cased = _WORD_RE.sub(one, line)
    return cased if len(cased) == len(line) else line

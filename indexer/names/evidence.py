"""Evidence in a text that a name is a person: a courtesy title or role right before it,
and the office words that make what follows a name an affiliation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from indexer.names.words import _HONORIFICS, _OFFICE_NOUNS, _REGNAL, _ROLES


def is_titled_in(text: str, name: str) -> bool:
    """Whether the text ever puts a courtesy title or role right before `name` ("Mr Rutte",
    "President Reagan"): the evidence that a lone surname is a person and not a place."""
    return _titled(text, name, _HONORIFICS | _ROLES | _REGNAL)


# titles that stand only before a person: the evidence that overrides a model's "org"/"place"
_PERSON_TITLES = _HONORIFICS | frozenset(
    """president mayor minister senator sen governor judge justice chancellor premier
    spokesman spokeswoman spokesperson chairman chairwoman ambassador secretary ceo prosecutor
    attorney detective inspector professor prof coach striker midfielder defender goalkeeper
    economist analyst""".split()
)
_COURTESY = frozenset("mr mrs ms miss mx dr prof sir dame".split())


def has_person_evidence(text: str, name: str) -> bool:
    """Whether the text treats `name` as a person: a person's title right before it ("Mayor
    Helena Marsh"), or a courtesy title before its surname ("Ms Marsh")."""
    words = name.split()
    if not words or not name[0].isupper():
        return False
    if _titled(text, name, _PERSON_TITLES):
        return True
    if len(words) < 2:
        return False
    if _titled(text, words[-1], _COURTESY):
        return True
    # "said Amara Okafor", and appositives: "Amara Okafor, leader of ...", "Tomás Reyes, the
    # company's chief executive"
    if _titled(text, name, _SPEECH_VERBS):
        return True
    return any(
        (match := _APPOSITIVE.match(text, end)) is not None and match.group(2).lower() in _ROLES
        for end in _ends_of(text, name)
    )


# a verb right before a name ("said Amara Okafor") that makes the name a person: kept to these
# four rather than search.words.SPEECH_VERBS (which attributes quotes): its wider list ("told",
# "according to" stand before outlets and firms too) would count more names as persons
_SPEECH_VERBS = frozenset({"said", "says", "added", "asked"})
# after a name: ", the union's leader", ", chief executive" (capitalised or possessive fillers)
_APPOSITIVE = re.compile(
    r",\s+(?:(?:the|a|an)\s+)?((?:(?:[A-Z][\w-]*|[\w-]+['’]s)\s+){0,2})([\w-]+)"
)


def _ends_of(text: str, name: str) -> Iterator[int]:
    """End offsets of `name` wherever it occurs as a whole word."""
    start = text.find(name)
    while start != -1:
        end = start + len(name)
        before_ok = start == 0 or not text[start - 1].isalnum()
        if before_ok and (end == len(text) or not text[end].isalnum()):
            yield end
        start = text.find(name, start + 1)


_LAST_WORD = re.compile(r"([\w][\w.-]*)\.?\s+$")


def _titled(text: str, name: str, titles: frozenset[str]) -> bool:
    """Whether one of `titles` stands right before some occurrence of `name` as a word.

    Found with str.find and a look at the few characters before each occurrence: a regex
    compiled per name and run over the whole text was the hottest spot of ingest.
    """
    for end in _ends_of(text, name):
        start = end - len(name)
        match = _LAST_WORD.search(text, max(0, start - 40), start)
        if match and match.group(1).lower().rstrip(".") in titles:
            return True
    return False


# offices and the nouns that qualify them ("president", "home affairs spokesman"), not the
# adjectives that may stand before a person's next title ("former", "acting"): after a name
# they make it an affiliation ("Lib Dem home affairs spokesman")
OFFICE_WORDS = (_ROLES | _OFFICE_NOUNS) - frozenset(
    "former ex acting interim outgoing incoming vice".split()
)

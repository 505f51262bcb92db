"""Organisation values read from their own document, after its names are resolved.

A story names a government body in full once ("the Ukrainian Foreign Ministry") and then
shorter ("Ukraine's Foreign Ministry insists", where the model tags only "Foreign Ministry"):
the short form alone is every country's ministry, so across a corpus it would join bodies of
different countries. Inside the story the evidence is there: the short form is the end of one
longer organisation of the same story whose first word is a place or its adjective. A
"place" becomes an organisation on the same kind of evidence: a season's record after it, or
a noun only a company or a club has. These rules run in indexer.entity_types.retype, per
document, before any corpus-wide merge.
"""

from __future__ import annotations

import re
from dataclasses import replace

from indexer.gazetteer import is_city_name, is_place_name, is_town_name, place_id, place_key
from search.documents import Document, Mention

__all__ = ["places_that_are_orgs", "resolve_org_tails"]

# endings that make a country's adjective from its name's stem: "Ukrain|ian", "Chin|ese"
_DEMONYM_ENDINGS = ("", "n", "an", "ian", "ean", "ese", "i", "ish", "ic")
_POSSESSIVE = re.compile(r"^(.+?)['’]s?$")
_OWNER_BEFORE = re.compile(r"(\S+?)['’]s?\s+$")


def _place_word(word: str, places: set[str]) -> str | None:
    """The place key a capitalised word names or describes ("Ukraine", "Ukraine's",
    "Ukrainian" -> "ukraine" when the story or the gazetteer knows Ukraine; "Manchester", a
    town of the gazetteer), else None."""
    if not word[:1].isupper():
        return None
    owner = _POSSESSIVE.match(word)
    bare = owner.group(1) if owner else word
    key = place_key(bare)
    if key in places or is_place_name(bare) or is_town_name(bare):
        return key
    if owner:
        return None
    folded = key.replace(" ", "")
    for length in range(4, len(folded) + 1):
        if folded[length:] in _DEMONYM_ENDINGS:
            stem = folded[:length]
            found = [p for p in places if p.replace(" ", "").startswith(stem)]
            if len(found) == 1:
                return found[0]
    return None


def resolve_org_tails(document: Document, mentions: list[Mention]) -> list[Mention]:
    """An organisation that is the end of one longer organisation of the same story, whose
    first word is a place, its possessive or its adjective ("Foreign Ministry" of "Ukrainian
    Foreign Ministry", "United" of "Manchester United"), is that organisation. When the story
    has several ("Ukrainian" and "Russian Foreign Ministry"), the owner written right before
    a mention ("Ukraine's Foreign Ministry") chooses, and a mention without one stays as it
    is."""
    places = {place_key(m.value) for m in mentions if m.label == "place"}
    orgs = {m.value for m in mentions if m.label == "org"}
    longer: dict[str, dict[str, str]] = {}  # short value -> place key -> longer value
    for value in orgs:
        first, _, rest = value.partition(" ")
        if rest not in orgs:
            continue
        place = _place_word(first, places)
        if place is not None:
            longer.setdefault(rest, {})[place] = value
    if not longer:
        return mentions
    out = []
    for m in mentions:
        owners = longer.get(m.value) if m.label == "org" else None
        if owners:
            source = document.title if m.field == "title" else document.body
            before = _OWNER_BEFORE.search(source, max(0, m.start - 40), m.start)
            place = _place_word(before.group(0).strip(), places) if before else None
            if place in owners:
                m = replace(m, value=owners[place])
            elif len(set(owners.values())) == 1 and (before is None or place is None):
                m = replace(m, value=next(iter(owners.values())))
        out.append(m)
    return out


_WORD_AFTER = re.compile(r"\s*([\w']+)")
# a season's record straight after a team's name: "Saginaw (6-10-2)", "Denver (12-4)"
_RECORD_AFTER = re.compile(r"[ \t]*\(\d{1,3}-\d{1,3}(?:-\d{1,3})?\)")


# nouns only a company's name modifies: "an Alibaba spokesperson", "the Emirates fleet" (not
# "officials", "voters" or "police", which a town has too, nor "shares" and "stock": a market
# report's "Frankfurt shares", "Zurich stock exchange" are the town's exchange)
_COMPANY_NOUNS = frozenset(
    "shareholders spokesman spokeswoman spokesperson fleet employees workforce".split()
)


def places_that_are_orgs(document: Document, mentions: list[Mention]) -> list[Mention]:
    """A place written with a season's win-loss record after it is the team named for it,
    one the gazetteer does not know written before a noun only a company has ("an Alibaba
    spokesperson", "the Emirates fleet") is the company, and a town with more words
    ("Manchester City") before a team's noun ("Manchester City boss") is the club: an
    organisation, in the whole document."""
    teams = set()
    for m in mentions:
        if m.label == "place":
            source = document.title if m.field == "title" else document.body
            after = _WORD_AFTER.match(source, m.end)
            noun = after.group(1) if after else ""
            named = noun in _COMPANY_NOUNS or (noun in _TEAM_NOUNS and _town_and_more(m.value))
            if _RECORD_AFTER.match(source, m.end) or (named and not _known_place(m.value)):
                teams.add(m.value)
    if not teams:
        return mentions
    return [
        replace(m, label="org") if m.label == "place" and m.value in teams else m for m in mentions
    ]


# nouns a club's name modifies ("Manchester City boss Kevin Keegan"); a town's own name does
# too ("Manchester fans"), so they count only for a town's name with more words after it
_TEAM_NOUNS = frozenset(
    """boss manager striker midfielder defender goalkeeper keeper winger coach fans
    supporters squad captain""".split()
)


def _town_and_more(value: str) -> bool:
    """Whether `value` is a town's name followed by more words ("Manchester City")."""
    words = value.split()
    return any(is_town_name(" ".join(words[:i])) for i in range(1, len(words)))


def _known_place(value: str) -> bool:
    """Whether the gazetteer knows `value` as a country, capital, US state or town."""
    return (
        is_place_name(value)
        or place_id(value) is not None
        or is_city_name(value)
        or is_town_name(value)
    )

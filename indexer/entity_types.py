"""Which kind of entity a resolved mention is, read from its own document's words.

The small NER model labels a span from a few words around it; the document often says more.
English puts no article before a person's name and agrees a person with a singular verb, so
"the Lib Dems have" is a party; the last word of "Manchester United" or "Wembley Stadium" says
what it names; "Kyiv said" is a capital standing for a government; "Hollywood" in "The
Hollywood Reporter" is the first word of a newspaper's name, not a place; "LONDON" opening a
dateline is London written in capitals. These rules run on each document after its names are
resolved (indexer.names.resolve_document) and before its values are stored.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace

from indexer.casing import needs_recasing
from indexer.entity_headings import line_at, not_headline_only
from indexer.entity_orgs import places_that_are_orgs, resolve_org_tails
from indexer.entity_things import not_storms, not_units
from indexer.entity_works import not_quoted_titles
from indexer.gazetteer import is_city_name, is_place_name
from indexer.names import OFFICE_WORDS, has_person_evidence, is_titled_in
from search.documents import ENTITY_LABELS, Document, Mention

__all__ = ["head_label", "person_use", "place_use", "product_use", "retype"]

_PLURAL_VERBS = frozenset(
    "are were have 're say want need believe claim hope insist argue plan warn do".split()
)
# nouns a group's name modifies: "Manchester United manager", "Lib Dem MPs" (nouns only: a
# person's name is followed by "former" in a list of titles too)
_GROUP_NOUNS = OFFICE_WORDS | frozenset(
    """fans supporters shares shareholders players squad side team striker strikers winger
    midfielder defender goalkeeper captain members staff employees club mps mp manager boss
    chairman chairwoman coach leader leaders spokesman spokeswoman spokesperson candidate
    candidates councillors activists voters plans policy policies""".split()
)
# words right after a name that make it the subject of a verb (a group acting, not a name
# modifying a noun): not search.words.SPEECH_VERBS, as it holds "won" and "beat" as well
_SPEECH = frozenset("said says told tells added argues claimed insisted warned won beat".split())
# nouns a work's name modifies: "Harry Potter film"
_WORK_NOUNS = frozenset(
    """film films movie movies game games album albums single singles song songs book books
    novel novels series show shows sequel sequels franchise soundtrack trilogy episode
    episodes musical""".split()
)
# nouns that name what follows them as a work or a group ("film Vera Drake", "rock band Franz
# Ferdinand"), only in the singular: "films Vera Drake and ..." is no English
_WORK_BEFORE = frozenset(
    """film movie drama comedy documentary thriller album single song novel sitcom
    musical""".split()
)
_GROUP_BEFORE = frozenset("band group duo trio quartet".split())
_BRACKET_BEFORE = re.compile(r"[ \t]*\([ \t]*$")
# The last word of an organisation's or a venue's name says what it is, and is nobody's
# surname: "Manchester United", "Lib Dems", "Labour Party", "Wembley Stadium".
_ORG_HEADS = frozenset(
    """united rovers athletic albion wanderers rangers hotspur fc afc club clubs party
    dems democrats republicans conservatives tories group inc ltd plc llc corp corporation
    company association council committee commission federation league bank
    university college school academy institute foundation trust agency ministry department
    authority board bureau service police army navy band orchestra choir records studios
    productions network journal gazette tribune magazine""".split()
)
_VENUE_HEADS = frozenset(
    """stadium theatre theater centre center airport hotel cathedral museum gallery station
    square avenue""".split()
)
# words that end a newspaper's or a company's name begun by a place: "Hollywood Reporter",
# "Washington Post", "Chicago Tribune"
_TITLE_HEADS = _ORG_HEADS | frozenset(
    """reporter times post daily news herald standard telegraph guardian observer express
    mirror mail review chronicle press examiner inquirer courier""".split()
)
# a person's title as a name's first word: "Prince Edward" is a town too, and the prince
_TITLE_WORDS = frozenset("king queen prince princess emperor empress lord lady sir dame".split())
_WORD_BEFORE = re.compile(r"(\S+)\s*$")
_WORD_AFTER = re.compile(r"\s*([\w']+)")
_NEXT_NAME = re.compile(r"[ \t]+([A-Z][\w'’]*)")
_DATELINE_TAIL = re.compile(r"[ \t]*(?:,|\(|[-–—]|$)")


def head_label(value: str) -> str | None:
    """ "org" or "place" when the last word of a multi-word name is an organisation's or a
    venue's ("Manchester United", "Wembley Stadium"), else None."""
    words = value.split()
    if len(words) < 2:
        return None
    last = words[-1].casefold().strip(".")
    if last in _ORG_HEADS:
        return "org"
    return "place" if last in _VENUE_HEADS else None


def person_use(text: str, start: int, end: int) -> str:
    """How the words around one "person" span in `text` use it: "group" (an article before
    it or a plural verb after it: "the Lib Dems said", "Lib Dems have"; "band Franz
    Ferdinand"), "affiliation" (a group's noun after it: "Manchester United manager"), "work"
    (a thing: "Harry Potter film", "film Vera Drake", "a MacBook Pro") or "" (as a person's
    name)."""
    span = text[start:end]
    before = _WORD_BEFORE.search(text, max(0, start - 30), start)
    previous = before.group(1) if before else ""
    after = _WORD_AFTER.match(text, end)
    following = after.group(1) if after else ""
    if following in _WORK_NOUNS:
        return "work"
    verb = following in _PLURAL_VERBS or following in _SPEECH or following.endswith("ed")
    if previous in _WORK_BEFORE and not verb:
        return "work"  # "Mike Leigh's film Vera Drake", not "in the film Tom Cruise said"
    if previous in _GROUP_BEFORE:
        return "affiliation"  # "rock band Franz Ferdinand", "Glasgow group Franz Ferdinand"
    modifies = following.islower() and following not in _FUNCTION_WORDS and not verb
    if previous in ("a", "an") and not modifies and text[end : end + 1] != "-":
        return "work"  # "a MacBook Pro", "a Nintendo Switch": a thing, counted
    if (span[:4] in ("the ", "The ") or previous == "the") and not modifies:
        return "group"  # "the Lib Dems said", but "the Tom Cruise video"
    if following in _GROUP_NOUNS:
        return "affiliation"
    coordinated = previous in ("and", "&", "or") or previous.endswith(",")
    if following in _PLURAL_VERBS and not coordinated:
        return "group"
    return ""


# a determiner before a name makes it a thing one can own ("an iPod", "her Alexa"); a noun
# after it keeps it the maker ("an Apple computer", "a Microsoft spokesman")
_OWNING = frozenset("a an his her my your their our its every each".split())
_FUNCTION_WORDS = frozenset(
    """and or but with without in on at for to from by of that which who is was are were has
    had have will would can could may might should""".split()
)


def product_use(text: str, start: int, end: int) -> bool:
    """Whether an "organisation" span is written as a thing: owned or counted ("an iPod",
    "his Xbox"), not followed by a word it modifies ("an IBM PC", "an Apple computer")."""
    before = _WORD_BEFORE.search(text, max(0, start - 30), start)
    if not before or before.group(1) not in _OWNING or text[end : end + 1] == "-":
        return False  # "an OPEC-engineered return": a modifier
    after = _WORD_AFTER.match(text, end)
    following = after.group(1) if after else ""
    return not following or following in _FUNCTION_WORDS


# an award, not a place: "Bafta-winning", "Oscar-nominated"
_AWARD_SUFFIX = re.compile(r"-(?:winning|winner|nominated|nominee)\b")
_POSSESSIVE_BEFORE = re.compile(r"['’]s\s+$")


def place_use(text: str, start: int, end: int, org_ends: frozenset[int] = frozenset()) -> bool:
    """Whether a "place" span is written as a thing: counted ("a Bafta"), an award ("Bafta-
    winning") or an organisation's own ("BBC One's Breakfast", where an organisation's mention
    ends at `org_ends` right before the "'s"), and not as a modifier ("a US court")."""
    if _AWARD_SUFFIX.match(text, end):
        return True
    after = _WORD_AFTER.match(text, end)
    following = after.group(1) if after else ""
    # "a US court", "a UK-based firm", "E&Y's UK head": a place modifying a noun
    if text[end : end + 1] == "-" or text[end : end + 2].strip()[:1] in ('"', "“"):
        return False
    if following and following not in _FUNCTION_WORDS:
        return False
    before = _WORD_BEFORE.search(text, max(0, start - 30), start)
    if before and before.group(1) in ("a", "an"):
        return True
    owner = _POSSESSIVE_BEFORE.search(text, max(0, start - 4), start)
    return owner is not None and owner.start() in org_ends


def retype(document: Document, mentions: list[Mention]) -> list[Mention]:
    """The document's resolved name mentions with labels and values its own words correct:
    places by the gazetteer, organisations and venues by their last word, groups and works
    written as persons, places that begin a longer name dropped, capitals shown mixed case."""
    text = f"{document.title}\n{document.body}"
    out = []
    for mention in mentions:
        source = document.title if mention.field == "title" else document.body
        if mention.label == "place" and _begins_longer_name(source, mention):
            continue
        headed = _by_head(_place_if_known(mention, text))
        if headed is not None:
            out.append(_unshouted(source, headed))
    out = _not_products(document, _not_places(document, _not_people(document, out)))
    out = places_that_are_orgs(document, not_storms(document, _camel_case_not_places(out)))
    out = not_units(document, _not_adjectives(document, out))
    out = _not_common_words(document, not_headline_only(document, out))
    return resolve_org_tails(document, not_quoted_titles(document, out))


# a capital after a small letter inside a word: "JetBlue", "iPhone", "PlayStation"; "McAllen",
# "MacKenzie", "DeKalb", "LaSalle", "KwaZulu" are spelled so as places too
_CAMEL_RE = re.compile(
    r"(?<![\w'’-])(?!(?:Mc|Mac|Fitz|De|Di|La|Le|Du|Van|Kwa|O)[A-Z])\w*[a-z][A-Z]"
)


def _camel_case_not_places(mentions: list[Mention]) -> list[Mention]:
    """A brand's spelling is no place's: a "place" with a capital inside a word is the
    company ("JetBlue"), or a product when it begins in a small letter ("iPhone")."""
    out = []
    for m in mentions:
        if m.label == "place" and _CAMEL_RE.search(m.value):
            if m.value[:1].islower():
                continue
            m = replace(m, label="org")
        out.append(m)
    return out


def _place_if_known(mention: Mention, text: str) -> Mention:
    """A country or a capital filed as an organisation ("Kyiv said ...", "the US imposed")
    or as a lone untitled person ("support for Kyiv") is the place: the gazetteer knows better
    than the small model. Unions stay organisations ("EU")."""
    if mention.label == "org" and is_place_name(mention.value):
        return replace(mention, label="place")
    if (
        mention.label == "person"
        and " " not in mention.value
        and is_place_name(mention.value)
        and not is_titled_in(text, mention.value)
    ):
        return replace(mention, label="place")
    # "Sioux Falls", "Palmerston North": a town's name of two words is nobody's name
    if (
        mention.label == "person"
        and is_city_name(mention.value)
        and mention.value.split()[0].casefold() not in _TITLE_WORDS  # "Prince Edward"
        and not has_person_evidence(text, mention.value)
    ):
        return replace(mention, label="place")
    return mention


def _by_head(mention: Mention) -> Mention | None:
    """A "person" or "place" whose name ends in an organisation's word is the organisation
    ("Manchester United", "Lib Dems"); a "person" ending in a venue's word is the place. A
    "person" that is such a word alone is a name cut short ("League" of "Premier League", read
    as the title "Premier" and a name): None, no value."""
    if mention.label not in ("person", "place"):
        return mention
    word = mention.value.casefold().strip(".")
    if mention.label == "person" and (word in _ORG_HEADS or word in _VENUE_HEADS):
        return None
    label = head_label(mention.value)
    if label is None or label == mention.label or (label == "place" and mention.label != "person"):
        return mention
    return replace(mention, label=label)


def _begins_longer_name(source: str, mention: Mention) -> bool:
    """ "Hollywood" in "The Hollywood Reporter": a place followed by the word that ends a
    newspaper's or an organisation's name is part of that name."""
    following = _NEXT_NAME.match(source, mention.end)
    return following is not None and following.group(1).casefold() in _TITLE_HEADS


def _unshouted(source: str, mention: Mention) -> Mention:
    """ "LONDON" opening a dateline or in a line set in capitals is shown as "London": the
    capitals are the typesetting's, not the name's. Acronyms ("UK", "NATO", "U.S.") stay:
    only a value with a word of four letters or more is recased, and dotted words never."""
    value = mention.value
    if not value or not _all_capitals(value) or not any(len(w) >= 4 for w in value.split()):
        return mention
    line_start = source.rfind("\n", 0, mention.start) + 1
    line_end = source.find("\n", mention.end)
    line = source[line_start : len(source) if line_end < 0 else line_end]
    dateline = not source[line_start : mention.start].strip() and _DATELINE_TAIL.match(
        source, mention.end
    )
    if not dateline and not _shouting(line):
        return mention
    words = [w if "." in w else w.capitalize() for w in value.split()]
    return replace(mention, value=" ".join(words))


def _all_capitals(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _shouting(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return len(line.split()) >= 3 and sum(c.isupper() for c in letters) >= 0.8 * len(letters)


def _not_people(document: Document, mentions: list[Mention]) -> list[Mention]:
    """Persons the document itself writes as a group or a work: when at least half of a
    value's mentions are used so (an article or a plural verb twice: "the Lib Dems", "Lib Dems
    have"; a noun it modifies or follows once: "Manchester United manager", "Harry Potter
    film", "film Vera Drake"; in brackets after a person: "Imelda Staunton (Vera Drake)") and the
    text never titles it or says it spoke, a group's value becomes an organisation and a
    work's is dropped (works are no facet)."""
    uses: dict[str, list[str]] = defaultdict(list)
    person_ends = {(m.field, m.end) for m in mentions if m.label == "person"}
    for m in mentions:
        if m.label == "person" and " " in m.value:  # lone words are weak already
            source = document.title if m.field == "title" else document.body
            # "Imelda Staunton (Vera Drake)": what a person's name is qualified by in brackets
            # (her film, club, party) is no person
            bracket = _BRACKET_BEFORE.search(source, max(0, m.start - 4), m.start)
            if bracket is not None and (m.field, bracket.start()) in person_ends:
                uses[m.value].append("work")
                continue
            uses[m.value].append(person_use(source, m.start, m.end))
    text = f"{document.title}\n{document.body}"
    verdict: dict[str, str] = {}
    for value, found in uses.items():
        marked = [u for u in found if u]
        # a noun it modifies is evidence enough; an article or a plural verb must recur
        strong = sum(u in ("affiliation", "work") for u in marked)
        if len(marked) * 2 < len(found) or not (strong or len(marked) >= 2):
            continue
        if not has_person_evidence(text, value):
            verdict[value] = "work" if marked.count("work") * 2 > len(marked) else "group"
    if not verdict:
        return mentions
    out = []
    for m in mentions:
        kind = verdict.get(m.value) if m.label == "person" else None
        if kind == "work":
            continue
        out.append(replace(m, label="org") if kind == "group" else m)
    return out


def _not_products(document: Document, mentions: list[Mention]) -> list[Mention]:
    """Organisations the document writes as things: when most of a value's mentions are owned
    or counted ("an iPod", "his Xbox") or the text also writes its plural
    ("iPods", "Xboxes"), the value is a product and is dropped (products are no facet)."""
    text = f"{document.title}\n{document.body}"
    uses: dict[str, list[bool]] = defaultdict(list)
    for m in mentions:
        if m.label == "org":
            source = document.title if m.field == "title" else document.body
            uses[m.value].append(product_use(source, m.start, m.end))
    products = {
        value
        for value, found in uses.items()
        if sum(found) * 2 > len(found) or _plural_in(text, value)
    }
    return [m for m in mentions if not (m.label == "org" and m.value in products)]


NAME_LABELS = ENTITY_LABELS
_LOWER_WORD = re.compile(r"(?<![\w@#/.'’-])([a-z][a-z'’-]*[a-z])(?![\w@/'’-]|\.\w)")
_NEXT_CAPITAL = re.compile(r"[ \t]+[A-Z]")
_SENTENCE_OPENERS = ".!?:;\"“”‘'([{—–-•*|>#"
# shorter lines are headings, labels or list items, which capitalise any word
PROSE_WORDS = 6


def _not_common_words(document: Document, mentions: list[Mention]) -> list[Mention]:
    """One-word names the document writes in lower case elsewhere ("the birds", "luxury
    limousines", "the state budget") and capitalises only where any word is capitalised: at a
    sentence start, in a heading or list item, in a title-case or capitals line. A name keeps
    its capital mid-sentence ("the Times reported"), so one such use keeps it."""
    text = f"{document.title}\n{document.body}"
    lower = {m.group(1) for m in _LOWER_WORD.finditer(text)}
    candidates = {
        m.value
        for m in mentions
        if m.label in NAME_LABELS
        and " " not in m.value
        and not m.value.isupper()
        and m.value[:1].isupper()
        and m.value.lower() in lower
    }
    if not candidates:
        return mentions
    named = set()
    for m in mentions:
        if m.value in candidates and m.label in NAME_LABELS:
            source = document.title if m.field == "title" else document.body
            # "Home Secretary", "Liberal Democrats": a word capitalised as part of a longer
            # name the model cut is no evidence that the word alone is a name
            cut = _NEXT_CAPITAL.match(source, m.end) is not None
            if m.field == "body" and _mid_sentence(source, m.start) and not cut:
                named.add(m.value)
    common = candidates - named
    return [m for m in mentions if not (m.label in NAME_LABELS and m.value in common)]


def _mid_sentence(source: str, start: int) -> bool:
    """Whether the word at `start` stands where only a name is capitalised: after another
    word of a sentence, in a prose line that is not set in title case or capitals."""
    line_start = source.rfind("\n", 0, start) + 1
    line = line_at(source, start)
    before = source[line_start:start].rstrip()
    if not before or before[-1] in _SENTENCE_OPENERS:
        return False
    return len(line.split()) >= PROSE_WORDS and not needs_recasing(line)


def _plural_in(text: str, value: str) -> bool:
    if " " in value or value.endswith("s") or not value[:1].isalpha() or value.isupper():
        return False
    return re.search(rf"(?<![\w-]){re.escape(value)}e?s(?![\w-])", text) is not None


def _not_places(document: Document, mentions: list[Mention]) -> list[Mention]:
    """Places the document writes as things ("a Bafta", "BBC One's Breakfast") are dropped
    when at least half of the value's mentions are; a place ending in one of the document's
    organisations ("New Labour" beside "Labour") is that organisation's kind."""
    org_ends = {
        field: frozenset(m.end for m in mentions if m.label == "org" and m.field == field)
        for field in ("title", "body")
    }
    orgs = {m.value for m in mentions if m.label == "org"}
    places = {m.value for m in mentions if m.label == "place"}
    uses: dict[str, list[bool]] = defaultdict(list)
    for m in mentions:
        if m.label == "place":
            source = document.title if m.field == "title" else document.body
            uses[m.value].append(place_use(source, m.start, m.end, org_ends[m.field]))
    things = {v for v, found in uses.items() if any(found) and sum(found) * 2 >= len(found)}
    to_org = {v for v in places if _ends_in(v, orgs) and not _ends_in(v, places - {v})}
    out = []
    for m in mentions:
        if m.label == "place" and m.value in things:
            continue
        out.append(replace(m, label="org") if m.label == "place" and m.value in to_org else m)
    return out


def _ends_in(value: str, names: set[str]) -> bool:
    words = value.split()
    return any(" ".join(words[i:]) in names for i in range(1, len(words)))


_ADJECTIVE_END = re.compile(r"[a-z](?:ic|ian|ish|ese)$")


def _not_adjectives(document: Document, mentions: list[Mention]) -> list[Mention]:
    """A one-word "place" with an adjective's ending that the document only ever writes before
    a noun it describes ("Olympic gold", "Olympic champion") is an adjective, no place; once
    it stands alone ("across the Atlantic") it is one."""
    uses: dict[str, list[bool]] = defaultdict(list)
    for m in mentions:
        if m.label == "place" and " " not in m.value and _ADJECTIVE_END.search(m.value):
            source = document.title if m.field == "title" else document.body
            after = _WORD_AFTER.match(source, m.end)
            following = after.group(1) if after else ""
            uses[m.value].append(following.islower() and following not in _FUNCTION_WORDS)
    adjectives = {value for value, found in uses.items() if all(found)}
    return [m for m in mentions if not (m.label == "place" and m.value in adjectives)]

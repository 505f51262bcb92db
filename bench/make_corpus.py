"""A scale corpus: N stories derived from Reuters-21578, for the growth benchmarks (issue 7).

    python bench/make_corpus.py [--source PATH] [--count 215780] [--out bench/out/reuters10x.jsonl]
                                [--seed 7] [--copies 10] [--order mixed|copies]

Copy k of story i: k = 0 is the source line byte for byte; a later copy shifts the date, the
`date_raw` and every year 1950-1999 written in the title, dateline and text by k years ("1986/87"
as a whole), keeps the lede and the "Reuter" signature where they are, permutes the other
paragraphs, and swaps the story's people, organisations and companies for others from the same
pool (one substitution per copy, applied everywhere in the story, so the story stays coherent).

The pools are the names the corpus itself uses: people from the `people` tags ("james-baker" →
given name "James", surname "Baker", each as the text writes them), organisations from the
`orgs` tags (acronym and the long form the text spells out before "(ACR)"), and companies from
the text's own `<Name Inc>` markup (the `companies` tags are empty in Reuters-21578). A person
becomes another given name plus another surname and a company another distinctive part with
its own legal suffix, so each copy brings new full names and the name count grows with the
copies, while the vocabulary stays Reuters'. A paragraph without a year or a substituted name
stays byte-identical to the source paragraph, as wire copy repeated across outlets would.

Ids: copy 0 keeps the source id, copy k gets "<id>-<k>", so every line is a distinct document.
Order: `mixed` (default) shuffles the (story, copy) pairs with the seed, so every prefix (what
`bench/ingest.py --limit N` reads) is a uniform sample of the whole scale corpus and
`--count N` writes the first N lines of the full output; `copies` writes all originals first,
then every copy 1, and so on. The output is generated, never committed (bench/out/ is ignored).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from common import REUTERS, ROOT

PARAGRAPH = "\n    "  # Reuters indents every paragraph after the first by four spaces
SIGNATURE = re.compile(r"\s*\n\s*reuter\s*$", re.IGNORECASE)
# a four-digit year, optionally with a two-digit partner ("1986/87", "1987-89"); not part of a
# larger number, an amount ("1,987", "$1990") or a decimal ("1990.5"); decades ("1980s") stay
YEAR = re.compile(r"(?<![\w.,$])(19[5-9]\d)(?:([/-])(\d\d)(?![\w]|[.,]\d))?(?![\w]|[.,]\d)")
CAPITALISED = re.compile(r"[A-Z][A-Za-z]*")
MARKUP = re.compile(r"<([^<>]{2,80})>")
LOWER_WORD = re.compile(r"\b[a-z]+\b")

PARTICLES = {"de", "du", "da", "dos", "del", "der", "la", "le", "van", "von", "al", "bin"}
# words that stand before a surname without being a given name
TITLES = {
    "Mr", "Mrs", "Ms", "Miss", "Dr", "Sir", "Lord", "Lady", "President", "Secretary", "Minister",
    "Chancellor", "Governor", "Chairman", "Premier", "Senator", "Sen", "Rep", "Representative",
    "King", "Queen", "Prince", "Sheikh", "Shah", "Ayatollah", "General", "Gen", "Judge", "Vice",
    "Deputy", "Prime", "Treasury", "Finance", "Energy", "Trade", "Agriculture", "Foreign",
    "Economy", "Commerce", "Labour", "Labor", "Oil", "Budget", "Commissioner", "Director",
    "Ambassador", "Leader", "Chief", "Executive", "Spokesman", "Professor", "Union", "Reuter",
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January",
    "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December",
}  # fmt: skip
# a surname in a story whose tags do not name the person counts only after one of these
HONORIFICS = (
    "Mr|Mrs|Ms|Dr|Sir|President|Secretary|Minister|Chancellor|Governor|Chairman|Premier|Senator"
)
COMPANY_SUFFIXES = {
    "inc", "corp", "co", "cos", "ltd", "limited", "plc", "corporation", "company", "lp", "l.p",
    "nv", "n.v", "ag", "sa", "s.a", "spa", "s.p.a", "gmbh", "ab", "bv", "b.v", "kk", "k.k",
    "group", "holdings", "holding", "industries", "international", "and", "&", "of", "the",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Person:
    tag: str
    given: str | None
    surname: str


@dataclass(frozen=True, slots=True)
class Org:
    tag: str
    acronym: str | None
    long: str | None


@dataclass(slots=True)
class Pools:
    people: dict[str, Person]  # by tag
    orgs: dict[str, Org]  # by tag
    companies: dict[str, str]  # distinctive part, upper-cased → how the text writes it
    surnames: list[str] = field(default_factory=list)
    givens: list[str] = field(default_factory=list)


# A slot is a tuple: ("Y", year) ("YY", year, sep, partner) ("P", given, sep, surname, upper)
# ("S", surname, upper) ("O", org tag, "acronym"|"long", upper) ("M", company key, rest, upper)
# ("D", company key, upper). A text is a tuple of str and slots.
Slot = tuple
Parts = tuple


@dataclass(slots=True)
class Story:
    index: int
    line: bytes
    record: dict
    title: Parts
    dateline: Parts
    lede: Parts
    rest: list[Parts]
    source_paragraphs: list[str]  # lede first, as in the source
    tail: str
    surnames: frozenset[str]
    givens: frozenset[str]
    orgs: frozenset[str]
    companies: frozenset[str]
    blocked_surnames: frozenset[str]
    blocked_orgs: frozenset[str]
    units: tuple  # the names the story mentions, for the before/after counts


# -- pools ------------------------------------------------------------------------------------


def text_of(record: dict) -> str:
    return f"{record.get('title') or ''}\n{record.get('body') or ''}"


def surface(word: str, texts: Iterable[str]) -> str | None:
    """How the text writes `word` (a tag word), most often, not in capitals."""
    pattern = re.compile(rf"(?<![\w-]){re.escape(word)}(?![\w-])", re.IGNORECASE)
    seen = Counter(m for t in texts for m in pattern.findall(t) if not m.isupper())
    seen = Counter({k: v for k, v in seen.items() if k[0].isupper()})
    return seen.most_common(1)[0][0] if seen else None


def build_people(records: list[dict], lower: Counter) -> dict[str, Person]:
    tagged: dict[str, list[str]] = defaultdict(list)
    for record in records:
        for tag in record.get("people") or []:
            tagged[tag].append(text_of(record))
    people = {}
    for tag, texts in tagged.items():
        words = tag.split("-")
        surname = (surface("-".join(words), texts) if len(words) > 1 else None) or surface(
            words[-1], texts
        )
        if surname is None or lower[surname.lower()] >= 3:
            continue  # not in the text, or a common noun ("bond", "young")
        before = Counter(re.findall(rf"\b([A-Z][a-z]+)\s+{re.escape(surname)}\b", "\n".join(texts)))
        if len(words) > 1 and words[0] not in PARTICLES and surname.lower() == words[-1]:
            first = words[0].capitalize()
            if before[first]:
                before = Counter({first: before[first]})
        candidates = [
            (n, g)
            for g, n in before.items()
            if g not in TITLES and g.lower() not in PARTICLES and lower[g.lower()] < 3
        ]
        given = max(candidates)[1] if candidates else None
        if given is not None:
            joined = "\n".join(texts)
            name, given_ = re.escape(surname), re.escape(given)
            alone_given = len(re.findall(rf"\b{given_}\b(?!\s+{name}\b)", joined))
            alone_surname = len(re.findall(rf"(?<!{given_}\s)\b{name}\b", joined))
            if alone_given > alone_surname:
                continue  # surname first ("Zhao Ziyang" is "Zhao" later): leave it alone
        people[tag] = Person(tag, given, surname)
    return people


def initials(phrase: str) -> str:
    return "".join(w[0] for w in phrase.split() if w[0].isupper())


def build_orgs(records: list[dict]) -> dict[str, Org]:
    tagged: dict[str, list[str]] = defaultdict(list)
    for record in records:
        for tag in record.get("orgs") or []:
            tagged[tag].append(text_of(record))
    orgs = {}
    for tag, texts in tagged.items():
        head = tag.split("-")[0]
        joined = "\n".join(texts)
        acronym = None
        found = Counter(re.findall(rf"(?<![\w-])({re.escape(head)})(?![\w-])", joined, re.I))
        found = Counter({k: v for k, v in found.items() if k[0].isupper() and len(k) <= 8})
        if found:
            acronym = max(found.items(), key=lambda kv: (kv[0].isupper(), kv[1]))[0]
        long = None
        if acronym:
            phrase = re.compile(
                r"((?:[A-Z][\w'.-]*|of|for|and|on|the|de|des|du)"
                r"(?:\s+(?:[A-Z][\w'.-]*|of|for|and|on|the|de|des|du))*)\s+\("
                + re.escape(acronym)
                + r"\)"
            )
            longs: Counter = Counter()
            for match in phrase.findall(joined):
                words = match.split()
                for start in range(len(words)):
                    candidate = " ".join(words[start:])
                    if words[start][0].isupper() and initials(candidate) == acronym.upper():
                        longs[candidate] += 1
                        break
            if longs:
                long = longs.most_common(1)[0][0]
        if long is None and len(tag) > 4 and "-" not in tag:
            # run-together tags ("worldbank"): the split the text uses
            for cut in range(2, len(tag) - 1):
                candidate = f"{tag[:cut].capitalize()} {tag[cut:].capitalize()}"
                if len(re.findall(re.escape(candidate).replace(r"\ ", r"\s+"), joined)) >= 2:
                    long, acronym = candidate, None
                    break
        if acronym or long:
            orgs[tag] = Org(tag, acronym, long)
    return orgs


def company_parts(name: str) -> tuple[str, str] | None:
    """`<Name>` markup → (distinctive part, the rest: legal suffix, possessive), or None."""
    name = " ".join(name.split())
    if " " not in name and (not any(c.islower() for c in name) or "." in name):
        return None  # a ticker: <GM>, <VOWG.F>, <skbs.St>
    possessive = name[-2:] if name[-2:] in ("'s", "'S") else ""
    words = name[: len(name) - len(possessive)].split(" ")
    cut = len(words)
    while cut > 1 and words[cut - 1].lower().rstrip(".,") in COMPANY_SUFFIXES:
        cut -= 1
    while cut > 1 and words[cut - 1].lower().rstrip(".,") in {"and", "&", "of", "the"}:
        cut -= 1
    distinctive = " ".join(words[:cut]).rstrip(",")
    if len(distinctive) < 3 or not any(c.isalpha() for c in distinctive):
        return None
    return distinctive, name[len(distinctive) :]


def build_companies(records: list[dict], lower: Counter) -> dict[str, str]:
    forms: dict[str, Counter] = defaultdict(Counter)
    marked: Counter = Counter()  # stories with the company's markup
    mentioned: Counter = Counter()  # stories with the capitalised word at all
    for record in records:
        text = text_of(record)
        keys = set()
        for match in MARKUP.finditer(text):
            parts = company_parts(match.group(1))
            if parts is not None:
                forms[parts[0].upper()][parts[0]] += 1
                keys.add(parts[0].upper())
        marked.update(keys)
        mentioned.update(set(CAPITALISED.findall(text)))
    companies = {}
    for key, seen in forms.items():
        mixed = [(n, f) for f, n in seen.items() if not f.isupper()]
        name = max(mixed)[1] if mixed else " ".join(w.capitalize() for w in key.split())
        if " " not in name and (
            lower[name.lower()] >= 3 or marked[key] < 0.3 * mentioned[name.split("-")[0]]
        ):
            # one word that other stories use for something else ("Utah", "Plaza", "Baa")
            # would be replaced there too
            continue
        companies[key] = name
    return companies


def build_pools(records: list[dict]) -> Pools:
    lower: Counter = Counter()
    for record in records:
        lower.update(LOWER_WORD.findall(text_of(record)))
    people = build_people(records, lower)
    pools = Pools(people, build_orgs(records), build_companies(records, lower))
    pools.surnames = sorted({p.surname for p in people.values()})
    pools.givens = sorted({p.given for p in people.values() if p.given})
    return pools


# -- one story, compiled once -----------------------------------------------------------------


class Compiler:
    """Turns a source record into a Story: its texts as parts with slots for what changes."""

    def __init__(self, pools: Pools) -> None:
        self.pools = pools
        self.by_surname: dict[str, list[Person]] = defaultdict(list)
        for person in pools.people.values():
            self.by_surname[person.surname].append(person)
        self.trigger: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for surname in self.by_surname:
            for first in (surname.split("-")[0], surname.split("-")[0].upper()):
                self.trigger[first].add(("person", surname))
        for org in pools.orgs.values():
            for form in (org.acronym, org.long):
                if form:
                    self.trigger[form.split()[0]].add(("org", org.tag))
                    self.trigger[form.split()[0].upper()].add(("org", org.tag))
        # what must stand right before a surname for the person to count as present
        self.presence = {
            surname: re.compile(
                rf"(?<![\w-])(?:{HONORIFICS}|{HONORIFICS.upper()}"
                + "".join(f"|{p.given}|{p.given.upper()}" for p in people if p.given)
                + r")\s+$"
            )
            for surname, people in self.by_surname.items()
        }

    def present(self, surname: str, text: str) -> bool:
        before = self.presence[surname]
        return any(
            before.search(text, max(0, m.start() - 40), m.start())
            for form in (surname, surname.upper())
            if occurs(form, text)
            for m in pattern(form).finditer(text)
        )

    def compile(self, index: int, line: bytes, record: dict) -> Story:
        pools = self.pools
        title = record.get("title") or ""
        body = record.get("body") or ""
        text = f"{title}\n{body}"
        tokens = set(CAPITALISED.findall(text))
        hits = {hit for token in tokens & self.trigger.keys() for hit in self.trigger[token]}
        tagged_people = [pools.people[t] for t in record.get("people") or [] if t in pools.people]
        tagged_orgs = {t for t in record.get("orgs") or [] if t in pools.orgs}
        forms: dict[str, Slot] = {}  # later entries win: people over organisations over companies

        companies: set[str] = set()
        markups: list[tuple[str, Slot]] = []  # one story's own: found by plain string search
        for match in MARKUP.finditer(text):
            parts = company_parts(match.group(1))
            if parts is None or parts[0].upper() not in pools.companies:
                continue
            distinctive, rest = parts
            key = distinctive.upper()
            companies.add(key)
            markups.append((match.group(0), ("M", key, rest, match.group(1).isupper())))
            forms[distinctive] = ("D", key, distinctive.isupper())
            forms[distinctive.upper()] = ("D", key, True)
        orgs: set[str] = set()
        blocked_orgs: set[str] = set()
        for kind, key in sorted(hits):
            if kind != "org":
                continue
            org = pools.orgs[key]
            named = [(f, n) for f, n in ((org.acronym, "acronym"), (org.long, "long")) if f]
            present = [n for f, n in named if occurs(f, text)]
            if key in tagged_orgs or "long" in present:
                orgs.add(key)
                for form, name in named:
                    forms[form] = ("O", key, name, form.isupper())
                    forms[form.upper()] = ("O", key, name, True)
            elif present:
                blocked_orgs.add(key)
        for key in tagged_orgs - orgs:
            orgs.add(key)
            for form, name in (
                (pools.orgs[key].acronym, "acronym"),
                (pools.orgs[key].long, "long"),
            ):
                if form:
                    forms[form] = ("O", key, name, form.isupper())
                    forms[form.upper()] = ("O", key, name, True)
        surnames: set[str] = {p.surname for p in tagged_people}
        blocked: set[str] = set()
        for kind, surname in sorted(hits):
            if kind != "person":
                continue
            if surname in surnames or self.present(surname, text):
                surnames.add(surname)
            elif occurs(surname, text) or occurs(surname.upper(), text):
                blocked.add(surname)
        givens: set[str] = set()
        for surname in sorted(surnames):
            forms[surname] = ("S", surname, False)
            forms[surname.upper()] = ("S", surname, True)
            for person in self.by_surname[surname]:
                if person.given:
                    for full, upper in (
                        (f"{person.given} {surname}", False),
                        (f"{person.given} {surname}".upper(), True),
                    ):
                        if occurs(full, text):
                            givens.add(person.given)
                            forms[full] = ("P", person.given, None, surname, upper)
        found: list[tuple[re.Pattern | str, Slot]] = markups + [
            (pattern(f), slot) for f, slot in forms.items() if occurs(f, text)
        ]

        def parts_of(value: str) -> Parts:
            return split_slots(value, found)

        match = SIGNATURE.search(body)
        tail = body[match.start() :] if match else ""
        paragraphs = body[: match.start()].split(PARAGRAPH) if match else body.split(PARAGRAPH)
        compiled = [parts_of(p) for p in paragraphs]
        title_parts = parts_of(title)
        units = name_units(compiled + [title_parts], tagged_people, orgs)
        return Story(
            index=index,
            line=line,
            record=record,
            title=title_parts,
            dateline=parts_of(record.get("dateline") or ""),
            lede=compiled[0],
            rest=compiled[1:],
            source_paragraphs=paragraphs,
            tail=tail,
            surnames=frozenset(surnames),
            givens=frozenset(givens),
            orgs=frozenset(orgs),
            companies=frozenset(companies),
            blocked_surnames=frozenset(blocked),
            blocked_orgs=frozenset(blocked_orgs),
            units=units,
        )


_PATTERNS: dict[str, re.Pattern] = {}


def pattern(form: str) -> re.Pattern:
    """`form` as a whole word or phrase, any run of white space between its words."""
    compiled = _PATTERNS.get(form)
    if compiled is None:
        first, *rest = form.split()
        # the literal leads, so the regex engine can skip ahead to it; the boundary check follows
        compiled = re.compile(
            re.escape(first)
            + rf"(?<![\w-]{re.escape(first)})"
            + "".join(r"\s+" + re.escape(word) for word in rest)
            + r"(?![\w-])"
        )
        _PATTERNS[form] = compiled
    return compiled


def occurs(form: str, text: str) -> bool:
    return form.split(None, 1)[0] in text and pattern(form).search(text) is not None


def split_slots(text: str, found: list[tuple[re.Pattern | str, Slot]]) -> Parts:
    spans: list[tuple[int, int, Slot]] = []
    for matcher, slot in found:
        if isinstance(matcher, str):
            at = text.find(matcher)
            while at >= 0:
                spans.append((at, at + len(matcher), slot))
                at = text.find(matcher, at + len(matcher))
            continue
        for match in matcher.finditer(text):
            if slot[0] == "P":  # keep the text's own space or line break between the names
                whole = match.group(0)
                given = whole.split(None, 1)[0]
                slot = ("P", slot[1], whole[len(given) : len(whole) - len(slot[3])], *slot[3:])
            spans.append((match.start(), match.end(), slot))
    if spans:  # overlaps: the earlier, then the longer match wins ("James Baker" over "Baker")
        spans.sort(key=lambda span: (span[0], span[0] - span[1]))
        kept: list[tuple[int, int, Slot]] = []
        for span in spans:
            if not kept or span[0] >= kept[-1][1]:
                kept.append(span)
        spans = kept
    for match in YEAR.finditer(text):
        if any(s < match.end() and match.start() < e for s, e, _ in spans):
            continue
        year = int(match.group(1))
        slot = ("YY", year, match.group(2), int(match.group(3))) if match.group(2) else ("Y", year)
        spans.append((match.start(), match.end(), slot))
    if not spans:
        return (text,)
    spans.sort(key=lambda span: span[0])
    parts: list = []
    at = 0
    for start, end, slot in spans:
        if text[at:start]:
            parts.append(text[at:start])
        parts.append(slot)
        at = end
    if text[at:]:
        parts.append(text[at:])
    return tuple(parts)


def name_units(texts: list[Parts], tagged_people: list[Person], orgs: set[str]) -> tuple:
    """The story's distinct names: full people, lone surnames, organisations, companies."""
    full = {(s[1], s[3]) for parts in texts for s in parts if isinstance(s, tuple) and s[0] == "P"}
    lone = {s[1] for parts in texts for s in parts if isinstance(s, tuple) and s[0] == "S"}
    for person in tagged_people:
        lone.add(person.surname)
    lone -= {surname for _, surname in full}
    markups = {
        (s[1], " ".join(s[2].split()))
        for parts in texts
        for s in parts
        if isinstance(s, tuple) and s[0] == "M"
    }
    return (
        tuple(("P", g, s) for g, s in sorted(full))
        + tuple(("S", s) for s in sorted(lone))
        + tuple(("O", o) for o in sorted(orgs))
        + tuple(("M", k, r) for k, r in sorted(markups))
    )


# -- one copy ---------------------------------------------------------------------------------


def cycle(names: list[str], rng: random.Random) -> dict[str, str]:
    """A random single-cycle permutation: no name stays itself."""
    order = list(names)
    rng.shuffle(order)
    return {name: order[(i + 1) % len(order)] for i, name in enumerate(order)}


@dataclass(slots=True)
class CopyMaps:
    surnames: dict[str, str]
    givens: dict[str, str]
    orgs: dict[str, str]
    companies: dict[str, str]


def copy_maps(pools: Pools, seed: int, copy: int) -> CopyMaps:
    rng = random.Random(f"{seed}/names/{copy}")
    return CopyMaps(
        surnames=cycle(pools.surnames, rng),
        givens=cycle(pools.givens, rng),
        orgs=cycle(sorted(pools.orgs), rng),
        companies=cycle(sorted(pools.companies), rng),
    )


def walk(name: str, mapping: dict[str, str], blocked: frozenset[str]) -> str:
    """The name's image, skipping names the story already uses for someone it keeps."""
    target = mapping[name]
    while target in blocked:
        target = mapping[target]
    return target


class Renderer:
    """Writes copy k of a story as a JSON line."""

    def __init__(self, pools: Pools, seed: int) -> None:
        self.pools = pools
        self.seed = seed
        self.maps: dict[int, CopyMaps] = {}
        self.paragraphs = 0
        self.identical = 0
        self.copy_paragraphs = 0
        self.copy_identical = 0
        self.names: dict[str, set] = {"people": set(), "orgs": set(), "companies": set()}

    def write(self, story: Story, copy: int) -> bytes:
        if copy == 0:
            n = len(story.source_paragraphs) if story.record.get("body") else 0
            self.paragraphs += n
            self.identical += n
            self.count_names(story, None)
            return story.line
        if copy not in self.maps:
            self.maps[copy] = copy_maps(self.pools, self.seed, copy)
        maps = self.maps[copy]
        m = {
            "S": {s: walk(s, maps.surnames, story.blocked_surnames) for s in story.surnames},
            "G": {g: maps.givens[g] for g in story.givens},
            "O": {o: walk(o, maps.orgs, story.blocked_orgs) for o in story.orgs},
            "C": {c: maps.companies[c] for c in story.companies},
        }
        record = dict(story.record)
        record["id"] = f"{story.record['id']}-{copy}"
        date = record.get("date")
        if isinstance(date, str) and date[:4].isdigit():
            record["date"] = f"{int(date[:4]) + copy:04d}{date[4:]}"
        if isinstance(record.get("date_raw"), str):
            record["date_raw"] = re.sub(
                r"(?<!\d)(19\d\d)(?!\d)", lambda y: str(int(y.group(1)) + copy), record["date_raw"]
            )
        record["title"] = self.render(story.title, copy, m)
        if record.get("dateline"):
            record["dateline"] = self.render(story.dateline, copy, m)
        if record.get("body"):
            lede = self.render(story.lede, copy, m)
            rest = [self.render(p, copy, m) for p in story.rest]
            rng = random.Random(f"{self.seed}/{story.index}/{copy}")
            order = list(range(len(rest)))
            rng.shuffle(order)
            record["body"] = PARAGRAPH.join([lede] + [rest[j] for j in order]) + story.tail
            rendered = [lede] + rest
            same = sum(a == b for a, b in zip(rendered, story.source_paragraphs, strict=True))
            self.paragraphs += len(rendered)
            self.identical += same
            self.copy_paragraphs += len(rendered)
            self.copy_identical += same
        record["people"] = [self.person_tag(t, m) for t in story.record.get("people") or []]
        record["orgs"] = [m["O"].get(t, t) for t in story.record.get("orgs") or []]
        self.count_names(story, m)
        return (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")

    def person_tag(self, tag: str, m: dict) -> str:
        person = self.pools.people.get(tag)
        if person is None or person.surname not in m["S"]:
            return tag
        surname = m["S"][person.surname].lower().replace(" ", "-")
        if "-" in tag and person.given and person.given in m["G"]:
            return f"{m['G'][person.given].lower()}-{surname}"
        return surname

    def render(self, parts: Parts, copy: int, m: dict) -> str:
        if len(parts) == 1 and isinstance(parts[0], str):
            return parts[0]
        out = []
        for part in parts:
            if isinstance(part, str):
                out.append(part)
                continue
            kind = part[0]
            if kind == "Y":
                value = str(part[1] + copy)
            elif kind == "YY":
                value = f"{part[1] + copy}{part[2]}{(part[3] + copy) % 100:02d}"
            elif kind == "P":
                value = m["G"][part[1]] + part[2] + m["S"][part[3]]
                value = value.upper() if part[4] else value
            elif kind == "S":
                value = m["S"][part[1]].upper() if part[2] else m["S"][part[1]]
            elif kind == "O":
                org = self.pools.orgs[m["O"][part[1]]]
                form = (org.long or org.acronym) if part[2] == "long" else (org.acronym or org.long)
                value = form.upper() if part[3] else form  # type: ignore[union-attr]
            elif kind == "M":
                name = self.pools.companies[m["C"][part[1]]] + part[2]
                value = f"<{name.upper() if part[3] else name}>"
            else:  # "D"
                name = self.pools.companies[m["C"][part[1]]]
                value = name.upper() if part[2] else name
            out.append(value)
        return "".join(out)

    def count_names(self, story: Story, m: dict | None) -> None:
        for unit in story.units:
            if unit[0] == "P":
                given, surname = (m["G"][unit[1]], m["S"][unit[2]]) if m else unit[1:]
                self.names["people"].add(f"{given} {surname}".upper())
            elif unit[0] == "S":
                self.names["people"].add((m["S"][unit[1]] if m else unit[1]).upper())
            elif unit[0] == "O":
                self.names["orgs"].add(m["O"][unit[1]] if m else unit[1])
            else:
                key = m["C"][unit[1]] if m else unit[1]
                self.names["companies"].add(f"{key}{unit[2].upper()}")


# -- the run ----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--source", type=Path, default=REUTERS)
    parser.add_argument("--count", type=int, default=0, help="stories (default copies x source)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "reuters10x.jsonl")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--copies", type=int, default=10, help="copies of each story, k=0..")
    parser.add_argument("--order", choices=("mixed", "copies"), default="mixed")
    args = parser.parse_args()
    if not args.source.exists():
        print(f"skipped: {args.source} is absent (needs ../shared)")
        return 0
    started = time.perf_counter()
    lines = [line + b"\n" for line in args.source.read_bytes().split(b"\n") if line.strip()]
    records = [json.loads(line) for line in lines]
    ids = [str(r.get("id")) for r in records]
    if len(set(ids)) != len(ids) or "None" in ids:
        print("error: the source records need unique ids", file=sys.stderr)
        return 1
    pools = build_pools(records)
    compiler = Compiler(pools)
    stories = [compiler.compile(i, lines[i], r) for i, r in enumerate(records)]
    n = len(stories)
    prepared = time.perf_counter() - started
    print(
        f"source: {n} stories; pools: {len(pools.people)} people ({len(pools.surnames)} surnames, "
        f"{len(pools.givens)} given names), {len(pools.orgs)} organisations, "
        f"{len(pools.companies)} companies; prepared in {prepared:.1f} s",
        flush=True,
    )
    count = args.count or n * args.copies
    copies = max(args.copies, math.ceil(count / n))
    order = list(range(n * copies))
    if args.order == "mixed":
        random.Random(f"{args.seed}/order").shuffle(order)
    before = Renderer(pools, args.seed)  # the names of the source stories the output copies
    for i in sorted({slot % n for slot in order[:count]}):
        before.count_names(stories[i], None)
    renderer = Renderer(pools, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    written = size = 0
    with args.out.open("wb") as out:
        for slot in order[:count]:
            data = renderer.write(stories[slot % n], slot // n)
            out.write(data)
            written += 1
            size += len(data)
    seconds = time.perf_counter() - started
    print(f"wrote {written} records, {size:,} bytes ({size / 1e6:.1f} MB) to {args.out}")
    print("distinct names from the pools   in the source stories copied   in the output")
    for kind in ("people", "orgs", "companies"):
        was, now = len(before.names[kind]), len(renderer.names[kind])
        print(f"  {kind:<30} {was:>28} {now:>15}  ({now / max(was, 1):.1f}x)")
    share = renderer.identical / renderer.paragraphs if renderer.paragraphs else 0
    copy_share = (
        renderer.copy_identical / renderer.copy_paragraphs if renderer.copy_paragraphs else 0
    )
    print(
        f"paragraphs identical to their source paragraph: {share:.1%} of {renderer.paragraphs} "
        f"({copy_share:.1%} of the {renderer.copy_paragraphs} in copies k >= 1)"
    )
    print(f"took {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

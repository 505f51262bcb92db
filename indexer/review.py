"""The entity review list: the facet values most likely to be wrong, worst first, each with the
command that fixes it, so an editor can clean the facets a newsroom relies on in minutes.

Every value is judged as it is shown (after merges, label decisions and a user's corrections)
on evidence the store already holds: how its documents labelled it, how it is written, where
in the text it was found, and which spellings were merged into it. A value is ranked by the
documents it touches times the weight of its reasons, so a wrong value on every card comes
before an odd one in two documents.
"""

from __future__ import annotations

import re
import shlex
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from indexer.aliases import load_name_table
from indexer.store import DocumentStore
from search.documents import ENTITY_LABELS
from search.names import NameTable
from search.parameters import ENTITY_NOUNS

# how much each kind of evidence counts towards a value's rank
WEIGHTS = {
    "mixed_types": 3.0,
    "mixed_org_place": 1.0,
    "credit_line": 3.0,
    "different_names": 3.0,
    "all_caps": 2.0,
    "one_word": 1.0,
}
# a value the other labels claim in at least this share of its documents is "mixed"
MIXED_SHARE = 0.1
# a value found only in credit or caption lines in at least this share of its documents
CREDIT_SHARE = 0.5
# an all-caps word this short is an acronym (NATO, BBC, WHO), not a shouted name
ACRONYM_LETTERS = 4

# a credit or caption is a short line; a paragraph that names a news agency is reporting
CREDIT_CHARS = 300
# lines that credit or caption rather than report: wire credits, bylines' contact lines,
# photo captions, staff lists
CREDIT_LINE = re.compile(
    r"\b(?:reporting|writing|editing|additional reporting|compiled|produced) by\b"
    r"|\bcontributed to this (?:report|story)\b|\((?:AP|AFP|Reuters|dpa|UPI)\)"
    r"|\b(?:photo|picture|image|photograph|illustration|video)(?:s|\s+credit)?\s*[:/]"
    r"|\bimage copyright\b|\bgetty images\b|\bcredit:|\bcaption\b|\bcopyright\b|©"
    r"|\bemail\b.*\bat\b|\bfollow\b.{0,40}\bon (?:twitter|x|facebook|instagram)\b"
    r"|\b(?:editor|producer|correspondent|photographer|reporter)s?\s*:",
    re.IGNORECASE,
)
LABEL_WORDS = ENTITY_NOUNS


@dataclass(frozen=True, slots=True)
class Reason:
    """One piece of evidence that a value is wrong, in words."""

    code: str
    detail: str


@dataclass
class Suspect:
    """A shown value, how many documents it touches, why it is suspect and how to fix it."""

    label: str
    name: str
    documents: int
    reasons: list[Reason] = field(default_factory=list)
    fix: str = ""

    @property
    def score(self) -> float:
        return self.documents * sum(WEIGHTS[r.code] for r in self.reasons)

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "name": self.name,
            "documents": self.documents,
            "score": round(self.score, 1),
            "reasons": [{"code": r.code, "detail": r.detail} for r in self.reasons],
            "fix": self.fix,
        }


def _command(*words: str) -> str:
    return "docsift " + " ".join(shlex.quote(w) for w in words)


def _shown_counts(
    store: DocumentStore, names: NameTable
) -> tuple[Counter[tuple[str, str]], dict[tuple[str, str], Counter[str]]]:
    """Documents per shown (label, name), and per shown name the documents per raw label."""
    documents: Counter[tuple[str, str]] = Counter()
    raw_labels: dict[tuple[str, str], Counter[str]] = {}
    for rows in store.entity_rows_by_document():
        seen: dict[tuple[str, str], set[str]] = {}
        for label, value in rows:
            shown = names.resolve(label, value)
            if shown is not None:
                seen.setdefault(shown, set()).add(label)
        for shown, labels in seen.items():
            documents[shown] += 1
            counter = raw_labels.setdefault(shown, Counter())
            counter.update(labels)
    return documents, raw_labels


def _credit_documents(store: DocumentStore, names: NameTable) -> Counter[tuple[str, str]]:
    """Per shown (label, name), the documents in which it is found only in credit or caption
    lines."""
    only_credits: Counter[tuple[str, str]] = Counter()
    for title, body, mentions in store.mention_texts():
        credit_lines: dict[str, bool] = {}
        in_credit: dict[tuple[str, str], bool] = {}
        for mention in mentions:
            if mention.get("label") not in ENTITY_LABELS:
                continue
            shown = names.resolve(mention["label"], mention.get("value") or "")
            if shown is None:
                continue
            text = title if mention.get("field") == "title" else body
            start = int(mention.get("start", 0))
            line = text[text.rfind("\n", 0, start) + 1 : _line_end(text, start)]
            if line not in credit_lines:
                credit_lines[line] = len(line) <= CREDIT_CHARS and bool(CREDIT_LINE.search(line))
            credit = credit_lines[line]
            in_credit[shown] = in_credit.get(shown, True) and credit
        only_credits.update(shown for shown, credit in in_credit.items() if credit)
    return only_credits


def _line_end(text: str, start: int) -> int:
    end = text.find("\n", start)
    return len(text) if end < 0 else end


def _first_word(name: str) -> str:
    return name.split()[0].rstrip(".").casefold()


def _same_first_name(a: str, b: str) -> bool:
    """ "J." and "John", "Vlad" and "Vladimir" may be one person; "Noam" and "Ben" are not."""
    x, y = _first_word(a), _first_word(b)
    return x.startswith(y) or y.startswith(x)


def _different_names(names: NameTable, label: str, name: str, manual: set[str]) -> list[str]:
    """Automatically merged spellings of a person whose first name is another one."""
    if label != "person" or " " not in name:
        return []
    return [
        variant
        for variant in names.variants(label, name)
        if " " in variant and variant not in manual and not _same_first_name(variant, name)
    ]


def _is_all_caps(name: str) -> bool:
    letters = [c for c in name if c.isalpha()]
    if not letters or not all(c.isupper() for c in letters):
        return False
    return " " in name.strip() or len(letters) > ACRONYM_LETTERS


@dataclass(frozen=True)
class _NameEvidence:
    """What the corpus says about words in names: which first words start several people's
    names (a first name: "Tony" in Tony Blair and Tony Blackburn), which are places or
    organisations of their own ("Manchester" in Manchester United)."""

    first_names: frozenset[str]
    not_people: frozenset[str]

    @classmethod
    def of(cls, documents: Mapping[tuple[str, str], int]) -> _NameEvidence:
        starts: Counter[str] = Counter()
        for label, name in documents:
            if label == "person" and " " in name.strip():
                starts[_first_word(name)] += 1
        not_people = frozenset(n.casefold() for lab, n in documents if lab != "person")
        return cls(
            frozenset(w for w, n in starts.items() if n >= 2 and w not in not_people),
            not_people,
        )

    def looks_like_a_person(self, name: str) -> bool:
        return " " in name.strip() and _first_word(name) in self.first_names


def _mixed_types(
    label: str,
    name: str,
    tagged: Counter[str],
    count: int,
    evidence: _NameEvidence,
    names: NameTable,
) -> tuple[Reason, str] | None:
    """A value its documents tag with several labels, and the label to move it to; None when
    the mix is no evidence against the label shown. The small model's commonest mistake is a
    party, club, company or city as a person, so a person also tagged otherwise is suspect;
    an organisation or place also tagged as a person only if its first word starts other
    people's names (Labour, Wales and Chelsea are tagged as people in a third of their
    documents, and are not)."""
    if name in names.relabels:
        return None  # a user decided
    others = {
        lab: n
        for lab, n in tagged.items()
        if lab != label
        and n >= MIXED_SHARE * count
        and (lab != "person" or evidence.looks_like_a_person(name))
    }
    if not others:
        return None
    target = max(others, key=lambda lab: (others[lab], lab))
    detail = ", ".join(f"{LABEL_WORDS[lab]} in {n}" for lab, n in tagged.most_common())
    # a person also tagged otherwise is the commonest error; org against place less telling
    code = "mixed_types" if label == "person" else "mixed_org_place"
    return Reason(code, f"tagged {detail} documents"), target


def review_entities(
    store: DocumentStore, *, limit: int = 50, label: str | None = None
) -> list[Suspect]:
    """The values most likely to be wrong, worst first (see the module docstring).

    Args:
        store: the document store (the source of every figure).
        limit: how many to return.
        label: only values shown under this label.

    Returns:
        Suspects, highest score first, each with its reasons and the command that fixes it.
    """
    names = load_name_table(store)
    documents, raw_labels = _shown_counts(store, names)
    only_credits = _credit_documents(store, names)
    manual = {row.variant for row in store.aliases() if row.manual}
    # the other spellings of each name under the same label ("LONDON" and "London")
    spellings: dict[tuple[str, str], list[str]] = {}
    for lab, shown in documents:
        spellings.setdefault((lab, shown.casefold()), []).append(shown)
    evidence = _NameEvidence.of(documents)
    # each surname's most mentioned full name ("blair" -> "Tony Blair")
    surnames: dict[str, str] = {}
    for lab, shown in sorted(documents, key=documents.__getitem__):
        if lab == "person" and " " in shown.strip():
            surnames[shown.split()[-1].casefold()] = shown
    suspects = []
    for (shown_label, name), count in documents.items():
        if label and shown_label != label:
            continue
        suspect = Suspect(shown_label, name, count)
        mixed = _mixed_types(
            shown_label, name, raw_labels[(shown_label, name)], count, evidence, names
        )
        if mixed is not None:
            suspect.reasons.append(mixed[0])
            suspect.fix = _command("aliases", "relabel", name, "--to", mixed[1])
        credited = only_credits.get((shown_label, name), 0)
        if credited >= CREDIT_SHARE * count:
            suspect.reasons.append(
                Reason(
                    "credit_line",
                    f"only in credit or caption lines in {credited} of {count} documents",
                )
            )
            suspect.fix = suspect.fix or _command("aliases", "hide", name, "--label", shown_label)
        merged = _different_names(names, shown_label, name, manual)
        if merged:
            suspect.reasons.append(
                Reason("different_names", "merged from " + ", ".join(merged[:3]))
            )
            suspect.fix = suspect.fix or _command(
                "aliases", "split", merged[0], "--label", shown_label
            )
        if _is_all_caps(name):
            suspect.reasons.append(Reason("all_caps", "written in capitals"))
            same = spellings.get((shown_label, name.casefold()), ())
            plain = next((n for n in same if n != name), None)
            if plain:
                fix = _command("aliases", "merge", name, plain, "--label", shown_label)
            else:
                fix = _command("aliases", "hide", name, "--label", shown_label)
            suspect.fix = suspect.fix or fix
        if shown_label == "person" and " " not in name.strip():
            suspect.reasons.append(Reason("one_word", "a person named by one word"))
            # a surname the corpus gives several full names ("Blair"): merge into the likeliest
            full = surnames.get(name.casefold())
            if full:
                fix = _command("aliases", "merge", name, full, "--label", "person")
            else:
                fix = _command("aliases", "hide", name, "--label", "person")
            suspect.fix = suspect.fix or fix
        if suspect.reasons:
            suspects.append(suspect)
    suspects.sort(key=lambda s: (-s.score, -s.documents, s.label, s.name))
    return suspects[:limit]

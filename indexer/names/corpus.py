"""Across the corpus: `build_aliases` maps each variant to one canonical value (case,
spelling, transliteration, surname, acronym, designator, demonym, label vote, the user's own
merges); `resolve_labels` settles a name's label by vote.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence

from indexer.gazetteer import place_id
from indexer.names.canonical import _fold, canonical_name
from indexer.names.forest import (
    _EMPTY_PAIRS,
    Alias,
    CoMentions,
    _choose,
    _Forest,
    _group_key,
    _mixed_case,
    _Node,
)
from indexer.names.within_document import (
    _ends_with,
    _is_partial,
    _keys,
    _osa_distance,
    _same_person,
    _skeleton,
)
from search.documents import ENTITY_LABELS

# a lone surname joins a full name corpus-wide only when at least this share of its documents
# mention two or more names the full name's documents keep company with (each at least
# ASSOCIATION times more often than the corpus at large)
SUPPORTED_SHARE = 2 / 3
ASSOCIATION = 3.0
# a lone surname shared by several full names may join the one named in this many times as
# many documents as the others together, with the same evidence of shared company
DOMINANT = 4


def build_aliases(
    counts: Mapping[tuple[str, str], int],
    acronym_pairs: Mapping[tuple[str, str], int] = _EMPTY_PAIRS,
    manual_merges: Sequence[tuple[str, str, str]] = (),
    manual_splits: Sequence[tuple[str, str]] = (),
    co_mentions: CoMentions | None = None,
) -> dict[tuple[str, str], Alias]:
    """Map name variants to one canonical value per entity, corpus-wide.

    `counts` maps (label, value) to the number of documents mentioning it (values already
    canonical_name'd). Returns (label, variant) -> Alias for the variants that change, each
    pointing at its final canonical (no chains, no cycles). Rules, in order:

    1. case/spelling: values of one label equal after case, accents, full stops, hyphens and
       (org/place) a leading "the" are one; canonical: an all-caps form of 2-6 letters
       (org/place), else the most documents, then (persons) mixed case, longest, alphabetical.
    1b. country (org/place): names and codes of one country, union or US state, from the
       gazetteer (indexer.gazetteer): "USA", "U.S.", "United States", "America"; "EU",
       "European Union"; "NY", "New York". Canonical: the most documents.
    1c. designator, demonym (org): one name with and without a designator or a plural "s"
       on its last word ("Labour Party", "Labour"; "Lib Dems", "Lib Dem"), and with its
       country as a possessive or an adjective ("Ukraine's Foreign Ministry", "Ukrainian
       Foreign Ministry"). Canonical as in rule 1, the adjective's form for a demonym.
    2. transliteration (person): multi-word names with the same number of words, the same
       first and middle names by `name_key`, and close surnames (equal keys, or the same
       consonants and a Damerau-Levenshtein distance between keys of 1 up to 8 letters, 2
       beyond, never under 5 letters); one-word names with equal keys. Leader clustering in
       order of documents, so chains of near-misses never drift.
    2b. middle-name (person): a first and last name and the one longer name with the same
       first and last name ("Owen Dempsey", "Owen John Dempsey"); two different middle names
       ("George W. Bush", "George H. W. Bush") leave the short form alone.
    3. acronym (org/place): a long form and an acronym the corpus pairs at least once, both
       present under the same label; canonical: more documents, ties to the acronym. An
       acronym paired with two different long forms is ambiguous and skipped.
    4. label-vote: the same value (case/accent-folded) under several labels goes to the label
       with strictly the most documents; ties stay.
    5. surname (person): a one-word name (or "de Gaulle") whose key ends exactly one
       multi-word person name, or one named in DOMINANT times as many documents as the others
       together, merges into it when `co_mentions` shows they keep the same company (see
       SUPPORTED_SHARE), unless the same value is as common under another label.
       Without that evidence it stays apart: a Cohen in one story is not another story's
       Noam Cohen just because the corpus knows no other Cohen.
    6. manual: merges always apply (later ones win a conflict, cycles are cut), their
       canonicals are never merged away, and manual variants and splits take no part in the
       automatic rules.
    """
    nodes: dict[_Node, int] = {}
    for (label, value), n in counts.items():
        if label in ENTITY_LABELS and isinstance(value, str) and value:
            nodes[(label, value)] = n
    forest = _Forest(nodes)

    manual = _manual_map(manual_merges)
    splits = {(lab, v) for lab, v in manual_splits}
    pinned: set[_Node] = set()
    for variant, canonical in manual.items():
        forest.add(variant)
        forest.add(canonical)
    for canonical in set(manual.values()):
        if canonical not in manual:
            pinned.add(canonical)
    frozen = splits | set(manual)  # take no part in automatic rules

    ordered = sorted(forest.count)  # results never depend on the order of `counts`

    def roots(label: str | None = None) -> list[_Node]:
        return [
            n
            for n in ordered
            if n not in forest.parent and n not in frozen and (label is None or n[0] == label)
        ]

    # 1. case and trivial spelling
    groups: dict[tuple[str, str], list[_Node]] = defaultdict(list)
    for node in roots():
        groups[(node[0], _group_key(*node))].append(node)
    for members in groups.values():
        if len(members) < 2:
            continue
        canonical = _choose(members, forest, pinned)
        for node in members:
            if node != canonical and node not in pinned:
                reason = "case" if node[1].casefold() == canonical[1].casefold() else "spelling"
                forest.merge(node, canonical, reason)

    # 1b. one country or US state, named or coded ("USA", "U.S.", "United States", "America")
    _merge_places(forest, roots, pinned)

    # 1c. one organisation with and without its designator or plural ("Labour Party",
    # "Labour"; "Lib Dems", "Lib Dem"), or with its country as a possessive or an adjective
    # ("Ukraine's Foreign Ministry", "Ukrainian Foreign Ministry")
    _merge_org_forms(forest, roots("org"), pinned)

    # 2. transliteration of person names
    _merge_transliterations(forest, roots("person"), pinned)

    # 2b. the same first and last name, with and without middle names
    _merge_middle_names(forest, roots("person"), pinned)

    # 3. acronyms
    _merge_acronyms(forest, roots, acronym_pairs, pinned)

    # 4. label vote
    voted = _merge_label_votes(forest, roots(), pinned)

    # 5. lone surnames
    _merge_surnames(
        forest, [n for n in roots("person") if n not in voted], roots(), pinned, co_mentions
    )

    # 6. manual merges
    for variant, canonical in manual.items():
        forest.parent.pop(variant, None)
        forest.merge(variant, canonical, "manual")

    aliases: dict[tuple[str, str], Alias] = {}
    for node in forest.count:
        final, reasons = forest.path(node)
        if final != node:
            aliases[node] = Alias(node[1], final[1], final[0], "+".join(reasons))
    return aliases


def _manual_map(merges: Sequence[tuple[str, str, str]]) -> dict[_Node, _Node]:
    """variant -> canonical, acyclic: a later merge that would close a cycle makes its own
    canonical the root instead."""
    mapping: dict[_Node, _Node] = {}
    for label, variant, canonical in merges:
        v, c = (label, variant), (label, canonical)
        if not variant or not canonical or v == c:
            continue
        node, seen = c, set()
        while node in mapping and node not in seen:
            seen.add(node)
            node = mapping[node]
        if node == v:  # c already leads back to v: the newer decision wins
            mapping.pop(c, None)
        mapping[v] = c
    return mapping


def _merge_transliterations(forest: _Forest, persons: list[_Node], pinned: set[_Node]) -> None:
    blocks: dict[tuple, list[_Node]] = defaultdict(list)
    for node in persons:
        keys = _keys(node[1])
        if not keys:
            continue
        block = (len(keys), keys[:-1], _skeleton(keys[-1])) if len(keys) > 1 else (1, keys)
        blocks[block].append(node)
    for members in blocks.values():
        if len(members) < 2:
            continue
        ordered = sorted(members, key=lambda n: _rank_tuple(n, forest, pinned))
        leaders: list[tuple[_Node, tuple[str, ...]]] = []
        for node in ordered:
            keys = _keys(node[1])
            for leader, leader_keys in leaders:
                same = keys == leader_keys if len(keys) == 1 else _same_person(keys, leader_keys)
                if same and node not in pinned:
                    forest.merge(node, leader, "transliteration")
                    break
            else:
                leaders.append((node, keys))


def _merge_places(forest: _Forest, roots: Callable[[str], list[_Node]], pinned: set[_Node]) -> None:
    for label in ("place", "org"):
        groups: dict[str, list[_Node]] = defaultdict(list)
        for node in roots(label):
            place = place_id(node[1])
            if place is not None:
                groups[place].append(node)
        for members in groups.values():
            if len(members) < 2 or len(set(members) & pinned) > 1:
                continue
            canonical = min(
                members, key=lambda n: (n not in pinned, -forest.total[n], -len(n[1]), n[1])
            )
            for node in sorted(members):
                if node != canonical and node not in pinned:
                    forest.merge(node, canonical, "country")


# words that end an organisation's name and are as often left out: "Labour Party" is Labour
_DESIGNATORS = frozenset(
    "party group inc ltd plc corp corporation co company fc afc llc holdings".split()
)
_DEMONYM_ENDINGS = ("", "n", "an", "ian", "ean", "ese", "i", "ish", "ic")


def _org_base(value: str) -> str:
    """An organisation's name without its designator or a plural "s" on its last word
    ("Labour Party" -> "labour", "Lib Dems" -> "lib dem"); one-word plurals stay ("Times")."""
    words = _group_key("org", value).split()
    if len(words) > 1 and words[-1] in _DESIGNATORS:
        words = words[:-1]
    if len(words) > 1 and len(words[-1]) >= 4 and words[-1].endswith("s"):
        last = words[-1]
        if last.endswith("ies"):
            words[-1] = last[:-3] + "y"
        elif not last.endswith("ss"):
            words[-1] = last[:-1]
    return " ".join(words)


def _demonym_base(value: str) -> str | None:
    """ "Ukraine's Foreign Ministry" -> "ukrain foreign ministry": the country's stem and the
    rest, which "Ukrainian Foreign Ministry" also gives (see `_adjective_base`)."""
    match = re.match(r"^(\S+)'s (.+)$", value)
    if not match or not match.group(1)[:1].isupper():
        return None
    stem = _fold(match.group(1)).rstrip("aeiouy")
    return f"{stem} {_group_key('org', match.group(2))}" if len(stem) >= 4 else None


def _merge_org_forms(forest: _Forest, orgs: list[_Node], pinned: set[_Node]) -> None:
    groups: dict[str, list[_Node]] = defaultdict(list)
    for node in orgs:
        groups[_org_base(node[1])].append(node)
    possessives: dict[str, list[_Node]] = defaultdict(list)
    for node in orgs:
        base = _demonym_base(node[1])
        if base is not None:
            possessives[base].append(node)
    for node in orgs:
        words = node[1].split(" ", 1)
        if len(words) < 2 or not words[0][:1].isupper():
            continue
        adjective = _fold(words[0])
        rest = _group_key("org", words[1])
        for stem_length in range(4, len(adjective) + 1):
            stem = adjective[:stem_length]
            if adjective[stem_length:] in _DEMONYM_ENDINGS and f"{stem} {rest}" in possessives:
                groups[f"demonym:{stem} {rest}"] = [node, *possessives[f"{stem} {rest}"]]
                break
    for key, members in groups.items():
        group = {forest.root(n) for n in members}
        if len(group) < 2 or len(group & pinned) > 1:
            continue
        reason = "demonym" if key.startswith("demonym:") else "designator"
        # "Ukrainian Foreign Ministry" is the name; "Ukraine's Foreign Ministry" describes it
        named = [n for n in group if reason != "demonym" or _demonym_base(n[1]) is None]
        canonical = _choose(named or group, forest, pinned)
        for node in sorted(group):
            if node != canonical and node not in pinned:
                forest.merge(node, canonical, reason)


def _merge_middle_names(forest: _Forest, persons: list[_Node], pinned: set[_Node]) -> None:
    by_ends: dict[tuple[str, str], list[tuple[_Node, tuple[str, ...]]]] = defaultdict(list)
    for node in persons:
        keys = _keys(node[1])
        if len(keys) >= 2 and not _is_partial(node[1]):
            by_ends[(keys[0], keys[-1])].append((node, keys))
    for members in by_ends.values():
        shorts = [(n, k) for n, k in members if len(k) == 2]
        longs = [(n, k) for n, k in members if len(k) > 2]
        if len(shorts) != 1 or not longs:
            continue
        # one middle name or several spellings of it: one person; two different ones
        # ("George W. Bush", "George H. W. Bush"): the short form could be either
        if any(not _same_person(a, b) for _, a in longs for _, b in longs if a != b):
            continue
        group = {forest.root(shorts[0][0])} | {forest.root(n) for n, _ in longs}
        if len(group) < 2 or len(group & pinned) > 1:
            continue
        canonical = _choose(group, forest, pinned)
        for node in sorted(group):
            if node != canonical and node not in pinned:
                forest.merge(node, canonical, "middle-name")


def _rank_tuple(node: _Node, forest: _Forest, pinned: set[_Node]) -> tuple:
    return (
        node not in pinned,
        -forest.total[node],
        not _mixed_case(node[1]),
        -len(node[1]),
        node[1],
    )


def _merge_acronyms(
    forest: _Forest,
    roots: Callable[[str], list[_Node]],
    pairs: Mapping[tuple[str, str], int],
    pinned: set[_Node],
) -> None:
    by_acronym: dict[str, set[str]] = defaultdict(set)
    for (long_form, acronym), n in pairs.items():
        if not n or n < 1 or not isinstance(long_form, str) or not isinstance(acronym, str):
            continue
        long_c = canonical_name(long_form, "org")
        acr_c = canonical_name(acronym, "org")
        if long_c and acr_c:
            by_acronym[_group_key("org", acr_c)].add(_group_key("org", long_c))
    for label in ("org", "place"):
        index = {_group_key(label, n[1]): n for n in roots(label)}
        for acr_key, long_keys in sorted(by_acronym.items()):
            acr_node = index.get(acr_key)
            present = sorted(k for k in long_keys if k in index and k != acr_key)
            if acr_node is None or not present:
                continue
            # one acronym, two organisations ("Communist Party"/"Conservative Party (CP)"):
            # skip, unless the long forms are spellings of one name (-isation/-ization)
            if any(_osa_distance(a, b) > 2 for a in present for b in present):
                continue
            group = {forest.root(acr_node)} | {forest.root(index[k]) for k in present}
            if len(group) < 2 or len(group & pinned) > 1:
                continue
            acronym_root = forest.root(acr_node)
            canonical = min(
                group,
                key=lambda n: (n not in pinned, -forest.total[n], n != acronym_root, n[1]),
            )
            for node in sorted(group):
                if node != canonical:
                    forest.merge(node, canonical, "acronym")


def _merge_label_votes(forest: _Forest, nodes: list[_Node], pinned: set[_Node]) -> set[_Node]:
    by_value: dict[str, list[_Node]] = defaultdict(list)
    for node in nodes:
        by_value[_fold(node[1])].append(node)
    moved: set[_Node] = set()
    for members in by_value.values():
        per_label: dict[str, int] = defaultdict(int)
        for node in members:
            per_label[node[0]] += forest.total[node]
        if len(per_label) < 2:
            continue
        winner = resolve_labels({"": per_label}).get("")
        if winner is None:
            continue
        target = _choose([n for n in members if n[0] == winner], forest, pinned)
        for node in members:
            if node[0] != winner and node not in pinned:
                forest.merge(node, target, "label-vote")
                moved.add(node)
    return moved


def _merge_surnames(
    forest: _Forest,
    persons: list[_Node],
    all_roots: list[_Node],
    pinned: set[_Node],
    co_mentions: CoMentions | None,
) -> None:
    if co_mentions is None:
        return
    by_last: dict[str, list[tuple[_Node, tuple[str, ...]]]] = defaultdict(list)
    for node in persons:
        if not _is_partial(node[1]):
            keys = _keys(node[1])
            if len(keys) >= 2:
                by_last[keys[-1]].append((node, keys))
    other_labels: dict[str, int] = defaultdict(int)
    for node in all_roots:
        if node[0] != "person":
            other_labels[_fold(node[1])] = max(other_labels[_fold(node[1])], forest.total[node])
    for node in persons:
        if node in pinned or not _is_partial(node[1]):
            continue
        keys = _keys(node[1])
        if not keys:
            continue
        if other_labels.get(_fold(node[1]), -1) >= forest.total[node]:
            continue  # "Jordan": as much a place as a surname
        candidates = [full for full, fk in by_last.get(keys[-1], ()) if _ends_with(fk, keys)]
        full = _dominant(candidates, forest)
        # beside other full names with that surname, every story of the lone one must keep
        # the chosen name's company: one football story's "Howard" (Tim, a goalkeeper) among
        # politics stories' "Howard" (Michael) keeps the lone name apart
        share = SUPPORTED_SHARE if len(candidates) == 1 else 1.0
        if full is not None and _keep_company(node, full, forest, co_mentions, share):
            forest.merge(node, full, "surname")


def _dominant(candidates: list[_Node], forest: _Forest) -> _Node | None:
    """The one full name a lone surname can stand for: the only one, or the one named in
    DOMINANT times as many documents as all the others together ("Tony Blair" beside "Cherie
    Blair" and "Ian Blair" in the BBC's politics stories); None when no name stands out."""
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    ranked = sorted(candidates, key=lambda n: (-forest.total[n], n))
    others = sum(forest.total[n] for n in ranked[1:])
    return ranked[0] if forest.total[ranked[0]] >= DOMINANT * max(others, 1) else None


def _keep_company(
    partial: _Node,
    full: _Node,
    forest: _Forest,
    co: CoMentions,
    share: float = SUPPORTED_SHARE,
) -> bool:
    """Whether the documents of `partial` mention the names that `full`'s documents do.

    A name is associated with `full` when at least two of its documents (or its only one)
    mention it, ASSOCIATION times more often than the corpus does; a document of `partial`
    supports the merge when it mentions two associated names (or names only one, and that one
    is associated); `share` of the documents that name anyone else must.
    """
    own = {partial, full}

    def roots_of(docs: Sequence[Collection[_Node]]) -> list[set[_Node]]:
        return [{forest.root(n) for n in doc if n not in own} - own for doc in docs]

    partial_docs = roots_of(co.documents(partial))
    full_docs = roots_of(co.documents(full))
    if not partial_docs or not full_docs:
        return False
    company: dict[_Node, int] = defaultdict(int)
    for doc in full_docs:
        for node in doc:
            company[node] += 1
    total = max(co.total, 1)

    def associated(node: _Node) -> bool:
        shared = company.get(node, 0)
        if shared < min(2, len(full_docs)):
            return False
        return shared / len(full_docs) >= ASSOCIATION * forest.total.get(node, 1) / total

    # a document naming nobody else says nothing either way; one naming a single other name
    # supports the merge when that name keeps the full name's company
    telling = [doc for doc in partial_docs if doc]
    supported = sum(1 for doc in telling if sum(map(associated, doc)) >= min(2, len(doc)))
    return supported > 0 and supported >= share * len(telling)


def resolve_labels(label_counts: Mapping[str, Mapping[str, int]]) -> dict[str, str]:
    """value -> the label it should carry, for values tagged with more than one label.

    The label with strictly the most documents wins. A tie is left alone (the value keeps
    each label it was given): a tie is no evidence, and a wrong label hides an entity.
    """
    winners: dict[str, str] = {}
    for value, per_label in label_counts.items():
        present = {lab: n for lab, n in per_label.items() if n and n > 0}
        if len(present) < 2:
            continue
        ranked = sorted(present.items(), key=lambda kv: -kv[1])
        if ranked[0][1] > ranked[1][1]:
            winners[value] = ranked[0][0]
    return winners

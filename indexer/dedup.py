"""Same story told twice: near-duplicate and rewrite detection, grouped into stories.

Two signals, each found through MinHash LSH (datasketch) and then verified pair by pair:

- near-duplicates: MinHash over word 5-shingles of the body. Reprints, small edits and
  exact copies share most of their shingles; the estimated Jaccard decides.
- rewrites: a machine or wire rewrite shares few exact phrases but the same people,
  organisations and places and much of the vocabulary. Candidates come from MinHash LSH over
  the set of content words (a looser threshold), and a pair is kept only if it also shares
  several shown names (after the name table merges variants), the term-frequency cosine of the
  two texts is high enough and, when both are dated, they are a few days apart at most.

Verified pairs are edges; connected documents form a story whose id is its smallest doc id.
Each later version of a story (by publication date, then ingest time, then id) is compared
with the story's earliest one (search.compare), and what it adds is kept as flags in the story
table: `adds_people`, `unsupported_quotes` (quotes given to a person the earlier version never
quotes saying them), so searches can filter rewrites by them.
Signatures and edges persist in the store, so an ingest compares only new or changed documents
against everything stored, and `docsift reindex` recomputes every edge. The result reaches the
search side as `stories.json` beside the index (search.stories), read at query time, so
regrouping never rewrites indexed documents.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from datasketch import MinHashLSH

from indexer.signatures import (
    MIN_WORDS,
    NUM_PERM,
    Signature,
    content_words,
    cosine,
    estimated_jaccard,
    signature,
    term_weights,
    title_overlap,
)
from indexer.store import DocumentStore, StoryEdge
from indexer.version_flags import FlagCache, compare_versions
from search.documents import parse_iso_at
from search.names import NameTable
from search.stories import StoryTable

__all__ = [
    "FlagCache",
    "Signature",
    "compare_versions",
    "find_edges",
    "group",
    "refresh_signatures",
    "same_event",
    "signature",
    "update_stories",
]

# near-duplicates: LSH finds pairs around this estimated shingle Jaccard, verified at NEAR_MIN
NEAR_LSH = 0.5
NEAR_MIN = 0.6
# a document joins its group through one edge; past NEAR_EDGES verified near-duplicates (checked
# in id order) the rest add nothing to the grouping, and a site of n identical pages (soft 404s,
# calendars) would otherwise cost n * n checks and stored edges
NEAR_EDGES = 8
# rewrites: LSH over content-word sets finds candidates from REWRITE_LSH up; a pair is a rewrite
# when it shares REWRITE_SHARED shown names, covering REWRITE_ENTITY of the smaller document's
# names, with tf cosine at least REWRITE_COSINE, published at most REWRITE_DAYS apart
REWRITE_LSH = 0.2
REWRITE_SHARED = 3
REWRITE_ENTITY = 0.4
REWRITE_COSINE = 0.45
REWRITE_DAYS = 3
# rewrites are looked for only in articles of some length (briefs and tables are templated
# and alike by nature), and not for a document with more look-alikes than MAX_CANDIDATES:
# in such a dense region (daily market reports) names and vocabulary cannot tell versions
REWRITE_MIN_WORDS = 100
MAX_CANDIDATES = 40
# without dates a rewrite cannot be told from a follow-up by time, so the bar is higher: more
# shared names, and the pair must be isolated: neither document has any other candidate that
# even loosely resembles it (THREAD_COSINE, THREAD_SHARED). Several related articles are a
# running story of different events (a trial, a takeover battle); one isolated close pair is
# the same story told twice.
UNDATED_SHARED = 8
UNDATED_ENTITY = 0.45
THREAD_COSINE = 0.3
THREAD_SHARED = 3
# ...and an undated pair must tell the same event, not two events on one topic (a premiere
# and a later gala of one musical share cast, theatre and background paragraphs): their
# headlines share UNDATED_TITLE of the shorter headline's words, at least UNDATED_TITLE_WORDS
# (a rewrite keeps what the story is about even when it rewords every sentence). Sentence
# alignment does not tell them apart: a follow-up reuses more sentences than a machine
# rewrite keeps. bench/duplicates.py; hand-judged groups in bench/duplicates_judged.tsv.
UNDATED_TITLE = 0.6
UNDATED_TITLE_WORDS = 2


def same_event(title_a: str, title_b: str) -> bool:
    """Whether two undated look-alikes tell one event (see UNDATED_TITLE)."""
    shared, share = title_overlap(title_a, title_b)
    return shared >= UNDATED_TITLE_WORDS and share >= UNDATED_TITLE


@dataclass(frozen=True, slots=True)
class _Facts:
    """What verifying a rewrite needs about one document, loaded only for candidates."""

    terms: Mapping[str, float]  # unit-length term weights
    names: Mapping[str, int]  # shown name -> mentions
    published: dt.date | None


def _day(published: str | None) -> dt.date | None:
    """A stored publication date known to the day; a month or a year says too little to tell
    whether two versions were published within REWRITE_DAYS of each other."""
    found = parse_iso_at(published)
    return found[0] if found and found[1] == "day" else None


class _Verifier:
    def __init__(self, store: DocumentStore, names: NameTable) -> None:
        self.store, self.names = store, names
        self.facts: dict[str, _Facts] = {}

    def load(self, doc_ids: Iterable[str]) -> None:
        wanted = [d for d in set(doc_ids) if d not in self.facts]
        if not wanted:
            return
        entities = self.store.entity_values(wanted)
        for doc_id, title, body, published in self.store.texts(wanted):
            shown: Counter[str] = Counter()
            for label, value, mentions in entities.get(doc_id, ()):
                resolved = self.names.resolve(label, value)
                if resolved is not None:
                    shown[resolved[1]] += mentions
            self.facts[doc_id] = _Facts(
                term_weights(Counter(content_words(f"{title}\n{body}"))),
                dict(shown),
                _day(published),
            )

    def related(self, a: str, b: str) -> bool:
        """Loosely alike: enough to make either a thread, not one story."""
        fa, fb = self.facts.get(a), self.facts.get(b)
        if fa is None or fb is None:
            return False
        shared = fa.names.keys() & fb.names.keys()
        if len(shared) < THREAD_SHARED:
            return False
        return cosine(fa.terms, fb.terms) >= THREAD_COSINE

    def rewrite(self, a: str, b: str) -> StoryEdge | None:
        """The edge if `a` and `b` pass the rewrite test for their dates, else None."""
        fa, fb = self.facts.get(a), self.facts.get(b)
        if fa is None or fb is None:
            return None
        dated = fa.published is not None and fb.published is not None
        if dated and abs((fa.published - fb.published).days) > REWRITE_DAYS:  # type: ignore[operator]
            return None
        shared = fa.names.keys() & fb.names.keys()
        smaller = min(len(fa.names), len(fb.names))
        need_shared, need_cover = (
            (REWRITE_SHARED, REWRITE_ENTITY) if dated else (UNDATED_SHARED, UNDATED_ENTITY)
        )
        if len(shared) < need_shared or len(shared) < need_cover * smaller:
            return None
        similarity = cosine(fa.terms, fb.terms)
        if similarity < REWRITE_COSINE:
            return None
        # the names both texts mention most, as the reader's one-line reason
        ranked = sorted(shared, key=lambda n: (-min(fa.names[n], fb.names[n]), n))
        reason = f"rewrite: shares {', '.join(ranked[:4])}; cosine {similarity:.2f}"
        return StoryEdge(a, b, "rewrite" if dated else "rewrite?", round(similarity, 3), reason)


def _near(a: Signature, b: Signature) -> StoryEdge | None:
    if a.body_hash == b.body_hash:
        return StoryEdge(a.doc_id, b.doc_id, "duplicate", 1.0, "exact duplicate (same text)")
    jaccard = estimated_jaccard(a.shingles, b.shingles)
    if jaccard < NEAR_MIN:
        return None
    return StoryEdge(
        a.doc_id, b.doc_id, "near", jaccard, f"near-duplicate (shingles {jaccard:.2f})"
    )


def refresh_signatures(store: DocumentStore, doc_ids: Sequence[str] | None = None) -> list[str]:
    """Compute signatures for new or changed documents (all, or among `doc_ids`, which keeps
    a long run's per-batch refresh from rescanning the whole store); returns their ids."""
    stale = store.stale_signature_ids(doc_ids)
    rows = []
    for i in range(0, len(stale), 500):
        chunk = stale[i : i + 500]
        hashes = store.hashes(chunk)
        for doc_id, title, body, _published in store.texts(chunk):
            rows.append(signature(doc_id, hashes.get(doc_id, ""), title, body).to_row())
    store.put_signatures(rows)
    return stale


class _Bands:
    """MinHash LSH: the bands datasketch's MinHashLSH chooses for `threshold`, each a table of
    band values -> documents, with a query that can give up early. At 216k stories the loose
    (rewrite) index's 28 bands of 2 rows hold buckets of thousands of templated look-alikes
    (daily market reports), and a document with more than MAX_CANDIDATES is skipped anyway:
    stopping once the union passes the cap keeps each query short instead of growing with
    the corpus. Candidates are the same as MinHashLSH.query's (same bands, exact equality)."""

    def __init__(self, threshold: float) -> None:
        probe = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self.ranges = [(i * probe.r, (i + 1) * probe.r) for i in range(probe.b)]
        self.tables: list[dict[bytes, list[str]]] = [{} for _ in self.ranges]

    def insert(self, doc_id: str, values: np.ndarray) -> None:
        for (start, end), table in zip(self.ranges, self.tables, strict=True):
            table.setdefault(values[start:end].tobytes(), []).append(doc_id)

    def query(self, values: np.ndarray, cap: int | None = None) -> set[str] | None:
        """Documents sharing a band with `values` (itself included, when inserted), or None
        once there are more than `cap`."""
        found: set[str] = set()
        for (start, end), table in zip(self.ranges, self.tables, strict=True):
            found.update(table.get(values[start:end].tobytes(), ()))
            if cap is not None and len(found) > cap:
                return None
        return found


def find_edges(
    store: DocumentStore,
    names: NameTable,
    changed: Iterable[str] | None = None,
) -> list[StoryEdge]:
    """Verified edges between `changed` documents (all when None) and every stored one."""
    signatures = {row.doc_id: Signature.from_row(row) for row in store.signatures()}
    eligible = {d: s for d, s in signatures.items() if s.words >= MIN_WORDS}
    near, loose = _Bands(NEAR_LSH), _Bands(REWRITE_LSH)
    for doc_id, sig in eligible.items():
        near.insert(doc_id, sig.shingles)
        loose.insert(doc_id, sig.unigrams)
    targets = list(eligible) if changed is None else [d for d in changed if d in eligible]
    edges: dict[tuple[str, str], StoryEdge] = {}
    checked: set[tuple[str, str]] = set()
    loose_pairs: set[tuple[str, str]] = set()
    for doc_id in targets:
        sig = eligible[doc_id]
        found = 0
        for other in sorted(near.query(sig.shingles) or ()):
            pair = (min(doc_id, other), max(doc_id, other))
            if other == doc_id or pair in checked:
                continue
            checked.add(pair)
            edge = _near(eligible[pair[0]], eligible[pair[1]])
            if edge is not None:
                edges[pair] = edge
                found += 1
                if found >= NEAR_EDGES:
                    break
        if sig.words < REWRITE_MIN_WORDS:
            continue
        alike = loose.query(sig.unigrams, cap=MAX_CANDIDATES + 1)  # itself among them
        if alike is None:
            continue
        others = [o for o in alike if o != doc_id]
        if len(others) > MAX_CANDIDATES:
            continue
        for other in others:
            if eligible[other].words >= REWRITE_MIN_WORDS:
                loose_pairs.add((min(doc_id, other), max(doc_id, other)))
    loose_pairs -= set(edges)
    verifier = _Verifier(store, names)
    verifier.load(d for pair in loose_pairs for d in pair)
    undated: list[StoryEdge] = []
    for a, b in loose_pairs:
        edge = verifier.rewrite(a, b)
        if edge is None:
            continue
        if edge.kind == "rewrite?":
            undated.append(edge)
        else:
            edges[(a, b)] = edge
    # an undated rewrite stands only if neither side loosely resembles any other document
    threads: dict[str, int] = {}
    for doc_id in {d for e in undated for d in (e.a, e.b)}:
        others = [o for o in loose.query(eligible[doc_id].unigrams) or () if o != doc_id]
        others = [o for o in others if eligible[o].words >= REWRITE_MIN_WORDS]
        verifier.load(others)
        threads[doc_id] = sum(1 for o in others if verifier.related(doc_id, o))
    isolated = [e for e in undated if threads.get(e.a) == 1 and threads.get(e.b) == 1]
    titles = {
        doc_id: title
        for doc_id, title, _, _ in store.texts(list({d for e in isolated for d in (e.a, e.b)}))
    }
    for edge in isolated:
        if same_event(titles.get(edge.a, ""), titles.get(edge.b, "")):
            edges[(edge.a, edge.b)] = replace(edge, kind="rewrite")
    return sorted(edges.values(), key=lambda e: (e.a, e.b))


def group(edges: Iterable[StoryEdge]) -> StoryTable:
    """Union-find over the edges: story id = smallest member id; each member's reason is
    that of its strongest edge."""
    edges = list(edges)
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for edge in edges:
        ra, rb = find(edge.a), find(edge.b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    members: dict[str, list[str]] = {}
    for doc_id in parent:
        members.setdefault(find(doc_id), []).append(doc_id)
    stories = {min(m): tuple(sorted(m)) for m in members.values()}
    best: dict[str, StoryEdge] = {}
    for edge in sorted(edges, key=lambda e: -e.score):
        for doc_id in (edge.a, edge.b):
            best.setdefault(doc_id, edge)
    return StoryTable.build(
        stories,
        reasons={doc_id: edge.reason for doc_id, edge in best.items()},
        edges={(e.a, e.b): e.reason for e in edges},
    )


def update_stories(
    store: DocumentStore, names: NameTable, *, full: bool = False, signed: Sequence[str] = ()
) -> StoryTable:
    """Bring signatures and edges up to date and return the story table.

    Incremental by default: only new or changed documents are compared (against everything);
    `signed` are documents whose signatures the caller already refreshed during its run;
    `full` recomputes every edge (reindex).
    """
    changed = [*dict.fromkeys([*signed, *refresh_signatures(store)])]
    if full:
        store.replace_edges(None, find_edges(store, names))
    elif changed:
        store.replace_edges(changed, find_edges(store, names, changed))
    table = group(store.edges())
    return table.with_changes(compare_versions(store, names, table))

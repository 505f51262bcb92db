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
import hashlib
import json
import math
import re
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from datasketch import LeanMinHash, MinHashLSH
from spacy.lang.en.stop_words import STOP_WORDS

from indexer.aliases import mark_weak_names
from indexer.store import DocumentStore, SignatureRow, StoryEdge
from search.analysis import porter2_stem
from search.compare import FLAGS_VERSION, change_flags
from search.documents import Document, parse_iso_at
from search.names import NameTable
from search.stories import StoryTable, VersionChanges

NUM_PERM = 64
SEED = 1
SHINGLE_WORDS = 5
MIN_WORDS = 25  # shorter texts (headlines, briefs) are never grouped: too little to tell
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

_MERSENNE = np.uint64((1 << 61) - 1)
_MAX_HASH = np.uint64((1 << 32) - 1)
_rng = np.random.RandomState(SEED)
_A = _rng.randint(1, int(_MERSENNE), size=NUM_PERM, dtype=np.uint64)
_B = _rng.randint(0, int(_MERSENNE), size=NUM_PERM, dtype=np.uint64)
_TOKEN = re.compile(r"\w+")
_WORD = re.compile(r"[^\W\d_]{3,}")
_STOP = frozenset(STOP_WORDS) | {"said", "says", "told", "year", "years", "would", "also"}


@dataclass(frozen=True, slots=True)
class Signature:
    """What dedup keeps per document: MinHashes of shingles and words, and a body hash."""

    doc_id: str
    content_hash: str
    body_hash: str
    words: int
    shingles: np.ndarray
    unigrams: np.ndarray

    def to_row(self) -> SignatureRow:
        return SignatureRow(
            self.doc_id,
            self.content_hash,
            self.body_hash,
            self.words,
            self.shingles.astype("<u4").tobytes(),
            self.unigrams.astype("<u4").tobytes(),
        )

    @classmethod
    def from_row(cls, row: SignatureRow) -> Signature:
        return cls(
            row.doc_id,
            row.content_hash,
            row.body_hash,
            row.words,
            np.frombuffer(row.shingles, dtype="<u4").astype(np.uint64),
            np.frombuffer(row.unigrams, dtype="<u4").astype(np.uint64),
        )


def _minhash(items: Iterable[str]) -> np.ndarray:
    hashes = np.fromiter((zlib.crc32(item.encode("utf-8")) for item in items), dtype=np.uint64)
    if not len(hashes):
        return np.full(NUM_PERM, _MAX_HASH, dtype=np.uint64)
    permuted = ((hashes[:, None] * _A[None, :] + _B[None, :]) % _MERSENNE) & _MAX_HASH
    return permuted.min(axis=0)


def _stem(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def content_words(text: str) -> list[str]:
    """Lower-cased, crudely stemmed words of three letters or more, without stop words."""
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP]


def _text_of(title: str, body: str) -> str:
    return body if body.strip() else title


def signature(doc_id: str, content_hash: str, title: str, body: str) -> Signature:
    tokens = _TOKEN.findall(_text_of(title, body).lower())
    shingles = {
        " ".join(tokens[i : i + SHINGLE_WORDS])
        for i in range(max(1, len(tokens) - SHINGLE_WORDS + 1))
    }
    words = set(content_words(f"{title}\n{body}"))
    return Signature(
        doc_id=doc_id,
        content_hash=content_hash,
        body_hash=hashlib.sha1(" ".join(tokens).encode("utf-8")).hexdigest(),
        words=len(tokens),
        shingles=_minhash(shingles),
        unigrams=_minhash(words),
    )


def title_words(title: str) -> set[str]:
    """A headline's content words, Porter2-stemmed (so "focuses" meets "focus", which the
    original Porter stemmer keeps apart)."""
    return {porter2_stem(w) for w in _WORD.findall(title.lower()) if w not in _STOP}


def title_overlap(a: str, b: str) -> tuple[int, float]:
    """Headline words both share, and their share of the shorter headline's words."""
    wa, wb = title_words(a), title_words(b)
    shared = len(wa & wb)
    return shared, shared / max(1, min(len(wa), len(wb)))


def same_event(title_a: str, title_b: str) -> bool:
    """Whether two undated look-alikes tell one event (see UNDATED_TITLE)."""
    shared, share = title_overlap(title_a, title_b)
    return shared >= UNDATED_TITLE_WORDS and share >= UNDATED_TITLE


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.count_nonzero(a == b)) / NUM_PERM


def term_weights(terms: Mapping[str, int]) -> dict[str, float]:
    """Log-scaled term frequencies, normalised to unit length."""
    weights = {t: 1 + math.log(n) for t, n in terms.items()}
    norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
    return {t: w / norm for t, w in weights.items()}


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b[t] for t, w in a.items() if t in b)


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


def _lean(values: np.ndarray) -> LeanMinHash:
    return LeanMinHash(seed=SEED, hashvalues=values, scheme="legacy")


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


def find_edges(
    store: DocumentStore,
    names: NameTable,
    changed: Iterable[str] | None = None,
) -> list[StoryEdge]:
    """Verified edges between `changed` documents (all when None) and every stored one."""
    signatures = {row.doc_id: Signature.from_row(row) for row in store.signatures()}
    eligible = {d: s for d, s in signatures.items() if s.words >= MIN_WORDS}
    near = MinHashLSH(threshold=NEAR_LSH, num_perm=NUM_PERM)
    loose = MinHashLSH(threshold=REWRITE_LSH, num_perm=NUM_PERM)
    with near.insertion_session() as near_session, loose.insertion_session() as loose_session:
        for doc_id, sig in eligible.items():
            near_session.insert(doc_id, _lean(sig.shingles), check_duplication=False)
            loose_session.insert(doc_id, _lean(sig.unigrams), check_duplication=False)
    targets = list(eligible) if changed is None else [d for d in changed if d in eligible]
    edges: dict[tuple[str, str], StoryEdge] = {}
    checked: set[tuple[str, str]] = set()
    loose_pairs: set[tuple[str, str]] = set()
    for doc_id in targets:
        sig = eligible[doc_id]
        found = 0
        for other in sorted(near.query(_lean(sig.shingles))):
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
        others = [o for o in loose.query(_lean(sig.unigrams)) if o != doc_id]
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
        others = [o for o in loose.query(_lean(eligible[doc_id].unigrams)) if o != doc_id]
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


_FLAGS_SCHEMA = """
CREATE TABLE IF NOT EXISTS story_flags (
    doc_id TEXT PRIMARY KEY,
    key TEXT NOT NULL,
    base TEXT NOT NULL,
    flags TEXT NOT NULL
);
"""


class FlagCache:
    """The flags of each compared version, kept in the store (table `story_flags`) under a key
    of everything they depend on: both ids and content hashes, the names both documents'
    entities are shown as, and FLAGS_VERSION. An ingest then compares only the versions
    whose key changed (Frontier owns its tables in the same database the same way)."""

    def __init__(self, store: DocumentStore) -> None:
        self.db = store.db
        with self.db:
            self.db.executescript(_FLAGS_SCHEMA)

    def dates(self, doc_ids: Sequence[str]) -> dict[str, tuple[str, str, str]]:
        """doc_id -> (published or "", ingested_at, content_hash)."""
        found: dict[str, tuple[str, str, str]] = {}
        for i in range(0, len(doc_ids), 500):
            chunk = list(doc_ids[i : i + 500])
            marks = ",".join("?" * len(chunk))
            for row in self.db.execute(
                "SELECT doc_id, published, ingested_at, content_hash FROM documents "
                f"WHERE doc_id IN ({marks})",
                chunk,
            ):
                found[row[0]] = (row[1] or "", row[2] or "", row[3] or "")
        return found

    def load(self) -> dict[str, tuple[str, tuple[str, ...]]]:
        return {
            row[0]: (row[1], tuple(f for f in row[2].split(",") if f))
            for row in self.db.execute("SELECT doc_id, key, flags FROM story_flags")
        }

    def replace(self, rows: Mapping[str, tuple[str, str, tuple[str, ...]]]) -> None:
        """Keep exactly these versions: doc_id -> (key, base, flags)."""
        with self.db:
            self.db.execute("DELETE FROM story_flags")
            self.db.executemany(
                "INSERT INTO story_flags VALUES (?, ?, ?, ?)",
                [(d, key, base, ",".join(flags)) for d, (key, base, flags) in rows.items()],
            )


def compare_versions(
    store: DocumentStore, names: NameTable, table: StoryTable
) -> dict[str, VersionChanges]:
    """Compare every later version of each story with its earliest version (by publication
    date, then ingest time, then id); the flags each earns (search.compare.change_flags),
    keyed by the later version's id. Versions unchanged since the last run keep theirs."""
    cache = FlagCache(store)
    grouped = [tuple(members) for members in table.members.values() if len(members) > 1]
    everyone = [doc_id for members in grouped for doc_id in members]
    dates = cache.dates(everyone)
    entities = store.entity_values(everyone)
    known = cache.load()

    def shown_names(doc_id: str) -> list[tuple[str, str, str]]:
        return sorted(
            (label, value, "|".join(names.resolve(label, value) or ("", "")))
            for label, value, _ in entities.get(doc_id, ())
        )

    wanted: dict[str, tuple[str, str]] = {}  # version -> (base, key)
    for members in grouped:
        present = [d for d in members if d in dates]
        ordered = sorted(present, key=lambda d: (dates[d][0] or "9999", dates[d][1], d))
        if len(ordered) < 2:
            continue
        base = ordered[0]
        for doc_id in ordered[1:]:
            key = json.dumps(
                [
                    FLAGS_VERSION,
                    base,
                    dates[base][2],
                    shown_names(base),
                    doc_id,
                    dates[doc_id][2],
                    shown_names(doc_id),
                ],
                ensure_ascii=False,
            )
            wanted[doc_id] = (base, hashlib.sha1(key.encode("utf-8")).hexdigest())
    rows: dict[str, tuple[str, str, tuple[str, ...]]] = {}
    loaded: dict[str, Document] = {}

    def shown(doc_id: str) -> Document | None:
        if doc_id not in loaded:
            doc = store.get(doc_id)
            if doc is None:
                return None
            mentions = names.shown_mentions(mark_weak_names(doc).mentions)
            loaded[doc_id] = replace(doc, mentions=mentions)
        return loaded[doc_id]

    for doc_id, (base, key) in wanted.items():
        cached = known.get(doc_id)
        if cached is not None and cached[0] == key:
            rows[doc_id] = (key, base, cached[1])
            continue
        a, b = shown(base), shown(doc_id)
        if a is None or b is None:
            continue
        rows[doc_id] = (key, base, change_flags(a, b))
    cache.replace(rows)
    return {doc_id: VersionChanges(base, flags) for doc_id, (_, base, flags) in rows.items()}

"""Precision and recall of version comparison (search/compare.py) on controlled edits.

    python bench/compare_quality.py [--pairs 40] [--seed 10] [--sweep] [--keep DIR]

Base articles come from ../shared/data/bbc_news/raw and the Reuters corpus (articles with
quotations and several paragraphs, picked with a seeded shuffle). Each gets one controlled
edit, cycling through:

  insert_quote    a new paragraph: a quotation by a person the article never names
  drop_paragraph  one paragraph (a quoted one when there is one) removed
  change_number   one number in one sentence changed
  swap_speaker    the person a quotation is attributed to replaced by a new person
  reorder         two paragraphs swapped, nothing else: a control with no differences

and every other pair is also lightly reworded outside quotations (common words swapped for
synonyms), so aligned sentences are not all identical. Both versions go through the real
pipeline with NER (two ingest runs: the speaker swap needs the base's mentions), then
SearchService.compare(a, b). Detected differences are matched to what the edit did:

  people          names only in one version (the new speaker; a speaker or person named only
                  in a dropped paragraph, as NER found them in the base)
  quotes_added    quotes in B that A does not have (added or reworded)
  quotes_dropped  quotes only in A
  speakers        the same words given to another person
  unsupported     quotes B attributes to a person A never quotes saying them
  numbers         numbers that differ between aligned sentences
  sentences       sentences only in one version

Precision = matched detections / detections, recall = matched expectations / expectations,
summed over all pairs. --sweep also scores the sentence alignment at several thresholds, on
these pairs and on the seed rewrite aligned by hand below (pairs of sentence openings): how
ALIGN_THRESHOLD was chosen.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from common import SHARED, record

from indexer.pipeline import Pipeline  # noqa: E402
from indexer.store import DocumentStore  # noqa: E402
from search.compare import (  # noqa: E402
    ALIGN_THRESHOLD,
    Comparison,
    Sentence,
    align,
    compare_documents,
    contained,
    same_name,
    similarity_matrix,
    split_sentences,
    version_of,
)
from search.documents import Document  # noqa: E402
from search.service import SearchService  # noqa: E402
from search.settings import Settings  # noqa: E402

BBC = SHARED / "data" / "bbc_news" / "raw" / "bbc"
REUTERS = SHARED / "data" / "reuters21578" / "reuters.jsonl"
SEEDS = SHARED / "seeds"
KINDS = ("insert_quote", "drop_paragraph", "change_number", "swap_speaker", "reorder")
TYPES = (
    "people",
    "quotes_added",
    "quotes_dropped",
    "speakers",
    "unsupported",
    "numbers",
    "sentences",
)
NEW_PEOPLE = (
    "Margaret Holloway",
    "Daniel Okafor",
    "Sofia Lindqvist",
    "Thomas Brennan",
    "Aisha Rahman",
    "Peter Novak",
    "Laura Castillo",
    "James Whitfield",
    "Helen Marsden",
    "Viktor Sandberg",
)
NEW_QUOTES = (
    '"This decision will have consequences that nobody has properly thought through," said '
    "{name}, who has followed the issue for years.",
    '"Frankly, we expected far more from the people in charge," {name} told reporters on Thursday.',
    '"There is still time to get this right, but the window is closing fast," said {name}, '
    "an independent analyst.",
    '"I have never seen anything like it in my whole career," {name} said.',
    '"Nobody asked the families what they wanted, and that is the real scandal here," said {name}.',
)
# light rewording outside quotations: lower-case words only, so names are never touched
SYNONYMS = {
    "company": "firm",
    "companies": "firms",
    "government": "administration",
    "announced": "revealed",
    "expected": "predicted",
    "however": "but",
    "also": "",
    "people": "individuals",
    "big": "large",
    "help": "assist",
    "buy": "purchase",
    "plans": "proposals",
    "major": "significant",
    "important": "key",
    "began": "started",
    "rose": "climbed",
    "fell": "dropped",
    "deal": "agreement",
    "new": "fresh",
    "country": "nation",
    "very": "",
    "now": "currently",
}
# the seed rewrite aligned by hand: (opening of a sentence in the original, opening of the
# sentence in the rewrite that tells the same thing)
SEED_ALIGNMENT = (
    ("Nato pledged to focus", "NATO Secretary General Mark Rutte emphasized"),
    ("Nato pledged to focus", "Ukraine’s Foreign Ministry insists"),
    ("Nato pledged to focus", "NATO Secretary General Mark Rutte has underscored"),
    ("Nato pledged to focus", "Ukraine has firmly asserted"),
    ("“Putin is not interested", "He pointed out that Russian President"),
    ("He is pressing on", "He pointed out that Russian President"),
    ("Because he thinks", "He pointed out that Russian President"),
    ("Ukrainian president Volodymyr Zelenskiy", "Ukrainian President Zelensky has called"),
    ("However, Mr Rutte repeatedly", "NATO Secretary General Mark Rutte has underscored"),
    ("Make sure that Ukraine", "Rutte highlighted the need to strengthen"),
    ("Make sure that Ukraine", "He emphasized, “The most crucial"),
    ("Make sure that Ukraine", "The stronger our military backing"),
    ("“And that is what we will", "Rutte further highlighted the need"),
    ("“And that is what we will", "As the situation deteriorates"),
    ("Ukrainian foreign minister Andrii Sybiha", "Ukrainian President Zelensky has called"),
    ("Thirty years after Ukraine", "In a related statement"),
    ("Thirty years after Ukraine", "This stands as a reminder"),
    ("“With the bitter experience", "Ukraine’s Foreign Ministry insists"),
    ("“With the bitter experience", "Ukraine has firmly asserted"),
    ("“With the bitter experience", "In a related statement"),
    ("“With the bitter experience", "The Ministry declared"),
)
SWEEP = (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6)
QUOTE_SPAN = re.compile(r'"([^"\n]+)"')
SPEECH = re.compile(r"\b(?:said|says|told|added)\b")


@dataclass
class Article:
    key: str
    title: str
    paragraphs: list[str]


@dataclass
class Truth:
    """What an edit changed, as a careful reader would list it."""

    people: list[str] = field(default_factory=list)
    quotes_added: list[str] = field(default_factory=list)
    quotes_dropped: list[str] = field(default_factory=list)
    speakers: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    numbers: list[tuple[str, str]] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)


@dataclass
class Pair:
    number: int
    kind: str
    base: Article
    reworded: bool
    edited: Article | None = None
    truth: Truth = field(default_factory=Truth)
    note: str = ""


# -- corpora ------------------------------------------------------------------------------


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _quoted_paragraphs(paragraphs: list[str]) -> int:
    return sum(
        1
        for p in paragraphs
        if any(len(q.split()) >= 3 for q in QUOTE_SPAN.findall(p)) and SPEECH.search(p)
    )


def bbc_articles() -> list[Article]:
    found = []
    for path in sorted(BBC.glob("*/*.txt")):
        text = _decode(path.read_bytes()).replace("\r\n", "\n")
        title, _, rest = text.strip().partition("\n")
        paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", rest) if p.strip()]
        size = sum(len(p) for p in paragraphs)
        if len(paragraphs) >= 6 and 1200 <= size <= 4000 and _quoted_paragraphs(paragraphs) >= 2:
            found.append(Article(f"bbc-{path.parent.name}-{path.stem}", title.strip(), paragraphs))
    return found


def reuters_articles() -> list[Article]:
    found = []
    with REUTERS.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            body = row.get("body") or ""
            paragraphs = [" ".join(p.split()) for p in re.split(r"\n {3,}", body) if p.strip()]
            paragraphs = [p for p in paragraphs if p.lower() not in ("reuter", "reuters")]
            size = sum(len(p) for p in paragraphs)
            title = (row.get("title") or "").strip()
            if (
                title
                and len(paragraphs) >= 5
                and 800 <= size <= 4000
                and _quoted_paragraphs(paragraphs) >= 1
            ):
                found.append(Article(f"reuters-{row['id']}", title, paragraphs))
    return found


def write_article(path: Path, article: Article) -> None:
    path.write_text(article.title + "\n\n" + "\n\n".join(article.paragraphs) + "\n", "utf-8")


# -- edits ----------------------------------------------------------------------------------


def reword(paragraph: str) -> str:
    """Swap common lower-case words for synonyms outside quotations."""
    pieces = re.split(r'("[^"]*")', paragraph)
    for i in range(0, len(pieces), 2):
        text = pieces[i]
        for word, other in SYNONYMS.items():
            text = re.sub(rf"\b{word}\b ?", f"{other} " if other else "", text)
        pieces[i] = re.sub(r" {2,}", " ", text)
    return "".join(pieces)


def _sentences(paragraph: str) -> list[str]:
    return [s.text for s in split_sentences(paragraph)]


def insert_quote(pair: Pair, rng: random.Random) -> None:
    name = NEW_PEOPLE[pair.number % len(NEW_PEOPLE)]
    paragraph = NEW_QUOTES[pair.number % len(NEW_QUOTES)].format(name=name)
    paragraphs = list(pair.base.paragraphs)
    where = rng.randrange(2, len(paragraphs))
    paragraphs.insert(where, paragraph)
    pair.edited = Article(pair.base.key, pair.base.title, paragraphs)
    quote = QUOTE_SPAN.search(paragraph)
    assert quote is not None
    pair.truth = Truth(
        people=[name],
        quotes_added=[quote.group(1)],
        unsupported=[quote.group(1)],
        sentences=_sentences(paragraph),
    )
    pair.note = f"inserted paragraph {where + 1}: {name}"


def drop_paragraph(pair: Pair, rng: random.Random, base_doc: Document) -> None:
    paragraphs = list(pair.base.paragraphs)
    quoted = [i for i in range(1, len(paragraphs)) if QUOTE_SPAN.search(paragraphs[i])] or list(
        range(1, len(paragraphs))
    )
    where = rng.choice(quoted)
    dropped = paragraphs.pop(where)
    pair.edited = Article(pair.base.key, pair.base.title, paragraphs)
    rest = pair.base.title + "\n" + "\n".join(paragraphs)
    kept = " ".join(QUOTE_SPAN.findall(rest))
    quotes = [q for q in QUOTE_SPAN.findall(dropped) if len(q.split()) >= 2 and q not in kept]
    # people NER found in the base whose every mention is in the dropped paragraph
    start = base_doc.body.find(dropped)
    end = start + len(dropped)
    people = {}
    for mention in base_doc.mentions:
        if mention.label == "person" and mention.field == "body":
            inside = start <= mention.start < end
            people.setdefault(mention.value, []).append(inside)
    gone = [
        name
        for name, places in people.items()
        if start >= 0 and all(places) and not re.search(rf"\b{re.escape(name.split()[-1])}\b", rest)
    ]
    pair.truth = Truth(people=gone, quotes_dropped=quotes, sentences=_sentences(dropped))
    pair.note = f"dropped paragraph {where + 1}"


def change_number(pair: Pair, rng: random.Random) -> bool:
    paragraphs = list(pair.base.paragraphs)
    candidates = []
    for i, paragraph in enumerate(paragraphs):
        for sentence in _sentences(paragraph):
            for m in re.finditer(r"(?<![\w.,$£])(\d{1,3}(?:\.\d+)?)(?![\w,]|\.\d)", sentence):
                candidates.append((i, sentence, m))
    if not candidates:
        return False
    i, sentence, match = rng.choice(candidates)
    old = match.group(1)
    whole, _, decimals = old.partition(".")
    new_whole = str(int(whole) + rng.randint(2, 9))
    new = new_whole + ("." + decimals if decimals else "")
    changed = sentence[: match.start()] + new + sentence[match.end() :]
    paragraphs[i] = paragraphs[i].replace(sentence, changed, 1)
    pair.edited = Article(pair.base.key, pair.base.title, paragraphs)
    pair.truth = Truth(numbers=[(old, new)])
    pair.note = f"paragraph {i + 1}: {old} -> {new}"
    return True


def swap_speaker(pair: Pair, base_doc: Document) -> bool:
    """Replace the person a quotation is attributed to (named next to said/told in the
    quote's paragraph) with a new person."""
    name = NEW_PEOPLE[(pair.number + 5) % len(NEW_PEOPLE)]
    paragraphs = list(pair.base.paragraphs)
    for i, paragraph in enumerate(paragraphs):
        quote = max(QUOTE_SPAN.findall(paragraph), key=len, default="")
        if len(quote.split()) < 4 or not SPEECH.search(paragraph):
            continue
        start = base_doc.body.find(paragraph)
        if start < 0:
            continue
        speakers = [
            m
            for m in base_doc.mentions
            if m.label == "person"
            and m.field == "body"
            and start <= m.start < start + len(paragraph)
            and not _inside_quotes(paragraph, m.start - start)
            and SPEECH.search(paragraph[max(0, m.start - start - 12) : m.end - start + 12])
        ]
        if len(speakers) != 1:
            continue
        old = speakers[0]
        original = paragraph
        # every mention of the speaker in the paragraph, so all its quotes change hands
        same = [
            m
            for m in base_doc.mentions
            if m.label == "person"
            and m.value == old.value
            and m.field == "body"
            and start <= m.start < start + len(paragraph)
        ]
        for mention in sorted(same, key=lambda m: -m.start):
            offset = mention.start - start
            paragraph = paragraph[:offset] + name + paragraph[offset + len(mention.text) :]
        paragraphs[i] = paragraph
        pair.edited = Article(pair.base.key, pair.base.title, paragraphs)
        rest = pair.base.title + "\n" + "\n".join(paragraphs)
        surname = old.value.split()[-1]
        gone = [] if re.search(rf"\b{re.escape(surname)}\b", rest) else [old.value]
        # the quotations this speaker says: those whose nearest person named outside quotes in
        # the base paragraph is the speaker
        named = [
            m
            for m in base_doc.mentions
            if m.label == "person"
            and m.field == "body"
            and start <= m.start < start + len(original)
            and not _inside_quotes(original, m.start - start)
        ]
        quotes = []
        for found in QUOTE_SPAN.finditer(original):
            if len(found.group(1).split()) < 2 or not named:
                continue
            nearest = min(
                named,
                key=lambda m: min(
                    abs(m.start - start - found.end()), abs(m.end - start - found.start())
                ),
            )
            if nearest.value == old.value:
                quotes.append(found.group(1))
        pair.truth = Truth(people=[name, *gone], speakers=quotes, unsupported=quotes)
        pair.note = f"paragraph {i + 1}: {old.text} -> {name}"
        return True
    return False


def _inside_quotes(paragraph: str, offset: int) -> bool:
    return paragraph[:offset].count('"') % 2 == 1


def reorder(pair: Pair, rng: random.Random) -> None:
    paragraphs = list(pair.base.paragraphs)
    i = rng.randrange(1, len(paragraphs) - 1)
    paragraphs[i], paragraphs[i + 1] = paragraphs[i + 1], paragraphs[i]
    pair.edited = Article(pair.base.key, pair.base.title, paragraphs)
    pair.truth = Truth()
    pair.note = f"swapped paragraphs {i + 1} and {i + 2}"


# -- scoring --------------------------------------------------------------------------------


def _normal(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _quote_match(expected: str, found: str) -> bool:
    return contained(expected, found) >= 0.6 or contained(found, expected) >= 0.6


def _name_match(expected: str, found: str) -> bool:
    return same_name(expected, found) or expected.split()[-1] == found.split()[-1]


def detections(comparison: Comparison) -> dict[str, list[object]]:
    rows_a = {r.a for r in comparison.rows if r.status == "only_a"}
    rows_b = {r.b for r in comparison.rows if r.status == "only_b"}
    people = comparison.entity("person")
    return {
        "people": [*people.only_a, *people.only_b],
        "quotes_added": [
            q.quote.text for q in comparison.quotes if q.kind in ("added", "reworded")
        ],
        "quotes_dropped": [q.quote.text for q in comparison.quotes_of("dropped")],
        "speakers": [q.quote.text for q in comparison.quotes_of("speaker_changed")],
        "unsupported": [q.quote.text for q in comparison.unsupported],
        "numbers": [(n.only_a, n.only_b) for n in comparison.numbers],
        "sentences": [comparison.a.sentences[i].text for i in sorted(rows_a)]
        + [comparison.b.sentences[j].text for j in sorted(rows_b)],
    }


def _number_match(expected: tuple[str, str], found: object) -> bool:
    old, new = expected
    only_a, only_b = found  # type: ignore[misc]
    return any(x.startswith(old) for x in only_a) and any(x.startswith(new) for x in only_b)


MATCHERS: dict[str, Callable[[object, object], bool]] = {
    "people": lambda e, f: _name_match(str(e), str(f)),
    "quotes_added": lambda e, f: _quote_match(str(e), str(f)),
    "quotes_dropped": lambda e, f: _quote_match(str(e), str(f)),
    "speakers": lambda e, f: _quote_match(str(e), str(f)),
    "unsupported": lambda e, f: _quote_match(str(e), str(f)),
    "numbers": lambda e, f: _number_match(e, f),  # type: ignore[arg-type]
    "sentences": lambda e, f: _normal(str(e)) == _normal(str(f)),
}


@dataclass
class Score:
    expected: int = 0
    detected: int = 0
    found: int = 0  # expectations matched
    correct: int = 0  # detections matched

    @property
    def precision(self) -> float:
        return self.correct / self.detected if self.detected else 1.0

    @property
    def recall(self) -> float:
        return self.found / self.expected if self.expected else 1.0


def score_pair(truth: Truth, found: dict[str, list[object]], scores: dict[str, Score]) -> list[str]:
    """Add one pair's counts; returns the misses and false alarms, for the log."""
    problems = []
    for kind in TYPES:
        expected = list(getattr(truth, kind))
        detected = found[kind]
        match = MATCHERS[kind]
        score = scores[kind]
        score.expected += len(expected)
        score.detected += len(detected)
        for e in expected:
            if any(match(e, d) for d in detected):
                score.found += 1
            else:
                problems.append(f"missed {kind}: {str(e)[:70]}")
        for d in detected:
            if any(match(e, d) for e in expected):
                score.correct += 1
            else:
                problems.append(f"false {kind}: {str(d)[:70]}")
    return problems


# -- the run --------------------------------------------------------------------------------


def ingest(settings: Settings, *targets: Path) -> None:
    with DocumentStore(settings.db_path) as store:
        report = Pipeline.from_settings(settings, store).run([str(t) for t in targets])
    if report.errors:
        raise SystemExit(f"ingest failed: {report.errors[:3]}")


def documents_by_source(settings: Settings) -> dict[str, str]:
    with DocumentStore(settings.db_path) as store:
        return {Path(d.source).name: d.doc_id for d in store.iter_documents()}


def build_pairs(count: int, seed: int) -> list[Pair]:
    rng = random.Random(seed)
    bbc, reuters = bbc_articles(), reuters_articles()
    rng.shuffle(bbc)
    rng.shuffle(reuters)
    # more BBC than Reuters: Reuters wires seldom quote anyone
    take_bbc = count - count * 2 // 5
    bases = bbc[:take_bbc] + reuters[: count - take_bbc]
    rng.shuffle(bases)
    return [
        Pair(n, KINDS[n % len(KINDS)], article, reworded=n % 2 == 1)
        for n, article in enumerate(bases)
    ]


def seed_alignment(service: SearchService, ids: dict[str, str]) -> dict[float, Score] | None:
    """Precision/recall of the sentence pairs the comparison shows for the seed rewrite
    (aligned pairs, and "similar" sentences with their closest one), per threshold."""
    names = sorted(n for n in ids if n.startswith(("000_", "003_")))
    if len(names) != 2:
        return None
    a, b = service.get(ids[names[0]]), service.get(ids[names[1]])
    va, vb = version_of(a), version_of(b)
    sim = similarity_matrix(va.sentences, vb.sentences, a.mentions, b.mentions)

    def index(sentences: tuple[Sentence, ...], opening: str) -> int:
        return next(s.index for s in sentences if s.text.startswith(opening))

    gold = {(index(va.sentences, x), index(vb.sentences, y)) for x, y in SEED_ALIGNMENT}
    result = {}
    for threshold in SWEEP:
        predicted = set()
        for row in align(va.sentences, vb.sentences, sim, threshold):
            if row.a is not None and row.b is not None:
                predicted.add((row.a, row.b))
            elif row.status == "similar" and row.a is not None:
                predicted.add((row.a, int(sim[row.a].argmax())))
            elif row.status == "similar" and row.b is not None:
                predicted.add((int(sim[:, row.b].argmax()), row.b))
        result[threshold] = Score(
            expected=len(gold),
            detected=len(predicted),
            found=len(gold & predicted),
            correct=len(gold & predicted),
        )
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=40)
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--sweep", action="store_true", help="score alignment thresholds too")
    parser.add_argument("--keep", type=Path, help="build the corpus and home here, and keep them")
    args = parser.parse_args()
    if not BBC.is_dir() or not REUTERS.is_file():
        print(f"skipped: needs {BBC} and {REUTERS} (../shared is absent on this machine)")
        return 0
    work = args.keep or Path(tempfile.mkdtemp(prefix="compare-quality-"))
    if args.keep and work.exists():
        shutil.rmtree(work)
    started = time.perf_counter()
    pairs = build_pairs(args.pairs, args.seed)
    rng = random.Random(args.seed + 1)
    settings = Settings(home=work / "home")
    (work / "a").mkdir(parents=True)
    (work / "b").mkdir()
    for pair in pairs:
        write_article(work / "a" / f"{pair.number:02d}-{pair.base.key}.txt", pair.base)
    targets = [work / "a"] + ([SEEDS] if SEEDS.is_dir() else [])
    ingest(settings, *targets)
    service = SearchService.from_settings(settings)
    ids = documents_by_source(settings)
    for pair in pairs:
        base_doc = service.get(ids[f"{pair.number:02d}-{pair.base.key}.txt"])
        kind = pair.kind
        if kind == "swap_speaker" and not swap_speaker(pair, base_doc):
            kind = pair.kind = "insert_quote"  # no quote with one clear speaker to swap
        if kind == "change_number" and not change_number(pair, rng):
            kind = pair.kind = "drop_paragraph"
        if kind == "insert_quote":
            insert_quote(pair, rng)
        elif kind == "drop_paragraph":
            drop_paragraph(pair, rng, base_doc)
        elif kind == "reorder":
            reorder(pair, rng)
        assert pair.edited is not None
        if pair.reworded:
            pair.edited.paragraphs = [reword(p) for p in pair.edited.paragraphs]
            pair.edited.title = pair.edited.title + " (updated)"
            # a reworded sentence is still the same sentence: expected sentences stay as they
            # read in the version that has them (the base for a drop, the new text for an insert)
            if pair.kind == "insert_quote":
                pair.truth.sentences = [reword(s) for s in pair.truth.sentences]
        write_article(work / "b" / f"{pair.number:02d}-{pair.base.key}.txt", pair.edited)
    ingest(settings, work / "b")
    service = SearchService.from_settings(settings)
    ids_b = {}
    with DocumentStore(settings.db_path) as store:
        for doc in store.iter_documents():
            ids_b[(Path(doc.source).parent.name, Path(doc.source).name)] = doc.doc_id
    scores = {kind: Score() for kind in TYPES}
    by_kind: Counter[str] = Counter()
    timings = []
    log = []
    documents: list[tuple[Document, Document, Pair]] = []
    for pair in pairs:
        name = f"{pair.number:02d}-{pair.base.key}.txt"
        a_id, b_id = ids_b[("a", name)], ids_b[("b", name)]
        t0 = time.perf_counter()
        comparison = service.compare(a_id, b_id)
        timings.append((time.perf_counter() - t0) * 1000)
        documents.append((service.get(a_id), service.get(b_id), pair))
        problems = score_pair(pair.truth, detections(comparison), scores)
        by_kind[pair.kind] += 1
        status = "ok" if not problems else f"{len(problems)} problems"
        log.append(
            f"{pair.number:2d} {pair.kind:15s} {'reworded ' if pair.reworded else '':9s}"
            f"{pair.base.key:28s} {pair.note[:50]:50s} {status}"
        )
        log.extend(f"     {p}" for p in problems)
    print(f"{len(pairs)} pairs ({dict(by_kind)}), {sum(p.reworded for p in pairs)} reworded")
    print("\n".join(log))
    print(f"\nalignment threshold {ALIGN_THRESHOLD}")
    header = (
        f"{'difference':16s} {'expected':>8s} {'detected':>8s} {'precision':>9s} {'recall':>7s}"
    )
    print(header)
    lines = [
        f"Controlled edits on {len(pairs)} BBC/Reuters article pairs "
        f"({', '.join(f'{n} {k}' for k, n in sorted(by_kind.items()))}; "
        f"{sum(p.reworded for p in pairs)} also reworded), alignment threshold {ALIGN_THRESHOLD}:",
        "",
        "| difference | expected | detected | precision | recall |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    figures: dict[str, object] = {
        "pairs": len(pairs),
        "threshold": ALIGN_THRESHOLD,
        "kinds": dict(by_kind),
    }
    total = Score()
    for kind in TYPES:
        s = scores[kind]
        total.expected += s.expected
        total.detected += s.detected
        total.found += s.found
        total.correct += s.correct
        print(f"{kind:16s} {s.expected:8d} {s.detected:8d} {s.precision:9.2f} {s.recall:7.2f}")
        lines.append(
            f"| {kind} | {s.expected} | {s.detected} | {s.precision:.2f} | {s.recall:.2f} |"
        )
        figures[f"{kind}_precision"] = round(s.precision, 3)
        figures[f"{kind}_recall"] = round(s.recall, 3)
        figures[f"{kind}_expected"] = s.expected
    print(
        f"{'all':16s} {total.expected:8d} {total.detected:8d} {total.precision:9.2f} "
        f"{total.recall:7.2f}"
    )
    lines.append(
        f"| all | {total.expected} | {total.detected} | {total.precision:.2f} | "
        f"{total.recall:.2f} |"
    )
    figures["all_precision"] = round(total.precision, 3)
    figures["all_recall"] = round(total.recall, 3)
    mean_ms = sum(timings) / len(timings)
    figures["compare_ms_mean"] = round(mean_ms, 2)
    print(f"\ncompare: {mean_ms:.1f} ms per pair (mean, through SearchService)")
    if args.sweep:
        print("\nsentence alignment by threshold: 'sentences' on these pairs; pair P/R on the seed")
        print(f"{'threshold':>9s} {'sent P':>7s} {'sent R':>7s} {'seed P':>7s} {'seed R':>7s}")
        seed = seed_alignment(service, ids)
        lines += ["", "| threshold | sentences P | sentences R | seed pairs P | seed pairs R |"]
        lines.append("| ---: | ---: | ---: | ---: | ---: |")
        for threshold in SWEEP:
            swept = {kind: Score() for kind in TYPES}
            for a, b, pair in documents:
                found = detections(compare_documents(a, b, threshold=threshold))
                score_pair(pair.truth, found, swept)
            s = swept["sentences"]
            sp = seed[threshold] if seed else Score()
            print(
                f"{threshold:9.2f} {s.precision:7.2f} {s.recall:7.2f} "
                f"{sp.precision:7.2f} {sp.recall:7.2f}"
            )
            lines.append(
                f"| {threshold} | {s.precision:.2f} | {s.recall:.2f} | {sp.precision:.2f} | "
                f"{sp.recall:.2f} |"
            )
            figures[f"sweep_{threshold}"] = {
                "sentences_precision": round(s.precision, 3),
                "sentences_recall": round(s.recall, 3),
                "seed_precision": round(sp.precision, 3),
                "seed_recall": round(sp.recall, 3),
            }
    kept = f"; corpus and home kept in {work}" if args.keep else ""
    print(f"\n{time.perf_counter() - started:.0f} s in all{kept}")
    record("compare_quality", figures, lines=lines)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Are the person / organisation / place facets what a newsroom indexer would tag? Scored
against the hand-made judgement set in bench/entity_gold/ (issue 17).

    python bench/entity_quality.py [--data ../shared/data] [--home DIR] [--top 15] [--json]

Every page of every `bench/entity_gold/*.json` is ingested from its HTML file (the page URL is
unknown, so the file) in one `docsift ingest` run into a fresh home: the settings a user gets,
the real spaCy model, 2 NER workers, name merging at the end. Each document's person, org and
place values are then read as a result card shows them (`SearchService.get`: merged names,
relabelled and hidden names applied) and compared with the gold:

- A value is **right** when, normalised (case, accents, a leading "the ", a possessive "'s",
  dots, other punctuation and whitespace), it equals the name or a variant of a gold entity of
  the same label; **neutral** when it matches an `optional` entry (any label); else **wrong**.
- A value the gazetteer (indexer/gazetteer.py) reads as the same country, union or US state
  as the name or a variant of a gold entity of the same label is that entity too: a card shows
  the corpus's canonical spelling of a merged name ("U.S." on a page that writes "United
  States", once another document made "U.S." the most used form), and the gold lists only the
  page's own spellings. This counts a right merge as right, not a wrong one; `--literal`
  turns it off (the scoring before this rule, kept for comparing figures).
- precision = right / (right + wrong); recall = gold entities of the label matched by at least
  one value of that label / gold entities. Both are micro-averaged over documents. A page whose
  gold language is not English has empty gold lists, so each of its values is wrong.

Folds: a page is in "tune" when the first hex digit of sha1(page id) is below 8, else in
"held-out". Tune rules, models and lists on "tune" only and report "held-out" beside it; a
change that raises one fold and lowers the other is not an improvement. Issue 17's targets
apply to the held-out fold.

Error classes (issue 17). Each wrong value gets the first that applies:
- non-English: the page's gold language is not "en".
- wrong merge: the document's text never contains the shown name, but it contains a raw value
  of this document that the name table merged into it (a surname joined to another story's
  full name).
- boilerplate: the value (or the raw value behind it) is not in the gold article text at all
  (menus, related links, captions the cleaner kept), or only on credit lines there ("By ...",
  "Reporting by", "contributed to this report", "Email X at", "Follow ... on", "Posted by",
  photo/image credits, a short line among the first four or last three lines).
- wrong type: it matches a gold entity of another label.
- span: it shares a word with a gold name or variant but is not one (a cut or swollen span).
- other: none of these (a common word, a product or work the gold does not list, a name the
  article does not mean).
Gold entities not found are counted as: wrong type (found under another label), filtered real
name (a name or variant occurs in docsift's cleaned text, yet no value matches it: dropped by a
filter or missed by the model) or lost in cleaning (not in the cleaned text at all).
Missing merges: gold entities matched by two or more distinct values of one document.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common import ROOT, SHARED, record

GOLD_DIR = ROOT / "bench" / "entity_gold"
LABELS = ("person", "org", "place")
DOC_FIELDS = {"person": "people", "org": "orgs", "place": "places"}
GROUPS = ("tune", "held-out", "all")
TARGETS = {
    "person": (0.95, 0.90),
    "org": (0.90, 0.80),
    "place": (0.95, 0.92),
}  # (precision, recall) on the held-out fold
WRONG_CLASSES = ("non-English", "wrong merge", "boilerplate", "wrong type", "span", "other")
MISS_CLASSES = ("wrong type", "filtered real name", "lost in cleaning", "not ingested")
CREDIT_RE = re.compile(
    r"^\W*(?:by|posted by|written by|tested by|article written by|reporting by|editing by|"
    r"additional reporting|photo|photos|image|images|credit|follow|email|e-mail|contact|"
    r"copyright|source|read (?:it|more) at)\b|contributed to this report|\bemail\b.{0,60}\bat\b"
    r"|\bfollow\b.{0,60}\bon\b|\((?:ap|afp|reuters)\)|associated press|reporting by|editing by",
    re.IGNORECASE,
)
AUTHOR_HEADING_RE = re.compile(r"^\W*(?:about the )?author\W*$", re.IGNORECASE)


def fold_of(page_id: str) -> str:
    """The fixed fold of a page: "tune" or "held-out" (see the module docstring)."""
    return "tune" if hashlib.sha1(page_id.encode("utf-8")).hexdigest()[0] < "8" else "held-out"


def norm_text(text: str, *, keep_case: bool = False) -> str:
    """Case, accents, possessives, dots and punctuation folded; words joined by single spaces."""
    text = unicodedata.normalize("NFKD", text.replace("\u2019", "'").replace("\u2018", "'"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"'[sS]\b", "", text if keep_case else text.casefold()).replace(".", "")
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


def norm_name(name: str) -> str:
    """A name or value as compared: norm_text without a leading "the"."""
    text = norm_text(name)
    return text[4:] if text.startswith("the ") else text


def contains(haystack: str, needle: str) -> bool:
    """Whether normalised `needle` occurs as whole words in normalised `haystack`."""
    return bool(needle) and f" {needle} " in f" {haystack} "


@dataclass
class Entity:
    label: str
    name: str
    forms: frozenset[str]  # normalised name and variants
    originals: tuple[str, ...] = ()  # name and variants as written in the gold
    found_by: list[str] = field(default_factory=list)
    miss: str = ""

    def occurs_in(self, text: str) -> bool:
        """Whether a name or variant is in `text`; an all-capitals short form ("US", "WHO")
        only with its capitals, so the word "us" is not taken for it."""
        folded = norm_text(text)
        cased = norm_text(text, keep_case=True)
        for original in self.originals:
            form = norm_name(original)
            if len(form) <= 4 and not any(c.islower() for c in original):
                if contains(cased, norm_text(original, keep_case=True)):
                    return True
            elif contains(folded, form):
                return True
        return False


@dataclass
class Page:
    page_id: str
    set_name: str
    language: str
    fold: str
    entities: list[Entity]
    optional: frozenset[str]
    gold_body: str
    gold_file: str
    values: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    ingested: bool = False
    missing_merges: dict[str, int] = field(default_factory=dict)


def load_gold(gold_dir: Path) -> dict[str, dict[str, Any]]:
    """Every page of every *.json in `gold_dir`, with the file it came from.

    Raises:
        SystemExit: a page id in two files, or a page without its set.
    """
    pages: dict[str, dict[str, Any]] = {}
    for path in sorted(gold_dir.glob("*.json")):
        for page_id, entry in json.loads(path.read_text(encoding="utf-8")).items():
            if page_id in pages:
                raise SystemExit(f"{page_id} is in {pages[page_id]['file']} and {path.name}")
            if not entry.get("set"):
                raise SystemExit(f"{path.name}: {page_id} has no set")
            pages[page_id] = {**entry, "file": path.name}
    return pages


def build_pages(gold: dict[str, dict[str, Any]], data: Path) -> list[Page]:
    truths: dict[str, dict[str, Any]] = {}
    pages = []
    for page_id, entry in gold.items():
        set_name = entry["set"]
        if set_name not in truths:
            truths[set_name] = json.loads(
                (data / set_name / "ground-truth.json").read_text(encoding="utf-8")
            )
        entities = [
            Entity(
                label,
                e["name"],
                frozenset(norm_name(f) for f in [e["name"], *e["variants"]]),
                (e["name"], *e["variants"]),
            )
            for label in LABELS
            for e in entry.get(label, [])
        ]
        pages.append(
            Page(
                page_id=page_id,
                set_name=set_name,
                language=entry.get("language", "en"),
                fold=fold_of(page_id),
                entities=entities,
                optional=frozenset(norm_name(o) for o in entry.get("optional", [])),
                gold_body=truths[set_name][page_id]["articleBody"],
                gold_file=entry["file"],
            )
        )
    return pages


def ingest(pages: list[Page], data: Path, home: Path, workdir: Path) -> tuple[float, dict]:
    """One `docsift ingest` of every page's HTML file into `home`, as a user would run it."""
    folder = workdir / "pages"
    folder.mkdir(parents=True, exist_ok=True)
    for page in pages:
        source = data / page.set_name / "html" / f"{page.page_id}.html"
        shutil.copyfile(source, folder / f"{page.page_id}.html")
    docsift = Path(sys.executable).with_name("docsift")
    command = [str(docsift), "--home", str(home), "ingest", "--json", "--no-progress"]
    env = {**os.environ, "DOCSIFT_NER_PROCESSES": "2"}
    started = time.perf_counter()
    done = subprocess.run(
        [*command, str(folder)], capture_output=True, text=True, env=env, check=False
    )
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 3):
        raise SystemExit(f"docsift ingest failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return seconds, json.loads(done.stdout)


def credit_only(gold_body: str, forms: list[str]) -> bool:
    """Whether the forms occur in the gold article only on credit or edge lines (or nowhere)."""
    lines = [line for line in gold_body.split("\n") if line.strip()]
    hits = [
        i for i, line in enumerate(lines) if any(contains(norm_text(line), f) for f in forms if f)
    ]
    for i in hits:
        line = lines[i]
        edge = (i < 4 or i >= len(lines) - 3) and len(line.split()) <= 6
        # an author's bio under an "Author:" / "About the author" heading
        bio = i > 0 and AUTHOR_HEADING_RE.match(lines[i - 1]) is not None
        if not (CREDIT_RE.search(line) or edge or bio):
            return False
    return True


def same_place(entity: Entity, value: str) -> bool:
    """Whether the gazetteer reads `value` as the country, union or US state that a name or
    variant of `entity` denotes ("U.S." and "United States", "UK" and "Britain")."""
    from indexer.gazetteer import place_id

    place = place_id(value)
    return place is not None and any(place_id(o) == place for o in entity.originals)


def score_page(page: Page, shown: Any, raw: Any, variants: Any, *, literal: bool = False) -> None:
    """Judge each shown value of one document and mark the gold entities it finds; unless
    `literal`, a value the gazetteer reads as a gold entity's place is that entity."""
    text = norm_text(f"{shown.title}\n{shown.body}")
    gold_text = norm_text(page.gold_body)
    raw_values = {label: list(getattr(raw, DOC_FIELDS[label])) for label in LABELS}
    for label in LABELS:
        seen: dict[int, set[str]] = defaultdict(set)
        rows = []
        for value in getattr(shown, DOC_FIELDS[label]):
            key = norm_name(value)
            merged_from = [
                r
                for r in (v for vs in raw_values.values() for v in vs)
                if r != value and r in variants(label, value)
            ]
            row: dict[str, Any] = {"value": value, "merged_from": merged_from}
            same = [
                i
                for i, e in enumerate(page.entities)
                if e.label == label and (key in e.forms or (not literal and same_place(e, value)))
            ]
            if same:
                row["verdict"] = "right"
                for i in same:
                    page.entities[i].found_by.append(value)
                    seen[i].add(key)
            elif key in page.optional:
                row["verdict"] = "neutral"
            else:
                row["verdict"] = "wrong"
                row["class"] = wrong_class(page, label, value, merged_from, text, gold_text)
            rows.append(row)
        page.values[label] = rows
        page.missing_merges[label] = sum(1 for keys in seen.values() if len(keys) > 1)
    for entity in page.entities:
        if entity.found_by:
            continue
        elsewhere = [
            v["value"]
            for label in LABELS
            if label != entity.label
            for v in page.values[label]
            if norm_name(v["value"]) in entity.forms
        ]
        if elsewhere:
            entity.miss = "wrong type"
        elif entity.occurs_in(f"{shown.title}\n{shown.body}"):
            entity.miss = "filtered real name"
        else:
            entity.miss = "lost in cleaning"


def wrong_class(
    page: Page, label: str, value: str, merged_from: list[str], text: str, gold_text: str
) -> str:
    if page.language != "en":
        return "non-English"
    key = norm_name(value)
    raws = [norm_name(r) for r in merged_from]
    if not contains(text, key) and any(contains(text, r) for r in raws):
        return "wrong merge"
    forms = [key, *raws]
    if not any(contains(gold_text, f) for f in forms) or credit_only(page.gold_body, forms):
        return "boilerplate"
    if any(e.label != label and key in e.forms for e in page.entities):
        return "wrong type"
    words = set(key.split())
    if any(words & set(f.split()) for e in page.entities for f in e.forms):
        return "span"
    return "other"


def read_documents(pages: list[Page], home: Path, *, literal: bool = False) -> None:
    """Score every page against its document as the search service shows it."""
    from indexer.store import DocumentStore
    from search.service import SearchService
    from search.settings import load_settings

    settings = load_settings(home=home)
    with DocumentStore(settings.db_path) as store:
        stored = {Path(d.source).stem: d for d in store.iter_documents()}
    service = SearchService.from_settings(settings)
    for page in pages:
        raw = stored.get(page.page_id)
        if raw is None:
            for entity in page.entities:
                entity.miss = "not ingested"
            page.values = {label: [] for label in LABELS}
            continue
        page.ingested = True
        score_page(page, service.get(raw.doc_id), raw, service.variants, literal=literal)


def tally(pages: list[Page]) -> dict[str, Any]:
    """Per-label counts, precision and recall, and the error classes over `pages`."""
    out: dict[str, Any] = {"pages": len(pages)}
    for label in LABELS:
        verdicts = Counter(v["verdict"] for p in pages for v in p.values.get(label, []))
        gold = [e for p in pages for e in p.entities if e.label == label]
        found = sum(1 for e in gold if e.found_by)
        right, wrong = verdicts["right"], verdicts["wrong"]
        out[label] = {
            "right": right,
            "wrong": wrong,
            "neutral": verdicts["neutral"],
            "gold": len(gold),
            "found": found,
            "precision": round(right / (right + wrong), 4) if right + wrong else None,
            "recall": round(found / len(gold), 4) if gold else None,
            "wrong_classes": dict(
                Counter(
                    v["class"]
                    for p in pages
                    for v in p.values.get(label, [])
                    if v["verdict"] == "wrong"
                )
            ),
            "miss_classes": dict(Counter(e.miss for e in gold if not e.found_by)),
            "missing_merges": sum(p.missing_merges.get(label, 0) for p in pages),
        }
    return out


def top_wrong(pages: list[Page], label: str, limit: int) -> list[tuple[str, int, str]]:
    """The most frequent wrong values of a label: (value, documents, class or classes)."""
    counts: Counter[str] = Counter()
    classes: dict[str, Counter[str]] = defaultdict(Counter)
    for page in pages:
        for v in page.values.get(label, []):
            if v["verdict"] == "wrong":
                counts[v["value"]] += 1
                classes[v["value"]][v["class"]] += 1
    return [
        (value, n, "/".join(c for c, _ in classes[value].most_common()))
        for value, n in counts.most_common(limit)
    ]


def fmt(x: float | None) -> str:
    return "  -  " if x is None else f"{x:.3f}"


def report(groups: dict[str, dict[str, Any]], pages: list[Page], top: int) -> list[str]:
    lines = [
        f"{'label':<7} {'group':<9} {'precision':>17} {'recall':>17} {'neutral':>8}   target",
    ]
    for label in LABELS:
        for g in GROUPS:
            t = groups[g][label]
            judged = t["right"] + t["wrong"]
            target = (
                f"   P >= {TARGETS[label][0]:.2f}, R >= {TARGETS[label][1]:.2f}"
                if g == "held-out"
                else ""
            )
            lines.append(
                f"{label:<7} {g:<9} {fmt(t['precision']):>6} ({t['right']:>4}/{judged:>4})"
                f" {fmt(t['recall']):>6} ({t['found']:>4}/{t['gold']:>4}) {t['neutral']:>8}"
                + target
            )
    lines.append("")
    lines.append("wrong values by class (all pages):")
    everything = groups["all"]
    for label in LABELS:
        counts = everything[label]["wrong_classes"]
        lines.append(
            f"  {label:<7} "
            + ", ".join(f"{c} {counts.get(c, 0)}" for c in WRONG_CLASSES)
            + f"; missing merges {everything[label]['missing_merges']}"
        )
    lines.append("gold entities missed, by class (all pages):")
    for label in LABELS:
        counts = everything[label]["miss_classes"]
        lines.append(f"  {label:<7} " + ", ".join(f"{c} {counts.get(c, 0)}" for c in MISS_CLASSES))
    for label in LABELS:
        lines.append(f"top wrong {label} values (value, documents, class):")
        for value, n, cls in top_wrong(pages, label, top):
            lines.append(f"  {n:>3}  {value}  [{cls}]")
    return lines


def _has_documents(home: Path) -> bool:
    from indexer.store import DocumentStore
    from search.settings import load_settings

    db_path = load_settings(home=home).db_path
    if not db_path.exists():
        return False
    with DocumentStore(db_path) as store:
        return store.count() > 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=SHARED / "data")
    parser.add_argument("--gold", type=Path, default=GOLD_DIR)
    parser.add_argument(
        "--home", type=Path, help="keep the docsift home here (reused when it has documents)"
    )
    parser.add_argument("--top", type=int, default=15, help="wrong values listed per label")
    parser.add_argument("--json", action="store_true", help="print everything as JSON")
    parser.add_argument(
        "--literal",
        action="store_true",
        help="a value is right only as the gold spells it (no gazetteer place equivalence)",
    )
    args = parser.parse_args()
    if not (args.data / "article_extraction_dev" / "ground-truth.json").exists():
        print(f"skipped: {args.data} has no article_extraction_dev (needs ../shared)")
        return 0
    gold = load_gold(args.gold)
    pages = build_pages(gold, args.data)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="entity_quality-") as tmp:
        home = args.home or Path(tmp) / "home"
        ingest_seconds, ingest_report = 0.0, {}
        if not _has_documents(home):
            ingest_seconds, ingest_report = ingest(pages, args.data, home, Path(tmp))
        else:
            print(f"reusing the documents already in {home}", file=sys.stderr)
        read_documents(pages, home, literal=args.literal)
    total_seconds = time.perf_counter() - started
    groups = {g: tally([p for p in pages if g in ("all", p.fold)]) for g in GROUPS}
    skipped = [p.page_id for p in pages if not p.ingested]
    if args.json:
        dump = {
            "groups": groups,
            "seconds": {"ingest": round(ingest_seconds, 1), "total": round(total_seconds, 1)},
            "ingest": ingest_report,
            "not_ingested": skipped,
            "top_wrong": {label: top_wrong(pages, label, args.top) for label in LABELS},
            "pages": {
                p.page_id: {
                    "fold": p.fold,
                    "set": p.set_name,
                    "gold_file": p.gold_file,
                    "language": p.language,
                    "values": p.values,
                    "missed": [
                        {"label": e.label, "name": e.name, "class": e.miss}
                        for e in p.entities
                        if not e.found_by
                    ],
                    "missing_merges": p.missing_merges,
                }
                for p in pages
            },
        }
        print(json.dumps(dump, indent=2, ensure_ascii=False))
    else:
        folds = Counter(p.fold for p in pages)
        print(
            f"{len(pages)} gold pages from {len({p.gold_file for p in pages})} file(s): "
            f"{folds['tune']} tune, {folds['held-out']} held-out; "
            f"{sum(p.language != 'en' for p in pages)} not English"
        )
        if skipped:
            print(f"not ingested ({len(skipped)}): {', '.join(skipped)}")
        print("\n".join(report(groups, pages, args.top)))
        print(f"time: ingest {ingest_seconds:.1f} s, total {total_seconds:.1f} s")
    figures: dict[str, Any] = {
        "pages": len(pages),
        "ingest_seconds": round(ingest_seconds, 1),
        "total_seconds": round(total_seconds, 1),
    }
    for g in GROUPS:
        for label in LABELS:
            t = groups[g][label]
            figures[f"{g}_{label}_precision"] = t["precision"]
            figures[f"{g}_{label}_recall"] = t["recall"]
    for label in LABELS:
        for c, n in groups["all"][label]["wrong_classes"].items():
            figures[f"all_{label}_wrong_{c.replace(' ', '_')}"] = n
    lines = [
        f"Entity facets against the hand-judged dev set ({len(pages)} pages, "
        f"bench/entity_gold/): precision / recall per label, micro over documents.",
        "",
        "| label | tune P | tune R | held-out P | held-out R | all P | all R | target P / R |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label in LABELS:
        row = [fmt(groups[g][label][m]) for g in GROUPS for m in ("precision", "recall")]
        lines.append(
            f"| {label} | " + " | ".join(row) + f" | {TARGETS[label][0]} / {TARGETS[label][1]} |"
        )
    record("entity_quality", figures, lines=lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

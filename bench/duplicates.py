"""Duplicate and rewrite groups in a corpus, with a sample for a person to judge precision.

    python bench/duplicates.py [DIR] [--home HOME] [--sample 30] [--seed 7]

DIR defaults to ../shared/data/bbc_news/raw. The corpus is ingested with entities into HOME
(default bench/out/duplicates-home; reused when it already holds documents, so a second run
only regroups). Prints the number of story groups, the group-size histogram, how many groups
are exact copies (same text), the kinds of edges, the time a full regrouping takes, and a
seeded random sample of groups with titles and first lines, also written to
bench/out/duplicates_sample.txt. With bench/duplicates_judged.tsv (groups a person read and
judged) it also prints the precision of the groups judged there, per hash fold.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path

from common import ROOT, SHARED, record

from indexer.aliases import load_name_table  # noqa: E402
from indexer.dedup import update_stories  # noqa: E402
from indexer.pipeline import Pipeline  # noqa: E402
from indexer.store import DocumentStore  # noqa: E402
from search.settings import Settings  # noqa: E402

OUT = ROOT / "bench" / "out"
JUDGED = ROOT / "bench" / "duplicates_judged.tsv"


def judged_precision(members: list[list[str]]) -> list[str]:
    """Precision of today's groups that a person judged in JUDGED (same member set), per fold
    and in all, under both readings (version; same event); judged pairs now apart listed."""
    if not JUDGED.is_file():
        return []
    rows = [
        line.split("\t")
        for line in JUDGED.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith(("#", "set\t"))
    ]
    current = {frozenset(m) for m in members}
    found = [r for r in rows if frozenset(r[2].split(",")) in current]
    lines = []
    for name, keep in (("sample", "sample-"), ("every judged group", "")):
        chosen = [r for r in found if r[0].startswith(keep)]
        for fold in ("A", "B", "A+B"):
            part = [r for r in chosen if r[4] in fold]
            if not part:
                continue
            version = sum(r[5] == "version" for r in part) / len(part)
            same = sum(r[6] == "yes" for r in part) / len(part)
            lines.append(
                f"judged precision, {name}, fold {fold}: {len(part)} groups, "
                f"versions {version:.3f}, same event {same:.3f}"
            )
    grouped = {d for m in members for d in m}
    apart = [r for r in rows if r[5] == "different"]
    kept_apart = sum(1 for r in apart if not set(r[2].split(",")) <= grouped)
    lines.append(f"judged different pairs kept apart: {kept_apart}/{len(apart)}")
    return lines


def first_line(body: str, chars: int = 160) -> str:
    text = " ".join(body.split())
    return text[:chars] + ("…" if len(text) > chars else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", nargs="?", default=str(SHARED / "data/bbc_news/raw"))
    parser.add_argument("--home", default=str(OUT / "duplicates-home"))
    parser.add_argument("--sample", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    settings = Settings(home=Path(args.home))
    with DocumentStore(settings.db_path) as store:
        if not store.count():
            print(f"ingesting {args.corpus} into {args.home} (entities on)...", flush=True)
            started = time.perf_counter()
            report = Pipeline.from_settings(settings, store).run([args.corpus])
            print(f"  {report.added} documents in {time.perf_counter() - started:.0f} s")
        documents = store.count()
        started = time.perf_counter()
        table = update_stories(store, load_name_table(store), full=True)
        regroup = time.perf_counter() - started
        edges = store.edges()
        members = [list(m) for m in table.members.values()]
        texts = {d: (t, b) for d, t, b, _p in store.texts([d for m in members for d in m])}

    exact = sum(1 for m in members if len({" ".join(texts[d][1].split()) for d in m}) == 1)
    sizes = Counter(len(m) for m in members)
    lines = [
        f"corpus: {args.corpus}",
        f"documents: {documents}",
        f"story groups: {len(members)} covering {sum(len(m) for m in members)} documents"
        f" ({sum(len(m) - 1 for m in members)} hidden when results collapse)",
        "group sizes: " + ", ".join(f"{size}: {n}" for size, n in sorted(sizes.items())),
        f"exact-duplicate groups (every member the same text): {exact}",
        "edges by kind: "
        + ", ".join(f"{k}: {n}" for k, n in Counter(e.kind for e in edges).most_common()),
        f"full regrouping: {regroup:.2f} s",
        *judged_precision(members),
        "",
    ]
    rng = random.Random(args.seed)
    sample = rng.sample(sorted(members), min(args.sample, len(members)))
    for number, group in enumerate(sample, start=1):
        lines.append(f"--- sample {number}: {len(group)} versions")
        for doc_id in group:
            title, body = texts[doc_id]
            lines.append(f"  [{doc_id}] {title}")
            lines.append(f"      {first_line(body)}")
            lines.append(f"      why: {table.reasons.get(doc_id, '')}")
    text = "\n".join(lines) + "\n"
    print(text)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "duplicates_sample.txt").write_text(text, encoding="utf-8")
    kinds = Counter(e.kind for e in edges)
    grouped = sum(len(m) for m in members)
    corpus = Path(args.corpus).resolve()
    if corpus.is_relative_to(SHARED.resolve()):
        corpus = corpus.relative_to(SHARED.resolve())
    record(
        "duplicates",
        {
            "documents": documents,
            "groups": len(members),
            "grouped_documents": grouped,
            "hidden_when_collapsed": grouped - len(members),
            "exact_duplicate_groups": exact,
            **{f"groups_of_{size}": n for size, n in sorted(sizes.items())},
            **{f"edges_{kind}": n for kind, n in kinds.most_common()},
            "regroup_s": round(regroup, 2),
        },
        lines=[
            f"`{corpus}` ({documents:,} documents, entities on): "
            f"**{len(members)} story groups** ({exact} exact copies, same text) covering "
            f"{grouped} documents; group sizes "
            + ", ".join(f"{size}: {n}" for size, n in sorted(sizes.items()))
            + ".",
            "Edges by kind: "
            + ", ".join(f"{k} {n}" for k, n in kinds.most_common())
            + f"; full regrouping {regroup:.2f} s. A seeded sample of {len(sample)} groups "
            "for judging precision by eye is in bench/out/duplicates_sample.txt.",
        ],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

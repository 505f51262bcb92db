"""One Part's bytes into a Reading, by its kind."""

from __future__ import annotations

from indexer.formats.images import read_image
from indexer.formats.kinds import DOCX, EML, IMAGE, ODT, PDF, TEXT
from indexer.formats.limits import Limits
from indexer.formats.mail import read_message
from indexer.formats.ocr import Ocr
from indexer.formats.office import read_docx, read_odt
from indexer.formats.parts import Part, Reading
from indexer.formats.pdf import read_pdf
from search.errors import SkipDocument


def needs_ocr(kind: str) -> bool:
    """Whether reading this kind may call OCR (its content hash then names the OCR engine)."""
    return kind in (PDF, IMAGE)


def read_part(part: Part, limits: Limits, ocr: Ocr) -> Reading | None:
    """The text and metadata of a Part; None for text and HTML (the pipeline's own stages).

    Raises:
        SkipDocument: the Part cannot be read, with why.
    """
    if part.problem:
        raise SkipDocument(part.problem, part.source)
    try:
        if part.kind == TEXT:
            return None
        if part.kind == PDF:
            return read_pdf(part.content, part.name, limits, ocr)
        if part.kind == IMAGE:
            return read_image(part.content, part.name, limits, ocr)
        if part.kind == DOCX:
            return read_docx(part.content, part.name, limits)
        if part.kind == ODT:
            return read_odt(part.content, part.name, limits)
        if part.kind == EML:
            return read_message(part.content)
    except SkipDocument as exc:
        raise SkipDocument(exc.reason, part.source) from exc
    raise SkipDocument(f"no reader for {part.kind or 'this file type'}", part.source)

"""Scanned pages as image files (.png, .jpg, .tif): every frame read by OCR.

Pillow reads the header first, so an image claiming more pixels than `max_pixels` (a
decompression bomb) is refused before a byte of it is decoded; a multi-page TIFF gives one
page per frame, up to `max_pages` and `max_ocr_pages`.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageSequence, UnidentifiedImageError

from indexer.formats.kinds import IMAGE_TYPES, image_type
from indexer.formats.limits import Limits
from indexer.formats.ocr import Ocr, OcrError
from indexer.formats.parts import Reading, choose_title, join_pages, page_text
from indexer.page.clean import CleanText
from search.errors import SkipDocument


def read_image(data: bytes, name: str, limits: Limits, ocr: Ocr) -> Reading:
    """The text OCR reads in an image, one page per frame.

    Raises:
        SkipDocument: OCR is not available, the image is broken or too large, or no text.
    """
    kind = image_type(data[:16])
    if not kind:
        raise SkipDocument("not a PNG, JPEG or TIFF image")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > limits.max_pixels:
                raise SkipDocument(
                    f"image too large to read ({width:,} x {height:,} pixels > "
                    f"{limits.max_pixels:,})"
                )
            image.load()  # decoded now: a broken image is called broken, OCR or not
            if ocr.missing:
                raise SkipDocument(f"image of a page; {ocr.missing}")
            texts, frames, notes = _frames(image, limits, ocr)
        except UnidentifiedImageError as exc:
            raise SkipDocument(f"broken {kind.upper()} image: Pillow cannot decode it") from exc
        except (Image.DecompressionBombError, OSError, SyntaxError) as exc:
            raise SkipDocument(f"broken {kind.upper()} image: {exc}") from exc
    body, starts = join_pages(texts)
    if not body.strip():
        raise SkipDocument("OCR found no text in the image")
    return Reading(
        clean=CleanText(title=choose_title("", body, name), body=body),
        content_type=IMAGE_TYPES[kind],
        method="tesseract",
        pages=frames,
        page_starts=starts,
        notes=tuple(notes),
    )


def _frames(image: Image.Image, limits: Limits, ocr: Ocr) -> tuple[list[str], int, list[str]]:
    texts: list[str] = []
    notes: list[str] = []
    cap = min(limits.max_pages, limits.max_ocr_pages)
    frames = getattr(image, "n_frames", 1)
    for index, frame in enumerate(ImageSequence.Iterator(image)):
        if index >= cap:
            notes.append(f"pages {cap + 1:,}-{frames:,} of {frames:,} not read: the OCR page limit")
            break
        if frame.size[0] * frame.size[1] > limits.max_pixels:
            notes.append(f"page {index + 1} not read: too many pixels")
            texts.append("")
            continue
        png = io.BytesIO()
        frame.convert("L").save(png, format="PNG")
        try:
            texts.append(page_text(ocr.read(png.getvalue())))
        except OcrError as exc:
            notes.append(f"OCR stopped at page {index + 1}: {exc}")
            break
    return texts, frames, notes

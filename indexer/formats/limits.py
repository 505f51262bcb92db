"""The caps every file format is read under, so one hostile file costs bounded memory and time.

A zip bomb, a 10,000-page PDF or a message with a thousand attachments is read up to these
limits and the rest is reported with its reason; the batch goes on. Sizes follow the
`max_file_bytes` setting (one file, archive member, message or attachment), as gzipped
sitemaps do; the rest are fixed here.
"""

from __future__ import annotations

from dataclasses import dataclass

from search.settings import Settings


@dataclass(frozen=True, slots=True)
class Limits:
    """How much of one file (and everything inside it) is read."""

    max_bytes: int = 20 * 1024 * 1024  # one file, archive member, message or attachment
    max_text_chars: int = 900_000  # text kept from one document (the NER limit)
    archive_bytes_factor: int = 10  # an archive inflates to at most this many max_bytes
    max_members: int = 10_000  # files read from one archive, nested archives included
    max_depth: int = 4  # archives and messages inside archives and messages
    max_attachments: int = 100  # attachments read from one message
    max_pages: int = 2_000  # pages read from one PDF or multi-page image
    max_ocr_pages: int = 200  # pages of one document read by OCR
    max_pixels: int = 60_000_000  # one image or rendered page handed to OCR (≈ A3 at 400 dpi)
    ocr_dpi: int = 300
    ocr_timeout_s: float = 120.0  # one page

    @property
    def max_archive_bytes(self) -> int:
        return self.max_bytes * self.archive_bytes_factor

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(max_bytes=settings.max_file_bytes, max_text_chars=settings.max_text_chars)


def megabytes(size: int) -> str:
    return f"{size / 1_048_576:.1f} MB"

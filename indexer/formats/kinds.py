"""Which reader a file needs, from its name and its first bytes.

The name proposes, the bytes decide: a `.pdf` that does not start like a PDF is reported as
such rather than handed to the PDF reader, and an attachment called `scan` whose bytes are a
PNG is read as an image.
"""

from __future__ import annotations

from pathlib import PurePosixPath

# the readers (indexer.formats.read) and containers (indexer.formats.expand)
PDF, DOCX, ODT, IMAGE = "pdf", "docx", "odt", "image"
EML, MBOX, ZIP, TAR = "eml", "mbox", "zip", "tar"
TEXT = "text"  # plain text and HTML: the pipeline's own decode and clean stages

SUFFIX_KINDS = {
    ".pdf": PDF,
    ".docx": DOCX,
    ".odt": ODT,
    ".png": IMAGE,
    ".jpg": IMAGE,
    ".jpeg": IMAGE,
    ".tif": IMAGE,
    ".tiff": IMAGE,
    ".eml": EML,
    ".mbox": MBOX,
    ".zip": ZIP,
    ".tar": TAR,
    ".tar.gz": TAR,
    ".tgz": TAR,
    ".tar.bz2": TAR,
    ".tbz2": TAR,
    ".tar.xz": TAR,
    ".txz": TAR,
}
FORMAT_SUFFIXES = frozenset(SUFFIX_KINDS)
CONTAINERS = frozenset({EML, MBOX, ZIP, TAR})

CONTENT_TYPES = {
    PDF: "application/pdf",
    DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ODT: "application/vnd.oasis.opendocument.text",
    EML: "message/rfc822",
}
IMAGE_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "tiff": "image/tiff"}


def suffix_of(name: str) -> str:
    """The suffix that decides the reader: ".pdf", or ".tar.gz" for a compressed tar."""
    suffixes = [s.lower() for s in PurePosixPath(name).suffixes]
    if len(suffixes) >= 2 and suffixes[-2] == ".tar":
        return "".join(suffixes[-2:])
    return suffixes[-1] if suffixes else ""


def image_type(head: bytes) -> str:
    """ "png", "jpeg", "tiff" or "" from an image's first bytes."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    return ""


def is_pdf(head: bytes) -> bool:
    # the header may follow some junk; readers accept it anywhere in the first kilobyte
    return b"%PDF-" in head[:1024]


def is_zip(head: bytes) -> bool:
    return head.startswith((b"PK\x03\x04", b"PK\x05\x06"))


def kind_of(name: str, head: bytes = b"") -> str:
    """The reader for a file called `name` starting with `head` (TEXT: the text pipeline;
    "" : nothing reads it)."""
    kind = SUFFIX_KINDS.get(suffix_of(name), "")
    if kind:
        return kind
    if not head:
        return ""
    if is_pdf(head[:8]):
        return PDF
    if image_type(head):
        return IMAGE
    if is_zip(head):
        return ZIP
    return ""

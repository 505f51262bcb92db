"""Real files of every format docsift reads, made by the tests: PDFs (with text, and scanned:
an image of a page, no text layer), Word, OpenDocument, e-mail with a PDF attachment, an
mbox, and archives of them. Each holds a word no other file holds, a title, a date and
people, so a test can tell which document a search found and whether its metadata was read.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

# (file, the word only its body holds, title, date, a person it names)
PDF_WORD, PDF_TITLE, PDF_DATE = "dredgework", "Harbour Dredging Report", dt.date(2024, 3, 14)
SCAN_WORD, SCAN_TITLE, SCAN_DATE = "lighthouse", "Lighthouse Inspection Scan", dt.date(2023, 11, 2)
DOCX_WORD, DOCX_TITLE, DOCX_DATE = (
    "cormorant",
    "Council Minutes on the Cormorant Colony",
    dt.date(2024, 2, 1),
)
ODT_WORD, ODT_TITLE, ODT_DATE = "heronry", "Wetland Survey Notes", dt.date(2024, 1, 20)
EML_WORD, EML_TITLE, EML_DATE = (
    "tugboat",
    "Tugboat contract for the spring season",
    dt.date(2024, 3, 5),
)
ATTACHMENT_WORD, ATTACHMENT_TITLE = "ballastwater", "Ballast Water Annex"
MBOX_WORDS = ("anchorage", "pilotage")
MBOX_TITLES = ("Anchorage fees from April", "Pilotage roster for Easter")
MBOX_DATES = (dt.date(2024, 4, 2), dt.date(2024, 4, 3))

PROSE = (
    "Mayor Helena Marsh told the harbour board on Thursday that the work would start in "
    "April. The board heard from engineers, fishermen and the port authority, and most of "
    "the members agreed that the channel had silted up faster than anyone had expected."
)


def pdf_bytes(
    pages: list[str],
    *,
    title: str = "",
    author: str = "",
    created: dt.date | None = None,
    font_size: int = 11,
) -> bytes:
    """A PDF with a text layer, one string of prose per page (reportlab)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfgen import canvas
    from reportlab.platypus import Frame, Paragraph

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    if title:
        pdf.setTitle(title)
    if author:
        pdf.setAuthor(author)
    if created:
        stamp = created.strftime("D:%Y%m%d093000+00'00'")
        pdf.setDateFormatter(lambda *_: stamp)
    style = ParagraphStyle(
        "body", fontName="Helvetica", fontSize=font_size, leading=font_size * 1.3
    )
    width, height = A4
    for text in pages:
        frame = Frame(60, 60, width - 120, height - 120, showBoundary=0)
        frame.addFromList([Paragraph(escape(p), style) for p in text.split("\n\n")], pdf)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def page_images(pdf: bytes, dpi: int = 200) -> list:  # list[PIL.Image.Image]
    """Each page of a PDF as a grey image, as a scanner would give it."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        return [
            document[i].render(scale=dpi / 72, grayscale=True).to_pil()
            for i in range(len(document))
        ]
    finally:
        document.close()


def scanned_pdf_bytes(
    pages: list[str], *, title: str = "", created: dt.date | None = None
) -> bytes:
    """A PDF of page images only (no text layer): what a scanner makes."""
    images = page_images(pdf_bytes(pages, font_size=16))
    buffer = io.BytesIO()
    extra = {"title": title} if title else {}
    if created:
        extra["creationDate"] = dt.datetime.combine(created, dt.time(9, 30)).timetuple()
    images[0].save(
        buffer, format="PDF", save_all=True, append_images=images[1:], resolution=200, **extra
    )
    return buffer.getvalue()


def png_bytes(text: str) -> bytes:
    """A scanned page as a PNG."""
    buffer = io.BytesIO()
    page_images(pdf_bytes([text], font_size=16))[0].save(buffer, format="PNG")
    return buffer.getvalue()


def docx_bytes(paragraphs: list[str], *, title: str, author: str, created: dt.date) -> bytes:
    """A Word document with a heading, paragraphs and a table (python-docx)."""
    import docx

    document = docx.Document()
    document.core_properties.title = title
    document.core_properties.author = author
    document.core_properties.created = dt.datetime.combine(created, dt.time(9, 0))
    document.add_heading(title, level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Speaker", "Motion"
    table.cell(1, 0).text, table.cell(1, 1).text = "Tomas Berg", "Protect the nesting site"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


ODT_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/"'
)


def odt_bytes(paragraphs: list[str], *, title: str, author: str, created: dt.date) -> bytes:
    """An OpenDocument text as LibreOffice lays it out: mimetype first and stored, content,
    meta and manifest; a heading, paragraphs (one with <text:s/> spaces), a list, a table."""
    body = f'<text:h text:outline-level="1">{escape(title)}</text:h>'
    for text in paragraphs:
        first, _, rest = text.partition(" ")
        body += f'<text:p>{escape(first)}<text:s text:c="2"/>{escape(rest)}</text:p>'
    body += (
        "<text:list><text:list-item><text:p>Reeds cut back in May</text:p></text:list-item>"
        "</text:list><table:table><table:table-row><table:table-cell><text:p>Observer</text:p>"
        "</table:table-cell><table:table-cell><text:p>Ingrid Solberg</text:p></table:table-cell>"
        "</table:table-row></table:table>"
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODT_NS}>'
        f"<office:body><office:text>{body}</office:text></office:body></office:document-content>"
    )
    meta = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-meta {ODT_NS}><office:meta>'
        f"<dc:title>{escape(title)}</dc:title><meta:initial-creator>{escape(author)}"
        f"</meta:initial-creator><meta:creation-date>{created.isoformat()}T10:00:00"
        '</meta:creation-date><meta:document-statistic meta:page-count="2"/>'
        "</office:meta></office:document-meta>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.text"/></manifest:manifest>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(
            zipfile.ZipInfo("mimetype"),
            "application/vnd.oasis.opendocument.text",
            compress_type=zipfile.ZIP_STORED,
        )
        package.writestr("content.xml", content)
        package.writestr("meta.xml", meta)
        package.writestr("META-INF/manifest.xml", manifest)
    return buffer.getvalue()


def message(
    *,
    subject: str,
    body: str,
    date: dt.date,
    sender: str = "Jane Okafor <jane.okafor@harbour.example>",
    to: str = '"Marsh, Helena" <h.marsh@council.example>',
    cc: str = "newsroom@harbour.example",
    attachments: list[tuple[str, bytes, str]] = (),  # type: ignore[assignment]
) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    if cc:
        mail["Cc"] = cc
    mail["Subject"] = subject
    mail["Date"] = format_datetime(dt.datetime.combine(date, dt.time(9, 30), dt.UTC))
    mail["Message-ID"] = f"<{subject.split()[0].lower()}@harbour.example>"
    mail.set_content(body)
    for name, data, mime in attachments:
        maintype, subtype = mime.split("/")
        mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return mail


def attachment_pdf() -> bytes:
    return pdf_bytes(
        [f"The annex sets limits on {ATTACHMENT_WORD} discharge in the inner basin."],
        title=ATTACHMENT_TITLE,
    )


def eml_bytes() -> bytes:
    return message(
        subject=EML_TITLE,
        body=f"Helena,\n\nThe {EML_WORD} crews signed today. The annex is attached.\n\nJane",
        date=EML_DATE,
        attachments=[("annex.pdf", attachment_pdf(), "application/pdf")],
    ).as_bytes()


def mbox_bytes() -> bytes:
    chunks = []
    for word, title, date in zip(MBOX_WORDS, MBOX_TITLES, MBOX_DATES, strict=True):
        mail = message(
            subject=title,
            body=f"From now on the {word} desk opens at eight.\nFrom the harbour office.",
            date=date,
            sender="Tomas Berg <tomas.berg@harbour.example>",
            to="Ingrid Solberg <ingrid@harbour.example>",
            cc="",
        )
        text = mail.as_bytes().replace(b"\nFrom ", b"\n>From ")
        chunks.append(b"From tomas.berg@harbour.example Tue Apr  2 09:30:00 2024\n" + text + b"\n")
    return b"".join(chunks)


def write_all(folder: Path) -> dict[str, Path]:
    """One file of each format in `folder`; returns them by kind."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "pdf": (
            "report.pdf",
            pdf_bytes(
                [
                    PROSE,
                    f"The {PDF_WORD} contract was signed by the port authority.",
                    "The last page lists the vessels.",
                ],
                title=PDF_TITLE,
                author="Helena Marsh",
                created=PDF_DATE,
            ),
        ),
        "scan": (
            "scan.pdf",
            scanned_pdf_bytes(
                [f"The {SCAN_WORD} keepers reported a cracked lens to Captain Ines Moreau."],
                title=SCAN_TITLE,
                created=SCAN_DATE,
            ),
        ),
        "docx": (
            "minutes.docx",
            docx_bytes(
                [PROSE, f"The {DOCX_WORD} colony on the breakwater will be protected."],
                title=DOCX_TITLE,
                author="Tomas Berg",
                created=DOCX_DATE,
            ),
        ),
        "odt": (
            "survey.odt",
            odt_bytes(
                [f"The {ODT_WORD} by the old mill holds thirty nests.", PROSE],
                title=ODT_TITLE,
                author="Ingrid Solberg",
                created=ODT_DATE,
            ),
        ),
        "eml": ("contract.eml", eml_bytes()),
        "mbox": ("harbour.mbox", mbox_bytes()),
    }
    paths = {}
    for kind, (name, data) in files.items():
        path = folder / name
        path.write_bytes(data)
        paths[kind] = path
    return paths


def zip_of(paths: list[Path], target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in paths:
            archive.write(path, f"inbox/{path.name}")
    return target

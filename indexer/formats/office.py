"""Word (.docx) with python-docx, OpenDocument text (.odt) from its XML with lxml.

Both are zip packages, checked before parsing: the part that holds the text must be there (a
zip of something else named .docx is reported as such), and no part may inflate past
`max_bytes` nor the package past five times that, so a package bomb is refused from the sizes
its directory declares (zipfile never inflates a member past its declared size). XML is parsed
without entity expansion or network access.

python-docx (MIT, maintained) reads paragraphs and tables in document order and the core
properties. ODT is read from content.xml with lxml (already a dependency) rather than odfpy,
whose last release is from 2020; the ODT reader is not benchmarked against it.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator

from lxml import etree

from indexer.formats.kinds import CONTENT_TYPES, DOCX, ODT
from indexer.formats.limits import Limits, megabytes
from indexer.formats.parts import Reading, choose_title, parse_iso_date, usable_author
from indexer.page.clean import CleanText, normalise_text
from search.errors import SkipDocument

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
PACKAGE_FACTOR = 5  # a package inflates to at most this many max_bytes


def open_package(data: bytes, required: str, what: str, limits: Limits) -> zipfile.ZipFile:
    """The zip package, once its directory shows the `required` part and sane sizes.

    Raises:
        SkipDocument: not a zip, no `required` part, or parts that inflate too far.
    """
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        infos = package.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise SkipDocument(f"not a {what}: broken zip package ({exc})") from exc
    names = {info.filename for info in infos}
    if required not in names:
        raise SkipDocument(
            f"not a {what}: the zip holds no {required} (an ordinary zip with this name?)"
        )
    total = sum(info.file_size for info in infos)
    biggest = max(infos, key=lambda info: info.file_size)
    if biggest.file_size > limits.max_bytes:
        raise SkipDocument(
            f"{what} part {biggest.filename} inflates to {megabytes(biggest.file_size)} "
            f"(limit {megabytes(limits.max_bytes)}, max_file_bytes)"
        )
    if total > PACKAGE_FACTOR * limits.max_bytes:
        raise SkipDocument(
            f"{what} inflates to {megabytes(total)} "
            f"(limit {megabytes(PACKAGE_FACTOR * limits.max_bytes)})"
        )
    return package


def _xml(package: zipfile.ZipFile, name: str) -> etree._Element | None:
    try:
        return etree.fromstring(package.read(name), _PARSER)
    except KeyError:
        return None
    except (etree.XMLSyntaxError, zipfile.BadZipFile, OSError, ValueError) as exc:
        raise SkipDocument(f"broken {name}: {exc}") from exc


# -- Word ----------------------------------------------------------------------------------

_APP_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/extended-properties}"


def read_docx(data: bytes, name: str, limits: Limits) -> Reading:
    """Paragraphs and tables of a .docx in order, with its title, author, date and pages.

    Raises:
        SkipDocument: not a Word package, a package bomb, broken XML, or no text.
    """
    import docx  # python-docx: imported here, as only .docx files need it
    from docx.opc.exceptions import PackageNotFoundError

    package = open_package(data, "word/document.xml", "Word document", limits)
    with package:
        app = _xml(package, "docProps/app.xml")
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, etree.XMLSyntaxError) as exc:
        raise SkipDocument(f"not a readable Word document: {exc}") from exc
    body = normalise_text("\n\n".join(_docx_blocks(document)))
    if not body:
        raise SkipDocument("Word document without text")
    core = document.core_properties
    created = core.created
    pages_text = app.findtext(f"{_APP_NS}Pages") if app is not None else None
    return Reading(
        clean=CleanText(
            title=choose_title(core.title or "", body, name),
            body=body,
            author=usable_author(core.author or ""),
            published=created.date() if created else None,
            published_source="docx:created" if created else "",
        ),
        content_type=CONTENT_TYPES[DOCX],
        method="python-docx",
        pages=int(pages_text) if pages_text and pages_text.strip().isdigit() else 0,
    )


def _docx_blocks(document: object) -> Iterator[str]:
    from docx.table import Table

    for block in document.iter_inner_content():  # type: ignore[attr-defined]
        if isinstance(block, Table):
            yield from _table_rows(block)
        elif block.text.strip():
            yield block.text


def _table_rows(table: object) -> Iterator[str]:
    for row in table.rows:  # type: ignore[attr-defined]
        cells: list[str] = []
        for cell in row.cells:
            text = " ".join(cell.text.split())
            if text and (not cells or cells[-1] != text):  # a merged cell repeats
                cells.append(text)
        if cells:
            yield " | ".join(cells)


# -- OpenDocument ------------------------------------------------------------------------------

_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_META = "urn:oasis:names:tc:opendocument:xmlns:meta:1.0"
_DC = "http://purl.org/dc/elements/1.1/"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_BLOCKS = {f"{{{_TEXT}}}p", f"{{{_TEXT}}}h"}
_SKIP = {f"{{{_OFFICE}}}annotation", f"{{{_TEXT}}}tracked-changes", f"{{{_TEXT}}}note-citation"}


def read_odt(data: bytes, name: str, limits: Limits) -> Reading:
    """Headings, paragraphs, lists and tables of an .odt in order, with its metadata.

    Raises:
        SkipDocument: not an OpenDocument text, a package bomb, broken XML, or no text.
    """
    package = open_package(data, "content.xml", "OpenDocument text", limits)
    with package:
        try:
            mimetype = package.read("mimetype").decode("ascii", "replace").strip()
        except KeyError:
            mimetype = ""
        if mimetype and mimetype != CONTENT_TYPES[ODT]:
            raise SkipDocument(f"not an OpenDocument text: it is {mimetype[:80]}")
        content = _xml(package, "content.xml")
        meta = _xml(package, "meta.xml")
    if content is None:
        raise SkipDocument("not an OpenDocument text: no content.xml")
    body = normalise_text("\n\n".join(_odt_blocks(content)))
    if not body:
        raise SkipDocument("OpenDocument text without text")
    title = author = date = ""
    pages = 0
    if meta is not None:
        title = meta.findtext(f".//{{{_DC}}}title") or ""
        author = meta.findtext(f".//{{{_META}}}initial-creator") or ""
        author = author or meta.findtext(f".//{{{_DC}}}creator") or ""
        date = meta.findtext(f".//{{{_META}}}creation-date") or ""
        date = date or meta.findtext(f".//{{{_DC}}}date") or ""
        stats = meta.find(f".//{{{_META}}}document-statistic")
        count = stats.get(f"{{{_META}}}page-count", "") if stats is not None else ""
        pages = int(count) if count.isdigit() else 0
    published = parse_iso_date(date)
    return Reading(
        clean=CleanText(
            title=choose_title(title, body, name),
            body=body,
            author=usable_author(author),
            published=published,
            published_source="odt:creation-date" if published else "",
        ),
        content_type=CONTENT_TYPES[ODT],
        method="odt-xml",
        pages=pages,
    )


def _odt_blocks(root: etree._Element) -> Iterator[str]:
    """Each heading and paragraph's text, table rows as one line of cells."""
    body = root.find(f"{{{_OFFICE}}}body")
    if body is None:
        return
    for element in body.iter(f"{{{_TEXT}}}p", f"{{{_TEXT}}}h", f"{{{_TABLE}}}table-row"):
        if element.tag == f"{{{_TABLE}}}table-row":
            cells = [
                " ".join(" ".join("".join(_odt_text(p)) for p in cell.iter(*_BLOCKS)).split())
                for cell in element.iter(f"{{{_TABLE}}}table-cell")
            ]
            line = " | ".join(c for c in cells if c)
            if line:
                yield line
            continue
        if _inside(element, f"{{{_TABLE}}}table-cell"):
            continue  # read with its row
        text = "".join(_odt_text(element))
        if text.strip():
            yield text


def _inside(element: etree._Element, tag: str) -> bool:
    return any(parent.tag == tag for parent in element.iterancestors())


def _odt_text(element: etree._Element) -> Iterator[str]:
    """The characters of a paragraph: spans, links, <text:s c="3"/>, tabs and line breaks."""
    if element.text:
        yield element.text
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in _SKIP:
            pass
        elif tag == f"{{{_TEXT}}}s":
            yield " " * _count(child.get(f"{{{_TEXT}}}c"))
        elif tag == f"{{{_TEXT}}}tab":
            yield "\t"
        elif tag == f"{{{_TEXT}}}line-break":
            yield "\n"
        elif tag in _BLOCKS:
            pass  # a paragraph in a note: read on its own
        else:
            yield from _odt_text(child)
        if child.tail:
            yield child.tail


def _count(value: str | None) -> int:
    return min(int(value), 100) if value and re.fullmatch(r"\d{1,6}", value) else 1

"""PDF, scanned PDF, Word, OpenDocument, e-mail with an attachment, mbox and a zip of them all,
made by the tests and ingested through the real pipeline, store, index and web app.

Each file holds a word no other file holds: a search for it finds that file (and its copy in
the zip) with the title, date and people the file declares; the attachment and its message
link to each other; a hit in a PDF names the page its match is on, and the document page has
that page's anchor.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import formatfixtures as ff
import pytest
from webfixtures import get_page

from indexer.formats.ocr import Ocr
from indexer.pipeline import IngestReport, Pipeline
from indexer.store import DocumentStore
from search.documents import Document
from search.query import parse_request
from search.service import SearchService
from search.settings import Settings
from web.app import create_app

pytestmark = pytest.mark.slow

OCR = Ocr()
needs_ocr = pytest.mark.skipif(not OCR.available, reason=OCR.missing or "OCR available")

# (fixture kind, word, title, date, a person it must name)
EXPECTED = [
    ("pdf", ff.PDF_WORD, ff.PDF_TITLE, ff.PDF_DATE, "Helena Marsh"),
    ("docx", ff.DOCX_WORD, ff.DOCX_TITLE, ff.DOCX_DATE, "Tomas Berg"),
    ("odt", ff.ODT_WORD, ff.ODT_TITLE, ff.ODT_DATE, "Ingrid Solberg"),
    ("eml", ff.EML_WORD, ff.EML_TITLE, ff.EML_DATE, "Jane Okafor"),
    ("mbox", ff.MBOX_WORDS[0], ff.MBOX_TITLES[0], ff.MBOX_DATES[0], "Tomas Berg"),
    ("mbox", ff.MBOX_WORDS[1], ff.MBOX_TITLES[1], ff.MBOX_DATES[1], "Ingrid Solberg"),
]


def ingest(settings: Settings, targets: list[Path], ocr: Ocr = OCR) -> IngestReport:
    with DocumentStore(settings.db_path) as store:
        pipeline = Pipeline.from_settings(settings, store, entities=True)
        pipeline.ocr = ocr
        try:
            return pipeline.run([str(t) for t in targets])
        finally:
            pipeline.close()


def stored(settings: Settings) -> dict[str, Document]:
    with DocumentStore(settings.db_path) as store:
        return {d.source: d for d in store.iter_documents()}


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, IngestReport, Path]:
    root = tmp_path_factory.mktemp("formats")
    files = ff.write_all(root / "in")
    archive = ff.zip_of(list(files.values()), root / "all.zip")
    from search.settings import load_settings

    settings = load_settings(environ={}, home=root / "home")
    report = ingest(settings, [root / "in", archive])
    return settings, report, root


def found_documents(settings: Settings, q: str) -> list[Document]:
    """Every document a search finds, the versions of a story included."""
    documents = {d.doc_id: d for d in stored(settings).values()}
    return [documents[i] for h in _search(settings, q) for i in h.version_ids]


def _search(settings: Settings, q: str) -> list:
    return list(SearchService.from_settings(settings).search(parse_request({"q": q})).hits)


@pytest.mark.parametrize(("kind", "word", "title", "date", "person"), EXPECTED)
def test_each_format_is_found_by_a_word_only_its_body_holds(
    ingested: tuple[Settings, IngestReport, Path],
    kind: str,
    word: str,
    title: str,
    date: dt.date,
    person: str,
) -> None:
    settings, report, root = ingested
    assert not report.errors, report.errors
    # the file itself and its copy inside the zip (one story or two), nothing else
    found = found_documents(settings, word)
    sources = sorted(d.source for d in found)
    assert len(found) == 2, sources
    assert any(s.startswith(str(root / "in")) for s in sources)
    assert any(s.startswith(f"{root / 'all.zip'}!/inbox/") for s in sources)
    for document in found:
        assert document.title == title
        assert document.published == date
        assert person in document.people, document.people


def test_mail_header_people_are_names_never_addresses(
    ingested: tuple[Settings, IngestReport, Path],
) -> None:
    settings, _, root = ingested
    message = stored(settings)[str(root / "in" / "contract.eml")]
    # "Marsh, Helena" <h.marsh@...> is Helena Marsh; newsroom@... is an address, not a person
    assert {"Jane Okafor", "Helena Marsh"} <= set(message.people)
    assert not [p for p in message.people if "@" in p or "newsroom" in p.lower()]
    roles = {(c.role, c.name, c.address) for c in message.correspondents}
    assert ("from", "Jane Okafor", "jane.okafor@harbour.example") in roles
    assert ("to", "Helena Marsh", "h.marsh@council.example") in roles
    assert ("cc", "", "newsroom@harbour.example") in roles
    facet = SearchService.from_settings(settings).search(parse_request({"q": ff.EML_WORD}))
    people = {v.value for f in facet.facets if f.name == "person" for v in f.values}
    assert "Jane Okafor" in people and not [p for p in people if "@" in p]


def test_attachment_is_its_own_document_linked_to_its_message_and_back(
    ingested: tuple[Settings, IngestReport, Path],
) -> None:
    settings, _, root = ingested
    documents = stored(settings)
    message = documents[str(root / "in" / "contract.eml")]
    versions = found_documents(settings, ff.ATTACHMENT_WORD)
    assert len(versions) == 2
    attachment = next(d for d in versions if not d.source.startswith(str(root / "all.zip")))
    assert attachment.source == f"{message.source}!/1/annex.pdf"
    assert attachment.title == ff.ATTACHMENT_TITLE
    assert [a.doc_id for a in message.attachments] == [attachment.doc_id]
    assert attachment.parent_id == message.doc_id
    # the message's body does not hold the attachment's word, nor the other way round
    assert ff.ATTACHMENT_WORD not in message.body
    assert ff.EML_WORD not in documents[attachment.source].body


def test_pdf_keeps_its_type_pages_and_the_page_of_each_match(
    ingested: tuple[Settings, IngestReport, Path],
) -> None:
    settings, _, root = ingested
    pdf = stored(settings)[str(root / "in" / "report.pdf")]
    assert (pdf.content_type, pdf.pages, len(pdf.page_starts)) == ("application/pdf", 3, 3)
    assert pdf.extract_method == "pypdfium2"
    assert pdf.page_at(pdf.body.index(ff.PDF_WORD)) == 2
    (hit,) = _search(settings, ff.PDF_WORD)
    assert hit.page == 2
    assert _search(settings, "vessels")[0].page == 3
    assert _search(settings, "silted")[0].page == 1


def test_document_page_links_pages_attachments_and_message(
    ingested: tuple[Settings, IngestReport, Path],
) -> None:
    settings, _, root = ingested
    app = create_app(settings, SearchService.from_settings(settings))
    app.config["TESTING"] = True
    client = app.test_client()
    results = get_page(client, f"/search?q={ff.PDF_WORD}")
    link = results.select_one("a.hit-page")
    assert link is not None and link.get_text(strip=True) == "page 2"
    document = get_page(client, link["href"].split("#")[0])
    anchor = document.select_one(f"#{link['href'].split('#')[1]}")
    assert anchor is not None
    following = anchor.find_next_sibling("p").get_text()
    assert ff.PDF_WORD in following
    assert "PDF, 3 pages" in document.select_one(".document-type").get_text()

    documents = stored(settings)
    message = documents[str(root / "in" / "contract.eml")]
    page = get_page(client, f"/documents/{message.doc_id}")
    attached = page.select_one(".document-attachments a")
    assert attached.get_text(strip=True) == "annex.pdf"
    annex = get_page(client, attached["href"])
    back = annex.select_one(".document-parent a")
    assert back.get_text(strip=True) == ff.EML_TITLE
    assert back["href"].endswith(message.doc_id)
    assert "h.marsh@council.example" in page.select_one(".document-to").get_text()


@needs_ocr
def test_scanned_pdf_is_read_by_ocr(ingested: tuple[Settings, IngestReport, Path]) -> None:
    settings, _, root = ingested
    found = found_documents(settings, ff.SCAN_WORD)
    assert len(found) == 2
    for document in found:
        assert (document.title, document.published) == (ff.SCAN_TITLE, ff.SCAN_DATE)
        assert "Ines Moreau" in document.people
    assert _search(settings, ff.SCAN_WORD)[0].page == 1
    scan = stored(settings)[str(root / "in" / "scan.pdf")]
    assert scan.extract_method == "pypdfium2+tesseract" and scan.pages == 1


@needs_ocr
def test_image_of_a_page_is_read_by_ocr(tmp_path: Path, settings: Settings) -> None:
    folder = tmp_path / "scans"
    folder.mkdir()
    (folder / "notice.png").write_bytes(ff.png_bytes("Notice of the quayside auction on Friday."))
    report = ingest(settings, [folder])
    assert (report.added, report.skipped) == (1, ())
    assert [d.source for d in found_documents(settings, "auction")] == [str(folder / "notice.png")]


def test_without_tesseract_scans_are_skipped_with_the_reason_and_the_rest_goes_on(
    tmp_path: Path, settings: Settings
) -> None:
    folder = tmp_path / "in"
    files = ff.write_all(folder)
    (folder / "notice.png").write_bytes(ff.png_bytes("Notice of the quayside auction."))
    report = ingest(settings, [folder], ocr=Ocr(command="tesseract-not-installed-here"))
    reasons = {Path(p.source).name: p.reason for p in report.skipped}
    assert set(reasons) == {"scan.pdf", "notice.png"}
    for reason in reasons.values():
        assert "OCR skipped: tesseract is not installed" in reason
        assert "apt-get install" in reason
    assert report.added == 7 and not report.errors  # pdf, docx, odt, eml + annex, 2 in mbox
    assert _search(settings, ff.PDF_WORD)[0].source == str(files["pdf"])


def test_tar_gz_and_a_zip_attached_to_a_message_are_opened_and_check_stays_clean(
    tmp_path: Path, settings: Settings
) -> None:
    import io
    import tarfile
    import zipfile

    from indexer.cli import main

    files = ff.write_all(tmp_path / "made")
    archive = tmp_path / "in" / "bundle.tar.gz"
    archive.parent.mkdir()
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(files["docx"], "minutes/minutes.docx")
        tar.add(files["odt"], "../../outside/survey.odt")
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as inner:
        inner.write(files["pdf"], "reports/report.pdf")
    mail = ff.message(
        subject="Reports bundle",
        body="The zipped reports are attached.",
        date=ff.EML_DATE,
        attachments=[("reports.zip", zipped.getvalue(), "application/zip")],
    )
    (tmp_path / "in" / "bundle.eml").write_bytes(mail.as_bytes())

    report = ingest(settings, [tmp_path / "in"])
    reasons = {p.source: p.reason for p in report.skipped}
    assert reasons == {
        f"{archive}!/../../outside/survey.odt": (
            "member path climbs out of the archive (path traversal): not read"
        )
    }
    (docx,) = found_documents(settings, ff.DOCX_WORD)
    assert (docx.source, docx.title) == (f"{archive}!/minutes/minutes.docx", ff.DOCX_TITLE)
    (pdf,) = found_documents(settings, ff.PDF_WORD)
    message_source = str(tmp_path / "in" / "bundle.eml")
    assert pdf.source == f"{message_source}!/1/reports.zip!/reports/report.pdf"
    message = stored(settings)[message_source]
    assert pdf.parent_id == message.doc_id
    assert [a.doc_id for a in message.attachments] == [pdf.doc_id]

    assert main(["--home", str(settings.home), "check"]) == 0

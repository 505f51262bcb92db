"""Hostile documents (issue 21): an encrypted PDF, a broken PDF, a 10,000-page PDF, a zip bomb,
a .docx that is a zip of something else, an e-mail with 1,000 attachments, a zip whose member
climbs out of it and zips nested past the depth limit, in one folder with a good file.

Each is skipped or capped with a sentence saying why, the good file and the readable parts are
stored and searchable, and the run's memory growth is measured (the peak resident size).
"""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path
from typing import Any

import formatfixtures as ff
import pytest
from test_hostile_inputs import LEAKED_EXCEPTION, peak_memory  # noqa: F401 - fixture

from indexer.formats.limits import Limits
from indexer.pipeline import Pipeline
from indexer.store import DocumentStore
from search.query import parse_request
from search.service import SearchService
from search.settings import Settings

pytestmark = pytest.mark.slow

MB = 1024 * 1024
MAX_MEMORY_GROWTH_MB = 600
MAX_SECONDS = 90.0


def encrypted_pdf() -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, encrypt="secret")
    pdf.drawString(72, 720, "The sealed minutes mention the quarantine berth.")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def long_pdf(pages: int) -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    for number in range(1, pages + 1):
        word = "firstregister" if number == 1 else "register"
        pdf.drawString(72, 720, f"Page {number} of the long {word} of harbour dues.")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def zip_bomb(path: Path, inflated: int) -> None:
    """One member of `inflated` zero bytes (a few hundred KB on disk), and a good member."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("zeros.txt", "w", force_zip64=True) as member:
            chunk = b"\0" * MB
            for _ in range(inflated // MB):
                member.write(chunk)
        archive.writestr("beside-the-bomb.txt", "The bombsite memo was read all the same.\n")


def nested_zip(depth: int) -> bytes:
    data = b"The deepest note is about the abyssplain survey.\n"
    name = "note.txt"
    for level in range(depth):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr(name, data)
        data, name = buffer.getvalue(), f"level{level}.zip"
    return data


def many_attachments(count: int) -> bytes:
    files = [
        (
            f"note-{n:04d}.txt",
            f"Attachment {n} lists crate{n:04d} on the quay.\n".encode(),
            "text/plain",
        )
        for n in range(1, count + 1)
    ]
    return ff.message(
        subject="Manifest with a thousand notes",
        body="The manifestword crates are listed in the attachments.",
        date=ff.EML_DATE,
        attachments=files,
    ).as_bytes()


def test_hostile_documents_are_skipped_or_capped_with_reasons(
    tmp_path: Path,
    settings: Settings,
    peak_memory: Any,  # noqa: F811
) -> None:
    limits = Limits.from_settings(settings)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text("Ferry fares\n\nThe goodferry fares were frozen.\n")
    (folder / "encrypted.pdf").write_bytes(encrypted_pdf())
    real = ff.pdf_bytes([ff.PROSE, ff.PROSE])
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40)
    (folder / "truncated.pdf").write_bytes(real[:200])
    (folder / "long.pdf").write_bytes(long_pdf(10_000))
    zip_bomb(folder / "bomb.zip", 2 * limits.max_bytes)
    fake = io.BytesIO()
    with zipfile.ZipFile(fake, "w") as archive:
        archive.writestr("holiday/photo-list.txt", "not a word document")
    (folder / "fake.docx").write_bytes(fake.getvalue())
    (folder / "manifest.eml").write_bytes(many_attachments(1_000))
    with zipfile.ZipFile(folder / "traversal.zip", "w") as archive:
        archive.writestr("../../etc/cron.d/evil.txt", "climbing out")
        archive.writestr("/etc/passwd.txt", "absolute")
        archive.writestr("inside.txt", "The quayside traversal note stays inside.\n")
    (folder / "nested.zip").write_bytes(nested_zip(limits.max_depth + 2))

    with DocumentStore(settings.db_path) as store:
        pipeline = Pipeline.from_settings(settings, store, entities=False)
        try:
            with peak_memory() as peak:
                began = time.perf_counter()
                report = pipeline.run([str(folder)])
                seconds = time.perf_counter() - began
        finally:
            pipeline.close()

    assert not report.errors, report.errors
    reasons = {p.source.replace(str(folder) + "/", ""): p.reason for p in report.skipped}
    assert not [r for r in reasons.values() if LEAKED_EXCEPTION.search(r)], reasons
    assert reasons.pop("encrypted.pdf") == "encrypted PDF: it needs a password to be read"
    assert reasons.pop("broken.pdf").startswith("broken PDF")
    assert reasons.pop("truncated.pdf").startswith("broken PDF")
    assert reasons.pop("bomb.zip!/zeros.txt").startswith("archive member inflates to 40.0 MB")
    assert "holds no word/document.xml" in reasons.pop("fake.docx")
    assert "path traversal" in reasons.pop("traversal.zip!/../../etc/cron.d/evil.txt")
    assert "path traversal" in reasons.pop("traversal.zip!//etc/passwd.txt")
    capped = reasons.pop("manifest.eml!/101-1000")
    assert capped == "attachments 101-1,000 of 1,000 not read: the limit is 100 per message"
    (deep,) = [k for k in reasons if k.startswith("nested.zip!/")]
    assert "levels deep" in reasons.pop(deep)
    assert reasons == {}

    with DocumentStore(settings.db_path) as store:
        documents = {d.source.replace(str(folder) + "/", ""): d for d in store.iter_documents()}
    # the long PDF is kept up to the page limit, and says what it left out
    register = documents["long.pdf"]
    assert register.pages == 10_000 and len(register.page_starts) == limits.max_pages
    assert register.notes == (
        f"pages {limits.max_pages + 1:,}-10,000 of 10,000 not read: the page limit",
    )
    # the message keeps its body and 100 attachments, each linked to it; the rest are listed
    message = documents["manifest.eml"]
    linked = [a for a in message.attachments if a.doc_id]
    assert len(linked) == 100
    assert message.attachments[-1].problem.startswith("attachments 101-1,000")
    assert {documents[f"manifest.eml!/{n}/note-{n:04d}.txt"].parent_id for n in (1, 100)} == {
        message.doc_id
    }
    assert "manifest.eml!/101/note-0101.txt" not in documents

    service = SearchService.from_settings(settings)
    for word, source in [
        ("goodferry", "good.txt"),
        ("bombsite", "bomb.zip!/beside-the-bomb.txt"),
        ("traversal", "traversal.zip!/inside.txt"),
        ("manifestword", "manifest.eml"),
        ("crate0100", "manifest.eml!/100/note-0100.txt"),
        ("firstregister", "long.pdf"),
    ]:
        hits = service.search(parse_request({"q": word})).hits
        assert [h.source.replace(str(folder) + "/", "") for h in hits] == [source], word
    assert service.search(parse_request({"q": "crate0101"})).total == 0
    assert service.search(parse_request({"q": "quarantine"})).total == 0

    print(f"hostile formats: {seconds:.1f} s, peak memory growth {peak.growth_mb:.0f} MB")
    assert peak.growth_mb < MAX_MEMORY_GROWTH_MB, peak.growth_mb
    assert seconds < MAX_SECONDS, seconds

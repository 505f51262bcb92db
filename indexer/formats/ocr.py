"""OCR through Debian's `tesseract` command, run once per page image.

The command is called directly (no wrapper library): an image goes in on standard input, text
comes out on standard output, with a deadline per page and one thread per call (the machine's
cores are better spent on separate pages and the NER workers than on OpenMP inside one page).
When tesseract or its English data is missing, OCR is skipped and every document that needed
it says so, with the command that installs it.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from dataclasses import dataclass

INSTALL_HINT = "apt-get install -y tesseract-ocr tesseract-ocr-eng"


class OcrError(Exception):
    """One page could not be read by OCR (timeout, tesseract failed); the reason is the text."""


@dataclass(frozen=True, slots=True)
class Ocr:
    """The tesseract command, or the reason there is none."""

    command: str = "tesseract"
    language: str = "eng"
    timeout_s: float = 120.0

    @property
    def missing(self) -> str:
        """Why OCR cannot run here ("" when it can)."""
        return _missing(self.command, self.language)

    @property
    def available(self) -> bool:
        return not self.missing

    @property
    def version(self) -> str:
        """ "tesseract 5.3.0" (for content hashes: a new engine reads scans anew), or ""."""
        return _version(self.command) if self.available else ""

    def read(self, image: bytes) -> str:
        """The text of one page image (PNG, PNM, JPEG or TIFF bytes).

        Raises:
            OcrError: tesseract is missing, failed, or took longer than `timeout_s`.
        """
        if self.missing:
            raise OcrError(self.missing)
        try:
            done = subprocess.run(
                [self.command, "stdin", "stdout", "-l", self.language, "--psm", "3"],
                input=image,
                capture_output=True,
                timeout=self.timeout_s,
                env={**os.environ, "OMP_THREAD_LIMIT": "1"},
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise OcrError(f"OCR of a page took over {self.timeout_s:.0f} s; not read") from exc
        except OSError as exc:
            raise OcrError(f"tesseract could not be run: {exc.strerror}") from exc
        if done.returncode != 0:
            detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise OcrError(f"tesseract failed: {detail[-1][:200] if detail else done.returncode}")
        return done.stdout.decode("utf-8", "replace")


@functools.lru_cache(maxsize=8)
def _missing(command: str, language: str) -> str:
    if shutil.which(command) is None:
        return f"OCR skipped: tesseract is not installed ({INSTALL_HINT})"
    try:
        listed = subprocess.run(
            [command, "--list-langs"], capture_output=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"OCR skipped: tesseract does not run ({exc})"
    languages = listed.stdout.decode("utf-8", "replace").split()
    if language not in languages:
        return f"OCR skipped: tesseract has no '{language}' language data ({INSTALL_HINT})"
    return ""


@functools.lru_cache(maxsize=8)
def _version(command: str) -> str:
    try:
        done = subprocess.run([command, "--version"], capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    lines = (done.stdout or done.stderr).decode("utf-8", "replace").splitlines()
    return lines[0].strip() if lines else ""

"""Members of .zip and .tar(.gz/.bz2/.xz) archives, read under a budget shared by everything
inside one file.

Nothing is ever written to disk, and a member's name is only a label, yet a name that climbs
out of the archive (`../../etc/passwd`, `/etc/passwd`, `C:\\x`) is refused: it is how a hostile
archive announces itself, and it would make a misleading source. A member is read only up to
`max_bytes` (zipfile stops at the size the directory declares; tar members are read with a
cap), every byte inflated counts against the archive's budget (for .tar.gz that includes the
bytes skipped between members), and after `max_members` files or `max_archive_bytes` the rest
of the archive is reported as not read - the same idea as the gzip cap on sitemaps.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import IO, BinaryIO

from indexer.formats.limits import Limits, megabytes


class BudgetSpent(Exception):
    """The archive's byte or member budget is used up; the reason is the text."""


@dataclass
class Budget:
    """What one top-level file may still inflate to and how many members it may still give."""

    limits: Limits
    members: int = 0
    inflated: int = 0
    spent: str = field(default="")

    def take_member(self) -> None:
        if self.members >= self.limits.max_members:
            self.spent = f"the limit of {self.limits.max_members:,} files per archive"
            raise BudgetSpent(self.spent)
        self.members += 1

    def take_bytes(self, size: int) -> None:
        self.inflated += size
        if self.inflated > self.limits.max_archive_bytes:
            self.spent = (
                f"the archive inflates past {megabytes(self.limits.max_archive_bytes)} "
                "(10 x max_file_bytes)"
            )
            raise BudgetSpent(self.spent)


@dataclass(frozen=True, slots=True)
class Member:
    """One file in an archive: its name and bytes, or why it is not read."""

    name: str
    content: bytes = b""
    problem: str = ""


def unsafe_name(name: str) -> str:
    """Why a member name is refused ("" when it is a plain relative path)."""
    if "\x00" in name:
        return "member name holds a NUL byte"
    cleaned = name.replace("\\", "/")
    if cleaned.startswith("/") or (len(cleaned) > 1 and cleaned[1] == ":"):
        return "absolute member path (path traversal): not read"
    if ".." in PurePosixPath(cleaned).parts:
        return "member path climbs out of the archive (path traversal): not read"
    return ""


def zip_members(file: BinaryIO | str, budget: Budget) -> Iterator[Member]:
    """Each regular file of a zip, in directory order.

    Raises:
        BudgetSpent: the archive's budget ran out (members already yielded stand).
    """
    limits = budget.limits
    try:
        archive = zipfile.ZipFile(file)
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        yield Member("", problem=f"broken zip archive: {exc}")
        return
    with archive:
        for info in infos:
            if info.is_dir():
                continue
            name = info.filename
            problem = unsafe_name(name)
            if not problem and (info.external_attr >> 16) & 0o170000 == 0o120000:
                problem = "symbolic link in the archive: not followed"
            if not problem and info.flag_bits & 0x1:
                problem = "encrypted archive member: it needs a password"
            budget.take_member()
            if not problem and info.file_size > limits.max_bytes:
                problem = _too_large(info.file_size, limits)
            if problem:
                yield Member(name, problem=problem)
                continue
            budget.take_bytes(info.file_size)
            try:
                with archive.open(info) as fh:
                    content = fh.read(limits.max_bytes + 1)
            except (
                zipfile.BadZipFile,
                NotImplementedError,
                OSError,
                EOFError,
                ValueError,
                zlib.error,
            ) as exc:
                yield Member(name, problem=f"broken archive member: {exc}")
                continue
            yield Member(name, content)


def tar_members(file: BinaryIO | str, budget: Budget) -> Iterator[Member]:
    """Each regular file of a tar (plain or gzip/bzip2/xz compressed), read as a stream.

    Raises:
        BudgetSpent: the archive's budget ran out (members already yielded stand).
    """
    limits = budget.limits
    raw: BinaryIO = open(file, "rb") if isinstance(file, str) else file  # noqa: SIM115
    try:
        stream = _Counted(_decompressed(raw), budget)
        try:
            archive = tarfile.open(fileobj=stream, mode="r|")
        except (tarfile.TarError, OSError, EOFError) as exc:
            if isinstance(exc.__context__, BudgetSpent):
                raise exc.__context__ from None
            yield Member("", problem=f"broken tar archive: {exc}")
            return
        while True:
            try:
                info = archive.next()
            except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
                yield Member("", problem=f"broken tar archive: {exc}")
                return
            if info is None:
                return
            if info.isdir():
                continue
            problem = unsafe_name(info.name)
            if not problem and not info.isfile():
                problem = "not a regular file (a link or a device): not read"
            budget.take_member()
            if not problem and info.size > limits.max_bytes:
                problem = _too_large(info.size, limits)
            if problem:
                yield Member(info.name, problem=problem)
                continue
            try:
                extracted = archive.extractfile(info)
                content = extracted.read(limits.max_bytes + 1) if extracted else b""
            except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
                yield Member(info.name, problem=f"broken archive member: {exc}")
                return
            yield Member(info.name, content)
    finally:
        if isinstance(file, str):
            raw.close()


def _too_large(size: int, limits: Limits) -> str:
    return (
        f"archive member inflates to {megabytes(size)} (limit {megabytes(limits.max_bytes)}, "
        "max_file_bytes)"
    )


def _decompressed(raw: BinaryIO) -> IO[bytes]:
    """The tar stream inside gzip, bzip2 or xz compression (or the plain tar)."""
    head = raw.read(6)
    raw.seek(0)
    if head.startswith(b"\x1f\x8b"):
        return gzip.GzipFile(fileobj=raw)  # type: ignore[return-value]  # an IO[bytes] in use
    if head.startswith(b"BZh"):
        return bz2.BZ2File(raw)
    if head.startswith(b"\xfd7zXZ\x00"):
        return lzma.LZMAFile(raw)
    return raw


class _Counted(io.RawIOBase):
    """A read-only stream that charges every byte it gives to the archive's budget."""

    def __init__(self, inner: IO[bytes], budget: Budget) -> None:
        self.inner, self.budget = inner, budget

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self.inner.read(len(buffer))
        self.budget.take_bytes(len(data))
        buffer[: len(data)] = data
        return len(data)

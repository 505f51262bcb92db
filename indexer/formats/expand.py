"""One file into the documents inside it: archives opened, mailboxes split, attachments found.

Containers nest (a zip of mailboxes whose messages carry zips of PDFs); every level counts
against `max_depth`, and everything inside one top-level file shares one Budget of bytes and
members. Parts come out one at a time, so only one member's bytes are held at once; a
message comes after its attachments, so it can list what became of each.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import PurePosixPath

from indexer.formats import archive, mail
from indexer.formats.archive import Budget, BudgetSpent
from indexer.formats.kinds import CONTAINERS, EML, MBOX, TAR, TEXT, ZIP, kind_of, suffix_of
from indexer.formats.limits import Limits, megabytes
from indexer.formats.parts import Part
from indexer.sources import HTML_SUFFIXES, TEXT_SUFFIXES
from search.documents import Attachment

STREAMED = frozenset({MBOX, ZIP, TAR})  # read from the file as they go, not loaded whole


def member_kind(name: str, head: bytes) -> str:
    """The reader for a file found inside a container ("" for none)."""
    kind = kind_of(name, head)
    if kind:
        return kind
    suffix = suffix_of(name)
    if suffix in TEXT_SUFFIXES or suffix in HTML_SUFFIXES:
        return TEXT
    return ""


class Expander:
    """Turns one file into Parts under `limits`."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits

    def file(self, path: str, kind: str, data: bytes | None = None) -> Iterator[Part]:
        """The Parts of the file at `path` (its bytes in `data`, or read from disk as they
        are needed for the kinds in STREAMED)."""
        budget = Budget(self.limits)
        if data is None and kind in STREAMED:
            yield from self._contained(path, kind, path, 0, budget, "")
            return
        assert data is not None
        yield from self._parts(path, kind, data, 0, budget, "")

    def _parts(
        self, source: str, kind: str, data: bytes, depth: int, budget: Budget, parent: str
    ) -> Iterator[Part]:
        if kind == EML:
            yield from self._message(source, data, depth, budget, parent)
        elif kind in CONTAINERS:
            yield from self._contained(source, kind, io.BytesIO(data), depth, budget, parent)
        else:
            yield Part(source, kind, data, parent=parent)

    def _contained(
        self,
        source: str,
        kind: str,
        file: io.BytesIO | str,
        depth: int,
        budget: Budget,
        parent: str,
    ) -> Iterator[Part]:
        """The Parts inside an archive or mailbox; its budget running out ends it with one
        Part that says so."""
        if depth >= self.limits.max_depth:
            yield Part(
                source,
                kind,
                problem=f"nested {depth} levels deep (limit {self.limits.max_depth}): not opened",
                parent=parent,
            )
            return
        try:
            if kind == MBOX:
                yield from self._mailbox(source, file, depth, budget, parent)
                return
            members = (
                archive.zip_members(file, budget)
                if kind == ZIP
                else archive.tar_members(file, budget)
            )
            for member in members:
                where = f"{source}!/{member.name}" if member.name else source
                if member.problem:
                    yield Part(where, "", problem=member.problem, parent=parent)
                    continue
                yield from self._member(where, member.name, member.content, depth, budget, parent)
        except BudgetSpent as exc:
            yield Part(source, kind, problem=f"rest of the archive not read: {exc}", parent=parent)

    def _member(
        self, source: str, name: str, data: bytes, depth: int, budget: Budget, parent: str
    ) -> Iterator[Part]:
        if len(data) > self.limits.max_bytes:
            yield Part(
                source,
                "",
                problem=f"larger than {megabytes(self.limits.max_bytes)} (max_file_bytes)",
                parent=parent,
            )
            return
        kind = member_kind(name, data[:1024])
        if not kind:
            suffix = suffix_of(name) or PurePosixPath(name).name
            yield Part(source, "", problem=f"unsupported file type {suffix!r}", parent=parent)
            return
        if not data.strip():
            yield Part(source, kind, problem="empty file", parent=parent)
            return
        yield from self._parts(source, kind, data, depth + 1, budget, parent)

    def _mailbox(
        self, source: str, file: io.BytesIO | str, depth: int, budget: Budget, parent: str
    ) -> Iterator[Part]:
        stream = open(file, "rb") if isinstance(file, str) else file  # noqa: SIM115
        try:
            for number, message in mail.split_mbox(stream, self.limits.max_bytes):
                where = f"{source}#{number}"
                if depth:  # a mailbox inside an archive: its messages are its members
                    budget.take_member()
                if message is None:
                    yield Part(
                        where,
                        EML,
                        problem=f"message larger than {megabytes(self.limits.max_bytes)} "
                        "(max_file_bytes): not read",
                        parent=parent,
                    )
                    continue
                yield from self._message(where, message, depth + 1, budget, parent)
        finally:
            if isinstance(file, str):
                stream.close()

    def _message(
        self, source: str, data: bytes, depth: int, budget: Budget, parent: str
    ) -> Iterator[Part]:
        """A message's attachments (as documents linked to it), then the message listing them."""
        refs: list[Attachment] = []
        cap = self.limits.max_attachments
        found = 0
        try:
            for found, attached in enumerate(mail.attachments(data), start=1):
                if found > cap:
                    continue  # counted, not read
                prefix = f"{source}!/{found}/"
                if depth >= self.limits.max_depth:
                    problem = f"nested {depth} levels deep (limit {self.limits.max_depth})"
                    refs.append(Attachment(attached.name, problem=problem))
                    yield Part(prefix + attached.name, "", problem=problem, parent=source)
                    continue
                for part in self._member(
                    prefix + attached.name,
                    attached.name,
                    attached.content,
                    depth,
                    budget,
                    source,
                ):
                    if part.parent == source:
                        name = part.source[len(prefix) :]
                        refs.append(
                            Attachment(name, "" if part.problem else part.doc_id, part.problem)
                        )
                    yield part
        except BudgetSpent:
            raise
        except Exception as exc:  # noqa: BLE001 - a message too broken to walk keeps its text
            refs.append(Attachment("(attachments)", problem=f"cannot be read: {exc}"))
        if found > cap:
            problem = (
                f"attachments {cap + 1:,}-{found:,} of {found:,} not read: the limit is "
                f"{cap:,} per message"
            )
            refs.append(Attachment(f"{found - cap:,} more", problem=problem))
            yield Part(f"{source}!/{cap + 1}-{found}", "", problem=problem, parent=source)
        yield Part(source, EML, data, parent=parent, attachments=tuple(refs))

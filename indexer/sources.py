"""Sources: what a user names on the command line, expanded into single items to ingest.

A file, a folder (walked recursively, hidden entries skipped, links to folders never
followed), a URL, or a JSON Lines export (one document per line). A symbolic link to a file
inside the folder is read; one that leads outside it (to /etc/passwd, say, in a folder
someone else filled) is not, unless `follow_symlinks` (`--follow-symlinks`) says so - a
folder given to docsift should not reach the rest of the machine by accident.
Expansion never raises for one bad entry: it yields a Source whose `problem` says why it cannot
be read (a link loop, a broken link, a pipe, an unreadable folder, a file name that is not
UTF-8), so the batch goes on and the report says it.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from indexer.formats.kinds import FORMAT_SUFFIXES, suffix_of
from search.safetext import valid_text

TEXT_SUFFIXES = frozenset({".txt", ".text", ".md", ".markdown", ".rst", ".csv", ""})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml", ".shtml"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
# PDF, Word, OpenDocument, e-mail, archives and images: indexer/formats
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES | FORMAT_SUFFIXES


NOT_UTF8_NAME = "file or folder name is not valid UTF-8; rename it to ingest it"


@dataclass(frozen=True, slots=True)
class Source:
    """One thing to fetch: a local path or an http(s) URL."""

    uri: str
    kind: str  # "file" | "jsonl" | "url"
    problem: str = ""  # set when the source cannot be used; the pipeline reports it

    @property
    def suffix(self) -> str:
        return Path(self.uri).suffix.lower() if self.kind != "url" else ""


def is_url(target: str) -> bool:
    return target.lower().startswith(("http://", "https://"))


def _file_source(path: Path) -> Source:
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        return Source(str(path), "jsonl")
    if suffix_of(path.name) in FORMAT_SUFFIXES:
        return Source(str(path), "file")
    if suffix not in SUPPORTED_SUFFIXES:
        return Source(str(path), "file", problem=f"unsupported file type {suffix!r}")
    return Source(str(path), "file")


def iter_sources(target: str, *, follow_symlinks: bool = False) -> Iterator[Source]:
    """Expand one command-line target into Sources, in a stable (sorted) order; links to
    files outside a folder are reported, not read, unless `follow_symlinks`."""
    if is_url(target):
        yield Source(valid_text(target), "url")  # undecodable argv bytes: surrogates
        return
    if "://" in target:
        yield Source(target, "url", problem="only http and https URLs are supported")
        return
    path = Path(target).expanduser()
    try:
        path = path.resolve(strict=True)
    except (OSError, RuntimeError):
        yield Source(str(path.absolute()), "file", problem="no such file or folder")
        return
    if path.is_file():
        yield _entry_source(path)
        return
    if not path.is_dir():
        yield Source(str(path), "file", problem="not a regular file or folder")
        return
    unreadable: list[OSError] = []
    for folder, dirnames, filenames in os.walk(path, followlinks=False, onerror=unreadable.append):
        yield from _folder_problems(unreadable)
        for name in sorted(dirnames):
            if name.startswith(".") or not Path(folder, name).is_symlink():
                continue
            yield Source(
                _shown(Path(folder, name)),
                "file",
                problem="symbolic link to a folder: not followed, so links cannot loop",
            )
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith(".") and not Path(folder, d).is_symlink()
        )
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            child = Path(folder, name)
            outside = None if follow_symlinks else _outside(child, path)
            if outside is not None:
                yield Source(
                    _shown(child),
                    "file",
                    problem=f"symbolic link to a file outside the folder ({outside}): not "
                    "followed (--follow-symlinks reads it)",
                )
                continue
            yield _entry_source(child)
    yield from _folder_problems(unreadable)


def _outside(child: Path, root: Path) -> str | None:
    """Where a symbolic link leads when that is outside `root` (None: not a link, inside,
    or broken, which _entry_source reports)."""
    if not child.is_symlink():
        return None
    try:
        target = child.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if target == root or root in target.parents:
        return None
    return _shown(target)


def _shown(path: Path) -> str:
    """The path as text that can be printed and stored (undecodable bytes become U+FFFD)."""
    return os.fsencode(path).decode("utf-8", errors="replace")


def _folder_problems(errors: list[OSError]) -> Iterator[Source]:
    for error in errors:
        where = _shown(Path(error.filename or "?"))
        yield Source(where, "file", problem=f"cannot read folder: {error.strerror}")
    errors.clear()


def _entry_source(child: Path) -> Source:
    """One folder entry as a Source, with a problem for anything that is not a readable file."""
    shown = _shown(child)
    if shown != str(child):
        return Source(shown, "file", problem=NOT_UTF8_NAME)
    try:
        mode = child.stat().st_mode  # follows a symbolic link to a file
    except OSError as exc:
        if isinstance(exc, FileNotFoundError) and not child.is_symlink():
            return Source(shown, "file", problem="file vanished while its folder was listed")
        if not child.is_symlink():
            return Source(shown, "file", problem=f"cannot read: {exc.strerror}")
        if exc.errno == errno.ELOOP:
            return Source(shown, "file", problem="symbolic link loop (it leads back to itself)")
        try:
            target = _shown(Path(os.readlink(child)))
        except OSError:
            return Source(shown, "file", problem="file vanished while its folder was listed")
        return Source(
            shown, "file", problem=f"broken symbolic link (its target {target} is missing)"
        )
    if stat.S_ISDIR(mode):  # only in a race: os.walk lists links to folders as folders
        return Source(shown, "file", problem="symbolic link to a folder: not followed")
    if not stat.S_ISREG(mode):
        return Source(shown, "file", problem="not a regular file (a pipe, socket or device)")
    return _file_source(child)

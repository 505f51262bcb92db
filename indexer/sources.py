"""Sources: what a user names on the command line, expanded into single items to ingest.

A file, a folder (walked recursively, symlinks not followed, hidden entries skipped), a URL, or
a JSON Lines export (one document per line). Expansion never raises for one bad entry: it yields
a Source whose `problem` says why it cannot be read, so the batch goes on and the report says it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

TEXT_SUFFIXES = frozenset({".txt", ".text", ".md", ".markdown", ".rst", ".csv", ""})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml", ".shtml"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES


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
    if suffix not in SUPPORTED_SUFFIXES:
        return Source(str(path), "file", problem=f"unsupported file type {suffix!r}")
    return Source(str(path), "file")


def iter_sources(target: str) -> Iterator[Source]:
    """Expand one command-line target into Sources, in a stable (sorted) order."""
    if is_url(target):
        yield Source(target, "url")
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
        yield _file_source(path)
        return
    if not path.is_dir():
        yield Source(str(path), "file", problem="not a regular file or folder")
        return
    for folder, dirnames, filenames in os.walk(path, followlinks=False, onerror=lambda exc: None):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            child = Path(folder, name)
            if child.is_symlink() and not child.exists():
                yield Source(str(child), "file", problem="broken symbolic link")
            elif child.is_file():
                yield _file_source(child)

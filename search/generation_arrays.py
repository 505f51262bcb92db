"""Facet arrays written once beside an index generation and memory-mapped by every process.

Building a FacetIndex reads every facet field's postings from every segment: about a second at
50,000 stories and 8-9 s at 216,000, paid by each server worker after each start and each
reindex. So ingest and reindex write them at the end, into the generation directory
(`facets-<commit>-<names>/`, one .npy file per array and the value names as JSON), and a worker
opens them with `np.load(mmap_mode="r")`: the pages come from the OS page cache, shared by all
workers, instead of a private copy per process.

They are valid for one commit of the generation (Whoosh document numbers change with every
commit) and one name table (names merge values); anything else is built as before. The story
keys of the same commit (search.story_keys) are saved in the same directory. A directory
appears by one rename when complete, so a crash leaves either nothing or a whole one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from pathlib import Path

import numpy as np

from search.facet_arrays import DateEntries, FacetArrays, FacetIndex, build_facet_index
from search.names import NAMES_FILE, NameTable, read_name_table
from search.stories import read_story_table
from search.story_keys import StoryKeys, read_story_keys, save_story_keys, stories_stamp

LOG = logging.getLogger(__name__)
PREFIX = "facets-"
_FACET_ARRAYS = ("entry_doc", "entry_value", "value_indptr", "value_docs")
_DATE_ARRAYS = ("doc", "start", "end", "precision", "year", "month")


def names_stamp(target: Path) -> str:
    """A short digest of the name table beside `target` (its content, not its file time)."""
    try:
        data = (target / NAMES_FILE).read_bytes()
    except OSError:
        data = b""
    return hashlib.sha1(data).hexdigest()[:16]


def arrays_dir(target: Path, commit: int, stamp: str) -> Path:
    return target / f"{PREFIX}{commit}-{stamp}"


def save_facet_index(
    target: Path,
    commit: int,
    stamp: str,
    index: FacetIndex,
    story: tuple[StoryKeys, str] | None = None,
) -> Path:
    """Write `index` for (commit, name table) beside the generation, with the story keys of
    that commit and their story table's stamp when given; older ones are removed."""
    final = arrays_dir(target, commit, stamp)
    tmp = target / f".{final.name}.{os.getpid()}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    np.save(tmp / "live.npy", index.live)
    np.save(tmp / "published_ordinal.npy", index.published_ordinal)
    meta: dict[str, object] = {"doc_count": index.doc_count, "fields": {}, "dates": []}
    for name, arrays in index.fields.items():
        for part in _FACET_ARRAYS:
            np.save(tmp / f"{name}.{part}.npy", getattr(arrays, part))
        meta["fields"][name] = list(arrays.values)  # type: ignore[index]
    for name, entries in index.dates.items():
        for part in _DATE_ARRAYS:
            np.save(tmp / f"date.{name}.{part}.npy", getattr(entries, part))
        meta["dates"].append(name)  # type: ignore[attr-defined]
    (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    if story is not None:
        save_story_keys(tmp, *story)
    shutil.rmtree(final, ignore_errors=True)
    os.rename(tmp, final)
    for old in target.glob(f"{PREFIX}*"):
        if old != final:
            shutil.rmtree(old, ignore_errors=True)
    return final


def load_facet_index(target: Path, commit: int | None, stamp: str) -> FacetIndex | None:
    """The saved FacetIndex for (commit, name table), memory-mapped; None when there is none
    or it cannot be read (then it is built from the index as before)."""
    if commit is None:
        return None
    where = arrays_dir(target, commit, stamp)
    try:
        meta = json.loads((where / "meta.json").read_text(encoding="utf-8"))

        def load(name: str) -> np.ndarray:
            # a plain ndarray over the mapping: np.memmap's own indexing runs Python code on
            # every access (2.4 ms of each search at 21k); the view keeps the mapping alive
            mapped = np.load(where / f"{name}.npy", mmap_mode="r")
            array: np.ndarray = mapped.view(np.ndarray)
            return array

        fields = {}
        for name, values in meta["fields"].items():
            parts = {part: load(f"{name}.{part}") for part in _FACET_ARRAYS}
            fields[name] = FacetArrays(
                values=tuple(values), value_ids={v: i for i, v in enumerate(values)}, **parts
            )
        dates = {
            name: DateEntries(**{part: load(f"date.{name}.{part}") for part in _DATE_ARRAYS})
            for name in meta["dates"]
        }
        return FacetIndex(
            doc_count=int(meta["doc_count"]),
            live=load("live"),
            fields=fields,
            dates=dates,
            published_ordinal=load("published_ordinal"),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_generation_arrays(target: Path) -> float:
    """Build and save the facet arrays of the generation directory `target` at its latest
    commit under the name table beside it; the seconds it took (0 when there is no index).

    Best effort: they only save time, so a full disk or a write error leaves none (servers
    build the arrays from the index as before) rather than failing the ingest or reindex."""
    try:
        return _write_generation_arrays(target)
    except OSError as exc:
        LOG.warning("facet arrays not saved beside %s: %s", target, exc)
        for tmp in target.glob(f".{PREFIX}*.tmp"):
            shutil.rmtree(tmp, ignore_errors=True)
        return 0.0


def _write_generation_arrays(target: Path) -> float:
    from whoosh import index as whoosh_index

    from search.schema import FACET_FIELDS, MENTIONED_FIELD

    started = time.perf_counter()
    if not whoosh_index.exists_in(str(target)):
        return 0.0
    ix = whoosh_index.open_dir(str(target))
    try:
        with ix.reader() as reader:
            names: NameTable = read_name_table(target)
            built = build_facet_index(reader, FACET_FIELDS, MENTIONED_FIELD, names)
            keys = read_story_keys(reader, read_story_table(target))
            story = (keys, stories_stamp(target))
            save_facet_index(target, reader.generation(), names_stamp(target), built, story)
    finally:
        ix.close()
    return time.perf_counter() - started

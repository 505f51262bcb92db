"""The story table: which documents are versions of one story, decided by the indexer.

Duplicate and rewrite detection (indexer.dedup) is corpus-wide and changes as documents
arrive, so, like the name table, its result lives in a small `stories.json` beside the index
and is applied at query time (collapsing versions, listing them on a document page); regrouping
never rewrites indexed documents. Only documents with at least one other version appear in it.

Since format 2 it also keeps, for each later version of a story, what comparing it with the
story's earliest version found (search.compare): `adds_people` and `unsupported_quotes`, the
flags behind the search filter `changes=`. A format 1 file reads as a table without flags.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from search.json_schema import Schema

STORIES_FILE = "stories.json"
STORIES_FORMAT = 2
# what a later version of a story can be flagged with, and how the search page names it
CHANGE_FLAGS = {
    "unsupported_quotes": "Has unsupported quotes",
    "adds_people": "Adds people",
}
ChangeFlag = Annotated[str, Schema(enum=tuple(CHANGE_FLAGS))]


@dataclass(frozen=True, slots=True)
class VersionChanges:
    """A later version of a story compared with the story's earliest one (`base`)."""

    base: str
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoryTable:
    """doc_id -> story_id, story_id -> members, each member's reason and pair reasons."""

    story_of: Mapping[str, str] = field(default_factory=dict)
    members: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    reasons: Mapping[str, str] = field(default_factory=dict)
    pair_reasons: Mapping[tuple[str, str], str] = field(default_factory=dict)
    changes: Mapping[str, VersionChanges] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        stories: Mapping[str, tuple[str, ...]],
        reasons: Mapping[str, str],
        edges: Mapping[tuple[str, str], str],
        changes: Mapping[str, VersionChanges] | None = None,
    ) -> StoryTable:
        story_of = {doc_id: story for story, docs in stories.items() for doc_id in docs}
        return cls(story_of, dict(stories), dict(reasons), dict(edges), dict(changes or {}))

    def with_changes(self, changes: Mapping[str, VersionChanges]) -> StoryTable:
        """The same groups with these comparison results."""
        return StoryTable(self.story_of, self.members, self.reasons, self.pair_reasons, changes)

    def flags(self, doc_id: str) -> tuple[str, ...]:
        """What comparing this version with its story's earliest one flagged (CHANGE_FLAGS)."""
        found = self.changes.get(doc_id)
        return found.flags if found else ()

    def flagged(self, flag: str) -> tuple[str, ...]:
        """Every document carrying this flag, in id order."""
        return tuple(sorted(d for d, c in self.changes.items() if flag in c.flags))

    def story(self, doc_id: str) -> str:
        """The story id of a document (its own id when it has no other version)."""
        return self.story_of.get(doc_id, doc_id)

    def versions(self, doc_id: str) -> tuple[str, ...]:
        """Every member of the document's story, itself included, in id order."""
        return self.members.get(self.story(doc_id), (doc_id,))

    def reason(self, doc_id: str, other: str) -> str:
        """Why `other` is a version of `doc_id`: their own edge, else other's best edge."""
        key = (min(doc_id, other), max(doc_id, other))
        return self.pair_reasons.get(key) or self.reasons.get(other, "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": STORIES_FORMAT,
            "stories": {story: list(docs) for story, docs in sorted(self.members.items())},
            "reasons": dict(sorted(self.reasons.items())),
            "pairs": [[a, b, reason] for (a, b), reason in sorted(self.pair_reasons.items())],
            "changes": {
                doc_id: {"base": c.base, "flags": list(c.flags)}
                for doc_id, c in sorted(self.changes.items())
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StoryTable:
        stories = data.get("stories") if isinstance(data.get("stories"), dict) else {}
        reasons = data.get("reasons") if isinstance(data.get("reasons"), dict) else {}
        pairs = data.get("pairs") if isinstance(data.get("pairs"), list) else []
        # absent from format 1 files: no version has been compared yet
        raw_changes = data.get("changes") if isinstance(data.get("changes"), dict) else {}
        changes = {
            str(doc_id): VersionChanges(
                str(c.get("base", "")),
                tuple(str(f) for f in c.get("flags", []) if str(f) in CHANGE_FLAGS),
            )
            for doc_id, c in (raw_changes or {}).items()
            if isinstance(c, dict) and isinstance(c.get("flags", []), list)
        }
        return cls.build(
            {str(k): tuple(map(str, v)) for k, v in (stories or {}).items() if isinstance(v, list)},
            {str(k): str(v) for k, v in (reasons or {}).items()},
            {
                (str(p[0]), str(p[1])): str(p[2])
                for p in pairs or []
                if isinstance(p, list) and len(p) == 3
            },
            changes,
        )


def read_story_table(index_dir: Path) -> StoryTable:
    try:
        data = json.loads((index_dir / STORIES_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return StoryTable()
    return StoryTable.from_dict(data) if isinstance(data, dict) else StoryTable()

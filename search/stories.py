"""The story table: which documents are versions of one story, decided by the indexer.

Duplicate and rewrite detection (indexer.dedup) is corpus-wide and changes as documents
arrive, so, like the name table, its result lives in a small `stories.json` beside the index
and is applied at query time (collapsing versions, listing them on a document page); regrouping
never rewrites indexed documents. Only documents with at least one other version appear in it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STORIES_FILE = "stories.json"


@dataclass(frozen=True)
class StoryTable:
    """doc_id -> story_id, story_id -> members, each member's reason and pair reasons."""

    story_of: Mapping[str, str] = field(default_factory=dict)
    members: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    reasons: Mapping[str, str] = field(default_factory=dict)
    pair_reasons: Mapping[tuple[str, str], str] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        stories: Mapping[str, tuple[str, ...]],
        reasons: Mapping[str, str],
        edges: Mapping[tuple[str, str], str],
    ) -> StoryTable:
        story_of = {doc_id: story for story, docs in stories.items() for doc_id in docs}
        return cls(story_of, dict(stories), dict(reasons), dict(edges))

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
            "stories": {story: list(docs) for story, docs in sorted(self.members.items())},
            "reasons": dict(sorted(self.reasons.items())),
            "pairs": [[a, b, reason] for (a, b), reason in sorted(self.pair_reasons.items())],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StoryTable:
        stories = data.get("stories") if isinstance(data.get("stories"), dict) else {}
        reasons = data.get("reasons") if isinstance(data.get("reasons"), dict) else {}
        pairs = data.get("pairs") if isinstance(data.get("pairs"), list) else []
        return cls.build(
            {str(k): tuple(map(str, v)) for k, v in (stories or {}).items() if isinstance(v, list)},
            {str(k): str(v) for k, v in (reasons or {}).items()},
            {
                (str(p[0]), str(p[1])): str(p[2])
                for p in pairs or []
                if isinstance(p, list) and len(p) == 3
            },
        )


def read_story_table(index_dir: Path) -> StoryTable:
    try:
        data = json.loads((index_dir / STORIES_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return StoryTable()
    return StoryTable.from_dict(data) if isinstance(data, dict) else StoryTable()

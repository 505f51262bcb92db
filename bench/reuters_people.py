"""How often docsift's person/org facet values agree with Reuters' hand-made tags.

    python bench/reuters_people.py [--home DIR]   (default bench/out/reuters, built on first use)

Reuters tags people by lower-case surname ("reagan", "james-baker" style) and organisations by
lower-case acronym ("opec", "imf"). A tag matches when one of the story's facet values has that
surname (last word) or, for organisations, that acronym (the value itself or its initials).
"""

from __future__ import annotations

import argparse
import json
import re
import unicodedata
from pathlib import Path

from common import REUTERS, ROOT, ensure_home, record

STOP = {"of", "the", "and", "for", "de", "du", "des", "la", "le", "&"}


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def person_keys(value: str) -> set[str]:
    words = re.findall(r"[\w'-]+", fold(value))
    return {words[-1], "-".join(words)} if words else set()


def org_keys(value: str) -> set[str]:
    folded = fold(value)
    words = [w for w in re.findall(r"[\w]+", folded) if w not in STOP]
    keys = {folded.replace(" ", ""), folded.replace(".", "")}
    if len(words) > 1:
        keys.add("".join(w[0] for w in words))
    return keys


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--home", type=Path, default=ROOT / "bench" / "out" / "reuters")
    args = parser.parse_args()
    if not REUTERS.exists():
        print(f"skipped: {REUTERS} is absent (needs ../shared)")
        return 0
    ensure_home(args.home)

    from search.errors import DocumentNotFound
    from search.service import SearchService
    from search.settings import Settings

    service = SearchService.from_settings(Settings(home=args.home))
    totals = {"person": [0, 0, 0, 0], "org": [0, 0, 0, 0]}  # tags, matched, stories, all-matched
    misses: dict[str, list[str]] = {"person": [], "org": []}
    with REUTERS.open(encoding="utf-8") as fh:
        for line in fh:
            story = json.loads(line)
            for kind, field, attr, keys in (
                ("person", "people", "people", person_keys),
                ("org", "orgs", "orgs", org_keys),
            ):
                tags = story.get(field) or []
                if not tags:
                    continue
                try:
                    document = service.get(str(story["id"]))
                except DocumentNotFound:
                    continue
                values = (
                    set().union(*(keys(v) for v in getattr(document, attr)))
                    if getattr(document, attr)
                    else set()
                )
                matched = [t for t in tags if fold(t) in values or fold(t).split("-")[-1] in values]
                totals[kind][0] += len(tags)
                totals[kind][1] += len(matched)
                totals[kind][2] += 1
                totals[kind][3] += len(matched) == len(tags)
                if len(matched) < len(tags) and len(misses[kind]) < 12:
                    misses[kind].append(f"{story['id']}: tags {tags} vs {getattr(document, attr)}")
    for kind, (tags, matched, stories, full) in totals.items():
        if stories:
            print(
                f"{kind}: {stories} tagged stories; tags matched {matched}/{tags} = "
                f"{matched / tags:.3f}; stories with every tag matched {full}/{stories} = "
                f"{full / stories:.3f}"
            )
    for kind, rows in misses.items():
        print(f"sample {kind} misses:")
        for row in rows:
            print("  " + row)
    figures: dict[str, float | int] = {}
    lines = []
    for kind, (tags, matched, stories, full) in totals.items():
        if not stories:
            continue
        figures |= {
            f"{kind}_stories": stories,
            f"{kind}_tags": tags,
            f"{kind}_tags_matched": matched,
            f"{kind}_tag_share": round(matched / tags, 4),
            f"{kind}_stories_all_matched": full,
            f"{kind}_story_share": round(full / stories, 4),
        }
        what = "people" if kind == "person" else "orgs"
        lines.append(
            f"Reuters-21578 `{what}` tags (hand-made) matched by the story's {kind} facet "
            f"values: **{matched / tags:.3f}** ({matched:,}/{tags:,} tags in {stories:,} "
            f"stories); stories with every tag matched: {full / stories:.3f}."
        )
    if lines:
        record("reuters_people", figures, lines=lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

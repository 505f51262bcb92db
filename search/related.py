"""Related stories: the one rule both engines' more-like-this candidates go through.

An engine proposes documents like this one, best first; one per story is kept (never a
version of this document's own story), each with a reason a reader can check: the names it
shares with this document, else the key terms both bodies hold. A candidate with neither is
not shown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from search.results import StoryLink
from search.stories import StoryTable

# names or terms quoted in a reason
RELATED_NAMES = 3


@dataclass(frozen=True)
class Similar:
    """One candidate: its link (reason left empty), its shown names, and the key terms it
    shares with the document (asked only when no name is shared: it can cost a look-up)."""

    link: StoryLink
    names: Sequence[str]
    shared_terms: Callable[[], Sequence[str]]


def related_links(
    doc_id: str,
    own_names: Sequence[str],
    candidates: Iterable[Similar],
    stories: StoryTable,
    limit: int,
) -> tuple[StoryLink, ...]:
    """Up to `limit` links from the candidates, one per story, each with its reason."""
    seen = {stories.story(doc_id)}
    own = set(own_names)
    links: list[StoryLink] = []
    for candidate in candidates:
        story = stories.story(candidate.link.doc_id)
        if story in seen:
            continue
        seen.add(story)
        shared = [n for n in candidate.names if n in own]
        if shared:
            reason = "shares " + ", ".join(shared[:RELATED_NAMES])
        else:
            terms = list(candidate.shared_terms())[:RELATED_NAMES]
            if not terms:
                continue  # nothing a reader could check: not worth showing
            reason = "shared terms: " + ", ".join(terms)
        links.append(replace(candidate.link, reason=reason))
        if len(links) >= limit:
            break
    return tuple(links)

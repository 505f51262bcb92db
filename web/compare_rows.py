"""The compare page's table: aligned sentences as HTML, with runs of identical sentences folded
and sentences found in only one version set side by side where they stand.

A rewrite of a story keeps most sentences word for word or drops and adds whole passages; a
row per sentence with one side empty made the seed pair's page 6,100 px tall. Folding the same
sentences and setting an only-in-A passage beside the only-in-B passage that replaced it puts
the differences on the first screens.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from search.compare import Comparison, Mark, Sentence

FOLD_AT = 2  # runs of at least this many identical sentences fold into one line


@dataclass(frozen=True, slots=True)
class SideBySide:
    """One row of the comparison page: a's and b's sentence (either may be missing)."""

    status: str
    score: float
    a: int | None
    b: int | None
    a_html: Markup | None
    b_html: Markup | None


def side_by_side(comparison: Comparison) -> list[SideBySide]:
    """The aligned rows with each sentence's names and changed quotes marked."""
    marks = {"a": comparison.marks("a"), "b": comparison.marks("b")}

    def html(side: str, index: int | None) -> Markup | None:
        if index is None:
            return None
        version = comparison.a if side == "a" else comparison.b
        return marked_sentence(version.sentences[index], marks[side])

    return [
        SideBySide(row.status, row.score, row.a, row.b, html("a", row.a), html("b", row.b))
        for row in comparison.rows
    ]


def marked_sentence(sentence: Sentence, marks: tuple[Mark, ...]) -> Markup:
    """A sentence as escaped HTML with <mark> around the spans to highlight in it."""
    pieces: list[Markup] = []
    text, pos = sentence.text, 0
    for mark in marks:
        start = max(mark.start, sentence.start) - sentence.start
        end = min(mark.end, sentence.end) - sentence.start
        if start >= end or start < pos:
            continue  # outside this sentence, or inside a span already marked
        pieces.append(escape(text[pos:start]))
        pieces.append(
            Markup('<mark class="cmp-{} cmp-{}" title="{}">{}</mark>').format(
                mark.kind, mark.label.replace("_", "-"), mark.note, text[start:end]
            )
        )
        pos = end
    pieces.append(escape(text[pos:]))
    return Markup("").join(pieces)


@dataclass(frozen=True, slots=True)
class DisplayRow:
    """One line of the table as shown.

    kind: "row" (one aligned row, `rows[0]`), "same" (a folded run of identical sentences,
    `rows`), or "replaced" (`rows[0]` only in A and `rows[1]` only in B, set side by side:
    the two sentences stand at the same place, they are not a pair).
    """

    kind: str
    rows: tuple[SideBySide, ...]

    @property
    def first(self) -> SideBySide:
        return self.rows[0]

    @property
    def a(self) -> SideBySide | None:
        """The row whose A side this line shows."""
        return next((r for r in self.rows if r.a is not None), None)

    @property
    def b(self) -> SideBySide | None:
        """The row whose B side this line shows."""
        return next((r for r in reversed(self.rows) if r.b is not None), None)


def _runs(rows: list[SideBySide]) -> list[list[SideBySide]]:
    runs: list[list[SideBySide]] = []
    for row in rows:
        if runs and runs[-1][0].status == row.status:
            runs[-1].append(row)
        else:
            runs.append([row])
    return runs


def display_rows(rows: list[SideBySide]) -> list[DisplayRow]:
    """The aligned rows as shown: identical runs of FOLD_AT or more folded; a run of sentences
    only in A next to a run only in B zipped into shared lines (the rest of the longer run
    alone)."""
    shown: list[DisplayRow] = []
    runs = _runs(rows)
    i = 0
    while i < len(runs):
        run = runs[i]
        status = run[0].status
        if status == "same" and len(run) >= FOLD_AT:
            shown.append(DisplayRow("same", tuple(run)))
        elif status in ("only_a", "only_b") and i + 1 < len(runs):
            partner = runs[i + 1]
            if {status, partner[0].status} == {"only_a", "only_b"}:
                only_a, only_b = (run, partner) if status == "only_a" else (partner, run)
                paired = min(len(only_a), len(only_b))
                shown.extend(
                    DisplayRow("replaced", (x, y)) for x, y in zip(only_a, only_b, strict=False)
                )
                shown.extend(DisplayRow("row", (r,)) for r in [*only_a[paired:], *only_b[paired:]])
                i += 2
                continue
            shown.extend(DisplayRow("row", (r,)) for r in run)
        else:
            shown.extend(DisplayRow("row", (r,)) for r in run)
        i += 1
    return shown

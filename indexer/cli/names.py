"""`docsift aliases`: the corrections to names a user makes by hand (they write to the store)."""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import replace

import click

from indexer.aliases import load_name_table, refresh_aliases
from indexer.cli.group import LABELS, settings_of
from indexer.cli.locking import DEFAULT_WAIT_S, writing
from indexer.cli.output import (
    LABEL_NOUNS,
)
from indexer.store import AliasRow, DocumentStore
from search.documents import ENTITY_LABELS
from search.engines import open_backend
from search.index import write_names
from search.names import ALL_LABELS, WEAK, NameTable, read_name_table
from search.safetext import printable
from search.settings import Settings


@click.group()
def aliases() -> None:
    """Correct names: merge variants, split wrong merges, move a name to another label, hide it.

    Every decision is kept in the store, applies at once (no reindex) and survives reindex.
    """


def _label_of(store: DocumentStore, name: str, label: str | None) -> str:
    if label:
        return label
    found = sorted({lab for (lab, value) in store.entity_counts() if value == name})
    if len(found) != 1:
        where = "is not mentioned anywhere" if not found else f"is a {' and a '.join(found)}"
        raise click.UsageError(f"{name!r} {where}: say which with --label")
    return found[0]


def _publish_names(settings: Settings, names: NameTable) -> None:
    """Put a name table beside the index, where searches read it at once (no reindex)."""
    if settings.backend != "whoosh":
        # a server backend holds the names as shown: rewrite the documents that change
        settings.index_dir.mkdir(parents=True, exist_ok=True)
        open_backend(settings).apply_names(names, read_name_table(settings.index_dir))
    write_names(settings.index_dir, names)


def _apply_alias_change(settings: Settings, store: DocumentStore, label: str, name: str) -> int:
    """Recompute the name table beside the index (searches see it at once, no reindex);
    returns how many documents mention the name."""
    _publish_names(settings, refresh_aliases(store))
    return store.entity_counts().get((label, name), 0)


def _raw_values_shown_as(
    store: DocumentStore, names: NameTable, name: str
) -> list[tuple[str, str]]:
    """The stored (label, raw value) entities shown as `name` under any label (hidden or not),
    and its own raw forms, weak ones included."""
    visible = replace(names, hidden={})
    found = []
    for label, value in store.entity_counts():
        shown = visible.resolve(label, value)
        if (shown is not None and shown[1] == name) or value.removeprefix(WEAK) == name:
            found.append((label, value))
    return found


def _correction_target(store: DocumentStore, name: str) -> tuple[NameTable, list[tuple[str, str]]]:
    """The current name table and the entities shown as `name`.

    Raises:
        click.UsageError: no document mentions the name.
    """
    names = load_name_table(store)
    found = _raw_values_shown_as(store, names, name)
    if not found:
        raise click.UsageError(
            f"{name!r} is not mentioned anywhere (names are matched exactly, as facets show them)"
        )
    return names, found


@aliases.command("list")
@click.option("--label", type=LABELS)
@click.option("--json", "as_json", is_flag=True)
@click.option(
    "--all",
    "show_all",
    is_flag=True,
    help="Also list names whose label was only decided by vote (shown under their own name).",
)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=0,
    help="Show at most this many names (0: all; a terminal pages a long list).",
)
@click.pass_context
def aliases_list(
    ctx: click.Context, label: str | None, as_json: bool, show_all: bool, limit: int
) -> None:
    """Every merged name with the spellings shown as it, one line each; then names moved or
    hidden by hand. --json lists every row, label votes included."""
    with DocumentStore(settings_of(ctx).db_path) as store:
        rows = [r for r in store.aliases() if not label or r.label == label]
        splits = store.splits()
        relabels = sorted(store.relabels().items())
        hidden = [(n, lab) for n, labels in sorted(store.hidden().items()) for lab in labels]
    if as_json:
        click.echo(
            json.dumps(
                {
                    "aliases": [
                        {
                            "label": r.label,
                            "variant": r.variant,
                            "canonical": r.canonical,
                            "reason": r.reason,
                            "manual": r.manual,
                        }
                        for r in rows
                    ],
                    "splits": [{"label": lab, "variant": v} for lab, v in splits],
                    "relabels": [{"name": n, "label": lab} for n, lab in relabels],
                    "hidden": [
                        {"name": n, "label": None if lab == ALL_LABELS else lab}
                        for n, lab in hidden
                    ],
                },
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    lines = _alias_lines(rows, show_all)
    lines += [
        f"{lab:<7} {printable(variant)}  kept apart (manual split)" for lab, variant in splits
    ]
    lines += [
        f"{lab:<7} {printable(name)}  shown as {LABEL_NOUNS[lab]} (manual relabel)"
        for name, lab in relabels
    ]
    lines += [
        f"{'any' if lab == ALL_LABELS else lab:<7} {printable(name)}  hidden (manual)"
        for name, lab in hidden
    ]
    if not lines:
        click.echo("no merged names yet")
    if limit and len(lines) > limit:
        lines = [*lines[:limit], f"… and {len(lines) - limit} more (--limit 0 lists them all)"]
    votes = sum(1 for r in rows if r.variant == r.canonical)
    if votes and not show_all:
        lines.append(f"({votes} names filed under their label by vote are not listed: --all)")
    text = "\n".join(lines)
    if len(lines) > shutil.get_terminal_size().lines - 2 and sys.stdout.isatty():
        click.echo_via_pager(text + "\n")
    elif lines:
        click.echo(text)


def _alias_lines(rows: list[AliasRow], show_all: bool) -> list[str]:
    """One line per name shown: `person  Volodymyr Zelensky  <- Zelenskiy, Zelenskyy
    (title-surname, fuzzy)`; a name filed under its label by vote (variant = name) only with
    `show_all`."""
    grouped: dict[tuple[str, str], list[AliasRow]] = {}
    for row in rows:
        if row.variant == row.canonical and not show_all:
            continue
        grouped.setdefault((row.label, row.canonical), []).append(row)
    lines = []
    for (lab, canonical), merged in grouped.items():
        variants = [r.variant for r in merged if r.variant != r.canonical]
        reasons = sorted({r.reason for r in merged})
        line = f"{lab:<7} {printable(canonical)}"
        if variants:
            line += "  <- " + ", ".join(printable(v) for v in variants)
        else:
            line += "  (label decided by vote)"
        lines.append(f"{line}  ({printable(', '.join(reasons))})")
    return lines


@aliases.command("merge")
@click.argument("variant")
@click.argument("canonical")
@click.option("--label", type=LABELS, help="Needed when the name is used with several labels.")
@click.pass_context
def aliases_merge(ctx: click.Context, variant: str, canonical: str, label: str | None) -> None:
    """Show VARIANT as CANONICAL from now on (a manual decision: it survives reindex)."""
    settings = settings_of(ctx)
    with writing(ctx, "aliases merge", DEFAULT_WAIT_S), DocumentStore(settings.db_path) as store:
        label = _label_of(store, variant, label)
        store.set_manual_merge(label, variant, canonical)
        count = _apply_alias_change(settings, store, label, variant)
    click.echo(f"{label} {variant!r} is now shown as {canonical!r} ({count} documents)")


@aliases.command("split")
@click.argument("variant")
@click.option("--label", type=LABELS)
@click.pass_context
def aliases_split(ctx: click.Context, variant: str, label: str | None) -> None:
    """Keep VARIANT as a name of its own: never merge it automatically again."""
    settings = settings_of(ctx)
    with writing(ctx, "aliases split", DEFAULT_WAIT_S), DocumentStore(settings.db_path) as store:
        label = _label_of(store, variant, label)
        store.set_manual_split(label, variant)
        count = _apply_alias_change(settings, store, label, variant)
    click.echo(f"{label} {variant!r} now stands alone ({count} documents)")


@aliases.command("relabel")
@click.argument("name")
@click.option(
    "--to",
    "target",
    required=True,
    type=click.Choice([*ENTITY_LABELS, "auto"]),
    help="The label to show NAME under; auto: back to the automatic decision.",
)
@click.pass_context
def aliases_relabel(ctx: click.Context, name: str, target: str) -> None:
    """Show NAME (as facets show it) as a person, organisation or place from now on: in facets,
    on cards and on entity pages, with every spelling merged into it."""
    settings = settings_of(ctx)
    with writing(ctx, "aliases relabel", DEFAULT_WAIT_S), DocumentStore(settings.db_path) as store:
        _, found = _correction_target(store, name)
        store.set_relabel(name, None if target == "auto" else target)
        names = load_name_table(store)
        _publish_names(settings, names)
        count = store.documents_with(found)
    resolved = [names.resolve(lab, value.removeprefix(WEAK)) for lab, value in found]
    labels = sorted({shown[0] for shown in resolved if shown is not None}) or [target]
    where = " and ".join(LABEL_NOUNS[lab] for lab in labels)
    click.echo(f"{name!r} is now shown as {where} ({count} documents)")


@aliases.command("hide")
@click.argument("name")
@click.option("--label", type=LABELS, help="Hide it under this label only (default: every).")
@click.pass_context
def aliases_hide(ctx: click.Context, name: str, label: str | None) -> None:
    """Never show NAME (as facets show it) in facets, on cards or on document pages; the text
    keeps it and searches still find the words. `aliases unhide` undoes it."""
    settings = settings_of(ctx)
    with writing(ctx, "aliases hide", DEFAULT_WAIT_S), DocumentStore(settings.db_path) as store:
        _, found = _correction_target(store, name)
        store.set_hidden(name, label or ALL_LABELS, True)
        _publish_names(settings, load_name_table(store))
        count = store.documents_with(found)
    click.echo(
        f"{name!r} is hidden{f' as {LABEL_NOUNS[label]}' if label else ''} ({count} documents)"
    )


@aliases.command("unhide")
@click.argument("name")
@click.option("--label", type=LABELS, help="Show it again under this label only.")
@click.pass_context
def aliases_unhide(ctx: click.Context, name: str, label: str | None) -> None:
    """Show a hidden NAME again."""
    settings = settings_of(ctx)
    with writing(ctx, "aliases unhide", DEFAULT_WAIT_S), DocumentStore(settings.db_path) as store:
        if not store.set_hidden(name, label or ALL_LABELS, False):
            raise click.UsageError(f"{name!r} is not hidden (see `docsift aliases list`)")
        _publish_names(settings, load_name_table(store))
    click.echo(f"{name!r} is shown again")


# -- entities ----------------------------------------------------------------------------

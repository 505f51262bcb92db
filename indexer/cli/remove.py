"""`docsift delete`: documents out of the store and the index (indexer/delete.py does it)."""

from __future__ import annotations

import json
import sys

import click

from indexer.cli.group import settings_of
from indexer.cli.locking import wait_option, writing
from indexer.cli.status import ExitStatus
from indexer.delete import delete_documents, finish_deletes, select_from
from indexer.store import DocumentStore
from search.safetext import printable

LISTED = 20  # documents a confirmation or a dry run names before "and N more"


@click.command("delete")
@click.argument("ids", nargs=-1)
@click.option(
    "--source",
    "prefixes",
    multiple=True,
    metavar="PATH_OR_URL_PREFIX",
    help="Every document from this file or folder, or whose source or URL starts with this "
    "prefix (repeat).",
)
@click.option("--yes", "-y", is_flag=True, help="Delete without asking.")
@click.option("--dry-run", is_flag=True, help="List what would be deleted; delete nothing.")
@click.option("--finish", is_flag=True, help="Only finish a delete that was stopped.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@wait_option
@click.pass_context
def delete(
    ctx: click.Context,
    ids: tuple[str, ...],
    prefixes: tuple[str, ...],
    yes: bool,
    dry_run: bool,
    finish: bool,
    as_json: bool,
    wait_s: float,
) -> None:
    """Delete documents by ID, or by --source, from the store and the index.

    A message's attachments go with it. Asks before deleting unless --yes (and refuses when
    there is no terminal to ask on). A delete that is stopped, even by kill -9, is finished
    by `docsift delete --finish` or by the next ingest, crawl or reindex; `docsift check`
    reports it meanwhile.
    """
    if not (ids or prefixes or finish):
        raise click.UsageError("give document IDs, --source PATH_OR_URL_PREFIX, or --finish")
    settings = settings_of(ctx)
    if not settings.db_path.exists():
        raise click.UsageError(f"there is no document store in {settings.home}")
    quiet = ctx.meta["quiet"]
    with writing(ctx, "delete", wait_s), DocumentStore(settings.db_path) as store:
        finished = finish_deletes(settings, store)
        if finished and not quiet:
            click.echo(f"finished an earlier delete of {finished} documents", err=True)
        if finish:
            return
        chosen = list(dict.fromkeys(ids))
        for prefix in prefixes:
            chosen += select_from(store, prefix)
        found = store.existing(chosen)
        unknown = [i for i in ids if i not in set(found)]
        for doc_id in unknown[:LISTED]:
            click.echo(f"docsift: no document {printable(doc_id)}", err=True)
        if not found:
            click.echo("docsift: nothing matches; nothing deleted", err=True)
            ctx.exit(ExitStatus.ERROR)
        if dry_run or not yes:
            _list(store, found, quiet and not dry_run)
        if dry_run:
            _report(as_json, found, deleted=False)
            return
        if not yes:
            if not sys.stdin.isatty():
                raise click.UsageError(
                    f"{len(found)} documents match: add --yes to delete them (or --dry-run)"
                )
            click.confirm(f"Delete these {len(found)} documents?", abort=True)
        deleted = delete_documents(settings, store, found)
    _report(as_json, found[:deleted], deleted=True)
    if unknown:
        ctx.exit(ExitStatus.PARTIAL)


def _list(store: DocumentStore, ids: list[str], quiet: bool) -> None:
    if quiet:
        return
    for doc_id in ids[:LISTED]:
        document = store.get(doc_id)
        where = (document.url or document.source) if document else ""
        click.echo(f"  {doc_id}  {printable(where)}")
    if len(ids) > LISTED:
        click.echo(f"  … and {len(ids) - LISTED} more")


def _report(as_json: bool, ids: list[str], *, deleted: bool) -> None:
    if as_json:
        key = "deleted" if deleted else "would_delete"
        click.echo(json.dumps({key: len(ids), "ids": ids}, indent=2))
    elif deleted:
        click.echo(f"deleted {len(ids)} documents")
    else:
        click.echo(f"would delete {len(ids)} documents (dry run: nothing deleted)")

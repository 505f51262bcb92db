"""`docsift export`: every document a search matches, as JSON Lines or CSV (search.export)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from indexer.cli.group import settings_of
from indexer.cli.read import filter_options, filter_params
from search.export import lines
from search.parameters import parameter
from search.service import SearchService


@click.command("export")
@click.argument("query", default="")
@filter_options
@click.option(
    "--format",
    "export_format",
    type=click.Choice(parameter("export", "format").choices),
    default=parameter("export", "format").default,
    show_default=True,
    help=parameter("export", "format").help,
)
@click.option("--bom", is_flag=True, help=parameter("export", "bom").help)
@click.option(
    "--sort",
    type=click.Choice(["newest", "oldest"]),
    default="newest",
    show_default=True,
    help="Order of the rows (undated documents last).",
)
@click.option(
    "--exact",
    is_flag=True,
    help="The words as typed: no other spellings of names.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write to this file (default: standard output).",
)
@click.pass_context
def export(
    ctx: click.Context,
    query: str,
    export_format: str,
    bom: bool,
    sort: str,
    exact: bool,
    output: Path | None,
    **options: Any,
) -> None:
    """Export every document QUERY and the filters match (not a page: all of them, every
    version), streamed: JSON Lines or CSV with people, organisations and places joined by
    "; ". The count goes to standard error."""
    service = SearchService.from_settings(settings_of(ctx))
    params: dict[str, Any] = {"q": query, **filter_params(options), "sort": sort}
    if exact:
        params["exact"] = "1"
    found = service.export(service.parse(params))
    written = 0
    # a file is written beside and renamed when complete: a failed export leaves none
    target = str(output) if output else "-"
    with click.open_file(target, "w", encoding="utf-8", atomic=output is not None) as out:
        for line in lines(found, export_format, bom=bom):
            out.write(line)
            written += 1
    rows = written - 1 if export_format == "csv" else written
    if not ctx.meta["quiet"]:
        where = f" to {output}" if output else ""
        click.echo(f"exported {rows} of {found.total} documents{where}", err=True)
    if output is None:
        sys.stdout.flush()

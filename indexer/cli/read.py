"""The commands that only read a home: search, compare, stats, check, entities review."""

from __future__ import annotations

import json
from typing import Any

import click

from indexer.check import check_home
from indexer.cli.group import LABELS, settings_of
from indexer.cli.output import (
    LABEL_NOUNS,
    print_check,
    print_comparison,
    print_response,
    print_stats,
)
from indexer.cli.status import ExitStatus
from indexer.review import review_entities
from indexer.store import DocumentStore
from search.parameters import SEARCH_PARAMETERS, parameter
from search.service import SearchService

# the search filters as command options: (option, request parameter, help), from the table of
# request parameters; the same in `search` and `export`, so a query exports exactly what it finds
FILTER_OPTIONS = tuple(
    (p.cli, p.name, p.help) for p in SEARCH_PARAMETERS if p.cli and p.type == "text"
)
RANGE_OPTIONS = tuple(
    (p.cli, p.name, p.help) for p in SEARCH_PARAMETERS if p.cli and p.type == "date"
)


def filter_options(command: Any) -> Any:
    """Add the search filters (FILTER_OPTIONS, RANGE_OPTIONS) to a command; its callback
    receives them as `filter_*` and `range_*` keywords, which filter_params turns into
    request parameters."""
    for option, param, text in reversed(RANGE_OPTIONS):
        command = click.option(option, "range_" + param, help=text)(command)
    for option, param, text in reversed(FILTER_OPTIONS):
        command = click.option(option, "filter_" + param, multiple=True, help=text)(command)
    return command


def filter_params(options: dict[str, Any]) -> dict[str, Any]:
    """The request parameters of the filter options a command received (and removes them
    from `options`)."""
    params: dict[str, Any] = {}
    for key in [k for k in options if k.startswith(("filter_", "range_"))]:
        value = options.pop(key)
        if value:
            params[key.split("_", 1)[1]] = value
    return params


@click.command()
@click.argument("query", default="")
@filter_options
@click.option(
    "--sort",
    type=click.Choice(parameter("search", "sort").choices),
    default="relevance",
    show_default=True,
)
@click.option("--page", default=1, show_default=True, type=int)
@click.option("--per-page", default=None, type=int)
@click.option("--exact", is_flag=True, help=parameter("search", "exact").help)
@click.option("--json", "as_json", is_flag=True, help="Print the JSON the API returns.")
@click.pass_context
def search(
    ctx: click.Context,
    query: str,
    sort: str,
    page: int,
    per_page: int | None,
    exact: bool,
    as_json: bool,
    **options: Any,
) -> None:
    """Search the index (Whoosh query syntax: "phrases", AND/OR/NOT, field:term, wild*)."""
    service = SearchService.from_settings(settings_of(ctx))
    params: dict[str, Any] = {
        "q": query,
        **filter_params(options),
        "sort": sort,
        "page": str(page),
    }
    if per_page is not None:
        params["per_page"] = str(per_page)
    if exact:
        params["exact"] = "1"
    response = service.search(service.parse(params))
    if as_json:
        click.echo(json.dumps(response.to_dict(), indent=2, ensure_ascii=False))
    else:
        print_response(response)


# -- compare ---------------------------------------------------------------------------


@click.command("compare")
@click.argument("a")
@click.argument("b")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON /api/compare returns.")
@click.pass_context
def compare_cmd(ctx: click.Context, a: str, b: str, as_json: bool) -> None:
    """What document B adds, drops or changes relative to document A (two versions of a
    story): people, organisations, places, quotes, numbers, aligned sentences."""
    comparison = SearchService.from_settings(settings_of(ctx)).compare(a, b)
    if as_json:
        click.echo(json.dumps(comparison.to_dict(), indent=2, ensure_ascii=False))
    else:
        print_comparison(comparison)


@click.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def stats(ctx: click.Context, as_json: bool) -> None:
    """What the store and the index hold."""
    settings = settings_of(ctx)
    # read-only: stats must work on a full disk and never create a store
    with DocumentStore(settings.db_path, read_only=settings.db_path.exists()) as store:
        store_stats = store.stats()
        crawl_stats = _crawl_stats(store)
        if store.degraded:
            store_stats["note"] = f"the store was {store.degraded}"
    index_stats = SearchService.from_settings(settings).stats()
    data = {"home": str(settings.home), "store": store_stats, "index": index_stats.to_dict()}
    if crawl_stats is not None:
        data["crawl"] = crawl_stats
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    print_stats(data)


def _crawl_stats(store: DocumentStore) -> dict[str, Any] | None:
    """Per-host crawl state, or None when this store was never used to crawl."""
    from indexer.crawl.frontier import Frontier, has_crawl_tables

    if not has_crawl_tables(store.db):
        return None
    frontier = Frontier(store.db, read_only=True)
    return {"last_run": frontier.last_run(), "hosts": frontier.host_stats()}


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def check(ctx: click.Context, as_json: bool) -> None:
    """Verify that the store and the index agree: counts, ids, unindexed rows, schema version,
    the name and story tables, stale locks. Says what to run when they do not.

    Exit status 0 when they agree (a stale lock alone is a warning: the next writing command
    clears it), 1 when not; `docsift reindex` repairs every problem found.
    """
    settings = settings_of(ctx)
    if settings.backend != "whoosh":
        raise click.UsageError(
            "docsift check inspects the Whoosh index; with the typesense backend compare the "
            "counts in `docsift stats`, and `docsift reindex` rebuilds the collection"
        )
    report = check_home(settings)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        print_check(report.to_dict())
    if not report.ok:
        ctx.exit(ExitStatus.ERROR)


@click.group()
def entities() -> None:
    """The people, organisations and places found in the documents."""


@entities.command("review")
@click.option("--limit", default=30, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--label", type=LABELS, help="Only values shown under this label.")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@click.pass_context
def entities_review(ctx: click.Context, limit: int, label: str | None, as_json: bool) -> None:
    """The values most likely to be wrong, worst first: mixed labels across documents, found
    only in credit or caption lines, merged from different first names, written in capitals,
    one-word people. Each with its documents, why, and the command that fixes it."""
    with DocumentStore(settings_of(ctx).db_path) as store:
        suspects = review_entities(store, limit=limit, label=label)
    if as_json:
        click.echo(json.dumps([s.to_dict() for s in suspects], indent=2, ensure_ascii=False))
        return
    if not suspects:
        click.echo("nothing to review")
    for n, suspect in enumerate(suspects, start=1):
        why = "; ".join(r.detail for r in suspect.reasons)
        click.echo(
            f"{n:>3}. {LABEL_NOUNS[suspect.label]:<12} {suspect.name}  "
            f"({suspect.documents} documents): {why}"
        )
        click.echo(f"     fix: {suspect.fix}")


# -- search ----------------------------------------------------------------------------

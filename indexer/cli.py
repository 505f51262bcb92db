"""The `docsift` command line: ingest, reindex, search, serve, stats.

The CLI is the composition root of the write side and one of the two edges where errors become
exit statuses (the web app is the other). Library code raises; only this module prints.
"""

from __future__ import annotations

import html
import ipaddress
import json
import logging
import re
import sys
import time
from enum import IntEnum
from pathlib import Path
from typing import Any

import click

from indexer.aliases import refresh_aliases
from indexer.pipeline import IngestReport, Pipeline
from indexer.store import DocumentStore
from search.errors import DocsiftError, QueryError
from search.index import write_names
from search.results import SearchResponse
from search.service import SearchService
from search.settings import Settings, load_settings

logger = logging.getLogger("docsift")
MAX_LISTED_PROBLEMS = 20


class ExitStatus(IntEnum):
    OK = 0
    ERROR = 1
    USAGE = 2
    PARTIAL = 3  # ingest finished, but some documents failed


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--home",
    type=click.Path(path_type=Path),
    envvar="DOCSIFT_HOME",
    help="Data directory (store + index). Default ./.docsift or $DOCSIFT_HOME.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Optional TOML settings file.",
)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.version_option(package_name="docsift")
@click.pass_context
def cli(
    ctx: click.Context,
    home: Path | None,
    config_path: Path | None,
    verbose: int,
    quiet: bool,
    debug: bool,
) -> None:
    """docsift: ingest documents and search them from the browser, JSON or the terminal."""
    level = (
        logging.ERROR if quiet else [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    )
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    ctx.meta["debug"] = debug
    ctx.meta["quiet"] = quiet
    if isinstance(ctx.obj, Settings):
        return  # tests inject settings
    ctx.obj = load_settings(config_path, home=home)


def _settings(ctx: click.Context) -> Settings:
    settings = ctx.find_object(Settings)
    assert settings is not None
    return settings


# -- ingest ----------------------------------------------------------------------------


def _print_report(report: IngestReport, quiet: bool) -> None:
    summary = (
        f"{report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
        f"{len(report.skipped)} skipped, {len(report.errors)} errors; "
        f"{report.indexed} written to the index in {report.seconds:.1f} s"
    )
    if not quiet:
        click.echo(summary)
    for title, problems in (("Skipped", report.skipped), ("Errors", report.errors)):
        if not problems or (quiet and title == "Skipped"):
            continue
        click.echo(f"{title}:", err=title == "Errors")
        for problem in problems[:MAX_LISTED_PROBLEMS]:
            click.echo(f"  {problem.source}: {problem.reason}", err=title == "Errors")
        if len(problems) > MAX_LISTED_PROBLEMS:
            click.echo(
                f"  ... and {len(problems) - MAX_LISTED_PROBLEMS} more (--json lists them all)",
                err=title == "Errors",
            )


@cli.command()
@click.argument("targets", nargs=-1, required=True)
@click.option("--if-empty", is_flag=True, help="Do nothing when the store has documents.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--entities/--no-entities",
    default=True,
    show_default=True,
    help="Find people, organisations, places and dates (spaCy).",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress bar (default: on when stderr is a terminal).",
)
@click.pass_context
def ingest(
    ctx: click.Context,
    targets: tuple[str, ...],
    if_empty: bool,
    as_json: bool,
    entities: bool,
    progress: bool | None,
) -> None:
    """Ingest files, folders (recursively), JSON Lines exports and URLs."""
    settings = _settings(ctx)
    with DocumentStore(settings.db_path) as store:
        if if_empty and store.count():
            if not ctx.meta["quiet"]:
                click.echo(
                    f"{store.count()} documents already in {settings.home}; nothing to ingest"
                )
            return
        show = sys.stderr.isatty() and not ctx.meta["quiet"] if progress is None else progress
        pipeline = Pipeline.from_settings(settings, store, entities=entities)
        try:
            if show:
                from tqdm import tqdm

                with tqdm(unit=" docs", desc="ingest", file=sys.stderr) as bar:
                    report = pipeline.run(targets, progress=lambda _s: bar.update())
            else:
                report = pipeline.run(targets)
        finally:
            pipeline.close()
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        _print_report(report, ctx.meta["quiet"])
    if not report.ok:
        ctx.exit(ExitStatus.PARTIAL)


@cli.command()
@click.pass_context
def reindex(ctx: click.Context) -> None:
    """Rebuild the search index from the document store and swap it in atomically."""
    settings = _settings(ctx)
    started = time.perf_counter()
    with DocumentStore(settings.db_path) as store:
        count = Pipeline(settings, store).reindex()
    if not ctx.meta["quiet"]:
        click.echo(f"reindexed {count} documents in {time.perf_counter() - started:.1f} s")


# -- crawl -----------------------------------------------------------------------------


def _crawl_seeds(seeds: tuple[str, ...], seeds_file: Path | None) -> tuple[str, ...]:
    found = list(seeds)
    if seeds_file is not None:
        try:
            lines = seeds_file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise click.UsageError(f"cannot read {seeds_file}: {exc.strerror}") from exc
        found += [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    bad = [s for s in found if not s.lower().startswith(("http://", "https://"))]
    if bad:
        raise click.UsageError(f"only http and https seeds can be crawled: {', '.join(bad[:3])}")
    return tuple(found)


def _print_crawl_report(report: Any, quiet: bool) -> None:
    if not quiet:
        click.echo(
            f"crawl {'stopped' if report.stopped else 'done'}: {report.fetched} fetched "
            f"({report.not_modified} not modified), {report.skipped} skipped, "
            f"{report.failed} failed, {report.retried} retries, {report.queued_left} still "
            f"queued; {report.pages_per_second:.1f} pages/s over {report.seconds:.1f} s"
        )
    _print_report(report.ingest, quiet)
    failed = [p for p in report.problems if p["status"] == "failed"]
    skipped = [p for p in report.problems if p["status"] == "skipped"]
    for title, problems in (("Crawl skipped", skipped), ("Crawl failed", failed)):
        if not problems or (quiet and title == "Crawl skipped"):
            continue
        click.echo(f"{title}:", err=title == "Crawl failed")
        for problem in problems[:MAX_LISTED_PROBLEMS]:
            click.echo(f"  {problem['url']}: {problem['reason']}", err=title == "Crawl failed")
        if len(problems) > MAX_LISTED_PROBLEMS:
            click.echo(f"  ... and {len(problems) - MAX_LISTED_PROBLEMS} more (docsift stats)")


@cli.command()
@click.argument("seeds", nargs=-1)
@click.option(
    "--seeds-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="A file of seed URLs, one a line.",
)
@click.option("--max-pages", type=int, help="Stop after this many pages [crawl_max_pages].")
@click.option("--max-depth", type=int, help="Links followed from a seed [crawl_max_depth].")
@click.option(
    "--same-host/--any-host", default=True, show_default=True, help="Stay on the seeds' hosts."
)
@click.option("--include", multiple=True, help="Only follow URLs matching this regex (repeat).")
@click.option("--exclude", multiple=True, help="Never follow URLs matching this regex (repeat).")
@click.option("--delay", type=float, help="Seconds between requests to one host [crawl_delay_s].")
@click.option("--concurrency", type=int, help="Requests in flight [crawl_concurrency].")
@click.option(
    "--allow-private",
    is_flag=True,
    help="Allow loopback, private and link-local addresses (local test sites).",
)
@click.option("--resume", is_flag=True, help="Continue the crawl that was stopped.")
@click.option("--sitemaps/--no-sitemaps", default=True, help="Read robots.txt/sitemap.xml lists.")
@click.option("--entities/--no-entities", default=True, show_default=True, help="Run NER.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--progress/--no-progress", default=None, help="Progress line (default: on a terminal)."
)
@click.pass_context
def crawl(
    ctx: click.Context,
    seeds: tuple[str, ...],
    seeds_file: Path | None,
    max_pages: int | None,
    max_depth: int | None,
    same_host: bool,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    delay: float | None,
    concurrency: int | None,
    allow_private: bool,
    resume: bool,
    sitemaps: bool,
    entities: bool,
    as_json: bool,
    progress: bool | None,
) -> None:
    """Crawl web sites and feeds from SEED URLs politely into the store and index.

    Ctrl-C or SIGTERM stops gracefully: requests in flight finish, everything fetched is
    stored, the report is printed, and the exit status is 130 (SIGINT) or 143 (SIGTERM);
    `docsift crawl --resume` continues. Exit 3 when some pages failed.
    """
    import signal
    import threading

    from indexer.crawl import Crawler, CrawlOptions, CrawlProgress

    settings = _settings(ctx)
    all_seeds = _crawl_seeds(seeds, seeds_file)
    if resume and all_seeds:
        raise click.UsageError("--resume continues the stopped crawl: give no seeds with it")
    if not resume and not all_seeds:
        raise click.UsageError("give at least one SEED URL, --seeds-file, or --resume")
    stop = threading.Event()
    received: list[int] = []

    def on_signal(signum: int, _frame: object) -> None:
        if received and signum == signal.SIGINT:
            raise KeyboardInterrupt  # a second Ctrl-C: stop now
        received.append(signum)
        stop.set()

    show = sys.stderr.isatty() and not ctx.meta["quiet"] if progress is None else progress

    def on_progress(p: CrawlProgress) -> None:
        click.echo(
            f"\rfetched {p.fetched}  queued {p.queued}  skipped {p.skipped}  errors {p.errors}  "
            f"{p.rate:.1f} pages/s ",
            nl=False,
            err=True,
        )

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with DocumentStore(settings.db_path) as store:
            pipeline = Pipeline.from_settings(settings, store, entities=entities)
            try:
                kwargs: dict[str, Any] = {"stop": stop, "progress": on_progress if show else None}
                if resume:
                    crawler = Crawler.resume(pipeline, **kwargs)
                else:
                    options = CrawlOptions.from_settings(
                        settings,
                        all_seeds,
                        max_pages=max_pages,
                        max_depth=max_depth,
                        same_host=same_host,
                        include=include,
                        exclude=exclude,
                        delay_s=delay,
                        concurrency=concurrency,
                        allow_private=allow_private,
                        sitemaps=sitemaps,
                    )
                    crawler = Crawler(options, pipeline, **kwargs)
                report = crawler.run()
            finally:
                pipeline.close()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if show:
        click.echo("", err=True)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        _print_crawl_report(report, ctx.meta["quiet"])
    if received:
        ctx.exit(128 + received[0])
    if not report.ok:
        ctx.exit(ExitStatus.PARTIAL)


# -- aliases ----------------------------------------------------------------------------

LABELS = click.Choice(["person", "org", "place"])


@cli.group()
def aliases() -> None:
    """Name variants merged into one name: list them, merge more, split wrong ones."""


def _label_of(store: DocumentStore, name: str, label: str | None) -> str:
    if label:
        return label
    found = sorted({lab for (lab, value) in store.entity_counts() if value == name})
    if len(found) != 1:
        where = "is not mentioned anywhere" if not found else f"is a {' and a '.join(found)}"
        raise click.UsageError(f"{name!r} {where}: say which with --label")
    return found[0]


def _apply_alias_change(settings: Settings, store: DocumentStore, label: str, name: str) -> int:
    """Recompute the name table beside the index (searches see it at once, no reindex);
    returns how many documents mention the name."""
    write_names(settings.index_dir, refresh_aliases(store))
    return store.entity_counts().get((label, name), 0)


@aliases.command("list")
@click.option("--label", type=LABELS)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def aliases_list(ctx: click.Context, label: str | None, as_json: bool) -> None:
    """Every merged variant, grouped by the name shown."""
    with DocumentStore(_settings(ctx).db_path) as store:
        rows = [r for r in store.aliases() if not label or r.label == label]
        splits = store.splits()
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
                },
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    if not rows:
        click.echo("no merged names yet")
    for r in rows:
        click.echo(f"{r.label:<7} {r.variant}  ->  {r.canonical}  ({r.reason})")
    for lab, variant in splits:
        click.echo(f"{lab:<7} {variant}  kept apart (manual split)")


@aliases.command("merge")
@click.argument("variant")
@click.argument("canonical")
@click.option("--label", type=LABELS, help="Needed when the name is used with several labels.")
@click.pass_context
def aliases_merge(ctx: click.Context, variant: str, canonical: str, label: str | None) -> None:
    """Show VARIANT as CANONICAL from now on (a manual decision: it survives reindex)."""
    settings = _settings(ctx)
    with DocumentStore(settings.db_path) as store:
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
    settings = _settings(ctx)
    with DocumentStore(settings.db_path) as store:
        label = _label_of(store, variant, label)
        store.set_manual_split(label, variant)
        count = _apply_alias_change(settings, store, label, variant)
    click.echo(f"{label} {variant!r} now stands alone ({count} documents)")


# -- search ----------------------------------------------------------------------------


def _terminal_snippet(snippet: str) -> str:
    text = re.sub(r"<mark[^>]*>(.*?)</mark>", lambda m: click.style(m.group(1), bold=True), snippet)
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def _print_response(response: SearchResponse) -> None:
    request = response.request
    first = (request.page - 1) * request.per_page + 1
    click.echo(
        f"{response.total} results ({response.took_ms:.0f} ms)"
        + (f", showing {first}-{first + len(response.hits) - 1}" if response.hits else "")
    )
    for n, hit in enumerate(response.hits, start=first):
        date = hit.date.isoformat() if hit.date else "undated"
        click.echo(f"\n{n}. {click.style(hit.title, bold=True)}  [{date}]  id={hit.doc_id}")
        click.echo(f"   {hit.url or hit.source}")
        click.echo(f"   {_terminal_snippet(hit.snippet)}")
    for facet in response.facets:
        if facet.values:
            values = ", ".join(f"{v.value} ({v.count})" for v in facet.values[:8])
            click.echo(f"\n{facet.name}: {values}")


@cli.command()
@click.argument("query", default="")
@click.option("--person", multiple=True, help="Only documents naming this person (repeat = OR).")
@click.option("--org", multiple=True, help="Only documents mentioning this organisation.")
@click.option("--place", multiple=True, help="Only documents mentioning this place.")
@click.option("--from", "date_from", help="Published on or after (2024, 2024-03, 2024-03-14).")
@click.option("--to", "date_to", help="Published on or before.")
@click.option("--mentioned-from", help="Mentions a date on or after this one.")
@click.option("--mentioned-to", help="Mentions a date on or before this one.")
@click.option(
    "--sort",
    type=click.Choice(["relevance", "newest", "oldest", "date"]),
    default="relevance",
    show_default=True,
)
@click.option("--page", default=1, show_default=True, type=int)
@click.option("--per-page", default=None, type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the JSON the API returns.")
@click.pass_context
def search(
    ctx: click.Context,
    query: str,
    person: tuple[str, ...],
    org: tuple[str, ...],
    place: tuple[str, ...],
    date_from: str | None,
    date_to: str | None,
    mentioned_from: str | None,
    mentioned_to: str | None,
    sort: str,
    page: int,
    per_page: int | None,
    as_json: bool,
) -> None:
    """Search the index (Whoosh query syntax: "phrases", AND/OR/NOT, field:term, wild*)."""
    service = SearchService.from_settings(_settings(ctx))
    params: dict[str, Any] = {
        "q": query,
        "person": person,
        "org": org,
        "place": place,
        "sort": sort,
        "page": str(page),
    }
    for key, value in (
        ("from", date_from),
        ("to", date_to),
        ("mentioned_from", mentioned_from),
        ("mentioned_to", mentioned_to),
    ):
        if value:
            params[key] = value
    if per_page is not None:
        params["per_page"] = str(per_page)
    response = service.search(service.parse(params))
    if as_json:
        click.echo(json.dumps(response.to_dict(), indent=2, ensure_ascii=False))
    else:
        _print_response(response)


# -- serve and stats ----------------------------------------------------------------------


def is_loopback_host(host: str) -> bool:
    """Whether binding `host` keeps the server to this machine: a loopback address or
    "localhost". Other names are not resolved; they count as public."""
    name = host.strip().strip("[]")
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return name.lower().rstrip(".") == "localhost"


@cli.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; only loopback addresses unless --public.",
)
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=int,
    help="0 picks a free port; the URL is printed first either way.",
)
@click.option(
    "--public",
    is_flag=True,
    help="Allow a --host other machines can reach (set DOCSIFT_TOKEN to require a token).",
)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, public: bool) -> None:
    """Serve the web UI and JSON API (on 127.0.0.1 unless --public)."""
    from werkzeug.serving import make_server

    from web import create_app  # only here: the write side does not depend on Flask

    if not public and not is_loopback_host(host):
        raise click.BadParameter(
            f"{host} is not a loopback address, so other machines could reach docsift. "
            "Pass --public to allow that (and set DOCSIFT_TOKEN to require a token).",
            param_hint="'--host'",
        )
    settings = _settings(ctx)
    app = create_app(settings)
    try:
        server = make_server(host, port, app, threaded=True)
    except OSError as exc:
        raise DocsiftError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    shown_host = f"[{host}]" if ":" in host else host
    click.echo(f"http://{shown_host}:{server.server_port}/", nl=True)
    sys.stdout.flush()
    if public and not settings.token:
        click.echo(
            "warning: --public and no DOCSIFT_TOKEN: there is no authentication; anyone who "
            f"can reach {shown_host}:{server.server_port} can read every document",
            err=True,
        )
    elif public:
        click.echo(
            "warning: --public: every request needs the DOCSIFT_TOKEN token, which plain HTTP "
            "sends in clear text; put a TLS proxy in front for untrusted networks",
            err=True,
        )
    if not ctx.meta["quiet"]:
        click.echo(f"serving {settings.home} - press Ctrl-C to stop", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def stats(ctx: click.Context, as_json: bool) -> None:
    """What the store and the index hold."""
    settings = _settings(ctx)
    with DocumentStore(settings.db_path) as store:
        store_stats = store.stats()
        crawl_stats = _crawl_stats(store)
    index_stats = SearchService.from_settings(settings).stats()
    data = {"home": str(settings.home), "store": store_stats, "index": index_stats}
    if crawl_stats is not None:
        data["crawl"] = crawl_stats
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(f"home:      {settings.home}")
    click.echo(
        f"store:     {store_stats['documents']} documents "
        f"({store_stats['size_bytes'] / 1e6:.1f} MB), dated "
        f"{store_stats['earliest'] or '-'} .. {store_stats['latest'] or '-'}"
    )
    if store_stats["unindexed"]:
        click.echo(
            f"           {store_stats['unindexed']} not yet indexed: run `docsift ingest` "
            "or `docsift reindex`"
        )
    if index_stats.get("ready"):
        click.echo(
            f"index:     {index_stats['documents']} documents, "
            f"{index_stats['segments']} segments, {index_stats['people']} people, "
            f"{index_stats['orgs']} organisations, {index_stats['places']} places"
        )
    else:
        click.echo("index:     none yet: run `docsift ingest PATH`")
    if crawl_stats is not None:
        _print_crawl_stats(crawl_stats)


def _crawl_stats(store: DocumentStore) -> dict[str, Any] | None:
    """Per-host crawl state, or None when this store was never used to crawl."""
    from indexer.frontier import Frontier, has_crawl_tables

    if not has_crawl_tables(store.db):
        return None
    frontier = Frontier(store.db)
    return {"last_run": frontier.last_run(), "hosts": frontier.host_stats()}


def _print_crawl_stats(crawl: dict[str, Any]) -> None:
    run = crawl["last_run"]
    if run:
        click.echo(f"crawl:     last run {run['state']}, started {run['started_at']}")
    for host in crawl["hosts"]:
        click.echo(
            f"  {host['host']}: {host['fetched']} fetched, {host['queued'] + host['fetching']} "
            f"queued, {host['skipped']} skipped, {host['failed']} failed"
            + (
                f"; last error: {host['last_error']} ({host['last_error_url']})"
                if host["last_error"]
                else ""
            )
        )


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI and turn errors into messages and exit statuses."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        # with standalone_mode=False click returns ctx.exit()'s code instead of exiting
        code = cli.main(args=argv, prog_name="docsift", standalone_mode=False)
        if isinstance(code, int):
            return code
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.Abort:
        click.echo("aborted", err=True)
        return ExitStatus.ERROR
    except QueryError as exc:
        if debug:
            raise
        click.echo(f"docsift: bad query: {exc} (parameter {exc.param})", err=True)
        return ExitStatus.USAGE
    except DocsiftError as exc:
        if debug:
            raise
        click.echo(f"docsift: error: {exc}", err=True)
        return ExitStatus.ERROR
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback for users
        if debug:
            raise
        click.echo(
            f"docsift: internal error: {type(exc).__name__}: {exc} (run with --debug for details)",
            err=True,
        )
        return ExitStatus.ERROR
    return ExitStatus.OK


if __name__ == "__main__":
    sys.exit(main())

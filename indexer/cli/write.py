"""The commands that write to a home: ingest, reindex, crawl."""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

import click

from indexer.cli.group import settings_of
from indexer.cli.locking import wait_option, writing
from indexer.cli.output import (
    print_crawl_report,
    print_ingest_report,
)
from indexer.cli.progress import PLAIN_EVERY_S
from indexer.cli.progress import shown as progress_shown
from indexer.cli.status import ExitStatus
from indexer.delete import delete_documents, gone_under
from indexer.ingest_progress import IngestProgress, expected_documents
from indexer.pipeline import Pipeline
from indexer.sources import iter_sources
from indexer.store import DocumentStore
from search.index import ensure_index
from search.safetext import printable, valid_text
from search.settings import Settings


def address_options(command: Any) -> Any:
    """--allow-private and --allow-host: which addresses `ingest URL` and `crawl` may fetch
    from (indexer.net.fetcher.FetchOptions); the callback gets allow_private, allow_hosts."""
    command = click.option(
        "--allow-host",
        "allow_hosts",
        multiple=True,
        metavar="HOST[:PORT]",
        help="Fetch from this one host even on a private address (repeat); others stay refused.",
    )(command)
    return click.option(
        "--allow-private",
        is_flag=True,
        help="Fetch URLs on loopback, private and link-local addresses too (local test sites).",
    )(command)


@click.command()
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
    help="Progress with the stage and time left: a bar on a terminal, else a line every "
    "--progress-every seconds (default: on unless --quiet).",
)
@click.option(
    "--progress-every",
    type=click.FloatRange(min=0.1),
    default=PLAIN_EVERY_S,
    show_default=True,
    metavar="SECONDS",
    help="Seconds between progress lines when stderr is not a terminal.",
)
@address_options
@click.option(
    "--follow-symlinks",
    is_flag=True,
    help="Also read symbolic links in a folder that lead to files outside it (not followed "
    "by default).",
)
@click.option(
    "--prune",
    is_flag=True,
    help="Also delete the documents whose files under each FOLDER target are gone.",
)
@wait_option
@click.pass_context
def ingest(
    ctx: click.Context,
    targets: tuple[str, ...],
    if_empty: bool,
    as_json: bool,
    entities: bool,
    progress: bool | None,
    progress_every: float,
    allow_private: bool,
    allow_hosts: tuple[str, ...],
    follow_symlinks: bool,
    prune: bool,
    wait_s: float,
) -> None:
    """Ingest files, folders (recursively), JSON Lines exports and URLs.

    With --prune, documents whose files under a folder target no longer exist are deleted
    (only those under that folder; web pages never).

    One writing command runs at a time per home: a second ingest (or a reindex or crawl) queues
    for up to --wait seconds, then exits with status 4.
    """
    settings = settings_of(ctx)
    with writing(ctx, "ingest", wait_s, targets), DocumentStore(settings.db_path) as store:
        if if_empty and store.count():
            if not ctx.meta["quiet"]:
                click.echo(
                    f"{store.count()} documents already in {settings.home}; nothing to ingest"
                )
            return
        if settings.backend == "whoosh":
            ensure_index(settings.index_dir)  # searches answer (empty) even if this run is killed
        show = not ctx.meta["quiet"] if progress is None else progress
        pipeline = Pipeline.from_settings(
            settings,
            store,
            entities=entities,
            allow_private=allow_private,
            allow_hosts=allow_hosts,
            follow_symlinks=follow_symlinks,
        )
        try:
            if show:
                sources = (
                    s for t in targets for s in iter_sources(t, follow_symlinks=follow_symlinks)
                )
                tracker = IngestProgress(expected_documents(sources))
                terminal = sys.stderr.isatty()
                with progress_shown(tracker, sys.stderr, terminal=terminal, every_s=progress_every):
                    report = pipeline.run(targets, progress=tracker)
            else:
                report = pipeline.run(targets)
        finally:
            pipeline.close()
        pruned = _prune(settings, store, targets) if prune else None
    if as_json:
        click.echo(json.dumps(report.to_dict() | ({"pruned": pruned} if prune else {}), indent=2))
    else:
        print_ingest_report(report, ctx.meta["quiet"])
        if prune and not ctx.meta["quiet"]:
            click.echo(f"pruned {pruned} documents whose files are gone")
    refused = [(p.source, p.reason) for p in report.errors if p.reason.startswith("refused:")]
    if refused and len(refused) == len(report.errors) and not report.seen:
        _nothing_fetched(ctx, refused)  # as crawl does: a refused local site is no success
    if not report.ok:
        ctx.exit(ExitStatus.PARTIAL)


def _nothing_fetched(ctx: click.Context, refused: list[tuple[str, str]]) -> None:
    """Exit 1 saying every URL was refused, with the first refusal (its reason names
    --allow-private when the address is local)."""
    url, reason = refused[0]
    click.echo(
        f"docsift: nothing was fetched: {len(refused)} URL(s) refused, e.g. "
        f"{printable(url)} ({printable(reason)})",
        err=True,
    )
    ctx.exit(ExitStatus.ERROR)


def _prune(settings: Settings, store: DocumentStore, targets: tuple[str, ...]) -> int:
    """Delete the documents whose files under the folder targets are gone."""
    folders = [t for t in targets if "://" not in t and Path(t).is_dir()]
    if not folders:
        raise click.UsageError("--prune needs a FOLDER among the targets")
    gone = list(dict.fromkeys(doc_id for f in folders for doc_id in gone_under(store, f)))
    return delete_documents(settings, store, gone) if gone else 0


@click.command()
@wait_option
@click.pass_context
def reindex(ctx: click.Context, wait_s: float) -> None:
    """Rebuild the search index from the document store and swap it in atomically.

    Repairs everything `docsift check` reports. Queues behind another writing command for up to
    --wait seconds, then exits with status 4.
    """
    settings = settings_of(ctx)
    started = time.perf_counter()
    with writing(ctx, "reindex", wait_s), DocumentStore(settings.db_path) as store:
        count = Pipeline(settings, store).reindex()
    if not ctx.meta["quiet"]:
        click.echo(f"reindexed {count} documents in {time.perf_counter() - started:.1f} s")


def _crawl_seeds(seeds: tuple[str, ...], seeds_file: Path | None) -> tuple[str, ...]:
    found = list(seeds)
    if seeds_file is not None:
        try:
            lines = seeds_file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise click.UsageError(f"cannot read {seeds_file}: {exc.strerror}") from exc
        found += [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    found = [valid_text(seed) for seed in found]  # undecodable argv bytes arrive as surrogates
    bad = [s for s in found if not s.lower().startswith(("http://", "https://"))]
    if bad:
        raise click.UsageError(f"only http and https seeds can be crawled: {', '.join(bad[:3])}")
    return tuple(found)


@click.command()
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
@address_options
@click.option("--resume", is_flag=True, help="Continue the crawl that was stopped.")
@click.option("--sitemaps/--no-sitemaps", default=True, help="Read robots.txt/sitemap.xml lists.")
@click.option("--entities/--no-entities", default=True, show_default=True, help="Run NER.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--progress/--no-progress", default=None, help="Progress line (default: on a terminal)."
)
@wait_option
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
    allow_hosts: tuple[str, ...],
    resume: bool,
    sitemaps: bool,
    entities: bool,
    as_json: bool,
    progress: bool | None,
    wait_s: float,
) -> None:
    """Crawl web sites and feeds from SEED URLs politely into the store and index.

    Ctrl-C or SIGTERM stops gracefully: requests in flight finish, everything fetched is
    stored, the report is printed, and the exit status is 130 (SIGINT) or 143 (SIGTERM);
    `docsift crawl --resume` continues. Exit 3 when some pages failed.
    """
    from indexer.crawl.crawler import Crawler, CrawlOptions, CrawlProgress

    settings = settings_of(ctx)
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
        with writing(ctx, "crawl", wait_s), DocumentStore(settings.db_path) as store:
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
                        allow_hosts=allow_hosts or None,
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
        print_crawl_report(report, ctx.meta["quiet"])
    if received:
        stopped_by = received[0]
        ctx.exit(ExitStatus.INTERRUPTED if stopped_by == signal.SIGINT else ExitStatus.TERMINATED)
    refused = [
        (p["url"], p["reason"]) for p in report.problems if p["reason"].startswith("refused:")
    ]
    if not report.fetched and refused:
        _nothing_fetched(ctx, refused)
    if not report.ok:
        ctx.exit(ExitStatus.PARTIAL)

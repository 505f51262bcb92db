"""The `docsift` command line: ingest, reindex, check, search, compare, serve, stats.

The CLI is the composition root of the write side and one of the two edges where errors become
exit statuses (the web app is the other). Library code raises; only this module prints.
"""

from __future__ import annotations

import contextlib
import html
import ipaddress
import json
import logging
import os
import re
import secrets
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from enum import IntEnum
from pathlib import Path
from typing import Any

import click

from indexer.aliases import load_name_table, refresh_aliases
from indexer.pipeline import IngestReport, Pipeline
from indexer.review import review_entities
from indexer.store import DocumentStore
from search.backend import open_backend
from search.cluster import LocalCluster
from search.compare import Comparison
from search.diskfull import disk_full, is_disk_full
from search.errors import DiskFull, DocsiftError, IndexBusy, QueryError
from search.index import (
    IndexInspection,
    LockOwner,
    ensure_index,
    inspect_index,
    write_lock,
    write_names,
)
from search.names import ALL_LABELS, WEAK, NameTable, read_name_table
from search.results import SearchResponse
from search.safetext import printable, valid_text
from search.schema import SCHEMA_VERSION
from search.service import SearchService
from search.settings import Settings, load_settings

logger = logging.getLogger("docsift")
MAX_LISTED_PROBLEMS = 20
DEFAULT_WAIT_S = 300.0  # how long a writing command queues behind another one


class ExitStatus(IntEnum):
    OK = 0
    ERROR = 1
    USAGE = 2
    PARTIAL = 3  # ingest finished, but some documents failed
    BUSY = 4  # another docsift process kept writing to this home for longer than --wait


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
@click.option(
    "--backend",
    type=click.Choice(["whoosh", "typesense"]),
    help="Search engine: whoosh (embedded, default) or typesense [backend].",
)
@click.option(
    "--typesense-nodes",
    help="Every Typesense node as host:port,host:port,... [typesense_nodes].",
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
    backend: str | None,
    typesense_nodes: str | None,
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
    ctx.obj = load_settings(
        config_path, home=home, backend=backend, typesense_nodes=typesense_nodes
    )


def _settings(ctx: click.Context) -> Settings:
    settings = ctx.find_object(Settings)
    assert settings is not None
    return settings


# -- one writer at a time -----------------------------------------------------------------


def wait_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--wait",
        "wait_s",
        type=click.FloatRange(min=0),
        default=DEFAULT_WAIT_S,
        show_default=True,
        help="Seconds to queue behind another docsift process writing to this home "
        "(0: fail at once); then exit status 4.",
    )(command)


# the home grows by about this much per byte of input: the store keeps the text, its
# mentions and line analyses, the index its terms (samples/news: 6.3x; 2,000 Reuters
# stories: 6.9x)
GROWTH_PER_INPUT_BYTE = 8
CRAWL_BYTES_PER_PAGE = 400_000


def _space_needed(settings: Settings, operation: str, targets: tuple[str, ...]) -> tuple[int, str]:
    """About how many bytes a writing command needs, and how that was worked out."""
    if operation == "ingest":
        size = 0
        for target in targets:
            path = Path(target)
            if "://" in target:
                size += 1_048_576
            elif path.is_file():
                size += path.stat().st_size
            elif path.is_dir():
                for folder, _dirs, files in os.walk(path):
                    for name in files:
                        with contextlib.suppress(OSError):
                            size += os.stat(os.path.join(folder, name)).st_size
        return size * GROWTH_PER_INPUT_BYTE, (
            f"about {GROWTH_PER_INPUT_BYTE}x the {size / 1_048_576:.1f} MB of input"
        )
    if operation == "reindex":
        size = sum(f.stat().st_size for f in settings.index_dir.resolve().glob("*") if f.is_file())
        return int(size * 1.2), f"a new index beside the current {size / 1_048_576:.0f} MB one"
    if operation == "crawl":
        pages = settings.crawl_max_pages
        return pages * CRAWL_BYTES_PER_PAGE, f"up to {pages} pages"
    return 1_048_576, operation


@contextmanager
def _writing(
    ctx: click.Context, operation: str, wait_s: float, targets: tuple[str, ...] = ()
) -> Iterator[None]:
    """Hold HOME/docsift.lock: ingest, crawl, reindex and alias changes run one at a time.
    A full disk anywhere inside becomes one DiskFull sentence (exit status 1).

    Raises:
        IndexBusy: another docsift process still writes after wait_s (exit status 4).
        DiskFull: a write found the disk full.
    """
    settings = _settings(ctx)
    try:
        with _locked(ctx, settings, operation, wait_s):
            yield
    except DiskFull:
        raise
    except Exception as exc:
        if not is_disk_full(exc, settings.home):
            raise
        needed, why = _space_needed(settings, operation, targets)
        raise disk_full(settings.home.absolute(), needed, why) from exc


@contextmanager
def _locked(
    ctx: click.Context, settings: Settings, operation: str, wait_s: float
) -> Iterator[None]:

    def waiting(owner: LockOwner | None) -> None:
        if not ctx.meta["quiet"]:
            who = f" ({owner.describe()})" if owner else ""
            click.echo(
                f"waiting for another docsift process{who} to finish writing to "
                f"{settings.home} (up to {wait_s:.0f} s, see --wait)",
                err=True,
            )

    with write_lock(settings.index_dir, f"docsift {operation}", wait_s=wait_s, on_wait=waiting):
        yield


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
            click.echo(
                f"  {printable(problem.source)}: {printable(problem.reason)}",
                err=title == "Errors",
            )
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
@click.option(
    "--allow-private",
    is_flag=True,
    help="Fetch URLs on loopback, private and link-local addresses too (local test sites).",
)
@click.option(
    "--allow-host",
    "allow_hosts",
    multiple=True,
    metavar="HOST[:PORT]",
    help="Fetch from this one host even on a private address (repeat); others stay refused.",
)
@click.option(
    "--follow-symlinks",
    is_flag=True,
    help="Also read symbolic links in a folder that lead to files outside it (not followed "
    "by default).",
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
    allow_private: bool,
    allow_hosts: tuple[str, ...],
    follow_symlinks: bool,
    wait_s: float,
) -> None:
    """Ingest files, folders (recursively), JSON Lines exports and URLs.

    One writing command runs at a time per home: a second ingest (or a reindex or crawl) queues
    for up to --wait seconds, then exits with status 4.
    """
    settings = _settings(ctx)
    with _writing(ctx, "ingest", wait_s, targets), DocumentStore(settings.db_path) as store:
        if if_empty and store.count():
            if not ctx.meta["quiet"]:
                click.echo(
                    f"{store.count()} documents already in {settings.home}; nothing to ingest"
                )
            return
        if settings.backend == "whoosh":
            ensure_index(settings.index_dir)  # searches answer (empty) even if this run is killed
        show = sys.stderr.isatty() and not ctx.meta["quiet"] if progress is None else progress
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
@wait_option
@click.pass_context
def reindex(ctx: click.Context, wait_s: float) -> None:
    """Rebuild the search index from the document store and swap it in atomically.

    Repairs everything `docsift check` reports. Queues behind another writing command for up to
    --wait seconds, then exits with status 4.
    """
    settings = _settings(ctx)
    started = time.perf_counter()
    with _writing(ctx, "reindex", wait_s), DocumentStore(settings.db_path) as store:
        count = Pipeline(settings, store).reindex()
    if not ctx.meta["quiet"]:
        click.echo(f"reindexed {count} documents in {time.perf_counter() - started:.1f} s")


# -- check -----------------------------------------------------------------------------

REINDEX = "docsift reindex"
MAX_LISTED_IDS = 20


def _check_problems(
    store_ids: set[str], unindexed: list[str], inspection: IndexInspection
) -> tuple[list[dict[str, Any]], list[str], list[dict[str, Any]]]:
    """Every disagreement between the store and the index, each with its fix; notes; and
    warnings (reported, but the next writing command clears them by itself: a stale lock)."""
    problems: list[dict[str, Any]] = []
    notes: list[str] = []
    warnings: list[dict[str, Any]] = []

    def problem(code: str, message: str, fix: str = REINDEX, ids: list[str] | None = None) -> None:
        entry: dict[str, Any] = {"code": code, "message": message, "fix": fix}
        if ids is not None:
            entry["count"] = len(ids)
            entry["ids"] = ids[:MAX_LISTED_IDS]
        problems.append(entry)

    if inspection.generation is None:
        if store_ids:
            problem("no_index", f"there is no index; the store holds {len(store_ids)} documents")
    elif inspection.schema_version is not None and inspection.schema_version != SCHEMA_VERSION:
        problem(
            "schema_mismatch",
            f"the index ({inspection.generation}) was built with schema "
            f"v{inspection.schema_version}; this docsift uses v{SCHEMA_VERSION}",
        )
    elif inspection.error:
        problem("index_unreadable", inspection.error)
    else:
        missing = sorted(store_ids - inspection.ids)
        extra = sorted(inspection.ids - store_ids)
        if missing:
            problem(
                "missing_from_index",
                f"{len(missing)} documents in the store are not in the index",
                ids=missing,
            )
        if extra:
            problem(
                "not_in_store",
                f"{len(extra)} documents in the index are not in the store",
                ids=extra,
            )
        if inspection.duplicate_ids:
            problem(
                "duplicate_ids",
                f"{len(inspection.duplicate_ids)} ids are held by more than one index document",
                ids=list(inspection.duplicate_ids),
            )
        for name, state in inspection.sidecars:
            if state != "ok":
                problem(
                    "table_missing" if state == "missing" else "table_unreadable",
                    f"{name} beside {inspection.generation} is {state}",
                )
    if unindexed:
        problem(
            "unindexed",
            f"{len(unindexed)} store rows are not marked indexed (an ingest did not finish)",
            fix="docsift ingest (the same input finishes them) or docsift reindex",
            ids=unindexed,
        )
    for lock in inspection.locks:
        if lock.state == "stale":
            who = lock.owner.describe() if lock.owner else "an unknown process"
            warnings.append(
                {
                    "code": "stale_lock",
                    "message": f"a stale write lock ({lock.path.name}) left by {who}, "
                    "which is gone",
                    "fix": "nothing to do: the next docsift ingest, crawl or reindex clears it",
                }
            )
        elif lock.state == "held":
            who = lock.owner.describe() if lock.owner else "a process"
            notes.append(
                f"{who} is writing now ({lock.path.name}): differences may be in flight; "
                "run `docsift check` again when it ends"
            )
    if inspection.leftovers:
        notes.append(
            f"{', '.join(inspection.leftovers)} left by an interrupted reindex "
            "(harmless, never searched; the next reindex removes it)"
        )
    return problems, notes, warnings


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def check(ctx: click.Context, as_json: bool) -> None:
    """Verify that the store and the index agree: counts, ids, unindexed rows, schema version,
    the name and story tables, stale locks. Says what to run when they do not.

    Exit status 0 when they agree (a stale lock alone is a warning: the next writing command
    clears it), 1 when not; `docsift reindex` repairs every problem found.
    """
    settings = _settings(ctx)
    if settings.backend != "whoosh":
        raise click.UsageError(
            "docsift check inspects the Whoosh index; with the typesense backend compare the "
            "counts in `docsift stats`, and `docsift reindex` rebuilds the collection"
        )
    store_ids: set[str] = set()
    unindexed: list[str] = []
    degraded = ""
    if settings.db_path.exists():
        with DocumentStore(settings.db_path, read_only=True) as store:
            store_ids, unindexed = store.ids(), store.unindexed_ids()
            degraded = store.degraded
    inspection = inspect_index(settings.index_dir)
    problems, notes, warnings = _check_problems(store_ids, unindexed, inspection)
    if degraded:
        notes.append(f"the store was {degraded}")
    ok = not problems
    data = {
        "ok": ok,
        "home": str(settings.home),
        "store": {"documents": len(store_ids), "unindexed": len(unindexed)},
        "index": {
            "generation": inspection.generation,
            "documents": inspection.documents,
            "schema_version": inspection.schema_version,
            "expected_schema_version": SCHEMA_VERSION,
            "tables": dict(inspection.sidecars),
            "error": inspection.error,
        },
        "locks": [lock.to_dict() for lock in inspection.locks],
        "problems": problems,
        "warnings": warnings,
        "notes": notes,
        "repair": None if ok else REINDEX,
    }
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        _print_check(data)
    if not ok:
        ctx.exit(ExitStatus.ERROR)


def _print_check(data: dict[str, Any]) -> None:
    store, index = data["store"], data["index"]
    click.echo(
        f"store:  {store['documents']} documents"
        + (f", {store['unindexed']} not marked indexed" if store["unindexed"] else "")
    )
    if index["generation"] is None:
        click.echo("index:  none yet")
    else:
        click.echo(
            f"index:  {index['documents']} documents in {index['generation']}, "
            f"schema v{index['schema_version']} (this docsift: v{index['expected_schema_version']})"
        )
    for note in data["notes"]:
        click.echo(f"note:   {printable(note)}")
    for warning in data["warnings"]:
        click.echo(f"warning: {printable(warning['message'])} ({warning['fix']})")
    if data["ok"]:
        click.echo("OK: the store and the index agree")
        return
    count = len(data["problems"])
    click.echo(f"{count} problem{'s' if count > 1 else ''}:")
    for problem in data["problems"]:
        shown = ", ".join(printable(i) for i in problem.get("ids", [])[:5])
        more = " ..." if problem.get("count", 0) > 5 else ""
        click.echo(f"  - {problem['message']}" + (f": {shown}{more}" if shown else ""))
        click.echo(f"    fix: {problem['fix']}")
    click.echo(
        "repair: run `docsift reindex` (rebuilds the index from the store and fixes all of "
        "these); `docsift ingest` of the same input also finishes unindexed rows"
    )


# -- crawl -----------------------------------------------------------------------------


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
            click.echo(
                f"  {printable(problem['url'])}: {printable(problem['reason'])}",
                err=title == "Crawl failed",
            )
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
@click.option(
    "--allow-host",
    "allow_hosts",
    multiple=True,
    metavar="HOST[:PORT]",
    help="Fetch from this one host even on a private address (repeat); others stay refused.",
)
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
        with _writing(ctx, "crawl", wait_s), DocumentStore(settings.db_path) as store:
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
        _print_crawl_report(report, ctx.meta["quiet"])
    if received:
        ctx.exit(128 + received[0])
    refused = [p for p in report.problems if p["reason"].startswith("refused:")]
    if not report.fetched and refused:
        click.echo(
            f"docsift: nothing was fetched: {len(refused)} URL(s) refused, e.g. "
            f"{printable(refused[0]['url'])} ({printable(refused[0]['reason'])})",
            err=True,
        )
        ctx.exit(ExitStatus.ERROR)
    if not report.ok:
        ctx.exit(ExitStatus.PARTIAL)


# -- aliases ----------------------------------------------------------------------------

LABELS = click.Choice(["person", "org", "place"])
LABEL_NOUNS = {"person": "person", "org": "organisation", "place": "place"}


@cli.group()
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
@click.pass_context
def aliases_list(ctx: click.Context, label: str | None, as_json: bool) -> None:
    """Every merged variant, grouped by the name shown; then names moved or hidden by hand."""
    with DocumentStore(_settings(ctx).db_path) as store:
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
    if not (rows or splits or relabels or hidden):
        click.echo("no merged names yet")
    for r in rows:
        click.echo(
            f"{r.label:<7} {printable(r.variant)}  ->  {printable(r.canonical)}  "
            f"({printable(r.reason)})"
        )
    for lab, variant in splits:
        click.echo(f"{lab:<7} {printable(variant)}  kept apart (manual split)")
    for name, lab in relabels:
        click.echo(f"{lab:<7} {printable(name)}  shown as {LABEL_NOUNS[lab]} (manual relabel)")
    for name, lab in hidden:
        click.echo(f"{'any' if lab == ALL_LABELS else lab:<7} {printable(name)}  hidden (manual)")


@aliases.command("merge")
@click.argument("variant")
@click.argument("canonical")
@click.option("--label", type=LABELS, help="Needed when the name is used with several labels.")
@click.pass_context
def aliases_merge(ctx: click.Context, variant: str, canonical: str, label: str | None) -> None:
    """Show VARIANT as CANONICAL from now on (a manual decision: it survives reindex)."""
    settings = _settings(ctx)
    with _writing(ctx, "aliases merge", DEFAULT_WAIT_S), DocumentStore(settings.db_path) as store:
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
    with _writing(ctx, "aliases split", DEFAULT_WAIT_S), DocumentStore(settings.db_path) as store:
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
    type=click.Choice(["person", "org", "place", "auto"]),
    help="The label to show NAME under; auto: back to the automatic decision.",
)
@click.pass_context
def aliases_relabel(ctx: click.Context, name: str, target: str) -> None:
    """Show NAME (as facets show it) as a person, organisation or place from now on: in facets,
    on cards and on entity pages, with every spelling merged into it."""
    settings = _settings(ctx)
    with _writing(ctx, "aliases relabel", DEFAULT_WAIT_S), DocumentStore(settings.db_path) as store:
        _, found = _correction_target(store, name)
        store.set_relabel(name, None if target == "auto" else target)
        names = load_name_table(store)
        _publish_names(settings, names)
        count = store.documents_with(found)
    shown = {names.resolve(lab, value.removeprefix(WEAK)) for lab, value in found} - {None}
    labels = sorted({lab for lab, _ in shown}) or [target]
    where = " and ".join(LABEL_NOUNS[lab] for lab in labels)
    click.echo(f"{name!r} is now shown as {where} ({count} documents)")


@aliases.command("hide")
@click.argument("name")
@click.option("--label", type=LABELS, help="Hide it under this label only (default: every).")
@click.pass_context
def aliases_hide(ctx: click.Context, name: str, label: str | None) -> None:
    """Never show NAME (as facets show it) in facets, on cards or on document pages; the text
    keeps it and searches still find the words. `aliases unhide` undoes it."""
    settings = _settings(ctx)
    with _writing(ctx, "aliases hide", DEFAULT_WAIT_S), DocumentStore(settings.db_path) as store:
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
    settings = _settings(ctx)
    with _writing(ctx, "aliases unhide", DEFAULT_WAIT_S), DocumentStore(settings.db_path) as store:
        if not store.set_hidden(name, label or ALL_LABELS, False):
            raise click.UsageError(f"{name!r} is not hidden (see `docsift aliases list`)")
        _publish_names(settings, load_name_table(store))
    click.echo(f"{name!r} is shown again")


# -- entities ----------------------------------------------------------------------------


@cli.group()
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
    with DocumentStore(_settings(ctx).db_path) as store:
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


def _terminal_snippet(snippet: str) -> str:
    """A snippet's HTML as terminal text: marked words in bold, control characters escaped
    (a document's own escape sequences must not drive the terminal)."""
    parts = re.split(r"<mark[^>]*>(.*?)</mark>", snippet)
    shown = []
    for n, part in enumerate(parts):
        text = printable(html.unescape(re.sub(r"<[^>]+>", "", part)))
        shown.append(click.style(text, bold=True) if n % 2 else text)
    return "".join(shown)


def _print_response(response: SearchResponse) -> None:
    request = response.request
    first = (request.page - 1) * request.per_page + 1
    if response.corrected_from is not None:
        click.echo(
            f"No results for {printable(response.corrected_from)!r}; showing results for "
            f"{printable(request.q)!r} (--exact searches the words as typed)"
        )
    elif response.suggestion:
        click.echo(f"Did you mean: {printable(response.suggestion)}")
    if response.also_searching:
        also = ", ".join(printable(v) for v in response.also_searching)
        click.echo(f"Also searching {also} (--exact: only the spelling typed)")
    click.echo(
        f"{response.count_label} ({response.took_ms:.0f} ms)"
        + (f", showing {first}-{first + len(response.hits) - 1}" if response.hits else "")
    )
    for n, hit in enumerate(response.hits, start=first):
        date = hit.date.isoformat() if hit.date else "undated"
        title = click.style(printable(hit.title), bold=True)
        click.echo(f"\n{n}. {title}  [{date}]  id={printable(hit.doc_id)}")
        click.echo(f"   {printable(hit.url or hit.source)}")
        click.echo(f"   {_terminal_snippet(hit.snippet)}")
    for facet in response.facets:
        if facet.values:
            values = ", ".join(f"{printable(v.value)} ({v.count})" for v in facet.values[:8])
            click.echo(f"\n{facet.name}: {values}")


@cli.command()
@click.argument("query", default="")
@click.option("--person", multiple=True, help="Only documents naming this person (repeat = OR).")
@click.option("--org", multiple=True, help="Only documents mentioning this organisation.")
@click.option("--place", multiple=True, help="Only documents mentioning this place.")
@click.option(
    "--language", multiple=True, help="Only documents in this language (ISO 639-1: de, fr)."
)
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
@click.option(
    "--exact",
    is_flag=True,
    help="The words as typed: no other spellings of names, no spelling correction.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the JSON the API returns.")
@click.pass_context
def search(
    ctx: click.Context,
    query: str,
    person: tuple[str, ...],
    org: tuple[str, ...],
    place: tuple[str, ...],
    language: tuple[str, ...],
    date_from: str | None,
    date_to: str | None,
    mentioned_from: str | None,
    mentioned_to: str | None,
    sort: str,
    page: int,
    per_page: int | None,
    exact: bool,
    as_json: bool,
) -> None:
    """Search the index (Whoosh query syntax: "phrases", AND/OR/NOT, field:term, wild*)."""
    service = SearchService.from_settings(_settings(ctx))
    params: dict[str, Any] = {
        "q": query,
        "person": person,
        "org": org,
        "place": place,
        "language": language,
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
    if exact:
        params["exact"] = "1"
    response = service.search(service.parse(params))
    if as_json:
        click.echo(json.dumps(response.to_dict(), indent=2, ensure_ascii=False))
    else:
        _print_response(response)


# -- compare ---------------------------------------------------------------------------


def _print_comparison(comparison: Comparison) -> None:
    a, b = comparison.a, comparison.b
    click.echo(f"A  {click.style(printable(a.title), bold=True)}  id={printable(a.doc_id)}")
    click.echo(f"B  {click.style(printable(b.title), bold=True)}  id={printable(b.doc_id)}")
    click.echo(f"\nB {comparison.summary}")
    for change in comparison.entities:
        for side, names in (("only in A", change.only_a), ("only in B", change.only_b)):
            if names:
                click.echo(f"  {change.label} {side}: {printable(', '.join(names))}")
    if comparison.quotes:
        click.echo("\nQuotes:")
    for quote in comparison.quotes:
        speaker = printable(quote.quote.speaker or "speaker not named")
        flag = " [unsupported]" if quote.unsupported else ""
        text = printable(quote.quote.text)
        click.echo(f"  {quote.kind} ({quote.side.upper()}){flag}: {speaker}: “{text}”")
        if quote.counterpart is not None:
            other = printable(quote.counterpart.speaker or "speaker not named")
            click.echo(f"      A has: {other}: “{printable(quote.counterpart.text)}”")
    if comparison.numbers:
        click.echo("\nNumbers:")
    for change in comparison.numbers:
        click.echo(
            f"  A{change.a_sentence + 1} / B{change.b_sentence + 1}: "
            f"{', '.join(change.only_a) or '-'} -> {', '.join(change.only_b) or '-'}"
        )
    counts = comparison.counts()
    click.echo(
        f"\nSentences: {counts['sentences_aligned']} aligned, {counts['sentences_only_a']} "
        f"only in A, {counts['sentences_only_b']} only in B"
    )


@cli.command("compare")
@click.argument("a")
@click.argument("b")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON /api/compare returns.")
@click.pass_context
def compare_cmd(ctx: click.Context, a: str, b: str, as_json: bool) -> None:
    """What document B adds, drops or changes relative to document A (two versions of a
    story): people, organisations, places, quotes, numbers, aligned sentences."""
    comparison = SearchService.from_settings(_settings(ctx)).compare(a, b)
    if as_json:
        click.echo(json.dumps(comparison.to_dict(), indent=2, ensure_ascii=False))
    else:
        _print_comparison(comparison)


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
@click.option(
    "--allowed-host",
    "allowed_hosts",
    multiple=True,
    metavar="NAME",
    help="Also answer requests for this Host name (repeat; e.g. a proxy's public name). "
    "Others than the bound address and localhost get 400 [allowed_hosts].",
)
@click.pass_context
def serve(
    ctx: click.Context, host: str, port: int, public: bool, allowed_hosts: tuple[str, ...]
) -> None:
    """Serve the web UI and JSON API (on 127.0.0.1 unless --public)."""
    from web import create_app  # only here: the write side does not depend on Flask
    from web.server import make_docsift_server

    if not public and not is_loopback_host(host):
        raise click.BadParameter(
            f"{host} is not a loopback address, so other machines could reach docsift. "
            "Pass --public to allow that (and set DOCSIFT_TOKEN to require a token).",
            param_hint="'--host'",
        )
    settings = _settings(ctx)
    app = create_app(settings, bound_host=host, allowed_hosts=allowed_hosts)
    try:
        server = make_docsift_server(host, port, app)
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
    # read-only: stats must work on a full disk and never create a store
    with DocumentStore(settings.db_path, read_only=settings.db_path.exists()) as store:
        store_stats = store.stats()
        crawl_stats = _crawl_stats(store)
        if store.degraded:
            store_stats["note"] = f"the store was {store.degraded}"
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
    if store_stats.get("note"):
        click.echo(f"           note: {store_stats['note']}")
    if store_stats["unindexed"]:
        click.echo(
            f"           {store_stats['unindexed']} not yet indexed: run `docsift ingest` "
            "or `docsift reindex`"
        )
    if index_stats.get("backend") == "typesense":
        click.echo(
            f"index:     {index_stats['documents']} documents in {index_stats['index']}, "
            f"{index_stats['people']} people, "
            f"{index_stats['orgs']} organisations, {index_stats['places']} places"
        )
    elif index_stats.get("ready"):
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
    frontier = Frontier(store.db, read_only=True)
    return {"last_run": frontier.last_run(), "hosts": frontier.host_stats()}


def _print_crawl_stats(crawl: dict[str, Any]) -> None:
    run = crawl["last_run"]
    if run:
        click.echo(f"crawl:     last run {run['state']}, started {run['started_at']}")
    for host in crawl["hosts"]:
        click.echo(
            f"  {printable(host['host'])}: {host['fetched']} fetched, "
            f"{host['queued'] + host['fetching']} queued, {host['skipped']} skipped, "
            f"{host['failed']} failed"
            + (
                f"; last error: {printable(host['last_error'])} "
                f"({printable(host['last_error_url'])})"
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
        click.echo(f"docsift: bad query: {printable(str(exc))} (parameter {exc.param})", err=True)
        return ExitStatus.USAGE
    except IndexBusy as exc:
        if debug:
            raise
        click.echo(f"docsift: busy: {printable(str(exc))}", err=True)
        return ExitStatus.BUSY
    except DocsiftError as exc:
        if debug:
            raise
        click.echo(f"docsift: error: {printable(str(exc))}", err=True)
        return ExitStatus.ERROR
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback for users
        if debug:
            raise
        if is_disk_full(exc):
            where = getattr(exc, "filename", None) or "the data directory"
            click.echo(f"docsift: error: disk full while writing {printable(str(where))}", err=True)
            return ExitStatus.ERROR
        click.echo(
            f"docsift: internal error: {type(exc).__name__}: {exc} (run with --debug for details)",
            err=True,
        )
        return ExitStatus.ERROR
    return ExitStatus.OK


if __name__ == "__main__":
    sys.exit(main())


# -- cluster ---------------------------------------------------------------------------


@cli.group()
def cluster() -> None:
    """A local Typesense cluster on 127.0.0.1 for trials and tests (start, status, stop)."""


@cluster.command("start")
@click.option("--nodes", "count", type=click.IntRange(1, 9), default=3, show_default=True)
@click.option(
    "--data",
    "data_dir",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="Directory for the nodes' data, logs and pid files.",
)
@click.option(
    "--base-port",
    type=click.IntRange(1024, 65000),
    default=8108,
    show_default=True,
    help="API ports base, base+1, ...; peering ports base+100, ...",
)
@click.option("--timeout", "timeout_s", type=float, default=90.0, show_default=True)
@click.pass_context
def cluster_start(
    ctx: click.Context, count: int, data_dir: Path, base_port: int, timeout_s: float
) -> None:
    """Start Typesense nodes as separate processes, wait for a leader, print the addresses."""
    settings = _settings(ctx)
    api_key = settings.typesense_api_key or secrets.token_urlsafe(24)
    found = LocalCluster.plan(data_dir, count, base_port=base_port, api_key=api_key)
    found.start(timeout_s)
    leader = found.leader()
    for status in found.status():
        click.echo(f"{status.address}  {status.role}")
    if not ctx.meta["quiet"]:
        click.echo(
            f"leader {leader.address if leader else '?'}; use it with:\n"
            f"  export DOCSIFT_BACKEND=typesense "
            f"DOCSIFT_TYPESENSE_NODES={','.join(found.addresses)} "
            f"DOCSIFT_TYPESENSE_API_KEY={api_key}"
        )


@cluster.command("status")
@click.option("--data", "data_dir", type=click.Path(path_type=Path), required=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def cluster_status(ctx: click.Context, data_dir: Path, as_json: bool) -> None:
    """Each node's address, pid, health and role (leader, follower, down). Exit 1 when no
    node is the leader."""
    statuses = LocalCluster.load(data_dir).status()
    if as_json:
        click.echo(json.dumps([s.to_dict() for s in statuses], indent=2))
    else:
        for s in statuses:
            health = "healthy" if s.healthy else "unhealthy"
            click.echo(f"{s.address}  {s.role:<9} {health:<9} pid {s.pid or '-'}")
    if not any(s.role == "leader" for s in statuses):
        ctx.exit(ExitStatus.ERROR)


@cluster.command("stop")
@click.option("--data", "data_dir", type=click.Path(path_type=Path), required=True)
@click.pass_context
def cluster_stop(ctx: click.Context, data_dir: Path) -> None:
    """Stop every node of the cluster started in --data (SIGTERM, then SIGKILL)."""
    found = LocalCluster.load(data_dir)
    found.stop()
    if not ctx.meta["quiet"]:
        click.echo(f"stopped {len(found.nodes)} nodes")

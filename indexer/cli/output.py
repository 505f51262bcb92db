"""How the commands print their results for a terminal (--json prints the dicts instead)."""

from __future__ import annotations

import html
import re
from typing import Any

import click

from indexer.pipeline import IngestReport
from search.backend import IndexStats
from search.compare import Comparison
from search.parameters import ENTITY_NOUNS
from search.results import SearchResponse
from search.safetext import printable

MAX_LISTED_PROBLEMS = 20
# how the terminal names a kind of name (search.parameters)
LABEL_NOUNS = ENTITY_NOUNS


def print_ingest_report(report: IngestReport, quiet: bool) -> None:
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


def print_check(data: dict[str, Any]) -> None:
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


def print_crawl_report(report: Any, quiet: bool) -> None:
    if not quiet:
        click.echo(
            f"crawl {'stopped' if report.stopped else 'done'}: {report.fetched} fetched "
            f"({report.not_modified} not modified), {report.skipped} skipped, "
            f"{report.failed} failed, {report.retried} retries, {report.queued_left} still "
            f"queued; {report.pages_per_second:.1f} pages/s over {report.seconds:.1f} s"
        )
    print_ingest_report(report.ingest, quiet)
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


def terminal_snippet(snippet: str) -> str:
    """A snippet's HTML as terminal text: marked words in bold, control characters escaped
    (a document's own escape sequences must not drive the terminal)."""
    parts = re.split(r"<mark[^>]*>(.*?)</mark>", snippet)
    shown = []
    for n, part in enumerate(parts):
        text = printable(html.unescape(re.sub(r"<[^>]+>", "", part)))
        shown.append(click.style(text, bold=True) if n % 2 else text)
    return "".join(shown)


def print_response(response: SearchResponse) -> None:
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
        click.echo(f"   {terminal_snippet(hit.snippet)}")
    for facet in response.facets:
        if facet.values:
            values = ", ".join(f"{printable(v.value)} ({v.count})" for v in facet.values[:8])
            click.echo(f"\n{facet.name}: {values}")


def print_comparison(comparison: Comparison) -> None:
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
    for number in comparison.numbers:
        click.echo(
            f"  A{number.a_sentence + 1} / B{number.b_sentence + 1}: "
            f"{', '.join(number.only_a) or '-'} -> {', '.join(number.only_b) or '-'}"
        )
    counts = comparison.counts()
    click.echo(
        f"\nSentences: {counts['sentences_aligned']} aligned, {counts['sentences_only_a']} "
        f"only in A, {counts['sentences_only_b']} only in B"
    )


def print_crawl_stats(crawl: dict[str, Any]) -> None:
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


def print_stats(data: dict[str, Any]) -> None:
    store_stats, index_stats = data["store"], data["index"]
    click.echo(f"home:      {data['home']}")
    earliest, latest = store_stats["earliest"], store_stats["latest"]
    if not store_stats["documents"]:
        dated = ""
    elif earliest and latest:
        dated = f", dated {earliest} .. {latest}" if earliest != latest else f", dated {earliest}"
    else:
        dated = ", no publication dates"
    click.echo(
        f"store:     {store_stats['documents']} documents "
        f"({store_stats['size_bytes'] / 1e6:.1f} MB){dated}"
    )
    if store_stats.get("note"):
        click.echo(f"           note: {store_stats['note']}")
    if store_stats["unindexed"]:
        click.echo(
            f"           {store_stats['unindexed']} not yet indexed: run `docsift ingest` "
            "or `docsift reindex`"
        )
    click.echo(f"index:     {IndexStats(**index_stats).describe()}")
    if "crawl" in data:
        print_crawl_stats(data["crawl"])

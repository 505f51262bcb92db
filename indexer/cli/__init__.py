"""The `docsift` command line, by job: the group and its options (group), exit statuses
(status), commands that write (write, names), that read (read), serve, cluster, and how
results print (output); `main` turns errors into messages and exit statuses.

The CLI is the composition root of the write side and one of the two edges where errors become
exit statuses (the web app is the other). Library code raises; only this package prints.
"""

from __future__ import annotations

import sys

import click

from indexer.cli import cluster, export, names, read, remove, serve, write
from indexer.cli.group import cli
from indexer.cli.status import ExitStatus
from search.diskfull import is_disk_full
from search.errors import DocsiftError, IndexBusy, QueryError
from search.safetext import printable

__all__ = ["ExitStatus", "cli", "main"]

for command in (
    write.ingest,
    write.reindex,
    write.crawl,
    remove.delete,
    read.check,
    names.aliases,
    read.entities,
    read.search,
    export.export,
    read.compare_cmd,
    serve.serve,
    read.stats,
    cluster.cluster,
):
    cli.add_command(command)


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
        return ExitStatus.INTERRUPTED
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

"""`docsift serve`: the web UI and JSON API on a local port."""

from __future__ import annotations

import ipaddress
import os
import sys
from collections.abc import Callable
from typing import Any

import click

from indexer.cli.group import settings_of
from search.errors import DocsiftError


def is_loopback_host(host: str) -> bool:
    """Whether binding `host` keeps the server to this machine: a loopback address or
    "localhost". Other names are not resolved; they count as public."""
    name = host.strip().strip("[]")
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return name.lower().rstrip(".") == "localhost"


@click.command()
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
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Server processes (gunicorn workers), each answering with its own threads. "
    "[default: the number of cores]",
)
@click.option(
    "--dev",
    is_flag=True,
    help="Werkzeug's one-process development server instead of gunicorn.",
)
@click.pass_context
def serve(
    ctx: click.Context,
    host: str,
    port: int,
    public: bool,
    allowed_hosts: tuple[str, ...],
    workers: int | None,
    dev: bool,
) -> None:
    """Serve the web UI and JSON API (on 127.0.0.1 unless --public).

    Production by default: gunicorn with --workers processes; --dev runs Werkzeug's server.
    """
    from web import create_app  # only here: the write side does not depend on Flask

    if not public and not is_loopback_host(host):
        raise click.BadParameter(
            f"{host} is not a loopback address, so other machines could reach docsift. "
            "Pass --public to allow that (and set DOCSIFT_TOKEN to require a token).",
            param_hint="'--host'",
        )
    settings = settings_of(ctx)

    def make_app() -> Any:  # a Flask app (the write side does not import Flask)
        return create_app(settings, bound_host=host, allowed_hosts=allowed_hosts)

    if dev:
        serve_dev(ctx, make_app, host, port, public)
        return
    from web.production import listen, run_production

    make_app()  # a bad setting fails here, once, rather than in every worker
    try:
        sock = listen(host, port)
    except OSError as exc:
        raise DocsiftError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    workers = workers or default_workers()
    announce(ctx, host, sock.getsockname()[1], public, f"{workers} workers")
    # gunicorn owns the socket from here (its workers exit through this frame too: no cleanup)
    run_production(make_app, sock, workers=workers)


def default_workers() -> int:
    """One worker per core this process may run on (all cores where that is not known)."""
    if hasattr(os, "sched_getaffinity"):  # Linux: honours taskset and container CPU sets
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def announce(ctx: click.Context, host: str, port: int, public: bool, how: str) -> None:
    """The URL on stdout's first line (tests and scripts read it), warnings on stderr."""
    settings = settings_of(ctx)
    shown_host = f"[{host}]" if ":" in host else host
    click.echo(f"http://{shown_host}:{port}/", nl=True)
    sys.stdout.flush()
    if public and not settings.token:
        click.echo(
            "warning: --public and no DOCSIFT_TOKEN: there is no authentication; anyone who "
            f"can reach {shown_host}:{port} can read every document",
            err=True,
        )
    elif public:
        click.echo(
            "warning: --public: every request needs the DOCSIFT_TOKEN token, which plain HTTP "
            "sends in clear text; put a TLS proxy in front for untrusted networks",
            err=True,
        )
    if not ctx.meta["quiet"]:
        click.echo(f"serving {settings.home} ({how}) - press Ctrl-C to stop", err=True)


def serve_dev(
    ctx: click.Context, make_app: Callable[[], Any], host: str, port: int, public: bool
) -> None:
    """Werkzeug's threaded server in this process (`--dev`)."""
    from web.server import make_docsift_server
    from web.warmup import GenerationWatcher

    app = make_app()
    try:
        server = make_docsift_server(host, port, app)
    except OSError as exc:
        raise DocsiftError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    announce(ctx, host, server.server_port, public, "--dev: one process")
    watcher = GenerationWatcher(app.extensions["docsift"])
    watcher.start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        watcher.stop()
        server.server_close()

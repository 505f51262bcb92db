"""`docsift serve`: the web UI and JSON API on a local port."""

from __future__ import annotations

import ipaddress
import sys

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
    settings = settings_of(ctx)
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

"""`docsift cluster`: a local Typesense cluster for trials and tests."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import click

from indexer.cli.group import settings_of
from indexer.cli.status import ExitStatus
from search.typesense.cluster import LocalCluster


@click.group()
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
    settings = settings_of(ctx)
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

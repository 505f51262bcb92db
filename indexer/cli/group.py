"""The `docsift` group: global options, logging, and the settings every command reads."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from search.documents import ENTITY_LABELS
from search.settings import Settings, load_settings

# the --label option of the name commands
LABELS = click.Choice(list(ENTITY_LABELS))


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


def settings_of(ctx: click.Context) -> Settings:
    settings = ctx.find_object(Settings)
    assert settings is not None
    return settings

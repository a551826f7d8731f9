"""The `webgis` console command: Flask's CLI (so `webgis db upgrade` works), the local
PostGIS and the dataset check. The commands that need the app live in `webgis.commands`
(registered on `app.cli` by `create_app`), so the factory never imports this module and
this module's import of the factory makes no cycle."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import FlaskGroup

from webgis import create_app, localdb
from webgis.cli_options import analysis_options, analysis_request
from webgis.commands import analyze_command, load_data, print_invalid, register, users_group

__all__ = ["analysis_options", "analysis_request", "analyze_command", "load_data", "main",
           "register", "users_group"]


@click.group(cls=FlaskGroup, create_app=create_app)
def main() -> None:
    """Gansu river emergency GIS."""


# --- local PostGIS -------------------------------------------------------------------------


@main.group("localdb", cls=click.Group)
def localdb_group() -> None:
    """A project-local PostgreSQL + PostGIS under var/pg (no Docker)."""


def _localdb(action):
    try:
        return action()
    except localdb.LocalDbError as exc:
        raise click.ClickException(str(exc)) from None


@localdb_group.command("start")
def localdb_start() -> None:
    """Create on first use and start; safe to run again."""
    c = _localdb(localdb.start)
    click.echo(f"PostgreSQL + PostGIS running: {c.datadir} on 127.0.0.1:{c.port}")


@localdb_group.command("stop")
def localdb_stop() -> None:
    """Stop the local cluster if it runs."""
    was = _localdb(localdb.stop)
    click.echo("stopped" if was else "was not running")


@localdb_group.command("status")
def localdb_status() -> None:
    """Say whether the local cluster exists and runs."""
    click.echo(_localdb(localdb.status))

# --- data ----------------------------------------------------------------------------------


@main.command("check-data", with_appcontext=False)
@click.argument("directory", required=False, type=click.Path(path_type=Path))
def check_data(directory: Path | None) -> None:
    """Check DIRECTORY (default data/): schema, references, network topology, linear refs."""
    from webgis.config import PROJECT_ROOT
    from webgis.services.loading import DatasetInvalid, check_data

    root = directory or PROJECT_ROOT / "data"
    try:
        problems, summary = check_data(root)
    except DatasetInvalid as exc:
        print_invalid(exc)
        sys.exit(1)
    for line in summary:
        click.echo(line)
    if problems:
        click.echo(f"{len(problems)} problem(s):", err=True)
        for p in problems:
            click.echo(f"  {p}", err=True)
        sys.exit(1)
    click.echo("check-data: OK")

"""`webgis scenarios refresh-paths`: compute the kept path of every saved scenario that has
none or a stale one (issue 17: `ogc.scenario_paths`). Needed once after the migration that
adds `scenario_path` (the analysis needs the app, not just SQL), and after a dataset load
if GIS clients should see paths on the new data before each scenario is next run.

    webgis scenarios refresh-paths          # missing and stale ones
    webgis scenarios refresh-paths --all    # every scenario
"""

from __future__ import annotations

import sys

import click
import orjson
from flask.cli import AppGroup

from webgis.edge import current_settings
from webgis.services import scenarios


@click.group("scenarios", cls=AppGroup)
def scenarios_group() -> None:
    """The scenario library (issue 15): keep the saved scenarios' paths current."""


@scenarios_group.command("refresh-paths")
@click.option("--all", "everything", is_flag=True,
              help="Recompute every scenario's path, not only missing and stale ones.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def refresh_paths_command(everything: bool, as_json: bool) -> None:
    """Compute the paths of the scenarios that have none, or one from another dataset
    version; exit status 1 if any scenario's analysis failed (each is named)."""
    report = scenarios.refresh_paths(current_settings(), everything)
    if as_json:
        click.echo(orjson.dumps(report).decode())
    else:
        click.echo(f"{len(report['refreshed'])} scenario path(s) computed on dataset "
                   f"version {report['dataset_version']}")
        for failure in report["failed"]:
            click.echo(f"scenario {failure['id']}: {failure['error']}", err=True)
    if report["failed"]:
        sys.exit(1)

"""`webgis drill play <id>`: play a drill's injects at their times from the command line
(no daemon: it ticks every `--every` seconds until every inject is played).

    webgis drill play 3              # loop until the script is done
    webgis drill play 3 --once       # one tick (e.g. from cron)
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime

import click
import orjson
from flask import current_app
from flask.cli import AppGroup

from webgis.config import Settings
from webgis.errors import WebgisError
from webgis.services import drills


@click.group("drill", cls=AppGroup)
def drill_group() -> None:
    """Drills (issue 15): play the injects of a drill."""


@drill_group.command("play")
@click.argument("drill_id", type=int)
@click.option("--once", is_flag=True, help="One tick, then stop.")
@click.option("--every", type=click.FloatRange(0.1, 3600), default=5.0, show_default=True,
              help="Seconds between ticks.")
def play_command(drill_id: int, once: bool, every: float) -> None:
    """Play DRILL_ID's injects whose drill time has come; repeat until all are played."""
    settings = Settings.from_mapping(current_app.config)
    while True:
        try:
            out = drills.play_due(drill_id, datetime.now(UTC), settings)
        except WebgisError as err:
            click.echo(orjson.dumps(err.to_dict()).decode(), err=True)
            sys.exit(1)
        d = out["drill"]
        for no in out["played"]:
            inj = d["injects"][no]
            click.echo(f"T+{inj['at_h']:g} h #{no} {inj['kind']}"
                       + (f" — error: {inj['error']}" if inj.get("error") else " played"))
        left = sum(1 for i in d["injects"] if not i["played_at"])
        if once or not left or d["status"] == "ended":
            click.echo(f"drill {drill_id}: T+{d['drill_now_h']:.2f} h, {left} inject(s) left")
            return
        time.sleep(every)

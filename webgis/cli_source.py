"""`webgis source-search` (issue 16, item 2): the service of ``POST /api/v1/source-search``."""

from __future__ import annotations

import json
import sys

import click
from flask.cli import with_appcontext

from webgis.edge import current_settings


@click.command("source-search")
@click.option("--section", help="Monitoring section code of the alarm.")
@click.option("--lon", type=float, help="Alarm point longitude (instead of a section).")
@click.option("--lat", type=float, help="Alarm point latitude.")
@click.option("--at", "sampled_at", required=True, help="Time of the reading (ISO 8601).")
@click.option("--pollutant", required=True, help="Pollutant code.")
@click.option("--value", type=float, required=True, help="Measured concentration.")
@click.option("--unit", default="mg/L", show_default=True, help="mg/L or µg/L.")
@click.option("--season", type=click.Choice(["dry", "normal", "flood"]), default="normal",
              show_default=True)
@click.option("--horizon-h", type=float, help="How far back a release may lie (h).")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON answer.")
@with_appcontext
def source_search_command(as_json: bool, **options: object) -> None:
    """The enterprises upstream that could have caused an alarm, most plausible first."""
    from webgis.errors import WebgisError
    from webgis.services.source_search import search_sources

    try:
        out = search_sources({k: v for k, v in options.items() if v is not None},
                             current_settings())
    except WebgisError as exc:
        click.echo(json.dumps(exc.to_dict(), ensure_ascii=False), err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False))
        return
    a = out["alarm"]
    click.echo(f"Alarm {a['pollutant']} {a['conc_mgl']:.4g} mg/L at "
               f"{a['section'] or a['reach_code']} {a['sampled_at']}: "
               f"{len(out['candidates'])} candidates ({out['case']} case)")
    for n in out["notes"]:
        click.echo(f"  - {n['en']}")
    for c in out["candidates"]:
        mass = "-" if c["mass_kg"] is None else f"{c['mass_kg'] / 1000:.3g} t"
        click.echo(f"{c['rank']:3d}. {c['code']} {c['name']} {c['distance_km']:.1f} km, "
                   f"stores {c['stores']} ({c['max_t']:.3g} t), needs {mass}, release "
                   f"{c['release_earliest']} … {c['release_latest']}")
        for r in c["reasons"]:
            click.echo(f"       {r['en']}")

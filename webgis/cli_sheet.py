"""`webgis sheet`: write a field response sheet (PDF, ZIP or one data file) to a file.

`webgis sheet --incident 7 --out sheet.pdf` for a saved incident, or the spill options of
`webgis analyze` for a scenario (`webgis sheet --lon 105.27 --lat 33.89 --pollutant
ANTIMONY --mass-kg 5000 --out taishi.zip`). The format comes from `--format` or the suffix.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask.cli import with_appcontext

from webgis.cli_options import analysis_options, analysis_request
from webgis.edge import current_settings
from webgis.services.sheet import FORMATS

SPILL_OPTIONS = ("lon", "lat", "pollutant", "mass_kg")


def _format_of(out: Path, fmt: str | None) -> str:
    if fmt:
        return fmt
    suffix = out.suffix.lower().lstrip(".")
    if suffix == "json":
        suffix = "geojson"
    if suffix not in FORMATS:
        raise click.UsageError(f"cannot tell the format from {out.name!r}; use --format "
                               f"({'|'.join(FORMATS)})")
    return suffix


@click.command("sheet")
@click.option("--incident", "incident_id", type=int, default=None,
              help="A saved incident's id (else the spill options below make a scenario).")
@analysis_options
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The file to write.")
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default=None,
              help="pdf, zip, geojson, kml, gpx or xlsx (default: from the --out suffix).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--officer", default="", help="Issuing officer printed on a scenario's sheet.")
@click.option("--title", default="", help="Title of a scenario's sheet.")
@click.option("--base-url", default=None,
              help="Web app URL for the QR code and link (default: PUBLIC_URL or "
                   "http://127.0.0.1:5000).")
@with_appcontext
def sheet_command(incident_id: int | None, out: Path, fmt: str | None, lang: str, officer: str,
                  title: str, base_url: str | None, **spill) -> None:
    """Write the response sheet of an incident or a scenario to OUT."""
    import json

    from webgis.errors import WebgisError
    from webgis.services import sheet

    fmt = _format_of(out, fmt)
    settings = current_settings()
    base = base_url or settings.public_url or "http://127.0.0.1:5000"
    given = [k for k in SPILL_OPTIONS if spill.get(k) is not None]
    t0 = time.perf_counter()
    try:
        if incident_id is not None:
            if given:
                raise click.UsageError("give --incident or the spill options, not both")
            rendered = sheet.incident_sheet(incident_id, fmt, lang=lang, base_url=base)
        else:
            missing = [f"--{k.replace('_', '-')}" for k in SPILL_OPTIONS if k not in given
                       and not (k == "mass_kg" and spill.get("rate_series"))]
            if missing:
                raise click.UsageError(f"give --incident ID, or a scenario: missing "
                                       f"{', '.join(missing)}")
            rendered = sheet.scenario_sheet(analysis_request(**spill), fmt, lang=lang,
                                            base_url=base, officer=officer, title=title,
                                            settings=settings)
    except WebgisError as exc:
        click.echo(json.dumps(exc.to_dict(), ensure_ascii=False), err=True)
        sys.exit(2)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(rendered.data)
    click.echo(f"wrote {out} ({fmt}, {len(rendered.data) / 1024:.0f} KiB, "
               f"{time.perf_counter() - t0:.2f} s)")


# The spill options are required by `webgis analyze`; here they are an alternative to
# --incident, checked in the command.
for _param in sheet_command.params:
    if _param.name in SPILL_OPTIONS:
        _param.required = False

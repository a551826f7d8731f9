"""The spill options of `webgis analyze`, shared by the commands built on it (`webgis sheet`),
and the API request body they make: both paths give the same result."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def analysis_options(command: F) -> F:
    """The spill options shared by `webgis analyze` and the commands built on it."""
    options = [
        click.option("--lon", type=float, required=True, help="Longitude of the spill."),
        click.option("--lat", type=float, required=True, help="Latitude of the spill."),
        click.option("--pollutant", required=True, help="Pollutant code (see /api/v1/pollutants)."),
        click.option("--mass-kg", type=float, default=None,
                     help="Released mass (kg); with --rate-series optional (its integral)."),
        click.option("--duration-h", type=float, default=0.0, show_default=True,
                     help="Release duration (h); 0 = instantaneous."),
        click.option("--rate-series", default=None, callback=_rate_series,
                     help='The release as a rate series "t_h:kg_per_h,...", e.g. '
                          '"0:500,4:0" (the rate from each hour to the next; the last 0).'),
        click.option("--flow-reach", default=None,
                     help="Reach code of today's discharge (--flow-m3s)."),
        click.option("--flow-station", default=None,
                     help="Monitoring section (gauge) code of today's discharge (--flow-m3s)."),
        click.option("--flow-m3s", type=float, default=None,
                     help="Today's discharge (m³/s) at --flow-reach or --flow-station: it "
                          "replaces the season's along the path."),
        click.option("--season", type=click.Choice(["dry", "normal", "flood"]), default="normal",
                     show_default=True),
        click.option("--horizon-h", type=float, default=72.0, show_default=True,
                     help="How far ahead to follow the plume (h)."),
        click.option("--started-at", default=None, help="ISO-8601 start time (default: now)."),
        click.option("--discovered-at", default=None,
                     help="ISO-8601 time the spill was discovered; the reporting clock runs "
                          "from it (default: now, or the start if later)."),
        click.option("--deaths", type=int, default=None, help="Deaths so far (grading)."),
        click.option("--poisoned", type=int, default=None,
                     help="Poisoned or seriously injured (grading)."),
        click.option("--evacuated", type=int, default=None,
                     help="People evacuated or relocated (grading)."),
        click.option("--loss-cny", type=float, default=None,
                     help="Direct economic loss in CNY (grading)."),
        click.option("--sensitive-groups", is_flag=True, default=False,
                     help="Residential areas, schools or hospitals affected (Art. 4 (2)): "
                          "report as II/I."),
        click.option("--mass-incident", is_flag=True, default=False,
                     help="Mass incident or large social impact (Art. 4 (5)): report as II/I."),
        click.option("--ecology", type=click.Choice(
                         ["function_lost", "function_partly_lost", "species_damaged"]),
                     default=None, help="Ecological damage (2014 plan, ecology row: I, II, III)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _rate_series(_ctx: click.Context, _param: click.Parameter, value: str | None
                 ) -> list[list[float]] | None:
    """``"0:500,4:0"`` → ``[[0, 500], [4, 0]]`` (the API checks the series itself)."""
    if value is None:
        return None
    rows = []
    for part in value.split(","):
        t, sep, r = part.partition(":")
        try:
            if not sep:
                raise ValueError(part)
            rows.append([float(t), float(r)])
        except ValueError:
            raise click.BadParameter(f"{part.strip()!r} is not hours:kg_per_h") from None
    return rows


def analysis_request(lon: float, lat: float, pollutant: str, mass_kg: float | None,
                     duration_h: float, season: str, horizon_h: float,
                     started_at: str | None, discovered_at: str | None = None,
                     deaths: int | None = None, poisoned: int | None = None,
                     evacuated: int | None = None, loss_cny: float | None = None,
                     sensitive_groups: bool = False, mass_incident: bool = False,
                     ecology: str | None = None, rate_series: list[list[float]] | None = None,
                     flow_reach: str | None = None, flow_station: str | None = None,
                     flow_m3s: float | None = None) -> dict[str, Any]:
    """The API request body for the CLI options: both paths give the same result."""
    release: dict[str, Any] = {"duration_h": duration_h}
    if mass_kg is not None:
        release["mass_kg"] = mass_kg
    if rate_series is not None:
        release["rate_series"] = rate_series
    body: dict[str, Any] = {"location": {"lon": lon, "lat": lat}, "pollutant": pollutant,
            "release": release, "season": season, "horizon_h": horizon_h}
    if flow_reach is not None or flow_station is not None or flow_m3s is not None:
        body["flow_today"] = {k: v for k, v in (("reach_code", flow_reach),
                                                ("station_code", flow_station),
                                                ("discharge_m3s", flow_m3s)) if v is not None}
    if started_at:
        body["started_at"] = started_at
    if discovered_at:
        body["discovered_at"] = discovered_at
    if deaths is not None or poisoned is not None:
        body["casualties"] = {"deaths": deaths or 0, "poisoned": poisoned or 0}
    for key, value in (("evacuated", evacuated), ("loss_cny", loss_cny), ("ecology", ecology)):
        if value is not None:
            body[key] = value
    if sensitive_groups:
        body["sensitive_groups"] = True
    if mass_incident:
        body["mass_incident"] = True
    return body

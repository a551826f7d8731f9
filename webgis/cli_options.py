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
        click.option("--mass-kg", type=float, required=True, help="Released mass (kg)."),
        click.option("--duration-h", type=float, default=0.0, show_default=True,
                     help="Release duration (h); 0 = instantaneous."),
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


def analysis_request(lon: float, lat: float, pollutant: str, mass_kg: float,
                     duration_h: float, season: str, horizon_h: float,
                     started_at: str | None, discovered_at: str | None = None,
                     deaths: int | None = None, poisoned: int | None = None,
                     evacuated: int | None = None, loss_cny: float | None = None,
                     sensitive_groups: bool = False, mass_incident: bool = False,
                     ecology: str | None = None) -> dict[str, Any]:
    """The API request body for the CLI options: both paths give the same result."""
    body: dict[str, Any] = {"location": {"lon": lon, "lat": lat}, "pollutant": pollutant,
            "release": {"mass_kg": mass_kg, "duration_h": duration_h},
            "season": season, "horizon_h": horizon_h}
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

"""Request models of every API endpoint (pydantic v2): bodies, query strings, path values.

Each model is the one place its input is validated; a handler calls
`webgis.contract.errors.parse` (or `webgis.api.params`) and gets the typed value or a 422
naming the field. The same models make the OpenAPI document (`webgis.contract.openapi`).

Numbers are strict where JSON carries them (no text, no ``true`` for a number; a whole
number may be written ``3.0``); query values arrive as text and are parsed.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Strict,
    StringConstraints,
    Tag,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

from webgis.hydro.analysis import MAX_MASS_KG
from webgis.hydro.errors import HydroError
from webgis.hydro.rate_series import MAX_POINTS, series_mass_kg
from webgis.response.level import ECOLOGY

#: Instants the model and the database can work with: a spill's clock runs up to a
#: horizon of days past its start, so the far edges of `datetime` cannot be used.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
MAX_HORIZON_H = 1440.0
MAX_TITLE = 200
SEASONS = ("dry", "normal", "flood")  # webgis.hydro.hydraulics.SEASONS (a test checks)
Season = Literal["dry", "normal", "flood"]
Ecology = Literal["function_lost", "function_partly_lost", "species_damaged", "none", ""]
IncidentKind = Literal["incident", "drill"]  # webgis.models.incident.INCIDENT_KINDS
SheetFormat = Literal["pdf", "zip", "geojson", "kml", "gpx", "xlsx"]  # webgis.exports.FORMATS
DataFormat = Literal["geojson", "kml", "gpx", "xlsx"]
Lang = Literal["zh", "en"]
_CONTROL = re.compile("[\x00-\x1f\x7f]")


def _whole(value: Any) -> Any:
    """``3.0`` counts as 3 (JSON writers often send whole numbers as floats)."""
    if type(value) is float and value.is_integer() and abs(value) < 2**63:
        return int(value)
    return value


def _instant(value: Any) -> Any:
    """An ISO-8601 date-time from 1900 to 2200, UTC when it has no offset."""
    parsed = None
    if isinstance(value, str) and len(value) <= 64:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
    if parsed is None:
        raise PydanticCustomError("instant", "must be an ISO-8601 date-time")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        in_range = EARLIEST <= parsed < LATEST
    except OverflowError:  # an offset pushing year 1 or 9999 out of range
        in_range = False
    if not in_range:
        raise PydanticCustomError("instant_range", "must be between {earliest} and {latest}",
                                  {"earliest": EARLIEST.year, "latest": LATEST.year})
    return parsed


def _no_blank(value: Any) -> Any:
    return None if value == "" else value


def _casualties_form(value: Any) -> str:
    """``{"deaths", "poisoned"}`` or a number of deaths (so an error names only one form)."""
    return "split" if isinstance(value, dict | Casualties) else "count"


Number = Annotated[float, Strict(), Field(allow_inf_nan=False)]
# a whole number of people (bounds inside, so the document shows minimum/maximum)
Count = Annotated[int, Strict(), Field(ge=0, le=1_000_000), BeforeValidator(_whole)]
Evacuated = Annotated[int, Strict(), Field(ge=0, le=100_000_000), BeforeValidator(_whole)]
Instant = Annotated[datetime, BeforeValidator(_instant),
                    WithJsonSchema({"type": "string", "format": "date-time", "maxLength": 64})]


class Location(BaseModel):
    """Where the spill is (WGS 84 degrees); it is snapped to the nearest reach."""

    lon: Annotated[Number, Field(ge=-180, le=180)]
    lat: Annotated[Number, Field(ge=-90, le=90)]


#: one row of a rate series: [hours since the start, kg/h from then to the next row]
RateRow = tuple[Annotated[Number, Field(ge=0, le=8760)],
                Annotated[Number, Field(ge=0, le=MAX_MASS_KG)]]


def _series_checked(value: list[tuple[float, float]] | None) -> list[tuple[float, float]] | None:
    """Times from 0, strictly increasing; the last rate 0; some mass (the row is named)."""
    if value is None:
        return None
    try:
        series_mass_kg(value)
    except HydroError as exc:
        raise PydanticCustomError("rate_series", "{reason} ({where})",
                                  {"reason": exc.message,
                                   "where": ", ".join(exc.fields)}) from None
    return value


class Release(BaseModel):
    """How much is released and over how long (0 h: at once); or a rate series
    ``[[t_h, kg/h], ...]``: the rate from each time to the next, times from 0 strictly
    increasing, rates ≥ 0, the last 0 (the release ends). With a series ``mass_kg`` may be
    left out (it is the series' integral; if given it must be that) and ``duration_h`` is
    its last time (0 or that)."""

    rate_series: Annotated[list[RateRow] | None, Field(min_length=2, max_length=MAX_POINTS)
                           ] = None
    mass_kg: Annotated[Number, Field(gt=0, le=MAX_MASS_KG)] | None = Field(
        None, validate_default=True)
    duration_h: Annotated[Number, Field(ge=0, le=8760)] = Field(0.0, validate_default=True)

    @field_validator("rate_series")
    @classmethod
    def _series(cls, value: list[tuple[float, float]] | None) -> list[tuple[float, float]] | None:
        return _series_checked(value)

    @field_validator("mass_kg", mode="after")
    @classmethod
    def _mass(cls, value: float | None, info: ValidationInfo) -> float | None:
        if "rate_series" not in info.data:  # the series itself is wrong: said there
            return value
        series = info.data["rate_series"]
        if series is None:
            if value is None:
                raise PydanticCustomError("missing", "Field required")
            return value
        mass = series_mass_kg(series)
        if value is not None and not math.isclose(value, mass, rel_tol=1e-6):
            raise PydanticCustomError(
                "series_mass", "must be the rate series' integral, {mass} kg (or left out)",
                {"mass": round(mass, 6)})
        if mass > MAX_MASS_KG:
            raise PydanticCustomError("series_mass_max", "the rate series releases more "
                                      "than {max} kg", {"max": MAX_MASS_KG})
        return mass

    @field_validator("duration_h", mode="after")
    @classmethod
    def _duration(cls, value: float, info: ValidationInfo) -> float:
        series = info.data.get("rate_series")
        if not series:
            return value
        end = float(series[-1][0])
        if value not in (0.0, end):
            raise PydanticCustomError("series_duration",
                                      "must be the rate series' last time, {end} h (or 0)",
                                      {"end": end})
        return end

    @property
    def mass(self) -> float:
        """The released mass (kg): given, or the series' integral."""
        assert self.mass_kg is not None  # the validators fill it from a series
        return self.mass_kg

    @property
    def series(self) -> tuple[tuple[float, float], ...]:
        """The rate series as the model takes it (empty: a constant rate)."""
        return tuple((float(t), float(r)) for t, r in self.rate_series or ())


class FlowToday(BaseModel):
    """A discharge measured (or estimated) today that replaces the season's along the
    spill's path: at a monitoring section (``station_code``, its reach) or on a reach
    (``reach_code``) — one of them — that lies below the spill or above it."""

    model_config = ConfigDict(extra="forbid")

    reach_code: Annotated[str, Strict(), StringConstraints(min_length=1, max_length=60)
                          ] | None = None
    station_code: Annotated[str, Strict(), StringConstraints(min_length=1, max_length=60)
                            ] | None = Field(None, validate_default=True)
    discharge_m3s: Annotated[Number, Field(gt=0, le=1e6)]

    @field_validator("station_code", mode="after")
    @classmethod
    def _one_place(cls, value: str | None, info: ValidationInfo) -> str | None:
        if "reach_code" not in info.data:  # the reach code itself is wrong: said there
            return value
        if (info.data["reach_code"] is None) == (value is None):
            raise PydanticCustomError(
                "flow_place", "give the reach_code or the station_code of the discharge "
                "(one of them)")
        return value


class Casualties(BaseModel):
    """People dead and poisoned so far (the level's casualty rows)."""

    deaths: Count = 0
    poisoned: Count = 0


class AnalysisRequest(BaseModel):
    """One spill to analyse (``POST /api/v1/incidents/analyze``, the sheets, saving).

    ``pollutant`` is a code of the pollutant catalogue (the ``pollutants`` layer); an unknown
    code is a 422 listing the valid ones. ``casualties`` is a number of deaths or
    ``{"deaths", "poisoned"}``. ``discovered_at`` (default: now, or the start if later) must
    not precede ``started_at`` nor lie more than 24 h ahead.
    """

    location: Location
    pollutant: Annotated[str, Strict(), StringConstraints(max_length=60)]
    release: Release
    season: Season = "normal"
    horizon_h: Annotated[Number, Field(gt=0, le=MAX_HORIZON_H)] = 72.0
    flow_today: FlowToday | None = None
    started_at: Instant | None = None
    discovered_at: Instant | None = None
    casualties: Annotated[
        Annotated[Casualties, Tag("split")]
        | Annotated[Count, Tag("count")],
        Discriminator(_casualties_form)] = 0
    evacuated: Evacuated = 0
    loss_cny: Annotated[Number, Field(ge=0, le=1e13)] = 0.0
    sensitive_groups: Annotated[bool, Strict()] = False  # Art. 4 (2) of the 2011 measures
    mass_incident: Annotated[bool, Strict()] = False  # Art. 4 (5)
    ecology: Ecology | None = None  # a key of response.level.ECOLOGY (2014 plan)

    @property
    def deaths(self) -> int:
        c = self.casualties
        return c.deaths if isinstance(c, Casualties) else c

    @property
    def poisoned(self) -> int:
        c = self.casualties
        return c.poisoned if isinstance(c, Casualties) else 0

    @property
    def ecology_key(self) -> str | None:
        """The ECOLOGY key, None for none."""
        return self.ecology if self.ecology in ECOLOGY else None


def _clean_title(value: Any) -> Any:
    if isinstance(value, str) and _CONTROL.search(value):
        raise PydanticCustomError("control_characters", "must not contain control characters")
    return value


class SaveIncident(BaseModel):
    """``POST /api/v1/incidents``: the analysis request to run and store, a title (default:
    river and pollutant) and whether it is a real incident or a drill."""

    request: AnalysisRequest
    title: Annotated[Annotated[str, Strict(), Field(max_length=MAX_TITLE)] | None,
                     BeforeValidator(_clean_title)] = None
    kind: IncidentKind = "incident"
    #: The page's key of this save (a random string made when the analysis was shown): the
    #: same key saved again by the same user returns the first incident, not a duplicate.
    client_key: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{8,64}$")
                          ] | None = None

    @field_validator("title")
    @classmethod
    def _strip(cls, value: str | None) -> str | None:
        return value.strip() or None if value else None


# --- query strings and path values -----------------------------------------------------------


class IncidentListQuery(BaseModel):
    """``GET /api/v1/incidents``: how many, most recent first, real incidents or drills
    (never both in one list)."""

    limit: Annotated[int, Field(ge=1, le=100)] = 20
    kind: IncidentKind = "incident"


class EventsQuery(BaseModel):
    """``GET /api/v1/incidents/<id>/events``: the events after sequence number ``after``
    (0: all of them)."""

    after: Annotated[int, Field(ge=0, le=2_000_000_000)] = 0


def _parse_bbox(value: Any) -> Any:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise PydanticCustomError("bbox_format", "must be four numbers")
    try:
        box = tuple(float(p) for p in value.split(","))
    except ValueError:
        box = ()
    if len(box) != 4 or not all(math.isfinite(v) for v in box):
        raise PydanticCustomError("bbox_format", "must be four numbers")
    minx, miny, maxx, maxy = box
    if not (-180 <= minx < maxx <= 180 and -90 <= miny < maxy <= 90):
        raise PydanticCustomError("bbox_range", "out of range or empty")
    return box


Bbox = tuple[float, float, float, float]


class LayerQuery(BaseModel):
    """``GET /api/v1/<layer>``: ``bbox=minlon,minlat,maxlon,maxlat`` filters; ``zoom`` (0–22)
    simplifies the geometry for that web-map scale (none from 14 on)."""

    bbox: Annotated[Bbox | None, BeforeValidator(_parse_bbox),
                    WithJsonSchema({"type": "string",
                                    "description": "minlon,minlat,maxlon,maxlat (degrees)"})
                    ] = None
    zoom: Annotated[Annotated[float, Field(ge=0, le=22, allow_inf_nan=False)] | None,
                    BeforeValidator(_no_blank)] = None


class ReachQuery(BaseModel):
    """``GET /api/v1/reaches/<code>``: the season of the hydraulics."""

    season: Season = "normal"


class SheetQuery(BaseModel):
    """The sheet and export routes: language (``zh`` default) and ``download`` to get the
    PDF as an attachment."""

    lang: Annotated[Lang, BeforeValidator(lambda v: v or "zh")] = "zh"
    download: str | None = None


class ScenarioSheetQuery(SheetQuery):
    """``POST /api/v1/sheets``: the format (``pdf`` default)."""

    format: SheetFormat = "pdf"


class SheetFormatPath(BaseModel):
    """``POST /api/v1/sheets.<format>``."""

    format: SheetFormat


class ExportFormatPath(BaseModel):
    """``GET /api/v1/incidents/<id>/export.<format>``: one data file."""

    format: DataFormat


class MapLayersQuery(BaseModel):
    """``GET /map/layers.json``: the zoom the bundle is simplified for (4–14)."""

    model_config = ConfigDict(extra="ignore")

    zoom: Annotated[int, Field(ge=4, le=14)] = 8


def _blank_none(value: Any) -> Any:
    return None if value == "" else value


QueryNumber = Annotated[float, Field(allow_inf_nan=False)]


class UpstreamQuery(BaseModel):
    """``GET /api/v1/upstream``: the river network above a point (``lon`` and ``lat``,
    snapped to the nearest reach) or above the downstream end of a reach (``reach``), with
    the main stem only (``mode=main``) or every tributary (``mode=all``), limited by
    ``max_km`` along the river and/or ``max_h`` of travel time for the ``season``. Travel
    times are on the safe side (``case=worst``: fastest velocity, shortest time) unless
    ``case=expected``."""

    lon: Annotated[Annotated[QueryNumber, Field(ge=-180, le=180)] | None,
                   BeforeValidator(_blank_none)] = None
    lat: Annotated[Annotated[QueryNumber, Field(ge=-90, le=90)] | None,
                   BeforeValidator(_blank_none)] = None
    reach: Annotated[Annotated[str, StringConstraints(min_length=1, max_length=60)] | None,
                     BeforeValidator(_blank_none)] = None
    mode: Literal["main", "all"] = "all"
    max_km: Annotated[Annotated[QueryNumber, Field(gt=0, le=10_000)] | None,
                      BeforeValidator(_blank_none)] = None
    max_h: Annotated[Annotated[QueryNumber, Field(gt=0, le=MAX_HORIZON_H)] | None,
                     BeforeValidator(_blank_none)] = None
    season: Season = "normal"
    case: Literal["worst", "expected"] = "worst"

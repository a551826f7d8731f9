"""Response models of the API (pydantic v2), for the OpenAPI document and its tests.

The handlers serialise plain dicts (built by the services); these models describe them.
GeoJSON geometries and a feature's properties vary by layer, so they are open objects.
The analysis result is `webgis.contract.result.AnalysisResult` (a TypedDict checked by
pydantic), wrapped as a root model for the document.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from webgis.contract.result import AnalysisResult


class ErrorBody(BaseModel):
    """Every error: a user-safe message (Chinese in Chinese mode) and the offending fields
    by dotted name (``location.lon``), each with the value received or why it is wrong.
    Some errors add keys (``valid``: the known values; ``nearest_river_code``, ...)."""

    model_config = ConfigDict(extra="allow")

    error: str
    fields: dict[str, Any]


class Feature(BaseModel):
    """A GeoJSON feature (``properties.code`` is the feature's code)."""

    model_config = ConfigDict(extra="allow")

    type: Literal["Feature"]
    geometry: dict[str, Any] | None
    properties: dict[str, Any]


class FeatureCollection(BaseModel):
    """A GeoJSON FeatureCollection of one layer."""

    model_config = ConfigDict(extra="allow")

    type: Literal["FeatureCollection"]
    features: list[Feature]


class ReachHydraulics(Feature):
    """A reach with its hydraulics for the season (also inside ``properties``)."""

    season: str
    length_m: float
    discharge_m3s: float
    velocity_mps: float
    width_m: float
    depth_m: float
    dispersion_m2s: float
    worst: dict[str, Any]


class LayerList(BaseModel):
    """The layer names ``GET /api/v1/<layer>`` serves."""

    layers: list[str]


class Health(BaseModel):
    """Database and PostGIS versions and per-layer counts (``status: error`` with 503)."""

    model_config = ConfigDict(extra="allow")

    status: Literal["ok", "error"]
    postgresql: str | None = None
    postgis: str | None = None
    counts: dict[str, int] | None = None


class IncidentSummary(BaseModel):
    """A saved incident without its result (``created_by`` for signed-in readers only)."""

    id: int
    kind: Literal["incident", "drill"]
    title: str | None
    created_at: str | None
    created_by: str | None = None
    river_code: str | None
    pollutant_code: str | None
    level: str | None
    lon: float
    lat: float
    url: str
    sheet_url: str
    status: Literal["reported", "responding", "monitoring", "closed"]
    version: int = Field(description="send it back as ``expected_version`` with a write")
    updated_at: str | None
    existing: bool | None = Field(
        default=None, description="true: this client_key was saved before; no new incident")


class IncidentList(BaseModel):
    """The most recent incidents first."""

    incidents: list[IncidentSummary]


class AnalysisResultJson(RootModel[AnalysisResult]):
    """The analysis result (`webgis.contract.result.AnalysisResult`; its JSON Schema is
    published in docs/analysis-result.schema.json)."""


class IncidentDetail(IncidentSummary):
    """One saved incident: the request and the result as they were analysed."""

    request: dict[str, Any]
    result: dict[str, Any] = Field(description="the current forecast (latest revision)")
    facts: dict[str, Any]
    discovered_at: str | None


class IncidentEventRow(BaseModel):
    """One line of the timeline (``actor`` null for anonymous readers)."""

    seq: int
    at: str | None
    kind: str
    actor: str | None
    actor_role: str
    summary: str
    payload: dict[str, Any]


class IncidentEvents(BaseModel):
    """``GET /api/v1/incidents/<id>/events``: the events after ``after``, oldest first, and
    the incident's version now."""

    incident_id: int
    version: int
    events: list[IncidentEventRow]



class UpstreamStart(BaseModel):
    """Where the upstream network starts: the snapped point (``offset_m`` from the given
    point) or the downstream end of the given reach (``offset_m`` null)."""

    reach_code: str
    river_code: str
    river_name: str | None
    measure: float
    lon: float
    lat: float
    offset_m: float | None


class UpstreamFeature(BaseModel):
    """A feature on the upstream network (``kind``: outfall, water_source, section,
    interception) with its distance along the river and travel time to the start."""

    code: str
    kind: Literal["outfall", "water_source", "section", "interception"]
    name: str
    name_en: str | None
    reach_code: str
    river_code: str | None
    river_name: str | None
    measure: float
    lon: float
    lat: float
    distance_km: float
    travel_h: float
    via_reservoir: bool


class Note(BaseModel):
    """A note in Chinese and English."""

    zh: str
    en: str


class UpstreamResult(BaseModel):
    """``GET /api/v1/upstream``: the features nearest first, the upstream reaches as
    GeoJSON lines (``from_km``/``to_km``, ``from_h``/``to_h`` to the start in their
    properties) and the notes on the travel times (safe side by default)."""

    start: UpstreamStart
    mode: Literal["main", "all"]
    season: Literal["dry", "normal", "flood"]
    case: Literal["worst", "expected"]
    max_km: float | None
    max_h: float | None
    length_km: float
    rivers: list[str]
    features: list[UpstreamFeature]
    reaches: FeatureCollection
    notes: list[Note]

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


class IncidentList(BaseModel):
    """The most recent incidents first."""

    incidents: list[IncidentSummary]


class AnalysisResultJson(RootModel[AnalysisResult]):
    """The analysis result (`webgis.contract.result.AnalysisResult`; its JSON Schema is
    published in docs/analysis-result.schema.json)."""


class IncidentDetail(IncidentSummary):
    """One saved incident: the request and the result as they were analysed."""

    request: dict[str, Any]
    result: dict[str, Any] = Field(description="the analysis result as it was saved")

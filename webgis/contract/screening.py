"""Risk screening: the request to start a run, the job, its rankings (issue 15).

``POST /api/v1/screenings`` takes :class:`ScreeningRequest` (no ``area``: the province;
``area``: a circle or a GeoJSON polygon); unknown fields are refused, naming them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, field_validator, model_validator

Number = Annotated[float, Strict(), Field(allow_inf_nan=False)]
Season = Literal["dry", "normal", "flood"]
JobStatus = Literal["queued", "running", "done", "failed", "cancelled"]

MAX_RADIUS_KM = 300.0
MAX_POLYGON_VERTICES = 5000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Centre(_Strict):
    """An epicentre or a centre point (WGS 84 degrees)."""

    lon: Annotated[Number, Field(ge=-180, le=180)]
    lat: Annotated[Number, Field(ge=-90, le=90)]


class Area(_Strict):
    """A circle (``centre`` + ``radius_km``) or a GeoJSON ``Polygon``/``MultiPolygon``
    geometry (``polygon``), exactly one of them."""

    centre: Centre | None = None
    radius_km: Annotated[Number, Field(gt=0, le=MAX_RADIUS_KM)] | None = None
    polygon: dict[str, Any] | None = None
    name: Annotated[str, Field(max_length=200)] | None = None

    @model_validator(mode="after")
    def _one_shape(self) -> Area:
        circle = self.centre is not None or self.radius_km is not None
        if circle and self.polygon is not None:
            raise ValueError("give either centre and radius_km or polygon, not both")
        if self.polygon is None and (self.centre is None or self.radius_km is None):
            raise ValueError("give centre and radius_km, or polygon")
        return self


class ScreeningRequest(_Strict):
    """A screening run: every enterprise (or those in ``area``) × each substance it
    stores (``pollutants``: only these) × each of ``seasons``, as credible releases,
    followed for ``horizon_h`` hours."""

    seasons: Annotated[list[Season], Field(min_length=1, max_length=3)] = [
        "dry", "normal", "flood"]
    horizon_h: Annotated[Number, Field(gt=0, le=240)] = 72.0
    pollutants: Annotated[list[Annotated[str, Field(max_length=40)]],
                          Field(min_length=1, max_length=100)] | None = None
    area: Area | None = None

    @field_validator("seasons")
    @classmethod
    def _distinct(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("seasons must not repeat")
        return v


class JobId(_Strict):
    """A screening job's id (path value)."""

    job_id: Annotated[int, Strict(), Field(ge=1, le=2**31 - 1)]


class RankingQuery(_Strict):
    """How many rows of each ranking."""

    limit: Annotated[int, Field(ge=1, le=1000)] = 50


class ScreeningJob(BaseModel):
    """A screening run's state."""

    id: int
    kind: Literal["province", "area"]
    status: JobStatus
    progress: float
    spills_total: int
    spills_done: int
    chunks_total: int
    chunks_done: int
    created_at: str
    started_at: str | None
    finished_at: str | None
    created_by: str
    cancelled_by: str | None
    engine: str | None
    error: str | None
    failed_chunks: list[dict[str, Any]] | None
    dataset_key: str
    parameters: dict[str, Any]
    reused: bool = False
    note: str | None = None


class EnterpriseRank(BaseModel):
    rank: int
    enterprise_code: str
    enterprise_name: str
    industry: str
    spills: int
    threatened_intakes: int
    population_threatened: int
    warning_h: float | None
    max_ratio: float | None


class IntakeRank(BaseModel):
    rank: int
    code: str
    name: str
    river_code: str
    population_served: int | None
    threatening_sources: int
    threatening_spills: int
    warning_h: float | None
    max_ratio: float | None
    max_exceed_h: float | None
    # the longest exceedance still runs at the horizon: max_exceed_h is a lower bound
    exceed_beyond_horizon: bool = False
    lon: float | None
    lat: float | None


class RiverRank(BaseModel):
    rank: int
    river_code: str
    river_name: str
    threatening_sources: int
    receptors_exceeded: int
    population_threatened: int
    earliest_h: float | None


class Rankings(BaseModel):
    """A done run's rankings (threat: worst-case peak ≥ the receptor's limit)."""

    job: ScreeningJob
    enterprises: list[EnterpriseRank]
    intakes: list[IntakeRank]
    rivers: list[RiverRank]
    inside: dict[str, Any] | None = None

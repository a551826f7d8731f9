"""Source search from an alarm (issue 16, item 2): ``POST /api/v1/source-search``.

The alarm is posted like an automatic station's reading: ``section`` (a monitoring
section's code; or ``lon``/``lat``, snapped to the river), ``sampled_at``, ``pollutant``,
``value`` and ``unit`` (mg/L or µg/L); ``series`` optionally adds earlier readings at the
same place (same unit). Nothing is stored.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from webgis.contract.learning import Note
from webgis.contract.readings import MAX_CONC
from webgis.contract.requests import Instant, Season
from webgis.contract.units import ConcentrationUnit

Conc = Annotated[float, Field(ge=0, le=MAX_CONC, allow_inf_nan=False)]
MAX_SERIES = 200


class SeriesReading(BaseModel):
    """An earlier reading at the alarm's place."""

    model_config = ConfigDict(extra="forbid")

    sampled_at: Instant
    value: Conc


class SourceSearchRequest(BaseModel):
    """An alarm: where, when, what and how much."""

    model_config = ConfigDict(extra="forbid")

    section: Annotated[str, Field(min_length=1, max_length=60)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)] | None = None
    lat: Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)] | None = None
    sampled_at: Instant
    pollutant: Annotated[str, Field(min_length=1, max_length=60)]
    value: Conc
    unit: ConcentrationUnit = "mg/L"
    series: Annotated[list[SeriesReading], Field(max_length=MAX_SERIES)] = []
    season: Season = "normal"
    #: how far back (hours) a release may lie: the forward runs' horizon
    horizon_h: Annotated[float, Field(gt=0, le=240)] = 120.0


class AlarmOut(BaseModel):
    reach_code: str
    measure: float
    lon: float
    lat: float
    section: str | None
    sampled_at: str
    pollutant: str
    conc_mgl: float
    n_readings: int


class CandidateOut(BaseModel):
    """One candidate source (times ISO 8601 UTC and hours before the alarm)."""

    rank: int
    code: str
    name: str
    lon: float
    lat: float
    distance_km: float
    stores: str
    exact: bool
    max_t: float
    reaches: bool
    release_earliest: str | None
    release_latest: str | None
    release_estimate: str | None
    window_h: list[float] | None
    mass_kg: float | None
    within_stock: bool | None
    misfit: float | None
    in_window: bool | None
    reasons: list[Note]


class SourceSearchResult(BaseModel):
    """The candidates, most plausible first; an empty list comes with its reason."""

    alarm: AlarmOut
    season: str
    case: str
    method: str
    candidates: list[CandidateOut]
    notes: list[Note]

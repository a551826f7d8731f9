"""Requests and responses of calibration and ensemble (issue 16, items 3 and 4):
``POST /api/v1/calibrate`` and ``POST /api/v1/ensemble``.

The spill is an :class:`AnalysisRequest` (the same as ``/incidents/analyze``); readings
carry their unit (one of :data:`webgis.contract.units.UNITS`, converted to mg/L; any
other is a 422 naming it) and their time as an instant, placed after the spill's ``started_at``.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, Strict, StringConstraints

from webgis.contract.requests import AnalysisRequest, Instant, Number
from webgis.contract.units import ConcentrationUnit

MAX_READINGS = 500
Code = Annotated[str, Strict(), StringConstraints(min_length=1, max_length=60)]


class ReadingIn(BaseModel):
    """One measured value: at a station of the reference data (a monitoring section, an
    intake or an interception point, by code) or at a point (``lon``/``lat``, snapped)."""

    model_config = ConfigDict(extra="forbid")

    station: Code
    lon: Annotated[Number, Field(ge=-180, le=180)] | None = None
    lat: Annotated[Number, Field(ge=-90, le=90)] | None = None
    sampled_at: Instant
    value: Annotated[Number, Field(ge=0)]
    unit: ConcentrationUnit = "mg/L"
    below_detection: Annotated[bool, Strict()] = False
    detection_limit: Annotated[Number, Field(gt=0)] | None = None


class CalibrationRequest(BaseModel):
    """Readings of a spill to fit (the spill's ``started_at`` is required: readings are
    timed from it)."""

    model_config = ConfigDict(extra="forbid")

    spill: AnalysisRequest
    readings: Annotated[list[ReadingIn], Field(min_length=1, max_length=MAX_READINGS)]
    #: σ of ln(mass) of the mass prior (1: the reported mass is a rough estimate)
    mass_uncertainty: Annotated[Number, Field(gt=0, le=3)] = 1.0
    #: σ of the start prior, h
    start_uncertainty_h: Annotated[Number, Field(gt=0, le=24)] = 2.0
    #: members of the calibrated ensemble (0: no bands)
    members: Annotated[int, Strict(), Field(ge=0, le=2000)] = 200
    seed: Annotated[int, Strict(), Field(ge=0, le=2**31)] = 0


class IncidentCalibrationRequest(BaseModel):
    """Options of calibrating a saved incident to its stored readings (the body may be
    empty)."""

    model_config = ConfigDict(extra="forbid")

    mass_uncertainty: Annotated[Number, Field(gt=0, le=3)] = 1.0
    start_uncertainty_h: Annotated[Number, Field(gt=0, le=24)] = 2.0
    members: Annotated[int, Strict(), Field(ge=0, le=2000)] = 200
    seed: Annotated[int, Strict(), Field(ge=0, le=2**31)] = 0


class EnsembleRequest(BaseModel):
    """A spill's Monte Carlo bands."""

    model_config = ConfigDict(extra="forbid")

    spill: AnalysisRequest
    members: Annotated[int, Strict(), Field(ge=1, le=5000)] = 200
    seed: Annotated[int, Strict(), Field(ge=0, le=2**31)] = 0
    #: σ of ln(mass) when the released mass is uncertain (0: as given)
    mass_uncertainty: Annotated[Number, Field(ge=0, le=3)] = 0.0


# ----------------------------------------------------------------------- responses
Triple = tuple[float | None, float | None, float | None]


class Note(BaseModel):
    """A note in both languages, Chinese first."""

    zh: str
    en: str


class ParameterOut(BaseModel):
    name: str
    unit: str
    value: float
    low: float
    high: float
    prior: float
    prior_low: float
    prior_high: float
    identified: bool
    at_bound: bool


class ResidualOut(BaseModel):
    station: str
    km: float
    sampled_at: str
    sampled_h: float
    observed_mg_l: float
    censored: bool
    fitted_mg_l: float
    prior_mg_l: float
    residual_ln: float


class CaseOut(BaseModel):
    arrival_h: float | None
    peak_h: float | None
    peak_conc_mgl: float
    exceeds: bool


class BandOut(BaseModel):
    arrival_h: Triple
    peak_h: Triple
    peak_conc_mgl: Triple
    worst_arrival_h: float | None
    worst_peak_conc_mgl: float
    worst_raised: bool
    notes: list[Note]
    curve: list[tuple[float, float, float, float]]  # [h, P5, P50, P95] mg/L


class ReceptorOut(BaseModel):
    kind: str
    code: str
    name: str
    river_km: float
    limit_mgl: float | None
    uncalibrated: CaseOut | None = None
    calibrated: CaseOut | None = None
    expected: CaseOut | None = None
    worst: CaseOut
    band: BandOut | None


class EnsembleOut(BaseModel):
    members: int
    seed: int
    calibrated: bool
    distributions: dict[str, str]
    notes: list[Note]


class CalibrationResult(BaseModel):
    """The fit, its residuals, and every receptor before and after (hours after the
    spill's ``started_at``; the calibrated ones include the fitted start offset)."""

    started_at: str
    method: str
    parameters: list[ParameterOut]
    sigma_ln: float
    dof: int
    n_detected: int
    n_censored: int
    rms_ln_fitted: float
    rms_ln_prior: float
    converged: bool
    notes: list[Note]
    residuals: list[ResidualOut]
    receptors: list[ReceptorOut]
    ensemble: EnsembleOut | None


class IncidentCalibrationResult(CalibrationResult):
    """The calibration of a saved incident, with how many stored readings it used."""

    incident_id: int
    readings_used: int
    readings_skipped: int


class EnsembleResult(BaseModel):
    """P5/P50/P95 at every receptor next to the expected and worst case."""

    started_at: str | None
    receptors: list[ReceptorOut]
    ensemble: EnsembleOut

"""The analysis result: one typed contract for the map, the API, the CLI, saved incidents,
the sheet and every export (issue 13).

The shape is declared as ``TypedDict`` classes and checked by pydantic v2 through one
:class:`~pydantic.TypeAdapter` (:data:`RESULT_ADAPTER`): the JSON Schema published in
``docs/analysis-result.schema.json`` is generated from it, and tests validate real results
and the sample fixture against it. Why TypedDicts and not ``BaseModel`` instances: an
analysis answer holds ~500 rows (receptors, their curves, depots with their materials,
path features); building that many model objects per request, even with
``model_construct``, costs more than the rest of the assembly, and every reader (sheet,
exports, CLI, the map's JavaScript) reads the same JSON keys anyway. So the service builds
plain dicts of this shape, serialises them once with orjson (non-finite floats → ``null``,
numpy arrays as lists), and readers read the parsed JSON typed by these classes — mypy
checks every key they read, pydantic checks every value in the tests.

Field names say what they hold. ``reach_code`` is a reach's code; ``reach_id`` (the same
value) is deprecated and goes in schema version 2. Numbers physics rules out are not
allowed by the schema (negative times, lengths, concentrations).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal, NotRequired

from pydantic import ConfigDict, Field, TypeAdapter, with_config
from typing_extensions import TypedDict  # pydantic needs it on Python < 3.12

SCHEMA_VERSION = "1.2"
"""``major.minor``: the minor grows when keys are added, the major when one is removed."""

_STRICT = ConfigDict(extra="forbid")
_DEPRECATED_REACH_ID = Field(
    deprecated="use reach_code (the same reach code); removed in schema version 2")

Lon = Annotated[float, Field(ge=-180, le=180)]
Lat = Annotated[float, Field(ge=-90, le=90)]
NonNeg = Annotated[float, Field(ge=0)]
# times since the release started (h); null: not reached within the horizon
Hours = NonNeg | None
Conc = NonNeg | None  # mg/L; null: not computed
# rows of floats (curves: [t_h, mg/L], profiles: [km, mg/L], lines: [lon, lat])
Table = Sequence[Sequence[float]]


@with_config(_STRICT)
class Location(TypedDict):
    lon: Lon
    lat: Lat


@with_config(_STRICT)
class Release(TypedDict):
    mass_kg: NonNeg
    duration_h: NonNeg
    # [[t_h, kg/h], ...] when the release was given as a rate series (schema 1.2)
    rate_series: NotRequired[Table | None]


@with_config(_STRICT)
class FlowTodayEcho(TypedDict):
    """Today's discharge as the request gave it."""

    reach_code: str | None
    station_code: str | None
    discharge_m3s: NonNeg


@with_config(_STRICT)
class FlowTodayModel(TypedDict):
    """Today's discharge as the model used it (webgis.hydro.today_flow)."""

    reach_code: str
    station_code: str | None
    discharge_m3s: NonNeg
    season_discharge_m3s: NonNeg
    ratio: NonNeg
    delta_m3s: float
    gauge_below_spill: bool
    factor_min: NonNeg
    factor_max: NonNeg
    rule: str


@with_config(_STRICT)
class Casualties(TypedDict):
    deaths: int
    poisoned: int


@with_config(_STRICT)
class RequestEcho(TypedDict):
    """The request as understood (defaults filled, times as ISO 8601 with offset)."""

    location: Location
    pollutant: str
    release: Release
    season: str
    horizon_h: NonNeg
    flow_today: NotRequired[FlowTodayEcho | None]  # schema 1.2
    started_at: str
    discovered_at: str
    casualties: Casualties
    evacuated: int
    loss_cny: NonNeg
    sensitive_groups: bool
    mass_incident: bool
    ecology: str | None


# "class" is a Python keyword and a JSON key like any other: the functional form
PollutantInfo = TypedDict("PollutantInfo", {
    "code": str,
    "name": str,
    # the English name for English sheets and the English map (None where the data has none)
    "name_en": str | None,
    "class": str,
    "behaviour": str,
    # what ``peak_conc_mgl`` measures (``petroleum``: the dissolved petroleum under a
    # floating oil's slick), the regulated species and the mass converted to it
    "concentration_of": str,
    "solubility_mgl": Conc,
    "species": str,
    "species_en": str | None,
    "species_factor": NonNeg,
    "species_mass_kg": NonNeg,
})
with_config(_STRICT)(PollutantInfo)


@with_config(_STRICT)
class SnapPoint(TypedDict):
    """Where the spill meets the network."""

    river_code: str
    river_name: str | None
    river_name_en: str | None
    reach_code: str
    reach_id: Annotated[str, _DEPRECATED_REACH_ID]
    measure: Annotated[float, Field(ge=0, le=1)]
    offset_m: NonNeg
    lon: Lon
    lat: Lat


@with_config(_STRICT)
class LineString(TypedDict):
    type: Literal["LineString"]
    coordinates: Table


@with_config(_STRICT)
class PathProperties(TypedDict):
    reach_code: str
    reach_id: Annotated[str, _DEPRECATED_REACH_ID]
    river_code: str
    river_name: str | None
    from_km: NonNeg
    to_km: NonNeg
    arrival_h: Hours
    worst_arrival_h: Hours
    is_reservoir: bool


@with_config(_STRICT)
class PathFeature(TypedDict):
    type: Literal["Feature"]
    geometry: LineString
    properties: PathProperties


@with_config(_STRICT)
class PathCollection(TypedDict):
    type: Literal["FeatureCollection"]
    features: list[PathFeature]


@with_config(_STRICT)
class WorstCaseRow(TypedDict):
    """The worst case at a receptor: earliest arrival, highest peak, no loss."""

    arrival_h: Hours
    peak_h: Hours
    peak_conc_mgl: Conc
    exceeds: bool
    exceed_hours: Hours
    undissolved: bool
    bank_factor: NonNeg


@with_config(_STRICT)
class SlickCaseRow(TypedDict):
    arrival_h: Hours
    passage_end_h: Hours
    duration_h: Hours
    length_km: Conc
    evaporated_pct: Annotated[float, Field(ge=0, le=100)] | None


@with_config(_STRICT)
class SlickRow(TypedDict):
    """A floating oil's slick at a receptor (expected case; ``worst``: earliest arrival,
    latest passage end, longest slick, no evaporation credit)."""

    arrival_h: Hours
    passage_end_h: Hours
    duration_h: Hours
    length_km: Conc
    evaporated_pct: Annotated[float, Field(ge=0, le=100)] | None
    floating_kg: Conc
    worst: SlickCaseRow


@with_config(_STRICT)
class ReceptorRow(TypedDict):
    """A station on the path (intake, monitoring section, interception point, confluence,
    border crossing) with the expected and the worst case there."""

    kind: str
    code: str
    name: str
    name_en: str | None
    river_code: str
    reach_code: str
    reach_id: Annotated[str, _DEPRECATED_REACH_ID]
    river_km: NonNeg
    arrival_h: Hours
    peak_h: Hours
    peak_conc_mgl: Conc
    limit_mgl: Conc
    exceeds: bool
    exceed_hours: Hours
    lon: Lon
    lat: Lat
    worst: WorstCaseRow
    limit_basis: str | None
    limit_basis_en: str | None
    undissolved: bool
    near_field: bool
    details: dict[str, Any]  # by kind: an intake's population, an interception's capacity...
    curve: Table  # [t_h, mg/L] expected concentration over time
    slick: NotRequired[SlickRow]  # floating oils only


@with_config(_STRICT)
class MaterialRow(TypedDict):
    code: str
    name: str
    quantity: NonNeg | None
    unit: str | None


@with_config(_STRICT)
class _ResourceBase(TypedDict):
    code: str
    name: str
    name_en: str | None
    lon: Lon  # where the depot or team is
    lat: Lat
    target_code: str | None
    target_name: str | None
    target_lon: Lon | None
    target_lat: Lat | None
    plume_arrival_h: Hours
    distance_km: Conc
    straight_km: Conc
    travel_h: Hours
    arrives_before_plume: bool
    slack_h: float | None  # negative: arrives after the plume
    estimate: Literal[True]  # road times are estimates
    useful: bool
    materials: list[MaterialRow]
    contact_name: str | None
    contact_phone: str | None
    fictitious_contact: bool | None


@with_config(_STRICT)
class DepotRow(_ResourceBase):
    """A depot of response materials, ranked for the interception points."""

    kind: str | None
    status: str | None
    address: str | None


@with_config(_STRICT)
class TeamRow(_ResourceBase):
    """A rescue team, ranked for the interception points."""

    base: str | None
    headcount: int | None
    specialities: list[str]
    equipment: list[str]


@with_config(_STRICT)
class PlanStepRow(TypedDict):
    phase: str
    order: int
    text: str
    text_en: str | None
    responsible: str | None
    due_min: NonNeg | None


@with_config(_STRICT)
class PlanInfo(TypedDict):
    """The spill river's plan (else the first planned river downstream), fitted to it."""

    river_code: str | None
    title: str | None
    title_en: NotRequired[str | None]
    interception_points: list[str]
    prefectures: NotRequired[list[str]]
    contacts: NotRequired[list[dict[str, Any]]]
    steps: list[PlanStepRow]
    # receptor code -> the plans' note on that sensitive point (rivers on the path)
    sensitive_notes: dict[str, str]


@with_config(_STRICT)
class LevelReasonRow(TypedDict):
    level: str
    criterion: str
    text_zh: str
    text_en: str
    source: str


@with_config(_STRICT)
class LevelInfo(TypedDict):
    """The suggested level and the reporting clock (counted from discovery, Art. 3)."""

    suggested: str
    reasons: list[LevelReasonRow]
    report_due_min: int
    discovered_at: str
    report_due_at: str
    report_as: str
    report_reasons: list[LevelReasonRow]
    province_to_mee_min: int | None
    province_to_mee_due_at: str | None
    lead: str
    standby_intakes: list[str]


@with_config(_STRICT)
class NotifyRow(TypedDict):
    """A downstream administration to notify (Art. 8), once per real border crossing."""

    admin_code: str | None
    admin_name: str
    level: str
    from_name: str | None
    boundary_code: str
    river_km: NonNeg
    arrival_h: Hours
    worst_arrival_h: Hours
    peak_conc_mgl: Conc
    exceeds: bool
    reason_zh: str
    reason_en: str
    source: str
    reason: str


@with_config(_STRICT)
class ModelBlock(TypedDict):
    """How the numbers were made: method, coefficients and every assumption, in English."""

    season: str
    method: str
    horizon_h: NonNeg
    horizon_basis: str
    truncated_at_horizon: bool
    end_kind: str | None
    coefficients: dict[str, Any]
    assumptions: list[str]
    flow_today: NotRequired[FlowTodayModel | None]  # schema 1.2


@with_config(_STRICT)
class WarningRow(TypedDict):
    code: str
    receptor_code: str
    zh: str
    en: str


@with_config(_STRICT)
class AnalysisResult(TypedDict):
    """The full answer of ``POST /api/v1/incidents/analyze`` (and of ``webgis analyze
    --json``, a saved incident's ``result``, the sheet's input)."""

    schema_version: str
    behaviour: str
    slick: dict[str, Any] | None  # a floating oil's slick constants (else null)
    request: RequestEcho
    pollutant: PollutantInfo
    snap: SnapPoint
    path: PathCollection
    length_km: NonNeg
    receptors: list[ReceptorRow]
    profile: Table  # [km, mg/L] expected peak along the path
    worst_profile: Table
    depots: list[DepotRow]
    teams: list[TeamRow]
    plan: PlanInfo
    level: LevelInfo
    notify: list[NotifyRow]
    model: ModelBlock
    warnings: list[WarningRow]


RESULT_ADAPTER: TypeAdapter[AnalysisResult] = TypeAdapter(AnalysisResult)


def result_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of :class:`AnalysisResult`, as published in
    ``docs/analysis-result.schema.json``."""
    schema = RESULT_ADAPTER.json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "analysis-result.schema.json"
    schema["title"] = f"Analysis result (schema version {SCHEMA_VERSION})"
    return schema


def validate_result(data: Any) -> AnalysisResult:
    """``data`` checked against the contract (a :class:`pydantic.ValidationError` names
    every field that breaks it)."""
    return RESULT_ADAPTER.validate_python(data)

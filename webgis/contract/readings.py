"""Monitoring readings (issue 14 item 3): what a reading request looks like and what the
API answers.

A reading is a concentration at a monitoring section or an intake (by code) or at any point
(lon/lat, snapped to the river by the service). The unit is mg/L or µg/L (stored in mg/L);
a value below the detection limit is written ``"<0.01"`` or sent as ``below_detection:
true`` with the limit (in ``detection_limit``, or the value itself). These models check
the form of each field; the service checks what needs the incident or the map (a known
station, the sampling time against the release start and the clock, the snapping limit).
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError

from webgis.contract.requests import Instant
from webgis.contract.units import ConcentrationUnit

StationKind = Literal["section", "intake", "point"]  # models.incident.READING_STATION_KINDS
QaFlag = Literal["ok", "suspect", "invalid"]
QA_FLAGS = ("ok", "suspect", "invalid")
MAX_BATCH = 500
#: A concentration no water sample reaches (mg/L = g/m³; a saturated brine is ~3.6e5).
MAX_CONC = 1e6
#: The upload's columns: (field, Chinese header, what to write). The template's header
#: row reads ``站点类型(station_kind)``: Chinese first, the field in brackets; a file may
#: use either part alone, in any order.
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("station_kind", "站点类型", "断面 section / 取水口 intake / 点位 point"),
    ("station_code", "站点编码", "断面或取水口编码 code of the section or intake"),
    ("lon", "经度", "点位经度 longitude of a point (WGS 84)"),
    ("lat", "纬度", "点位纬度 latitude of a point (WGS 84)"),
    ("sampled_at", "采样时间", "北京时间 Beijing time, 2026-05-01 10:30"),
    ("pollutant", "污染物", "空=本事件污染物 blank = the incident's pollutant"),
    ("value", "浓度", "数值，低于检出限写 <0.01 a number, <limit below detection"),
    ("unit", "单位", "mg/L 或 µg/L"),
    ("below_detection", "低于检出限", "是/否 yes/no"),
    ("detection_limit", "检出限", "与浓度同单位 in the value's unit"),
    ("qa_flag", "质控标记", "正常 ok / 存疑 suspect / 无效 invalid"),
)
def _value(value: Any) -> Any:
    """A number, or text: ``"0.05"``, ``"<0.01"`` (below the detection limit: kept as
    text for the model's check to read the ``<``)."""
    if isinstance(value, bool):
        raise PydanticCustomError("float_type", "must be a number")
    if isinstance(value, str):
        text = value.strip().replace("＜", "<")
        body = text[1:].strip() if text.startswith("<") else text
        try:
            number = float(body)
        except ValueError:
            raise PydanticCustomError("float_parsing", "must be a number") from None
        if not math.isfinite(number):
            raise PydanticCustomError("finite_number", "must be a finite number")
        return text if text.startswith("<") else number
    return value


def _code(value: Any) -> Any:
    return value.strip() or None if isinstance(value, str) else value


Code = Annotated[Annotated[str, StringConstraints(max_length=60)] | None,
                 BeforeValidator(_code)]
Conc = Annotated[float, Field(ge=0, le=MAX_CONC, allow_inf_nan=False)]
Value = Annotated[Conc | Annotated[str, StringConstraints(pattern=r"^<")],
                  BeforeValidator(_value)]


class ReadingIn(BaseModel):
    """One reading. ``station_code`` names a section or an intake (``station_kind``);
    a ``point`` gives ``lon``/``lat`` instead. ``sampled_at`` defaults to now (a time
    without offset is UTC here; the upload's file times are Beijing time).
    ``pollutant`` defaults to the incident's."""

    model_config = ConfigDict(extra="forbid")

    station_kind: StationKind
    station_code: Code = None
    lon: Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)] | None = None
    lat: Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)] | None = None
    sampled_at: Instant | None = None
    pollutant: Code = None
    value: Value
    unit: ConcentrationUnit = "mg/L"
    below_detection: bool = False
    detection_limit: Annotated[float, Field(gt=0, le=MAX_CONC, allow_inf_nan=False)
                               ] | None = None
    qa_flag: QaFlag = "ok"

    def censored(self) -> bool:
        """Below the detection limit (flagged, or the value written ``<limit``)."""
        return self.below_detection or isinstance(self.value, str)

    def number(self) -> float:
        """The value as a number in the reading's unit (``<0.01`` → 0.01)."""
        v = self.value
        return float(v[1:].strip()) if isinstance(v, str) else float(v)


class ReadingPost(ReadingIn):
    """``POST /api/v1/incidents/<id>/readings`` with one reading. ``expected_version`` is
    required from a signed-in screen; a token (an automatic station) may leave it out."""

    expected_version: int | None = None


class ReadingBatch(BaseModel):
    """``POST /api/v1/incidents/<id>/readings`` with several: all stored, or none."""

    model_config = ConfigDict(extra="forbid")

    readings: Annotated[list[ReadingIn], Field(min_length=1, max_length=MAX_BATCH)]
    expected_version: int | None = None


class ReadingUploadForm(BaseModel):
    """The upload's form fields besides the file."""

    expected_version: int | None = None


TemplateFormat = Literal["csv", "xlsx"]


class TemplatePath(BaseModel):
    """``GET /api/v1/readings/template.<fmt>``."""

    fmt: TemplateFormat


# --- responses ---------------------------------------------------------------------------


class ReadingRow(BaseModel):
    """A stored reading (mg/L; a censored one carries its limit as its value)."""

    id: int
    station_kind: StationKind
    station_code: str | None
    station_name: str | None
    reach_code: str
    measure_m: float
    lon: float
    lat: float
    snap_m: float = Field(description="distance from the position given to the river")
    sampled_at: str
    pollutant_code: str
    value_mg_l: float
    below_detection: bool
    detection_limit_mg_l: float | None
    qa_flag: QaFlag
    source: Literal["hand", "file", "station"]
    entered_by: str | None
    entered_at: str


class ReadingList(BaseModel):
    """``GET /api/v1/incidents/<id>/readings`` (newest sample first)."""

    incident_id: int
    version: int
    readings: list[ReadingRow]


class ReadingsStored(BaseModel):
    """What a write stored, with the incident's version after it."""

    incident_id: int
    version: int
    stored: int
    readings: list[ReadingRow]
    encoding: str | None = Field(None, description="the CSV's text encoding (uploads)")


class UploadRowError(BaseModel):
    line: int
    field: str
    message: str


class SkillOut(BaseModel):
    """How the forecast did at a station (nulls: cannot be judged, see ``reasons``)."""

    n_readings: int
    threshold_mg_l: float | None
    predicted_arrival_h: float | None
    observed_arrival_h: float | None
    arrival_error_h: float | None
    predicted_peak_mg_l: float
    observed_peak_mg_l: float | None
    peak_ratio: float | None
    peak_bracketed: bool
    reasons: list[str]


class StationComparison(BaseModel):
    """One station: the predicted curve ([h after the release start, mg/L]), the readings
    on the same axis and the skill."""

    station_kind: StationKind
    station_code: str | None
    name: str | None
    reach_code: str
    measure_m: float
    on_forecast: bool
    predicted: list[list[float]]
    predicted_arrival_h: float | None
    limit_mg_l: float | None
    readings: list[dict[str, Any]]
    skill: SkillOut


class Comparison(BaseModel):
    """``GET /api/v1/incidents/<id>/readings/compare``."""

    incident_id: int
    version: int
    release_start: str
    pollutant_code: str
    definitions: dict[str, str]
    stations: list[StationComparison]

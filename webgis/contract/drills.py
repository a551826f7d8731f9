"""Requests and answers of drills (issue 15, item 5): a drill started from a scenario with
a script of injects, its tick, its after-action score.

An inject happens ``at_h`` **drill hours** after the drill starts (the release starts at
the drill's start). At speed 10 or 60 the drill clock runs 10 or 60 times the wall clock,
so ``at_h: 3`` plays 18 min (×10) or 3 min (×60) after the start.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from webgis.contract.incident_aggregate import MAX_NOTE, Note
from webgis.hydro.analysis import MAX_MASS_KG

#: The drill's longest script (drill hours).
MAX_AT_H = 720.0
AtH = Annotated[float, Field(ge=0, le=MAX_AT_H, allow_inf_nan=False, description=(
    "drill hours after the start (≥ 0)"))]
Text = Annotated[str, StringConstraints(min_length=1, max_length=MAX_NOTE,
                                        strip_whitespace=True)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReadingInject(_Strict):
    """A monitoring result: ``station_code`` (a section or an intake) reports
    ``value_mg_l`` (sampled at the inject's drill time)."""

    kind: Literal["reading"]
    at_h: AtH
    station_kind: Literal["section", "intake"] = "section"
    station_code: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    value_mg_l: Annotated[float, Field(ge=0, le=1e6, allow_inf_nan=False)]
    pollutant: Annotated[str, StringConstraints(min_length=1, max_length=60)] | None = None


class FactsInject(_Strict):
    """Revised facts ("the mass is revised to 12 t"): the analysis runs again."""

    kind: Literal["facts"]
    at_h: AtH
    mass_kg: Annotated[float, Field(gt=0, le=MAX_MASS_KG, allow_inf_nan=False)] | None = None
    duration_h: Annotated[float, Field(ge=0, le=8760, allow_inf_nan=False)] | None = None
    note: Note | None = None


class CasualtyInject(_Strict):
    """People dead or poisoned (added to the counts so far)."""

    kind: Literal["casualty"]
    at_h: AtH
    deaths: Annotated[int, Field(ge=0, le=100_000)] = 0
    poisoned: Annotated[int, Field(ge=0, le=1_000_000)] = 0
    note: Note | None = None


class MessageInject(_Strict):
    """A free-text message into the timeline (a ``comment`` event)."""

    kind: Literal["message"]
    at_h: AtH
    text: Text


Inject = Annotated[ReadingInject | FactsInject | CasualtyInject | MessageInject,
                   Field(discriminator="kind")]


class DrillCreate(_Strict):
    """``POST /api/v1/drills``: start a drill from scenario ``scenario_id``."""

    scenario_id: Annotated[int, Field(ge=1, le=2**31 - 1)]
    speed: Literal[1, 10, 60] = 1
    name: Annotated[str, StringConstraints(min_length=1, max_length=200,
                                           strip_whitespace=True)] | None = None
    injects: Annotated[list[Inject], Field(max_length=200)] = []


class DrillId(_Strict):
    drill_id: Annotated[int, Field(ge=1, le=2**31 - 1)]


class DrillFile(_Strict):
    drill_id: Annotated[int, Field(ge=1, le=2**31 - 1)]
    fmt: Literal["docx", "pdf"]


class InjectRow(BaseModel):
    """An inject with its state: ``played_at`` (wall clock) once played, ``error`` when the
    system could not play it (e.g. the incident was closed)."""

    model_config = ConfigDict(extra="allow")

    no: int
    kind: str
    at_h: float
    due_at: str
    played_at: str | None = None
    error: str | None = None
    payload: dict[str, Any]


class Drill(BaseModel):
    """A drill: its incident (kind ``drill``), speed, clock and injects."""

    id: int
    incident_id: int
    scenario_id: int | None
    name: str
    speed: int
    started_at: str
    status: str
    drill_now_h: float
    created_by: str
    injects: list[InjectRow]
    url: str


class TickResult(BaseModel):
    """``POST /api/v1/drills/<id>/tick``: the injects played by this tick (their numbers)
    and the drill now."""

    played: list[int]
    drill: Drill


class Criterion(BaseModel):
    """One line of the after-action score."""

    group: str
    name: str
    outcome: Literal["met", "late", "missing"]
    due_h: float | None
    done_h: float | None
    late_h: float | None
    reference: str


class Score(BaseModel):
    """``GET /api/v1/drills/<id>/score``: each criterion and the total (0–100: met 1,
    late ½, missing 0, averaged). Times are drill hours after the start."""

    drill_id: int
    speed: int
    drill_now_h: float
    total: float
    met: int
    late: int
    missing: int
    criteria: list[Criterion]

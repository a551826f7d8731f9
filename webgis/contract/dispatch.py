"""Requests and responses of dispatch and the plan checklist (issue 14, items 6 and 7).

Every write carries ``expected_version`` (the incident's version the writer read), except a
field team's status update: a team on a phone works for hours on one dispatch while the
officers change the incident many times a minute, so its update names the status it saw
(``from_status``) instead, and the dispatch's own transition rule refuses a stale one
(`webgis.services.dispatch`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, StringConstraints

from webgis.contract.requests import Instant, Number

DispatchStatus = Literal["dispatched", "en_route", "on_site", "deployed", "returned"]
Code = Annotated[str, Strict(), StringConstraints(min_length=1, max_length=60,
                                                  pattern=r"^[A-Za-z0-9_.:-]+$")]
Version = Annotated[int, Strict(), Field(ge=1, le=2_000_000_000)]
Quantity = Annotated[Number, Field(gt=0, le=1e9)]
Note = Annotated[str, Strict(), StringConstraints(max_length=500)]
MAX_LINES = 30


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MaterialLine(_Body):
    """A material and how much of it (in the catalogue's unit)."""

    material_code: Code
    quantity: Quantity


class CreateDispatch(_Body):
    """``POST /api/v1/incidents/<id>/dispatch``: materials from ``depot_code`` and/or the
    team ``team_code`` sent to ``target_code`` (a station on the current forecast's path,
    usually an interception point). Materials need a depot."""

    expected_version: Version
    target_code: Code
    depot_code: Code | None = None
    team_code: Code | None = None
    materials: Annotated[list[MaterialLine], Field(max_length=MAX_LINES)] = []
    note: Note = ""
    at: Instant | None = Field(default=None, description="when it was dispatched (default "
                               "now; not in the future, not before the release started)")


class UsedLine(_Body):
    """On return: how much of a material was used on site (the rest goes back to stock)."""

    material_code: Code
    used: Annotated[Number, Field(ge=0, le=1e9)]


class DispatchStatusChange(_Body):
    """``POST /api/v1/incidents/<id>/dispatches/<no>/status``: the new status, when it
    happened (default: now) and, on ``returned``, what was used (default: nothing)."""

    status: DispatchStatus
    expected_version: Version | None = Field(
        default=None, description="required from officers; a field team sends from_status")
    from_status: DispatchStatus | None = Field(
        default=None, description="the status the sender saw (refused with 409 if it moved)")
    at: Instant | None = None
    used: Annotated[list[UsedLine], Field(max_length=MAX_LINES)] = []
    note: Note = ""


class PlanTickBody(_Body):
    """``PUT /api/v1/incidents/<id>/plan/<phase>/<order>``: tick (``done`` true) or untick
    a plan step."""

    expected_version: Version
    done: Annotated[bool, Strict()]


class DispatchLineRow(BaseModel):
    material_code: str
    material_name: str
    material_name_en: str | None
    unit: str
    quantity: float
    used: float | None
    returned: float | None


class DispatchRow(BaseModel):
    """A dispatch with its ETA against the current forecast's worst-case plume arrival at
    its target (road times are estimates)."""

    id: int
    incident_id: int
    status: DispatchStatus
    next_statuses: list[str]
    depot_code: str | None
    depot_name: str | None
    depot_name_en: str | None
    team_code: str | None
    team_name: str | None
    team_name_en: str | None
    target_code: str
    target_name: str
    target_kind: str
    target_lon: float
    target_lat: float
    note: str
    created_by: str | None
    times: dict[str, str | None] = Field(description="status -> when it was entered")
    lines: list[DispatchLineRow]
    travel_h: float = Field(description="road estimate from the depot/team (the later)")
    distance_km: float
    eta_at: str = Field(description="on site (entered) or dispatched + travel_h")
    eta_h: float | None = Field(description="hours after the release start")
    plume_arrival_h: float | None = Field(description="worst case (earliest), current forecast")
    plume_arrival_at: str | None
    on_path: bool = Field(description="the target is on the current forecast's path")
    slack_h: float | None = Field(description="plume arrival − ETA (negative: late)")
    arrives_before_plume: bool | None
    mine: bool = Field(description="the reader's team's dispatch (field teams)")
    estimate: Literal[True] = True
    stock_taken: bool = Field(description="false for a drill: checked against the stock, "
                              "never taken from it")
    incident_title: str | None = Field(default=None, description="in /dispatches/mine only")


class DispatchList(BaseModel):
    incident_id: int
    version: int
    dispatches: list[DispatchRow]


class MyDispatches(BaseModel):
    """``GET /api/v1/dispatches/mine``: a field team's open dispatches on every incident."""

    team_code: str | None
    dispatches: list[DispatchRow]


class StockRow(BaseModel):
    material_code: str
    name: str
    name_en: str | None
    unit: str
    quantity: float


class DepotStock(BaseModel):
    """``GET /api/v1/depots/<code>/stock``: what the depot holds now."""

    depot_code: str
    name: str
    name_en: str | None
    stock: list[StockRow]


class PlanStepState(BaseModel):
    """A plan step of the incident with its tick and when it is due (from discovery)."""

    key: str
    phase: str
    order: int
    text: str
    text_en: str | None
    responsible: str | None
    due_min: float
    due_from_plan: bool = Field(description="false: the phase's default (no time in the plan)")
    due_at: str | None
    done: bool
    done_at: str | None
    done_by: str | None
    overdue: bool


class PlanChecklist(BaseModel):
    incident_id: int
    version: int
    title: str | None
    discovered_at: str | None
    now: str
    steps: list[PlanStepState]

"""Requests and answers of the living incident's own writes (issue 14, items 1, 2 and 9):
revised facts, status transitions, comments, and the forecasts kept per revision.

Every write carries the version its author read (`expected_version`): a stale one is a 409
with the incident's state now, never a silent overwrite. A facts revision names only the
facts that change; the others stay as they are. Unknown keys are refused (422), so a typo
is never taken for "no change".
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict, StringConstraints

from webgis.contract.requests import (
    MAX_HORIZON_H,
    Count,
    Ecology,
    Evacuated,
    FlowToday,
    Instant,
    Location,
    Number,
    RateRow,
    Season,
)
from webgis.contract.text import no_control_characters
from webgis.hydro.analysis import MAX_MASS_KG
from webgis.hydro.rate_series import MAX_POINTS

Status = Literal["reported", "responding", "monitoring", "closed"]
MAX_NOTE = 2000
ExpectedVersion = Annotated[int, Strict(), Field(ge=0, le=2_000_000_000, description=(
    "the incident's `version` as you read it; a stale one is a 409 with the state now"))]
Note = Annotated[str, Strict(), StringConstraints(max_length=MAX_NOTE),
                 BeforeValidator(no_control_characters)]
Code = Annotated[str, Strict(), StringConstraints(min_length=1, max_length=60)]


class FactsPatch(BaseModel):
    """``PATCH /api/v1/incidents/<id>/facts``: the facts that changed (the others stay).

    The place is either ``location`` or ``enterprise`` (an enterprise code: its outfall);
    ``mass_kg``/``duration_h`` are the release, or ``rate_series`` (``[[t_h, kg/h], ...]``,
    the mass and duration then follow from it; ``null`` goes back to a constant rate of
    the same mass and duration); ``flow_today`` a discharge today (``null``: the season's
    again); ``casualties_deaths``/``casualties_poisoned`` the people dead or poisoned so
    far. ``note`` says why (shown in the timeline)."""

    model_config = ConfigDict(extra="forbid")

    expected_version: ExpectedVersion
    location: Location | None = None
    enterprise: Code | None = None
    pollutant: Code | None = None
    mass_kg: Annotated[Number, Field(gt=0, le=MAX_MASS_KG)] | None = None
    duration_h: Annotated[Number, Field(ge=0, le=8760)] | None = None
    rate_series: Annotated[list[RateRow] | None, Field(min_length=2, max_length=MAX_POINTS)
                           ] = None
    flow_today: FlowToday | None = None
    started_at: Instant | None = None
    discovered_at: Instant | None = None
    casualties_deaths: Count | None = None
    casualties_poisoned: Count | None = None
    evacuated: Evacuated | None = None
    loss_cny: Annotated[Number, Field(ge=0, le=1e13)] | None = None
    sensitive_groups: Annotated[bool, Strict()] | None = None
    mass_incident: Annotated[bool, Strict()] | None = None
    ecology: Ecology | None = None
    season: Season | None = None
    horizon_h: Annotated[Number, Field(gt=0, le=MAX_HORIZON_H)] | None = None
    note: Note | None = None


class StatusChange(BaseModel):
    """``POST /api/v1/incidents/<id>/status``: the next status (reported → responding →
    monitoring → closed; an admin may reopen a closed incident to ``monitoring``)."""

    model_config = ConfigDict(extra="forbid")

    expected_version: ExpectedVersion
    status: Status
    note: Note | None = None


class CommentBody(BaseModel):
    """``POST /api/v1/incidents/<id>/comments``: a line in the timeline."""

    model_config = ConfigDict(extra="forbid")

    expected_version: ExpectedVersion
    text: Annotated[str, Strict(), StringConstraints(min_length=1, max_length=MAX_NOTE,
                                                     strip_whitespace=True),
                    BeforeValidator(no_control_characters)]


class WriteResult(BaseModel):
    """What a write answers: the incident's version and status now, and the events it
    appended (their sequence numbers)."""

    id: int
    version: int
    status: Status
    events: list[int]
    revision_no: int | None = None
    level: str | None = None
    changes: dict[str, Any] | None = None


class RevisionRow(BaseModel):
    """One forecast of the incident (a revision of its facts)."""

    revision_no: int
    created_at: str | None
    created_by: str | None = None
    level: str | None
    facts: dict[str, Any]


class RevisionList(BaseModel):
    """``GET /api/v1/incidents/<id>/revisions``: oldest first; the last is current."""

    incident_id: int
    current: int
    revisions: list[RevisionRow]


class RevisionDetail(RevisionRow):
    """``GET /api/v1/incidents/<id>/revisions/<n>``: that forecast in full."""

    request: dict[str, Any]
    result: dict[str, Any]


class IncidentExport(BaseModel):
    """``GET /api/v1/incidents/<id>/export.json``: the incident, its revisions and its
    whole timeline."""

    model_config = ConfigDict(extra="allow")

    incident: dict[str, Any]
    revisions: list[dict[str, Any]]
    events: list[dict[str, Any]]

"""Dispatch of materials and teams, and the plan checklist, of a living incident (issue 14).

Reads need a signed-in user (anonymous users never see incidents); a field team reads its
own team's dispatches only. Writes: duty officers and leaders dispatch and tick plan steps;
field teams move the status of their own team's dispatches. The rules (stock, transitions,
ownership) are the services' (`webgis.services.dispatch`, `webgis.services.checklist`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Annotated, Any, Literal

from flask import jsonify
from flask_login import current_user
from pydantic import BaseModel, Field

from webgis.api import params
from webgis.api.blueprint import bp
from webgis.api.openapi import document
from webgis.auth import require_role
from webgis.contract.dispatch import (
    CreateDispatch,
    DepotStock,
    DispatchList,
    DispatchRow,
    DispatchStatusChange,
    MyDispatches,
    PlanChecklist,
    PlanTickBody,
)
from webgis.edge import current_actor
from webgis.errors import Unauthorized
from webgis.services import checklist, dispatch

_AUTH: list[dict[str, list[str]]] = [{"bearer": []}, {"session": []}]


class PlanStepPath(BaseModel):
    """``/plan/<phase>/<order>``: a step of the river plan."""

    phase: Literal["report", "assess", "contain", "treat", "monitor", "recover"]
    order: Annotated[int, Field(ge=1, le=1000)]


def signed_in(view: Callable[..., Any]) -> Callable[..., Any]:
    """A read of an incident's part: any signed-in user (session or token), never anonymous."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            raise Unauthorized("sign in or send an API token to read this")
        return view(*args, **kwargs)

    return wrapper


@bp.get("/api/v1/incidents/<int:incident_id>/dispatches")
@signed_in
@document(ok=DispatchList, tags=["dispatch"], security=_AUTH)
def list_dispatches(incident_id: int):
    """The incident's dispatches (a field team: its own), each with its ETA at the target
    against the current forecast's worst-case plume arrival."""
    return jsonify(dispatch.list_dispatches(incident_id, current_actor()))


@bp.post("/api/v1/incidents/<int:incident_id>/dispatch")
@require_role("duty_officer", "leader")
@document(json=CreateDispatch, ok=DispatchRow, status=201, tags=["dispatch"], security=_AUTH)
def create_dispatch(incident_id: int):
    """Dispatch materials from a depot and/or a team to a target on the path; the depot's
    stock goes down in the same transaction (409 with what is available when short).

    (Not a POST on ``/dispatches``: with two methods on one path, werkzeug answers an id
    above PostgreSQL's integer with 405 instead of 404.)"""
    body = params.body(CreateDispatch)
    return jsonify(dispatch.create_dispatch(incident_id, body, current_actor())), 201


@bp.post("/api/v1/incidents/<int:incident_id>/dispatches/<int:dispatch_id>/status")
@require_role("duty_officer", "leader", "field_team")
@document(json=DispatchStatusChange, ok=DispatchRow, tags=["dispatch"], security=_AUTH)
def dispatch_status(incident_id: int, dispatch_id: int):
    """Move a dispatch along dispatched → en_route → on_site → deployed → returned (or
    back to base early: returned); on return, what was not used goes back to stock."""
    body = params.body(DispatchStatusChange)
    return jsonify(dispatch.change_status(incident_id, dispatch_id, body, current_actor()))


@bp.get("/api/v1/dispatches/mine")
@signed_in
@document(ok=MyDispatches, tags=["dispatch"], security=_AUTH)
def my_dispatches():
    """A field team's open dispatches on every incident (empty for other accounts)."""
    return jsonify(dispatch.my_dispatches(current_actor()))


@bp.get("/api/v1/depots/<code>/stock")
@signed_in
@document(ok=DepotStock, tags=["dispatch"], security=_AUTH)
def depot_stock(code: str):
    """What a depot holds now, per material (the analysis's copy is as of the analysis)."""
    return jsonify(dispatch.depot_stock(code))


@bp.get("/api/v1/incidents/<int:incident_id>/plan")
@signed_in
@document(ok=PlanChecklist, tags=["dispatch"], security=_AUTH)
def plan_checklist(incident_id: int):
    """The plan's steps for this incident: ticks (who, when), due times from discovery,
    overdue flags."""
    return jsonify(checklist.checklist(incident_id))


@bp.put("/api/v1/incidents/<int:incident_id>/plan/<phase>/<int:order>")
@require_role("duty_officer", "leader")
@document(json=PlanTickBody, ok=PlanChecklist, tags=["dispatch"], security=_AUTH)
def tick_plan_step(incident_id: int, phase: str, order: int):
    """Tick (``done: true``) or untick a plan step; answers the checklist."""
    step = params.values(PlanStepPath, phase=phase, order=order)
    body = params.body(PlanTickBody)
    return jsonify(checklist.tick_step(incident_id, step.phase, step.order, body.done,
                                       body.expected_version, current_actor()))

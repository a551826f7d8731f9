"""The department's editable registers (issue 17 item 3): list and edit depot stock, rescue
teams, enterprises' substances and risk level, interception spaces. Signed-in users read;
duty officers, leaders and planners edit; every edit carries the row version it read and is
audited."""

from __future__ import annotations

from flask import jsonify

from webgis.api import params
from webgis.api.blueprint import bp
from webgis.api.openapi import document
from webgis.auth import require_role
from webgis.contract.registers import (
    EnterpriseChange,
    RegisterList,
    RegisterRow,
    SpaceChange,
    StockChange,
    TeamChange,
)
from webgis.edge import current_actor
from webgis.services import registers

READERS = ("duty_officer", "leader", "planner", "field_team")
EDITORS = ("duty_officer", "leader", "planner")
_SECURITY: list[dict[str, list[str]]] = [{"bearer": []}, {"session": []}]
_TAGS = ["registers"]


@bp.get("/api/v1/registers/stock")
@require_role(*READERS)
@document(ok=RegisterList, tags=_TAGS, security=_SECURITY)
def list_stock():
    """Every depot's stock with expiry and last check."""
    return jsonify({"rows": registers.list_stock()})


@bp.patch("/api/v1/registers/stock/<depot>/<material>")
@require_role(*EDITORS)
@document(json=StockChange, ok=RegisterRow, tags=_TAGS, security=_SECURITY)
def change_stock(depot: str, material: str):
    """Edit one material's stock in one depot."""
    return jsonify(registers.change_stock(depot, material, params.body(StockChange),
                                          current_actor()))


@bp.get("/api/v1/registers/teams")
@require_role(*READERS)
@document(ok=RegisterList, tags=_TAGS, security=_SECURITY)
def list_teams():
    """The rescue teams with their contacts."""
    return jsonify({"rows": registers.list_teams()})


@bp.patch("/api/v1/registers/teams/<code>")
@require_role(*EDITORS)
@document(json=TeamChange, ok=RegisterRow, tags=_TAGS, security=_SECURITY)
def change_team(code: str):
    """Edit a team's contacts, headcount, specialities or equipment."""
    return jsonify(registers.change_team(code, params.body(TeamChange), current_actor()))


@bp.get("/api/v1/registers/enterprises")
@require_role(*READERS)
@document(ok=RegisterList, tags=_TAGS, security=_SECURITY)
def list_enterprises():
    """The risk enterprises with their substances."""
    return jsonify({"rows": registers.list_enterprises()})


@bp.patch("/api/v1/registers/enterprises/<code>")
@require_role(*EDITORS)
@document(json=EnterpriseChange, ok=RegisterRow, tags=_TAGS, security=_SECURITY)
def change_enterprise(code: str):
    """Edit an enterprise's risk level or the substances it holds."""
    return jsonify(registers.change_enterprise(code, params.body(EnterpriseChange),
                                               current_actor()))


@bp.get("/api/v1/registers/interception")
@require_role(*READERS)
@document(ok=RegisterList, tags=_TAGS, security=_SECURITY)
def list_spaces():
    """The interception spaces with capacity, status and last survey."""
    return jsonify({"rows": registers.list_spaces()})


@bp.patch("/api/v1/registers/interception/<code>")
@require_role(*EDITORS)
@document(json=SpaceChange, ok=RegisterRow, tags=_TAGS, security=_SECURITY)
def change_space(code: str):
    """Edit an interception space's capacity, status or last survey."""
    return jsonify(registers.change_space(code, params.body(SpaceChange), current_actor()))

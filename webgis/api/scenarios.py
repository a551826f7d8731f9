"""The scenario library (issue 15, item 1): list and search, create (from the map or a
saved analysis), edit, duplicate, delete (planners), run one, compare two to four (table,
map overlay, XLSX)."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from webgis import limits
from webgis.api import params
from webgis.api.blueprint import bp
from webgis.api.openapi import document
from webgis.auth import read_access, require_role
from webgis.contract.responses import AnalysisResultJson
from webgis.contract.scenarios import (
    CompareRequest,
    Comparison,
    FromIncident,
    Scenario,
    ScenarioFields,
    ScenarioId,
    ScenarioPatch,
    ScenarioQuery,
)
from webgis.edge import current_actor, current_settings
from webgis.services import scenarios

_W: dict[str, Any] = {"tags": ["scenarios"], "security": [{"bearer": []}, {"session": []}]}


def _id(scenario_id: str) -> int:
    return params.values(ScenarioId, scenario_id=scenario_id).scenario_id


@bp.get("/api/v1/scenarios")
@read_access
@document(query=ScenarioQuery, ok=list[Scenario], tags=["scenarios"])
def list_scenarios():
    """The library, newest first: `q` searches names and notes, `tag` filters."""
    return jsonify(scenarios.search(params.query(ScenarioQuery)))


@bp.post("/api/v1/scenarios")
@require_role("planner")
@document(json=ScenarioFields, ok=Scenario, status=201, **_W)
def create_scenario():
    """Keep a scenario (a point near a river or an enterprise's outfall)."""
    body = params.body(ScenarioFields)
    return jsonify(scenarios.create(body, current_actor(), current_settings())), 201


@bp.post("/api/v1/scenarios/from-incident")
@require_role("planner")
@document(json=FromIncident, ok=Scenario, status=201, **_W)
def scenario_from_incident():
    """Keep a saved analysis' spill as a scenario."""
    body = params.body(FromIncident)
    return jsonify(scenarios.from_incident(body, current_actor(), current_settings())), 201


@bp.get("/api/v1/scenarios/<scenario_id>")
@read_access
@document(ok=Scenario, tags=["scenarios"])
def get_scenario(scenario_id: str):
    """One scenario."""
    return jsonify(scenarios.get(_id(scenario_id)))


@bp.patch("/api/v1/scenarios/<scenario_id>")
@require_role("planner")
@document(json=ScenarioPatch, ok=Scenario, **_W)
def edit_scenario(scenario_id: str):
    """Change the fields given."""
    sid = _id(scenario_id)
    return jsonify(scenarios.update(sid, params.body(ScenarioPatch), current_settings()))


@bp.post("/api/v1/scenarios/<scenario_id>/duplicate")
@require_role("planner")
@document(ok=Scenario, status=201, **_W)
def duplicate_scenario(scenario_id: str):
    """A copy, named "…（副本）", by the current user."""
    return jsonify(scenarios.duplicate(_id(scenario_id), current_actor(),
                                       current_settings())), 201


@bp.delete("/api/v1/scenarios/<scenario_id>")
@require_role("planner")
@document(**_W)
def delete_scenario(scenario_id: str):
    """Delete a scenario."""
    return jsonify(scenarios.delete(_id(scenario_id)))


@bp.post("/api/v1/scenarios/<scenario_id>/run")
@read_access
@limits.analysis
@document(ok=AnalysisResultJson, tags=["scenarios"])
def run_scenario(scenario_id: str):
    """The full analysis of the scenario's spill."""
    return jsonify(scenarios.run(_id(scenario_id), current_settings()))


@bp.post("/api/v1/scenarios/compare")
@read_access
@limits.analysis
@document(json=CompareRequest, ok=Comparison, tags=["scenarios"])
def compare_scenarios():
    """Two to four scenarios side by side: receptors in common (worst-case arrival and
    peak each), levels, who can intercept where; each one's path for the map."""
    return jsonify(scenarios.compare(params.body(CompareRequest), current_settings()))


@bp.post("/api/v1/scenarios/compare.xlsx")
@read_access
@limits.analysis
@document(json=CompareRequest, ok=None, tags=["scenarios"])
def compare_scenarios_xlsx():
    """The comparison as an XLSX workbook."""
    from webgis.exports.scenarios import comparison_xlsx

    data = scenarios.compare(params.body(CompareRequest), current_settings())
    resp = Response(comparison_xlsx(data), mimetype="application/vnd.openxmlformats-"
                    "officedocument.spreadsheetml.sheet")
    resp.headers["Content-Disposition"] = 'attachment; filename="scenario-comparison.xlsx"'
    return resp

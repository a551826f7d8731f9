"""River plans as living documents (issue 17 item 4): the progress across the key rivers,
one plan with its versions, and the draft → reviewed → issued flow. Signed-in users read;
planners, duty officers and leaders draft and review; leaders issue."""

from __future__ import annotations

from flask import jsonify

from webgis.api import params
from webgis.api.blueprint import bp
from webgis.api.openapi import document
from webgis.auth import require_role
from webgis.contract.plans import PlanAction, PlanDetail, PlansDashboard, SavePlanDraft
from webgis.edge import current_actor, current_settings
from webgis.services import plan_versions

READERS = ("duty_officer", "leader", "planner", "field_team")
EDITORS = ("planner", "duty_officer", "leader")
_SECURITY: list[dict[str, list[str]]] = [{"bearer": []}, {"session": []}]


@bp.get("/api/v1/plans")
@require_role(*READERS)
@document(ok=PlansDashboard, tags=["plans"], security=_SECURITY)
def plans_dashboard():
    """Every key river's plan status: reported (the department's 35 compiled / 53 to go)
    and recorded in the product."""
    return jsonify(plan_versions.plans_dashboard())


@bp.get("/api/v1/plans/<river>")
@require_role(*READERS)
@document(ok=PlanDetail, tags=["plans"], security=_SECURITY)
def plan_detail(river: str):
    """One river's plan: the steps incidents use now and every version."""
    return jsonify(plan_versions.plan_detail(river))


@bp.put("/api/v1/plans/<river>/draft")
@require_role(*EDITORS)
@document(json=SavePlanDraft, ok=PlanDetail, tags=["plans"], security=_SECURITY)
def save_draft(river: str):
    """Create or replace the open draft's steps (`expected_row_version` of the draft read;
    none to start one)."""
    return jsonify(plan_versions.save_draft(river, params.body(SavePlanDraft),
                                            current_actor()))


@bp.post("/api/v1/plans/<river>/review")
@require_role(*EDITORS)
@document(json=PlanAction, ok=PlanDetail, tags=["plans"], security=_SECURITY)
def review_draft(river: str):
    """Mark the draft reviewed (by someone other than its author)."""
    return jsonify(plan_versions.review(river, params.body(PlanAction), current_actor()))


@bp.post("/api/v1/plans/<river>/issue")
@require_role(*EDITORS)
@document(json=PlanAction, ok=PlanDetail, tags=["plans"], security=_SECURITY)
def issue_version(river: str):
    """Issue the reviewed version (a leader): incidents use its steps from now on."""
    return jsonify(plan_versions.issue(river, params.body(PlanAction), current_actor(),
                                       current_settings()))

"""The living incident's own writes and history (issue 14): revised facts, status,
comments, earlier forecasts and the incident exported with its timeline.

Duty officers and leaders (and admins) change facts and status; every signed-in role may
comment; anonymous callers see nothing of an incident (401), whatever `PUBLIC_READ` says.
Every write carries `expected_version` (409 with the state now when stale).
"""

from __future__ import annotations

from flask import Response, jsonify

from webgis import limits
from webgis.api import params
from webgis.api.blueprint import bp
from webgis.api.openapi import document
from webgis.auth import incident_access, require_role
from webgis.contract.incident_aggregate import (
    CommentBody,
    FactsPatch,
    IncidentExport,
    RevisionDetail,
    RevisionList,
    StatusChange,
    WriteResult,
)
from webgis.edge import current_actor, current_settings
from webgis.services import incident_aggregate, incident_timeline

#: Who changes an incident's facts and status (admin always may).
CHANGERS = ("duty_officer", "leader")
#: Who may comment: every signed-in role.
COMMENTERS = ("duty_officer", "leader", "planner", "field_team")
_SECURITY: list[dict[str, list[str]]] = [{"bearer": []}, {"session": []}]


@bp.patch("/api/v1/incidents/<int:incident_id>/facts")
@require_role(*CHANGERS)
@limits.analysis
@document(json=FactsPatch, ok=WriteResult, tags=["incidents"], security=_SECURITY)
def revise_facts(incident_id: int):
    """Change facts (only those given): a new revision, the analysis run again, and
    ``facts_revised``, ``analysis_rerun`` (and ``level_changed``) in the timeline."""
    patch = params.body(FactsPatch)
    return jsonify(incident_aggregate.revise_facts(incident_id, patch, current_actor(),
                                                   current_settings()))


@bp.post("/api/v1/incidents/<int:incident_id>/status")
@require_role(*CHANGERS)
@document(json=StatusChange, ok=WriteResult, tags=["incidents"], security=_SECURITY)
def change_status(incident_id: int):
    """reported → responding → monitoring → closed (409 for any other transition)."""
    change = params.body(StatusChange)
    return jsonify(incident_aggregate.change_status(incident_id, change, current_actor()))


@bp.post("/api/v1/incidents/<int:incident_id>/comments")
@require_role(*COMMENTERS)
@document(json=CommentBody, ok=WriteResult, status=201, tags=["incidents"],
          security=_SECURITY)
def add_comment(incident_id: int):
    """A comment in the incident's timeline."""
    body = params.body(CommentBody)
    return jsonify(incident_aggregate.add_comment(incident_id, body, current_actor())), 201


@bp.get("/api/v1/incidents/<int:incident_id>/revisions")
@incident_access
@document(ok=RevisionList, tags=["incidents"], security=_SECURITY)
def list_revisions(incident_id: int):
    """The incident's forecasts, oldest first (the last is current)."""
    return jsonify(incident_timeline.list_revisions(incident_id, show_names=True))


@bp.get("/api/v1/incidents/<int:incident_id>/revisions/<int:revision_no>")
@incident_access
@document(ok=RevisionDetail, tags=["incidents"], security=_SECURITY)
def get_revision(incident_id: int, revision_no: int):
    """One forecast in full (facts, request, result)."""
    return jsonify(incident_timeline.get_revision(incident_id, revision_no,
                                                  show_names=True))


@bp.get("/api/v1/incidents/<int:incident_id>/export.json")
@incident_access
@document(ok=IncidentExport, tags=["incidents"], security=_SECURITY)
def export_json(incident_id: int):
    """The incident for the record: state, facts, every revision and the timeline."""
    resp = jsonify(incident_timeline.export_incident(incident_id))
    resp.headers["Content-Disposition"] = f'attachment; filename="incident-{incident_id}.json"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/api/v1/incidents/<int:incident_id>/timeline.csv")
@incident_access
@document(ok=None, tags=["incidents"], security=_SECURITY)
def timeline_csv(incident_id: int):
    """The timeline as CSV (UTF-8, for spreadsheets)."""
    resp = Response(incident_timeline.timeline_csv(incident_id), mimetype="text/csv")
    resp.headers["Content-Disposition"] = (
        f'attachment; filename="incident-{incident_id}-timeline.csv"')
    resp.headers["Cache-Control"] = "no-store"
    return resp

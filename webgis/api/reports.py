"""Incident reports (初报, 续报, 处理结果报告): list with the reporting clock, draft, edit,
issue, and the DOCX/PDF of each. Signed-in users only (incidents are never public);
drafting and editing need a duty officer (or leader, admin), issuing a leader (or a duty
officer where `DUTY_OFFICER_MAY_ISSUE`), checked by the service (`require_issuer`).

Routes (``rid``: the report's id)::

    GET  /api/v1/incidents/<id>/reports              reports + clock
    POST /api/v1/incidents/<id>/reports              {kind | corrects, expected_version} 201
    GET  /api/v1/incidents/<id>/reports/<rid>        one report
    PUT  /api/v1/incidents/<id>/reports/<rid>        {content, title?, expected_version}
    POST /api/v1/incidents/<id>/reports/<rid>/issue  {expected_version}
    GET  /api/v1/incidents/<id>/reports/<rid>.docx | .pdf
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, jsonify
from flask_login import current_user

from webgis import limits
from webgis.api import params
from webgis.api.blueprint import bp
from webgis.api.openapi import document
from webgis.auth import require_role
from webgis.contract.reports import (
    DraftReport,
    EditReport,
    IssueReport,
    ReportFileQuery,
    ReportList,
    ReportRow,
)
from webgis.edge import current_actor, current_settings
from webgis.errors import Unauthorized
from webgis.services import reports

_SECURITY: dict[str, Any] = {"security": [{"bearer": []}, {"session": []}],
                             "tags": ["reports"]}
_WRITERS = ("duty_officer", "leader")


def signed_in(view: Callable[..., Any]) -> Callable[..., Any]:
    """Any signed-in user (session or token): reports are never public."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            raise Unauthorized("sign in or send an API token to read this")
        return view(*args, **kwargs)

    return wrapper


@bp.get("/api/v1/incidents/<int:incident_id>/reports")
@signed_in
@document(ok=ReportList, **_SECURITY)
def list_reports(incident_id: int):
    """The incident's reports, oldest first, and its reporting clock now."""
    return jsonify(reports.list_reports(incident_id, current_settings()))


@bp.post("/api/v1/incidents/<int:incident_id>/reports")
@require_role(*_WRITERS)
@document(json=DraftReport, ok=ReportRow, status=201, **_SECURITY)
def draft_report(incident_id: int):
    """Draft the next report of `kind` from the incident (or a correction of `corrects`)."""
    body = params.body(DraftReport)
    row = reports.draft_report(incident_id, body.kind, body.expected_version, current_actor(),
                               corrects=body.corrects)
    return jsonify(row), 201


@bp.get("/api/v1/incidents/<int:incident_id>/reports/<int:report_id>")
@signed_in
@document(ok=ReportRow, **_SECURITY)
def get_report(incident_id: int, report_id: int):
    """One report with its sections."""
    return jsonify(reports.get_report(incident_id, report_id))


@bp.put("/api/v1/incidents/<int:incident_id>/reports/<int:report_id>")
@require_role(*_WRITERS)
@document(json=EditReport, ok=ReportRow, **_SECURITY)
def edit_report(incident_id: int, report_id: int):
    """New text of some sections of a draft (409 once issued)."""
    body = params.body(EditReport)
    return jsonify(reports.edit_report(incident_id, report_id, body.expected_version,
                                       current_actor(), dict(body.content), body.title))


@bp.post("/api/v1/incidents/<int:incident_id>/reports/<int:report_id>/issue")
@require_role(*_WRITERS)
@document(json=IssueReport, ok=ReportRow, **_SECURITY)
def issue_report(incident_id: int, report_id: int):
    """Issue a draft (a leader); it never changes again."""
    body = params.body(IssueReport)
    return jsonify(reports.issue_report(incident_id, report_id, body.expected_version,
                                        current_actor(), current_settings()))


@bp.get("/api/v1/incidents/<int:incident_id>/reports/<int:report_id>.<fmt>")
@signed_in
@limits.sheets
@document(ok=None, **_SECURITY)
def report_file(incident_id: int, report_id: int, fmt: str):
    """The report as a Word document (docx) or PDF."""
    fmt = params.values(ReportFileQuery, fmt=fmt).fmt
    data, filename, mimetype = reports.report_file(incident_id, report_id, fmt)
    resp = Response(data, mimetype=mimetype)
    disposition = "inline" if fmt == "pdf" else "attachment"
    resp.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    resp.headers["Cache-Control"] = "no-store"
    return resp

"""Risk supervision (issue 17 item 5): hazards at enterprises, their evidence and audit
trail, plan filing, and the dashboard with its Excel export. Signed-in users read; the
department's staff (duty officers, leaders, planners) write; every write is audited."""

from __future__ import annotations

from flask import Response, jsonify, request

from webgis.api import params
from webgis.api.blueprint import bp
from webgis.api.openapi import document
from webgis.auth import require_role
from webgis.contract.requests import SheetQuery
from webgis.contract.supervision import (
    Dashboard,
    FilingChange,
    FilingResult,
    HazardChange,
    HazardList,
    HazardQuery,
    HazardRow,
    NewHazard,
)
from webgis.edge import current_actor
from webgis.errors import Unprocessable
from webgis.services import hazards, supervision
from webgis.services.audit import audit_trail

READERS = ("duty_officer", "leader", "planner", "field_team")
WRITERS = ("duty_officer", "leader", "planner")
_SECURITY: list[dict[str, list[str]]] = [{"bearer": []}, {"session": []}]


@bp.get("/api/v1/hazards")
@require_role(*READERS)
@document(query=HazardQuery, ok=HazardList, tags=["supervision"], security=_SECURITY)
def list_hazards():
    """Hazards, the most overdue first; filters: enterprise, status, prefecture, basin,
    overdue."""
    return jsonify(hazards.list_hazards(params.query(HazardQuery)))


@bp.post("/api/v1/hazards")
@require_role(*WRITERS)
@document(json=NewHazard, ok=HazardRow, status=201, tags=["supervision"],
          security=_SECURITY)
def create_hazard():
    """Record a hazard found at an enterprise; 201 with its row (code HZ-<year>-<n>)."""
    return jsonify(hazards.create_hazard(params.body(NewHazard), current_actor())), 201


@bp.patch("/api/v1/hazards/<code>")
@require_role(*WRITERS)
@document(json=HazardChange, ok=HazardRow, tags=["supervision"], security=_SECURITY)
def change_hazard(code: str):
    """Change a hazard read at `expected_version` (409 if it changed since)."""
    return jsonify(hazards.change_hazard(code, params.body(HazardChange), current_actor()))


@bp.post("/api/v1/hazards/<code>/evidence")
@require_role(*WRITERS)
@document(ok=HazardRow, status=201, tags=["supervision"], security=_SECURITY)
def add_evidence(code: str):
    """Attach rectification evidence: a multipart form with one `file` (JPEG, PNG or PDF,
    at most 10 MB)."""
    upload = request.files.get("file")
    if upload is None:
        raise Unprocessable("send the file as multipart form field 'file'",
                            fields={"file": "missing"})
    try:
        data = upload.read(hazards.MAX_EVIDENCE_BYTES + 1)
    finally:
        upload.close()  # a large upload is spooled to a temporary file
    row = hazards.add_evidence(code, upload.filename or "", data, current_actor())
    return jsonify(row), 201


@bp.get("/api/v1/hazards/<code>/evidence/<int:evidence_id>")
@require_role(*READERS)
@document(tags=["supervision"], security=_SECURITY)
def evidence(code: str, evidence_id: int):
    """One evidence file, as uploaded."""
    filename, content_type, data = hazards.evidence_file(code, evidence_id)
    resp = Response(data, mimetype=content_type)
    resp.headers["Content-Disposition"] = f"inline; filename*=UTF-8''{_quote(filename)}"
    resp.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return resp


@bp.get("/api/v1/hazards/<code>/audit")
@require_role(*READERS)
@document(tags=["supervision"], security=_SECURITY)
def hazard_audit(code: str):
    """Who changed the hazard, when, and what it was before and after."""
    return jsonify({"code": code, "audit": audit_trail("hazard", code)})


@bp.patch("/api/v1/enterprises/<code>/filing")
@require_role(*WRITERS)
@document(json=FilingChange, ok=FilingResult, tags=["supervision"], security=_SECURITY)
def set_filing(code: str):
    """Whether the enterprise's emergency plan is filed with the department (audited)."""
    change = params.body(FilingChange)
    return jsonify(hazards.set_filing(code, change.plan_filed, current_actor()))


@bp.get("/api/v1/supervision/dashboard")
@require_role(*READERS)
@document(ok=Dashboard, tags=["supervision"], security=_SECURITY)
def dashboard():
    """Enterprises, plan filing and hazards by prefecture and by basin, with the
    department's reported figures (marked as reported)."""
    return jsonify(supervision.dashboard())


@bp.get("/api/v1/supervision/export.xlsx")
@require_role(*READERS)
@document(query=SheetQuery, tags=["supervision"], security=_SECURITY)
def dashboard_xlsx():
    """The dashboard and the hazard ledger as an Excel workbook (`?lang=zh|en`)."""
    lang = params.query(SheetQuery).lang
    body = supervision.dashboard_workbook(lang)
    resp = Response(body, mimetype="application/vnd.openxmlformats-officedocument."
                                    "spreadsheetml.sheet")
    resp.headers["Content-Disposition"] = "attachment; filename=supervision.xlsx"
    return resp


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")

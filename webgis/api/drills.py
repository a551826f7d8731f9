"""Drills (issue 15, item 5): start one from a scenario with a script of injects (planner),
read it, tick it (the page's polling plays the injects due), its score and its report."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Response, jsonify

from webgis.api import params
from webgis.api.blueprint import bp
from webgis.api.openapi import document
from webgis.auth import require_role
from webgis.contract.drills import Drill, DrillCreate, DrillFile, Score, TickResult
from webgis.edge import current_actor, current_settings
from webgis.exports.drill_report import build_drill_docx, build_drill_pdf
from webgis.services import drill_review, drills

_W: dict[str, Any] = {"tags": ["drills"], "security": [{"bearer": []}, {"session": []}]}
_READERS = ("planner", "duty_officer", "leader")
_MIME = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "pdf": "application/pdf"}


@bp.post("/api/v1/drills")
@require_role("planner")
@document(json=DrillCreate, ok=Drill, status=201, **_W)
def create_drill():
    """Start a drill from a scenario: its incident (kind drill) and its injects."""
    body = params.body(DrillCreate)
    return jsonify(drills.create_drill(body, current_actor(), current_settings())), 201


@bp.get("/api/v1/drills/<int:drill_id>")
@require_role(*_READERS)
@document(ok=Drill, **_W)
def get_drill(drill_id: int):
    """The drill, its clock and its injects (played or not)."""
    return jsonify(drills.get_drill(drill_id))


@bp.post("/api/v1/drills/<int:drill_id>/tick")
@require_role("planner", "duty_officer", "leader")
@document(ok=TickResult, **_W)
def tick_drill(drill_id: int):
    """Play every inject whose drill time has come (each once)."""
    return jsonify(drills.play_due(drill_id, datetime.now(UTC), current_settings()))


@bp.post("/api/v1/drills/<int:drill_id>/end")
@require_role("planner")
@document(ok=Drill, **_W)
def end_drill(drill_id: int):
    """End the drill (a planner): the injects left are not played."""
    return jsonify(drills.end_drill(drill_id))


@bp.get("/api/v1/drills/<int:drill_id>/score")
@require_role(*_READERS)
@document(ok=Score, **_W)
def drill_score(drill_id: int):
    """The after-action score (times in drill hours)."""
    return jsonify(drill_review.drill_score(drill_id))


@bp.get("/api/v1/drills/<int:drill_id>/report.<fmt>")
@require_role(*_READERS)
@document(ok=None, **_W)
def drill_report(drill_id: int, fmt: str):
    """The drill report: timeline, score, what was late (docx or pdf)."""
    f = params.values(DrillFile, drill_id=drill_id, fmt=fmt).fmt
    rep = drill_review.drill_report(drill_id)
    data = build_drill_docx(rep) if f == "docx" else build_drill_pdf(rep)
    resp = Response(data, mimetype=_MIME[f])
    resp.headers["Content-Disposition"] = f'attachment; filename="drill-{drill_id}.{f}"'
    resp.headers["Cache-Control"] = "no-store"
    return resp

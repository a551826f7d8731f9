"""Monitoring readings on an incident (issue 14 item 3).

* ``POST /api/v1/incidents/<id>/readings`` — one reading, or ``{"readings": [...]}``; all
  stored or none (422 naming each field). Duty officers, leaders and field teams. From a
  signed-in page the body carries ``expected_version`` (a stale one is a 409); an automatic
  station posts with its token (``Authorization: Bearer``, no CSRF token) and may leave
  the version out: its readings are appended whatever else changed.
* ``POST /api/v1/incidents/<id>/readings/upload`` — a CSV or XLSX file (form field
  ``file``), all rows or none; the error names every bad line and field.
* ``GET /api/v1/readings/template.csv|xlsx`` — the upload template.
* ``GET /api/v1/incidents/<id>/readings`` and ``.../readings/compare`` — the readings, and
  observed against predicted with the skill (signed-in users only).
* ``DELETE /api/v1/incidents/<id>/readings/<reading_id>`` — duty officers and leaders
  remove a reading entered by mistake (field teams may only add).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from flask import Response, jsonify, request
from flask_babel import gettext
from flask_login import current_user
from pydantic import BaseModel, StringConstraints

from webgis.api import params
from webgis.api.blueprint import bp
from webgis.api.openapi import document
from webgis.auth import incident_access, require_role
from webgis.contract.errors import parse
from webgis.contract.readings import (
    Comparison,
    ReadingBatch,
    ReadingList,
    ReadingPost,
    ReadingsStored,
    ReadingUploadForm,
    TemplatePath,
)
from webgis.edge import current_actor, current_settings
from webgis.errors import BadRequest, Unprocessable
from webgis.services import readings, readings_compare, readings_file
from webgis.services.readings import ReadingsInvalid

ENTERING = ("duty_officer", "leader", "field_team")
_SECURITY: list[dict[str, list[str]]] = [{"bearer": []}, {"session": []}]


class RemoveReading(BaseModel):
    """``DELETE .../readings/<reading_id>``: the version read and why."""

    expected_version: int
    reason: Annotated[str, StringConstraints(max_length=200)] = ""


def _translated(write: Callable[[], Any]) -> Any:
    """Run a write; a refusal's per-row messages are put in the request's language (the
    main message is translated with every error, `webgis.errors_http`)."""
    try:
        return write()
    except ReadingsInvalid as exc:
        said = []
        for p in exc.problems:
            try:
                said.append(gettext(p.template, **p.params))
            except (KeyError, TypeError, ValueError):
                said.append(p.message)
        if said:
            exc.fields = {f"{p.where}{p.field}": m for p, m in zip(exc.problems, said,
                                                                    strict=True)}
            exc.extra["rows"] = [{"line": p.line, "field": p.field, "message": m}
                                 for p, m in zip(exc.problems, said, strict=True)]
            exc.params["message"] = said[0]
        raise


def _via_token() -> bool:
    return bool(getattr(current_user, "via_token", False))


def _version(given: int | None) -> int | None:
    """The version the writer read: required from a signed-in page; a token's post may
    leave it out (an automatic station appends)."""
    if given is None and not _via_token():
        raise Unprocessable("%(field)s is required", {"expected_version": None},
                            params={"field": "expected_version"})
    return given


@bp.post("/api/v1/incidents/<int:incident_id>/readings")
@require_role(*ENTERING)
@document(json=ReadingBatch, ok=ReadingsStored, status=201, tags=["readings"],
          security=_SECURITY)
def post_readings(incident_id: int):
    """Store one reading (the body is the reading) or several (``{"readings": [...]}``),
    all or none, with one ``reading_entered`` event."""
    data: Any = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object", fields={"body": "malformed JSON"})
    if "readings" in data:
        batch = parse(ReadingBatch, data)
        items = [(f"readings[{i}].", None, r) for i, r in enumerate(batch.readings)]
        version = batch.expected_version
    else:
        one = parse(ReadingPost, data)
        items, version = [("", None, one)], one.expected_version
    version = _version(version)
    stored = _translated(lambda: readings.add_readings(
        incident_id, items, expected_version=version, actor=current_actor(),
        source="station" if _via_token() else "hand", settings=current_settings()))
    return jsonify(stored), 201


@bp.post("/api/v1/incidents/<int:incident_id>/readings/upload")
@require_role(*ENTERING)
@document(ok=ReadingsStored, status=201, tags=["readings"], security=_SECURITY)
def upload_readings(incident_id: int):
    """A CSV (UTF-8 or GB18030) or XLSX file in the form field ``file`` (the template's
    columns); every row stored, or none with each bad line and field named."""
    form = parse(ReadingUploadForm, {k: v for k, v in request.form.items()
                                     if k == "expected_version" and v != ""})
    upload = request.files.get("file")
    if upload is None:
        raise Unprocessable("%(field)s is required", {"file": None}, params={"field": "file"})
    data, version = upload.read(), _version(form.expected_version)
    stored = _translated(lambda: readings_file.upload_readings(
        incident_id, data, expected_version=version, actor=current_actor(),
        settings=current_settings()))
    return jsonify(stored), 201


@bp.get("/api/v1/readings/template.<fmt>")
@document(ok=None, tags=["readings"])
def readings_template(fmt: str):
    """The upload template: one header row, Chinese with the field in brackets."""
    path = params.values(TemplatePath, fmt=fmt)
    data, mimetype = readings_file.template(path.fmt)
    return Response(data, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename=readings-template.{path.fmt}"})


@bp.get("/api/v1/incidents/<int:incident_id>/readings")
@incident_access
@document(ok=ReadingList, tags=["readings"], security=_SECURITY)
def list_readings(incident_id: int):
    """The incident's readings, newest sample first (mg/L)."""
    return jsonify(readings.list_readings(incident_id, show_names=True))


@bp.get("/api/v1/incidents/<int:incident_id>/readings/compare")
@incident_access
@document(ok=Comparison, tags=["readings"], security=_SECURITY)
def compare_readings(incident_id: int):
    """Observed against predicted at each station with readings, and the skill."""
    return jsonify(readings_compare.compare(incident_id, current_settings()))


@bp.delete("/api/v1/incidents/<int:incident_id>/readings/<int:reading_id>")
@require_role("duty_officer", "leader")
@document(json=RemoveReading, tags=["readings"], security=_SECURITY)
def remove_reading(incident_id: int, reading_id: int):
    """Remove a reading entered by mistake (the timeline keeps it)."""
    body = params.body(RemoveReading)
    return jsonify(readings.remove_reading(incident_id, reading_id,
                                           expected_version=body.expected_version,
                                           actor=current_actor(), reason=body.reason))

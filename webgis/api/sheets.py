"""Field response sheets: the printable PDF, the GPS/data files and the ZIP of them all.

Saved incident: ``GET /api/v1/incidents/<id>/sheet.pdf`` (also ``/incidents/<id>/sheet.pdf``,
the link the map and the QR code use), ``.../sheet.zip`` and
``.../export.<geojson|kml|gpx|xlsx>``. Scenario (not stored): ``POST /api/v1/sheets``
(``?format=pdf|zip|geojson|kml|gpx|xlsx``, default pdf) or ``POST /api/v1/sheets.<format>``
with an analysis request body. ``?lang=en`` for English (default Chinese).

Every route here shares one rate limit (`LIMIT_SHEETS`, stricter `LIMIT_SHEETS_ANONYMOUS`):
a PDF costs more than a second of CPU. Anonymous callers get scenario sheets only when
`PUBLIC_READ` is on, and never a saved incident's (issue 14: anonymous users never see
incidents). A saved incident's XLSX and PDF carry its timeline.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, request
from flask_login import current_user

from webgis import limits
from webgis.api import params
from webgis.api.blueprint import bp
from webgis.api.openapi import document
from webgis.auth import incident_access, read_access
from webgis.contract.requests import (
    AnalysisRequest,
    ExportFormatPath,
    ScenarioSheetQuery,
    SheetFormatPath,
    SheetQuery,
)
from webgis.edge import current_settings
from webgis.services import sheet

# a file: PDF, ZIP, GeoJSON, KML, GPX or XLSX
_FILE: dict[str, Any] = {"ok": None, "tags": ["sheets"]}


def _base_url() -> str:
    return current_app.config.get("PUBLIC_URL") or request.url_root


def _send(rendered: sheet.Rendered, download: bool) -> Response:
    inline = rendered.mimetype == "application/pdf" and not download
    resp = Response(rendered.data, mimetype=rendered.mimetype)
    disposition = "inline" if inline else "attachment"
    resp.headers["Content-Disposition"] = f'{disposition}; filename="{rendered.filename}"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _incident_export(incident_id: int, fmt: str) -> Response:
    q = params.query(SheetQuery)
    return _send(sheet.incident_sheet(incident_id, fmt, lang=q.lang, base_url=_base_url(),
                                      with_officer=current_user.is_authenticated),
                 q.download is not None)


@bp.get("/api/v1/incidents/<int:incident_id>/sheet.pdf")
@bp.get("/incidents/<int:incident_id>/sheet.pdf")
@incident_access
@limits.sheets
@document(query=SheetQuery, **_FILE)
def incident_sheet_pdf(incident_id: int):
    """The printable A4 sheet of a saved incident."""
    return _incident_export(incident_id, "pdf")


@bp.get("/api/v1/incidents/<int:incident_id>/sheet.zip")
@bp.get("/incidents/<int:incident_id>/sheet.zip")
@incident_access
@limits.sheets
@document(query=SheetQuery, **_FILE)
def incident_sheet_zip(incident_id: int):
    """The PDF and every GPS/data file of a saved incident in one ZIP."""
    return _incident_export(incident_id, "zip")


@bp.get("/api/v1/incidents/<int:incident_id>/export.<fmt>")
@incident_access
@limits.sheets
@document(query=SheetQuery, **_FILE)
def incident_export(incident_id: int, fmt: str):
    """One data file of a saved incident: geojson, kml, gpx or xlsx."""
    return _incident_export(incident_id, params.values(ExportFormatPath, format=fmt).format)


def _scenario(fmt: str, q: SheetQuery) -> Response:
    req = params.body(AnalysisRequest)
    return _send(sheet.scenario_sheet(req, fmt, lang=q.lang, base_url=_base_url(),
                                      settings=current_settings()),
                 q.download is not None)


@bp.post("/api/v1/sheets")
@read_access
@limits.sheets
@document(json=AnalysisRequest, query=ScenarioSheetQuery, **_FILE)
def scenario_sheet():
    """The sheet of an analysis request (run now, stored nowhere); ``?format=`` (pdf)."""
    q = params.query(ScenarioSheetQuery)
    return _scenario(q.format, q)


@bp.post("/api/v1/sheets.<fmt>")
@read_access
@limits.sheets
@document(json=AnalysisRequest, query=SheetQuery, **_FILE)
def scenario_sheet_format(fmt: str):
    """The same, the format in the path: ``/api/v1/sheets.zip``."""
    fmt = params.values(SheetFormatPath, format=fmt).format
    return _scenario(fmt, params.query(SheetQuery))

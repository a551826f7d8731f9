"""Saved incidents: save an analysis (duty officer), list recent ones, reopen one.

Saving re-runs the analysis on the server from the request, so what is stored is what the
model says for that request on the current data — never a result sent by a browser.

Who saved an incident (`created_by`, a username) is shown to signed-in users only: with
`PUBLIC_READ` on, anonymous readers see the incidents but not the account names.
"""

from __future__ import annotations

import json
from typing import Any

from flask import current_app, jsonify
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import defer

from webgis import limits
from webgis.api import bp, params
from webgis.api.openapi import document
from webgis.auth import read_access, require_role
from webgis.contract.requests import IncidentListQuery, SaveIncident
from webgis.contract.responses import IncidentDetail, IncidentList, IncidentSummary
from webgis.errors import NotFound
from webgis.extensions import db
from webgis.models.incident import Incident
from webgis.models.user import User


def _default_title(result: dict[str, Any]) -> str:
    snap, pollutant = result.get("snap") or {}, result.get("pollutant") or {}
    return f"{snap.get('river_name', '')} {pollutant.get('name', '')}".strip() or "incident"


def _summary(inc: Incident, username: str | None, level: str | None) -> dict[str, Any]:
    lon, lat = inc.request["location"]["lon"], inc.request["location"]["lat"]
    summary = {
        "id": inc.id, "kind": inc.kind, "title": inc.title,
        "created_at": inc.created_at.isoformat() if inc.created_at else None,
        "created_by": username, "river_code": inc.river_code,
        "pollutant_code": inc.pollutant_code, "level": level, "lon": lon, "lat": lat,
        "url": f"/incidents/{inc.id}", "sheet_url": f"/incidents/{inc.id}/sheet.pdf",
    }
    if not current_user.is_authenticated:
        del summary["created_by"]  # account names are not for anonymous readers
    return summary


@bp.post("/api/v1/incidents")
@require_role("duty_officer")
@limits.analysis
@document(json=SaveIncident, ok=IncidentSummary, status=201, tags=["incidents"],
          security=[{"bearer": []}, {"session": []}])
def save_incident():
    """Analyse `request` again and store it with its result; 201 with the summary."""
    from webgis.services.analysis import analyze

    save = params.body(SaveIncident)
    title, kind, req = save.title, save.kind, save.request
    # Through the app's JSON provider: plain JSON types only in the JSONB columns.
    result = json.loads(current_app.json.dumps(analyze(db.session, req)))
    stored_request = result["request"]
    loc = stored_request["location"]
    inc = Incident(
        kind=kind,
        title=title or _default_title(result),
        created_by_id=current_user.id,
        river_code=(result.get("snap") or {}).get("river_code"),
        pollutant_code=(result.get("pollutant") or {}).get("code"),
        request=stored_request,
        result=result,
        geom=func.ST_SetSRID(func.ST_MakePoint(float(loc["lon"]), float(loc["lat"])), 4326),
    )
    db.session.add(inc)
    db.session.commit()
    level = (result.get("level") or {}).get("suggested")
    return jsonify(_summary(inc, current_user.username, level)), 201


@bp.get("/api/v1/incidents")
@read_access
@document(query=IncidentListQuery, ok=IncidentList, tags=["incidents"])
def list_incidents():
    """The most recent incidents first (`?limit=` 1..100, default 20), without results."""
    limit = params.query(IncidentListQuery).limit
    level = Incident.result["level"]["suggested"].astext
    rows = db.session.execute(
        select(Incident, User.username, level)
        .outerjoin(User, User.id == Incident.created_by_id)
        .order_by(Incident.created_at.desc(), Incident.id.desc())
        .limit(limit)
        .options(defer(Incident.result))
    ).all()
    return jsonify({"incidents": [_summary(inc, name, lv) for inc, name, lv in rows]})


@bp.get("/api/v1/incidents/<int:incident_id>")
@read_access
@document(ok=IncidentDetail, tags=["incidents"])
def get_incident(incident_id: int):
    """One saved incident with its request and the result as it was analysed."""
    row = db.session.execute(
        select(Incident, User.username)
        .outerjoin(User, User.id == Incident.created_by_id)
        .where(Incident.id == incident_id)
    ).first()
    if row is None:
        raise NotFound(f"no incident {incident_id}", fields={"id": incident_id})
    inc, username = row
    level = (inc.result.get("level") or {}).get("suggested")
    return jsonify({**_summary(inc, username, level), "request": inc.request,
                    "result": inc.result})

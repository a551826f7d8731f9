"""Saved incidents: save an analysis (duty officer), list recent ones, reopen one.

Saving stores the server's analysis of the request on the current data — never a result sent
by a browser: the one this process answered for the same request and data minutes ago (what
the officer saw, stored as it was serialised), else the analysis run now.

Who saved an incident (`created_by`, a username) is shown to signed-in users only: with
`PUBLIC_READ` on, anonymous readers see the incidents but not the account names.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_login import current_user
from sqlalchemy import Text, cast, func, literal, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import defer

from webgis import limits
from webgis.api import bp
from webgis.auth import read_access, require_role
from webgis.errors import BadRequest, NotFound
from webgis.extensions import db
from webgis.models.incident import INCIDENT_KINDS, Incident
from webgis.models.user import User

MAX_TITLE = 200


def _parse(body: Any) -> tuple[str | None, str, dict[str, Any]]:
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object", fields={"body": "malformed JSON"})
    title = body.get("title")
    if title is not None and (not isinstance(title, str) or len(title) > MAX_TITLE
                              or any(ord(ch) < 32 for ch in title)):
        raise BadRequest(f"title must be text of at most {MAX_TITLE} characters, without "
                         "control characters",
                         fields={"title": title if isinstance(title, str) else repr(title)})
    kind = body.get("kind", "incident")
    if kind not in INCIDENT_KINDS:
        raise BadRequest(f"kind must be one of {', '.join(INCIDENT_KINDS)}", fields={"kind": kind})
    req = body.get("request")
    if not isinstance(req, dict):
        raise BadRequest("request must be the analysis request object",
                         fields={"request": "missing or not an object"})
    return (title.strip() if title else None), kind, req


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
def save_incident():
    """Store `request` with its analysis (not run again when just shown); 201 with the
    summary."""
    from webgis.services.analysis import analysis_for_saving

    title, kind, req = _parse(request.get_json(silent=True))
    analysis = analysis_for_saving(db.session, req)
    result = analysis.result
    stored_request = result.get("request") or req
    loc = stored_request["location"]
    inc = Incident(
        kind=kind,
        title=title or _default_title(result),
        created_by_id=current_user.id,
        river_code=(result.get("snap") or {}).get("river_code"),
        pollutant_code=(result.get("pollutant") or {}).get("code"),
        request=stored_request,
        # the analysis' own JSON text, cast by PostgreSQL (no second serialisation)
        result=cast(literal(analysis.json.decode(), Text), JSONB),
        geom=func.ST_SetSRID(func.ST_MakePoint(float(loc["lon"]), float(loc["lat"])), 4326),
    )
    db.session.add(inc)
    db.session.commit()
    level = (result.get("level") or {}).get("suggested")
    return jsonify(_summary(inc, current_user.username, level)), 201


@bp.get("/api/v1/incidents")
@read_access
def list_incidents():
    """The most recent incidents first (`?limit=` 1..100, default 20), without results."""
    raw = request.args.get("limit", "20")
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 100:
        raise BadRequest("limit must be an integer from 1 to 100", fields={"limit": raw})
    level = Incident.result["level"]["suggested"].astext
    rows = db.session.execute(
        select(Incident, User.username, level)
        .outerjoin(User, User.id == Incident.created_by_id)
        .order_by(Incident.created_at.desc(), Incident.id.desc())
        .limit(int(raw))
        .options(defer(Incident.result))
    ).all()
    return jsonify({"incidents": [_summary(inc, name, lv) for inc, name, lv in rows]})


@bp.get("/api/v1/incidents/<int:incident_id>")
@read_access
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

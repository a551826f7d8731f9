"""Saved incidents: save an analysis (duty officer), list recent ones, reopen one.

Saving stores the server's analysis of the request on the current data — never a result sent
by a browser: the one this process answered for the same request and data minutes ago (what
the officer saw, stored as it was serialised), else the analysis run now. The
handlers parse and call `webgis.services.incidents`, which owns the queries and the commit.

Who saved an incident (`created_by`, a username) is shown to signed-in users only: with
`PUBLIC_READ` on, anonymous readers see the incidents but not the account names.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_login import current_user

from webgis import limits
from webgis.api.blueprint import bp
from webgis.auth import read_access, require_role
from webgis.edge import current_settings
from webgis.errors import BadRequest
from webgis.services import incidents
from webgis.services.incidents import INCIDENT_KINDS

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


@bp.post("/api/v1/incidents")
@require_role("duty_officer")
@limits.analysis
def save_incident():
    """Store `request` with its analysis (not run again when just shown); 201 with the
    summary."""
    title, kind, req = _parse(request.get_json(silent=True))
    # Through the app's JSON provider: plain JSON types only in the JSONB columns.
    saved = incidents.save_incident(req, kind=kind, title=title, user_id=current_user.id,
                                    username=current_user.username, settings=current_settings())
    return jsonify(saved), 201


@bp.get("/api/v1/incidents")
@read_access
def list_incidents():
    """The most recent incidents first (`?limit=` 1..100, default 20), without results."""
    raw = request.args.get("limit", "20")
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 100:
        raise BadRequest("limit must be an integer from 1 to 100", fields={"limit": raw})
    rows = incidents.list_incidents(int(raw), show_names=current_user.is_authenticated)
    return jsonify({"incidents": rows})


@bp.get("/api/v1/incidents/<int:incident_id>")
@read_access
def get_incident(incident_id: int):
    """One saved incident with its request and the result as it was analysed."""
    return jsonify(incidents.get_incident(incident_id,
                                          show_names=current_user.is_authenticated))

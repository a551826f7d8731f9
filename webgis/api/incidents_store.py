"""Saved incidents: save an analysis (duty officer), list recent ones, reopen one.

Saving stores the server's analysis of the request on the current data — never a result sent
by a browser: the one this process answered for the same request and data minutes ago (what
the officer saw, stored as it was serialised), else the analysis run now. The
handlers parse and call `webgis.services.incidents`, which owns the queries and the commit.

Anonymous callers never see incidents (401, whatever `PUBLIC_READ` says: it keeps layers
and analyses public only); duty officers and leaders save them.
"""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user

from webgis import limits
from webgis.api import incident_live as live
from webgis.api import params
from webgis.api.blueprint import bp
from webgis.api.openapi import document
from webgis.auth import incident_access, require_role
from webgis.contract.requests import EventsQuery, IncidentListQuery, SaveIncident
from webgis.contract.responses import (
    IncidentDetail,
    IncidentEvents,
    IncidentList,
    IncidentSummary,
)
from webgis.edge import current_actor, current_settings
from webgis.services import incidents


@bp.post("/api/v1/incidents")
@require_role("duty_officer", "leader")
@limits.analysis
@document(json=SaveIncident, ok=IncidentSummary, status=201, tags=["incidents"],
          security=[{"bearer": []}, {"session": []}])
def save_incident():
    """Store `request` with its analysis (not run again when just shown); 201 with the
    summary, or 200 with the first incident when this `client_key` was saved before."""
    save = params.body(SaveIncident)
    actor = current_actor()
    saved = incidents.save_incident(save.request, kind=save.kind, title=save.title,
                                    user_id=current_user.id, username=actor.username,
                                    role=actor.role, client_key=save.client_key,
                                    settings=current_settings())
    return jsonify(saved), 200 if saved.get("existing") else 201


@bp.get("/api/v1/incidents")
@incident_access
@document(query=IncidentListQuery, ok=IncidentList, tags=["incidents"])
def list_incidents():
    """The most recent incidents first (`?limit=` 1..100, default 20; `?kind=drill` for
    drills), without results."""
    query = params.query(IncidentListQuery)
    rows = incidents.list_incidents(query.limit, kind=query.kind,
                                    show_names=current_user.is_authenticated)
    return jsonify({"incidents": rows})


@bp.get("/api/v1/incidents/<int:incident_id>")
@incident_access
@document(ok=IncidentDetail, tags=["incidents"])
def get_incident(incident_id: int):
    """One saved incident with its request and the result as it was analysed."""
    return jsonify(incidents.get_incident(incident_id,
                                          show_names=current_user.is_authenticated))


@bp.get("/api/v1/incidents/<int:incident_id>/events")
@incident_access
@document(query=EventsQuery, ok=IncidentEvents, tags=["incidents"])
def incident_events(incident_id: int):
    """The incident's timeline after `?after=` (a sequence number; 0 = all), oldest first,
    with the incident's version now; 304 without a body when `If-None-Match` names the
    version the client holds (its `ETag`): the pages poll this every second."""
    after = params.query(EventsQuery).after
    return live.events_response(incident_id, after, current_user.is_authenticated)

"""Downstream alerts of an incident: the notify list and the alerts (signed-in users only),
send (duty officer), update (duty officer), end of alert (leader, or a duty officer where
configured). Acknowledgement links are pages (`webgis.web.alerts`), not API routes."""

from __future__ import annotations

from flask import jsonify, request

from webgis.api import params
from webgis.api.blueprint import bp
from webgis.api.openapi import document
from webgis.auth import incident_access, require_role
from webgis.contract.alerts import AlertList, AlertsSent, FollowAlerts, SendAlerts
from webgis.edge import current_actor, current_settings
from webgis.services import alerts

_SECURITY: list[dict[str, list[str]]] = [{"bearer": []}, {"session": []}]


def base_url() -> str:
    """Where links in alerts point: WEBGIS_PUBLIC_URL, else the address the request came
    to."""
    return current_settings().public_url or request.host_url


@bp.get("/api/v1/incidents/<int:incident_id>/alerts")
@incident_access  # never anonymous: alerts name people and carry live links
@document(ok=AlertList, tags=["alerts"], security=_SECURITY)
def list_alerts(incident_id: int):
    """The notify list with each administration's state and every alert sent (newest
    first), with acknowledgement and e-mail status; overdue ones flagged."""
    return jsonify(alerts.list_alerts(incident_id, current_settings(), base_url()))


@bp.post("/api/v1/incidents/<int:incident_id>/alerts")
@require_role("duty_officer", "leader")
@document(json=SendAlerts, ok=AlertsSent, status=201, tags=["alerts"], security=_SECURITY)
def send_alerts(incident_id: int):
    """Alert administrations of the notify list (all not alerted yet when `recipients` is
    left out); e-mailed when SMTP is configured and an address is known."""
    req = params.body(SendAlerts)
    return jsonify(alerts.send_alerts(incident_id, req, current_actor(), current_settings(),
                                      base_url())), 201


@bp.post("/api/v1/incidents/<int:incident_id>/alerts/update")
@require_role("duty_officer", "leader")
@document(json=FollowAlerts, ok=AlertsSent, status=201, tags=["alerts"],
          security=_SECURITY)
def update_alerts(incident_id: int):
    """Send the current forecast to the administrations with an open alert."""
    req = params.body(FollowAlerts)
    return jsonify(alerts.update_alerts(incident_id, req, current_actor(),
                                        current_settings(), base_url())), 201


@bp.post("/api/v1/incidents/<int:incident_id>/alerts/end")
@require_role("duty_officer", "leader")
@document(json=FollowAlerts, ok=AlertsSent, status=201, tags=["alerts"],
          security=_SECURITY)
def end_alerts(incident_id: int):
    """End of alert (解除预警) to the administrations with an open alert: a leader's, or a
    duty officer's with WEBGIS_DUTY_OFFICER_MAY_ISSUE; 409 when none is open."""
    req = params.body(FollowAlerts)
    return jsonify(alerts.end_alerts(incident_id, req, current_actor(), current_settings(),
                                     base_url())), 201

"""Pages of downstream alerts: the acknowledgement page a recipient opens from the link in
the alert (no sign-in, no CSRF token: the link itself is the single-purpose credential),
and the printable alerts of an incident (signed-in users).

The acknowledgement page answers JSON to a client that asks for it (``Accept:
application/json`` or a JSON body), so scripts and the tests can use the same link.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from webgis.contract.alerts import Acknowledge
from webgis.contract.errors import parse
from webgis.edge import current_settings
from webgis.errors import WebgisError
from webgis.errors_http import error_body, status_of
from webgis.extensions import csrf
from webgis.services import alert_ack, alerts

bp = Blueprint("alerts", __name__)


def _base_url() -> str:
    return current_settings().public_url or request.host_url


def _wants_json() -> bool:
    return request.is_json or request.accept_mimetypes.best == "application/json"


def _error_page(err: WebgisError, token: str, form: dict[str, Any] | None = None):
    body = error_body(err)
    status = status_of(err)
    if _wants_json():
        return jsonify(body), status
    view = None
    if err.code == "invalid":  # a bad form: show the alert again with the field named
        try:
            view = alert_ack.alert_for_link(token, current_settings(), _base_url())
        except WebgisError:
            view = None
    return render_template("alerts/ack.html", view=view, error=body, form=form or {},
                           token=token), status


@bp.route("/ack/<token>", methods=["GET", "POST"])
@csrf.exempt
def acknowledge(token: str):
    """GET: the alert and the acknowledgement form; POST (form or JSON ``name``, ``note``):
    record who acknowledged it and when (a repeat shows the first acknowledgement)."""
    settings = current_settings()
    if request.method == "GET":
        try:
            view = alert_ack.alert_for_link(token, settings, _base_url())
        except WebgisError as err:
            return _error_page(err, token)
        if _wants_json():
            return jsonify(view)
        return render_template("alerts/ack.html", view=view, error=None, form={},
                               token=token)
    data = (request.get_json(silent=True) if request.is_json else None) or {
        "name": request.form.get("name", ""), "note": request.form.get("note", "")}
    try:
        form = parse(Acknowledge, data)
        answer = alert_ack.acknowledge(token, form, settings, _base_url())
    except WebgisError as err:
        return _error_page(err, token, data if isinstance(data, dict) else None)
    if _wants_json():
        return jsonify(answer)
    return redirect(url_for("web.alerts.acknowledge", token=token, done=1), code=303)


def _printable(incident_id: int, alert_id: int | None):
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    data = alerts.printable(incident_id, alert_id, current_settings(), _base_url())
    return render_template("alerts/print.html", data=data)


@bp.get("/incidents/<int:incident_id>/alerts/print")
def print_all(incident_id: int):
    """Every alert of the incident, oldest first, one per printed page."""
    return _printable(incident_id, None)


@bp.get("/incidents/<int:incident_id>/alerts/<int:alert_id>/print")
def print_one(incident_id: int, alert_id: int):
    """One alert, ready to print, fax or read over the phone."""
    return _printable(incident_id, alert_id)

"""Incident analysis: where the plume goes, when, how strong, who can stop it."""

from __future__ import annotations

from flask import Response, jsonify, request

from webgis import limits
from webgis.api.blueprint import bp
from webgis.auth import read_access
from webgis.edge import current_settings
from webgis.errors import BadRequest
from webgis.services.hydraulics import reach as reach_detail
from webgis.services.incidents import analyse


@bp.post("/api/v1/incidents/analyze")
@read_access
@limits.analysis
def analyze_incident():
    """Analyse a spill; stores nothing (see README for the request and response)."""
    body = request.get_json(silent=True)
    if body is None:
        raise BadRequest("the body must be a JSON object", fields={"body": "malformed JSON"})
    # the result's one serialisation (webgis.contract.result), sent as it is
    return Response(analyse(body, current_settings()).json, mimetype="application/json")


@bp.get("/api/v1/reaches/<code>")
@read_access
def reach(code: str):
    """A reach as a GeoJSON feature, with its hydraulics for `?season=` (dry|normal|flood)."""
    return jsonify(reach_detail(code, request.args.get("season", "normal")))

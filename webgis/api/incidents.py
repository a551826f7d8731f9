"""Incident analysis: where the plume goes, when, how strong, who can stop it."""

from __future__ import annotations

from flask import Response, jsonify

from webgis import limits
from webgis.api import params
from webgis.api.blueprint import bp
from webgis.api.openapi import document
from webgis.auth import read_access
from webgis.contract.requests import AnalysisRequest, ReachQuery
from webgis.contract.responses import AnalysisResultJson, ReachHydraulics
from webgis.edge import current_settings
from webgis.services.hydraulics import reach as reach_detail
from webgis.services.incidents import analyse


@bp.post("/api/v1/incidents/analyze")
@read_access
@limits.analysis
@document(json=AnalysisRequest, ok=AnalysisResultJson, tags=["analysis"])
def analyze_incident():
    """Analyse a spill; stores nothing (see README for the request and response)."""
    req = params.body(AnalysisRequest)
    # the result's one serialisation (webgis.contract.result), sent as it is
    return Response(analyse(req, current_settings()).json, mimetype="application/json")


@bp.get("/api/v1/reaches/<code>")
@read_access
@document(query=ReachQuery, ok=ReachHydraulics, tags=["layers"])
def reach(code: str):
    """A reach as a GeoJSON feature, with its hydraulics for `?season=` (dry|normal|flood)."""
    return jsonify(reach_detail(code, params.query(ReachQuery).season))

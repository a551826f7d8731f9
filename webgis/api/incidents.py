"""Incident analysis: where the plume goes, when, how strong, who can stop it."""

from __future__ import annotations

from flask import jsonify

from webgis import limits
from webgis.api import bp, params
from webgis.api.openapi import document
from webgis.auth import read_access
from webgis.contract.requests import AnalysisRequest, ReachQuery
from webgis.contract.responses import AnalysisResultJson, ReachHydraulics
from webgis.extensions import db
from webgis.services.analysis import analyze
from webgis.services.hydraulics import reach_detail

# NOTE (issue 13, merge): the typed result `webgis.contract.result.AnalysisResult` (helper
# C2) replaces `AnalysisResultJson` here and in webgis/api/sheets.py when both branches meet.
_Result = AnalysisResultJson


@bp.post("/api/v1/incidents/analyze")
@read_access
@limits.analysis
@document(json=AnalysisRequest, ok=_Result, tags=["analysis"])
def analyze_incident():
    """Analyse a spill; stores nothing (see README for the request and response)."""
    return jsonify(analyze(db.session, params.body(AnalysisRequest)))


@bp.get("/api/v1/reaches/<code>")
@read_access
@document(query=ReachQuery, ok=ReachHydraulics, tags=["layers"])
def reach(code: str):
    """A reach as a GeoJSON feature, with its hydraulics for `?season=` (dry|normal|flood)."""
    return jsonify(reach_detail(db.session, code, params.query(ReachQuery).season))

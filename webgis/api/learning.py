"""Calibration to readings and uncertainty bands (issue 16, items 3 and 4)."""

from __future__ import annotations

from flask import jsonify, request

from webgis import limits
from webgis.api import params
from webgis.api.blueprint import bp
from webgis.api.openapi import document
from webgis.auth import read_access
from webgis.contract.learning import (
    CalibrationRequest,
    CalibrationResult,
    EnsembleRequest,
    EnsembleResult,
    IncidentCalibrationRequest,
    IncidentCalibrationResult,
)
from webgis.edge import current_settings
from webgis.services import learning


@bp.post("/api/v1/calibrate")
@read_access
@limits.analysis
@document(json=CalibrationRequest, ok=CalibrationResult, tags=["analysis"])
def calibrate():
    """Fit a spill (mass, start, duration, velocity and dispersion factors) to measured
    readings and forecast every receptor again next to the uncalibrated forecast, with
    the calibrated ensemble's P5/P50/P95; stores nothing."""
    return jsonify(learning.calibrate(params.body(CalibrationRequest), current_settings()))


@bp.post("/api/v1/ensemble")
@read_access
@limits.analysis
@document(json=EnsembleRequest, ok=EnsembleResult, tags=["analysis"])
def ensemble():
    """Monte Carlo bands (P5/P50/P95 of arrival, peak time and peak) at every receptor
    of a spill, compared with the safe-side worst case; stores nothing."""
    return jsonify(learning.ensemble(params.body(EnsembleRequest), current_settings()))


@bp.post("/api/v1/incidents/<int:incident_id>/calibrate")
@read_access
@limits.analysis
@document(json=IncidentCalibrationRequest, ok=IncidentCalibrationResult, tags=["incidents"])
def calibrate_incident(incident_id: int):
    """Fit a saved incident to its stored readings (those of its pollutant, QA "ok") and
    forecast every receptor again, with the calibrated ensemble; stores nothing."""
    body = request.get_json(silent=True)
    return jsonify(learning.calibrate_incident(incident_id, body if body is not None else {},
                                               current_settings()))

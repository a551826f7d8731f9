"""Upstream navigation: the river network above a point or reach, with its features."""

from __future__ import annotations

from flask import jsonify

from webgis.api import params
from webgis.api.blueprint import bp
from webgis.api.openapi import document
from webgis.auth import read_access
from webgis.contract.requests import UpstreamQuery
from webgis.contract.responses import UpstreamResult
from webgis.edge import current_settings
from webgis.services.upstream import upstream as trace


@bp.get("/api/v1/upstream")
@read_access
@document(query=UpstreamQuery, ok=UpstreamResult, tags=["analysis"])
def upstream():
    """The network above `?lon=&lat=` (snapped) or `?reach=CODE` (its downstream end):
    `mode=main|all`, limited by `max_km` and/or `max_h` for the `season`; every outfall,
    intake, section and interception point on it, nearest first, with distance and travel
    time to the start (`case=worst`, the default: the safe side, shortest times)."""
    return jsonify(trace(params.query(UpstreamQuery), current_settings()))

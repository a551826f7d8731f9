"""Liveness and what the database holds."""

from __future__ import annotations

from flask import jsonify
from sqlalchemy.exc import SQLAlchemyError

from webgis.api.blueprint import bp
from webgis.api.openapi import document
from webgis.contract.responses import Health as HealthBody
from webgis.services.health import health


@bp.get("/healthz")
@document(ok=HealthBody, tags=["health"])
def healthz():
    """Database and PostGIS versions and per-layer counts; 503 when the database is down."""
    try:
        found = health()
    except SQLAlchemyError as exc:
        return jsonify({"status": "error", "error": str(exc.__class__.__name__)}), 503
    return jsonify({"status": "ok", "postgresql": found.postgresql, "postgis": found.postgis,
                    "counts": found.counts})

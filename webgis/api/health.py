"""Liveness and what the database holds."""

from __future__ import annotations

from flask import jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from webgis.api import bp
from webgis.api.openapi import document
from webgis.contract.responses import Health
from webgis.extensions import db
from webgis.services.layers import layer_counts


@bp.get("/healthz")
@document(ok=Health, tags=["health"])
def healthz():
    """Database and PostGIS versions and per-layer counts; 503 when the database is down."""
    try:
        pg = db.session.scalar(text("SHOW server_version"))
        postgis = db.session.scalar(text("SELECT postgis_lib_version()"))
        counts = layer_counts(db.session)
    except SQLAlchemyError as exc:
        db.session.rollback()
        return jsonify({"status": "error", "error": str(exc.__class__.__name__)}), 503
    return jsonify({"status": "ok", "postgresql": pg, "postgis": postgis, "counts": counts})

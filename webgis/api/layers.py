"""Map layers: GeoJSON FeatureCollections with bbox filtering and simplification."""

from __future__ import annotations

from flask import jsonify, request

from webgis.api import bp
from webgis.auth import read_access
from webgis.extensions import db
from webgis.services import layers


@bp.get("/api/v1/layers")
@read_access
def list_layers():
    """The layer names this API serves."""
    return jsonify({"layers": sorted(layers.LAYERS)})


@bp.get("/api/v1/<name>")
@read_access
def layer(name: str):
    """`?bbox=minlon,minlat,maxlon,maxlat` filters; `?zoom=Z` simplifies for that map scale."""
    layers.get_layer(name)
    bbox = layers.parse_bbox(request.args.get("bbox"))
    tolerance = layers.tolerance_for_zoom(request.args.get("zoom"))
    return jsonify(layers.feature_collection(db.session, name, bbox, tolerance))


@bp.get("/api/v1/<name>/<code>")
@read_access
def feature(name: str, code: str):
    """One feature by its code."""
    return jsonify(layers.one_feature(db.session, name, code))

"""Map layers: GeoJSON FeatureCollections with bbox filtering and simplification.

A layer read is built from PostGIS once per dataset version and set of parameters, then
kept compressed in this process (`compression.BodyCache`) and sent with a strong ETag, so
a repeated read costs a lookup and a client holding the current copy gets a 304.
"""

from __future__ import annotations

from flask import current_app, jsonify

from webgis import compression
from webgis.api import params
from webgis.api.blueprint import bp
from webgis.api.openapi import document
from webgis.auth import read_access
from webgis.contract.requests import LayerQuery
from webgis.contract.responses import Feature, FeatureCollection, LayerList
from webgis.services import layers
from webgis.services.reference import current_dataset_key

#: Per worker. Every layer unfiltered is ~3.5 MB plain and ~0.5 MB gzipped with this
#: dataset; bbox and zoom variants share what is left, least recently used dropped first.
_bodies = compression.BodyCache(max_bytes=64 * 2**20)
_version: list[str] = [""]  # the dataset version the cached bodies belong to


def _cached(key: tuple, build) -> compression.Packed:
    version = current_dataset_key()
    if version != _version[0]:  # a load changed the dataset: the old bodies are dead
        _bodies.clear()
        _version[0] = version

    def make() -> compression.Packed:
        raw = current_app.json.dumps(build()).encode()
        return compression.pack(raw, compression.etag(version, *key))

    return _bodies.get((version, *key), make)


@bp.get("/api/v1/layers")
@read_access
@document(ok=LayerList, tags=["layers"])
def list_layers():
    """The layer names this API serves."""
    return jsonify({"layers": sorted(layers.LAYERS)})


@bp.get("/api/v1/<name>")
@read_access
@document(query=LayerQuery, ok=FeatureCollection, tags=["layers"])
def layer(name: str):
    """`?bbox=minlon,minlat,maxlon,maxlat` filters; `?zoom=Z` simplifies for that map scale."""
    layers.get_layer(name)
    q = params.query(LayerQuery)
    bbox, tolerance = q.bbox, layers.tolerance_for_zoom(q.zoom)
    body = _cached(("layer", name, bbox, tolerance),
                   lambda: layers.read_layer(name, bbox, tolerance))
    return compression.send(body, "application/json")


@bp.get("/api/v1/<name>/<code>")
@read_access
@document(ok=Feature, tags=["layers"])
def feature(name: str, code: str):
    """One feature by its code."""
    layers.get_layer(name)
    body = _cached(("feature", name, code),
                   lambda: layers.read_feature(name, code))
    return compression.send(body, "application/json")

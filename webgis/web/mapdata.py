"""The map's layers in one compact, cached, gzip-compressed response.

The page needs ten layers at once; fetching them one by one from `/api/v1/<layer>` means
ten round trips and ~1.2 MB of properties the map never shows (`source` notes are most of
it). This reads the same collections through `services.layers.read_layer`, keeps
only the properties the map uses, rounds coordinates to what the zoom can show, and caches
the compressed bytes per dataset version (`services.reference.current_dataset_key`) and zoom;
`compression.send` answers with them or a 304.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any

from flask import Flask

from webgis import compression
from webgis.services.layers import read_layer, tolerance_for_zoom
from webgis.services.reference import current_dataset_key
from webgis.services.uow import end_of_context

NAMES = ("code", "name_zh", "name_en")
#: Per layer: the properties the map shows (popups, styling, search).
KEEP: dict[str, tuple[str, ...]] = {
    "admin_areas": (*NAMES, "level"),
    "places": (*NAMES, "kind"),
    "rivers": (*NAMES, "basin", "is_key", "length_km", "receiving_code", "receiving_name_zh"),
    "water_sources": (*NAMES, "serves", "serves_name_zh", "population_served", "reach",
                      "river_code"),
    "sections": (*NAMES, "level", "target_class", "is_exit", "boundary", "reach", "river_code"),
    "interception_points": (*NAMES, "kind", "capacity_m3", "holding_h", "techniques", "access",
                            "access_road_km", "reach", "river_code"),
    "depots": (*NAMES, "kind", "status", "operator", "address", "contact_name", "contact_phone",
               "fictitious_contact", "inventory"),
    "teams": (*NAMES, "base", "headcount", "specialities", "equipment", "contact_name",
              "contact_phone", "fictitious_contact"),
    "enterprises": (*NAMES, "risk_level", "industry", "plan_filed", "fictitious",
                    "outfall_reach", "outfall_measure", "substances"),
    "pollutants": (*NAMES, "cas", "pclass", "limit_class3_mgl", "limit_source_mgl", "behaviour",
                   "techniques_zh", "techniques_en", "limit_class2_mgl", "solubility_mgl",
                   "species_zh", "species_en", "species_factor"),
}
#: Layers whose geometry is simplified for the zoom (points are kept exact).
SIMPLIFIED = ("admin_areas", "rivers")
ZOOMS = range(4, 15)

_cache: OrderedDict[tuple[str, int], compression.Packed] = OrderedDict()
_lock = threading.Lock()
_build_lock = threading.Lock()
CACHE_SIZE = 8


def _round(coords: Any, digits: int) -> Any:
    if isinstance(coords, int | float):
        return round(coords, digits)
    return [_round(c, digits) for c in coords]


def _compact(name: str, fc: dict[str, Any], digits: int) -> dict[str, Any]:
    keep = KEEP[name]
    features = []
    for f in fc["features"]:
        geom = f["geometry"]
        if geom is not None:
            geom = {"type": geom["type"], "coordinates": _round(geom["coordinates"], digits)}
        props = {k: f["properties"].get(k) for k in keep}
        features.append({"type": "Feature", "geometry": geom, "properties": props})
    return {"type": "FeatureCollection", "name": name, "features": features}


def build(zoom: int) -> dict[str, Any]:
    """All map layers, trimmed; line and polygon geometry simplified for `zoom`."""
    # Boundaries are drawn thin and dashed: one zoom level coarser is indistinguishable.
    tolerance = {"rivers": tolerance_for_zoom(zoom),
                 "admin_areas": tolerance_for_zoom(max(zoom - 1, 0))}
    # About a tenth of a pixel at this zoom, at least 1e-5 degrees (1 m).
    digits = min(5, max(3, zoom // 2 + 1))
    layers = {}
    for name in KEEP:
        fc = read_layer(name, tolerance=tolerance.get(name))
        layers[name] = _compact(name, fc, digits if name in SIMPLIFIED else 5)
    return {"zoom": zoom, "layers": layers}


def warm(app: Flask, zoom: int) -> None:
    """Build the payload in the background (the page asks for it a moment later)."""
    if app.testing or any(k[1] == zoom for k in _cache):
        return

    def run() -> None:
        with app.app_context():
            try:
                payload(zoom)
            except Exception:  # best effort: the request itself builds it again
                app.logger.exception("warming the map layer bundle failed")
            finally:
                end_of_context()

    threading.Thread(target=run, name="map-layers-warm", daemon=True).start()


def payload(zoom: int) -> compression.Packed:
    """The JSON bytes for `zoom` with their gzip copy and ETag, cached per dataset version."""
    key = (current_dataset_key(), zoom)
    hit = _cache.get(key)
    if hit is None:
        with _build_lock:  # one build at a time: a concurrent request waits for it
            hit = _cache.get(key)
            if hit is None:
                data = build(zoom)
                raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
                hit = compression.pack(raw, compression.etag(key[0], "map", zoom))
                with _lock:
                    _cache[key] = hit
                    while len(_cache) > CACHE_SIZE:
                        _cache.popitem(last=False)
    return hit

"""An area to screen: a circle around an epicentre or a polygon, and what lies inside.

The shape is checked before anything is stored (a 422 naming ``area.polygon`` or
``area.centre``): a polygon must be a valid GeoJSON Polygon or MultiPolygon (a Feature or a
FeatureCollection of them is accepted, as a drawn or exported file holds), and the shape
must lie in Gansu's neighbourhood (:data:`NEIGHBOURHOOD`). An area with nothing inside is
not an error: the run is empty and says so.
"""

from __future__ import annotations

from typing import Any

import orjson
import shapely
from shapely.geometry import shape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webgis import models as m
from webgis.contract.screening import MAX_POLYGON_VERTICES, Area
from webgis.errors import Unprocessable

# Gansu (92.2–108.8°E, 32.5–42.8°N) and two degrees around it
NEIGHBOURHOOD = (90.0, 30.5, 111.0, 45.0)
TAILINGS_INDUSTRIES = ("tailings",)
WASTEWATER_INDUSTRIES = ("wastewater",)


def polygon_of(raw: dict[str, Any]) -> shapely.Geometry:
    """The (Multi)Polygon of a GeoJSON geometry, Feature or FeatureCollection; 422 naming
    ``area.polygon`` when it is none, or not valid, or too large to be drawn by hand."""
    field = "area.polygon"
    kind = raw.get("type")
    _enough_vertices(field, raw)
    try:
        if kind == "FeatureCollection":
            parts = [shape(f["geometry"]) for f in raw.get("features") or []]
            geom = shapely.union_all(parts) if parts else None
        elif kind == "Feature":
            geom = shape(raw["geometry"])
        else:
            geom = shape(raw)
    except (KeyError, TypeError, ValueError, AttributeError, shapely.errors.GEOSException):
        raise Unprocessable("%(field)s must be a GeoJSON Polygon or MultiPolygon",
                            fields={field: kind}, params={"field": field}) from None
    if geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise Unprocessable("%(field)s must be a GeoJSON Polygon or MultiPolygon",
                            fields={field: kind}, params={"field": field})
    if shapely.get_num_coordinates(geom) > MAX_POLYGON_VERTICES:
        raise Unprocessable("%(field)s has more than %(n)s vertices",
                            fields={field: int(shapely.get_num_coordinates(geom))},
                            params={"field": field, "n": MAX_POLYGON_VERTICES})
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        raise Unprocessable("%(field)s is not a valid polygon: %(reason)s",
                            fields={field: reason}, params={"field": field, "reason": reason})
    _near_gansu(field, geom.bounds)
    return geom


def _enough_vertices(field: str, raw: Any) -> None:
    """422 naming ``area.polygon`` and the count when a ring has fewer than three distinct
    vertices: a polygon drawn with one or two clicks is said so, not "not a polygon"."""
    if not isinstance(raw, dict):
        return
    kind = raw.get("type")
    if kind == "FeatureCollection":
        for f in raw.get("features") or []:
            if isinstance(f, dict):
                _enough_vertices(field, f.get("geometry"))
        return
    if kind == "Feature":
        _enough_vertices(field, raw.get("geometry"))
        return
    coords = raw.get("coordinates")
    polygons = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else None
    if not isinstance(polygons, list):
        return
    for rings in polygons:
        for ring in rings if isinstance(rings, list) else []:
            try:
                n = len({(float(p[0]), float(p[1])) for p in ring})
            except (TypeError, ValueError, IndexError, KeyError):
                return  # not coordinates at all: shape() below says so
            if n < 3:
                raise Unprocessable("%(field)s needs at least 3 distinct vertices, has %(n)s",
                                    fields={field: n}, params={"field": field, "n": n})


def _near_gansu(field: str, bounds: tuple[float, float, float, float]) -> None:
    x0, y0, x1, y1 = NEIGHBOURHOOD
    if bounds[0] < x0 or bounds[1] < y0 or bounds[2] > x1 or bounds[3] > y1:
        raise Unprocessable(
            "%(field)s is not in Gansu's neighbourhood (longitude %(x0)s–%(x1)s, latitude "
            "%(y0)s–%(y1)s)", fields={field: [round(b, 5) for b in bounds]},
            params={"field": field, "x0": x0, "x1": x1, "y0": y0, "y1": y1})


def _where(area: Area, geom_col: Any) -> Any:
    """The SQL condition "inside the area" on a point column."""
    if area.polygon is not None:
        poly = polygon_of(area.polygon)
        return func.ST_Intersects(geom_col, func.ST_SetSRID(
            func.ST_GeomFromGeoJSON(orjson.dumps(shapely.geometry.mapping(poly)).decode()),
            4326))
    assert area.centre is not None and area.radius_km is not None
    _near_gansu("area.centre", (area.centre.lon, area.centre.lat, area.centre.lon,
                                area.centre.lat))
    centre = func.ST_SetSRID(func.ST_MakePoint(area.centre.lon, area.centre.lat), 4326)
    return func.ST_DWithin(func.geography(geom_col), func.geography(centre),
                           area.radius_km * 1000.0)


def inside_area(session: Session, area: Area) -> dict[str, Any]:
    """Every enterprise (tailings facilities and wastewater plants named apart) and every
    intake inside the area, nearest the centre first for a circle."""
    cond = _where(area, m.Enterprise.geom)
    ents = session.execute(select(m.Enterprise.code, m.Enterprise.name_zh,
                                  m.Enterprise.industry, func.ST_X(m.Enterprise.geom),
                                  func.ST_Y(m.Enterprise.geom))
                           .where(cond).order_by(m.Enterprise.code)).all()
    intakes = session.execute(select(m.WaterSource.code, m.WaterSource.name_zh,
                                     m.WaterSource.population_served)
                              .where(_where(area, m.WaterSource.geom))
                              .order_by(m.WaterSource.code)).all()

    def row(e: Any) -> dict[str, Any]:
        return {"code": e[0], "name": e[1], "industry": e[2], "lon": e[3], "lat": e[4]}

    return {
        "enterprise_codes": [e[0] for e in ents],
        "enterprises": [row(e) for e in ents],
        "tailings": [row(e) for e in ents if e[2] in TAILINGS_INDUSTRIES],
        "wastewater_plants": [row(e) for e in ents if e[2] in WASTEWATER_INDUSTRIES],
        "intakes": [{"code": c, "name": n, "population_served": p} for c, n, p in intakes],
    }

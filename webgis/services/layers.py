"""Map layers as GeoJSON straight from PostGIS: bbox filter, simplification, one query each.

Each layer is a select of its scalar columns plus a few joined extras (a receptor's reach
code, a depot's inventory) and `ST_AsGeoJSON` of the (optionally simplified) geometry.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, func, literal_column, select, text
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session, aliased

from webgis import models as m
from webgis.dataset.fields import CODE_RE
from webgis.errors import NotFound
from webgis.services.uow import reading

Bbox = tuple[float, float, float, float]
EMPTY_JSON: Any = literal_column("'[]'::jsonb")


@dataclass(frozen=True)
class Layer:
    """How one layer is read: its model, its geometry and its extra properties."""

    name: str
    model: type[Any]  # a model class with `code` (and `geom` when spatial)
    extras: Callable[[], dict[str, Any]] = dict
    hidden: tuple[str, ...] = ()
    # GeoJSON text of the geometry at a tolerance; default: the model's `geom` column.
    geojson: Callable[[float | None], Any] | None = None
    spatial: bool = True


def _code_of(model, fk_col) -> Any:
    alias = aliased(model)
    return select(alias.code).where(alias.id == fk_col).correlate(fk_col.class_).scalar_subquery()


def _geojson(geom: Any, tolerance: float | None) -> Any:
    shown = func.ST_SimplifyPreserveTopology(geom, tolerance) if tolerance else geom
    return func.ST_AsGeoJSON(shown, 6)


def _river_geojson(tolerance: float | None) -> Any:
    """A river's geometry is its reaches merged into lines."""
    return (
        select(_geojson(func.ST_LineMerge(func.ST_Collect(m.Reach.geom)), tolerance))
        .where(m.Reach.river_id == m.River.id)
        .correlate(m.River)
        .scalar_subquery()
    )


def _json_rows(fields: dict[str, Any], stmt: Select, parent: type, *order: Any) -> Any:
    """A correlated subquery: the child rows of `parent` as a JSON list (`[]` when none)."""
    pairs = [x for name, col in fields.items() for x in (name, col)]
    obj = func.jsonb_build_object(*pairs)
    rows = func.jsonb_agg(aggregate_order_by(obj, *order)) if order else func.jsonb_agg(obj)
    agg = func.coalesce(rows, EMPTY_JSON)
    return stmt.with_only_columns(agg).correlate(parent).scalar_subquery()


def _inventory():
    inv, mat = m.Inventory, m.Material
    fields = {"material": mat.code, "name_zh": mat.name_zh, "name_en": mat.name_en,
              "quantity": inv.quantity, "unit": mat.unit, "serves": mat.serves}
    stmt = (select(inv.id).join(mat, mat.id == inv.material_id)
            .where(inv.depot_id == m.Depot.id))
    return _json_rows(fields, stmt, m.Depot)


def _substances():
    sub, pol = m.EnterpriseSubstance, m.Pollutant
    fields = {"pollutant": pol.code, "name_zh": pol.name_zh, "name_en": pol.name_en,
              "pclass": pol.pclass, "max_t": sub.max_t}
    stmt = (select(sub.id).join(pol, pol.id == sub.pollutant_id)
            .where(sub.enterprise_id == m.Enterprise.id))
    return _json_rows(fields, stmt, m.Enterprise)


def _plan_steps():
    s = m.PlanStep
    fields = {name: getattr(s, name) for name in (
        "phase", "order", "text_zh", "text_en", "responsible", "due_min", "classes",
        "min_level")}
    phase_rank = func.array_position(literal_column(
        "ARRAY['report','assess','contain','treat','monitor','recover']::varchar[]"), s.phase)
    return _json_rows(fields, select(s.id).where(s.plan_id == m.RiverPlan.id), m.RiverPlan,
                      phase_rank, s.order)


def _on_reach(model) -> Callable[[], dict[str, Any]]:
    return lambda: {
        "reach": _code_of(m.Reach, model.reach_id),
        "river_code": select(m.River.code)
        .join(m.Reach, m.Reach.river_id == m.River.id)
        .where(m.Reach.id == model.reach_id)
        .correlate(model)
        .scalar_subquery(),
    }


LAYERS: dict[str, Layer] = {
    layer.name: layer
    for layer in [
        Layer("admin_areas", m.AdminArea),
        Layer("places", m.Place),
        Layer(
            "rivers",
            m.River,
            extras=lambda: {"receiving_code": _code_of(m.River, m.River.receiving_id)},
            hidden=("receiving_id",),
            geojson=_river_geojson,
        ),
        Layer(
            "reaches",
            m.Reach,
            extras=lambda: {
                "river_code": _code_of(m.River, m.Reach.river_id),
                "downstream_code": _code_of(m.Reach, m.Reach.downstream_id),
            },
            hidden=("river_id", "downstream_id"),
        ),
        Layer("pollutants", m.Pollutant, spatial=False),
        Layer("materials", m.Material, spatial=False),
        Layer("depots", m.Depot, extras=lambda: {"inventory": _inventory()}),
        Layer("teams", m.RescueTeam),
        Layer(
            "enterprises",
            m.Enterprise,
            extras=lambda: {
                "outfall_reach": _code_of(m.Reach, m.Enterprise.outfall_reach_id),
                "substances": _substances(),
            },
            hidden=("outfall_reach_id",),
        ),
        Layer("water_sources", m.WaterSource, extras=_on_reach(m.WaterSource),
              hidden=("reach_id",)),
        Layer("sections", m.MonitoringSection, extras=_on_reach(m.MonitoringSection),
              hidden=("reach_id",)),
        Layer("interception_points", m.InterceptionPoint,
              extras=_on_reach(m.InterceptionPoint), hidden=("reach_id",)),
        Layer(
            "plans",
            m.RiverPlan,
            extras=lambda: {
                "river_code": _code_of(m.River, m.RiverPlan.river_id),
                "steps": _plan_steps(),
            },
            hidden=("river_id",),
            spatial=False,
        ),
    ]
}


def get_layer(name: str) -> Layer:
    """The layer called `name`, or a 404 that lists the known ones."""
    try:
        return LAYERS[name]
    except KeyError:
        raise NotFound(
            f"unknown layer {name!r}", fields={"layer": name}, layers=sorted(LAYERS)
        ) from None


def tolerance_for_zoom(zoom: float | None) -> float | None:
    """Simplification tolerance in degrees: half a screen pixel at web-map zoom `zoom`
    (none from zoom 14 on). The query value is validated by `contract.requests.LayerQuery`."""
    if zoom is None or zoom >= 14:
        return None
    return 0.5 * 360.0 / (256 * 2**zoom)


def _select(layer: Layer, tolerance: float | None) -> tuple[Select, bool]:
    model = layer.model
    skip = {"id", "geom", *layer.hidden}
    cols = [c.label(c.name) for c in model.__table__.columns if c.name not in skip]
    extras = [expr.label(name) for name, expr in layer.extras().items()]
    if layer.spatial:
        geojson = layer.geojson(tolerance) if layer.geojson else _geojson(model.geom, tolerance)
        cols.append(geojson.label("__geojson"))
    return select(*cols, *extras), layer.spatial


def _feature(row: Any, has_geom: bool) -> dict[str, Any]:
    props = dict(row._mapping)
    geometry = props.pop("__geojson", None)
    return {
        "type": "Feature",
        "id": props.get("code"),
        "geometry": json.loads(geometry) if has_geom and geometry else None,
        "properties": props,
    }


def feature_collection(
    session: Session, name: str, bbox: Bbox | None = None, tolerance: float | None = None
) -> dict[str, Any]:
    """Every feature of a layer, optionally within `bbox`, optionally simplified."""
    layer = get_layer(name)
    stmt, has_geom = _select(layer, tolerance)
    if bbox and has_geom:
        env = func.ST_MakeEnvelope(*bbox, 4326)
        if layer.name == "rivers":
            inside = select(m.Reach.id).where(
                and_(m.Reach.river_id == m.River.id, func.ST_Intersects(m.Reach.geom, env))
            )
            stmt = stmt.where(inside.exists())
        else:
            stmt = stmt.where(func.ST_Intersects(layer.model.geom, env))
    stmt = stmt.order_by(layer.model.code)
    features = [_feature(r, has_geom) for r in session.execute(stmt)]
    return {"type": "FeatureCollection", "name": name, "features": features}


def one_feature(session: Session, name: str, code: str) -> dict[str, Any]:
    """One feature by code, or a 404 naming the code."""
    layer = get_layer(name)
    if not CODE_RE.match(code):  # never send a NUL byte or a 5 kB string to the database
        raise NotFound(f"no {name} feature with code {code[:60]!r}", fields={"code": code[:60]})
    stmt, has_geom = _select(layer, None)
    row = session.execute(stmt.where(layer.model.code == code)).first()
    if row is None:
        raise NotFound(f"no {name} feature with code {code!r}", fields={"code": code})
    return _feature(row, has_geom)


def layer_counts(session: Session) -> dict[str, int]:
    """Feature count per layer, for /healthz."""
    return {
        name: session.scalar(select(func.count()).select_from(layer.model)) or 0
        for name, layer in LAYERS.items()
    }


# --- use cases (each reads in its own unit of work, webgis.services.uow) -------------------


def read_layer(name: str, bbox: Bbox | None = None,
               tolerance: float | None = None) -> dict[str, Any]:
    """`feature_collection` of `name` for the edge (`/api/v1/<name>`, the map's bundle)."""
    with reading() as session:
        return feature_collection(session, name, bbox, tolerance)


def read_feature(name: str, code: str) -> dict[str, Any]:
    """`one_feature` for the edge (`/api/v1/<name>/<code>`)."""
    with reading() as session:
        return one_feature(session, name, code)


def view_extents(schema: str, views: list[str], fallback: Sequence[float]
                 ) -> dict[str, list[float]]:
    """Each view's bounding box (lon/lat, 6 decimals) in `schema`; `fallback` for an empty
    one (the OGC API's collections, webgis.ogc). `schema` and `views` are the app's own
    constant names, never a request's."""
    extents: dict[str, list[float]] = {}
    with reading() as session:
        for name in views:
            row = session.execute(text(
                f"SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
                f"FROM (SELECT ST_Extent(geom) AS e FROM {schema}.{name}) AS x")).one()
            extents[name] = ([round(v, 6) for v in row] if row[0] is not None
                             else list(fallback))
    return extents

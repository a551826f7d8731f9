"""Import a department's survey (issue 17 item 2): one file, one layer, one transaction.

`webgis.dataset.survey` reads, maps and validates the file with the bundled dataset's field
rules; here every point is snapped to the nearest reach (PostGIS; the distance is reported
and flagged above `import_flag_m`), references are checked against the database, and each
row is compared with the stored one. A commit creates or changes exactly the rows that
differ — each with one audit line (who, what before, what after) and its `row_version`
raised — so a re-import of the same file changes nothing. Rows the file does not hold are
left alone (an import adds and updates; it never deletes). Any error: nothing is stored.

Fields absent from the file keep their stored values on existing rows (a survey of
capacities does not reset the contacts); stored reach and measure are kept unless the
point moved or the file names them. A depot's inventory is merged per material (quantities
of the materials listed; others kept, with their expiry and check dates).
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from webgis import models as m
from webgis.config import Settings
from webgis.dataset import gcj02
from webgis.dataset.survey import (
    LAYERS,
    SNAPPED,
    Problem,
    Survey,
    SurveyRow,
    list_profiles,
    load_profile,
    read_survey,
    required_missing,
)
from webgis.dataset.survey_files import MB, ImportRejected, Limits
from webgis.errors import Conflict
from webgis.services.actor import Actor
from webgis.services.audit import audit
from webgis.services.loading import TARGETS, column_values
from webgis.services.reference import forget_dataset_key
from webgis.services.uow import reading, unit_of_work

__all__ = ["AUDIT_TYPES", "UPLOAD_SUFFIXES", "ImportRejected", "SurveyInvalid",
           "import_survey", "profiles"]

#: What the upload accepts (a Shapefile comes zipped with its siblings).
UPLOAD_SUFFIXES = (".zip", ".gpkg", ".geojson", ".json", ".csv", ".xlsx")

#: The audit log's object type of each layer (the analysis registers' names where shared).
AUDIT_TYPES = {"enterprises": "enterprise", "water_sources": "water_source",
               "sections": "section", "interception_points": "interception",
               "depots": "depot", "teams": "team"}
GCJ_MIN_ROWS = 3
GCJ_MIN_SHIFT_M = 40.0
#: Layers whose points lie on the rivers: snapped, flagged when far, GCJ-02 checked.
ON_RIVER = ("enterprises", "water_sources", "sections", "interception_points")

SNAP_SQL = text("""
SELECT p.i, r.code, ST_LineLocatePoint(r.geom, p.g) AS measure,
       ST_Distance(r.geom::geography, p.g::geography) AS dist_m
FROM (SELECT i, ST_SetSRID(ST_MakePoint(x, y), 4326) AS g
      FROM unnest(CAST(:i AS int[]), CAST(:x AS float8[]), CAST(:y AS float8[])) AS t(i, x, y)) p
CROSS JOIN LATERAL (SELECT code, geom FROM reach ORDER BY geom <-> p.g LIMIT 1) r
""")


class SurveyInvalid(ImportRejected):
    """Rows failed validation: the report names each row and field; nothing was stored."""

    def __init__(self, report: dict[str, Any]):
        errors = report["errors"]
        fields = {f"row {e['row']}: {e['field']}" if e["row"] else (e["field"] or "file"):
                  e["message"] for e in errors[:50]}
        super().__init__("%(n)d problem(s) in the file; nothing was stored", n=len(errors))
        self.fields = fields
        self.extra = {"report": report}


def _snap(session: Session, pts: list[tuple[float, float]]) -> list[tuple[str, float, float]]:
    """(reach code, measure, distance m) of each point's nearest reach."""
    if not pts:
        return []
    rows = session.execute(SNAP_SQL, {"i": list(range(len(pts))), "x": [p[0] for p in pts],
                                      "y": [p[1] for p in pts]}).all()
    out: list[tuple[str, float, float]] = [("", 0.0, 0.0)] * len(pts)
    for i, code, measure, dist in rows:
        out[i] = (code, round(float(measure), 6), round(float(dist), 1))
    return out


def _gcj_warning(session: Session, survey: Survey, snaps: list[Any]) -> Problem | None:
    """Warn when the points sit systematically closer to the rivers once un-shifted from
    GCJ-02 (in Gansu the shift is 20-500 m, median about 200 m, mostly east): at least 3
    on-river points, their median distance to the nearest reach over 40 m, at most 40 %
    of it after the inverse transform, and two thirds of the points at least 30 m closer.
    Skipped for layers off the rivers (depots, teams) and for a converted file."""
    if (survey.crs.startswith("GCJ") or len(survey.rows) < GCJ_MIN_ROWS
            or survey.layer not in ON_RIVER):
        return None
    fixed = _snap(session, [gcj02.to_wgs84(*r.crs_lonlat) for r in survey.rows])
    raw_d = statistics.median(s[2] for s in snaps)
    fix_d = statistics.median(s[2] for s in fixed)
    closer = sum(1 for a, b in zip(snaps, fixed, strict=True) if b[2] < a[2] - 30.0)
    if raw_d > GCJ_MIN_SHIFT_M and fix_d <= 0.4 * raw_d and 3 * closer >= 2 * len(snaps):
        return Problem(None, "crs", f"the points look GCJ-02-shifted (a Chinese web map's "
                       f"coordinates): median distance to the nearest river {raw_d:.0f} m, "
                       f"{fix_d:.0f} m once converted; re-import with --crs gcj02")
    return None


def _references(session: Session, survey: Survey) -> None:
    """Codes the rows name (reaches, pollutants, materials) must exist."""
    known = {name: set(session.scalars(select(model.code))) for name, model in
             (("reaches", m.Reach), ("pollutants", m.Pollutant), ("materials", m.Material))}
    for row in survey.rows:
        rec = row.record
        for fld in SNAPPED:
            if rec.get(fld) is not None and rec[fld] not in known["reaches"]:
                survey.errors.append(Problem(row.row, fld, f"unknown reach {rec[fld]!r}"))
        for key, sub, layer in (("substances", "pollutant", "pollutants"),
                                ("inventory", "material", "materials")):
            for j, kid in enumerate(rec.get(key) or []):
                if kid[sub] not in known[layer]:
                    survey.errors.append(Problem(row.row, f"{key}[{j}].{sub}",
                                                 f"unknown {layer[:-1]} {kid[sub]!r}"))


def _stored(session: Session, layer: str, codes: list[str], lock: bool) -> dict[str, Any]:
    """The stored rows of these codes; locked when committing, so a register edit made
    meanwhile waits (and then sees its version raised: a 409) instead of being lost."""
    model = TARGETS[layer].model
    stmt = select(model).where(model.code.in_(codes)).order_by(model.code)
    rows = session.scalars(stmt.with_for_update() if lock else stmt).all()
    return {r.code: r for r in rows}


def _stored_xy(session: Session, layer: str, codes: list[str]) -> dict[str, tuple[float, float]]:
    table = TARGETS[layer].model.__table__.name
    rows = session.execute(text(f"SELECT code, ST_X(geom), ST_Y(geom) FROM {table} "  # noqa: S608
                                "WHERE code = ANY(:c)"), {"c": codes}).all()
    return {c: (round(x, 7), round(y, 7)) for c, x, y in rows}


def _children(session: Session, layer: str, obj: Any) -> dict[str, float]:
    if layer == "enterprises":
        q = select(m.Pollutant.code, m.EnterpriseSubstance.max_t).join(
            m.EnterpriseSubstance, m.EnterpriseSubstance.pollutant_id == m.Pollutant.id).where(
            m.EnterpriseSubstance.enterprise_id == obj.id)
    else:
        q = select(m.Material.code, m.Inventory.quantity).join(
            m.Inventory, m.Inventory.material_id == m.Material.id).where(
            m.Inventory.depot_id == obj.id)
    return {c: float(v) for c, v in session.execute(q).all()}


def _plan_row(session: Session, layer: str, row: SurveyRow, obj: Any, xy: Any,
              snap: tuple[str, float, float], reach_ids: dict[str, int]) -> dict[str, Any]:
    """What changes for one row: {'action', 'values' (columns to set), 'before', 'after',
    'children' (the new child list, or None)}."""
    rec = dict(row.record)
    moved = obj is None or xy != (row.lon, row.lat)
    for fld, measure in SNAPPED.items():
        if fld in rec and rec[fld] is None and moved:
            rec[fld], rec[measure] = snap[0], snap[1]
    given = rec.pop("_given")
    default_source = rec.pop("_default_source")
    cols = column_values(layer, rec, {"reaches": reach_ids}) if obj is None else None
    if obj is None:
        assert cols is not None
        cols["source"] = cols.get("source") or default_source
        cols["geom"] = f"SRID=4326;POINT({row.lon} {row.lat})"
        created = {k: v for k, v in rec.items() if k not in ("geom",)}
        return {"action": "created", "values": cols, "before": None, "after": created,
                "children": rec.get("substances") or rec.get("inventory")}
    keep = set(given) | ({*SNAPPED, *SNAPPED.values()} if moved else set())
    stub = dict(rec)  # `column_values` needs every reference; those not kept are dropped
    for fld in SNAPPED:
        if fld in stub and stub[fld] is None:
            stub[fld] = snap[0]
    wanted = {f"{k}_id" if k in SNAPPED else k for k in keep} - {"code"}
    values = {k: v for k, v in column_values(layer, stub, {"reaches": reach_ids}).items()
              if k in wanted}
    inv_reach = {v: k for k, v in reach_ids.items()}
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for key, new in list(values.items()):
        old = getattr(obj, key)
        if old == new or (isinstance(old, list) and list(old) == list(new or [])):
            values.pop(key)
            continue
        name = key[:-3] if key.endswith("reach_id") else key
        before[name] = inv_reach.get(old, old) if key.endswith("reach_id") else old
        after[name] = inv_reach.get(new, new) if key.endswith("reach_id") else new
    if moved:
        values["geom"] = f"SRID=4326;POINT({row.lon} {row.lat})"
        before["lonlat"], after["lonlat"] = list(xy), [row.lon, row.lat]
    kids = None
    for key, code_key, qty_key in (("substances", "pollutant", "max_t"),
                                   ("inventory", "material", "quantity")):
        if key in given:
            old_kids = _children(session, layer, obj)
            new_kids = {k[code_key]: float(k[qty_key]) for k in rec[key]}
            merged = new_kids if key == "substances" else {**old_kids, **new_kids}
            if merged != old_kids:
                diff = {c for c in merged if old_kids.get(c) != merged[c]} if (
                    key == "inventory") else set(merged) | set(old_kids)
                before[key] = {c: q for c, q in old_kids.items() if c in diff}
                after[key] = {c: q for c, q in merged.items() if c in diff}
                kids = rec[key]
    action = "changed" if (values or kids is not None) else "unchanged"
    return {"action": action, "values": values, "before": before, "after": after,
            "children": kids}


def _write_children(session: Session, layer: str, obj: Any, kids: list[dict[str, Any]],
                    actor: Actor) -> None:
    """Substances are replaced as a set; stock is merged per material, each created or
    changed stock row audited as the registers audit it (`stock`, DEPOT/MATERIAL)."""
    if layer == "enterprises":
        ids = dict(session.execute(select(m.Pollutant.code, m.Pollutant.id)).all())
        session.query(m.EnterpriseSubstance).filter_by(enterprise_id=obj.id).delete()
        session.add_all(m.EnterpriseSubstance(enterprise_id=obj.id, pollutant_id=ids[k[
            "pollutant"]], max_t=k["max_t"]) for k in kids)
        return
    ids = dict(session.execute(select(m.Material.code, m.Material.id)).all())
    stock = {i.material_id: i for i in session.scalars(
        select(m.Inventory).where(m.Inventory.depot_id == obj.id))}
    for k in kids:
        inv = stock.get(ids[k["material"]])
        code = f"{obj.code}/{k['material']}"
        if inv is None:
            session.add(m.Inventory(depot_id=obj.id, material_id=ids[k["material"]],
                                    quantity=k["quantity"]))
            audit(session, actor, "imported_created", "stock", code, None,
                  {"quantity": k["quantity"]})
        elif inv.quantity != k["quantity"]:
            audit(session, actor, "imported_changed", "stock", code,
                  {"quantity": inv.quantity, "row_version": inv.row_version},
                  {"quantity": k["quantity"], "row_version": inv.row_version + 1})
            inv.quantity = k["quantity"]
            inv.row_version += 1


def _apply(session: Session, layer: str, actor: Actor, code: str, obj: Any,
           plan: dict[str, Any]) -> None:
    model = TARGETS[layer].model
    if plan["action"] == "created":
        obj = model(**plan["values"])
        session.add(obj)
        session.flush()
    else:
        for key, value in plan["values"].items():
            setattr(obj, key, value)
        if hasattr(obj, "row_version"):
            obj.row_version += 1
    if plan["children"] is not None:
        _write_children(session, layer, obj, plan["children"], actor)
    before, after = plan["before"], plan["after"]
    if layer == "depots":  # stock has its own lines
        before = {k: v for k, v in before.items() if k != "inventory"} if before else None
        after = {k: v for k, v in after.items() if k != "inventory"}
        if plan["action"] == "changed" and not after:
            return
    audit(session, actor, f"imported_{plan['action']}", AUDIT_TYPES[layer], code,
          _jsonable(before), _jsonable(after))


def _jsonable(d: dict[str, Any] | None) -> dict[str, Any] | None:
    if d is None:
        return None
    return {k: (v if isinstance(v, str | int | float | bool | list | dict) or v is None
                else str(v)) for k, v in d.items()}


def _changes(plan: dict[str, Any]) -> dict[str, list[Any]] | None:
    """{field: [before, after]} of a changed row (None for a new or unchanged one)."""
    if plan["action"] != "changed":
        return None
    before, after = _jsonable(plan["before"]) or {}, _jsonable(plan["after"]) or {}
    return {k: [before.get(k), after[k]] for k in after}


def _report(survey: Survey, label: str, plans: list[dict[str, Any]], snaps: list[Any],
            flag_m: float, committed: bool) -> dict[str, Any]:
    feats: list[dict[str, Any]] = []
    for row, plan, snap in zip(survey.rows, plans, snaps, strict=False):
        feats.append({"type": "Feature", "geometry": {"type": "Point",
                                                      "coordinates": [row.lon, row.lat]},
                      "properties": {"row": row.row, "code": row.record["code"],
                                     "name_zh": row.record.get("name_zh"),
                                     "action": plan["action"], "reach": snap[0],
                                     "snap_m": snap[2],
                                     "flag": survey.layer in ON_RIVER and snap[2] > flag_m,
                                     "changes": _changes(plan)}})
    counts = {a: sum(1 for p in plans if p["action"] == a)
              for a in ("created", "changed", "unchanged")}
    return {"layer": survey.layer, "file": label, "format": survey.fmt,
            "encoding": survey.encoding, "crs": survey.crs, "rows": len(survey.rows),
            **counts, "flagged": sum(1 for f in feats if f["properties"]["flag"]),
            "flag_m": flag_m, "errors": [e.as_dict() for e in survey.errors],
            "warnings": [w.as_dict() for w in survey.warnings],
            "ignored_columns": survey.ignored_columns, "committed": committed,
            "features": {"type": "FeatureCollection", "features": feats}}


def _run(session: Session, survey: Survey, label: str, actor: Actor, settings: Settings,
         commit: bool) -> dict[str, Any]:
    layer = survey.layer
    snaps = _snap(session, [(r.lon, r.lat) for r in survey.rows])
    for row, snap in zip(survey.rows, snaps, strict=True):
        if layer in ON_RIVER and snap[2] > settings.import_flag_m:
            survey.warnings.append(Problem(row.row, "geometry", f"{snap[2]:.0f} m from the "
                                           f"nearest reach {snap[0]} (flag above "
                                           f"{settings.import_flag_m:.0f} m)"))
    shifted = _gcj_warning(session, survey, snaps)
    if shifted:
        survey.warnings.insert(0, shifted)
    _references(session, survey)
    codes = [r.record["code"] for r in survey.rows]
    stored = _stored(session, layer, codes, commit)
    xy = _stored_xy(session, layer, codes)
    for r in survey.rows:
        if r.record["code"] not in stored:
            for name in required_missing(layer, r.record):
                survey.errors.append(Problem(r.row, name, "is required (a new row)"))
    survey.errors.sort(key=lambda e: (e.row or 0, e.field or ""))
    if survey.errors:
        raise SurveyInvalid(_report(survey, label, [], [], settings.import_flag_m, False))
    reach_ids = dict(session.execute(select(m.Reach.code, m.Reach.id)).all())
    plans = [_plan_row(session, layer, r, stored.get(r.record["code"]),
                       xy.get(r.record["code"]), s, reach_ids)
             for r, s in zip(survey.rows, snaps, strict=True)]
    if commit:
        for row, plan in zip(survey.rows, plans, strict=True):
            if plan["action"] != "unchanged":
                _apply(session, layer, actor, row.record["code"], stored.get(
                    row.record["code"]), plan)
        session.flush()
    return _report(survey, label, plans, snaps, settings.import_flag_m, commit)


def import_survey(layer: str, path: Path, actor: Actor, settings: Settings, *,
                  profile: str | None = None, crs: str | None = None, commit: bool = True,
                  label: str | None = None) -> dict[str, Any]:
    """Validate, snap and (when `commit`) store one survey file; the report either way.
    Raises `ImportRejected` (whole file) or `SurveyInvalid` (rows) with nothing stored."""
    extra = Path(settings.import_profiles) if settings.import_profiles else None
    prof = load_profile(profile, extra)
    limits = Limits(max_bytes=int(settings.import_max_mb * MB))
    label = label or path.name
    survey = read_survey(path, layer, prof, crs=crs, limits=limits, label=label)
    if not commit:
        with reading() as session:
            return _run(session, survey, label, actor, settings, False)
    try:
        with unit_of_work() as session:
            report = _run(session, survey, label, actor, settings, True)
    except IntegrityError:  # another import created one of these codes meanwhile
        raise Conflict("another import or edit changed these rows meanwhile; nothing was "
                       "stored, try again") from None
    forget_dataset_key()
    return report


def profiles(settings: Settings) -> dict[str, list[str]]:
    """The saved profiles (shipped and the department's) and the import layer names."""
    extra = Path(settings.import_profiles) if settings.import_profiles else None
    return {"profiles": list_profiles(extra), "layers": list(LAYERS)}

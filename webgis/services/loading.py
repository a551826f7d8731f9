"""`webgis load-data`: validate everything first, then upsert by code in one transaction.

A layer whose file is unchanged since the last load (same SHA-256) is skipped, so a second
run changes nothing. A layer that is present replaces the stored layer: rows whose code is
not in the file are deleted (and a delete that something else still references fails the
whole load, naming it). Any failure rolls everything back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from webgis import models as m
from webgis.dataset.checks import check
from webgis.dataset.read import LAYER_ORDER, Dataset, DatasetInvalid, read_dataset
from webgis.errors import DataError
from webgis.services.uow import unit_of_work

__all__ = ["DataError", "DatasetInvalid", "LoadReport", "check_data", "column_values", "load",
           "load_data", "network_version"]


@dataclass(frozen=True)
class Target:
    """Where a layer goes: its model and how a clean record becomes a row."""

    model: type[Any]  # a model class with `code`
    key: str = "code"  # the record field that is the row's code


TARGETS: dict[str, Target] = {
    "pollutants": Target(m.Pollutant),
    "materials": Target(m.Material),
    "admin_areas": Target(m.AdminArea, key="adcode"),
    "places": Target(m.Place),
    "rivers": Target(m.River),
    "reaches": Target(m.Reach),
    "depots": Target(m.Depot),
    "teams": Target(m.RescueTeam),
    "enterprises": Target(m.Enterprise),
    "water_sources": Target(m.WaterSource),
    "sections": Target(m.MonitoringSection),
    "interception_points": Target(m.InterceptionPoint),
    "plans": Target(m.RiverPlan, key="river_code"),
}


@dataclass
class LoadReport:
    """What a load did per layer: 'unchanged', or counts of upserted and deleted rows."""

    layers: dict[str, dict[str, Any]] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = []
        for layer, info in self.layers.items():
            if info["status"] == "unchanged":
                out.append(f"{layer:<20} unchanged ({info['count']} features)")
            else:
                out.append(f"{layer:<20} {info['count']} loaded, {info['deleted']} removed")
        return out


def _ewkt(geom) -> str:
    return f"SRID=4326;{geom.wkt}"


def _codes_in_db(session: Session) -> dict[str, set[str]]:
    return {
        layer: set(session.scalars(select(t.model.code)))
        for layer, t in TARGETS.items()
    }


def _ids(session: Session, model) -> dict[str, int]:
    return {row[0]: row[1] for row in session.execute(select(model.code, model.id))}


def _row(layer: str, rec: dict[str, Any], ids: dict[str, dict[str, int]]) -> dict[str, Any]:
    """A clean record as column values (references resolved to ids)."""
    row = {k: v for k, v in rec.items() if k not in {
        "geom", "inventory", "substances", "receiving_code", "river_code", "downstream_code",
        "reach", "outfall_reach", "adcode", "parent_adcode", "steps", "file",
        "interception_points", "modelled_length_km", "length_source", "drawn_length_m",
    }}
    if "geom" in rec:
        row["geom"] = _ewkt(rec["geom"])
    if layer == "admin_areas":
        row["code"] = rec["adcode"]
        row["parent_code"] = rec["parent_adcode"]
    elif "adcode" in rec:
        row["adcode"] = rec["adcode"]
    if layer == "reaches":
        row["river_id"] = ids["rivers"][rec["river_code"]]
    if layer == "enterprises":
        row["outfall_reach_id"] = ids["reaches"][rec["outfall_reach"]]
    if "reach" in rec:
        row["reach_id"] = ids["reaches"][rec["reach"]]
    if layer == "plans":
        row["code"] = rec["river_code"]
        row["river_id"] = ids["rivers"][rec["river_code"]]
        row["interception_codes"] = rec["interception_points"]
    return row


def column_values(layer: str, rec: dict[str, Any],
                  ids: dict[str, dict[str, int]]) -> dict[str, Any]:
    """A clean record of `layer` as column values (references resolved through `ids`): the
    survey import (`webgis.services.survey_import`) stores rows the way `load` does."""
    return _row(layer, rec, ids)


def _upsert(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> dict[str, int]:
    if not rows:
        return {}
    table = model.__table__
    out: dict[str, int] = {}
    for start in range(0, len(rows), 500):
        chunk = rows[start : start + 500]
        values = insert(table).values(chunk)
        cols = {c: values.excluded[c] for c in chunk[0] if c != "code"}
        stmt = values.on_conflict_do_update(index_elements=["code"], set_=cols).returning(
            table.c.code, table.c.id
        )
        out.update((row[0], row[1]) for row in session.execute(stmt))
    return out


def _link(session: Session, model, column: str, pairs: list[tuple[int, int | None]]) -> None:
    """Set a self-reference (river → receiving river, reach → downstream reach)."""
    if not pairs:
        return
    table = model.__table__
    stmt = update(table).where(table.c.id == bindparam("_id")).values(
        {column: bindparam("_ref")}
    )
    session.connection().execute(stmt, [{"_id": i, "_ref": r} for i, r in pairs])


def _replace_children(session: Session, layer: str, ds: Dataset, ids: dict[str, dict[str, int]]):
    if layer == "depots":
        parent_ids = [ids["depots"][r["code"]] for r in ds.layers[layer]]
        session.execute(delete(m.Inventory).where(m.Inventory.depot_id.in_(parent_ids)))
        rows = [
            {"depot_id": ids["depots"][r["code"]], "material_id": ids["materials"][i["material"]],
             "quantity": i["quantity"]}
            for r in ds.layers[layer] for i in r["inventory"]
        ]
        if rows:
            session.execute(insert(m.Inventory), rows)
    elif layer == "enterprises":
        parent_ids = [ids["enterprises"][r["code"]] for r in ds.layers[layer]]
        session.execute(delete(m.EnterpriseSubstance).where(
            m.EnterpriseSubstance.enterprise_id.in_(parent_ids)))
        rows = [
            {"enterprise_id": ids["enterprises"][r["code"]],
             "pollutant_id": ids["pollutants"][s["pollutant"]], "max_t": s["max_t"]}
            for r in ds.layers[layer] for s in r["substances"]
        ]
        if rows:
            session.execute(insert(m.EnterpriseSubstance), rows)
    elif layer == "plans":
        parent_ids = [ids["plans"][r["river_code"]] for r in ds.layers[layer]]
        session.execute(delete(m.PlanStep).where(m.PlanStep.plan_id.in_(parent_ids)))
        rows = [
            {"plan_id": ids["plans"][p["river_code"]], **step}
            for p in ds.layers[layer] for step in p["steps"]
        ]
        if rows:
            session.execute(insert(m.PlanStep), rows)


def load(session: Session, root: Path | str) -> LoadReport:
    """Load a dataset directory; the caller commits (or rolls back on any exception)."""
    ds = read_dataset(root, known=_codes_in_db(session))
    stored = {r.layer: r.sha256 for r in session.scalars(select(m.DatasetLayer))}
    report = LoadReport()
    ids = {layer: _ids(session, t.model) for layer, t in TARGETS.items()}
    changed = [layer for layer in LAYER_ORDER if layer in ds.layers and (
        stored.get(layer) != ds.hashes[layer])]
    for layer in LAYER_ORDER:
        if layer not in ds.layers:
            continue
        count = len(ds.layers[layer])
        if layer not in changed:
            report.layers[layer] = {"status": "unchanged", "count": count}
            continue
        target = TARGETS[layer]
        rows = [_row(layer, rec, ids) for rec in ds.layers[layer]]
        ids[layer].update(_upsert(session, target.model, rows))
        if layer == "rivers":
            _link(session, m.River, "receiving_id", [
                (ids["rivers"][r["code"]], ids["rivers"].get(r["receiving_code"]))
                for r in ds.layers[layer]])
        if layer == "reaches":
            _link(session, m.Reach, "downstream_id", [
                (ids["reaches"][r["code"]], ids["reaches"].get(r["downstream_code"]))
                for r in ds.layers[layer]])
        _replace_children(session, layer, ds, ids)
        report.layers[layer] = {"status": "loaded", "count": count, "deleted": 0}
    # Deletes run downstream-first so dependants go before what they depend on.
    for layer in reversed(LAYER_ORDER):
        if layer not in changed:
            continue
        model = TARGETS[layer].model
        keep = ds.codes(layer)
        stale = [code for code in ids[layer] if code not in keep]
        if stale:
            try:
                with session.begin_nested():
                    session.execute(delete(model).where(model.code.in_(stale)))
            except IntegrityError as exc:
                raise DataError(ds.files[layer], stale[0], None,
                                "cannot remove: still referenced by another layer "
                                f"({exc.orig.__class__.__name__})") from None
        report.layers[layer]["deleted"] = len(stale)
    now = datetime.now(UTC)
    for layer in changed:
        session.merge(m.DatasetLayer(layer=layer, sha256=ds.hashes[layer],
                                     feature_count=len(ds.layers[layer]), loaded_at=now))
    session.flush()
    return report


def network_version(session: Session) -> str:
    """Changes whenever the reaches change: the key of the in-memory network cache."""
    row = session.get(m.DatasetLayer, "reaches")
    return row.sha256 if row else "empty"


# --- use cases (webgis.services.uow) -------------------------------------------------------


def load_data(root: Path | str) -> LoadReport:
    """`webgis load-data`: validate and load `root` in one unit of work — all of it is
    committed, or (on `DatasetInvalid`, `DataError` or a database refusal) nothing."""
    with unit_of_work() as session:
        return load(session, root)


def check_data(root: Path | str) -> tuple[list[Any], list[str]]:
    """`webgis check-data`: the problems and the summary lines of the dataset at `root`
    (raises `DatasetInvalid` when it cannot even be read). No database."""
    return check(read_dataset(root))

"""The scenario library: keep, find, edit, copy, delete, run and compare spill scenarios.

A scenario's place is a point (checked to lie within ``SNAP_MAX_M`` of a river, like an
analysis) or an enterprise's outfall (its reach and measure: the point on the river). Every
check runs before anything is written, and every error names its field. Running one is the
full analysis of its spill (``services.analysis``); comparing two to four puts their
receptors in common side by side (each one's expected and worst-case arrival and peak),
with each scenario's level and who can intercept where first.

Creating, editing, copying and running a scenario also keeps its predicted path
(`services.scenario_paths`, published at `/ogc` as `scenario_paths`) in the same
transaction; :func:`refresh_paths` computes the missing and stale ones (the CLI's
`webgis scenarios refresh-paths`).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import ForUpdateParameter

from webgis import models as m
from webgis.config import Settings
from webgis.contract.scenarios import (
    CompareRequest,
    FromIncident,
    ScenarioFields,
    ScenarioPatch,
    ScenarioQuery,
)
from webgis.errors import NotFound, Unprocessable, WebgisError
from webgis.hydro.errors import HydroError
from webgis.services.actor import Actor
from webgis.services.analysis import analyze
from webgis.services.reference import Reference, dataset_key, get_reference
from webgis.services.scenario_paths import store_path
from webgis.services.uow import reading, unit_of_work

COMPARED_KINDS = ("water_source", "section", "interception")


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat()


def scenario_dict(s: m.Scenario) -> dict[str, Any]:
    return {
        "id": s.id, "name": s.name, "tags": list(s.tags), "notes": s.notes,
        "location": {"lon": s.lon, "lat": s.lat}, "enterprise_code": s.enterprise_code,
        "pollutant": s.pollutant_code, "mass_kg": s.mass_kg, "duration_h": s.duration_h,
        "season": s.season, "horizon_h": s.horizon_h,
        "source_incident_id": s.source_incident_id, "created_at": _iso(s.created_at),
        "updated_at": _iso(s.updated_at), "author": s.created_by_name,
    }


def _pollutant(ref: Reference, code: str) -> None:
    if code not in ref.pollutants:
        raise Unprocessable("unknown pollutant %(pollutant)r", fields={"pollutant": code},
                            params={"pollutant": code}, valid=sorted(ref.pollutants))


def _place(session: Session, ref: Reference, location: Any, enterprise_code: str | None,
           settings: Settings) -> tuple[float, float]:
    """The spill point: an enterprise's outfall on its reach, or a point near a river."""
    if enterprise_code is not None:
        row = session.execute(select(m.Enterprise.outfall_measure, m.Reach.code).join(
            m.Reach, m.Reach.id == m.Enterprise.outfall_reach_id).where(
            m.Enterprise.code == enterprise_code)).first()
        if row is None:
            raise Unprocessable("unknown enterprise %(code)r",
                                fields={"enterprise_code": enterprise_code},
                                params={"code": enterprise_code})
        measure, reach = row
        lon, lat = ref.network.point_at(ref.network.index_of(reach), float(measure))
        return lon, lat
    try:
        ref.network.snap(location.lon, location.lat, settings.snap_max_m)
    except HydroError as exc:
        raise Unprocessable("location: %(reason)s", fields={
            "location": {"lon": location.lon, "lat": location.lat}},
            params={"reason": exc.message}) from None
    return float(location.lon), float(location.lat)


def create(fields: ScenarioFields, actor: Actor, settings: Settings,
           source_incident_id: int | None = None) -> dict[str, Any]:
    with unit_of_work() as session:
        ref = get_reference(session)
        _pollutant(ref, fields.pollutant)
        lon, lat = _place(session, ref, fields.location, fields.enterprise_code, settings)
        s = m.Scenario(
            name=fields.name, tags=list(dict.fromkeys(fields.tags)), notes=fields.notes,
            enterprise_code=fields.enterprise_code, lon=lon, lat=lat,
            pollutant_code=fields.pollutant, mass_kg=fields.mass_kg,
            duration_h=fields.duration_h, season=fields.season, horizon_h=fields.horizon_h,
            source_incident_id=source_incident_id, created_by_id=actor.id,
            created_by_name=actor.username)
        session.add(s)
        session.flush()
        session.refresh(s)
        out = scenario_dict(s)
        store_path(session, s.id, analysis_body(out), settings)
        return out


def from_incident(req: FromIncident, actor: Actor, settings: Settings) -> dict[str, Any]:
    """A scenario from a saved analysis' request (its place, pollutant, release, season,
    horizon), named and tagged by the planner."""
    with reading() as session:
        inc = session.get(m.Incident, req.incident_id)
        if inc is None:
            raise NotFound("no incident %(id)s", fields={"incident_id": req.incident_id},
                           params={"id": req.incident_id})
        r = dict(inc.request or {})
    release = r.get("release") or {}
    fields = ScenarioFields(
        name=req.name, tags=req.tags, notes=req.notes, location=r.get("location"),
        pollutant=r.get("pollutant", ""), mass_kg=float(release.get("mass_kg", 0) or 0),
        duration_h=float(release.get("duration_h", 0) or 0),
        season=r.get("season", "normal"), horizon_h=float(r.get("horizon_h", 72.0)))
    return create(fields, actor, settings, source_incident_id=req.incident_id)


def _get(session: Session, scenario_id: int, lock: ForUpdateParameter = None
         ) -> m.Scenario:
    """The scenario, else 404; ``lock`` (SQLAlchemy's ``with_for_update``) holds its row
    until the caller's commit, so the path kept with it is computed from what is stored."""
    s = session.get(m.Scenario, scenario_id, with_for_update=lock)
    if s is None:
        raise NotFound("no scenario %(id)s", fields={"scenario_id": scenario_id},
                       params={"id": scenario_id})
    return s


def get(scenario_id: int) -> dict[str, Any]:
    with reading() as session:
        return scenario_dict(_get(session, scenario_id))


def search(q: ScenarioQuery) -> list[dict[str, Any]]:
    """Newest first; ``q`` matches the name or the notes (any case), ``tag`` a tag."""
    with reading() as session:
        stmt = select(m.Scenario).order_by(m.Scenario.updated_at.desc(), m.Scenario.id.desc())
        if q.q:
            like = "%" + q.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            stmt = stmt.where(or_(m.Scenario.name.ilike(like), m.Scenario.notes.ilike(like)))
        if q.tag:
            stmt = stmt.where(m.Scenario.tags.contains([q.tag]))
        return [scenario_dict(s) for s in session.scalars(stmt.limit(q.limit))]


def update(scenario_id: int, patch: ScenarioPatch, settings: Settings) -> dict[str, Any]:
    with unit_of_work() as session:
        s = _get(session, scenario_id, lock=True)  # FOR UPDATE
        ref = get_reference(session)
        given = patch.model_dump(exclude_unset=True)
        if "pollutant" in given and patch.pollutant is not None:
            _pollutant(ref, patch.pollutant)
            s.pollutant_code = patch.pollutant
        if patch.location is not None or patch.enterprise_code is not None:
            s.lon, s.lat = _place(session, ref, patch.location, patch.enterprise_code,
                                  settings)
            s.enterprise_code = patch.enterprise_code
        for key in ("name", "notes", "mass_kg", "duration_h", "season", "horizon_h"):
            value = getattr(patch, key)
            if key in given and value is not None:
                setattr(s, key, value)
        if "tags" in given and patch.tags is not None:
            s.tags = list(dict.fromkeys(patch.tags))
        s.updated_at = datetime.now(UTC)
        session.flush()
        out = scenario_dict(s)
        store_path(session, s.id, analysis_body(out), settings)
        return out


def duplicate(scenario_id: int, actor: Actor, settings: Settings) -> dict[str, Any]:
    with unit_of_work() as session:
        s = _get(session, scenario_id)
        copy = m.Scenario(
            name=f"{s.name}（副本）", tags=list(s.tags), notes=s.notes,
            enterprise_code=s.enterprise_code, lon=s.lon, lat=s.lat,
            pollutant_code=s.pollutant_code, mass_kg=s.mass_kg, duration_h=s.duration_h,
            season=s.season, horizon_h=s.horizon_h, source_incident_id=s.source_incident_id,
            created_by_id=actor.id, created_by_name=actor.username)
        session.add(copy)
        session.flush()
        session.refresh(copy)
        out = scenario_dict(copy)
        store_path(session, copy.id, analysis_body(out), settings)
        return out


def delete(scenario_id: int) -> dict[str, Any]:
    with unit_of_work() as session:
        s = _get(session, scenario_id)
        session.delete(s)
        return {"deleted": scenario_id}


def analysis_body(s: dict[str, Any]) -> dict[str, Any]:
    """The analysis request of a scenario."""
    return {"location": s["location"], "pollutant": s["pollutant"],
            "release": {"mass_kg": s["mass_kg"], "duration_h": s["duration_h"]},
            "season": s["season"], "horizon_h": s["horizon_h"]}


def run(scenario_id: int, settings: Settings) -> Any:
    """The full analysis of the scenario's spill; its kept path is refreshed with it (the
    dataset may have changed since). The row is share-locked: an edit or a delete waits for
    the run to commit, and a run waits for an edit, so the path stored is never that of the
    scenario's previous version."""
    with unit_of_work() as session:
        s = _get(session, scenario_id, lock={"read": True})  # FOR SHARE
        return store_path(session, s.id, analysis_body(scenario_dict(s)), settings)


def refresh_paths(settings: Settings, everything: bool = False) -> dict[str, Any]:
    """Compute the path of every scenario that has none or a stale one (computed on another
    dataset version), or of ``everything``; one transaction per scenario, so a long
    backfill keeps what it did. A scenario whose analysis now fails (the dataset changed
    under it) is reported with the reason and keeps its old path, if any."""
    with reading() as session:
        key = dataset_key(session)
        stmt = select(m.Scenario.id).outerjoin(
            m.ScenarioPath, m.ScenarioPath.scenario_id == m.Scenario.id).order_by(m.Scenario.id)
        if not everything:
            stmt = stmt.where(or_(m.ScenarioPath.scenario_id.is_(None),
                                  m.ScenarioPath.dataset_version != key))
        ids = list(session.scalars(stmt))
    refreshed: list[int] = []
    failed: list[dict[str, Any]] = []
    for scenario_id in ids:
        try:
            run(scenario_id, settings)
        except NotFound:
            continue  # deleted meanwhile: nothing to refresh
        except WebgisError as exc:
            failed.append({"id": scenario_id, "error": exc.message})
            continue
        refreshed.append(scenario_id)
    return {"dataset_version": key, "refreshed": refreshed, "failed": failed}


def _interceptions(result: Any) -> list[dict[str, Any]]:
    """The depots that reach an interception point before the plume, soonest first."""
    rows = [d for d in result.get("depots", []) if d.get("arrives_before_plume")]
    rows.sort(key=lambda d: (d.get("travel_h") or 0.0))
    return [{"depot_code": d["code"], "depot_name": d["name"],
             "target_code": d["target_code"], "target_name": d["target_name"],
             "travel_h": d["travel_h"], "plume_arrival_h": d["plume_arrival_h"],
             "slack_h": d["slack_h"]} for d in rows[:3]]


def _worst_arrival(row: Any) -> float:
    got = row["worst"]["arrival_h"]
    return math.inf if got is None else float(got)


def compare(req: CompareRequest, settings: Settings) -> dict[str, Any]:
    """Two to four scenarios: their summaries and the receptors they all reach."""
    scenarios = [get(i) for i in req.ids]  # an unknown id: 404 naming it, nothing run
    results = []
    with reading() as session:
        for s in scenarios:
            results.append(analyze(session, analysis_body(s), settings))
    summaries = []
    for s, r in zip(scenarios, results, strict=True):
        intakes = [x for x in r["receptors"] if x["kind"] == "water_source"]
        first = min(intakes, key=_worst_arrival) if intakes else None
        summaries.append({
            "id": s["id"], "name": s["name"], "pollutant": s["pollutant"],
            "mass_kg": s["mass_kg"], "season": s["season"],
            "level": r["level"]["suggested"], "length_km": r["length_km"],
            "first_intake": None if first is None else {
                "code": first["code"], "name": first["name"],
                "worst_arrival_h": first["worst"]["arrival_h"]},
            "intercept": _interceptions(r), "path": r["path"],
        })
    by_code = [{x["code"]: x for x in r["receptors"] if x["kind"] in COMPARED_KINDS}
               for r in results]
    common = set(by_code[0]).intersection(*by_code[1:])
    order = sorted(common, key=lambda c: by_code[0][c]["river_km"])
    rows = []
    for code in order:
        first = by_code[0][code]
        rows.append({"code": code, "name": first["name"], "kind": first["kind"],
                     "limit_mgl": first["limit_mgl"], "per": [{
                         "arrival_h": b[code]["arrival_h"],
                         "worst_arrival_h": b[code]["worst"]["arrival_h"],
                         "peak_mgl": b[code]["peak_conc_mgl"],
                         "worst_peak_mgl": b[code]["worst"]["peak_conc_mgl"],
                         "exceeds": b[code]["worst"]["exceeds"]} for b in by_code]})
    return {"scenarios": summaries, "receptors": rows}

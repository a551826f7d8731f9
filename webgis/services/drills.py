"""Drills (issue 15, item 5): start a drill from a scenario with a script of injects, and
play the injects at their drill times.

A drill is an incident of kind ``drill`` (never listed with real incidents) saved through
the same path as a real one (`services.incidents.save_incident`: the server's analysis of
the scenario's spill), released and discovered at the drill's start, plus a `Drill` row
with its speed and injects. The drill clock runs ``speed`` times the wall clock: at wall
time ``t`` it reads ``(t - started_at) * speed`` drill hours.

No daemon plays the injects: `play_due(drill_id, now)` plays every inject whose drill time
has come, and is called by the page's polling (``POST /api/v1/drills/<id>/tick``) and by
``webgis drill play <id>``. Each inject is played in one unit of work with its ``played_at``
mark: the drill row is locked, the mark set, then the inject's own service (readings,
facts revision, comment) runs in the same transaction and its commit commits both — so an
inject is played once, even by two ticks at the same time. An inject the incident refuses
(e.g. it was closed) is marked with the error, never retried forever.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select

from webgis.config import Settings
from webgis.contract.drills import DrillCreate
from webgis.contract.incident_aggregate import CommentBody, FactsPatch
from webgis.contract.readings import ReadingIn
from webgis.errors import NotFound, Unprocessable, WebgisError
from webgis.models.drill import Drill
from webgis.models.incident import Incident
from webgis.response.drill_score import drill_h
from webgis.services import incidents, scenarios
from webgis.services.actor import Actor
from webgis.services.incident_aggregate import add_comment, revise_facts
from webgis.services.readings import RECEPTOR_KIND, add_readings
from webgis.services.reference import get_reference
from webgis.services.uow import reading, unit_of_work

__all__ = ["DRILL_ACTOR", "create_drill", "end_drill", "get_drill", "load_drill", "play_due"]

DRILL_ACTOR = Actor.system("drill")


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat()


def drill_dict(d: Drill, now: datetime) -> dict[str, Any]:
    """The drill as `webgis.contract.drills.Drill`."""
    rows = []
    for no, inj in enumerate(d.injects):
        due = d.started_at + timedelta(hours=float(inj["at_h"]) / d.speed)
        payload = {k: v for k, v in inj.items()
                   if k not in ("kind", "at_h", "played_at", "error")}
        rows.append({"no": no, "kind": inj["kind"], "at_h": inj["at_h"], "due_at": _iso(due),
                     "played_at": inj.get("played_at"), "error": inj.get("error"),
                     "payload": payload})
    return {"id": d.id, "incident_id": d.incident_id, "scenario_id": d.scenario_id,
            "name": d.name, "speed": d.speed, "started_at": _iso(d.started_at),
            "status": d.status, "drill_now_h": round(max(0.0, drill_h(now, d.started_at,
                                                                      d.speed)), 4),
            "created_by": d.created_by_name, "injects": rows,
            "url": f"/incidents/{d.incident_id}"}


def _check_injects(req: DrillCreate) -> None:
    """422 naming every inject whose station or pollutant is unknown (nothing stored)."""
    bad: dict[str, Any] = {}
    with reading() as session:
        ref = get_reference(session)
        for i, inj in enumerate(req.injects):
            if inj.kind != "reading":
                continue
            want = RECEPTOR_KIND[inj.station_kind]
            if not any(r.kind == want and r.code == inj.station_code for r in ref.receptors):
                bad[f"injects[{i}].station_code"] = f"no {inj.station_kind} {inj.station_code}"
            if inj.pollutant and inj.pollutant not in ref.pollutants:
                bad[f"injects[{i}].pollutant"] = f"unknown pollutant {inj.pollutant}"
    if bad:
        raise Unprocessable("%(n)s inject(s) invalid, nothing stored", fields=bad,
                            params={"n": len(bad)})


def create_drill(req: DrillCreate, actor: Actor, settings: Settings,
                 now: datetime | None = None) -> dict[str, Any]:
    """Start a drill: check the scenario and the injects first (422 naming the field,
    nothing stored), save the drill incident, then the drill row."""
    started = (now or datetime.now(UTC)).astimezone(UTC)
    try:
        scen = scenarios.get(req.scenario_id)
    except NotFound:
        raise Unprocessable("no scenario %(id)s", fields={"scenario_id": req.scenario_id},
                            params={"id": req.scenario_id}) from None
    _check_injects(req)
    body = {**scenarios.analysis_body(scen), "started_at": _iso(started),
            "discovered_at": _iso(started)}
    name = req.name or scen["name"]
    saved = incidents.save_incident(body, kind="drill", title=f"[演练] {name}",
                                    user_id=int(actor.id or 0), username=actor.username,
                                    role=actor.role, settings=settings)
    injects = sorted((inj.model_dump(mode="json", exclude_none=True) for inj in req.injects),
                     key=lambda x: float(x["at_h"]))
    for inj in injects:
        inj["played_at"] = None
    with unit_of_work() as s:
        d = Drill(incident_id=saved["id"], scenario_id=req.scenario_id, name=name,
                  speed=req.speed, started_at=started, injects=injects, status="running",
                  created_by_id=actor.id, created_by_name=actor.username)
        s.add(d)
        s.flush()
        return drill_dict(d, started)


def load_drill(session: Any, drill_id: int, lock: bool = False) -> Drill:
    q = select(Drill).where(Drill.id == drill_id)
    d = session.execute(q.with_for_update() if lock else q).scalar_one_or_none()
    if d is None:
        raise NotFound("no drill %(id)s", fields={"drill_id": drill_id},
                       params={"id": drill_id})
    return d


def get_drill(drill_id: int, now: datetime | None = None) -> dict[str, Any]:
    with reading() as s:
        return drill_dict(load_drill(s, drill_id), now or datetime.now(UTC))


def end_drill(drill_id: int, now: datetime | None = None) -> dict[str, Any]:
    """End the drill: no inject is played after this (the ones left stay unplayed and the
    score is read as it stands)."""
    with unit_of_work() as s:
        d = load_drill(s, drill_id, lock=True)
        d.status = "ended"
        s.flush()
        return drill_dict(d, now or datetime.now(UTC))


def _play(session: Any, d: Drill, no: int, inj: dict[str, Any], settings: Settings) -> None:
    """Play one inject through the incident's own services (their commit is ours)."""
    # locked and read afresh: the version the inject's write is checked against is now's
    inc = session.get(Incident, d.incident_id, populate_existing=True, with_for_update=True)
    version = inc.version if inc is not None else 0
    tag = f"演练注入 drill inject #{no} (T+{float(inj['at_h']):g} h)"
    kind = inj["kind"]
    if kind == "reading":
        sampled = d.started_at + timedelta(hours=float(inj["at_h"]))
        r = ReadingIn.model_validate({
            "station_kind": inj.get("station_kind", "section"),
            "station_code": inj["station_code"], "value": inj["value_mg_l"],
            "sampled_at": _iso(sampled), **({"pollutant": inj["pollutant"]}
                                      if inj.get("pollutant") else {})})
        add_readings(d.incident_id, [(f"inject #{no}", None, r)], expected_version=None,
                     actor=DRILL_ACTOR, source="hand", settings=settings, now=sampled)
    elif kind == "facts":
        given = {k: inj[k] for k in ("mass_kg", "duration_h") if k in inj}
        revise_facts(d.incident_id, FactsPatch.model_validate({
            "expected_version": version, **given,
            "note": (inj.get("note") or "") + f" [{tag}]"}), DRILL_ACTOR, settings)
    elif kind == "casualty":
        c = ((inc.facts or {}).get("casualties") if inc is not None else None) or {}
        c = c if isinstance(c, dict) else {"deaths": int(c or 0), "poisoned": 0}
        revise_facts(d.incident_id, FactsPatch.model_validate({
            "expected_version": version,
            "casualties_deaths": int(c.get("deaths") or 0) + int(inj.get("deaths", 0)),
            "casualties_poisoned": int(c.get("poisoned") or 0) + int(inj.get("poisoned", 0)),
            "note": (inj.get("note") or "") + f" [{tag}]"}), DRILL_ACTOR, settings)
    else:
        add_comment(d.incident_id, CommentBody.model_validate({
            "expected_version": version, "text": f"[{tag}] {inj['text']}"}), DRILL_ACTOR)


def _next_due(d: Drill, now: datetime) -> int | None:
    elapsed = drill_h(now, d.started_at, d.speed)
    due = [i for i, inj in enumerate(d.injects)
           if inj.get("played_at") is None and float(inj["at_h"]) <= elapsed]
    return min(due, key=lambda i: (float(d.injects[i]["at_h"]), i)) if due else None


def _mark(d: Drill, no: int, now: datetime, error: str | None = None) -> dict[str, Any]:
    injects = copy.deepcopy(d.injects)
    injects[no]["played_at"] = _iso(now)
    if error:
        injects[no]["error"] = error[:500]
    d.injects = injects
    if d.status == "running" and all(x.get("played_at") for x in injects):
        d.status = "played"
    return injects[no]


def play_due(drill_id: int, now: datetime, settings: Settings) -> dict[str, Any]:
    """Play every inject due at wall time `now` (oldest first), each once, each in its own
    unit of work; the numbers played and the drill."""
    played: list[int] = []
    for _ in range(1000):
        failed: tuple[int, str] | None = None
        no: int | None = None
        try:
            with unit_of_work() as s:
                d = load_drill(s, drill_id, lock=True)
                no = _next_due(d, now) if d.status != "ended" else None
                if no is None:
                    return {"played": played, "drill": drill_dict(d, now)}
                inj = _mark(d, no, now)
                s.flush()
                _play(s, d, no, inj, settings)
        except WebgisError as exc:
            if no is None:
                raise
            failed = (no, f"{exc.code}: {exc.message}")
        except ValidationError as exc:  # a stored inject its service now refuses
            if no is None:
                raise
            failed = (no, f"invalid: {exc.errors()[0].get('msg')}")
        if failed is not None:
            with unit_of_work() as s:
                _mark(load_drill(s, drill_id, lock=True), failed[0], now, failed[1])
        if no is not None:
            played.append(no)
    raise RuntimeError("unreachable: more injects than a drill holds")

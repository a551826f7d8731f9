"""A drill's after-action review (issue 15, item 5): the score and the drill report.

Reads what the officers did on the drill incident — reports issued, alerts and their
acknowledgements, plan steps ticked, dispatches on site — converts every wall time into
drill hours (`webgis.response.drill_score.drill_h`) and scores it with the pure
`webgis.response.drill_score.score`. The report (DOCX, PDF) adds the timeline with each
event's drill time.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from webgis.models.alerts import IncidentAlert
from webgis.models.dispatch import Dispatch
from webgis.models.incident import Incident, IncidentEvent
from webgis.models.report import IncidentReport
from webgis.response import drill_score as ds
from webgis.services.checklist import checklist
from webgis.services.dispatch_view import find_target, plume_arrival_h
from webgis.services.drills import drill_dict, load_drill
from webgis.services.incident_write import event_row
from webgis.services.report_clock import DUE_MIN
from webgis.services.uow import reading

__all__ = ["drill_report", "drill_score"]

#: Levels from the most severe (a smaller number is more severe).
SEVERITY = {"I": 0, "II": 1, "III": 2, "IV": 3}


def _level_changes(events: list[IncidentEvent], first_report_h: float | None,
                   started: datetime, speed: int) -> list[tuple[float, float]]:
    """Changes to a more severe level after the first report issued: (drill h, limit)."""
    out = []
    for ev in events:
        if ev.kind != "level_changed" or first_report_h is None:
            continue
        p = ev.payload or {}
        to, frm = p.get("to"), p.get("from")
        at_h = ds.drill_h(ev.at, started, speed)
        if at_h >= first_report_h and SEVERITY.get(to or "", 9) < SEVERITY.get(frm or "", 9):
            out.append((round(at_h, 4), float(DUE_MIN.get(to or "", 120))))
    return out


def _inputs(s: Any, drill_id: int) -> tuple[Any, Incident, dict[str, Any],
                                             list[IncidentEvent]]:
    d = load_drill(s, drill_id)
    inc = s.get(Incident, d.incident_id)
    t0, sp = d.started_at, d.speed
    result = inc.result if isinstance(inc.result, dict) else {}
    reps = [ds.Report(r.kind, ds.drill_h(r.issued_at, t0, sp)) for r in s.scalars(
        select(IncidentReport).where(IncidentReport.incident_id == inc.id,
                                     IncidentReport.issued_at.is_not(None)))]
    alerts = [ds.Alert(a.recipient_name, ds.drill_h(a.sent_at, t0, sp),
                       ds.drill_h(a.acknowledged_at, t0, sp) if a.acknowledged_at else None)
              for a in s.scalars(select(IncidentAlert).where(
                  IncidentAlert.incident_id == inc.id, IncidentAlert.kind == "alert")
                  .order_by(IncidentAlert.id))]
    steps = [ds.Step(st["key"], st["text"], st["due_min"] / 60.0,
                     ds.drill_h(datetime.fromisoformat(st["done_at"]), t0, sp)
                     if st["done"] and st["done_at"] else None)
             for st in checklist(inc.id)["steps"]]
    disp = []
    for x in s.scalars(select(Dispatch).where(Dispatch.incident_id == inc.id)
                       .order_by(Dispatch.id)):
        target = find_target(result, x.target_code)
        disp.append(ds.Dispatched(f"#{x.id} → {x.target_name or x.target_code}",
                                  ds.drill_h(x.on_site_at, t0, sp) if x.on_site_at else None,
                                  plume_arrival_h(target) if target else None))
    events = list(s.scalars(select(IncidentEvent).where(IncidentEvent.incident_id == inc.id)
                            .order_by(IncidentEvent.seq)))
    receptors = result.get("receptors") or []
    reached = [r for r in receptors if plume_arrival_h(r) is not None]
    first = min((r.issued_h for r in reps), default=None)
    level = result.get("level") or {}
    due_min = float(level.get("report_due_min") or DUE_MIN.get(level.get("suggested") or "",
                                                                120))
    scored = ds.score(report_due_min=due_min, reports=reps,
                      level_changes=_level_changes(events, first, t0, sp), alerts=alerts,
                      intake_reached=any(r.get("kind") == "water_source" for r in reached),
                      steps=steps, dispatches=disp, plume_any=bool(reached))
    return d, inc, scored, events


def _clean(value: Any) -> Any:
    return None if isinstance(value, float) and not math.isfinite(value) else value


def drill_score(drill_id: int, now: datetime | None = None) -> dict[str, Any]:
    """The after-action score (`webgis.contract.drills.Score`)."""
    with reading() as s:
        d, _inc, scored, _ev = _inputs(s, drill_id)
        view = drill_dict(d, now or datetime.now(UTC))
        scored["criteria"] = [{k: _clean(v) for k, v in c.items()} for c in scored["criteria"]]
        return {"drill_id": d.id, "speed": d.speed, "drill_now_h": view["drill_now_h"],
                **scored}


def drill_report(drill_id: int, now: datetime | None = None) -> dict[str, Any]:
    """What the drill report shows: the drill, its score and its timeline (each event with
    its drill hour)."""
    with reading() as s:
        d, inc, scored, events = _inputs(s, drill_id)
        rows = []
        for ev in events:
            row = event_row(ev)
            row["drill_h"] = round(ds.drill_h(ev.at, d.started_at, d.speed), 2)
            rows.append(row)
        return {"drill": drill_dict(d, now or datetime.now(UTC)), "title": inc.title,
                "score": scored, "events": rows}

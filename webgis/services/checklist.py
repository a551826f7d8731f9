"""The river plan's checklist of an incident, kept on the server (issue 14, item 7).

The steps are the current forecast's plan steps (`result["plan"]["steps"]`, the spill
river's plan fitted to the pollutant and level); a step is known by its phase and order
(``contain-2``). Ticks are stored per incident (`PlanTick`: the state now) and every tick
or untick is an event (``plan_step_done`` / ``plan_step_undone``: who and when), so every
officer on the incident sees the same list. A step is due ``due_min`` minutes after
discovery, or its phase's default when the plan gives no time
(`webgis.response.dispatch.step_due_min`); a step not done past its due time is overdue.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from webgis.errors import NotFound
from webgis.models.dispatch import PlanTick
from webgis.models.incident import Incident
from webgis.models.plan import PHASES
from webgis.response.dispatch import step_due_min
from webgis.services.actor import Actor
from webgis.services.incident_write import ensure_open, open_for_write, record
from webgis.services.uow import reading, unit_of_work

__all__ = ["checklist", "discovered_at", "tick_step"]


def _instant(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def discovered_at(inc: Incident) -> datetime | None:
    """When the incident was discovered: the incident's own time, else the forecast's."""
    result: Mapping[str, Any] = inc.result if isinstance(inc.result, dict) else {}
    return (inc.discovered_at or _instant((result.get("level") or {}).get("discovered_at"))
            or _instant((result.get("request") or {}).get("discovered_at")))


def _steps(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    steps = list(((result.get("plan") or {}).get("steps")) or [])
    order = {p: i for i, p in enumerate(PHASES)}
    steps.sort(key=lambda st: (order.get(st.get("phase"), len(order)), st.get("order", 0)))
    return steps


def _state(s: Session, inc: Incident, now: datetime) -> dict[str, Any]:
    result: Mapping[str, Any] = inc.result if isinstance(inc.result, dict) else {}
    found = discovered_at(inc)
    report_due = (result.get("level") or {}).get("report_due_min")
    ticks = {(t.phase, t.step_order): t for t in s.scalars(
        select(PlanTick).where(PlanTick.incident_id == inc.id))}
    rows = []
    for st in _steps(result):
        phase, no = st.get("phase", ""), int(st.get("order", 0))
        own = st.get("due_min")
        due_min = step_due_min(phase, own, report_due)
        due_at = found + timedelta(minutes=due_min) if found else None
        tick = ticks.get((phase, no))
        done = bool(tick and tick.done)
        rows.append({
            "key": f"{phase}-{no}", "phase": phase, "order": no,
            "text": st.get("text") or "", "text_en": st.get("text_en"),
            "responsible": st.get("responsible"), "due_min": due_min,
            "due_from_plan": own is not None,
            "due_at": due_at.isoformat() if due_at else None, "done": done,
            "done_at": tick.at.isoformat() if done and tick else None,
            "done_by": tick.by_name if done and tick else None,
            "overdue": not done and due_at is not None and due_at < now,
        })
    plan = result.get("plan") or {}
    return {"incident_id": inc.id, "version": inc.version, "title": plan.get("title"),
            "discovered_at": found.isoformat() if found else None, "now": now.isoformat(),
            "steps": rows}


def checklist(incident_id: int, now: datetime | None = None) -> dict[str, Any]:
    """The incident's plan steps with their ticks and due times (`now`: the clock the
    overdue flags are read against; default the current time)."""
    with reading() as s:
        inc = s.get(Incident, incident_id)
        if inc is None:
            raise NotFound("no incident %(id)s", fields={"id": incident_id},
                           params={"id": incident_id})
        return _state(s, inc, now or datetime.now(UTC))


def tick_step(incident_id: int, phase: str, order: int, done: bool, expected_version: int,
              actor: Actor) -> dict[str, Any]:
    """Tick (`done`) or untick a plan step: who and when go into the checklist and the
    timeline. Ticking a ticked step (or unticking an unticked one) changes nothing."""
    with unit_of_work() as s:
        inc = open_for_write(s, incident_id, expected_version, actor)
        ensure_open(inc, "plan_step")
        result: Mapping[str, Any] = inc.result if isinstance(inc.result, dict) else {}
        step = next((st for st in _steps(result)
                     if st.get("phase") == phase and int(st.get("order", 0)) == order), None)
        if step is None:
            raise NotFound("no plan step %(key)s on this incident",
                           fields={"step": f"{phase}-{order}"},
                           params={"key": f"{phase}-{order}"})
        tick = s.scalar(select(PlanTick).where(
            PlanTick.incident_id == inc.id, PlanTick.phase == phase,
            PlanTick.step_order == order))
        now = datetime.now(UTC)
        if bool(tick and tick.done) != done:
            if tick is None:
                tick = PlanTick(incident_id=inc.id, phase=phase, step_order=order)
                s.add(tick)
            tick.done, tick.at, tick.by_id, tick.by_name = done, now, actor.id, actor.username
            s.flush()
            record(s, inc, "plan_step_done" if done else "plan_step_undone", actor,
                   f"{phase}-{order} {step.get('text') or ''}".strip(),
                   {"phase": phase, "order": order, "done": done})
        return _state(s, inc, now)

"""The after-action score of a drill (issue 15, item 5): was each duty done in time?

Every time here is in **drill hours** after the drill started (when the scripted release
starts): an officer's action at wall time ``t`` in a drill started at ``t0`` at speed ``s``
(×1, ×10, ×60) happened ``(t - t0) * s`` drill hours in (`drill_h`). The deadlines are the
law's and the plan's, read in drill time, so a ×60 drill leaves 2 wall minutes for a 2 h
initial report.

Criteria (each ``met`` / ``late`` by how much / ``missing``):

* **initial report** — issued within the level's time limit after discovery (2 h for
  I/II, 4 h for III/IV: Art. 3 of 突发环境事件信息报告办法, MEP Order No. 17; the
  forecast's ``report_due_min``); discovery is the drill's start.
* **follow-up after a level change** — Art. 3: when the level becomes more severe a report
  under the new level is due within its time limit from the change.
* **alerts acknowledged** — each alert sent must be acknowledged by its recipient (no time
  limit: met or missing); no alert sent at all is missing when the forecast reaches a
  drinking-water intake.
* **plan steps** — each step of the river plan done by its due time (``due_min`` after
  discovery; the checklist's rule).
* **resources on site before the plume** — each dispatch on site before the worst-case
  arrival at its target (the safe-side arrival); none dispatched is missing.

The total is 100 × (met + ½ late) / criteria (0 when there are none).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal

Outcome = Literal["met", "late", "missing"]
ART3 = "突发环境事件信息报告办法（环境保护部令第17号）第三条"


@dataclass(frozen=True, slots=True)
class Criterion:
    """One line of the score (times in drill hours)."""

    group: str
    name: str
    outcome: Outcome
    due_h: float | None
    done_h: float | None
    late_h: float | None
    reference: str


@dataclass(frozen=True, slots=True)
class Report:
    kind: str  # initial | followup | final
    issued_h: float


@dataclass(frozen=True, slots=True)
class Alert:
    recipient: str
    sent_h: float
    acknowledged_h: float | None


@dataclass(frozen=True, slots=True)
class Step:
    key: str
    text: str
    due_h: float
    done_h: float | None


@dataclass(frozen=True, slots=True)
class Dispatched:
    label: str
    on_site_h: float | None
    plume_h: float | None


def drill_h(at: datetime, started_at: datetime, speed: int) -> float:
    """Drill hours at wall time `at` of a drill started at `started_at` at `speed`."""
    return (at - started_at).total_seconds() / 3600.0 * speed


def judge(group: str, name: str, due_h: float | None, done_h: float | None,
          reference: str) -> Criterion:
    """Met when done by `due_h` (or done at all when there is no due time), late by the
    difference, missing when not done."""
    if done_h is None:
        return Criterion(group, name, "missing", due_h, None, None, reference)
    if due_h is not None and done_h > due_h:
        return Criterion(group, name, "late", due_h, done_h, round(done_h - due_h, 4),
                         reference)
    return Criterion(group, name, "met", due_h, done_h, None, reference)


def _reports(report_due_min: float, reports: Sequence[Report],
             level_changes: Sequence[tuple[float, float]]) -> list[Criterion]:
    initial = min((r.issued_h for r in reports if r.kind == "initial"), default=None)
    out = [judge("report", "初报 initial report", report_due_min / 60.0, initial,
                 f"{ART3}（{report_due_min:g} min）")]
    for at_h, limit_min in level_changes:
        after = min((r.issued_h for r in reports if r.issued_h >= at_h), default=None)
        out.append(judge("report", f"续报 follow-up after the level change at {at_h:g} h",
                         at_h + limit_min / 60.0, after, f"{ART3}（{limit_min:g} min）"))
    return out


def score(*, report_due_min: float, reports: Sequence[Report],
          level_changes: Sequence[tuple[float, float]], alerts: Sequence[Alert],
          intake_reached: bool, steps: Sequence[Step], dispatches: Sequence[Dispatched],
          plume_any: bool) -> dict[str, Any]:
    """The criteria and the total (see the module docstring). `level_changes`: (drill
    hour of a change to a more severe level, its time limit in minutes)."""
    crit = _reports(report_due_min, reports, level_changes)
    for a in alerts:
        crit.append(judge("alert", f"预警确认 alert to {a.recipient} acknowledged", None,
                          a.acknowledged_h, "预警须经接收单位确认 acknowledgement of the alert"))
    if not alerts and intake_reached:
        crit.append(judge("alert", "预警 alerts to the downstream intakes", None, None,
                          "饮用水水源地下游预警 downstream warning"))
    for st in steps:
        crit.append(judge("plan", f"{st.key} {st.text}".strip(), st.due_h, st.done_h,
                          "河流应急预案步骤时限 the river plan's due time"))
    for d in dispatches:
        crit.append(judge("resources", f"{d.label} on site", d.plume_h, d.on_site_h,
                          "污染团到达前到位 on site before the worst-case plume arrival"))
    if not dispatches and plume_any:
        crit.append(judge("resources", "应急物资调度 resources dispatched", None, None,
                          "污染团到达前到位 on site before the worst-case plume arrival"))
    met = sum(c.outcome == "met" for c in crit)
    late = sum(c.outcome == "late" for c in crit)
    total = round(100.0 * (met + 0.5 * late) / len(crit), 1) if crit else 0.0
    return {"total": total, "met": met, "late": late, "missing": len(crit) - met - late,
            "criteria": [asdict(c) for c in crit]}

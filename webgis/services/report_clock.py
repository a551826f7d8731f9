"""The reporting clock of an incident: which report is due next, and when.

Our reading of the 2011 reporting measures (突发环境事件信息报告办法, MEP Order No. 17):

* **初报 (initial)** — Art. 3: within 4 h of discovery (发现或者得知) for a provisional
  level IV/III, within 2 h for II/I, and within 2 h whenever Art. 4 makes it go out under the
  II/I procedure (a drinking-water source may be affected, heavy metals, cross-province...).
  The minutes and the due time are the forecast's (`webgis.response.level.report_clock`,
  ``result.level.report_due_at``), so the clock follows the current level and discovery time.
* **续报 (follow-up)** — Art. 12: "在查清有关基本情况、事件发展情况后随时上报", at any time as
  the facts develop: the measures set no interval. Local practice is often "at least daily",
  so the clock asks for one `Settings.report_followup_h` hours (default 24,
  ``WEBGIS_REPORT_FOLLOWUP_H``) after the last report issued. And Art. 3: "事件级别发生变化
  的，应当按照变化后的级别报告信息" — when the level (or the procedure, III/IV → I/II) is now
  more severe than in the last report issued, a follow-up is due within the new level's
  time limit (2 h / 4 h) from the change, if that comes earlier.
* **处理结果报告 (final)** — Art. 12: after the handling has ended (the incident closed);
  the measures set no time limit. The clock gives `Settings.report_final_days` days
  (default 30, a common local rule, ``WEBGIS_REPORT_FINAL_DAYS``) from closing.

Pure: it reads the incident's level, status and timeline and the reports as plain values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

_SEVERITY = {"I": 0, "II": 1, "III": 2, "IV": 3}
#: Art. 3: minutes to report under a level (I/II 2 h, III/IV 4 h).
DUE_MIN = {"I": 120, "II": 120, "III": 240, "IV": 240}


@dataclass(frozen=True, slots=True)
class IssuedReport:
    """What the clock needs of a report issued."""

    kind: str
    issued_at: datetime
    level: str | None
    report_as: str | None


def as_instant(raw: Any) -> datetime | None:
    """A datetime or an ISO-8601 string as an aware datetime (naive taken as UTC); None
    for anything else (the result's and the facts' times may be missing or malformed)."""
    if isinstance(raw, datetime):
        return raw if raw.tzinfo else raw.replace(tzinfo=UTC)
    if isinstance(raw, str) and raw:
        try:
            at = datetime.fromisoformat(raw)
        except ValueError:
            return None
        return at if at.tzinfo else at.replace(tzinfo=UTC)
    return None


def _more_severe(level: str | None, report_as: str | None, last: IssuedReport) -> bool:
    """Whether the level (or the procedure) now is more severe than in `last`."""
    now_s, then_s = _SEVERITY.get(level or "", 9), _SEVERITY.get(last.level or "", 9)
    return now_s < then_s or (report_as == "I/II" and last.report_as == "III/IV")


def _closed_at(events: Sequence[Mapping[str, Any]], fallback: datetime) -> datetime:
    """When the incident was closed: its last ``closed`` (or status change to closed)."""
    for ev in reversed(events):
        payload = ev.get("payload") or {}
        if ev.get("kind") == "closed" or (
                ev.get("kind") == "status_changed" and payload.get("to") == "closed"):
            return as_instant(ev.get("at")) or fallback
    return fallback


def _level_changed_at(events: Sequence[Mapping[str, Any]], after: datetime) -> datetime:
    """When the level moved after `after`: its ``level_changed`` event, else the latest
    facts revision or re-run (the forecast that changed it), else `after` itself."""
    found = None
    for kinds in (("level_changed",), ("facts_revised", "analysis_rerun")):
        for ev in events:
            at = as_instant(ev.get("at"))
            if ev.get("kind") in kinds and at is not None and at > after:
                found = at if found is None else max(found, at)
        if found is not None:
            return found
    return after


def reporting_clock(*, level: Mapping[str, Any], status: str, discovered_at: datetime | None,
                    issued: Sequence[IssuedReport], events: Sequence[Mapping[str, Any]],
                    followup_h: float, final_days: float, now: datetime,
                    updated_at: datetime | None = None) -> dict[str, Any]:
    """The next report due (``next``: initial, followup, final or None), ``due_at``,
    ``overdue`` at `now`, and the rule it comes from (``rule``, ``basis_zh``/``basis_en``)."""
    suggested, report_as = level.get("suggested"), level.get("report_as")
    due_min = int(level.get("report_due_min") or DUE_MIN.get(suggested or "", 120))
    found = discovered_at or as_instant(level.get("discovered_at"))
    out: dict[str, Any] = {
        "level": suggested, "report_as": report_as, "status": status,
        "discovered_at": found.isoformat() if found else None, "next": None, "due_at": None,
        "rule": None, "basis_zh": "", "basis_en": "", "province_to_mee_due_at": None,
    }
    initial = [r for r in issued if r.kind == "initial"]
    final = [r for r in issued if r.kind == "final"]
    due: datetime | None
    if not initial:
        due = as_instant(level.get("report_due_at")) or (
            found + timedelta(minutes=due_min) if found else None)
        out.update(next="initial", rule="art3",
                   basis_zh=f"初报：发现后{due_min}分钟内（第三条，按{report_as or '—'}级程序）",
                   basis_en=f"initial report: within {due_min} min of discovery (Art. 3, "
                            f"{report_as or '—'} procedure)",
                   province_to_mee_due_at=level.get("province_to_mee_due_at"))
    elif status == "closed":
        if final:
            due = None
            out.update(basis_zh="处理结果报告已签发", basis_en="final report issued")
        else:
            due = _closed_at(events, updated_at or now) + timedelta(days=final_days)
            out.update(next="final", rule="art12_final",
                       basis_zh=f"处理结果报告：处理完毕后上报（第十二条；按{final_days:g}天内"
                                "提醒，可配置）",
                       basis_en=f"final report: after the handling ends (Art. 12; reminded "
                                f"within {final_days:g} days, configurable)")
    else:
        last = max(issued, key=lambda r: r.issued_at)
        due = last.issued_at + timedelta(hours=followup_h)
        out.update(next="followup", rule="art12_followup",
                   basis_zh=f"续报：随时上报（第十二条；距上次报告{followup_h:g}小时提醒，可配置）",
                   basis_en=f"follow-up report: as facts develop (Art. 12; reminded "
                            f"{followup_h:g} h after the last report, configurable)")
        if _more_severe(suggested, report_as, last):
            changed = _level_changed_at(events, last.issued_at)
            limit = 120 if report_as == "I/II" else DUE_MIN.get(suggested or "", 120)
            by_level = changed + timedelta(minutes=limit)
            if by_level < due:
                due = by_level
                out.update(rule="art3_level",
                           basis_zh=f"级别变化：按变化后的级别（{suggested}）{limit}分钟内续报（第三条）",
                           basis_en=f"level changed: report under the new level ({suggested}) "
                                    f"within {limit} min (Art. 3)")
    out["due_at"] = due.isoformat() if due else None
    out["overdue"] = bool(due and due < now)
    out["seconds_left"] = round((due - now).total_seconds()) if due else None
    return out

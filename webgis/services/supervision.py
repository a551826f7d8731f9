"""The supervision dashboard (issue 17 item 5): enterprises, plan filing and hazards counted
by prefecture and by river basin, with the department's own reported figures beside them
(marked as reported, never mixed with what the records count)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import case, func, select

from webgis.contract.supervision import HazardQuery
from webgis.exports.supervision import supervision_xlsx
from webgis.models.enterprise import Enterprise
from webgis.models.river import Reach, River
from webgis.models.supervision import Hazard
from webgis.services.hazards import list_hazards, prefecture_of, prefectures, today_in_china
from webgis.services.uow import reading

__all__ = ["BASIN_NAMES", "REPORTED", "dashboard", "dashboard_workbook"]

BASIN_NAMES = {"yellow": ("黄河流域", "Yellow River basin"),
               "yangtze": ("长江流域", "Yangtze basin"),
               "inland": ("内陆河流域", "Inland rivers")}
#: Figures the department published, shown as such (see README "Risk supervision").
REPORTED = [
    {"value": 863, "label_zh": "一年内排查环境安全隐患（省厅公布）",
     "label_en": "environmental hazards investigated in one year (reported by the department)",
     "source": "Gansu Department of Ecology and Environment, as quoted in issue 17"},
    {"value": 5228, "label_zh": "已备案突发环境事件应急预案的企业（省厅公布）",
     "label_en": "enterprises with a filed emergency plan (reported by the department)",
     "source": "Gansu Department of Ecology and Environment, as quoted in the guide"},
]
_COUNTS = ("enterprises", "major", "larger", "general", "plan_filed", "plan_not_filed",
           "hazards_open", "hazards_overdue", "hazards_closed")


def _row(code: str, names: tuple[str, str], counts: dict[str, int]) -> dict[str, Any]:
    return {"code": code, "name_zh": names[0], "name_en": names[1],
            **{k: counts.get(k, 0) for k in _COUNTS}}


def dashboard() -> dict[str, Any]:
    """Counts by prefecture and by basin, their total, and the reported figures."""
    today = today_in_china()
    with reading() as session:
        pref_names = prefectures(session)
        hz = select(
            Hazard.enterprise_id,
            func.count().filter(Hazard.status != "closed").label("open"),
            func.count().filter((Hazard.status != "closed")
                                & (Hazard.deadline < today)).label("overdue"),
            func.count().filter(Hazard.status == "closed").label("closed"),
        ).group_by(Hazard.enterprise_id).subquery()
        rows = session.execute(
            select(Enterprise.adcode, Enterprise.risk_level, Enterprise.plan_filed,
                   River.basin, func.coalesce(hz.c.open, 0), func.coalesce(hz.c.overdue, 0),
                   func.coalesce(hz.c.closed, 0),
                   case((Enterprise.plan_filed, 1), else_=0))
            .join(Reach, Reach.id == Enterprise.outfall_reach_id)
            .join(River, River.id == Reach.river_id)
            .outerjoin(hz, hz.c.enterprise_id == Enterprise.id)
        ).all()
    by_pref: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_basin: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    total: dict[str, int] = defaultdict(int)
    for adcode, risk, filed, basin, n_open, n_late, n_closed, _ in rows:
        pref = prefecture_of(adcode, set(pref_names)) or "unknown"
        for bucket in (by_pref[pref], by_basin[basin], total):
            bucket["enterprises"] += 1
            bucket[risk] += 1
            bucket["plan_filed" if filed else "plan_not_filed"] += 1
            bucket["hazards_open"] += n_open
            bucket["hazards_overdue"] += n_late
            bucket["hazards_closed"] += n_closed
    names = {**pref_names, "unknown": ("行政区未知", "prefecture unknown")}
    return {
        "today": today.isoformat(),
        "by_prefecture": [_row(code, names[code], by_pref.get(code, {}))
                          for code in [*pref_names, "unknown"]
                          if code != "unknown" or code in by_pref],
        "by_basin": [_row(code, BASIN_NAMES[code], by_basin.get(code, {}))
                     for code in BASIN_NAMES],
        "total": _row("620000", ("甘肃省", "Gansu"), total),
        "reported": REPORTED,
    }


def dashboard_workbook(lang: str) -> bytes:
    """The dashboard and every hazard (the ledger) as an Excel workbook."""
    return supervision_xlsx(dashboard(), list_hazards(HazardQuery(limit=5000))["hazards"],
                            lang)

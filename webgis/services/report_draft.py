"""The sections of each kind of report and their first draft, from the incident.

The contents follow the 2011 reporting measures (突发环境事件信息报告办法, MEP Order
No. 17, in force 2011-05-01):

* Art. 13, 初报 (initial): time, place, information source, cause and nature, course,
  main pollutants and quantities, monitoring data, casualties, effect on drinking-water
  sources and other sensitive points, trend, actions taken, planned measures and
  proposals for the next steps, plus a sketch map of the sensitive points (the PDF and the
  DOCX draw it from the forecast, `webgis.exports.sketch`). We add the affected area
  (rivers, length, prefectures, downstream administrations, Art. 8) and the level reported
  (Art. 3-4), which the officer must state anyway.
* Art. 13, 续报 (follow-up): "on the basis of the initial report, the progress of the
  response": what is new since the last report, monitoring results, measures, trend, the
  level (Art. 3: a changed level is reported under the new level), next steps.
* Art. 13, 处理结果报告 (final): the measures, course and results of the handling,
  potential or indirect harm and losses, social impact, problems left, accountability; we
  add lessons learnt (the issue asks for them).
* Art. 14: every written report states the reporting unit, the signer (签发人: the leader
  who issues it, filled at issue) and a contact.

Every section is pre-filled from the incident's facts, its current forecast, its readings
and its timeline; what the product cannot know is marked "（待补充）" for the officer to
complete. Forecast values say that they are model estimates. Pure functions: no database.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from webgis.services.report_clock import as_instant

#: Beijing time, the reports' clock (the authorities read local time).
CST = timezone(timedelta(hours=8), "CST")
TODO = "（待补充）"
KIND_NAMES = {"initial": ("初报", "initial report"), "followup": ("续报", "follow-up report"),
              "final": ("处理结果报告", "final report")}
#: Document-number code of each kind (初报 CB, 续报 XB, 结果 JG).
KIND_CODES = {"initial": "CB", "followup": "XB", "final": "JG"}
_HEAD = (("unit", "报告单位", "Reporting unit"),
         ("contact", "联系人及联系方式", "Contact person and telephone"))
#: kind -> (key, heading zh, heading en), in the order printed. Art. 13 / 14.
SECTIONS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "initial": _HEAD + (
        ("time", "发生时间", "Time"),
        ("place", "发生地点", "Place"),
        ("info_source", "信息来源", "Information source"),
        ("cause", "事件起因和性质", "Cause and nature"),
        ("course", "基本过程", "Course of events"),
        ("pollutant", "主要污染物和数量", "Main pollutants and quantities"),
        ("monitoring", "监测数据", "Monitoring data"),
        ("casualties", "人员伤亡情况", "Casualties"),
        ("sensitive", "饮用水水源地等环境敏感点受影响情况",
         "Drinking-water intakes and other sensitive points (population served)"),
        ("affected", "影响范围", "Affected area"),
        ("trend", "事件发展趋势", "Trend"),
        ("actions", "处置情况", "Actions taken"),
        ("planned", "拟采取的措施", "Measures planned"),
        ("requests", "下一步工作建议", "Proposals and requests"),
        ("level", "事件级别（初步认定）", "Level (provisional)"),
    ),
    "followup": _HEAD + (
        ("since", "上次报告以来的新情况", "New facts since the last report"),
        ("monitoring", "监测结果", "Monitoring results"),
        ("actions", "处置进展及措施", "Progress and measures"),
        ("trend", "事件发展趋势", "Trend"),
        ("level", "事件级别", "Level"),
        ("requests", "下一步工作建议", "Next steps and requests"),
    ),
    "final": _HEAD + (
        ("measures", "处理措施", "Measures"),
        ("process", "处理过程", "Course of the handling"),
        ("results", "处理结果", "Results"),
        ("harm_losses", "潜在或间接危害及损失", "Potential or indirect harm and losses"),
        ("social", "社会影响", "Social impact"),
        ("remaining", "遗留问题", "Problems remaining"),
        ("accountability", "责任追究", "Accountability"),
        ("lessons", "经验教训", "Lessons learnt"),
    ),
}
#: Events that are the response's actions (the timeline's other kinds are bookkeeping).
ACTION_KINDS = ("status_changed", "level_changed", "alert_sent", "alert_acknowledged",
                "alert_ended", "dispatch_created", "dispatch_status", "plan_step_done",
                "comment", "closed")
_EVENT_ZH = {"created": "建立事件", "facts_revised": "事实更新", "analysis_rerun": "重新分析",
             "status_changed": "状态变更", "level_changed": "级别变更",
             "reading_entered": "录入监测数据", "report_drafted": "起草报告",
             "report_edited": "修改报告草稿", "report_issued": "签发报告",
             "alert_sent": "发出预警", "alert_acknowledged": "预警已确认",
             "alert_ended": "解除预警", "dispatch_created": "调派物资/队伍",
             "dispatch_status": "调派状态", "plan_step_done": "完成预案步骤",
             "plan_step_undone": "撤销预案步骤", "closed": "事件关闭", "comment": "备注"}
_STATUS_ZH = {"reported": "已接报", "responding": "应急处置中", "monitoring": "跟踪监测中",
              "closed": "已结束"}
ESTIMATE = "（模型估算，最不利情况，待监测核实）"


@dataclass
class DraftInput:
    """What a draft is made from: the incident now, its readings and its timeline, and the
    last report issued before (a follow-up reports what is new since then)."""

    incident_id: int
    title: str
    status: str
    facts: dict[str, Any]
    result: dict[str, Any]
    discovered_at: datetime | None
    created_at: datetime | None
    readings: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    last_issued_at: datetime | None = None
    last_issued_title: str | None = None
    drafter: str = ""


def clock(at: datetime | str | None) -> str:
    """A time as the reports print it: Beijing time to the minute."""
    if at is None or at == "":
        return "—"
    if isinstance(at, str):
        try:
            at = datetime.fromisoformat(at)
        except ValueError:
            return str(at)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(CST).strftime("%Y-%m-%d %H:%M") + "（北京时间）"


def num(value: Any, digits: int = 3) -> str:
    """A number with `digits` significant digits, or — when there is none."""
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        return "—"
    x = float(f"{value:.{digits}g}")  # rounded to `digits` significant digits
    if x == int(x):
        return str(int(x))
    return f"{x:.12f}".rstrip("0").rstrip(".")  # 0.00005, not 5e-05


def started_at(d: DraftInput) -> datetime | None:
    """The release start (the facts, else the forecast's request)."""
    return as_instant(d.facts.get("started_at")) or as_instant((d.result.get("request") or {})
                                                    .get("started_at"))


def discovered(d: DraftInput) -> datetime | None:
    """Discovery: the reporting clock starts here (Art. 3)."""
    return (d.discovered_at or as_instant(d.facts.get("discovered_at"))
            or as_instant((d.result.get("level") or {}).get("discovered_at")))


def draft(kind: str, d: DraftInput) -> dict[str, str]:
    """The first draft of every section of `kind` (keys of :data:`SECTIONS`)."""
    makers = {"initial": _initial, "followup": _followup, "final": _final}
    out = {"unit": str(d.facts.get("reporting_unit") or TODO),
           "contact": str(d.facts.get("contact") or (f"{d.drafter}，电话{TODO}"
                                                     if d.drafter else TODO))}
    out.update(makers[kind](d))
    return {key: out.get(key, TODO) for key, _zh, _en in SECTIONS[kind]}


# --- the facts ------------------------------------------------------------------------------


def _place(d: DraftInput) -> str:
    snap = d.result.get("snap") or {}
    loc = d.facts.get("location") or (d.result.get("request") or {}).get("location") or {}
    parts = []
    for key, form in (("enterprise_name", "{}"), ("enterprise", "企业排口（企业代码 {}）"),
                      ("place", "{}")):
        if isinstance(d.facts.get(key), str) and d.facts[key]:
            parts.append(form.format(d.facts[key]))
            break
    river = snap.get("river_name") or snap.get("river_code")
    if river:
        parts.append(f"{river}（河段 {snap.get('reach_code', '—')}）")
    if "lon" in loc and "lat" in loc:
        parts.append(f"经度 {num(loc['lon'], 7)}，纬度 {num(loc['lat'], 6)}")
    return "，".join(parts) or TODO


def _pollutant(d: DraftInput) -> str:
    p = d.result.get("pollutant") or {}
    rel = d.facts.get("release") or (d.result.get("request") or {}).get("release") or {}
    name = p.get("name") or d.facts.get("pollutant") or TODO
    mass = rel.get("mass_kg")
    dur = rel.get("duration_h") or 0
    how = "瞬时排放" if not dur else f"持续排放约 {num(dur)} 小时"
    code = p.get("code") or d.facts.get("pollutant") or ""
    text = f"{name}（{code}），排放量约 {num(mass)} kg，{how}"
    if p.get("cas"):
        text += f"，CAS {p['cas']}"
    return text + "（数量为报告时估计值，待核实）。"


def _casualties(d: DraftInput) -> str:
    cas = d.facts.get("casualties") or {}
    deaths, poisoned = int(cas.get("deaths") or 0), int(cas.get("poisoned") or 0)
    evacuated = int(d.facts.get("evacuated") or 0)
    return (f"死亡 {deaths} 人，中毒或重伤 {poisoned} 人；疏散、转移 {evacuated} 人"
            "（截至报告时）。")


def _time(d: DraftInput) -> str:
    return (f"污染物排放开始：{clock(started_at(d))}；发现或得知：{clock(discovered(d))}"
            "（报告时限自发现或得知时起算）。")


def _hours_after(d: DraftInput, h: Any) -> str:
    start = started_at(d)
    if start is None or not isinstance(h, int | float) or not math.isfinite(h):
        return "—"
    return clock(start + timedelta(hours=float(h)))


# --- the forecast ---------------------------------------------------------------------------


def _intakes(d: DraftInput) -> list[dict[str, Any]]:
    return [r for r in d.result.get("receptors") or [] if r.get("kind") == "water_source"]


def _receptor_line(d: DraftInput, r: dict[str, Any]) -> str:
    w = r.get("worst") or {}
    details = r.get("details") or {}
    pop = details.get("population_served")
    serves = details.get("serves_name_zh") or details.get("serves") or ""
    line = (f"{r.get('name') or r.get('code')}：河道 {num(r.get('river_km'))} km，"
            f"最早到达 {_hours_after(d, w.get('arrival_h'))}，"
            f"峰值 {num(w.get('peak_conc_mgl'))} mg/L（限值 {num(r.get('limit_mgl'))} mg/L）")
    line += "，超标" if w.get("exceeds") or r.get("exceeds") else "，未超标"
    if isinstance(pop, int | float) and pop > 0:
        line += f"，供水人口约 {num(pop)} 人"
    if serves:
        line += f"（{serves}）"
    return line


def _sensitive(d: DraftInput) -> str:
    rows = [r for r in _intakes(d) if (r.get("worst") or {}).get("arrival_h") is not None]
    if not rows:
        return "预报范围内未发现受影响的集中式饮用水水源地" + ESTIMATE + "。"
    total = sum(p for r in rows
                if isinstance(p := (r.get("details") or {}).get("population_served"),
                              int | float) and p > 0)
    head = f"可能受影响的饮用水水源地 {len(rows)} 处"
    if total:
        head += f"，合计供水人口约 {num(total)} 人"
    notes = (d.result.get("plan") or {}).get("sensitive_notes") or {}
    lines = [_receptor_line(d, r) + (f"；{notes[r['code']]}" if r.get("code") in notes else "")
             for r in rows]
    return head + ESTIMATE + "：\n" + "\n".join(f"{i}. {x}" for i, x in enumerate(lines, 1))


def _affected(d: DraftInput) -> str:
    res = d.result
    rivers = []
    for f in (res.get("path") or {}).get("features") or []:
        name = (f.get("properties") or {}).get("river_name")
        if name and name not in rivers:
            rivers.append(name)
    text = f"预报影响河道约 {num(res.get('length_km'))} km"
    if rivers:
        text += "，涉及" + "、".join(rivers)
    prefs = (res.get("plan") or {}).get("prefectures") or []
    if prefs:
        text += "；涉及行政区：" + "、".join(prefs)
    notify = res.get("notify") or []
    if notify:
        text += "；需通报的下游行政区（第八条）：" + "、".join(
            f"{n.get('admin_name')}（最早 {_hours_after(d, n.get('worst_arrival_h'))} 到达边界）"
            for n in notify)
    return text + ESTIMATE + "。"


def _trend(d: DraftInput) -> str:
    res = d.result
    rows = [r for r in res.get("receptors") or []
            if (r.get("worst") or {}).get("arrival_h") is not None
            and r.get("kind") in ("water_source", "section", "boundary")]
    rows.sort(key=lambda r: float((r.get("worst") or {}).get("arrival_h") or 0))
    if not rows:
        return "预报时段内污染团未到达下游敏感点" + ESTIMATE + "。"
    over = [r for r in rows if (r.get("worst") or {}).get("exceeds")]
    text = (f"污染团沿河向下游迁移，预计到达 {len(rows)} 个下游断面/敏感点，"
            f"其中 {len(over)} 处最不利情况下超标" + ESTIMATE + "：\n")
    return text + "\n".join(f"- {_receptor_line(d, r)}" for r in rows[:12])


def level_text(result: Mapping[str, Any]) -> str:
    """The level suggested, why, and the procedure it is reported under (Art. 3-4)."""
    lv = result.get("level") or {}
    if not lv.get("suggested"):
        return TODO
    names = {"I": "特别重大（Ⅰ级）", "II": "重大（Ⅱ级）", "III": "较大（Ⅲ级）", "IV": "一般（Ⅳ级）"}
    text = f"初步认定为{names.get(lv['suggested'], lv['suggested'])}"
    reasons = [r.get("text_zh") or r.get("text") for r in lv.get("reasons") or []]
    if reasons:
        text += "：" + "；".join(str(r) for r in reasons if r)
    text += f"。按{lv.get('report_as') or '—'}级程序报告，时限 {lv.get('report_due_min', '—')} 分钟"
    art4 = [r.get("text_zh") or r.get("text") for r in lv.get("report_reasons") or []]
    if art4:
        text += "（第四条：" + "；".join(str(r) for r in art4 if r) + "）"
    return text + "。"


# --- readings and the timeline ------------------------------------------------------------


def station_limits(result: Mapping[str, Any]) -> dict[str, float]:
    """Receptor code -> its limit (mg/L), for readings taken at a receptor."""
    return {str(r["code"]): float(r["limit_mgl"]) for r in result.get("receptors") or []
            if r.get("code") and isinstance(r.get("limit_mgl"), int | float)
            and r["limit_mgl"] > 0}


def monitoring_text(readings: Sequence[Mapping[str, Any]], since: datetime | None = None,
                    limits: Mapping[str, float] | None = None) -> str:
    """Readings per station: how many, the latest and the highest (mg/L), the highest
    against the station's limit where the forecast knows it (`limits`: receptor code ->
    mg/L); QA flags."""
    rows = [r for r in readings
            if since is None or (as_instant(r.get("entered_at")) or since) >= since]
    if not rows:
        return ("尚无监测数据" if since is None else "上次报告以来无新的监测数据") + "。"
    by: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for r in rows:
        by.setdefault((str(r.get("station_code") or r.get("station_kind")),
                       str(r.get("pollutant_code"))), []).append(r)
    lines = []
    for (station, pollutant), rs in by.items():
        rs = sorted(rs, key=lambda r: (as_instant(r.get("sampled_at"))
                                       or datetime.min.replace(tzinfo=UTC)))
        last, top = rs[-1], max(rs, key=lambda r: float(r.get("value_mg_l") or 0))

        def val(r: Mapping[str, Any]) -> str:
            v = num(r.get("value_mg_l"))
            return f"<{v}（未检出）" if r.get("below_detection") else v

        flags = {str(r.get("qa_flag")) for r in rs} - {"ok"}
        limit = (limits or {}).get(station)
        ratio = ""
        if limit and not top.get("below_detection"):
            share = float(top.get("value_mg_l") or 0) / limit
            ratio = (f"（限值 {num(limit)} mg/L，超标 {num(share - 1, 2)} 倍）" if share > 1
                     else f"（限值 {num(limit)} mg/L，未超标）")
        lines.append(f"{station} {pollutant}：{len(rs)} 个样品，最新 {val(last)} mg/L"
                     f"（{clock(last.get('sampled_at'))}），最高 {val(top)} mg/L{ratio}"
                     + (f"；质控标记：{'、'.join(sorted(flags))}" if flags else ""))
    return f"共 {len(rows)} 个监测数据：\n" + "\n".join(lines)


def events_text(events: Sequence[Mapping[str, Any]], kinds: Sequence[str] | None = None,
                since: datetime | None = None, empty: str = "") -> str:
    """Timeline lines (time, what, who, summary) of `kinds` after `since`."""
    rows = [e for e in events if (kinds is None or e.get("kind") in kinds)
            and (since is None or (as_instant(e.get("at")) or since) > since)]
    if not rows:
        return empty or TODO
    return "\n".join(
        f"{clock(e.get('at'))} {_EVENT_ZH.get(str(e.get('kind')), str(e.get('kind')))}"
        f"（{e.get('actor') or e.get('actor_name') or ''}）：{e.get('summary') or ''}"
        for e in rows)


def _planned(d: DraftInput) -> str:
    steps = (d.result.get("plan") or {}).get("steps") or []
    done = {str((e.get("payload") or {}).get("step")) for e in d.events
            if e.get("kind") == "plan_step_done"}
    todo = [s for s in steps if str(s.get("order")) not in done][:12]
    if not todo:
        return TODO
    return "\n".join(
        f"{i}. {s.get('text')}" + (f"（{s['responsible']}）" if s.get("responsible") else "")
        + (f"，发现后 {s['due_min']} 分钟内" if s.get("due_min") is not None else "")
        for i, s in enumerate(todo, 1))


# --- the kinds ------------------------------------------------------------------------------


def _initial(d: DraftInput) -> dict[str, str]:
    status = _STATUS_ZH.get(d.status, d.status)
    facts = d.facts
    return {
        "time": _time(d), "place": _place(d),
        "info_source": str(facts.get("info_source") or facts.get("source") or TODO),
        "cause": str(facts.get("cause") or TODO),
        "course": (f"{clock(started_at(d))} 开始排放，{clock(discovered(d))} 发现或得知，"
                   f"{clock(d.created_at)} 建立事件；目前状态：{status}。"
                   + (str(facts.get("course")) if facts.get("course") else "")),
        "pollutant": _pollutant(d),
        "monitoring": monitoring_text(d.readings, limits=station_limits(d.result)),
        "casualties": _casualties(d), "sensitive": _sensitive(d), "affected": _affected(d),
        "trend": _trend(d),
        "actions": events_text(d.events, ACTION_KINDS, empty="已启动应急响应，开展现场调查" + TODO),
        "planned": _planned(d),
        "requests": str(facts.get("requests")
                        or "请上级部门指导；请下游地区做好取水口防护准备" + TODO),
        "level": level_text(d.result),
    }


def _followup(d: DraftInput) -> dict[str, str]:
    since = d.last_issued_at
    head = f"自{d.last_issued_title or '上次报告'}（{clock(since)}）以来：\n" if since else ""
    changes = events_text(d.events, ("facts_revised", "analysis_rerun", "level_changed",
                                     "status_changed"), since, empty="事件基本情况无变化。")
    return {
        "since": head + changes + "\n" + _casualties(d),
        "monitoring": monitoring_text(d.readings, since, station_limits(d.result)),
        "actions": events_text(d.events, ACTION_KINDS, since, empty="继续按预案处置" + TODO),
        "trend": _trend(d), "level": level_text(d.result),
        "requests": str(d.facts.get("requests") or TODO),
    }


def _final(d: DraftInput) -> dict[str, str]:
    loss = d.facts.get("loss_cny")
    status = _STATUS_ZH.get(d.status, d.status)
    intakes = [r.get("name") for r in _intakes(d) if (r.get("worst") or {}).get("exceeds")]
    return {
        "measures": events_text(d.events, ACTION_KINDS, empty=TODO),
        "process": events_text(d.events, None, empty=TODO),
        "results": f"事件状态：{status}。"
                   + monitoring_text(d.readings, limits=station_limits(d.result)),
        "harm_losses": (f"直接经济损失约 {num(loss)} 元；{_casualties(d)}"
                        + (f"曾预计超标的饮用水水源地：{'、'.join(map(str, intakes))}。"
                           if intakes else "")
                        + f"潜在或间接危害：{TODO}"),
        "social": str(d.facts.get("social_impact") or TODO),
        "remaining": str(d.facts.get("remaining") or TODO),
        "accountability": str(d.facts.get("accountability") or TODO),
        "lessons": TODO,
    }

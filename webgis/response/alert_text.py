"""The words of a downstream alert (issue 14): subject and body of an alert, an update and
an end of alert (解除预警), Chinese first, then English.

Like the Danube alarm system's messages, an alert says what, where and when: the incident,
the pollutant, the level, the forecast arrival at the administration's border (the worst
case first: the earliest time the plume may come, on the safe side) and the peak expected
there, and it asks for an acknowledgement by the link it carries. An update repeats the
current forecast; an end of alert says the alert is over. Pure text: no database, no web.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

#: Times in alerts are China Standard Time (the recipients' clocks).
CST = timezone(timedelta(hours=8))


def local_time(dt: datetime | None) -> str | None:
    """`2026-05-01 10:30 (UTC+8)`."""
    return None if dt is None else dt.astimezone(CST).strftime("%Y-%m-%d %H:%M") + " (UTC+8)"

KIND_ZH = {"alert": "预警", "update": "预警更新", "end": "解除预警"}
KIND_EN = {"alert": "Alert", "update": "Alert update", "end": "End of alert"}


def _num(value: Any) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def _hours(value: Any) -> str:
    h = _num(value)
    return "—" if h is None else f"{h:.1f}"


def _peak(value: Any) -> str:
    c = _num(value)
    return "—" if c is None else f"{c:.3g}"


def subject(kind: str, content: Mapping[str, Any]) -> str:
    """`【预警】<incident> → <administration> / Alert: ...` (both languages: mail clients
    show one line)."""
    title = content.get("incident_title") or ""
    who = content.get("recipient_name") or ""
    drill = ("【演练】", "[DRILL] ") if content.get("incident_kind") == "drill" else ("", "")
    line = (f"{drill[0]}【{KIND_ZH[kind]}】{title} → {who} / "
            f"{drill[1]}{KIND_EN[kind]}: {title} → {who}")
    # one header line: a line break in a title must not end the Subject header
    return " ".join(line.split())


def _forecast_zh(c: Mapping[str, Any]) -> list[str]:
    if not c.get("in_forecast", True):
        return ["当前预测中污染团不再到达贵辖区边界。"]
    lines = [
        f"预计到达贵辖区边界（{c.get('boundary_name') or c.get('boundary_code') or ''}，"
        f"距泄漏点约{_hours(c.get('river_km'))} km）：",
        f"  最不利情况 {_hours(c.get('worst_arrival_h'))} 小时后"
        + (f"（约 {c['worst_arrival_at']}）" if c.get("worst_arrival_at") else ""),
        f"  预计 {_hours(c.get('arrival_h'))} 小时后"
        + (f"（约 {c['arrival_at']}）" if c.get("arrival_at") else ""),
        f"边界处峰值浓度：最不利情况约 {_peak(c.get('worst_peak_conc_mgl'))} mg/L"
        + (f"（约 {c['worst_peak_at']}）" if c.get("worst_peak_at") else "")
        + f"，预计约 {_peak(c.get('peak_conc_mgl'))} mg/L"
        + (f"（标准 {c['limit_mgl']} mg/L）" if c.get("limit_mgl") is not None else "")
        + ("，预计超标" if c.get("exceeds") else (
            "，最不利情况下超标" if c.get("worst_exceeds") else "")),
    ]
    return lines


def _forecast_en(c: Mapping[str, Any]) -> list[str]:
    if not c.get("in_forecast", True):
        return ["The current forecast no longer reaches your boundary."]
    return [
        f"Forecast arrival at your boundary (river km {_hours(c.get('river_km'))}): "
        f"earliest (worst case) in {_hours(c.get('worst_arrival_h'))} h"
        + (f" (about {c['worst_arrival_at']})" if c.get("worst_arrival_at") else "")
        + f", expected in {_hours(c.get('arrival_h'))} h"
        + (f" (about {c['arrival_at']})" if c.get("arrival_at") else "") + ".",
        f"Peak at the boundary: worst case about {_peak(c.get('worst_peak_conc_mgl'))} mg/L"
        + (f" (about {c['worst_peak_at']})" if c.get("worst_peak_at") else "")
        + f", expected about {_peak(c.get('peak_conc_mgl'))} mg/L"
        + (f" (limit {c['limit_mgl']} mg/L)" if c.get("limit_mgl") is not None else "")
        + ("; above the limit" if c.get("exceeds") else (
            "; above the limit in the worst case" if c.get("worst_exceeds") else "")) + ".",
    ]


def body(kind: str, content: Mapping[str, Any], ack_url: str, expires_at: str,
         note: str = "") -> str:
    """The plain-text message: Chinese, then English; the acknowledgement link in both."""
    c = content
    level = c.get("level") or "—"
    zh = [
        f"{c.get('recipient_name', '')}生态环境部门：",
        "",
        ("【演练，非真实事件】" if c.get("incident_kind") == "drill" else "")
        + f"【{KIND_ZH[kind]}】{c.get('incident_title', '')}",
        f"污染物：{c.get('pollutant_name') or '—'}；事件级别（初判）：{level}级",
        f"发送人：{c.get('sender') or '—'}；发送时间：{c.get('sent_at_text') or '—'}",
    ]
    if kind == "end":
        zh.append("本次预警解除。请确认收到。")
    else:
        zh += _forecast_zh(c)
        zh.append("预测为一维模型估算，最不利情况偏安全；请做好取水口及沿河防范准备。")
    if note:
        zh.append(f"说明：{note}")
    zh += ["", f"请点击以下链接确认收到（无需登录，{expires_at} 前有效）：", ack_url]
    en = [
        "",
        "----",
        ("[DRILL, not a real incident] " if c.get("incident_kind") == "drill" else "")
        + f"{KIND_EN[kind]}: {c.get('incident_title', '')} (to {c.get('recipient_name', '')})",
        f"Pollutant: {c.get('pollutant_en') or c.get('pollutant_name') or '—'}; "
        f"provisional level {level}",
    ]
    if kind == "end":
        en.append("This alert has ended. Please acknowledge receipt.")
    else:
        en += _forecast_en(c)
        en.append("Estimated by a 1D model; the worst case errs on the safe side.")
    if note:
        en.append(f"Note: {note}")
    en += [f"Acknowledge receipt (no sign-in needed; valid until {expires_at}):", ack_url]
    return "\n".join(zh + en) + "\n"

"""A scenario comparison as an XLSX workbook (from the comparison the service built)."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook


def comparison_xlsx(data: dict[str, Any]) -> bytes:
    """Sheet ``scenarios`` (one row each: level, length, first intake, first interception)
    and sheet ``receptors`` (the receptors they all reach: worst-case arrival and peak per
    scenario, side by side)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "scenarios"
    ws.append(["情景 id", "名称 name", "污染物 pollutant", "质量 mass (kg)", "水期 season",
               "建议级别 level", "路径 length (km)", "首个取水口 first intake",
               "最早到达 worst arrival (h)", "最先拦截 first interception",
               "物资到达 travel (h)", "污染团到达 plume (h)"])
    for s in data["scenarios"]:
        fi, ic = s["first_intake"] or {}, (s["intercept"] or [{}])[0]
        ws.append([s["id"], s["name"], s["pollutant"], s["mass_kg"], s["season"],
                   s["level"], s["length_km"], fi.get("name"), fi.get("worst_arrival_h"),
                   ic.get("target_name"), ic.get("travel_h"), ic.get("plume_arrival_h")])
    rs = wb.create_sheet("receptors")
    head = ["代码 code", "名称 name", "类型 kind", "限值 limit (mg/L)"]
    for s in data["scenarios"]:
        head += [f"{s['name']}: 到达 worst arrival (h)", f"{s['name']}: 峰值 worst peak (mg/L)",
                 f"{s['name']}: 超标 exceeds"]
    rs.append(head)
    for r in data["receptors"]:
        row: list[Any] = [r["code"], r["name"], r["kind"], r["limit_mgl"]]
        for p in r["per"]:
            row += [p["worst_arrival_h"], p["worst_peak_mgl"], "是 yes" if p["exceeds"] else
                    "否 no"]
        rs.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()

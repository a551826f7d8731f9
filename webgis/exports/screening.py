"""A screening's rankings as files: an XLSX workbook and a GeoJSON FeatureCollection.

Built from what the service hands over (``rankings`` and ``threat_lines``): no database.
Every file says what it is: a screening of *credible* releases (not forecasts of real
incidents), worst case, on the dataset version named.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import orjson
from openpyxl import Workbook

NOTE_ZH = ("风险筛查：按可信释放量（储存量×释放比例，有上限）计算的最不利情景，"
           "非真实事件预报；部分企业数据为示意。")
NOTE_EN = ("Risk screening: worst case of credible releases (stored quantity × release "
           "fraction, bounded), not a forecast of a real incident; the register is "
           "partly illustrative.")

ENTERPRISE_COLS = [
    ("rank", "排名 rank"), ("enterprise_code", "企业代码 code"),
    ("enterprise_name", "企业名称 name"), ("industry", "行业 industry"),
    ("spills", "情景数 spills"), ("threatened_intakes", "受威胁水源地 intakes"),
    ("population_threatened", "受威胁人口 population"),
    ("warning_h", "最短预警时间 warning (h)"), ("max_ratio", "最大超标倍数 peak/limit"),
]
INTAKE_COLS = [
    ("rank", "排名 rank"), ("code", "代码 code"), ("name", "名称 name"),
    ("river_code", "河流 river"), ("population_served", "供水人口 population"),
    ("threatening_sources", "威胁源数 sources"), ("threatening_spills", "威胁情景 spills"),
    ("warning_h", "最短预警时间 warning (h)"), ("max_ratio", "最大超标倍数 peak/limit"),
    ("max_exceed_h", "最长超标历时 exceedance (h)"),
    ("exceed_beyond_horizon", "超标持续至预报时段末 still above the limit at the horizon"),
]
RIVER_COLS = [
    ("rank", "排名 rank"), ("river_code", "河流代码 code"), ("river_name", "河流 river"),
    ("threatening_sources", "威胁源数 sources"),
    ("receptors_exceeded", "超标受体数 receptors exceeded"),
    ("population_threatened", "受威胁人口 population"),
    ("earliest_h", "最早到达 earliest (h)"),
]


def _sheet(wb: Workbook, title: str, cols: Sequence[tuple[str, str]],
           rows: Sequence[dict[str, Any]]) -> None:
    ws = wb.create_sheet(title)
    ws.append([label for _, label in cols])
    for r in rows:
        ws.append([r.get(key) for key, _ in cols])
    ws.freeze_panes = "A2"


def screening_xlsx(data: dict[str, Any], reaching: Sequence[dict[str, Any]] = ()) -> bytes:
    """The workbook: the run (parameters, dataset, note), then one sheet per ranking, and
    the spills reaching watched receptors if given."""
    wb = Workbook()
    ws = wb.active
    ws.title = "run"
    job = data["job"]
    for k, v in (("note", NOTE_ZH), ("", NOTE_EN), ("job", job["id"]),
                 ("kind", job["kind"]), ("status", job["status"]),
                 ("dataset", job["dataset_key"]), ("spills", job["spills_total"]),
                 ("engine", job["engine"]), ("created_by", job["created_by"]),
                 ("finished_at", job["finished_at"]),
                 ("parameters", orjson.dumps({k: v for k, v in job["parameters"].items()
                                              if k != "inside"}).decode())):
        ws.append([k, v])
    _sheet(wb, "enterprises", ENTERPRISE_COLS, data["enterprises"])
    _sheet(wb, "intakes", INTAKE_COLS, data["intakes"])
    _sheet(wb, "rivers", RIVER_COLS, data["rivers"])
    if reaching:
        keys = list(reaching[0].keys())
        _sheet(wb, "reaching", [(k, k) for k in keys], reaching)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def screening_geojson(data: dict[str, Any], lines: Sequence[dict[str, Any]]) -> bytes:
    """Map layers in one FeatureCollection, told apart by ``layer``: ``threat_line``
    (enterprise → threatened intake) and ``intake`` (points graduated by
    ``threatening_sources``)."""
    feats: list[dict[str, Any]] = [{
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": [list(x["from"]), list(x["to"])]},
        "properties": {"layer": "threat_line", **{k: v for k, v in x.items()
                                                  if k not in ("from", "to")}},
    } for x in lines]
    for r in data["intakes"]:
        if r.get("lon") is None:
            continue
        feats.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
            "properties": {"layer": "intake", **{k: v for k, v in r.items()
                                                 if k not in ("lon", "lat")}},
        })
    return orjson.dumps({"type": "FeatureCollection", "name": f"screening-{data['job']['id']}",
                         "note": NOTE_EN, "note_zh": NOTE_ZH, "features": feats})

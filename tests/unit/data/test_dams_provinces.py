"""Dams vs reservoir reaches, and province coding of border rivers, on the bundled files.

Reads data/rivers/reaches.geojson, data/receptors/*.geojson and data/src/receptors/
interception_points.yaml (no database). Built by scripts/dataset/build_network.py and
build_receptors.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from pyproj import Geod

DATA = Path(__file__).resolve().parents[3] / "data"
GEOD = Geod(ellps="WGS84")
GANSU = "620000"


def _dist(a, b) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2]


def _fc(rel):
    return json.loads((DATA / rel).read_text(encoding="utf-8"))["features"]


@pytest.fixture(scope="module")
def ips():
    return {f["properties"]["code"]: f for f in _fc("receptors/interception_points.geojson")}


def _reservoir_end(reaches, river, name):
    hits = [c for c, p in reaches.items() if p["river_code"] == river and p["is_reservoir"]
            and p["reservoir_name_zh"] == name]
    ends = [c for c in hits if reaches[c]["downstream_code"] not in hits]
    assert len(ends) == 1, (river, name, ends)
    return ends[0]


def _along_down(reaches, frm, m_from, to, m_to):
    """Metres from (frm, m_from) downstream to (to, m_to)."""
    cur, total = frm, -m_from * reaches[frm]["length_m"]
    while cur != to:
        total += reaches[cur]["length_m"]
        cur = reaches[cur]["downstream_code"]
        assert cur is not None, (frm, to)
    return total + m_to * reaches[to]["length_m"]


def test_every_flagged_dam_sits_at_its_reservoir_end(reaches, ips):
    """A dam with a reservoir in the network sits at the downstream end of that reservoir."""
    src = yaml.safe_load((DATA / "src/receptors/interception_points.yaml").read_text(
        encoding="utf-8"))
    names = {(p["river_code"], p["reservoir_name_zh"]) for p in reaches.values()
             if p["is_reservoir"]}
    checked = 0
    for row in src:
        key = row.get("reservoir_zh")
        if not key:
            continue
        res = [n for r, n in names if r == row["river"] and key in n]
        if not res:
            continue
        end = _reservoir_end(reaches, row["river"], res[0])
        f = ips[row["code"]]
        assert f["properties"]["reach"] == end, row["code"]
        assert f["properties"]["measure"] >= 0.999, row["code"]
        assert _dist(f["geometry"]["coordinates"], reaches[end]["coords"][-1]) < 1000.0
        checked += 1
    assert checked >= 30


CASCADE = ["刘家峡水库", "盐锅峡水库", "八盘峡水库", "河口水库", "柴家峡水库",
           "小峡水库", "大峡水库", "乌金峡水库", "寺沟峡水库", "炳灵水库"]


@pytest.mark.parametrize("name", CASCADE)
def test_yellow_river_cascade_reservoirs(reaches, name):
    end = _reservoir_end(reaches, "HUANGHE", name)
    vol = sum(p["volume_m3"] for p in reaches.values()
              if p["river_code"] == "HUANGHE" and p["reservoir_name_zh"] == name)
    assert vol > 1e7 and reaches[end]["province"] == GANSU


def test_cascade_order_below_liujiaxia(reaches, ips):
    order = ["IP-HH-LIUJIAXIA", "IP-HH-YANGUOXIA", "IP-HH-BAPANXIA", "IP-HH-HEKOU",
             "IP-HH-CHAIJIAXIA", "IP-HH-XIAOXIA", "IP-HH-DAXIA", "IP-HH-WUJINXIA"]
    for a, b in zip(order[:-1], order[1:], strict=True):
        pa, pb = ips[a]["properties"], ips[b]["properties"]
        assert _along_down(reaches, pa["reach"], pa["measure"], pb["reach"], pb["measure"]) > 0


def test_liujiaxia_intake_tao_and_daxia(reaches, ips):
    dam = ips["IP-HH-LIUJIAXIA"]["properties"]
    end = _reservoir_end(reaches, "HUANGHE", "刘家峡水库")
    assert dam["reach"] == end
    tao_last = [p for p in reaches.values() if p["river_code"] == "TAOHE"
                and reaches.get(p["downstream_code"] or "", {}).get("river_code") == "HUANGHE"]
    assert len(tao_last) == 1
    mouth = tao_last[0]["downstream_code"]
    d = _along_down(reaches, mouth, 0.0, dam["reach"], dam["measure"])
    assert 1000.0 <= d <= 2500.0, d  # the Tao joins ~1.5 km above the dam
    assert reaches[mouth]["reservoir_name_zh"] == "刘家峡水库"
    daxia_last = [p for p in reaches.values() if p["river_code"] == "DAXIAHE"
                  and reaches.get(p["downstream_code"] or "", {}).get("river_code") == "HUANGHE"]
    assert reaches[daxia_last[0]["downstream_code"]]["reservoir_name_zh"] == "刘家峡水库"


@pytest.mark.parametrize("river", ["MALIANHE", "YONGNINGHE", "DAHARTENGHE"])
def test_rivers_wholly_in_gansu(reaches, river):
    own = [p for p in reaches.values() if p["river_code"] == river]
    assert own and all(p["province"] == GANSU for p in own), river
    last = [p for p in own if reaches.get(p["downstream_code"] or "", {}).get("river_code")
            != river]
    for p in last:
        if p["downstream_code"]:
            assert reaches[p["downstream_code"]]["province"] == GANSU, river


def test_datong_tiantangsi_in_gansu(reaches):
    ws = {f["properties"]["code"]: f["properties"] for f in _fc("receptors/water_sources.geojson")}
    assert reaches[ws["WS-DT-YINDA"]["reach"]]["province"] == GANSU
    ip = {f["properties"]["code"]: f["properties"]
          for f in _fc("receptors/interception_points.geojson")}
    assert reaches[ip["IP-DT-TIANTANGSI"]["reach"]]["province"] == GANSU

"""Pure checks of the bundled river network and admin files (no database).

Reads data/rivers/rivers.yaml, data/rivers/reaches.geojson and data/admin/*.geojson.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
from pyproj import Geod
from shapely.geometry import shape

DATA = Path(__file__).resolve().parents[3] / "data"
GEOD = Geod(ellps="WGS84")
CODE_RE = re.compile(r"^[A-Z0-9_-]{1,40}$")


def _dist(a, b) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2]


def _walk(reaches, start):
    path, seen, cur = [], set(), start
    while cur is not None:
        assert cur not in seen, f"cycle at {cur}"
        seen.add(cur)
        path.append(cur)
        cur = reaches[cur]["downstream_code"]
    return path


def _first_reach(reaches, river_code):
    return min(c for c, r in reaches.items() if r["river_code"] == river_code)


# ------------------------------------------------------------------------------ rivers
def test_rivers_schema(rivers):
    for code, r in rivers.items():
        assert CODE_RE.match(code), code
        assert r["name_zh"] and r["name_en"], code
        assert r["basin"] in ("yellow", "yangtze", "inland"), code
        assert r["source"], code
        if r["receiving_code"] is not None:
            assert r["receiving_code"] in rivers, code
        if r["is_key"]:
            assert r["plan_batch"] in (1, 2), code
        else:
            assert r["plan_batch"] is None, code


def test_88_key_rivers_and_batches(rivers):
    key = [r for r in rivers.values() if r["is_key"]]
    assert len(key) == 88
    assert sum(1 for r in key if r["plan_batch"] == 1) == 35
    assert {r["basin"] for r in key} == {"yellow", "yangtze", "inland"}


def test_every_river_has_reaches(rivers, reaches):
    with_reaches = {r["river_code"] for r in reaches.values()}
    assert set(rivers) <= with_reaches
    assert with_reaches <= set(rivers)


# ------------------------------------------------------------------------------ reaches
def test_reach_schema(reaches, rivers):
    for code, r in reaches.items():
        assert CODE_RE.match(code), code
        assert code.startswith(r["river_code"] + "-"), code
        assert r["discharge_m3s"] > 0, code
        for k in ("factor_dry", "factor_normal", "factor_flood"):
            assert r[k] > 0, code
        assert r["factor_dry"] <= r["factor_normal"] <= r["factor_flood"], code
        assert r["province"] in {"620000", "630000", "640000", "610000", "510000", "150000"}, code
        assert r["source"], code
        assert len(r["coords"]) >= 2, code
        for x, y in r["coords"]:
            assert 92 < x < 110 and 31 < y < 43, code
        if r["is_reservoir"]:
            assert r["volume_m3"] and r["volume_m3"] > 0, code
            assert r["reservoir_name_zh"], code
        if r["downstream_code"] is None:
            assert r["end_kind"] in ("outlet", "terminal_lake"), code
        else:
            assert r["end_kind"] is None, code
            assert r["downstream_code"] in reaches, code


def test_reach_lengths(reaches):
    for code, r in reaches.items():
        assert 1_000 <= r["length_m"] <= 25_000, (code, r["length_m"])


def test_flow_direction_joins(reaches):
    """Each reach ends where its downstream reach starts (within 50 m)."""
    for code, r in reaches.items():
        d = r["downstream_code"]
        if d is None:
            continue
        gap = _dist(r["coords"][-1], reaches[d]["coords"][0])
        assert gap <= 50.0, (code, d, gap)


def test_no_cycles_and_declared_ends(reaches, rivers):
    ends = set()
    for code in reaches:
        ends.add(_walk(reaches, code)[-1])
    for e in ends:
        assert reaches[e]["end_kind"] in ("outlet", "terminal_lake"), e
    # only rivers without a receiving river in the network (or declared outlets) end
    for e in ends:
        rc = reaches[e]["river_code"]
        assert rivers[rc]["receiving_code"] is None or reaches[e]["end_kind"] == "outlet", e


def test_tributaries_join_their_receiving_river(reaches, rivers):
    for code, river in rivers.items():
        last = max(c for c, r in reaches.items() if r["river_code"] == code)
        d = reaches[last]["downstream_code"]
        if d is None:
            continue
        assert reaches[d]["river_code"] == river["receiving_code"], (code, d)
        # exact join at confluences
        assert reaches[last]["coords"][-1] == reaches[d]["coords"][0], code


def test_discharge_grows_downstream_on_perennial_rivers(reaches, rivers):
    for code, r in reaches.items():
        d = r["downstream_code"]
        if d is None or rivers[r["river_code"]]["basin"] == "inland":
            continue
        assert reaches[d]["discharge_m3s"] >= r["discharge_m3s"] * 0.999, (code, d)


def test_reservoirs_flagged(reaches):
    names = {r["reservoir_name_zh"] for r in reaches.values() if r["is_reservoir"]}
    for n in ("刘家峡水库", "盐锅峡水库", "八盘峡水库", "龙羊峡水库", "碧口水库"):
        assert n in names
    total = sum(r["volume_m3"] for r in reaches.values() if r["reservoir_name_zh"] == "刘家峡水库")
    assert math.isclose(total, 5.7e9, rel_tol=0.02)


# ------------------------------------------------------------------------------ walks
def test_walk_taishi_xihan_shaanxi_jialing_guangyuan(reaches):
    path = _walk(reaches, _first_reach(reaches, "TAISHIHE"))
    rivers_seq = [reaches[c]["river_code"] for c in path]
    compact = [r for i, r in enumerate(rivers_seq) if i == 0 or rivers_seq[i - 1] != r]
    assert compact[:3] == ["TAISHIHE", "XIHANSHUI", "JIALINGJIANG"]
    xihan = [c for c in path if reaches[c]["river_code"] == "XIHANSHUI"]
    assert any(reaches[c]["province"] == "610000" for c in xihan)  # Xihan enters Shaanxi
    jl = [c for c in path if reaches[c]["river_code"] == "JIALINGJIANG"]
    assert reaches[jl[0]]["province"] == "610000"  # joins the Jialing at Lueyang
    guangyuan = (105.84, 32.44)
    near = [
        c for c in jl
        if reaches[c]["province"] == "510000"
        and min(_dist(p, guangyuan) for p in reaches[c]["coords"]) < 5_000
    ]
    assert near, "path does not pass Guangyuan"


def test_walk_yellow_river_jishishan_liujiaxia_lanzhou_ningxia(reaches):
    jishishan = (102.78, 35.86)
    hh = [c for c, r in reaches.items() if r["river_code"] == "HUANGHE"]
    start = min(hh, key=lambda c: min(_dist(p, jishishan) for p in reaches[c]["coords"]))
    path = _walk(reaches, start)
    dam = (103.347, 35.918)
    intake = None  # Lanzhou intake 4 km above the dam: a reservoir reach ending at the dam
    for i, c in enumerate(path):
        r = reaches[c]
        if r["reservoir_name_zh"] == "刘家峡水库" and _dist(r["coords"][-1], dam) < 1_000:
            intake = i
            break
    assert intake is not None
    lanzhou = (103.82, 36.065)
    i_lz = next(
        i for i, c in enumerate(path)
        if min(_dist(p, lanzhou) for p in reaches[c]["coords"]) < 3_000
    )
    assert i_lz > intake
    provs = [reaches[c]["province"] for c in path[i_lz:]]
    assert "640000" in provs
    i_nx = provs.index("640000")
    assert all(p == "620000" for p in provs[:i_nx])  # leaves Gansu directly into Ningxia


def test_walk_tao_enters_yellow_river_in_liujiaxia(reaches):
    path = _walk(reaches, _first_reach(reaches, "TAOHE"))
    first_hh = next(c for c in path if reaches[c]["river_code"] == "HUANGHE")
    assert reaches[first_hh]["is_reservoir"]
    assert reaches[first_hh]["reservoir_name_zh"] == "刘家峡水库"


def test_walk_shiyang_ends_at_terminal_lake(reaches):
    path = _walk(reaches, _first_reach(reaches, "SHIYANGHE"))
    last = reaches[path[-1]]
    assert last["river_code"] == "SHIYANGHE"
    assert last["end_kind"] == "terminal_lake"
    assert _dist(last["coords"][-1], (103.62, 39.10)) < 10_000  # Qingtu Lake


def test_walk_hei_to_juyan_and_qinghai_feeders(reaches):
    path = _walk(reaches, _first_reach(reaches, "HEIHE"))
    assert reaches[path[-1]]["end_kind"] == "terminal_lake"
    assert "150000" in {reaches[c]["province"] for c in path}
    for river in ("HUANGSHUI", "DATONGHE"):
        p = _walk(reaches, _first_reach(reaches, river))
        provs = [reaches[c]["province"] for c in p]
        assert provs[0] == "630000" and "620000" in provs


# ------------------------------------------------------------------------------ admin
ADMIN = DATA / "admin" / "admin_areas.geojson"
PLACES = DATA / "admin" / "places.geojson"


@pytest.mark.skipif(not ADMIN.exists(), reason="admin layer not built")
def test_admin_areas():
    with open(ADMIN, encoding="utf-8") as fh:
        fc = json.load(fh)
    props = [f["properties"] for f in fc["features"]]
    codes = [p["adcode"] for p in props]
    assert len(codes) == len(set(codes))
    for f in fc["features"]:
        g = shape(f["geometry"])
        assert g.geom_type in ("Polygon", "MultiPolygon")
        assert g.is_valid, f["properties"]["adcode"]
        assert f["properties"]["source"]
    pref = [p for p in props if p["level"] == "prefecture" and p["parent_adcode"] == "620000"]
    assert len(pref) == 14
    assert sum(1 for p in props if p["level"] == "new_district") == 1
    for pc in ("620000", "630000", "640000", "610000", "510000", "150000", "650000"):
        assert pc in codes


@pytest.mark.skipif(not PLACES.exists(), reason="places layer not built")
def test_places():
    with open(PLACES, encoding="utf-8") as fh:
        fc = json.load(fh)
    codes = [f["properties"]["code"] for f in fc["features"]]
    assert len(codes) == len(set(codes))
    kinds = [f["properties"]["kind"] for f in fc["features"]]
    assert kinds.count("capital") == 1
    assert kinds.count("prefecture_seat") >= 13
    for f in fc["features"]:
        assert f["geometry"]["type"] == "Point"
        assert CODE_RE.match(f["properties"]["code"])
        assert f["properties"]["source"]

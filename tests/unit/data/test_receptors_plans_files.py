"""The bundled receptor layers and river plans read as plain files (no database).

Reads data/receptors/*.geojson, data/plans/*.yaml and the river network they refer to
(data/rivers/). Format: docs/data-format.md. Built by scripts/dataset/build_receptors.py and
scripts/dataset/build_plans.py from data/src/receptors/ and data/src/plans/.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from pyproj import Geod

DATA = Path(__file__).resolve().parents[3] / "data"
GEOD = Geod(ellps="WGS84")
GANSU = "620000"
CODE_RE = re.compile(r"^[A-Z0-9_-]{1,40}$")
PHONE_RE = re.compile(r"^(0\d{2}-\d{8}|0\d{3}-\d{7}|1\d{10})$")
IP_KINDS = {"dam", "hydropower", "sluice", "reservoir", "bridge", "pond", "shoal", "weir",
            "cofferdam_site"}
TECHNIQUES = {"intercept", "divert", "dose", "boom", "absorb", "store", "dilute", "cofferdam"}
PHASES = {"report", "assess", "contain", "treat", "monitor", "recover"}
LEVELS = ["I", "II", "III", "IV"]          # I most severe
FLICKER_M = 30000.0                       # border-river excursions shorter than this are no exit
# main exits of the network that must carry an exit section: (river, neighbour adcode)
MAIN_EXITS = [("HUANGHE", "640000"), ("HUANGHE", "630000"), ("WEIHE", "610000"),
              ("JINGHE", "610000"), ("XIHANSHUI", "610000"), ("JIALINGJIANG", "610000"),
              ("BAILONGJIANG", "510000"), ("HEIHE", "150000")]


def _dist(a, b) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2]


def _point_at(reach: dict, measure: float):
    xy, cum = reach["coords"], reach["cum"]
    target = measure * cum[-1]
    for i in range(1, len(cum)):
        if cum[i] >= target or i == len(cum) - 1:
            seg = cum[i] - cum[i - 1]
            t = 0.0 if seg <= 0 else min(1.0, max(0.0, (target - cum[i - 1]) / seg))
            return (xy[i - 1][0] + t * (xy[i][0] - xy[i - 1][0]),
                    xy[i - 1][1] + t * (xy[i][1] - xy[i - 1][1]))
    return tuple(xy[-1])


def _load(name):
    fc = json.loads((DATA / "receptors" / f"{name}.geojson").read_text(encoding="utf-8"))
    assert fc["type"] == "FeatureCollection"
    return fc["features"]


@pytest.fixture(scope="module")
def layers():
    return {n: _load(n) for n in ("water_sources", "sections", "interception_points")}


@pytest.fixture(scope="module")
def plans():
    out = {}
    for p in sorted((DATA / "plans").glob("*.yaml")):
        with open(p, encoding="utf-8") as fh:
            out[p.stem] = yaml.safe_load(fh)
    return out


def _outside_run_ends_outside(reaches, start):
    """Following downstream from `start` (outside Gansu): True if the path stays outside Gansu
    for at least FLICKER_M or ends outside (a real exit, not a border flicker)."""
    total, cur, seen = 0.0, start, set()
    while cur and cur not in seen:
        seen.add(cur)
        if reaches[cur]["province"] == GANSU:
            return False
        total += reaches[cur]["length_m"]
        if total >= FLICKER_M:
            return True
        cur = reaches[cur].get("downstream_code")
    return True


def _real_exits(reaches):
    res = []
    for c, p in reaches.items():
        d = p.get("downstream_code")
        if p["province"] == GANSU and d and reaches[d]["province"] != GANSU \
                and _outside_run_ends_outside(reaches, d):
            res.append(c)
    return res


def _path(reaches, start):
    out, cur = [], start
    while cur and cur not in out:
        out.append(cur)
        cur = reaches[cur].get("downstream_code")
    return out


# ---------------------------------------------------------------- receptors
def test_counts(layers):
    assert len(layers["water_sources"]) >= 40
    assert len(layers["interception_points"]) >= 80
    assert len(layers["sections"]) >= 60


def test_common_fields_and_linear_references(layers, reaches):
    for name, feats in layers.items():
        codes = [f["properties"]["code"] for f in feats]
        assert len(codes) == len(set(codes)), name
        for f in feats:
            p = f["properties"]
            assert f["geometry"]["type"] == "Point"
            assert CODE_RE.match(p["code"]), p["code"]
            assert p["name_zh"] and p["name_en"]
            assert p["source"] and "schematic" in p["source"], p["code"]
            assert p["reach"] in reaches, (p["code"], p["reach"])
            assert 0.0 <= p["measure"] <= 1.0, p["code"]
            on = _point_at(reaches[p["reach"]], p["measure"])
            d = _dist(f["geometry"]["coordinates"], on)
            assert d <= 500.0, (p["code"], round(d))


def test_water_sources(layers):
    for f in layers["water_sources"]:
        p = f["properties"]
        assert isinstance(p["population_served"], int) and p["population_served"] >= 0
        assert p["serves"] in {"city", "county", "township"}
        assert p["serves_name_zh"]
        assert p.get("bank") in (None, "left", "right")


def test_lanzhou_intake_in_liujiaxia_reservoir(layers, reaches):
    hits = [f["properties"] for f in layers["water_sources"]
            if "刘家峡" in f["properties"]["name_zh"]
            and f["properties"]["serves_name_zh"] == "兰州市"]
    assert len(hits) == 1
    p = hits[0]
    r = reaches[p["reach"]]
    assert r["river_code"] == "HUANGHE" and r["is_reservoir"]
    assert "刘家峡" in (r.get("reservoir_name_zh") or "")
    assert p["serves"] == "city" and p["population_served"] >= 3_000_000
    assert p["bank"] == "right"
    # about 4 km above the dam, i.e. above the downstream end of the reservoir reaches
    dam = next(f["properties"] for f in layers["interception_points"]
               if f["properties"]["code"] == "IP-HH-LIUJIAXIA")
    along, cur, m = 0.0, p["reach"], p["measure"]
    along = (1.0 - m) * reaches[cur]["length_m"]
    while cur != dam["reach"]:
        cur = reaches[cur]["downstream_code"]
        along += reaches[cur]["length_m"]
    along -= (1.0 - dam["measure"]) * reaches[dam["reach"]]["length_m"]
    assert 3000 <= along <= 5000, along


def test_sections(layers):
    for f in layers["sections"]:
        p = f["properties"]
        assert p["level"] in {"state", "province"}
        assert p["target_class"] in {1, 2, 3, 4, 5}
        assert isinstance(p["is_exit"], bool)
        if p["is_exit"]:
            assert p["boundary"] and p["boundary"].startswith("甘肃-")
    names = {f["properties"]["name_zh"] for f in layers["sections"]}
    for published in ("黄河新城桥", "黄河包兰桥", "黄河什川桥", "黄河青城桥", "黄河五佛寺",
                      "黄河扶河桥", "渭河葡萄园", "渭河牛背", "白龙江姚渡"):
        assert published in names
    assert sum(f["properties"]["level"] == "state" for f in layers["sections"]) >= 30


def test_exit_section_on_every_exit(layers, reaches):
    exit_reaches = {f["properties"]["reach"] for f in layers["sections"]
                    if f["properties"]["is_exit"]}
    real = _real_exits(reaches)
    assert real
    missing = sorted(set(real) - exit_reaches)
    assert not missing, missing
    for river, to in MAIN_EXITS:
        found = [c for c in real if reaches[c]["river_code"] == river
                 and reaches[reaches[c]["downstream_code"]]["province"] == to]
        assert found, (river, to)
        assert any(c in exit_reaches for c in found), (river, to)


def test_entry_sections(layers, reaches):
    by_code = {f["properties"]["code"]: f["properties"] for f in layers["sections"]}
    for code, river in (("SEC-JL-LIANGHEKOU", "JIALINGJIANG"), ("SEC-HH-DAHEJIA", "HUANGHE"),
                        ("SEC-HS-ENTRY", "HUANGSHUI"), ("SEC-DT-ENTRY", "DATONGHE")):
        r = reaches[by_code[code]["reach"]]
        assert r["river_code"] == river and r["province"] == GANSU


def test_interception_points(layers, reaches):
    kinds = set()
    for f in layers["interception_points"]:
        p = f["properties"]
        kinds.add(p["kind"])
        assert p["kind"] in IP_KINDS
        assert p.get("capacity_m3") or p.get("holding_h"), p["code"]
        assert p["techniques"] and set(p["techniques"]) <= TECHNIQUES, p["code"]
        assert p["access"]
        assert p.get("access_road_km") is None or p["access_road_km"] >= 0
    assert {"dam", "hydropower", "bridge", "shoal", "cofferdam_site", "reservoir"} <= kinds


def test_yellow_river_cascade_order(layers, reaches):
    ips = {f["properties"]["code"]: f["properties"] for f in layers["interception_points"]}
    ws = {f["properties"]["code"]: f["properties"] for f in layers["water_sources"]}
    start = ips["IP-HH-JISHIXIA"]["reach"]
    path = _path(reaches, start)
    pos = {r: i for i, r in enumerate(path)}
    seq = ["IP-HH-JISHIXIA", "IP-HH-BINGLING", "WS-HH-LANZHOU-LJX", "IP-HH-LIUJIAXIA",
           "IP-HH-YANGUOXIA", "IP-HH-BAPANXIA", "IP-HH-HEKOU", "IP-HH-CHAIJIAXIA",
           "IP-HH-ZHONGSHAN-BRIDGE", "IP-HH-XIAOXIA", "IP-HH-DAXIA", "IP-HH-WUJINXIA",
           "IP-HH-SHAPOTOU"]
    keys = []
    for c in seq:
        p = ips.get(c) or ws[c]
        keys.append((pos[p["reach"]], p["measure"]))
    assert keys == sorted(keys)


def test_taishi_spill_has_spaces_before_the_border(layers, reaches):
    ips = [f["properties"] for f in layers["interception_points"]]
    on_taishi = [p for p in ips if reaches[p["reach"]]["river_code"] == "TAISHIHE"]
    assert len(on_taishi) >= 3
    assert any(p["kind"] == "cofferdam_site" and "dose" in p["techniques"] for p in on_taishi)


# ---------------------------------------------------------------- plans
def test_one_plan_per_key_river(plans, rivers):
    key = {c for c, r in rivers.items() if r.get("is_key")}
    assert len(key) == 88
    assert set(plans) == key
    for code, plan in plans.items():
        assert plan["river_code"] == code


def test_plan_references_exist_and_order(plans, layers, reaches, rivers):
    recs = {f["properties"]["code"]: f["properties"]
            for feats in layers.values() for f in feats}
    ips = {f["properties"]["code"]: f["properties"] for f in layers["interception_points"]}
    for code, plan in plans.items():
        for sp in plan["sensitive_points"]:
            assert sp["code"] in recs, (code, sp["code"])
            assert sp["note_zh"]
        assert plan["interception_points"], code
        own = [c for c in plan["interception_points"]
               if reaches[ips[c]["reach"]]["river_code"] == code]
        assert own, f"{code}: no interception point of its own"
        # downstream order along the path from the river's first point
        first = ips[plan["interception_points"][0]]["reach"]
        path = _path(reaches, first)
        pos = {r: i for i, r in enumerate(path)}
        keys = []
        for c in plan["interception_points"]:
            assert c in ips, (code, c)
            assert ips[c]["reach"] in pos, (code, c, "not downstream")
            keys.append((pos[ips[c]["reach"]], ips[c]["measure"]))
        assert keys == sorted(keys), code


def test_plan_content(plans, rivers):
    for code, plan in plans.items():
        name = rivers[code]["name_zh"]
        assert name in plan["title_zh"] and name in plan["risk_summary_zh"]
        assert plan["risk_summary_en"] and plan["source"]
        assert str(plan["version"])
        assert plan["contacts"]
        for c in plan["contacts"]:
            assert c["fictitious"] is True
            assert PHONE_RE.match(c["phone"]), c["phone"]
            assert c["unit_zh"] and c["name"]
        units = {c["unit_zh"] for c in plan["contacts"]}
        assert "甘肃省生态环境厅" in units
        assert any("分局" in u or u in ("嘉峪关市生态环境局",) for u in units), code
        phases = [s["phase"] for s in plan["steps"]]
        assert set(phases) == PHASES, code
        orders = [s["order"] for s in plan["steps"]]
        assert orders == list(range(1, len(orders) + 1))
        for s in plan["steps"]:
            assert s["phase"] in PHASES
            assert s["text_zh"] and s["text_en"] and s["responsible"]
            assert "{" not in s["text_zh"] and "{" not in s["text_en"]
            assert isinstance(s["classes"], list)
            if s.get("min_level") is not None:
                assert s["min_level"] in LEVELS
            if s.get("due_min") is not None:
                assert s["due_min"] > 0


def test_report_time_limits_2011(plans):
    """MEP Order No. 17 (2011) Art. 3: IV/III within 4 h, II/I within 2 h, province to the
    ministry within 1 h of receipt; Art. 13: initial report with the sketch map."""
    for code, plan in plans.items():
        rep = [s for s in plan["steps"] if s["phase"] == "report"]
        low = [s for s in rep if s.get("min_level") == "IV" and s.get("due_min") == 240]
        high = [s for s in rep if s.get("min_level") == "II" and s.get("due_min") == 120]
        prov = [s for s in rep if s.get("min_level") == "II" and s.get("due_min") == 180
                and s["responsible"] == "甘肃省生态环境厅"]
        assert low and high and prov, code
        for s in rep:
            if s.get("due_min") is not None:
                lvl = s.get("min_level") or "IV"
                assert s["due_min"] <= (240 if lvl in ("IV", "III") else 180), (code, s["order"])
        assert any("示意图" in s["text_zh"] for s in rep), code
        # a provincial command only for II and above
        assert any(s["phase"] == "assess" and s.get("min_level") == "II"
                   and "省级" in s["text_zh"] for s in plan["steps"]), code


def test_class_specific_steps(plans):
    taishi = plans["TAISHIHE"]
    sb = [s for s in taishi["steps"] if "metalloid" in s["classes"]]
    assert sb and "陇星" in sb[0]["text_zh"]
    hh = plans["HUANGHE"]
    cls = {c for s in hh["steps"] for c in s["classes"]}
    assert {"oil", "volatile_organic", "heavy_metal", "cyanide", "acid_alkali"} <= cls
    for plan in plans.values():
        assert any("oil" in s["classes"] for s in plan["steps"])


# ---------------------------------------------------------------- reproducibility
def _run_script(name, data):
    import importlib.util

    script = DATA.parent / "scripts" / "dataset" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"{name}_under_test", script)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.main(["--data", str(data)]) == 0


def test_build_is_reproducible(tmp_path):
    """Rebuilding receptors and plans from data/src into a copy gives byte-identical files
    (fails when the network changed and the receptors were not rebuilt)."""
    import shutil

    data = tmp_path / "data"
    for rel in ("src/receptors", "src/plans", "rivers", "enterprises"):
        if (DATA / rel).exists():
            shutil.copytree(DATA / rel, data / rel)
    if (DATA / "pollutants.yaml").exists():
        shutil.copy(DATA / "pollutants.yaml", data / "pollutants.yaml")
    _run_script("build_receptors", data)
    _run_script("build_plans", data)
    hint = ("stale: run .venv/bin/python scripts/dataset/build_receptors.py && "
            ".venv/bin/python scripts/dataset/build_plans.py")
    for n in ("water_sources", "sections", "interception_points"):
        rel = f"receptors/{n}.geojson"
        assert (data / rel).read_bytes() == (DATA / rel).read_bytes(), f"{rel} {hint}"
    built = sorted(p.name for p in (data / "plans").glob("*.yaml"))
    assert built == sorted(p.name for p in (DATA / "plans").glob("*.yaml"))
    for name in built:
        assert (data / "plans" / name).read_bytes() == (DATA / "plans" / name).read_bytes(), (
            f"plans/{name} {hint}")

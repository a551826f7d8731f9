"""Hydraulic lengths from published river lengths, slopes from published falls (issue 11).

The drawn courses are schematic and 30–50 % shorter than the real rivers; the reaches
carry a hydraulic ``length_m`` scaled to the published length, and a slope per river or
section. These tests read the files through the product's own reader.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from webgis.dataset.checks import check
from webgis.dataset.read import read_dataset
from webgis.hydro.network import ReachInput, RiverNetwork

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "data"
MINI = ROOT / "tests" / "fixtures" / "mini"


@pytest.fixture(scope="module")
def ds():
    return read_dataset(DATA)


@pytest.fixture(scope="module")
def net(ds):
    return RiverNetwork.build(
        ReachInput(code=r["code"], river_code=r["river_code"],
                   downstream_code=r["downstream_code"], coords=list(r["geom"].coords),
                   discharge_m3s=r["discharge_m3s"], length_m=r["length_m"])
        for r in ds.layers["reaches"])


def _river_km(ds, code: str) -> float:
    return sum(r["length_m"] for r in ds.layers["reaches"] if r["river_code"] == code) / 1000


@pytest.mark.parametrize("code, published_km", [
    ("TAOHE", 673), ("XIHANSHUI", 287), ("HULUHE_WEI", 296), ("DATONGHE", 561),
    ("HUANGSHUI", 374), ("BAILONGJIANG", 576)])
def test_key_rivers_are_as_long_as_published(ds, code, published_km):
    assert _river_km(ds, code) == pytest.approx(published_km, rel=0.10)


def test_every_river_with_a_modelled_length_passes_check_data(ds):
    rivers = {r["code"]: r for r in ds.layers["rivers"]}
    checked = [c for c, r in rivers.items() if r.get("modelled_length_km")]
    assert len(checked) >= 16
    for c in checked:
        assert _river_km(ds, c) == pytest.approx(rivers[c]["modelled_length_km"], rel=0.10), c
        assert rivers[c]["length_source"], c


def test_drawn_geometry_stays_schematic_and_says_so(ds):
    tao = [r for r in ds.layers["reaches"] if r["river_code"] == "TAOHE"]
    assert tao
    for r in tao:
        if r["is_reservoir"]:  # a reservoir's drawn valley length is kept
            assert r["length_m"] == pytest.approx(r["drawn_length_m"], abs=1)
            continue
        assert r["length_m"] > 1.3 * r["drawn_length_m"]  # the schematic line is shorter
        assert "schematic" in r["source"] and "hydraulic length = drawn length x" in r["source"]


def test_check_data_fails_a_river_off_its_published_length(tmp_path):
    root = tmp_path / "mini"
    shutil.copytree(MINI, root)
    path = root / "rivers" / "rivers.yaml"
    rivers = yaml.safe_load(path.read_text(encoding="utf-8"))
    drawn_km = sum(r["length_m"] for r in read_dataset(root).layers["reaches"]
                   if r["river_code"] == "MAIN") / 1000
    rivers[0]["modelled_length_km"] = round(drawn_km * 1.5, 1)  # 50 % longer than the lines
    path.write_text(yaml.safe_dump(rivers, allow_unicode=True), encoding="utf-8")
    problems, _ = check(read_dataset(root))
    assert any("river MAIN: hydraulic length" in p for p in problems), problems
    rivers[0]["modelled_length_km"] = round(drawn_km * 1.05, 2)
    path.write_text(yaml.safe_dump(rivers, allow_unicode=True), encoding="utf-8")
    problems, _ = check(read_dataset(root))
    assert not [p for p in problems if "hydraulic length" in p]


def test_every_reach_has_a_slope_from_its_river_or_section(ds):
    slopes = {r["river_code"]: set() for r in ds.layers["reaches"]}
    for r in ds.layers["reaches"]:
        assert r["slope"] is not None and 1e-4 <= r["slope"] <= 5e-2, r["code"]
        assert "slope " in r["source"] and "permille" in r["source"]
        slopes[r["river_code"]].add(r["slope"])
    assert len(set().union(*slopes.values())) >= 8  # no single default
    # published falls: Huangshui (4,200 - 1,565) m / 374 km; upper Wei 1/260
    assert [round(x, 5) for x in slopes["HUANGSHUI"]] == [0.00705]
    assert [round(x, 5) for x in slopes["WEIHE"]] == [0.00385]


def _km_between(net, a, b) -> float:
    """Hydraulic km from point a to point b downstream (each (reach code, measure))."""
    path = net.trace_downstream(net.index_of(a[0]), a[1])
    for s in path:
        if s.reach_code == b[0]:
            return s.from_km + (b[1] - s.from_measure) * net.length_m[s.reach_idx] / 1000
    raise AssertionError(f"{b} not downstream of {a}")


def test_liujiaxia_tao_mouth_and_lanzhou_intake_positions(ds, net):
    """Tao enters Liujiaxia ~1.6 km above the dam; Lanzhou's intake is 4 km above it
    (domain.md §5, data/README.md)."""
    dam = next(p for p in ds.layers["interception_points"] if p["code"] == "IP-HH-LIUJIAXIA")
    intake = next(p for p in ds.layers["water_sources"] if p["code"] == "WS-HH-LANZHOU-LJX")
    tao_last = next(r for r in ds.layers["reaches"] if r["river_code"] == "TAOHE"
                    and r["downstream_code"] and not r["downstream_code"].startswith("TAOHE"))
    mouth = (tao_last["downstream_code"], 0.0)
    assert _km_between(net, mouth, (dam["reach"], dam["measure"])) == pytest.approx(1.6, abs=0.4)
    assert _km_between(net, (intake["reach"], intake["measure"]),
                       (dam["reach"], dam["measure"])) == pytest.approx(4.0, abs=0.2)


def test_guangyuan_sections_at_their_published_distances(ds, net):
    """Guangyuan EPB bulletin 43 (2015-12-05): Datan 6 km, Qianfoya 55 km below the border."""
    sec = {s["code"]: s for s in ds.layers["sections"]}
    border = (sec["SEC-JL-CHUANSHAN"]["reach"], sec["SEC-JL-CHUANSHAN"]["measure"])
    for code, km in (("SEC-JL-DATAN", 6.0), ("SEC-JL-QIANFOYA", 55.0)):
        at = (sec[code]["reach"], sec[code]["measure"])
        assert _km_between(net, border, at) == pytest.approx(km, abs=0.2)


def test_xihan_jialing_holding_reservoirs_and_baiyin_gullies(ds):
    ips = {p["code"]: p for p in ds.layers["interception_points"]}
    assert ips["IP-XH-HULUTOU"]["reach"].startswith("XIHANSHUI")
    assert ips["IP-JL-JUTING"]["reach"].startswith("JIALINGJIANG")
    assert "葫芦头水库" in {r.get("reservoir_name_zh") for r in ds.layers["reaches"]
                     if r["is_reservoir"]}
    rivers = {r["code"]: r for r in ds.layers["rivers"]}
    assert rivers["DONGDAGOU"]["receiving_code"] == "HUANGHE"
    assert rivers["XIDAGOU"]["receiving_code"] == "HUANGHE"
    on_gully = [e for e in ds.layers["enterprises"]
                if e["outfall_reach"].split("-")[0] in ("DONGDAGOU", "XIDAGOU")]
    assert len(on_gully) >= 8

"""``GET /api/v1/upstream`` on the bundled Gansu data, from Lanzhou's Xigu intake
(WS-HH-LANZHOU-XLG, on HUANGHE-133 below Liujiaxia, Yanguoxia and Bapanxia): the Tao, the
Daxia and the Yellow River above Liujiaxia are upstream, and the main intake
(WS-HH-LANZHOU-LJX, in the Liujiaxia reservoir above the Tao's mouth) among the features
(see tests/integration/test_upstream_bundled.py for the network facts)."""

from __future__ import annotations

import pytest

URL = "/api/v1/upstream"


@pytest.fixture(scope="module")
def xigu(bundled_client):
    feature = bundled_client.get("/api/v1/water_sources/WS-HH-LANZHOU-XLG").get_json()
    lon, lat = feature["geometry"]["coordinates"]
    return lon, lat


def test_from_the_xigu_intake_the_tao_the_daxia_and_liujiaxia_are_upstream(bundled_client,
                                                                             xigu):
    lon, lat = xigu
    r = bundled_client.get(URL, query_string={"lon": lon, "lat": lat}).get_json()
    assert r["start"]["reach_code"] == "HUANGHE-133"
    assert {"TAOHE", "DAXIAHE", "HUANGHE"} <= set(r["rivers"])
    feats = {f["code"]: f for f in r["features"]}
    ljx = feats["WS-HH-LANZHOU-LJX"]
    assert ljx["kind"] == "water_source" and ljx["via_reservoir"] is True
    assert ljx["distance_km"] > 0
    kinds = {f["kind"] for f in r["features"]}
    assert {"outfall", "water_source", "section", "interception"} <= kinds
    assert any(f["river_code"] == "TAOHE" for f in r["features"])
    dist = [f["distance_km"] for f in r["features"]]
    assert dist == sorted(dist)
    # the start's own intake lies at the start point, not above it
    assert "WS-HH-LANZHOU-XLG" not in feats or feats["WS-HH-LANZHOU-XLG"]["distance_km"] < 0.5


def test_a_time_limit_keeps_the_features_within_it_and_drops_the_far_ones(bundled_client,
                                                                          xigu):
    lon, lat = xigu
    everything = bundled_client.get(URL, query_string={"lon": lon, "lat": lat}).get_json()
    r = bundled_client.get(URL, query_string={"lon": lon, "lat": lat, "max_h": 12}).get_json()
    assert r["features"] and all(f["travel_h"] <= 12 + 1e-9 for f in r["features"])
    assert len(r["features"]) < len(everything["features"])
    inside = {f["code"] for f in everything["features"] if f["travel_h"] <= 12}
    assert {f["code"] for f in r["features"]} == inside
    main = bundled_client.get(URL, query_string={"lon": lon, "lat": lat, "mode": "main",
                                                 "max_km": 300}).get_json()
    assert set(main["rivers"]) == {"HUANGHE"}
    assert main["length_km"] == pytest.approx(300, rel=1e-9)

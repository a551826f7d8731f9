"""``GET /api/v1/upstream`` and ``webgis upstream`` on the mini fixture, every expectation
worked out by hand from the fixture's reaches (tests/fixtures/mini/rivers/reaches.geojson).

The mini network: MAIN-001 -> MAIN-002 (a reservoir) -> MAIN-003 (the outlet) along
lat 36, and TRIB-001 (103.1, 35.9 -> 103.1, 36.0) flowing into MAIN-002 at its upstream
end. Features: the outfall of ENT_A (TRIB-001 at 0.5), 甲坝 IP_A (MAIN-002 at 0.5), the
intake WS_A (MAIN-003 at 0.5) and the section SEC_A (MAIN-003 at 0.9). Reach lengths are
geodesic (WGS 84) along their vertices; a measure is a fraction of that length from the
reach's upstream end. Travel times are length / velocity, with the velocities the API
publishes for each reach (``/api/v1/reaches/<code>``: ``worst`` is the safe side).
"""

from __future__ import annotations

import json

import pytest
from pyproj import Geod

GEOD = Geod(ellps="WGS84")
URL = "/api/v1/upstream"
VERTICES = {
    "MAIN-001": [(103.0, 36.0), (103.05, 36.0), (103.1, 36.0)],
    "MAIN-002": [(103.1, 36.0), (103.2, 36.0)],
    "MAIN-003": [(103.2, 36.0), (103.3, 36.05)],
    "TRIB-001": [(103.1, 35.9), (103.1, 36.0)],
}


def length_m(code: str) -> float:
    pts = VERTICES[code]
    return sum(GEOD.inv(a[0], a[1], b[0], b[1])[2] for a, b in zip(pts, pts[1:], strict=False))


L1, L2, L3, LT = (length_m(c) for c in ("MAIN-001", "MAIN-002", "MAIN-003", "TRIB-001"))


def velocity(client, code: str, case: str = "worst", season: str = "normal") -> float:
    body = client.get(f"/api/v1/reaches/{code}?season={season}").get_json()
    return body["worst"]["velocity_mps"] if case == "worst" else body["velocity_mps"]


def get(client, **query) -> dict:
    resp = client.get(URL, query_string=query)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def by_code(result: dict) -> dict[str, dict]:
    return {f["code"]: f for f in result["features"]}


def test_from_the_outlet_every_feature_nearest_first_with_hand_distances_and_times(client):
    r = get(client, reach="MAIN-003")
    v2, v3, vt = (velocity(client, c) for c in ("MAIN-002", "MAIN-003", "TRIB-001"))
    expected_km = {"SEC_A": 0.1 * L3, "WS_A": 0.5 * L3, "IP_A": L3 + 0.5 * L2,
                   "ENT_A": L3 + L2 + 0.5 * LT}
    expected_h = {"SEC_A": 0.1 * L3 / v3, "WS_A": 0.5 * L3 / v3,
                  "IP_A": L3 / v3 + 0.5 * L2 / v2,
                  "ENT_A": L3 / v3 + L2 / v2 + 0.5 * LT / vt}
    assert [f["code"] for f in r["features"]] == ["SEC_A", "WS_A", "IP_A", "ENT_A"]
    feats = by_code(r)
    for code, metres in expected_km.items():
        assert feats[code]["distance_km"] == pytest.approx(metres / 1000.0, rel=1e-9), code
        assert feats[code]["travel_h"] == pytest.approx(expected_h[code] / 3600.0,
                                                        rel=1e-9), code
    assert {f["kind"] for f in r["features"]} == {"section", "water_source", "interception",
                                                   "outfall"}
    assert feats["WS_A"]["name"] == "甲水源地"
    # the reservoir MAIN-002 lies between the start and IP_A (its own reach) and ENT_A
    assert [feats[c]["via_reservoir"] for c in ("SEC_A", "WS_A", "IP_A", "ENT_A")] == [
        False, False, True, True]
    assert r["length_km"] == pytest.approx((L1 + L2 + L3 + LT) / 1000.0, rel=1e-9)
    assert r["rivers"] == ["MAIN", "TRIB"]
    assert r["start"]["reach_code"] == "MAIN-003" and r["start"]["measure"] == 1.0
    assert r["case"] == "worst" and "safe side" in r["notes"][0]["en"]
    assert "安全侧" in r["notes"][0]["zh"]
    # the reaches as GeoJSON lines with km and hours to the start
    props = {f["properties"]["reach_code"]: f["properties"] for f in r["reaches"]["features"]}
    assert set(props) == {"MAIN-001", "MAIN-002", "MAIN-003", "TRIB-001"}
    assert props["TRIB-001"]["to_km"] == pytest.approx((L3 + L2) / 1000.0, rel=1e-9)
    assert props["TRIB-001"]["from_km"] == pytest.approx((L3 + L2 + LT) / 1000.0, rel=1e-9)
    assert props["MAIN-002"]["from_h"] == pytest.approx((L3 / v3 + L2 / v2) / 3600.0,
                                                        rel=1e-9)
    line = next(f for f in r["reaches"]["features"]
                if f["properties"]["reach_code"] == "TRIB-001")["geometry"]
    assert line["type"] == "LineString"
    assert line["coordinates"][0] == pytest.approx([103.1, 35.9])


def test_the_safe_side_is_faster_than_the_expected_case(client):
    worst = by_code(get(client, reach="MAIN-003"))
    answer = get(client, reach="MAIN-003", case="expected")
    assert "not the safe side" in answer["notes"][0]["en"]
    expected = by_code(answer)
    v3 = velocity(client, "MAIN-003", "expected")
    assert expected["WS_A"]["travel_h"] == pytest.approx(0.5 * L3 / v3 / 3600.0, rel=1e-9)
    for code in worst:
        assert worst[code]["travel_h"] < expected[code]["travel_h"]
        assert worst[code]["distance_km"] == expected[code]["distance_km"]


def test_main_stem_leaves_out_the_tributary(client):
    r = get(client, reach="MAIN-003", mode="main")
    assert [f["code"] for f in r["features"]] == ["SEC_A", "WS_A", "IP_A"]
    assert r["length_km"] == pytest.approx((L1 + L2 + L3) / 1000.0, rel=1e-9)
    assert r["rivers"] == ["MAIN"]


def test_distance_limit_cuts_the_reservoir_reach(client):
    limit_m = L3 + 0.25 * L2  # between WS_A and IP_A (at L3 + L2 / 2)
    r = get(client, reach="MAIN-003", max_km=limit_m / 1000.0)
    assert [f["code"] for f in r["features"]] == ["SEC_A", "WS_A"]
    assert r["length_km"] == pytest.approx(limit_m / 1000.0, rel=1e-9)
    cut = next(f["properties"] for f in r["reaches"]["features"]
               if f["properties"]["reach_code"] == "MAIN-002")
    assert cut["cut"] is True and cut["from_measure"] == pytest.approx(0.75, rel=1e-9)


def test_time_limit_for_the_season(client):
    v2, v3 = velocity(client, "MAIN-002", season="dry"), velocity(client, "MAIN-003",
                                                                 season="dry")
    # reaching IP_A takes L3/v3 + L2/2/v2; stop at a quarter of MAIN-002
    limit_h = (L3 / v3 + 0.25 * L2 / v2) / 3600.0
    r = get(client, reach="MAIN-003", max_h=limit_h, season="dry")
    assert [f["code"] for f in r["features"]] == ["SEC_A", "WS_A"]
    assert r["length_km"] == pytest.approx((L3 + 0.25 * L2) / 1000.0, rel=1e-9)
    # a little more time reaches IP_A, and not yet the outfall
    more = get(client, reach="MAIN-003", max_h=(L3 / v3 + 0.6 * L2 / v2) / 3600.0,
               season="dry")
    assert [f["code"] for f in more["features"]] == ["SEC_A", "WS_A", "IP_A"]


def test_from_a_point_snapped_to_the_tributary(client):
    r = get(client, lon=103.1005, lat=35.99)  # on TRIB-001, above the confluence
    start = r["start"]
    assert start["reach_code"] == "TRIB-001" and start["river_code"] == "TRIB"
    assert start["offset_m"] == pytest.approx(GEOD.inv(103.1005, 35.99, 103.1, 35.99)[2],
                                              rel=1e-3)
    assert start["measure"] == pytest.approx(0.9, abs=1e-3)
    (ent,) = r["features"]
    assert ent["code"] == "ENT_A" and ent["kind"] == "outfall"
    assert ent["distance_km"] == pytest.approx((start["measure"] - 0.5) * LT / 1000.0,
                                               rel=1e-9)
    assert ent["travel_h"] == pytest.approx(
        (start["measure"] - 0.5) * LT / velocity(client, "TRIB-001") / 3600.0, rel=1e-9)
    # the outfall's point on the river (TRIB-001 runs north along lon 103.1)
    assert ent["lon"] == pytest.approx(103.1) and 35.94 < ent["lat"] < 35.96


def test_below_the_outfall_nothing_is_upstream(client):
    r = get(client, lon=103.1, lat=35.92)
    assert r["features"] == [] and r["rivers"] == ["TRIB"]


@pytest.mark.parametrize(("query", "field"), [
    ({"lon": "103.1"}, "lat"),
    ({"lat": "36"}, "lon"),
    ({}, "lon"),
    ({"reach": "MAIN-003", "lon": "103.1", "lat": "36"}, "reach"),
    ({"reach": "NOPE-001"}, "reach"),
    ({"reach": "MAIN-003", "max_km": "0"}, "max_km"),
    ({"reach": "MAIN-003", "max_km": "x"}, "max_km"),
    ({"reach": "MAIN-003", "max_h": "-1"}, "max_h"),
    ({"reach": "MAIN-003", "max_h": "nan"}, "max_h"),
    ({"reach": "MAIN-003", "mode": "up"}, "mode"),
    ({"reach": "MAIN-003", "season": "spring"}, "season"),
    ({"reach": "MAIN-003", "case": "best"}, "case"),
    ({"lon": "200", "lat": "36"}, "lon"),
])
def test_bad_input_is_a_422_naming_the_field(client, query, field):
    resp = client.get(URL, query_string=query)
    assert resp.status_code == 422, resp.get_json()
    body = resp.get_json()
    assert field in body["fields"] and body["error"]


def test_a_point_far_from_any_river_is_a_422(client):
    resp = client.get(URL, query_string={"lon": 90.0, "lat": 40.0})
    assert resp.status_code == 422
    assert resp.get_json()["fields"]


def test_cli_prints_the_features_nearest_first(runner):
    out = runner.invoke(args=["upstream", "--reach", "MAIN-003"])
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    order = [next(i for i, line in enumerate(lines) if code in line)
             for code in ("SEC_A", "WS_A", "IP_A", "ENT_A")]
    assert order == sorted(order)
    assert f"{(0.5 * L3) / 1000.0:8.1f}" in lines[order[1]]
    assert "safe side" in out.output


def test_cli_json_is_the_api_answer(runner, client):
    out = runner.invoke(args=["upstream", "--lon", "103.1005", "--lat", "35.99", "--mode",
                              "main", "--max-km", "20", "--season", "flood", "--json"])
    assert out.exit_code == 0, out.output
    api = get(client, lon=103.1005, lat=35.99, mode="main", max_km=20, season="flood")
    assert json.loads(out.output) == api


def test_cli_bad_input_names_the_field(runner):
    out = runner.invoke(args=["upstream", "--lon", "103.1"])
    assert out.exit_code == 2
    assert "lat" in json.loads(out.stderr)["fields"]


def test_the_feature_set_is_built_once_per_dataset_key(app, session):
    from dataclasses import replace

    from webgis.services.reference import get_reference
    from webgis.services.upstream import dataset_features

    with app.app_context():
        ref = get_reference(session)
        first = dataset_features(session, ref)
        assert dataset_features(session, ref) is first  # kept
        other = dataset_features(session, replace(ref, key=ref.key + "-reloaded"))
    assert other is not first and other.dataset_key == ref.key + "-reloaded"
    assert first.dataset_key == ref.key
    assert sorted(f.code for f in first.feature_set.features) == [
        "ENT_A", "IP_A", "SEC_A", "WS_A"]

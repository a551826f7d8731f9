"""The analysis contract on the mini fixture: API and CLI, and every kind of bad input."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

BODY = {
    "location": {"lon": 103.1, "lat": 35.92},  # on the tributary, below the chemical plant
    "pollutant": "BENZENE",
    "release": {"mass_kg": 2000, "duration_h": 0},
    "season": "normal",
    "horizon_h": 72,
    "started_at": "2026-05-01T08:00:00+08:00",
    "discovered_at": "2026-05-01T08:40:00+08:00",
}


@pytest.fixture
def result(client):
    resp = client.post("/api/v1/incidents/analyze", json=BODY)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_contract_keys(result):
    for key in ("snap", "path", "receptors", "profile", "depots", "teams", "plan", "level",
                "notify", "model"):
        assert key in result
    snap = result["snap"]
    assert snap["river_code"] == "TRIB" and snap["reach_id"] == "TRIB-001"
    assert 0 <= snap["measure"] <= 1 and snap["offset_m"] < 100


def test_path_runs_downstream_in_order(result):
    feats = result["path"]["features"]
    assert [f["properties"]["reach_id"] for f in feats] == ["TRIB-001", "MAIN-002", "MAIN-003"]
    arrivals = [f["properties"]["arrival_h"] for f in feats]
    assert arrivals == sorted(arrivals)
    kms = [(f["properties"]["from_km"], f["properties"]["to_km"]) for f in feats]
    assert all(a < b for a, b in kms) and kms[0][0] == 0


def test_receptors_ordered_with_curves(result):
    rows = result["receptors"]
    kinds = {r["kind"] for r in rows}
    assert {"water_source", "section", "interception", "confluence", "boundary"} <= kinds
    assert [r["river_km"] for r in rows] == sorted(r["river_km"] for r in rows)
    intake = next(r for r in rows if r["code"] == "WS_A")
    assert intake["limit_mgl"] == 0.01  # GB 3838-2002 Table 3 at an intake
    assert intake["arrival_h"] < intake["peak_h"]
    assert intake["worst"]["arrival_h"] <= intake["arrival_h"]
    assert intake["worst"]["peak_conc_mgl"] >= intake["peak_conc_mgl"]
    assert len(intake["curve"]) >= 50
    peak = max(c for _, c in intake["curve"])
    assert peak == pytest.approx(intake["peak_conc_mgl"], rel=0.05)
    border = next(r for r in rows if r["kind"] == "boundary")
    assert border["details"]["from_name"] == "甘肃省" and border["details"]["to_name"] == (
        "宁夏回族自治区")


def test_profile_decreases_downstream(result):
    conc = [c for _, c in result["profile"]]
    assert conc[0] > conc[-1] > 0


def test_resources_plan_level_notify(result):
    depot = result["depots"][0]
    assert depot["code"] == "DEPOT_A" and depot["target_code"] == "IP_A"
    assert {m["code"] for m in depot["materials"]} == {"ACTIVATED_CARBON", "SANDBAG"}
    assert result["teams"][0]["code"] == "TEAM_A"
    assert result["plan"]["river_code"] == "TRIB"
    assert result["level"]["suggested"] in {"I", "II", "III", "IV"}
    assert result["level"]["report_due_min"] in {120, 240}
    # the reporting clock runs from discovery (Art. 3), not from the start
    due = datetime.fromisoformat(result["level"]["report_due_at"])
    assert due - datetime.fromisoformat(BODY["discovered_at"]) == timedelta(
        minutes=result["level"]["report_due_min"])
    assert any(n["admin_name"] == "宁夏回族自治区" for n in result["notify"])
    assert result["model"]["season"] == "normal" and result["model"]["assumptions"]


def test_cli_gives_the_same_result(runner, result):
    out = runner.invoke(args=[
        "analyze", "--lon", "103.1", "--lat", "35.92", "--pollutant", "BENZENE", "--mass-kg",
        "2000", "--started-at", BODY["started_at"], "--discovered-at", BODY["discovered_at"],
        "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output) == result


def test_cli_table(runner):
    out = runner.invoke(args=["analyze", "--lon", "103.1", "--lat", "35.92", "--pollutant",
                              "BENZENE", "--mass-kg", "2000"])
    assert out.exit_code == 0, out.output
    assert "甲水源地" in out.output and "Suggested level" in out.output


def _post(client, **changes):
    body = json.loads(json.dumps(BODY))
    for path, value in changes.items():
        target = body
        keys = path.split("__")
        for k in keys[:-1]:
            target = target[k]
        target[keys[-1]] = value
    return client.post("/api/v1/incidents/analyze", json=body)


@pytest.mark.parametrize(
    "changes,field",
    [
        ({"pollutant": "KRYPTONITE"}, "pollutant"),
        ({"release__mass_kg": 0}, "release.mass_kg"),
        ({"release__mass_kg": -5}, "release.mass_kg"),
        ({"release__mass_kg": 2e9}, "release.mass_kg"),
        ({"release__mass_kg": "ten"}, "release.mass_kg"),
        ({"location__lon": 200}, "location.lon"),
        ({"location__lat": "north"}, "location.lat"),
        ({"location__lat": None}, "location.lat"),
        ({"season": "monsoon"}, "season"),
        ({"horizon_h": 0}, "horizon_h"),
        ({"release__duration_h": -1}, "release.duration_h"),
        ({"started_at": "yesterday"}, "started_at"),
        ({"location": [103, 36]}, "location"),
    ],
)
def test_bad_input_is_422_naming_the_field(client, changes, field):
    resp = _post(client, **changes)
    assert resp.status_code == 422, resp.get_json()
    assert field in resp.get_json()["fields"]


def test_unknown_pollutant_lists_valid_codes(client):
    body = _post(client, pollutant="NOPE").get_json()
    assert "BENZENE" in body["valid"]


def test_nan_coordinate_is_422(client):
    raw = json.dumps(BODY).replace("103.1", "NaN")
    resp = client.post("/api/v1/incidents/analyze", data=raw,
                       content_type="application/json")
    assert resp.status_code == 422 and "location.lon" in resp.get_json()["fields"]


def test_far_from_river_names_nearest(client):
    resp = _post(client, location={"lon": 103.6, "lat": 36.4})
    assert resp.status_code == 422
    body = resp.get_json()
    assert body["nearest_river_code"] in {"MAIN", "TRIB"} and body["distance_m"] > 5000


def test_malformed_json_is_400(client):
    resp = client.post("/api/v1/incidents/analyze", data="{oops",
                       content_type="application/json")
    assert resp.status_code == 400 and resp.is_json


def test_reach_hydraulics(client):
    body = client.get("/api/v1/reaches/MAIN-001?season=dry").get_json()
    for key in ("length_m", "discharge_m3s", "velocity_mps", "width_m", "depth_m",
                "dispersion_m2s"):
        assert body[key] > 0 and body["properties"][key] == body[key]
    assert body["discharge_m3s"] == pytest.approx(50.0)  # 100 m³/s × dry factor 0.5
    # Q = w·h·u holds for hydraulic geometry.
    assert body["width_m"] * body["depth_m"] * body["velocity_mps"] == pytest.approx(50.0,
                                                                                      rel=1e-6)
    flood = client.get("/api/v1/reaches/MAIN-001?season=flood").get_json()
    assert flood["velocity_mps"] > body["velocity_mps"]
    # an unknown season is 422 in every route (issue 13: one status per error kind)
    assert client.get("/api/v1/reaches/MAIN-001?season=wet").status_code == 422
    assert client.get("/api/v1/reaches/NOPE?season=dry").status_code == 404


def _scribble(value):
    """Empty every dict and list reachable from ``value`` (a careless caller)."""
    if isinstance(value, dict):
        for v in value.values():
            _scribble(v)
        value.clear()
    elif isinstance(value, list):
        for v in value:
            _scribble(v)
        value.clear()


def test_answers_share_nothing_with_the_cached_reference(app, session):
    """Rows kept per dataset (materials, team details, whole-reach lines, plan steps) are
    copied into every answer: a fresh cache and a warm one give the same answer, and a
    caller changing one answer does not change the next."""
    from webgis.services.analysis import analyze
    from webgis.services.reference import get_reference

    with app.app_context():
        ref = get_reference(session)
        for cache in (ref.origin_rows, ref.reach_lines, ref.step_rows):
            cache.clear()
        first = analyze(session, BODY)
        assert ref.origin_rows and ref.reach_lines and ref.step_rows
        expected = json.loads(json.dumps(first))
        assert first["depots"][0]["materials"] and first["plan"]["steps"]
        _scribble(first)
        assert analyze(session, BODY) == expected

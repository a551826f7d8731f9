"""Every key of the analysis result (``webgis.services.result.build_result``) holds the
core's value: the test runs the transport core itself (``run_incident`` on the same
reference data) and compares each key of ``POST /api/v1/incidents/analyze`` with the
core's records and with the request (issue 13: mutants of the result assembly survived).

Non-finite core numbers are ``null`` in the JSON; numbers are compared to 1e-12.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace

import pytest
import shapely
import shapely.geometry

from tests.conftest import MINI
from webgis.hydro.analysis import ReleaseInput, run_incident
from webgis.hydro.crossings import merge_crossings
from webgis.hydro.transfer import cache_for
from webgis.response.notify import downstream_notifications
from webgis.services.reference import get_reference

URL = "/api/v1/incidents/analyze"
SPILL = (103.1, 35.92)  # on the tributary below the chemical plant (the mini fixture)
BODY = {"location": {"lon": SPILL[0], "lat": SPILL[1]}, "pollutant": "BENZENE",
        "release": {"mass_kg": 2000.0, "duration_h": 1.5}, "season": "normal",
        "horizon_h": 72, "started_at": "2026-05-01T08:00:00+08:00",
        "discovered_at": "2026-05-01T08:40:00+08:00", "deaths": 0}


def same(json_value, core_value) -> bool:
    """A JSON value equals the core's (``null`` for a non-finite float)."""
    if isinstance(core_value, float) and not math.isfinite(core_value):
        return json_value is None
    if isinstance(core_value, bool) or core_value is None or isinstance(core_value, str):
        return json_value == core_value and type(json_value) is type(core_value)
    if isinstance(core_value, int | float):
        return json_value == pytest.approx(float(core_value), rel=1e-12, abs=1e-12)
    if isinstance(core_value, list | tuple):
        return (isinstance(json_value, list) and len(json_value) == len(core_value)
                and all(same(j, c) for j, c in zip(json_value, core_value, strict=True)))
    if isinstance(core_value, dict):
        return (isinstance(json_value, dict) and set(json_value) == set(core_value)
                and all(same(json_value[k], v) for k, v in core_value.items()))
    return json_value == core_value


@pytest.fixture
def pair(app, client, session):
    """(the API's result, the core's PlumeResult, the reference) for :data:`BODY`."""
    resp = client.post(URL, json=BODY)
    assert resp.status_code == 200, resp.get_json()
    with app.app_context():
        ref = get_reference(session)
        net = ref.network
        snap = net.snap(SPILL[0], SPILL[1], app.config["SNAP_MAX_M"])
        plume = run_incident(net, snap, ref.pollutants["BENZENE"], ReleaseInput(2000.0, 1.5),
                             "normal", 72.0, ref.receptors, river_names=ref.river_names,
                             province_names=ref.province_names,
                             transfers=cache_for(net, int(app.config["TRANSFER_CACHE_MB"]
                                                          * 2**20)))
        plume = replace(plume, receptors=merge_crossings(plume.receptors))
    return resp.get_json(), plume, ref


def test_the_head_and_the_request_echo(pair):
    r, plume, ref = pair
    assert r["schema_version"]
    assert r["behaviour"] == ref.pollutants["BENZENE"].behaviour
    assert r["slick"] is None  # benzene dissolves: no slick model
    req = r["request"]
    assert req["location"] == {"lon": SPILL[0], "lat": SPILL[1]}
    assert req["pollutant"] == "BENZENE"
    assert req["release"] == {"mass_kg": 2000.0, "duration_h": 1.5}
    assert (req["season"], req["horizon_h"]) == ("normal", 72)
    assert req["casualties"] == {"deaths": 0, "poisoned": 0}
    assert (req["evacuated"], req["loss_cny"]) == (0, 0)
    assert req["sensitive_groups"] is False and req["mass_incident"] is False
    assert req["ecology"] is None
    assert req["started_at"].startswith("2026-05-01T08:00:00")
    assert req["discovered_at"] == r["level"]["discovered_at"]


def test_the_pollutant_as_modelled(pair):
    r, _, ref = pair
    p = ref.pollutants["BENZENE"]
    assert r["pollutant"] == {
        "code": "BENZENE", "name": p.name, "name_en": ref.pollutant_names_en.get("BENZENE"),
        "class": p.pclass, "behaviour": p.behaviour, "concentration_of": "BENZENE",
        "solubility_mgl": p.solubility_mgl, "species": p.species_zh or p.name,
        "species_en": p.species_en, "species_factor": p.species_factor,
        "species_mass_kg": pytest.approx(2000.0 * p.species_factor, rel=1e-12)}


def test_the_snap_is_the_cores(pair):
    r, plume, ref = pair
    s = plume.snap
    assert r["snap"]["river_code"] == s.river_code
    assert r["snap"]["river_name"] == ref.river_names.get(s.river_code)
    assert r["snap"]["river_name_en"] == ref.river_names_en.get(s.river_code)
    assert r["snap"]["reach_code"] == r["snap"]["reach_id"] == s.reach_code
    for key in ("measure", "offset_m", "lon", "lat"):
        assert same(r["snap"][key], getattr(s, key)), key


def test_the_path_and_its_length(pair):
    r, plume, ref = pair
    feats = r["path"]["features"]
    assert r["path"]["type"] == "FeatureCollection"
    assert len(feats) == len(plume.path) > 2  # whole reaches in the middle
    for f, step in zip(feats, plume.path, strict=True):
        assert f["type"] == "Feature" and f["geometry"]["type"] == "LineString"
        p = f["properties"]
        assert p["reach_code"] == p["reach_id"] == step.reach_code
        assert p["river_code"] == step.river_code
        assert p["river_name"] == ref.river_names.get(step.river_code)
        for key in ("from_km", "to_km", "arrival_h", "worst_arrival_h", "is_reservoir"):
            assert same(p[key], getattr(step, key)), key
        coords = f["geometry"]["coordinates"]
        assert len(coords) >= 2
        # vertices rounded to 1e-6 degree
        assert all(round(c, 6) == c for xy in coords for c in xy)
    # consecutive steps join: each line starts where the previous one ended
    for a, b in zip(feats, feats[1:], strict=False):
        assert a["geometry"]["coordinates"][-1] == pytest.approx(
            b["geometry"]["coordinates"][0], abs=2e-6)
    # the first line starts at the snapped point
    assert feats[0]["geometry"]["coordinates"][0] == pytest.approx(
        [plume.snap.lon, plume.snap.lat], abs=2e-6)
    assert r["length_km"] == pytest.approx(plume.path[-1].to_km, rel=1e-12)


def test_the_path_is_the_same_in_a_second_answer(client, pair):
    """Whole reaches are cut once per dataset and kept: the second answer draws the same."""
    r, _, _ = pair
    again = client.post(URL, json=BODY).get_json()
    assert again["path"] == r["path"]


def test_every_receptor_row_is_the_cores(pair):
    r, plume, _ = pair
    rows = r["receptors"]
    assert [x["code"] for x in rows] == [x.code for x in plume.receptors]
    for row, rec in zip(rows, plume.receptors, strict=True):
        for key in ("kind", "code", "name", "river_code", "reach_code", "river_km",
                    "arrival_h", "peak_h", "peak_conc_mgl", "limit_mgl", "exceeds",
                    "exceed_hours", "lon", "lat", "limit_basis", "limit_basis_en",
                    "undissolved", "near_field", "curve"):
            assert same(row[key], getattr(rec, key)), (rec.code, key)
        assert row["reach_id"] == rec.reach_code
        w = rec.worst
        assert set(row["worst"]) == {"arrival_h", "peak_h", "peak_conc_mgl", "exceeds",
                                     "exceed_hours", "undissolved", "bank_factor"}
        for key in row["worst"]:
            assert same(row["worst"][key], getattr(w, key)), (rec.code, "worst", key)
        extra = dict(rec.extra)
        assert row["name_en"] == extra.pop("name_en", None)
        assert same(row["details"], extra), rec.code
        assert "slick" not in row
    # the mini fixture's receptors carry an English name somewhere
    assert any(x["name_en"] for x in rows)


def test_the_profiles_and_the_model_block(app, pair):
    r, plume, _ = pair
    assert same(r["profile"], plume.profile)
    assert same(r["worst_profile"], plume.worst_profile)
    m, core = r["model"], plume.model
    for key in ("season", "method", "horizon_h", "horizon_basis", "truncated_at_horizon",
                "end_kind"):
        assert same(m[key], getattr(core, key)), key
    coeff = {**core.coefficients, "road_circuity": app.config["ROAD_CIRCUITY"],
             "road_speed_kmh": app.config["ROAD_SPEED_KMH"],
             "snap_max_m": app.config["SNAP_MAX_M"]}
    assert same(m["coefficients"], coeff)
    n = len(core.assumptions)
    assert m["assumptions"][:n] == core.assumptions
    added = m["assumptions"][n:]
    assert any("geodesic distance" in a and "circuity" in a for a in added)
    assert any("worst-case (earliest) leading edge" in a for a in added)


def test_the_resource_rows_name_their_origin(app, pair):
    r, _, ref = pair
    origins = {o.code: o for o in [*ref.depots, *ref.teams]}
    assert r["depots"] and r["teams"]
    for row in [*r["depots"], *r["teams"]]:
        o = origins[row["code"]]
        assert row["name"] == o.name
        assert (row["lon"], row["lat"]) == pytest.approx((o.lon, o.lat), abs=1e-12)
        assert row["name_en"] == dict(o.extra).get("name_en")
        assert row["estimate"] is True
        assert isinstance(row["useful"], bool)
        for key, value in o.extra.items():
            if key != "name_en":
                assert same(row[key], value), key
        if row["target_code"] is not None:
            ip = next(x for x in r["receptors"] if x["code"] == row["target_code"])
            assert row["target_name"] == ip["name"]
            assert row["plume_arrival_h"] == pytest.approx(ip["worst"]["arrival_h"])
            assert (row["target_lon"], row["target_lat"]) == (ip["lon"], ip["lat"])


def test_the_plan_of_the_river_and_its_points(pair):
    r, plume, ref = pair
    rivers = [plume.snap.river_code] + [s.river_code for s in plume.path]
    planned = [c for c in rivers if c in ref.plans]
    plan = r["plan"]
    if not planned:
        assert plan["river_code"] is None and plan["steps"] == []
        return
    p = ref.plans[planned[0]]
    assert plan["river_code"] == p.river_code
    assert plan["title"] == p.title_zh and plan["title_en"] == p.title_en
    reached = {x.code for x in plume.receptors if x.kind == "interception"}
    assert set(plan["interception_points"]) <= set(p.interception_codes) | reached
    assert plan["contacts"] == p.contacts
    assert plan["prefectures"] == sorted(plan["prefectures"])
    for step in plan["steps"]:
        assert set(step) >= {"phase", "order", "text", "text_en", "responsible", "due_min"}


def test_the_notifications_are_the_cores(pair):
    r, plume, ref = pair
    notes = downstream_notifications(plume.receptors, home_adcode=ref.home_adcode)
    assert notes  # the plume leaves Gansu for Ningxia
    assert len(r["notify"]) == len(notes)
    for row, n in zip(r["notify"], notes, strict=True):
        for key in ("admin_code", "admin_name", "level", "from_name", "boundary_code",
                    "river_km", "arrival_h", "worst_arrival_h", "peak_conc_mgl", "exceeds",
                    "reason_zh", "reason_en", "source"):
            assert same(row[key], getattr(n, key)), key
        assert row["reason"] == n.reason_zh


def test_the_plan_lists_the_prefecture_of_the_spill(pair):
    """The prefecture holding the snapped point, read from the fixture's own polygons,
    plus both sides of every prefecture crossing on the path."""
    r, plume, _ = pair
    fc = json.loads((MINI / "admin/admin_areas.geojson").read_text())
    point = shapely.Point(plume.snap.lon, plume.snap.lat)
    names = {f["properties"]["name_zh"] for f in fc["features"]
             if f["properties"]["level"] == "prefecture"
             and shapely.geometry.shape(f["geometry"]).intersects(point)}
    for x in plume.receptors:
        if x.kind == "boundary" and x.extra.get("level") == "prefecture":
            names |= {n for n in (x.extra.get("from_name"), x.extra.get("to_name")) if n}
    assert names == {"兰州市"}
    assert r["plan"]["prefectures"] == sorted(names)


def test_a_discovery_before_the_start_is_refused_naming_both_times(client):
    body = {**BODY, "discovered_at": "2026-05-01T07:59:00+08:00"}
    resp = client.post(URL + "?lang=en", json=body)
    assert resp.status_code == 422
    err = resp.get_json()
    assert err["error"] == ("discovered_at must not be before started_at (a release is "
                            "discovered after it starts)")
    assert set(err["fields"]) == {"discovered_at", "started_at"}

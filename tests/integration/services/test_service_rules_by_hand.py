"""The analysis service's rules, each expectation worked out by hand from the inputs
(issue 13: six deliberate behaviour changes in ``services/`` once survived every test).

Through stable interfaces only: ``POST /api/v1/incidents/analyze`` on the mini fixture
(one tributary into a main river leaving Gansu for Ningxia; one team, one depot, one
interception point 甲坝, one city intake 甲水源地) and its JSON keys.

- dispatch: depots and teams race the *worst-case* (earliest) arrival at the interception
  point; slack = that arrival − road travel time, travel = geodesic km × circuity / speed;
- the report deadline runs from discovery (2011 measures Art. 3: 4 h for III/IV, 2 h for
  II/I; the province then has 1 h), never from the start of the release;
- the level from casualties, evacuation and losses (2014 plan Annex 1 thresholds);
- Art. 4 (1): a worst-case peak of 10 % of an intake's limit sends the report out as II/I;
- Art. 8: the downstream province is notified, the home province never.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from pyproj import Geod

GEOD = Geod(ellps="WGS84")
URL = "/api/v1/incidents/analyze"
# on the tributary below the chemical plant: the plume passes 甲坝, 甲水源地, the border
SPILL = {"lon": 103.1, "lat": 35.92}
IP_A = (103.15, 36.0)       # 甲坝 (tests/fixtures/mini/receptors/interception_points)
TEAM_A = (103.05, 36.05)    # 甲救援队 (teams.geojson)
DEPOT_A = (103.15, 36.05)   # 甲物资库 (depots.geojson)
STARTED = "2026-05-01T08:00:00+08:00"
FOUND = "2026-05-01T08:40:00+08:00"
# a mass so small that nothing comes near a limit: level IV unless the inputs say otherwise
TRACE_KG = 1e-6


def body(mass_kg: float = 2000.0, **extra) -> dict:
    return {"location": dict(SPILL), "pollutant": "BENZENE",
            "release": {"mass_kg": mass_kg, "duration_h": 0}, "season": "normal",
            "horizon_h": 72, "started_at": STARTED, "discovered_at": FOUND, **extra}


def analyze(client, **kw) -> dict:
    resp = client.post(URL, json=body(**kw))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def receptor(result: dict, code: str) -> dict:
    return next(r for r in result["receptors"] if r["code"] == code)


def road_h(app, origin: tuple[float, float], target: tuple[float, float]) -> float:
    """Travel time by hand: geodesic km × the configured circuity / the configured speed."""
    km = GEOD.inv(origin[0], origin[1], target[0], target[1])[2] / 1000.0
    return km * app.config["ROAD_CIRCUITY"] / app.config["ROAD_SPEED_KMH"]


# --- worst-case dispatch -------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "code", "where"), [("teams", "TEAM_A", TEAM_A),
                                                       ("depots", "DEPOT_A", DEPOT_A)])
def test_dispatch_races_the_worst_case_arrival(app, client, kind, code, where):
    r = analyze(client)
    ip = receptor(r, "IP_A")
    worst_h, expected_h = ip["worst"]["arrival_h"], ip["arrival_h"]
    assert worst_h < expected_h  # the two cases differ here, so the test can tell them apart
    (row,) = [x for x in r[kind] if x["code"] == code]
    travel = road_h(app, where, IP_A)
    assert row["target_code"] == "IP_A"
    assert row["plume_arrival_h"] == pytest.approx(worst_h, rel=1e-12)
    assert row["travel_h"] == pytest.approx(travel, rel=1e-9)
    assert row["slack_h"] == pytest.approx(worst_h - travel, rel=1e-9)
    assert row["arrives_before_plume"] is (worst_h - travel > 0)
    assert row["distance_km"] == pytest.approx(travel * app.config["ROAD_SPEED_KMH"], rel=1e-9)
    assert (row["target_lon"], row["target_lat"]) == pytest.approx(IP_A, abs=1e-6)
    assert row["estimate"] is True


@pytest.fixture
def road_speed(app):
    """Set the configured convoy speed for one test (restored afterwards)."""
    old = app.config["ROAD_SPEED_KMH"]

    def set_(kmh: float) -> None:
        app.config["ROAD_SPEED_KMH"] = kmh

    yield set_
    app.config["ROAD_SPEED_KMH"] = old


def test_a_team_between_the_worst_and_the_expected_arrival_is_late(app, client, road_speed):
    """A convoy speed chosen so the team arrives after the worst-case leading edge but
    before the expected one: on the safe side it is *not* in time (negative slack)."""
    ip = receptor(analyze(client), "IP_A")
    worst_h, expected_h = ip["worst"]["arrival_h"], ip["arrival_h"]
    km_road = GEOD.inv(*TEAM_A, *IP_A)[2] / 1000.0 * app.config["ROAD_CIRCUITY"]
    between_h = (worst_h + expected_h) / 2
    road_speed(km_road / between_h)  # travel time = between_h
    team = next(x for x in analyze(client)["teams"] if x["code"] == "TEAM_A")
    assert team["travel_h"] == pytest.approx(between_h, rel=1e-9)
    assert team["arrives_before_plume"] is False
    assert team["slack_h"] == pytest.approx(worst_h - between_h, rel=1e-9)
    assert team["slack_h"] < 0
    # and a convoy twice as fast as needed for the worst case is in time
    road_speed(km_road / (worst_h / 2))
    team = next(x for x in analyze(client)["teams"] if x["code"] == "TEAM_A")
    assert team["arrives_before_plume"] is True
    assert team["slack_h"] == pytest.approx(worst_h / 2, rel=1e-9)


def test_the_model_states_the_road_parameters(app, client):
    coeff = analyze(client)["model"]["coefficients"]
    assert coeff["road_circuity"] == app.config["ROAD_CIRCUITY"]
    assert coeff["road_speed_kmh"] == app.config["ROAD_SPEED_KMH"]
    assert coeff["snap_max_m"] == app.config["SNAP_MAX_M"]


def test_a_depot_needs_a_serving_material_a_team_does_not(client):
    """甲物资库 stocks activated carbon (organics), quicklime and sandbags: it serves
    benzene; for every class its general sandbags keep it in the list."""
    r = analyze(client)
    (depot,) = r["depots"]
    assert depot["code"] == "DEPOT_A" and depot["name"] == "甲物资库"
    assert depot["name_en"] == "Depot A" and depot["useful"] is True
    codes = {m["code"] for m in depot["materials"]}
    assert "SANDBAG" in codes and "ACTIVATED_CARBON" in codes
    assert all(m["quantity"] > 0 for m in depot["materials"])
    (team,) = r["teams"]
    assert team["materials"] == [] and team["headcount"] == 25
    assert team["specialities"] == ["监测", "围堵"] and team["name_en"] == "Team A"


# --- the report deadline (Art. 3), from discovery -------------------------------------------


@pytest.mark.parametrize(("extra", "level", "due", "mee"), [
    ({}, "IV", "2026-05-01T12:40:00+08:00", None),
    ({"casualties": 3}, "III", "2026-05-01T12:40:00+08:00", None),
    ({"casualties": 10}, "II", "2026-05-01T10:40:00+08:00", "2026-05-01T11:40:00+08:00"),
    ({"evacuated": 50_000}, "I", "2026-05-01T10:40:00+08:00", "2026-05-01T11:40:00+08:00"),
])
def test_report_deadline_from_discovery_by_hand(client, extra, level, due, mee):
    """Released 08:00, discovered 08:40: due 08:40 + 4 h (III/IV) or + 2 h (II/I)."""
    r = analyze(client, mass_kg=TRACE_KG, **extra)
    lv = r["level"]
    assert lv["suggested"] == level
    assert lv["discovered_at"] == FOUND == r["request"]["discovered_at"]
    assert r["request"]["started_at"] == STARTED
    assert lv["report_due_at"] == due
    assert lv["report_due_min"] == (240 if level in ("III", "IV") else 120)
    assert lv["province_to_mee_due_at"] == mee
    assert lv["province_to_mee_min"] == (None if mee is None else 60)


def test_without_a_discovery_time_the_clock_starts_at_a_later_start(client):
    """A drill set for tomorrow: discovery defaults to its start (not to now)."""
    start = (datetime.now().astimezone() + timedelta(hours=6)).replace(microsecond=0)
    b = body(mass_kg=TRACE_KG, started_at=start.isoformat())
    del b["discovered_at"]
    resp = client.post(URL, json=b)
    assert resp.status_code == 200, resp.get_json()
    lv = resp.get_json()["level"]
    assert datetime.fromisoformat(lv["discovered_at"]) == start
    assert datetime.fromisoformat(lv["report_due_at"]) == start + timedelta(hours=4)


def test_without_any_time_the_clock_starts_now(client):
    b = body(mass_kg=TRACE_KG)
    del b["discovered_at"], b["started_at"]
    before = datetime.now().astimezone().replace(microsecond=0)
    resp = client.post(URL, json=b)
    after = datetime.now().astimezone()
    lv = resp.get_json()["level"]
    found = datetime.fromisoformat(lv["discovered_at"])
    assert before <= found <= after
    assert datetime.fromisoformat(resp.get_json()["request"]["started_at"]) == found
    assert datetime.fromisoformat(lv["report_due_at"]) - found == timedelta(hours=4)


# --- casualties, evacuation, losses (2014 plan, Annex 1) -------------------------------------


@pytest.mark.parametrize(("extra", "level", "criteria"), [
    ({}, "IV", ["catch_all"]),
    ({"casualties": 2}, "IV", ["catch_all"]),
    ({"casualties": 3}, "III", ["deaths"]),
    ({"casualties": {"deaths": 0, "poisoned": 10}}, "III", ["poisoned"]),
    ({"casualties": {"deaths": 0, "poisoned": 50}}, "II", ["poisoned"]),
    ({"casualties": {"deaths": 30, "poisoned": 0}}, "I", ["deaths"]),
    ({"evacuated": 4_999}, "IV", ["catch_all"]),
    ({"evacuated": 5_000}, "III", ["evacuated"]),
    ({"evacuated": 10_000}, "II", ["evacuated"]),
    ({"loss_cny": 5e6}, "III", ["loss_cny"]),
    ({"loss_cny": 2e7}, "II", ["loss_cny"]),
    ({"loss_cny": 1e8}, "I", ["loss_cny"]),
    ({"casualties": {"deaths": 3, "poisoned": 50}, "evacuated": 5_000}, "II",
     ["deaths", "poisoned", "evacuated"]),
])
def test_level_from_casualties_evacuation_and_loss(client, extra, level, criteria):
    r = analyze(client, mass_kg=TRACE_KG, **extra)
    lv = r["level"]
    assert lv["suggested"] == level
    assert [x["criterion"] for x in lv["reasons"]] == criteria
    assert lv["lead"] == {"I": "province", "II": "province", "III": "prefecture",
                          "IV": "county"}[level]
    cas = extra.get("casualties", 0)
    deaths, poisoned = (cas, 0) if isinstance(cas, int) else (cas["deaths"], cas["poisoned"])
    req = r["request"]
    assert req["casualties"] == {"deaths": deaths, "poisoned": poisoned}
    assert req["evacuated"] == extra.get("evacuated", 0)
    assert req["loss_cny"] == extra.get("loss_cny", 0)


def test_the_ecology_and_art4_flags_reach_the_level(client):
    lv = analyze(client, mass_kg=TRACE_KG, ecology="species_damaged", sensitive_groups=True,
                 mass_incident=True)["level"]
    assert lv["suggested"] == "III"
    assert [x["criterion"] for x in lv["reasons"]] == ["ecology"]
    assert [x["criterion"] for x in lv["report_reasons"]] == ["art4_2", "art4_5"]
    assert lv["report_as"] == "I/II" and lv["report_due_min"] == 120
    none = analyze(client, mass_kg=TRACE_KG, ecology="none")
    assert none["request"]["ecology"] is None and none["level"]["suggested"] == "IV"


def test_a_big_spill_interrupts_the_city_intake_level_i(client):
    """2 t of benzene: the expected peak at 甲水源地 (serves a city) is above its limit."""
    r = analyze(client)
    ws = receptor(r, "WS_A")
    assert ws["exceeds"] and ws["details"]["serves"] == "city"
    lv = r["level"]
    intake = [x for x in lv["reasons"] if x["criterion"] == "intake"]
    assert [x["level"] for x in intake] == ["I"] and "甲水源地" in intake[0]["text_zh"]
    assert lv["suggested"] == "I" and lv["lead"] == "province"
    assert lv["report_due_at"] == "2026-05-01T10:40:00+08:00"


# --- Art. 4 (1): 10 % of the limit ----------------------------------------------------------


def _mass_for_share(client, share: float) -> float:
    """The release giving a worst-case peak of ``share`` of 甲水源地's limit: the model is
    linear in the mass (no decay, no solubility cap at these masses), so one run at 1 kg
    gives the scale."""
    ws = receptor(analyze(client, mass_kg=1.0), "WS_A")
    return share * ws["limit_mgl"] / ws["worst"]["peak_conc_mgl"]


@pytest.mark.parametrize(("share", "report_as", "due"), [
    (0.5, "I/II", "2026-05-01T10:40:00+08:00"),
    (0.12, "I/II", "2026-05-01T10:40:00+08:00"),
    (0.08, "III/IV", "2026-05-01T12:40:00+08:00"),
])
def test_art4_1_ten_percent_of_the_limit(client, share, report_as, due):
    r = analyze(client, mass_kg=_mass_for_share(client, share))
    ws = receptor(r, "WS_A")
    assert ws["worst"]["peak_conc_mgl"] / ws["limit_mgl"] == pytest.approx(share, rel=1e-3)
    lv = r["level"]
    assert lv["suggested"] == "IV"  # no intake interrupted, nothing counted
    assert lv["report_as"] == report_as and lv["report_due_at"] == due
    art4_1 = [x for x in lv["report_reasons"] if x["criterion"] == "art4_1"]
    assert len(art4_1) == (report_as == "I/II")
    if art4_1:
        assert f"甲水源地：最不利情况峰值为限值的{share:.0%}" in art4_1[0]["text_zh"]


# --- border notifications (Art. 8) ----------------------------------------------------------


def test_the_downstream_province_is_notified_never_the_home_one(client):
    r = analyze(client)
    borders = [x for x in r["receptors"] if x["kind"] == "boundary"
               and x["details"].get("level") == "province"]
    assert {b["details"]["to_adcode"] for b in borders} == {"640000"}
    (n,) = [x for x in r["notify"] if x["level"] == "province"]
    assert (n["admin_code"], n["admin_name"]) == ("640000", "宁夏回族自治区")
    assert "620000" not in {x["admin_code"] for x in r["notify"]}
    first = min(borders, key=lambda b: b["worst"]["arrival_h"])
    assert n["worst_arrival_h"] == pytest.approx(first["worst"]["arrival_h"], rel=1e-12)
    assert n["arrival_h"] == pytest.approx(first["arrival_h"], rel=1e-12)
    assert n["worst_arrival_h"] < n["arrival_h"]
    assert n["reason"] == n["reason_zh"] and "第八条" in n["reason"]
    assert n["source"].endswith("第八条")


def test_a_trace_still_notifies_the_downstream_province_below_the_limit(client):
    (n,) = analyze(client, mass_kg=TRACE_KG)["notify"]
    assert n["admin_code"] == "640000" and n["exceeds"] is False
    assert "预计未超标" in n["reason"]


# --- the answer echoes the request it answers ----------------------------------------------


def test_the_request_echo_and_snap(client):
    r = analyze(client, mass_kg=123.0, sensitive_groups=True)
    req = r["request"]
    assert req["location"] == SPILL and req["pollutant"] == "BENZENE"
    assert req["release"] == {"mass_kg": 123.0, "duration_h": 0.0}
    assert (req["season"], req["horizon_h"], req["sensitive_groups"], req["mass_incident"]) == (
        "normal", 72.0, True, False)
    assert r["pollutant"]["code"] == "BENZENE"
    assert r["pollutant"]["species_mass_kg"] == pytest.approx(
        123.0 * r["pollutant"]["species_factor"])
    assert r["snap"]["river_code"] == "TRIB" and r["snap"]["reach_id"] == "TRIB-001"
    json.dumps(r, allow_nan=False)  # JSON-safe: no NaN or inf anywhere


# --- the river's plan, fitted to the level and the class ------------------------------------

ON_MAIN = {"lon": 103.05, "lat": 36.0}  # MAIN-001: the main river's plan applies


@pytest.mark.parametrize(("pollutant", "extra", "steps"), [
    # level IV, reported as III/IV: the 4-hour report step only (the 2-hour one is min_level II)
    ("BENZENE", {}, [("report", 1)]),
    # level IV but reported as II (Art. 4 (2)): the report steps of level II; the other
    # phases stay those of level IV
    ("BENZENE", {"sensitive_groups": True}, [("report", 1), ("report", 2)]),
    # level II by the count: every step of level II for the class
    ("BENZENE", {"casualties": 10}, [("report", 1), ("report", 2)]),
    # the contain steps follow the class: lime for a metalloid, booms for an oil
    ("SB", {}, [("report", 1), ("report", 2), ("contain", 1)]),  # Art. 4 (3): as II
    ("DIESEL", {}, [("report", 1), ("contain", 2)]),
])
def test_plan_steps_for_the_class_and_the_report_level(client, pollutant, extra, steps):
    b = body(mass_kg=TRACE_KG, **extra)
    b["location"], b["pollutant"] = dict(ON_MAIN), pollutant
    resp = client.post(URL, json=b)
    assert resp.status_code == 200, resp.get_json()
    plan = resp.get_json()["plan"]
    assert plan["river_code"] == "MAIN" and plan["title"] == "干流突发水污染事件应急处置方案"
    assert [(s["phase"], s["order"]) for s in plan["steps"]] == steps
    assert plan["interception_points"] == ["IP_A"]  # the plume passes 甲坝 below MAIN-001


def test_a_release_found_later_is_reported_from_now_not_from_its_start(client):
    """Started two hours ago, no discovery time given: discovered now (the default), so the
    report is due 4 h from now, not 4 h from the start (2 h from now)."""
    start = (datetime.now().astimezone() - timedelta(hours=2)).replace(microsecond=0)
    b = body(mass_kg=TRACE_KG, started_at=start.isoformat())
    del b["discovered_at"]
    before = datetime.now().astimezone().replace(microsecond=0)
    resp = client.post(URL, json=b)
    assert resp.status_code == 200, resp.get_json()
    lv = resp.get_json()["level"]
    found = datetime.fromisoformat(lv["discovered_at"])
    assert before <= found <= datetime.now().astimezone()
    assert datetime.fromisoformat(lv["report_due_at"]) - found == timedelta(hours=4)
    assert datetime.fromisoformat(lv["report_due_at"]) >= before + timedelta(hours=4)


@pytest.mark.parametrize(("pollutant", "stock"), [
    # 甲物资库 holds activated carbon 20 t, quicklime 50 t, sandbags 5000 (materials.yaml:
    # carbon serves organics, lime metals and metalloids, sandbags every class)
    ("BENZENE", [("ACTIVATED_CARBON", "活性炭", 20, "t"), ("SANDBAG", "编织袋", 5000, "piece")]),
    ("SB", [("QUICKLIME", "生石灰", 50, "t"), ("SANDBAG", "编织袋", 5000, "piece")]),
    ("DIESEL", [("SANDBAG", "编织袋", 5000, "piece")]),
])
def test_the_depot_lists_the_materials_serving_the_class(client, pollutant, stock):
    b = body(mass_kg=TRACE_KG)
    b["pollutant"] = pollutant
    resp = client.post(URL, json=b)
    assert resp.status_code == 200, resp.get_json()
    (depot,) = resp.get_json()["depots"]
    got = sorted((m["code"], m["name"], m["quantity"], m["unit"]) for m in depot["materials"])
    assert got == sorted(stock)

"""Third round against surviving mutants of ``webgis.services``: what the reference reads
of each receptor and depot reaches the answer unchanged (checked against the mini fixture's
files, not the core's copy), the river layer's bbox, a legacy sheet's request, the printed
map's towns. Expectations from the fixture files."""

from __future__ import annotations

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import Point

from webgis import models as m
from webgis.services import analysis, layers, sheet
from webgis.services.uow import reading

URL = "/api/v1/incidents/analyze"
BODY = {"location": {"lon": 103.1, "lat": 35.92}, "pollutant": "BENZENE",
        "release": {"mass_kg": 2000, "duration_h": 0}, "season": "normal", "horizon_h": 72,
        "started_at": "2026-05-01T08:00:00+08:00",
        "discovered_at": "2026-05-01T08:40:00+08:00"}


@pytest.fixture
def result(client):
    analysis.recent.clear()
    resp = client.post(URL, json=BODY)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def _row(result, code):
    return next(r for r in result["receptors"] if r["code"] == code)


def test_the_receptor_details_are_the_fixtures(result):
    # tests/fixtures/mini/receptors/*.geojson
    ws = _row(result, "WS_A")
    assert ws["name_en"] == "Intake A"
    assert ws["details"] == {"serves": "city", "serves_name_zh": "乙市",
                             "population_served": 500000}
    sec = _row(result, "SEC_A")
    assert sec["name_en"] == "Section A"
    assert sec["details"] == {"level": "state", "target_class": 3, "is_exit": True,
                              "boundary": "甘肃-宁夏"}
    ip = _row(result, "IP_A")
    assert ip["name_en"] == "Dam A"
    assert {k: ip["details"][k] for k in ("type", "capacity_m3", "techniques", "access",
                                          "access_road_km")} == {
        "type": "dam", "capacity_m3": 2000000.0, "techniques": ["intercept", "dose"],
        "access": "县道直达坝顶", "access_road_km": 0.2}


def test_the_depot_row_is_the_fixtures(result):
    (d,) = [x for x in result["depots"] if x["code"] == "DEPOT_A"]
    # tests/fixtures/mini/depots/depots.geojson
    assert (d["name"], d["name_en"], d["kind"], d["status"], d["address"]) == (
        "甲物资库", "Depot A", "provincial", "operational", "甲镇1号")
    (t,) = [x for x in result["teams"] if x["code"] == "TEAM_A"]
    assert (t["name"], t["name_en"]) == ("甲救援队", "Team A")


def test_the_plume_ends_at_the_outlet(result):
    # MAIN-003 is the fixture's outlet; in 72 h the plume leaves the 30 km network
    assert result["path"]["features"][-1]["properties"]["reach_code"] == "MAIN-003"
    assert result["model"]["end_kind"] == "outlet"


def test_the_river_bbox_keeps_only_the_river_it_touches(app, session):
    with app.app_context():
        # around 甲坝 on MAIN-002; the tributary (lon 103.1) is 0.04° west of the box
        fc = layers.read_layer("rivers", bbox=(103.14, 35.99, 103.16, 36.01))
        trib = layers.read_layer("rivers", bbox=(103.09, 35.91, 103.11, 35.95))
    assert [f["id"] for f in fc["features"]] == ["MAIN"]
    assert [f["id"] for f in trib["features"]] == ["TRIB"]


def test_a_result_brings_its_request(app, session, result):
    with app.app_context(), reading() as s:
        c = sheet.context_for_result(s, result, lang="en")
    assert c.request == result["request"] and c.lang == "en"
    assert c.request["release"]["mass_kg"] == 2000


def test_the_printed_map_shows_county_seats_not_towns(app, session):
    with app.app_context():
        session.add(m.Place(code="SEAT_A", name_zh="甲县", name_en="County A",
                            kind="county_seat", geom=from_shape(Point(103.05, 36.1), srid=4326)))
        session.flush()
        with reading() as s:
            lay = sheet.read_layers(s, (102.0, 35.0, 105.0, 37.5), "zh")
    # TOWN_A (kind town) is left out
    assert lay.places == [{"code": "SEAT_A", "name": "甲县", "kind": "county_seat",
                           "lon": 103.05, "lat": 36.1}]

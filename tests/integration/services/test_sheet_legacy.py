"""A result saved before schema 1.1 (no ``schema_version``) has its sheet's sites,
interception details, plan notes and contacts read from the database
(``webgis.services.sheet``); the expectations are the mini fixture's own files."""

from __future__ import annotations

import pytest

from tests.conftest import incident_request
from webgis.services import analysis, incidents, sheet
from webgis.services.uow import reading

BODY = incident_request()


@pytest.fixture
def legacy(app, session):
    analysis.recent.clear()
    with app.app_context():
        res = dict(incidents.analyse(BODY).result)
        del res["schema_version"]
        # an old plan block: the plan of the main river, without its contacts
        res["plan"] = {"river_code": "MAIN"}
        with reading() as s:
            yield sheet.context_for_result(s, res), res


def test_the_sites_come_from_the_database(legacy):
    c, _ = legacy
    assert c.depot_sites["DEPOT_A"] == {
        "code": "DEPOT_A", "name": "甲物资库", "name_en": "Depot A", "lon": 103.15,
        "lat": 36.05, "contact_name": "张三", "contact_phone": "0931-8000000",
        "fictitious_contact": True}
    team = c.team_sites["TEAM_A"]
    assert (team["name"], team["lon"], team["lat"], team["contact_name"]) == (
        "甲救援队", 103.05, 36.05, "李四")


def test_the_interception_details_come_from_the_database(legacy):
    c, res = legacy
    assert "IP_A" in {r["code"] for r in res["receptors"] if r["kind"] == "interception"}
    d = c.interception_details["IP_A"]
    assert {k: d[k] for k in ("type", "capacity_m3", "techniques", "access",
                              "access_road_km", "name_en")} == {
        "type": "dam", "capacity_m3": 2000000.0, "techniques": ["intercept", "dose"],
        "access": "县道直达坝顶", "access_road_km": 0.2, "name_en": "Dam A"}
    assert "holding_h" in d


def test_the_notes_and_contacts_come_from_the_plans(legacy):
    c, _ = legacy
    # MAIN.yaml: WS_A carries a note, SEC_A none
    assert c.sensitive_notes == {"WS_A": "乙市水源地"}
    assert c.contacts == [{"role_zh": "值班室", "unit_zh": "兰州市生态环境局", "name": "王五",
                           "phone": "0931-8000001", "fictitious": True}]


def test_a_plan_block_with_contacts_keeps_them(app, session):
    analysis.recent.clear()
    with app.app_context():
        res = dict(incidents.analyse(BODY).result)
        del res["schema_version"]
        res["plan"] = {"river_code": "MAIN", "contacts": [{"name": "赵六"}]}
        with reading() as s:
            c = sheet.context_for_result(s, res)
    assert c.contacts == [{"name": "赵六"}]


def test_without_a_plan_block_the_notes_come_from_the_rivers_on_the_path(app, session):
    """No plan river: the spill's river (TRIB, no notes) and then the path's (MAIN)."""
    analysis.recent.clear()
    with app.app_context():
        res = dict(incidents.analyse(BODY).result)
        del res["schema_version"]
        res["plan"] = {}
        with reading() as s:
            c = sheet.context_for_result(s, res)
    assert c.sensitive_notes == {"WS_A": "乙市水源地"}
    assert c.contacts == []  # TRIB.yaml has none

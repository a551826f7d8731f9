"""The scenario library on the mini dataset: create (a point, an enterprise's outfall, a
saved analysis), search by text and tag, edit, duplicate, delete, run, compare (table and
XLSX read back); roles; bad input names the field and stores nothing."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from webgis.models import Scenario, User

PASSWORD = "correct horse battery"
ON_RIVER = {"lon": 103.1, "lat": 35.92}


def _token(session, role: str, name: str) -> dict[str, str]:
    user = User(username=name, role=role)
    user.set_password(PASSWORD)
    session.add(user)
    session.commit()
    token = user.new_token()
    session.commit()
    return {"Authorization": f"Bearer {token}"}


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(Scenario))


def test_library_create_search_edit_duplicate_delete_run_compare(session, client):
    h = _token(session, "planner", "lib1")
    a = client.post("/api/v1/scenarios", headers=h, json={
        "name": "黄河苯泄漏 演练A", "tags": ["Huangshui Action", "benzene"],
        "location": ON_RIVER, "pollutant": "BENZENE", "mass_kg": 5000, "season": "dry",
        "notes": "tank truck"})
    assert a.status_code == 201, a.get_json()
    a = a.get_json()
    assert a["author"] == "lib1" and a["tags"] == ["Huangshui Action", "benzene"]
    b = client.post("/api/v1/scenarios", headers=h, json={
        "name": "ENT_A outfall antimony", "enterprise_code": "ENT_A", "pollutant": "SB",
        "mass_kg": 2000, "tags": ["Guarding Water Sources"]})
    assert b.status_code == 201, b.get_json()
    b = b.get_json()
    assert b["enterprise_code"] == "ENT_A" and b["location"]["lon"] != 103.11  # the outfall
    found = client.get("/api/v1/scenarios?q=truck").get_json()
    assert [s["id"] for s in found] == [a["id"]]
    found = client.get("/api/v1/scenarios?tag=Guarding Water Sources").get_json()
    assert [s["id"] for s in found] == [b["id"]]
    edited = client.patch(f"/api/v1/scenarios/{a['id']}", headers=h,
                          json={"mass_kg": 8000, "tags": ["drill"]}).get_json()
    assert edited["mass_kg"] == 8000 and edited["tags"] == ["drill"]
    assert edited["name"] == a["name"]
    copy = client.post(f"/api/v1/scenarios/{a['id']}/duplicate", headers=h)
    assert copy.status_code == 201 and copy.get_json()["name"].endswith("（副本）")
    ran = client.post(f"/api/v1/scenarios/{a['id']}/run", headers=h).get_json()
    assert ran["request"]["pollutant"] == "BENZENE" and ran["receptors"]
    cmp_ = client.post("/api/v1/scenarios/compare", headers=h,
                       json={"ids": [a["id"], b["id"]]}).get_json()
    assert [s["id"] for s in cmp_["scenarios"]] == [a["id"], b["id"]]
    assert all(s["level"] and s["path"] for s in cmp_["scenarios"])
    for r in cmp_["receptors"]:
        assert len(r["per"]) == 2
    wb = load_workbook(io.BytesIO(client.post("/api/v1/scenarios/compare.xlsx", headers=h,
                                              json={"ids": [a["id"], b["id"]]}).data))
    assert wb.sheetnames == ["scenarios", "receptors"]
    rows = list(wb["scenarios"].iter_rows(values_only=True))
    assert rows[1][0] == a["id"] and rows[2][0] == b["id"]
    assert len(list(wb["receptors"].iter_rows())) == 1 + len(cmp_["receptors"])
    gone = client.delete(f"/api/v1/scenarios/{copy.get_json()['id']}", headers=h)
    assert gone.status_code == 200
    assert client.get(f"/api/v1/scenarios/{copy.get_json()['id']}").status_code == 404


def test_a_saved_analysis_becomes_a_scenario(session, client):
    duty = _token(session, "duty_officer", "duty_lib")
    saved = client.post("/api/v1/incidents", headers=duty, json={"request": {
        "location": ON_RIVER, "pollutant": "DIESEL", "release": {"mass_kg": 900},
        "season": "flood"}})
    assert saved.status_code == 201, saved.get_json()
    h = _token(session, "planner", "lib2")
    got = client.post("/api/v1/scenarios/from-incident", headers=h, json={
        "incident_id": saved.get_json()["id"], "name": "from the map"})
    assert got.status_code == 201, got.get_json()
    s = got.get_json()
    assert (s["pollutant"], s["mass_kg"], s["season"]) == ("DIESEL", 900, "flood")
    assert s["source_incident_id"] == saved.get_json()["id"]


@pytest.mark.parametrize(("body", "field"), [
    ({"name": "x", "location": ON_RIVER, "pollutant": "BENZENE", "mass_kg": 1, "wind": 3},
     "wind"),
    ({"name": "x", "location": ON_RIVER, "pollutant": "NOPE", "mass_kg": 1}, "pollutant"),
    ({"name": "x", "location": {"lon": 80.0, "lat": 30.0}, "pollutant": "BENZENE",
      "mass_kg": 1}, "location"),
    ({"name": "x", "enterprise_code": "ENT_NOPE", "pollutant": "BENZENE", "mass_kg": 1},
     "enterprise_code"),
    ({"name": "x", "pollutant": "BENZENE", "mass_kg": 1}, "body"),
    ({"name": "", "location": ON_RIVER, "pollutant": "BENZENE", "mass_kg": 1}, "name"),
    ({"name": "x", "location": ON_RIVER, "pollutant": "BENZENE", "mass_kg": 0}, "mass_kg"),
])
def test_bad_scenarios_name_the_field_and_store_nothing(session, client, body, field):
    h = _token(session, "planner", "lib3")
    n = _count(session)
    resp = client.post("/api/v1/scenarios", headers=h, json=body)
    assert resp.status_code == 422, resp.get_json()
    assert field in resp.get_json()["fields"]
    assert _count(session) == n


def test_roles_and_ids(session, client):
    body = {"name": "x", "location": ON_RIVER, "pollutant": "BENZENE", "mass_kg": 1}
    assert client.post("/api/v1/scenarios", json=body).status_code == 401
    duty = _token(session, "duty_officer", "duty_lib2")
    assert client.post("/api/v1/scenarios", json=body, headers=duty).status_code == 403
    h = _token(session, "planner", "lib4")
    for method, url in (("get", "/api/v1/scenarios/999999"),
                        ("patch", "/api/v1/scenarios/999999"),
                        ("delete", "/api/v1/scenarios/999999")):
        resp = getattr(client, method)(url, headers=h, json={} if method == "patch" else None)
        assert resp.status_code == 404 and resp.get_json()["fields"] == {"scenario_id": 999999}
    one = client.post("/api/v1/scenarios", json=body, headers=h).get_json()
    resp = client.post("/api/v1/scenarios/compare", headers=h, json={"ids": [one["id"]]})
    assert resp.status_code == 422 and "ids" in resp.get_json()["fields"]
    resp = client.post("/api/v1/scenarios/compare", headers=h,
                       json={"ids": [one["id"], 999999]})
    assert resp.status_code == 404

"""The screening API on the mini dataset and a real LocalCluster: start (planner), follow,
rank, export (files read back), reuse, cancel, and the issue's bad input: unknown fields,
invalid or far-away polygons, an empty area, unknown job ids, cancelling a finished job,
an unreachable scheduler — JSON errors naming the field, nothing half-written."""

from __future__ import annotations

import io

import orjson
import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from webgis.models import ScreeningJob, User
from webgis.services.screening_engine import close_local

PASSWORD = "correct horse battery"
AREA = {"centre": {"lon": 103.11, "lat": 35.95}, "radius_km": 5}  # the mini enterprise
HORIZON_CUT_H = 8.0  # ends while the mini enterprise's spill is above the limit at WS_A


@pytest.fixture(scope="module", autouse=True)
def _cluster():
    yield
    close_local()


@pytest.fixture
def inline(app):
    app.config["SCREENING_RUNNER"] = "inline"
    yield app
    app.config.pop("SCREENING_RUNNER", None)
    app.config.pop("DASK_SCHEDULER_ADDRESS", None)


def _token(session, role: str, name: str) -> dict[str, str]:
    user = User(username=name, role=role)
    user.set_password(PASSWORD)
    session.add(user)
    session.commit()
    token = user.new_token()
    session.commit()
    return {"Authorization": f"Bearer {token}"}


def _jobs(session) -> int:
    return session.scalar(select(func.count()).select_from(ScreeningJob))


def test_a_planner_runs_an_area_screening_reads_and_exports_it(inline, session, client):
    planner = _token(session, "planner", "plan1")
    resp = client.post("/api/v1/screenings", json={"area": AREA, "seasons": ["dry"]},
                       headers=planner)
    assert resp.status_code == 201, resp.get_json()
    job = resp.get_json()
    assert job["status"] == "done" and job["kind"] == "area" and job["spills_total"] == 1
    assert job["created_by"] == "plan1"
    inside = job["parameters"]["inside"]
    assert inside["enterprise_codes"] == ["ENT_A"]
    got = client.get(f"/api/v1/screenings/{job['id']}").get_json()
    assert got["status"] == "done" and got["progress"] == 1.0
    ranks = client.get(f"/api/v1/screenings/{job['id']}/rankings?limit=5").get_json()
    assert ranks["enterprises"][0]["enterprise_code"] == "ENT_A"
    assert [r["code"] for r in ranks["intakes"]] == ["WS_A"]
    wb = load_workbook(io.BytesIO(client.get(
        f"/api/v1/screenings/{job['id']}/rankings.xlsx").data))
    assert wb.sheetnames == ["run", "enterprises", "intakes", "rivers"]
    rows = list(wb["enterprises"].iter_rows(values_only=True))
    assert rows[1][1] == "ENT_A" and rows[1][4] == 1
    assert list(wb["intakes"].iter_rows(values_only=True))[1][1] == "WS_A"
    gj = orjson.loads(client.get(f"/api/v1/screenings/{job['id']}/layers.geojson").data)
    layers = {f["properties"]["layer"] for f in gj["features"]}
    assert "intake" in layers
    intake = next(f for f in gj["features"] if f["properties"]["layer"] == "intake")
    assert intake["properties"]["code"] == "WS_A"
    # asked again: reused, nothing new stored
    n = _jobs(session)
    again = client.post("/api/v1/screenings", json={"seasons": ["dry"], "area": AREA},
                        headers=planner)
    assert again.status_code == 200 and again.get_json()["id"] == job["id"]
    assert again.get_json()["reused"] and _jobs(session) == n
    # a finished job cannot be cancelled
    resp = client.post(f"/api/v1/screenings/{job['id']}/cancel", headers=planner)
    assert resp.status_code == 409
    assert resp.get_json()["fields"] == {"job_id": job["id"], "status": "done"}


def test_an_area_with_nothing_inside_is_an_explained_empty_result(inline, session, client):
    planner = _token(session, "planner", "plan2")
    resp = client.post("/api/v1/screenings", json={
        "area": {"centre": {"lon": 98.5, "lat": 39.7}, "radius_km": 10}}, headers=planner)
    assert resp.status_code == 201
    job = resp.get_json()
    assert job["status"] == "done" and job["spills_total"] == 0
    assert "nothing to screen" in job["note"]
    ranks = client.get(f"/api/v1/screenings/{job['id']}/rankings").get_json()
    assert ranks["enterprises"] == [] and ranks["intakes"] == []


BOWTIE = {"type": "Polygon", "coordinates": [[[103, 35], [104, 36], [104, 35], [103, 36],
                                              [103, 35]]]}
TWO = {"type": "Polygon", "coordinates": [[[103, 35], [104, 36], [103, 35], [103, 35]]]}
FAR = {"type": "Polygon", "coordinates": [[[10, 50], [11, 50], [11, 51], [10, 50]]]}


@pytest.mark.parametrize(("body", "field"), [
    ({"seasons": ["dry"], "colour": "red"}, "colour"),
    ({"area": {**AREA, "shape": "round"}}, "area.shape"),
    ({"seasons": ["monsoon"]}, "seasons[0]"),
    ({"seasons": ["dry", "dry"]}, "seasons"),
    ({"horizon_h": 0}, "horizon_h"),
    ({"pollutants": ["NOT_A_POLLUTANT"]}, "pollutants"),
    ({"area": {"centre": {"lon": 103.1, "lat": 35.9}}}, "area"),
    ({"area": {"radius_km": 0, "centre": {"lon": 103.1, "lat": 35.9}}}, "area.radius_km"),
    ({"area": {**AREA, "polygon": BOWTIE}}, "area"),
    ({"area": {"polygon": BOWTIE}}, "area.polygon"),
    ({"area": {"polygon": FAR}}, "area.polygon"),
    ({"area": {"polygon": TWO}}, "area.polygon"),
    ({"area": {"polygon": {"type": "Point", "coordinates": [103, 35]}}}, "area.polygon"),
    ({"area": {"centre": {"lon": 10.0, "lat": 50.0}, "radius_km": 5}}, "area.centre"),
])
def test_bad_input_names_the_field_and_stores_nothing(inline, session, client, body, field):
    planner = _token(session, "planner", "plan3")
    n = _jobs(session)
    resp = client.post("/api/v1/screenings", json=body, headers=planner)
    assert resp.status_code == 422, resp.get_json()
    assert field in resp.get_json()["fields"]
    assert _jobs(session) == n


def test_a_polygon_of_two_vertices_is_said_so(inline, session, client):
    """A polygon drawn with two clicks (the map sends what it shows): the 422 names the
    field and the count of distinct vertices, not "not a polygon"."""
    planner = _token(session, "planner", "plan3")
    for polygon in (TWO, {"type": "Feature", "properties": {}, "geometry": TWO}):
        resp = client.post("/api/v1/screenings", json={"area": {"polygon": polygon}},
                           headers=planner)
        assert resp.status_code == 422
        body = resp.get_json()
        assert body["fields"] == {"area.polygon": 2}
        assert "至少需要 3 个不同的顶点" in body["error"]
    english = client.post("/api/v1/screenings?lang=en", json={"area": {"polygon": TWO}},
                          headers=planner).get_json()
    assert english["error"] == "area.polygon needs at least 3 distinct vertices, has 2"


def test_roles_ids_and_an_unreachable_scheduler(inline, session, client):
    assert client.post("/api/v1/screenings", json={}).status_code == 401
    officer = _token(session, "duty_officer", "duty9")
    resp = client.post("/api/v1/screenings", json={}, headers=officer)
    assert resp.status_code == 403
    for url in ("/api/v1/screenings/999999", "/api/v1/screenings/999999/rankings"):
        resp = client.get(url)
        assert resp.status_code == 404 and resp.get_json()["fields"] == {"job_id": 999999}
    planner = _token(session, "planner", "plan4")
    resp = client.post("/api/v1/screenings/999999/cancel", headers=planner)
    assert resp.status_code == 404
    inline.config["DASK_SCHEDULER_ADDRESS"] = "tcp://127.0.0.1:9"
    inline.config["WEBGIS_DASK_CONNECT_TIMEOUT_S"] = "1"
    n = _jobs(session)
    resp = client.post("/api/v1/screenings", json={"seasons": ["flood"]}, headers=planner)
    assert resp.status_code == 422
    body = resp.get_json()
    assert body["fields"] == {"DASK_SCHEDULER_ADDRESS": "tcp://127.0.0.1:9"}
    assert "tcp://127.0.0.1:9" in body["error"]
    assert _jobs(session) == n
    inline.config.pop("WEBGIS_DASK_CONNECT_TIMEOUT_S")


def test_an_exceedance_still_running_at_the_horizon_is_bounded_and_flagged(
        inline, session, client):
    """A short horizon cuts the intake's exceedance: the hours to the horizon, no more
    than horizon − warning, flagged in the ranking, the reaching rows and both files."""
    from webgis.services.screening_results import reaching

    planner = _token(session, "planner", "plan_h")
    horizon_h = HORIZON_CUT_H
    job = client.post("/api/v1/screenings", json={
        "area": AREA, "seasons": ["dry"], "horizon_h": horizon_h}, headers=planner).get_json()
    assert job["status"] == "done", job
    ranks = client.get(f"/api/v1/screenings/{job['id']}/rankings").get_json()
    (intake,) = ranks["intakes"]
    assert intake["code"] == "WS_A" and intake["exceed_beyond_horizon"] is True
    assert 0 < intake["max_exceed_h"] <= horizon_h - intake["warning_h"] + 1e-4
    with client.application.app_context():
        rows = reaching(job["id"], ["WS_A"])
    assert rows and all(r["exceed_h"] <= horizon_h - r["arrival_h"] + 1e-9 for r in rows)
    assert any(r["exceed_beyond_horizon"] for r in rows)
    wb = load_workbook(io.BytesIO(client.get(
        f"/api/v1/screenings/{job['id']}/rankings.xlsx").data))
    head, first = list(wb["intakes"].iter_rows(values_only=True))[:2]
    assert first[head.index("超标持续至预报时段末 still above the limit at the horizon")] is True
    gj = orjson.loads(client.get(f"/api/v1/screenings/{job['id']}/layers.geojson").data)
    props = next(f["properties"] for f in gj["features"]
                 if f["properties"]["layer"] == "intake")
    assert props["exceed_beyond_horizon"] is True
    # the default horizon: the same spill's exceedance ends in time, not flagged
    full = client.post("/api/v1/screenings", json={"area": AREA, "seasons": ["dry"]},
                       headers=planner).get_json()
    ranks = client.get(f"/api/v1/screenings/{full['id']}/rankings").get_json()
    assert ranks["intakes"][0]["exceed_beyond_horizon"] is False
    assert ranks["intakes"][0]["max_exceed_h"] > intake["max_exceed_h"]

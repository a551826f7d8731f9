"""The incident aggregate over HTTP (issue 14, items 1, 2 and 9): 422 naming the field,
409 with the state now, 403 for the wrong role, 401/redirect for anonymous callers (even
with PUBLIC_READ on), nothing stored on any failure, and the timeline in the exports read
back."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from tests.conftest import incident_request
from webgis.services import analysis, users

BODY = incident_request()
PASSWORD = "ten chars!"
ROLES = ("duty_officer", "leader", "field_team", "planner", "admin")


@pytest.fixture
def hdr(app, session):
    """A bearer header per role."""
    analysis.recent.clear()
    out = {}
    with app.app_context():
        for role in ROLES:
            users.create_user(f"h_{role}", role, PASSWORD)
            token, _ = users.issue_token(f"h_{role}", 1)
            out[role] = {"Authorization": f"Bearer {token}"}
    yield out
    analysis.recent.clear()


def _saved(client, hdr, role="duty_officer", kind="incident") -> int:
    resp = client.post("/api/v1/incidents", json={"request": BODY, "kind": kind},
                       headers=hdr[role])
    assert resp.status_code == 201, resp.json
    return resp.json["id"]


def _counts(client, hdr, inc_id) -> tuple[int, int, int]:
    events = client.get(f"/api/v1/incidents/{inc_id}/events", headers=hdr["admin"]).json
    revs = client.get(f"/api/v1/incidents/{inc_id}/revisions", headers=hdr["admin"]).json
    return len(events["events"]), len(revs["revisions"]), events["version"]


def test_an_officer_revises_a_fact_and_the_forecast_follows(client, hdr):
    inc = _saved(client, hdr)
    resp = client.patch(f"/api/v1/incidents/{inc}/facts", headers=hdr["duty_officer"],
                        json={"expected_version": 1, "mass_kg": 500,
                              "casualties_poisoned": 2, "note": "现场核实"})
    assert resp.status_code == 200, resp.json
    assert resp.json["revision_no"] == 2
    assert resp.json["changes"] == {"casualties.poisoned": [0, 2],
                                    "release.mass_kg": [2000, 500]}
    detail = client.get(f"/api/v1/incidents/{inc}", headers=hdr["field_team"]).json
    assert detail["facts"]["release"]["mass_kg"] == 500
    assert detail["version"] == resp.json["version"]
    revs = client.get(f"/api/v1/incidents/{inc}/revisions", headers=hdr["planner"]).json
    assert revs["current"] == 2 and [r["created_by"] for r in revs["revisions"]] == [
        "h_duty_officer", "h_duty_officer"]
    one = client.get(f"/api/v1/incidents/{inc}/revisions/1", headers=hdr["leader"]).json
    assert one["request"]["release"]["mass_kg"] == 2000 and one["result"]["path"]
    assert client.get(f"/api/v1/incidents/{inc}/revisions/7",
                      headers=hdr["leader"]).status_code == 404
    # a leader changes facts too
    again = client.patch(f"/api/v1/incidents/{inc}/facts", headers=hdr["leader"],
                         json={"expected_version": detail["version"], "evacuated": 300})
    assert again.status_code == 200 and again.json["revision_no"] == 3


@pytest.mark.parametrize(("body", "field"), [
    ({"mass_kg": -5}, "mass_kg"),
    ({"mass_kg": "lots"}, "mass_kg"),
    ({"pollutant": "NOPE"}, "pollutant"),
    ({"location": {"lon": 300, "lat": 35}}, "location.lon"),
    ({"started_at": "yesterday"}, "started_at"),
    ({"casualties_deaths": -1}, "casualties_deaths"),
    ({"colour": "red"}, "colour"),
    ({"enterprise": "NO_SUCH"}, "enterprise"),
    ({}, "body"),
])
def test_bad_facts_are_422_naming_the_field_and_store_nothing(client, hdr, body, field):
    inc = _saved(client, hdr)
    before = _counts(client, hdr, inc)
    resp = client.patch(f"/api/v1/incidents/{inc}/facts", headers=hdr["duty_officer"],
                        json={"expected_version": 1, **body})
    assert resp.status_code == 422, resp.json
    assert field in resp.json["fields"], resp.json
    assert _counts(client, hdr, inc) == before == (1, 1, 1)


def test_a_missing_version_is_422_and_a_stale_one_409_with_the_state_now(client, hdr):
    inc = _saved(client, hdr)
    resp = client.patch(f"/api/v1/incidents/{inc}/facts", headers=hdr["duty_officer"],
                        json={"mass_kg": 10})
    assert resp.status_code == 422 and "expected_version" in resp.json["fields"]
    ok = client.post(f"/api/v1/incidents/{inc}/comments", headers=hdr["field_team"],
                     json={"expected_version": 1, "text": "到达断面"})
    assert ok.status_code == 201 and ok.json["version"] == 2
    before = _counts(client, hdr, inc)
    for url, body in ((f"/api/v1/incidents/{inc}/facts", {"mass_kg": 10}),
                      (f"/api/v1/incidents/{inc}/status", {"status": "responding"}),
                      (f"/api/v1/incidents/{inc}/comments", {"text": "late"})):
        method = client.patch if url.endswith("facts") else client.post
        stale = method(url, headers=hdr["duty_officer"], json={"expected_version": 1, **body})
        assert stale.status_code == 409, stale.json
        assert stale.json["current"]["version"] == 2
        assert stale.json["current"]["status"] == "reported"
    assert _counts(client, hdr, inc) == before


def test_status_transitions_over_http(client, hdr):
    inc = _saved(client, hdr)
    url = f"/api/v1/incidents/{inc}/status"
    jump = client.post(url, headers=hdr["duty_officer"],
                       json={"expected_version": 1, "status": "monitoring"})
    assert jump.status_code == 409 and jump.json["current"]["status"] == "reported"
    assert client.post(url, headers=hdr["duty_officer"], json={
        "expected_version": 1, "status": "paused"}).status_code == 422
    v = 1
    for status in ("responding", "monitoring", "closed"):
        resp = client.post(url, headers=hdr["leader"],
                           json={"expected_version": v, "status": status})
        assert resp.status_code == 200 and resp.json["status"] == status
        v = resp.json["version"]
    before = _counts(client, hdr, inc)
    closed = client.patch(f"/api/v1/incidents/{inc}/facts", headers=hdr["duty_officer"],
                          json={"expected_version": v, "mass_kg": 5})
    assert closed.status_code == 409 and closed.json["current"]["status"] == "closed"
    assert _counts(client, hdr, inc) == before
    kinds = [e["kind"] for e in client.get(f"/api/v1/incidents/{inc}/events",
                                           headers=hdr["admin"]).json["events"]]
    assert kinds == ["created", "status_changed", "status_changed", "closed"]
    reopen = client.post(url, headers=hdr["admin"],
                         json={"expected_version": v, "status": "monitoring"})
    assert reopen.status_code == 200 and reopen.json["status"] == "monitoring"


@pytest.mark.parametrize("role", ["field_team", "planner"])
def test_field_teams_and_planners_read_but_cannot_change(client, hdr, role):
    inc = _saved(client, hdr)
    before = _counts(client, hdr, inc)
    assert client.get(f"/api/v1/incidents/{inc}", headers=hdr[role]).status_code == 200
    for method, url, body in (
            (client.patch, f"/api/v1/incidents/{inc}/facts", {"mass_kg": 10}),
            (client.post, f"/api/v1/incidents/{inc}/status", {"status": "responding"}),
            (client.post, "/api/v1/incidents", {"request": BODY})):
        resp = method(url, headers=hdr[role], json={"expected_version": 1, **body})
        assert resp.status_code == 403 and resp.json["fields"]["role"] == role
    assert _counts(client, hdr, inc) == before


def test_anonymous_callers_never_see_incidents_even_with_public_read(client, hdr, app):
    assert app.config["PUBLIC_READ"] is True
    inc = _saved(client, hdr)
    drill = _saved(client, hdr, kind="drill")
    for path in ("/api/v1/incidents", "/api/v1/incidents?kind=drill",
                 f"/api/v1/incidents/{inc}", f"/api/v1/incidents/{inc}/events",
                 f"/api/v1/incidents/{inc}/revisions", f"/api/v1/incidents/{inc}/revisions/1",
                 f"/api/v1/incidents/{inc}/export.json", f"/api/v1/incidents/{inc}/timeline.csv",
                 f"/api/v1/incidents/{inc}/sheet.pdf", f"/incidents/{inc}/sheet.pdf",
                 f"/api/v1/incidents/{inc}/sheet.zip", f"/api/v1/incidents/{inc}/export.xlsx",
                 f"/api/v1/incidents/{drill}/export.geojson"):
        resp = client.get(path)
        assert resp.status_code == 401, path
    page = client.get(f"/incidents/{inc}")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    for method, url, body in (
            (client.patch, f"/api/v1/incidents/{inc}/facts", {"mass_kg": 10}),
            (client.post, f"/api/v1/incidents/{inc}/status", {"status": "responding"}),
            (client.post, f"/api/v1/incidents/{inc}/comments", {"text": "hi"})):
        assert method(url, json={"expected_version": 1, **body}).status_code == 401
    assert _counts(client, hdr, inc) == (1, 1, 1)
    # layers and analyses stay public
    assert client.get("/api/v1/rivers").status_code == 200
    assert client.post("/api/v1/incidents/analyze", json=BODY).status_code == 200


def test_the_timeline_is_exported_with_the_incident(client, hdr, tmp_path):
    inc = _saved(client, hdr)
    client.patch(f"/api/v1/incidents/{inc}/facts", headers=hdr["duty_officer"],
                 json={"expected_version": 1, "mass_kg": 900})
    v = client.get(f"/api/v1/incidents/{inc}", headers=hdr["admin"]).json["version"]
    assert client.post(f"/api/v1/incidents/{inc}/comments", headers=hdr["leader"],
                       json={"expected_version": v, "text": "通知下游水厂"}).status_code == 201
    data = client.get(f"/api/v1/incidents/{inc}/export.json", headers=hdr["planner"])
    assert data.status_code == 200 and "attachment" in data.headers["Content-Disposition"]
    body = data.json
    assert [e["kind"] for e in body["events"]] == ["created", "facts_revised",
                                                   "analysis_rerun", "comment"]
    assert [r["revision_no"] for r in body["revisions"]] == [1, 2]
    assert body["incident"]["facts"]["release"]["mass_kg"] == 900
    rows = list(csv.reader(io.StringIO(client.get(
        f"/api/v1/incidents/{inc}/timeline.csv", headers=hdr["planner"]
    ).get_data().decode("utf-8-sig"))))
    assert rows[0][:3] == ["seq", "at", "kind"] and rows[-1][2] == "comment"
    assert rows[-1][3] == "h_leader" and rows[-1][5] == "通知下游水厂"
    xl = client.get(f"/api/v1/incidents/{inc}/export.xlsx", headers=hdr["planner"])
    wb = load_workbook(io.BytesIO(xl.get_data()))
    ws = wb["时间线"]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[0] == ["序号", "时间", "事件", "人员", "内容"]
    assert [r[2] for r in values[1:]] == ["创建事件", "事实修订", "重新分析", "备注"]
    assert values[-1][3] == "h_leader (leader)" and values[-1][4] == "通知下游水厂"
    en = load_workbook(io.BytesIO(client.get(f"/api/v1/incidents/{inc}/export.xlsx?lang=en",
                                             headers=hdr["planner"]).get_data()))
    assert [c.value for c in en["Timeline"][1]] == ["No.", "When", "Event", "Who", "What"]
    pdf = client.get(f"/api/v1/incidents/{inc}/sheet.pdf?lang=en", headers=hdr["planner"])
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    (tmp_path / "s.pdf").write_bytes(pdf.get_data())
    text = subprocess.run(["pdftotext", str(tmp_path / "s.pdf"), "-"], check=True,
                          capture_output=True, text=True).stdout
    assert "Timeline" in text and "Facts revised" in text and "Analysis re-run" in text


def test_the_page_shows_the_incident_tabs_to_signed_in_users_only(client, hdr):
    inc = _saved(client, hdr)
    anonymous = client.get("/").get_data(as_text=True)
    for absent in ('data-tab="facts"', 'data-tab="timeline"', 'data-tab="list"',
                   'id="facts-form"', 'id="tl-comment"'):
        assert absent not in anonymous
    officer = client.get(f"/incidents/{inc}", headers=hdr["duty_officer"])
    assert officer.status_code == 200
    html = officer.get_data(as_text=True)
    for present in ('data-tab="facts"', 'data-tab="timeline"', 'id="facts-form"',
                    'id="fx-status-actions"', 'id="tl-comment"', 'name="list-kind"'):
        assert present in html
    team = client.get(f"/incidents/{inc}", headers=hdr["field_team"]).get_data(as_text=True)
    assert 'id="tl-comment"' in team and 'id="fx-revision"' in team
    assert 'id="facts-form"' not in team and 'id="fx-status-actions"' not in team
    leader = client.get(f"/incidents/{inc}", headers=hdr["leader"]).get_data(as_text=True)
    assert 'id="facts-form"' in leader

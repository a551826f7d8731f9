"""Drills on real PostGIS (mini dataset): create from a scenario with injects → play them
accelerated with an injected clock (idempotent, each once, in the timeline as the system's
``drill``) → officers act → score → DOCX and PDF read back; bad input is a 422 naming the
field with nothing stored; drills never appear among real incidents."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import docx
import pytest
from sqlalchemy import func, select

from webgis.config import Settings
from webgis.contract.drills import Drill as DrillOut
from webgis.contract.drills import DrillCreate, Score, TickResult
from webgis.models import Drill, Incident
from webgis.services import analysis, drills, incidents, users
from webgis.services.actor import Actor

PASSWORD = "ten chars!"
ON_RIVER = {"lon": 103.1, "lat": 35.92}
SCRIPT = [
    {"kind": "message", "at_h": 0, "text": "演练开始：罐车侧翻"},
    {"kind": "reading", "at_h": 1.5, "station_code": "SEC_A", "value_mg_l": 0.05},
    {"kind": "facts", "at_h": 3, "mass_kg": 12000, "note": "质量修正为12吨"},
    {"kind": "casualty", "at_h": 5, "poisoned": 2},
]


@pytest.fixture
def hdr(app, client):
    analysis.recent.clear()
    out = {}
    with app.app_context():
        for name, role in (("d_planner", "planner"), ("d_officer", "duty_officer"),
                           ("d_leader", "leader"), ("d_field", "field_team")):
            users.create_user(name, role, PASSWORD)
            token, _ = users.issue_token(name, 1)
            out[role] = {"Authorization": f"Bearer {token}"}
    yield out
    analysis.recent.clear()


@pytest.fixture
def scenario_id(client, hdr) -> int:
    res = client.post("/api/v1/scenarios", headers=hdr["planner"], json={
        "name": "苯泄漏演练", "location": ON_RIVER, "pollutant": "BENZENE", "mass_kg": 5000,
        "season": "dry"})
    assert res.status_code == 201, res.get_json()
    return res.get_json()["id"]


def _counts(session) -> tuple[int, int]:
    return (session.scalar(select(func.count()).select_from(Drill)),
            session.scalar(select(func.count()).select_from(Incident)
                           .where(Incident.kind == "drill")))


def _planner(session) -> Actor:
    from webgis.models import User
    u = session.scalar(select(User).where(User.username == "d_planner"))
    return Actor(u.id, u.username, u.role)


def test_play_accelerated_score_and_report(app, session, client, hdr, scenario_id):
    settings = Settings.from_mapping(app.config)
    t0 = datetime.now(UTC) - timedelta(minutes=6)  # ×60: 6 wall min = 6 drill hours ago
    with app.app_context():
        d = drills.create_drill(DrillCreate.model_validate(
            {"scenario_id": scenario_id, "speed": 60, "injects": SCRIPT}),
            _planner(session), settings, now=t0)
        assert [i["played_at"] for i in d["injects"]] == [None] * 4
        assert d["injects"][2]["due_at"] == (t0 + timedelta(minutes=3)).isoformat()
        # T+2 h (2 wall minutes at ×60): the message and the reading
        out = drills.play_due(d["id"], t0 + timedelta(minutes=2), settings)
        assert out["played"] == [0, 1]
        assert drills.play_due(d["id"], t0 + timedelta(minutes=2), settings)["played"] == []
        out = drills.play_due(d["id"], t0 + timedelta(minutes=5, seconds=1), settings)
        assert out["played"] == [2, 3] and out["drill"]["status"] == "played"
        assert all(i["played_at"] and not i.get("error") for i in out["drill"]["injects"])
        assert drills.play_due(d["id"], t0 + timedelta(hours=9), settings)["played"] == []
    inc_id = d["incident_id"]
    log = client.get(f"/api/v1/incidents/{inc_id}/events", headers=hdr["leader"]).get_json()
    by_drill = [(e["kind"], e["actor"]) for e in log["events"] if e["actor_role"] == "system"]
    kinds = [k for k, _ in by_drill]
    assert kinds[0] == "comment" and kinds[1] == "reading_entered"
    assert kinds.count("facts_revised") == 2 and {a for _, a in by_drill} == {"drill"}
    detail = client.get(f"/api/v1/incidents/{inc_id}", headers=hdr["leader"]).get_json()
    assert detail["kind"] == "drill" and detail["facts"]["release"]["mass_kg"] == 12000
    assert detail["facts"]["casualties"]["poisoned"] == 2
    readings = client.get(f"/api/v1/incidents/{inc_id}/readings",
                          headers=hdr["leader"]).get_json()["readings"]
    assert [(r["station_code"], r["value_mg_l"]) for r in readings] == [("SEC_A", 0.05)]
    assert readings[0]["sampled_at"].startswith(
        (t0 + timedelta(hours=1.5)).astimezone(UTC).isoformat()[:16])
    # officers act now, ~6 drill hours in: the initial report is late (2 h or 4 h limit)
    ver = detail["version"]
    rep = client.post(f"/api/v1/incidents/{inc_id}/reports", headers=hdr["duty_officer"],
                      json={"kind": "initial", "expected_version": ver})
    assert rep.status_code == 201, rep.get_json()
    res = client.post(f"/api/v1/incidents/{inc_id}/reports/{rep.get_json()['id']}/issue",
                      headers=hdr["leader"], json={"expected_version": ver + 1})
    assert res.status_code == 200, res.get_json()
    score = client.get(f"/api/v1/drills/{d['id']}/score", headers=hdr["planner"]).get_json()
    first = score["criteria"][0]
    assert first["group"] == "report" and first["outcome"] == "late"
    assert first["due_h"] in (2.0, 4.0) and first["late_h"] > 1.5 and "第三条" in first["reference"]
    assert score["met"] + score["late"] + score["missing"] == len(score["criteria"])
    assert score["total"] == round(100 * (score["met"] + score["late"] / 2)
                                   / len(score["criteria"]), 1)
    assert any(c["group"] == "plan" for c in score["criteria"])
    # the report files, read back
    res = client.get(f"/api/v1/drills/{d['id']}/report.docx", headers=hdr["planner"])
    assert res.status_code == 200
    document = docx.Document(io.BytesIO(res.data))
    text = "\n".join([p.text for p in document.paragraphs] + [
        c.text for t in document.tables for row in t.rows for c in row.cells])
    assert "Drill after-action report" in text and "初报 initial report" in text
    assert "迟延 late by" in text, text
    assert "质量修正为12吨" in text, text
    assert "drill inject #2 (T+3 h)" in text, text
    res = client.get(f"/api/v1/drills/{d['id']}/report.pdf", headers=hdr["planner"])
    assert res.status_code == 200 and res.data[:5] == b"%PDF-"
    if shutil.which("pdftotext"):
        pdf_text = subprocess.run(["pdftotext", "-", "-"], input=res.data,
                                  capture_output=True, check=True).stdout.decode()
        assert "Drill after-action report" in pdf_text and "reading_entered" in pdf_text
    # drills never mix with real incidents
    with app.app_context():
        listed = incidents.list_incidents(100, show_names=True)
    assert inc_id not in [x["id"] for x in listed]


def test_api_create_tick_end_and_roles(app, session, client, hdr, scenario_id):
    body = {"scenario_id": scenario_id, "speed": 10, "injects": [
        {"kind": "message", "at_h": 0, "text": "开始"},
        {"kind": "message", "at_h": 100, "text": "later"}]}
    assert client.post("/api/v1/drills", json=body, headers=hdr["duty_officer"]
                       ).status_code == 403
    assert client.post("/api/v1/drills", json=body).status_code == 401
    res = client.post("/api/v1/drills", json=body, headers=hdr["planner"])
    assert res.status_code == 201, res.get_json()
    d = res.get_json()
    DrillOut.model_validate(d)
    assert d["speed"] == 10 and d["url"] == f"/incidents/{d['incident_id']}"
    assert client.post(f"/api/v1/drills/{d['id']}/tick", headers=hdr["field_team"]
                       ).status_code == 403
    tick = client.post(f"/api/v1/drills/{d['id']}/tick", headers=hdr["duty_officer"])
    assert tick.status_code == 200 and tick.get_json()["played"] == [0]
    TickResult.model_validate(tick.get_json())
    Score.model_validate(client.get(f"/api/v1/drills/{d['id']}/score",
                                    headers=hdr["duty_officer"]).get_json())
    again = client.post(f"/api/v1/drills/{d['id']}/tick", headers=hdr["planner"]).get_json()
    assert again["played"] == [] and again["drill"]["injects"][1]["played_at"] is None
    assert client.get(f"/api/v1/drills/{d['id']}", headers=hdr["planner"]
                      ).get_json()["status"] == "running"
    assert client.post(f"/api/v1/drills/{d['id']}/end", headers=hdr["duty_officer"]
                       ).status_code == 403
    ended = client.post(f"/api/v1/drills/{d['id']}/end", headers=hdr["planner"]).get_json()
    assert ended["status"] == "ended"
    with app.app_context():  # even when its time has come, an ended drill plays nothing
        out = drills.play_due(d["id"], datetime.now(UTC) + timedelta(hours=11),
                              Settings.from_mapping(app.config))
    assert out["played"] == [] and out["drill"]["injects"][1]["played_at"] is None
    assert client.get("/api/v1/drills/999999", headers=hdr["planner"]).status_code == 404
    assert client.get(f"/api/v1/drills/{d['id']}/report.odt",
                      headers=hdr["planner"]).status_code == 422


@pytest.mark.parametrize(("patch", "field"), [
    ({"scenario_id": 999999}, "scenario_id"),
    ({"speed": 5}, "speed"),
    ({"injects": [{"kind": "message", "at_h": -1, "text": "x"}]}, "at_h"),
    ({"injects": [{"kind": "reading", "at_h": 1, "station_code": "NOPE",
                   "value_mg_l": 0.1}]}, "injects[0].station_code"),
    # the shared error formatter names a discriminated union's item, not its sub-field
    ({"injects": [{"kind": "casualty", "at_h": 1, "deaths": -2}]}, "injects[0]"),
    ({"injects": [{"kind": "boom", "at_h": 1}]}, "injects"),
])
def test_bad_input_is_422_naming_the_field_and_stores_nothing(session, client, hdr,
                                                              scenario_id, patch, field):
    before = _counts(session)
    body = {"scenario_id": scenario_id, "speed": 60, "injects": [], **patch}
    res = client.post("/api/v1/drills", json=body, headers=hdr["planner"])
    assert res.status_code == 422, res.get_json()
    assert any(field in k for k in res.get_json()["fields"]), res.get_json()
    assert _counts(session) == before


def test_cli_plays_what_is_due_and_stops_when_done(app, session, runner, hdr, scenario_id):
    t0 = datetime.now(UTC) - timedelta(minutes=2)  # ×60: T+2 h now
    with app.app_context():
        d = drills.create_drill(DrillCreate.model_validate({
            "scenario_id": scenario_id, "speed": 60, "injects": [
                {"kind": "message", "at_h": 1, "text": "一"},
                {"kind": "message", "at_h": 500, "text": "much later"}]}),
            _planner(session), Settings.from_mapping(app.config), now=t0)
    out = runner.invoke(args=["drill", "play", str(d["id"]), "--once"])
    assert out.exit_code == 0, out.output
    assert "T+1 h #0 message played" in out.output and "1 inject(s) left" in out.output
    again = runner.invoke(args=["drill", "play", str(d["id"]), "--once"])
    assert "#0" not in again.output and "1 inject(s) left" in again.output
    gone = runner.invoke(args=["drill", "play", "999999", "--once"])
    assert gone.exit_code == 1 and "drill_id" in gone.output


def test_an_inject_the_incident_refuses_is_marked_not_retried(app, session, client, hdr,
                                                              scenario_id):
    settings = Settings.from_mapping(app.config)
    t0 = datetime.now(UTC) - timedelta(minutes=10)
    with app.app_context():
        d = drills.create_drill(DrillCreate.model_validate({
            "scenario_id": scenario_id, "speed": 60, "injects": [
                {"kind": "message", "at_h": 1, "text": "after closing"}]}),
            _planner(session), settings, now=t0)
    inc = client.get(f"/api/v1/incidents/{d['incident_id']}", headers=hdr["leader"]).get_json()
    res = client.post(f"/api/v1/incidents/{d['incident_id']}/status", headers=hdr["leader"],
                      json={"status": "closed", "expected_version": inc["version"]})
    assert res.status_code == 200, res.get_json()
    with app.app_context():
        out = drills.play_due(d["id"], t0 + timedelta(minutes=2), settings)
        assert out["played"] == [0] and "conflict" in out["drill"]["injects"][0]["error"]
        assert drills.play_due(d["id"], t0 + timedelta(minutes=3), settings)["played"] == []

"""River plans as living documents (issue 17 item 4) on real PostGIS: a draft edited,
reviewed by another person and issued by a leader becomes the steps the next analysis
uses; stale edits are refused; the progress shows the reported 35/53 apart from what is
recorded; every action is audited."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import bearer_for
from webgis.models.plan import PlanVersion
from webgis.models.supervision import AuditEntry
from webgis.services import analysis

PASSWORD = "ten chars!"
BODY = {  # a benzene spill on the tributary (plan TRIB)
    "location": {"lon": 103.1, "lat": 35.92}, "pollutant": "BENZENE",
    "release": {"mass_kg": 2000, "duration_h": 0},
    "started_at": "2026-05-01T08:00:00+08:00", "discovered_at": "2026-05-01T08:40:00+08:00",
}
NEW_STEP = {"phase": "contain", "order": 1, "text_zh": "关闭支流甲闸，封堵企业雨水排口",
            "text_en": "Close sluice A and plug the plant's storm outfall",
            "responsible": "县级生态环境分局", "due_min": 90, "classes": [],
            "min_level": None}
REPORT_STEP = {"phase": "report", "order": 1, "text_zh": "核实并初报",
               "responsible": "县级生态环境分局", "due_min": 240}


@pytest.fixture
def people(app, client, session):
    analysis.recent.clear()
    yield {"planner": bearer_for(app, "pl_planner", "planner"),
           "reviewer": bearer_for(app, "pl_reviewer", "duty_officer"),
           "leader": bearer_for(app, "pl_leader", "leader"),
           "field": bearer_for(app, "pl_field", "field_team")}
    analysis.recent.clear()


def _steps_in_analysis(client, hdr) -> list[str]:
    r = client.post("/api/v1/incidents/analyze", json=BODY, headers=hdr)
    assert r.status_code == 200, r.json
    return [s["text"] for s in r.json["plan"]["steps"]]


def _count(session, model) -> int:
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_draft_review_issue_and_the_next_analysis_uses_the_issued_steps(client, people,
                                                                        session):
    p, rv, lead = people["planner"], people["reviewer"], people["leader"]
    assert "关闭支流甲闸，封堵企业雨水排口" not in _steps_in_analysis(client, p)
    d = client.put("/api/v1/river-plans/TRIB/draft", headers=p,
                   json={"steps": [REPORT_STEP, NEW_STEP], "note": "增加拦截步骤"})
    assert d.status_code == 200, d.json
    assert d.json["status"] == "drafted" and d.json["in_use"] == "bundled"
    [v1] = d.json["versions"]
    assert (v1["version_no"], v1["status"], v1["row_version"]) == (1, "draft", 1)
    # a draft is not used by incidents
    assert "关闭支流甲闸，封堵企业雨水排口" not in _steps_in_analysis(client, p)
    # the author cannot review their own draft; issuing a draft is refused
    assert client.post("/api/v1/river-plans/TRIB/review", headers=p,
                       json={"expected_row_version": 1}).status_code == 403
    assert client.post("/api/v1/river-plans/TRIB/issue", headers=lead,
                       json={"expected_row_version": 1}).status_code == 409
    r = client.post("/api/v1/river-plans/TRIB/review", headers=rv, json={"expected_row_version": 1})
    assert r.status_code == 200 and r.json["status"] == "reviewed"
    # only a leader issues
    assert client.post("/api/v1/river-plans/TRIB/issue", headers=rv,
                       json={"expected_row_version": 2}).status_code == 403
    i = client.post("/api/v1/river-plans/TRIB/issue", headers=lead,
                    json={"expected_row_version": 2})
    assert i.status_code == 200, i.json
    assert i.json["status"] == "issued" and i.json["in_use"] == "issued"
    assert i.json["versions"][0]["issued_by"] == "pl_leader"
    assert i.json["revision_due_on"] is not None
    steps = _steps_in_analysis(client, p)
    assert "关闭支流甲闸，封堵企业雨水排口" in steps
    # a second version supersedes the first when issued
    d2 = client.put("/api/v1/river-plans/TRIB/draft", headers=p,
                    json={"steps": [REPORT_STEP], "note": "删除"})
    assert d2.json["versions"][-1]["version_no"] == 2
    client.post("/api/v1/river-plans/TRIB/review", headers=rv, json={"expected_row_version": 1})
    client.post("/api/v1/river-plans/TRIB/issue", headers=lead, json={"expected_row_version": 2})
    statuses = [v["status"] for v in client.get("/api/v1/river-plans/TRIB",
                                                headers=p).json["versions"]]
    assert statuses == ["superseded", "issued"]
    assert "关闭支流甲闸，封堵企业雨水排口" not in _steps_in_analysis(client, p)
    actions = session.execute(select(AuditEntry.action).where(AuditEntry.object_code == "TRIB")
                              .order_by(AuditEntry.id)).scalars().all()
    assert actions == ["plan_draft_saved", "plan_reviewed", "plan_issued",
                       "plan_draft_saved", "plan_reviewed", "plan_issued"]


def test_a_stale_draft_save_is_refused_and_editing_undoes_a_review(client, people, session):
    p, rv = people["planner"], people["reviewer"]
    client.put("/api/v1/river-plans/MAIN/draft", headers=p, json={"steps": [REPORT_STEP]})
    client.post("/api/v1/river-plans/MAIN/review", headers=rv, json={"expected_row_version": 1})
    before = (_count(session, PlanVersion), _count(session, AuditEntry))
    stale = client.put("/api/v1/river-plans/MAIN/draft", headers=p,
                       json={"expected_row_version": 1, "steps": [REPORT_STEP]})
    assert stale.status_code == 409 and stale.json["current"]["row_version"] == 2
    start_again = client.put("/api/v1/river-plans/MAIN/draft", headers=p,
                             json={"steps": [REPORT_STEP]})
    assert start_again.status_code == 409  # there is an open draft: say which version
    assert (_count(session, PlanVersion), _count(session, AuditEntry)) == before
    edit = client.put("/api/v1/river-plans/MAIN/draft", headers=p,
                      json={"expected_row_version": 2, "steps": [REPORT_STEP, NEW_STEP]})
    assert edit.status_code == 200 and edit.json["versions"][0]["status"] == "draft"
    assert edit.json["versions"][0]["reviewed_by"] is None


@pytest.mark.parametrize("steps, field", [
    ([], "steps"),
    ([{**NEW_STEP, "phase": "pray"}], "steps[0].phase"),
    ([{**NEW_STEP, "text_zh": ""}], "steps[0].text_zh"),
    ([{**NEW_STEP, "due_min": -5}], "steps[0].due_min"),
    ([{**NEW_STEP, "classes": ["plutonium"]}], "steps[0].classes[0]"),
    ([{**NEW_STEP, "min_level": "V"}], "steps[0].min_level"),
    ([NEW_STEP, NEW_STEP], "steps"),
    ([{**NEW_STEP, "colour": 1}], "steps[0].colour"),
])
def test_bad_steps_name_the_field_and_store_nothing(client, people, session, steps, field):
    before = (_count(session, PlanVersion), _count(session, AuditEntry))
    r = client.put("/api/v1/river-plans/TRIB/draft", headers=people["planner"],
                   json={"steps": steps})
    assert r.status_code == 422, r.json
    assert field in r.json["fields"], r.json
    assert (_count(session, PlanVersion), _count(session, AuditEntry)) == before


def test_progress_keeps_reported_and_recorded_apart_and_roles(client, people):
    board = client.get("/api/v1/river-plans", headers=people["field"]).json
    assert board["reported"] == {"compiled": 1, "to_compile": 1}  # MAIN batch 1, TRIB 2
    assert board["recorded"] == {"bundled": 2}
    rows = {r["river_code"]: r for r in board["rivers"]}
    assert rows["MAIN"]["reported_status"] == "compiled"
    assert rows["TRIB"]["reported_status"] == "to_compile"
    assert client.put("/api/v1/river-plans/TRIB/draft", headers=people["field"],
                      json={"steps": [REPORT_STEP]}).status_code == 403
    assert client.get("/api/v1/river-plans").status_code == 401
    assert client.get("/api/v1/river-plans/NOPE", headers=people["field"]).status_code == 404


def test_the_plan_pages_render_in_chinese(app, client, people):
    from tests.integration.supervision.test_hazards import _sign_in

    assert client.get("/plans").status_code in (302, 303)
    _sign_in(client, app, "pl_page", "planner")
    page = client.get("/plans").data.decode()
    assert "已编制 1 条，尚需编制 1 条" in page and "公布数据，非本系统统计" in page
    edit = client.get("/plans/TRIB").data.decode()
    assert "支流突发水污染事件应急处置方案" in edit and 'id="save-draft"' in edit
    assert "内置步骤" in edit

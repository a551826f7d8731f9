"""Reports on a living incident (issue 14 item 4): drafted from the incident with the
contents the 2011 measures require for each kind, edited while a draft, issued by a leader,
immutable once issued (the service says 409, the database refuses too), numbered, corrected
by a new report; the reporting clock; the DOCX and the PDF read back."""

from __future__ import annotations

import io
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from docx import Document
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from webgis.config import Settings
from webgis.errors import Conflict, Forbidden, NotFound, Unprocessable
from webgis.models.incident import IncidentEvent, IncidentReading
from webgis.models.report import IncidentReport
from webgis.services import analysis, incidents, reports, users
from webgis.services.actor import Actor
from webgis.services.report_draft import SECTIONS

BODY = {
    "location": {"lon": 103.1, "lat": 35.92},
    "pollutant": "BENZENE",
    "release": {"mass_kg": 2000, "duration_h": 0},
    "started_at": "2026-05-01T08:00:00+08:00",
    "discovered_at": "2026-05-01T08:40:00+08:00",
    "casualties": {"deaths": 1, "poisoned": 4},
    "evacuated": 120,
}
PASSWORD = "ten chars!"
SETTINGS = Settings()


@pytest.fixture
def people(app, session):
    analysis.recent.clear()
    with app.app_context():
        out = {}
        for name, role in (("rep_officer", "duty_officer"), ("rep_leader", "leader")):
            users.create_user(name, role, PASSWORD)
            out[role] = Actor(users.authenticate(name, PASSWORD).id, name, role)
        yield out
    analysis.recent.clear()


def _incident(actor: Actor) -> int:
    return incidents.save_incident(BODY, kind="incident", title="苯泄漏演示",
                                   user_id=actor.id, username=actor.username,
                                   role=actor.role)["id"]


def _version(inc_id: int) -> int:
    return incidents.list_events(inc_id, show_names=True)["version"]


def _counts(session, inc_id: int) -> tuple[int, int]:
    reps = session.execute(select(func.count()).select_from(IncidentReport)
                           .where(IncidentReport.incident_id == inc_id)).scalar_one()
    evs = session.execute(select(func.count()).select_from(IncidentEvent)
                          .where(IncidentEvent.incident_id == inc_id)).scalar_one()
    return reps, evs


def _text(rep: dict) -> dict[str, str]:
    return {s["key"]: s["text"] for s in rep["sections"]}


def test_an_initial_report_is_drafted_with_every_item_of_art_13(people):
    officer = people["duty_officer"]
    inc_id = _incident(officer)
    rep = reports.draft_report(inc_id, "initial", 1, officer)
    assert (rep["kind"], rep["number"], rep["status"]) == ("initial", 1, "draft")
    assert rep["doc_no"] == f"2026-{inc_id}-CB-01" or rep["doc_no"].endswith(f"-{inc_id}-CB-01")
    assert rep["title"] == "初报（第1号）"
    sections = _text(rep)
    assert list(sections) == [k for k, _zh, _en in SECTIONS["initial"]]
    assert "2026-05-01 08:40" in sections["time"] and "2026-05-01 08:00" in sections["time"]
    assert "苯" in sections["pollutant"] and "2000 kg" in sections["pollutant"]
    assert "死亡 1 人" in sections["casualties"] and "疏散、转移 120 人" in sections["casualties"]
    assert "经度 103.1" in sections["place"]
    assert "初步认定为" in sections["level"] and "分钟" in sections["level"]
    assert "尚无监测数据" in sections["monitoring"]
    assert "模型估算" in sections["trend"] and "模型估算" in sections["affected"]
    assert sections["actions"] and sections["planned"] and sections["requests"]
    assert "rep_officer" in sections["contact"]
    log = incidents.list_events(inc_id, show_names=True)
    assert log["version"] == 2 and log["events"][-1]["kind"] == "report_drafted"
    assert log["events"][-1]["payload"]["doc_no"] == rep["doc_no"]


def test_edit_then_issue_by_a_leader_and_then_nothing_changes(people, session):
    officer, leader = people["duty_officer"], people["leader"]
    inc_id = _incident(officer)
    rep = reports.draft_report(inc_id, "initial", 1, officer)
    edited = reports.edit_report(inc_id, rep["id"], 2, officer,
                                 {"cause": "槽车侧翻，苯泄漏入河", "unit": "某县生态环境局"})
    assert _text(edited)["cause"] == "槽车侧翻，苯泄漏入河"
    assert _text(edited)["time"] == _text(rep)["time"]  # untouched sections stay
    before = _counts(session, inc_id)
    with pytest.raises(Forbidden):  # a duty officer may not issue (default settings)
        reports.issue_report(inc_id, rep["id"], 3, officer, SETTINGS)
    assert _counts(session, inc_id) == before
    assert reports.issue_report(inc_id, rep["id"], 3, officer,
                                Settings(duty_officer_may_issue=True))["status"] == "issued"
    with pytest.raises(Conflict):
        reports.issue_report(inc_id, rep["id"], 4, leader, SETTINGS)
    with pytest.raises(Conflict) as err:
        reports.edit_report(inc_id, rep["id"], 4, officer, {"cause": "改"})
    assert err.value.fields == {"status": "issued"}
    assert _counts(session, inc_id) == (before[0], before[1] + 1)
    stored = reports.get_report(inc_id, rep["id"])
    assert _text(stored)["cause"] == "槽车侧翻，苯泄漏入河"
    assert stored["issued_by"] == "rep_officer" and stored["issued_at"]
    kinds = [e["kind"] for e in incidents.list_events(inc_id, show_names=True)["events"]]
    assert kinds == ["created", "report_drafted", "report_edited", "report_issued"]


def test_the_database_refuses_to_change_or_delete_an_issued_report(people, session):
    officer, leader = people["duty_officer"], people["leader"]
    inc_id = _incident(officer)
    rep = reports.draft_report(inc_id, "initial", 1, officer)
    nested = session.begin_nested()
    session.execute(text("UPDATE incident_report SET title = 'draft may change' "
                         "WHERE id = :i"), {"i": rep["id"]})
    nested.rollback()
    reports.issue_report(inc_id, rep["id"], 2, leader, SETTINGS)
    for sql in ("UPDATE incident_report SET content = '{}'::jsonb WHERE id = :i",
                "DELETE FROM incident_report WHERE id = :i"):
        nested = session.begin_nested()
        with pytest.raises(DBAPIError, match="is issued"):
            session.execute(text(sql), {"i": rep["id"]})
        nested.rollback()
    assert _text(reports.get_report(inc_id, rep["id"]))["time"]


def test_bad_input_stores_nothing(people, session):
    officer = people["duty_officer"]
    inc_id = _incident(officer)
    rep = reports.draft_report(inc_id, "initial", 1, officer)
    before = _counts(session, inc_id)
    with pytest.raises(Unprocessable) as err:
        reports.edit_report(inc_id, rep["id"], 2, officer, {"no_such": "x", "cause": "y"})
    assert err.value.fields == {"content.no_such": "not a section of this kind of report"}
    with pytest.raises(Conflict) as stale:
        reports.edit_report(inc_id, rep["id"], 1, officer, {"cause": "stale"})
    assert stale.value.extra["current"]["version"] == 2
    with pytest.raises(Unprocessable) as err:
        reports.draft_report(inc_id, "weekly", 2, officer)
    assert "kind" in err.value.fields
    with pytest.raises(Conflict) as err:  # one open draft per kind
        reports.draft_report(inc_id, "initial", 2, officer)
    assert err.value.extra["report_id"] == rep["id"]
    with pytest.raises(Conflict):  # no follow-up before the initial report is issued
        reports.draft_report(inc_id, "followup", 2, officer)
    with pytest.raises(Unprocessable) as err:  # a draft cannot be corrected
        reports.draft_report(inc_id, None, 2, officer, corrects=rep["id"])
    assert "corrects" in err.value.fields
    with pytest.raises(NotFound):
        reports.edit_report(inc_id, 987654, 2, officer, {"cause": "x"})
    same = reports.edit_report(inc_id, rep["id"], 2, officer, {"cause": _text(rep)["cause"]})
    assert same == reports.get_report(inc_id, rep["id"])  # nothing changed, nothing written
    assert _counts(session, inc_id) == before and _version(inc_id) == 2
    assert _text(reports.get_report(inc_id, rep["id"]))["cause"] == _text(rep)["cause"]


def test_follow_ups_are_numbered_and_report_what_is_new(people, session):
    officer, leader = people["duty_officer"], people["leader"]
    inc_id = _incident(officer)
    first = reports.draft_report(inc_id, "initial", 1, officer)
    reports.issue_report(inc_id, first["id"], 2, leader, SETTINGS)
    sampled = datetime(2026, 5, 1, 3, 30, tzinfo=UTC)
    session.add(IncidentReading(
        incident_id=inc_id, station_kind="section", station_code="SEC-TEST-1",
        reach_code="R1", measure_m=0.0, lon=103.2, lat=35.9,
        geom=func.ST_SetSRID(func.ST_MakePoint(103.2, 35.9), 4326), sampled_at=sampled,
        pollutant_code="BENZENE", value_mg_l=0.034, source="hand",
        entered_by_id=officer.id, entered_at=datetime.now(UTC)))
    intake = next(r for r in incidents.get_incident(inc_id, show_names=True)["result"]
                  ["receptors"] if r["kind"] == "water_source")
    session.add(IncidentReading(
        incident_id=inc_id, station_kind="intake", station_code=intake["code"],
        reach_code="R1", measure_m=0.0, lon=103.2, lat=35.9,
        geom=func.ST_SetSRID(func.ST_MakePoint(103.2, 35.9), 4326), sampled_at=sampled,
        pollutant_code="BENZENE", value_mg_l=intake["limit_mgl"] * 5, source="hand",
        entered_by_id=officer.id, entered_at=datetime.now(UTC)))
    session.flush()
    one = reports.draft_report(inc_id, "followup", 3, officer)
    assert (one["number"], one["title"]) == (1, "续报（第1号）")
    assert one["doc_no"].endswith("-XB-01")
    sections = _text(one)
    assert list(sections) == [k for k, _zh, _en in SECTIONS["followup"]]
    assert "SEC-TEST-1" in sections["monitoring"] and "0.034" in sections["monitoring"]
    assert "共 2 个监测数据" in sections["monitoring"]
    assert f"限值 {intake['limit_mgl']:g} mg/L，超标 4 倍" in sections["monitoring"]
    assert "初报（第1号）" in sections["since"]
    reports.issue_report(inc_id, one["id"], 4, leader, SETTINGS)
    two = reports.draft_report(inc_id, "followup", 5, officer)
    assert (two["number"], two["doc_no"][-6:]) == (2, "-XB-02")
    assert "无新的监测数据" in _text(two)["monitoring"]


def test_a_correction_is_a_new_report_naming_the_one_it_corrects(people):
    officer, leader = people["duty_officer"], people["leader"]
    inc_id = _incident(officer)
    first = reports.draft_report(inc_id, "initial", 1, officer)
    reports.edit_report(inc_id, first["id"], 2, officer, {"cause": "错误的起因"})
    reports.issue_report(inc_id, first["id"], 3, leader, SETTINGS)
    with pytest.raises(Conflict):  # a second initial report only as a correction
        reports.draft_report(inc_id, "initial", 4, officer)
    fix = reports.draft_report(inc_id, None, 4, officer, corrects=first["id"])
    assert (fix["kind"], fix["number"], fix["corrects"]) == ("initial", 2, first["id"])
    assert fix["corrects_doc_no"] == first["doc_no"] and "更正" in fix["title"]
    assert _text(fix)["cause"] == "错误的起因"  # starts from the text it corrects
    with pytest.raises(Unprocessable):
        reports.draft_report(inc_id, "final", 5, officer, corrects=first["id"])
    assert _text(reports.get_report(inc_id, first["id"]))["cause"] == "错误的起因"


def test_the_clock_asks_for_the_initial_then_follow_ups_and_goes_red_when_late(people):
    officer, leader = people["duty_officer"], people["leader"]
    inc_id = _incident(officer)
    detail = incidents.get_incident(inc_id, show_names=True)
    lv = detail["result"]["level"]
    found = datetime.fromisoformat(lv["discovered_at"])
    due = found + timedelta(minutes=lv["report_due_min"])
    early = reports.list_reports(inc_id, SETTINGS, now=found + timedelta(minutes=30))
    clock = early["clock"]
    assert clock["next"] == "initial" and datetime.fromisoformat(clock["due_at"]) == due
    assert clock["overdue"] is False and clock["seconds_left"] > 0
    late = reports.list_reports(inc_id, SETTINGS, now=due + timedelta(minutes=1))["clock"]
    assert late["overdue"] is True and late["seconds_left"] == -60
    rep = reports.draft_report(inc_id, "initial", 1, officer)
    issued = reports.issue_report(inc_id, rep["id"], 2, leader, SETTINGS)
    after = datetime.fromisoformat(issued["issued_at"])
    listed = reports.list_reports(inc_id, Settings(report_followup_h=6), now=after)
    assert listed["clock"]["next"] == "followup"
    assert datetime.fromisoformat(listed["clock"]["due_at"]) == after + timedelta(hours=6)
    assert [r["doc_no"] for r in listed["reports"]] == [issued["doc_no"]]


def test_docx_and_pdf_read_back_with_every_required_item(people):
    officer, leader = people["duty_officer"], people["leader"]
    inc_id = _incident(officer)
    rep = reports.draft_report(inc_id, "initial", 1, officer)
    reports.edit_report(inc_id, rep["id"], 2, officer, {"cause": "槽车侧翻"})
    data, name, mime = reports.report_file(inc_id, rep["id"], "docx")
    assert name == f"{rep['doc_no']}.docx" and mime.endswith("wordprocessingml.document")
    doc = Document(io.BytesIO(data))
    words = "\n".join([p.text for p in doc.paragraphs]
                      + [c.text for t in doc.tables for row in t.rows for c in row.cells])
    for _key, heading, _en in SECTIONS["initial"]:
        assert heading in words, heading
    assert "槽车侧翻" in words and "2026-05-01 08:40" in words and "苯" in words
    assert "草稿" in words and rep["doc_no"] in words
    assert doc.inline_shapes, "the sketch map of sensitive points (Art. 13)"
    reports.issue_report(inc_id, rep["id"], 3, leader, SETTINGS)
    pdf, name, mime = reports.report_file(inc_id, rep["id"], "pdf")
    assert mime == "application/pdf" and pdf.startswith(b"%PDF")
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True,
                         check=True).stdout.decode()
    squeezed = "".join(out.split())
    for _key, heading, _en in SECTIONS["initial"]:
        assert "".join(heading.split()) in squeezed, heading
    assert "槽车侧翻" in squeezed and rep["doc_no"] in squeezed
    assert "rep_leader" in squeezed and "签发人" in squeezed and "未签发" not in squeezed


def test_the_final_report_is_issued_only_once_the_incident_is_closed(people, session):
    officer, leader = people["duty_officer"], people["leader"]
    inc_id = _incident(officer)
    first = reports.draft_report(inc_id, "initial", 1, officer)
    reports.issue_report(inc_id, first["id"], 2, leader, SETTINGS)
    final = reports.draft_report(inc_id, "final", 3, officer)
    assert list(_text(final)) == [k for k, _zh, _en in SECTIONS["final"]]
    assert "直接经济损失" in _text(final)["harm_losses"]
    assert "建立事件" in _text(final)["process"]  # the timeline, from the first event
    before = _counts(session, inc_id)
    with pytest.raises(Conflict) as err:
        reports.issue_report(inc_id, final["id"], 4, leader, SETTINGS)
    assert err.value.fields == {"status": "reported"}
    assert _counts(session, inc_id) == before
    session.execute(text("UPDATE incident SET status = 'closed' WHERE id = :i"), {"i": inc_id})
    done = reports.issue_report(inc_id, final["id"], 4, leader, SETTINGS)
    assert done["status"] == "issued" and done["doc_no"].endswith("-JG-01")
    clock = reports.list_reports(inc_id, SETTINGS)["clock"]
    assert clock["next"] is None and clock["overdue"] is False
    with pytest.raises(Conflict):  # one final report; a second only as a correction
        reports.draft_report(inc_id, "final", 5, officer)

"""The incident aggregate (issue 14, items 1 and 2) on real PostGIS: revised facts make a
revision and re-run the analysis, status transitions, comments, and nothing is stored
from a refused write (event and revision counts unchanged)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import incident_request
from webgis.contract.errors import parse
from webgis.contract.incident_aggregate import CommentBody, FactsPatch, StatusChange
from webgis.errors import Conflict, NotFound, Unprocessable
from webgis.models.incident import IncidentEvent, IncidentRevision
from webgis.services import analysis, incident_aggregate, incident_timeline, incidents, users
from webgis.services.actor import Actor

BODY = incident_request()
PASSWORD = "ten chars!"


@pytest.fixture
def officer(app, session):
    analysis.recent.clear()
    with app.app_context():
        users.create_user("agg_officer", "duty_officer", PASSWORD)
        uid = users.authenticate("agg_officer", PASSWORD).id
        users.create_user("agg_admin", "admin", PASSWORD)
        aid = users.authenticate("agg_admin", PASSWORD).id
        yield Actor(uid, "agg_officer", "duty_officer"), Actor(aid, "agg_admin", "admin")
    analysis.recent.clear()


def _new(actor: Actor) -> dict:
    return incidents.save_incident(BODY, kind="incident", title="苯", user_id=actor.id,
                                   username=actor.username, role=actor.role)


def _counts(session, inc_id: int) -> tuple[int, int]:
    ev = session.execute(select(func.count()).select_from(IncidentEvent)
                         .where(IncidentEvent.incident_id == inc_id)).scalar_one()
    rev = session.execute(select(func.count()).select_from(IncidentRevision)
                          .where(IncidentRevision.incident_id == inc_id)).scalar_one()
    return ev, rev


def _patch(**kw) -> FactsPatch:
    return parse(FactsPatch, kw)


def test_revising_the_mass_reruns_the_analysis_and_keeps_the_old_forecast(officer, session):
    off, _ = officer
    inc = _new(off)
    before = incidents.get_incident(inc["id"], show_names=True)
    old_peak = max(r["peak_conc_mgl"] for r in before["result"]["receptors"]
                   if r.get("peak_conc_mgl") is not None)
    out = incident_aggregate.revise_facts(
        inc["id"], _patch(expected_version=1, mass_kg=8000, note="复核"), off)
    assert out["revision_no"] == 2 and out["changes"] == {"release.mass_kg": [2000, 8000]}
    assert out["version"] == 3  # facts_revised + analysis_rerun
    now = incidents.get_incident(inc["id"], show_names=True)
    assert now["facts"]["release"]["mass_kg"] == 8000
    assert now["request"]["release"]["mass_kg"] == 8000
    new_peak = max(r["peak_conc_mgl"] for r in now["result"]["receptors"]
                   if r.get("peak_conc_mgl") is not None)
    assert new_peak == pytest.approx(old_peak * 4, rel=0.02)  # linear in the mass
    revs = incident_timeline.list_revisions(inc["id"], show_names=True)
    assert [r["revision_no"] for r in revs["revisions"]] == [1, 2] and revs["current"] == 2
    first = incident_timeline.get_revision(inc["id"], 1, show_names=True)
    assert first["request"]["release"]["mass_kg"] == 2000
    assert first["result"]["receptors"] == before["result"]["receptors"]
    kinds = [(e["kind"], e["payload"].get("revision_no"))
             for e in incidents.list_events(inc["id"], show_names=True)["events"]]
    assert kinds == [("created", None), ("facts_revised", 2), ("analysis_rerun", 2)]
    log = incidents.list_events(inc["id"], after_seq=1, show_names=True)["events"]
    assert log[0]["payload"]["changes"] == {"release.mass_kg": [2000, 8000]}
    assert log[0]["payload"]["note"] == "复核" and log[0]["actor"] == "agg_officer"


def test_a_smaller_mass_moves_the_level_and_records_level_changed(officer):
    off, _ = officer
    inc = _new(off)
    old_level = incidents.get_incident(inc["id"], show_names=True)["level"]
    assert old_level == "I"  # 2 t of benzene above an intake on the mini rivers
    out = incident_aggregate.revise_facts(
        inc["id"], _patch(expected_version=1, mass_kg=0.01), off)
    assert out["level"] not in (None, "I")
    events = incidents.list_events(inc["id"], show_names=True)["events"]
    assert [e["kind"] for e in events][-3:] == ["facts_revised", "analysis_rerun",
                                               "level_changed"]
    assert events[-1]["payload"] == {"from": "I", "to": out["level"], "revision_no": 2}
    assert out["version"] == 4


def test_location_from_an_enterprise_outfall(officer):
    off, _ = officer
    inc = _new(off)
    out = incident_aggregate.revise_facts(
        inc["id"], _patch(expected_version=1, enterprise="ENT_A"), off)
    detail = incidents.get_incident(inc["id"], show_names=True)
    assert detail["facts"]["enterprise"] == "ENT_A"
    assert detail["result"]["snap"]["reach_code"] == "TRIB-001"
    assert out["changes"]["enterprise"] == [None, "ENT_A"] and "location.lat" in out["changes"]


@pytest.mark.parametrize(("patch", "field"), [
    ({"pollutant": "NOPE"}, "pollutant"),
    ({"enterprise": "NO_SUCH"}, "enterprise"),
    ({"discovered_at": "2026-05-01T07:00:00+08:00"}, "discovered_at"),
    ({"mass_kg": 2000}, "body"),  # nothing changes
])
def test_a_refused_revision_names_the_field_and_stores_nothing(officer, session, patch,
                                                               field):
    off, _ = officer
    inc = _new(off)
    before = _counts(session, inc["id"])
    with pytest.raises(Unprocessable) as err:
        incident_aggregate.revise_facts(inc["id"], _patch(expected_version=1, **patch), off)
    assert field in err.value.fields
    assert _counts(session, inc["id"]) == before == (1, 1)
    assert incidents.get_incident(inc["id"], show_names=True)["version"] == 1


def test_a_stale_revision_is_a_conflict_with_the_state_now(officer, session):
    off, _ = officer
    inc = _new(off)
    incident_aggregate.add_comment(inc["id"], parse(CommentBody, {
        "expected_version": 1, "text": "已到现场"}), off)
    before = _counts(session, inc["id"])
    with pytest.raises(Conflict) as err:
        incident_aggregate.revise_facts(inc["id"], _patch(expected_version=1, mass_kg=9),
                                        off)
    assert err.value.extra["current"]["version"] == 2
    assert _counts(session, inc["id"]) == before == (2, 1)


def test_status_walks_forward_refuses_a_jump_and_closing_locks_the_incident(officer,
                                                                           session):
    off, admin = officer
    inc_id = _new(off)["id"]

    def go(status: str, version: int, who: Actor = off) -> dict:
        return incident_aggregate.change_status(inc_id, parse(StatusChange, {
            "expected_version": version, "status": status}), who)

    with pytest.raises(Conflict) as err:
        go("monitoring", 1)  # reported → monitoring skips responding
    assert err.value.extra["current"]["status"] == "reported"
    assert err.value.fields["allowed"] == ["responding", "closed"]
    assert _counts(session, inc_id) == (1, 1)
    assert go("responding", 1)["version"] == 2
    assert go("monitoring", 2)["status"] == "monitoring"
    closed = go("closed", 3)
    assert closed["status"] == "closed"
    last = incidents.list_events(inc_id, show_names=True)["events"][-1]
    assert last["kind"] == "closed" and last["payload"]["from"] == "monitoring"
    before = _counts(session, inc_id)
    with pytest.raises(Conflict):
        incident_aggregate.revise_facts(inc_id, _patch(expected_version=4, mass_kg=10), off)
    with pytest.raises(Conflict):
        incident_aggregate.add_comment(inc_id, parse(CommentBody, {
            "expected_version": 4, "text": "x"}), off)
    with pytest.raises(Conflict):
        go("monitoring", 4)  # a duty officer cannot reopen
    assert _counts(session, inc_id) == before
    reopened = go("monitoring", 4, admin)
    assert reopened["status"] == "monitoring"
    last = incidents.list_events(inc_id, show_names=True)["events"][-1]
    assert last["kind"] == "status_changed" and last["payload"]["reopened"] is True


def test_export_carries_revisions_and_the_whole_timeline(officer):
    off, _ = officer
    inc_id = _new(off)["id"]
    incident_aggregate.add_comment(inc_id, parse(CommentBody, {
        "expected_version": 1, "text": "=HYPERLINK(\"x\")"}), off)
    out = incident_timeline.export_incident(inc_id)
    assert out["incident"]["id"] == inc_id and "result" not in out["incident"]
    assert [e["kind"] for e in out["events"]] == ["created", "comment"]
    assert len(out["revisions"]) == 1
    text = incident_timeline.timeline_csv(inc_id).decode("utf-8-sig")
    assert text.splitlines()[0] == "seq,at,kind,actor,actor_role,summary"
    assert "'=HYPERLINK" in text  # never a formula in a spreadsheet
    with pytest.raises(NotFound):
        incident_timeline.get_revision(inc_id, 9, show_names=True)

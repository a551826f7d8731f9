"""The living incident's foundation (issue 14): versions and stale writes, the append-only
event log (refused by the database itself), saves that do not duplicate, drills apart from
real incidents, and the timeline over HTTP."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.conftest import incident_request
from webgis.errors import Conflict, NotFound
from webgis.services import analysis, incidents, users
from webgis.services.actor import Actor
from webgis.services.incident_write import open_for_write, record
from webgis.services.uow import unit_of_work

BODY = incident_request()
PASSWORD = "ten chars!"


@pytest.fixture
def officer(app, session):
    analysis.recent.clear()
    with app.app_context():
        users.create_user("found_officer", "duty_officer", PASSWORD)
        uid = users.authenticate("found_officer", PASSWORD).id
        yield Actor(uid, "found_officer", "duty_officer")
    analysis.recent.clear()


def _save(actor: Actor, **kw):
    return incidents.save_incident(BODY, kind=kw.pop("kind", "incident"),
                                   title=kw.pop("title", None), user_id=actor.id,
                                   username=actor.username, role=actor.role, **kw)


def test_a_new_incident_is_reported_at_version_1_with_its_created_event(officer):
    saved = _save(officer, title="苯泄漏")
    assert (saved["status"], saved["version"]) == ("reported", 1)
    log = incidents.list_events(saved["id"], show_names=True)
    assert log["version"] == 1
    [created] = log["events"]
    assert (created["seq"], created["kind"], created["actor"]) == (1, "created",
                                                                   "found_officer")
    assert created["summary"] == "苯泄漏" and created["actor_role"] == "duty_officer"
    detail = incidents.get_incident(saved["id"], show_names=True)
    assert detail["facts"]["pollutant"] == "BENZENE" and detail["version"] == 1
    anonymous = incidents.list_events(saved["id"], show_names=False)
    assert anonymous["events"][0]["actor"] is None


def test_a_write_with_the_version_read_goes_in_a_stale_one_is_refused(officer):
    inc_id = _save(officer)["id"]
    with unit_of_work() as s:
        inc = open_for_write(s, inc_id, 1, officer)
        record(s, inc, "comment", officer, "第一条")
    assert incidents.list_events(inc_id, show_names=True)["version"] == 2
    with pytest.raises(Conflict) as err, unit_of_work() as s:
        inc = open_for_write(s, inc_id, 1, officer)  # read before the comment
        record(s, inc, "comment", officer, "never stored")
    assert err.value.extra["current"]["version"] == 2
    assert err.value.fields == {"expected_version": "is 2 now"}
    log = incidents.list_events(inc_id, after_seq=1, show_names=True)
    assert [e["summary"] for e in log["events"]] == ["第一条"]


def test_the_event_log_refuses_update_and_delete_in_the_database(officer, session):
    inc_id = _save(officer)["id"]
    for sql in ("UPDATE incident_event SET summary = 'x' WHERE incident_id = :i",
                "DELETE FROM incident_event WHERE incident_id = :i"):
        nested = session.begin_nested()
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text(sql), {"i": inc_id})
        nested.rollback()
    assert len(incidents.list_events(inc_id, show_names=True)["events"]) == 1


def test_saving_the_same_client_key_twice_returns_the_first_incident(officer):
    first = _save(officer, client_key="k3y-of-this-save")
    again = _save(officer, client_key="k3y-of-this-save")
    assert again["id"] == first["id"] and again["existing"] is True
    other = _save(officer, client_key="another-key-1")
    assert other["id"] != first["id"]
    assert len(incidents.list_incidents(10, show_names=True)) == 2


def test_drills_and_real_incidents_never_share_a_list(officer):
    real = _save(officer, kind="incident")
    drill = _save(officer, kind="drill")
    assert [r["id"] for r in incidents.list_incidents(10, show_names=True)] == [real["id"]]
    drills = incidents.list_incidents(10, show_names=True, kind="drill")
    assert [r["id"] for r in drills] == [drill["id"]]


def test_unknown_incident_for_write_and_events(officer):
    with pytest.raises(NotFound), unit_of_work() as s:
        open_for_write(s, 987654, 1, officer)
    with pytest.raises(NotFound):
        incidents.list_events(987654, show_names=True)


def test_events_over_http_and_a_repeated_save(client, app, session):
    with app.app_context():
        users.create_user("http_officer", "duty_officer", PASSWORD)
        token, _ = users.issue_token("http_officer", 1)
    hdr = {"Authorization": f"Bearer {token}"}
    body = {"request": BODY, "client_key": "double-click-1"}
    first = client.post("/api/v1/incidents", json=body, headers=hdr)
    assert first.status_code == 201, first.json
    again = client.post("/api/v1/incidents", json=body, headers=hdr)
    assert again.status_code == 200 and again.json["id"] == first.json["id"]
    bad = client.post("/api/v1/incidents", json={**body, "client_key": "no spaces!"},
                      headers=hdr)
    assert bad.status_code == 422 and "client_key" in bad.json["fields"]
    inc_id = first.json["id"]
    log = client.get(f"/api/v1/incidents/{inc_id}/events?after=0", headers=hdr)
    assert log.status_code == 200 and log.json["version"] == 1
    assert [e["kind"] for e in log.json["events"]] == ["created"]
    after = client.get(f"/api/v1/incidents/{inc_id}/events?after=1", headers=hdr)
    assert after.json["events"] == []
    assert client.get(f"/api/v1/incidents/{inc_id}/events?after=-1",
                      headers=hdr).status_code == 422
    assert client.get("/api/v1/incidents/987654/events", headers=hdr).status_code == 404

"""Downstream alerts as services on real PostGIS: send, acknowledge by link, update, end,
overdue, and nothing stored on any failure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alertkit import BASE, settings_for
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from webgis.contract.alerts import Acknowledge, FollowAlerts, Recipient, SendAlerts
from webgis.errors import Conflict, Forbidden, Unprocessable
from webgis.models.alerts import IncidentAlert
from webgis.services import alert_ack, alert_links, alerts, incidents
from webgis.services.alert_links import LinkExpired, LinkInvalid


def _token(url: str) -> str:
    assert url.startswith(BASE + "/ack/")
    return url.rsplit("/", 1)[1]


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(IncidentAlert))


def _send(incident, actor, settings=None, **kw):
    req = SendAlerts(expected_version=kw.pop("version", incident["version"]), **kw)
    return alerts.send_alerts(incident["id"], req, actor, settings or settings_for(), BASE)


def test_sending_alerts_every_administration_on_the_notify_list(incident, officer, session):
    listing = alerts.list_alerts(incident["id"], settings_for(), BASE)
    keys = [n["key"] for n in listing["notify"]]
    assert "640000" in keys and all(n["state"] == "not_sent" for n in listing["notify"])
    assert all(n["worst_peak_conc_mgl"] >= n["peak_conc_mgl"] > 0 for n in listing["notify"])
    sent = _send(incident, officer)
    assert sent["version"] == 2 and len(sent["alerts"]) == len(keys)
    ningxia = next(a for a in sent["alerts"] if a["recipient_key"] == "640000")
    c = ningxia["content"]
    assert ningxia["recipient_name"] == "宁夏回族自治区" and ningxia["kind"] == "alert"
    assert ningxia["email_status"] == "no_address" and ningxia["acknowledged_at"] is None
    assert c["worst_arrival_h"] <= c["arrival_h"] and c["peak_conc_mgl"] > 0
    assert c["worst_peak_conc_mgl"] >= c["peak_conc_mgl"] and c["level"] in "I II III IV"
    assert c["worst_arrival_at"].startswith("2026-05-0") and "(UTC+8)" in c["arrival_at"]
    # the link is never stored; its hash and id are
    row = session.get(IncidentAlert, ningxia["id"])
    token = _token(ningxia["ack_url"])
    assert token not in (row.token_id, row.token_hash)
    assert row.token_hash == alert_links.token_hash(token)
    log = incidents.list_events(incident["id"], show_names=True)["events"]
    assert [e["kind"] for e in log] == ["created", "alert_sent"]
    assert "宁夏回族自治区" in log[-1]["summary"] and log[-1]["actor"] == officer.username
    states = {n["key"]: n["state"] for n in alerts.list_alerts(
        incident["id"], settings_for(), BASE)["notify"]}
    assert set(states.values()) == {"open"}


def test_bad_sends_are_refused_and_store_nothing(incident, officer, session):
    with pytest.raises(Unprocessable) as err:
        _send(incident, officer, recipients=[Recipient(key="999999")])
    assert err.value.fields == {"recipients[0].key": "not on the notify list"}
    with pytest.raises(Unprocessable) as err:
        _send(incident, officer, recipients=[Recipient(key="640000"), Recipient(key="640000")])
    assert "recipients[1].key" in err.value.fields
    with pytest.raises(Conflict):
        _send(incident, officer, version=7)
    assert _count(session) == 0
    _send(incident, officer, recipients=[Recipient(key="640000")])
    with pytest.raises(Conflict) as err:
        _send(incident, officer, version=2, recipients=[Recipient(key="640000")])
    assert err.value.fields == {"recipients[0].key": "alerted already"}
    assert _count(session) == 1


def test_acknowledging_by_link_once_with_the_typed_name(incident, officer, session):
    sent = _send(incident, officer, recipients=[Recipient(key="640000")])
    token = _token(sent["alerts"][0]["ack_url"])
    view = alert_ack.alert_for_link(token, settings_for(), BASE)
    assert view["ended"] is False and view["acknowledged"] is False
    assert "宁夏回族自治区" in view["alert"]["body"] and token in view["alert"]["body"]
    first = alert_ack.acknowledge(token, Acknowledge(name="  王五 宁夏厅值班室 "),
                                  settings_for(), BASE)
    assert first["already"] is False
    assert first["alert"]["acknowledged_by"] == "王五 宁夏厅值班室"
    again = alert_ack.acknowledge(token, Acknowledge(name="someone else"), settings_for(),
                                  BASE)
    assert again["already"] is True and again["alert"]["acknowledged_by"] == "王五 宁夏厅值班室"
    assert again["alert"]["acknowledged_at"] == first["alert"]["acknowledged_at"]
    log = incidents.list_events(incident["id"], show_names=True)["events"]
    acks = [e for e in log if e["kind"] == "alert_acknowledged"]
    assert len(acks) == 1 and acks[0]["actor"] == "ack-link"
    assert acks[0]["actor_role"] == "system" and acks[0]["payload"]["name"] == "王五 宁夏厅值班室"


def test_forged_altered_and_expired_links_store_nothing(incident, officer, session):
    sent = _send(incident, officer, recipients=[Recipient(key="640000")],
                 settings=settings_for(alert_link_ttl_hours=-1))
    expired = _token(sent["alerts"][0]["ack_url"])
    version = incidents.list_events(incident["id"], show_names=True)["version"]
    with pytest.raises(LinkExpired):
        alert_ack.acknowledge(expired, Acknowledge(name="x"), settings_for(), BASE)
    with pytest.raises(LinkInvalid):  # signed with another key
        alert_ack.acknowledge(expired, Acknowledge(name="x"), settings_for(secret_key="other"),
                              BASE)
    forged = alert_links.make_token("guessed", "abc", datetime.now(UTC) + timedelta(days=1))
    with pytest.raises(LinkInvalid):
        alert_ack.acknowledge(forged, Acknowledge(name="x"), settings_for(), BASE)
    # genuine signature, unknown id (e.g. an alert rolled back)
    unknown = alert_links.make_token("test", "abc", datetime.now(UTC) + timedelta(days=1))
    with pytest.raises(LinkInvalid):
        alert_ack.alert_for_link(unknown, settings_for(), BASE)
    with pytest.raises(LinkInvalid):
        alert_ack.acknowledge(expired[:-2] + ("AA" if expired[-2:] != "AA" else "BB"),
                              Acknowledge(name="x"), settings_for(), BASE)
    assert incidents.list_events(incident["id"], show_names=True)["version"] == version
    assert session.scalar(select(func.count()).select_from(IncidentAlert).where(
        IncidentAlert.acknowledged_at.is_not(None))) == 0


def test_updates_and_the_end_go_to_the_same_recipients(incident, officer, leader, session):
    sent = _send(incident, officer)
    first_links = {a["recipient_key"]: _token(a["ack_url"]) for a in sent["alerts"]}
    upd = alerts.update_alerts(incident["id"], FollowAlerts(expected_version=2, note="流量加大"),
                               officer, settings_for(), BASE)
    assert {a["recipient_key"] for a in upd["alerts"]} == set(first_links)
    assert all(a["kind"] == "update" and a["first_id"] for a in upd["alerts"])
    assert "流量加大" in alerts.printable(incident["id"], upd["alerts"][0]["id"], settings_for(),
                                      BASE)["alerts"][0]["body"]
    # ending is the leader's
    with pytest.raises(Forbidden):
        alerts.end_alerts(incident["id"], FollowAlerts(expected_version=3), officer,
                          settings_for(), BASE)
    assert _count(session) == 2 * len(first_links)
    # ... or a duty officer's where configured
    ended = alerts.end_alerts(incident["id"], FollowAlerts(expected_version=3), officer,
                              settings_for(duty_officer_may_issue=True), BASE)
    assert {a["kind"] for a in ended["alerts"]} == {"end"}
    assert "解除预警" in ended["alerts"][0]["subject"]
    with pytest.raises(Conflict):  # ending an ended alert
        alerts.end_alerts(incident["id"], FollowAlerts(expected_version=4), leader,
                          settings_for(), BASE)
    with pytest.raises(Conflict) as err:
        alerts.end_alerts(incident["id"], FollowAlerts(expected_version=4,
                                                       recipients=["640000"]),
                          leader, settings_for(), BASE)
    assert err.value.fields == {"recipients[0]": "ended"}
    with pytest.raises(Conflict):
        alerts.update_alerts(incident["id"], FollowAlerts(expected_version=4), officer,
                             settings_for(), BASE)
    # old links say the alert ended and take nothing; the end's own link is acknowledged
    old = first_links["640000"]
    assert alert_ack.alert_for_link(old, settings_for(), BASE)["ended"] is True
    with pytest.raises(Conflict):
        alert_ack.acknowledge(old, Acknowledge(name="late"), settings_for(), BASE)
    end_link = _token(next(a for a in ended["alerts"] if a["recipient_key"] == "640000")[
        "ack_url"])
    assert alert_ack.acknowledge(end_link, Acknowledge(name="赵六"), settings_for(),
                                 BASE)["already"] is False
    kinds = [e["kind"] for e in incidents.list_events(incident["id"], show_names=True)[
        "events"]]
    assert kinds == ["created", "alert_sent", "alert_updated", "alert_ended",
                     "alert_acknowledged"]


def test_unacknowledged_alerts_past_the_configured_time_are_overdue(incident, officer):
    sent = _send(incident, officer, recipients=[Recipient(key="640000")])
    assert not alerts.list_alerts(incident["id"], settings_for(), BASE)["alerts"][0]["overdue"]
    late = settings_for(alert_ack_minutes=0)
    assert alerts.list_alerts(incident["id"], late, BASE)["alerts"][0]["overdue"] is True
    alert_ack.acknowledge(_token(sent["alerts"][0]["ack_url"]), Acknowledge(name="n"), late,
                          BASE)
    assert alerts.list_alerts(incident["id"], late, BASE)["alerts"][0]["overdue"] is False


def test_after_the_end_a_new_alert_starts_a_new_chain(incident, officer, leader, session):
    _send(incident, officer, recipients=[Recipient(key="640000")])
    alerts.end_alerts(incident["id"], FollowAlerts(expected_version=2), leader,
                      settings_for(), BASE)
    again = _send(incident, officer, version=3, recipients=[Recipient(key="640000")])
    [chain2] = again["alerts"]
    assert chain2["kind"] == "alert" and chain2["ended_at"] is None
    listing = alerts.list_alerts(incident["id"], settings_for(), BASE)
    assert [n["state"] for n in listing["notify"] if n["key"] == "640000"] == ["open"]
    upd = alerts.update_alerts(incident["id"], FollowAlerts(expected_version=4), officer,
                               settings_for(), BASE)
    assert [a["first_id"] for a in upd["alerts"]] == [chain2["id"]]
    # the database itself refuses a second open chain to the same administration
    first = session.get(IncidentAlert, chain2["id"])
    nested = session.begin_nested()
    with pytest.raises(IntegrityError):
        session.add(IncidentAlert(
            incident_id=incident["id"], kind="alert", recipient_key="640000",
            recipient_name="x", recipient_level="", content={}, subject="x",
            sent_by_name="x", token_id="dup-chain", token_hash="0" * 64,
            expires_at=first.expires_at, email_status="no_address"))
        session.flush()
    nested.rollback()

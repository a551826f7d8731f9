"""Alerts e-mailed over SMTP to a real server on loopback (aiosmtpd): what arrives, what a
refusal or a dead server leaves on the alert, and no e-mail for an alert rolled back."""

from __future__ import annotations

import pytest
from alertkit import BASE, REFUSED, free_port, settings_for
from sqlalchemy import func, select

from webgis.contract.alerts import Acknowledge, FollowAlerts, Recipient, SendAlerts
from webgis.errors import Unprocessable
from webgis.models.alerts import IncidentAlert
from webgis.services import alert_ack, alerts, incidents


def _send(incident, actor, settings, recipients, version=None):
    req = SendAlerts(expected_version=version or incident["version"], recipients=recipients)
    return alerts.send_alerts(incident["id"], req, actor, settings, BASE)


def test_the_alert_arrives_with_its_link_arrival_and_peak(incident, officer, smtp):
    settings = settings_for(smtp)
    sent = _send(incident, officer, settings,
                 [Recipient(key="640000", email="duty@nx.example")])
    [alert] = sent["alerts"]
    assert alert["email_status"] == "sent" and alert["email_error"] is None
    [(rcpt, msg)] = smtp.messages
    assert rcpt == ["duty@nx.example"] and msg["To"] == "duty@nx.example"
    assert msg["From"] == "alerts@gansu.example" and msg["Date"] and msg["Message-ID"]
    assert msg["X-Webgis-Alert"] == str(alert["id"])
    assert msg["Subject"].startswith("【预警】黄河苯泄漏 → 宁夏回族自治区")
    text = msg.get_content()
    c = alert["content"]
    assert alert["ack_url"] in text and alert["ack_url"].startswith(BASE + "/ack/")
    assert f"最不利情况 {c['worst_arrival_h']:.1f} 小时后" in text
    assert f"约 {c['worst_arrival_at']}" in text
    assert f"{c['worst_peak_conc_mgl']:.3g} mg/L" in text and "peak" in text.lower()
    assert text.index("宁夏回族自治区生态环境部门") < text.index("Alert:")  # Chinese first
    # the link in the e-mail acknowledges the alert
    token = text.split(BASE + "/ack/")[1].split()[0]
    assert alert_ack.acknowledge(token, Acknowledge(name="李四"), settings, BASE)[
        "alert"]["acknowledged_by"] == "李四"
    kinds = [e["kind"] for e in incidents.list_events(incident["id"], show_names=True)[
        "events"]]
    assert kinds == ["created", "alert_sent", "alert_emailed", "alert_acknowledged"]
    # the address is remembered: the update goes there without being typed again
    alerts.update_alerts(incident["id"], FollowAlerts(expected_version=4), officer, settings,
                         BASE)
    assert [r for r, _ in smtp.messages] == [["duty@nx.example"]] * 2
    assert smtp.messages[1][1]["Subject"].startswith("【预警更新】")


def test_a_refused_address_is_recorded_on_the_alert_not_raised(incident, officer, smtp):
    sent = _send(incident, officer, settings_for(smtp), [Recipient(key="640000",
                                                                   email=REFUSED)])
    [alert] = sent["alerts"]
    assert alert["email_status"] == "failed" and "550" in alert["email_error"]
    assert smtp.messages == []
    log = incidents.list_events(incident["id"], show_names=True)["events"]
    assert log[-1]["kind"] == "alert_emailed" and "1 failed" in log[-1]["summary"]


def test_a_dead_smtp_server_leaves_the_alert_visible_and_failed(incident, officer, smtp):
    smtp.port = free_port()  # nobody listens there
    sent = _send(incident, officer, settings_for(smtp, smtp_timeout_s=2),
                 [Recipient(key="640000", email="duty@nx.example")])
    assert sent["alerts"][0]["email_status"] == "failed"
    assert "Connection" in sent["alerts"][0]["email_error"]


def test_without_smtp_or_address_nothing_is_mailed(incident, officer, smtp):
    no_smtp = _send(incident, officer, settings_for(),
                    [Recipient(key="640000", email="duty@nx.example")])
    assert no_smtp["alerts"][0]["email_status"] == "not_configured"
    assert smtp.messages == []


def test_an_alert_rolled_back_is_never_emailed(incident, officer, smtp, session,
                                                monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the timeline could not be written")

    monkeypatch.setattr(alerts, "record", broken)
    with pytest.raises(RuntimeError):
        _send(incident, officer, settings_for(smtp),
              [Recipient(key="640000", email="duty@nx.example")])
    assert smtp.messages == []
    assert session.scalar(select(func.count()).select_from(IncidentAlert)) == 0


def test_an_address_given_later_gets_the_updates(incident, officer, smtp):
    settings = settings_for(smtp)
    first = _send(incident, officer, settings, [Recipient(key="640000")])
    assert first["alerts"][0]["email_status"] == "no_address" and smtp.messages == []
    with pytest.raises(Unprocessable) as err:
        alerts.update_alerts(incident["id"], FollowAlerts(
            expected_version=2, emails=[Recipient(key="999999", email="x@y.example")]),
            officer, settings, BASE)
    assert err.value.fields == {"emails[0].key": "never alerted"}
    upd = alerts.update_alerts(incident["id"], FollowAlerts(
        expected_version=2, emails=[Recipient(key="640000", email="later@nx.example")]),
        officer, settings, BASE)
    assert upd["alerts"][0]["email_status"] == "sent"
    assert [r for r, _ in smtp.messages] == [["later@nx.example"]]
    listing = alerts.list_alerts(incident["id"], settings, BASE)
    assert listing["notify"][0]["email"] == "later@nx.example"

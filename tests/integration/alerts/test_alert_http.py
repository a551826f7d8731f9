"""Downstream alerts over HTTP: roles, bad input (422 naming the field), 409 and 403, the
acknowledgement page without sign-in (form and JSON), and the printable pages."""

from __future__ import annotations

import pytest
from alertkit import BODY

from tests.conftest import bearer_for


@pytest.fixture
def hdr(app, session):
    return {role: bearer_for(app, f"http_{role}", role)
            for role in ("duty_officer", "leader", "field_team")}


@pytest.fixture
def inc_id(client, hdr) -> int:
    resp = client.post("/api/v1/incidents", json={"request": BODY, "title": "黄河苯泄漏"},
                       headers=hdr["duty_officer"])
    assert resp.status_code == 201, resp.json
    return resp.json["id"]


def _path(url: str) -> str:
    return url[url.index("/ack/"):]


def test_reading_and_sending_alerts_by_role(client, hdr, inc_id):
    url = f"/api/v1/incidents/{inc_id}/alerts"
    assert client.get(url).status_code == 401  # never anonymous, even with PUBLIC_READ
    listing = client.get(url, headers=hdr["field_team"]).json
    assert listing["smtp_configured"] is False and listing["ack_minutes"] == 30
    assert any(n["key"] == "640000" for n in listing["notify"])
    body = {"expected_version": 1, "recipients": [{"key": "640000"}]}
    assert client.post(url, json=body, headers=hdr["field_team"]).status_code == 403
    assert client.post(url, json=body).status_code == 401
    for bad, field in (({"recipients": [{"key": "640000"}]}, "expected_version"),
                       ({**body, "recipients": [{"key": "640000", "email": "not mail"}]},
                        "recipients[0].email"),
                       ({**body, "recipients": [{"key": "nowhere"}]}, "recipients[0].key"),
                       ({**body, "recipients": []}, "recipients"),
                       ({**body, "note": "a\x00b"}, "note")):
        resp = client.post(url, json=bad, headers=hdr["duty_officer"])
        assert resp.status_code == 422 and field in resp.json["fields"], (bad, resp.json)
    assert client.get(url, headers=hdr["duty_officer"]).json["alerts"] == []
    stale = client.post(url, json={**body, "expected_version": 0}, headers=hdr["duty_officer"])
    assert stale.status_code == 409 and stale.json["current"]["version"] == 1
    sent = client.post(url, json=body, headers=hdr["duty_officer"])
    assert sent.status_code == 201 and sent.json["version"] == 2
    [alert] = sent.json["alerts"]
    assert alert["email_status"] == "no_address" and alert["ack_url"].startswith("http://")
    again = client.post(url, json={**body, "expected_version": 2}, headers=hdr["duty_officer"])
    assert again.status_code == 409 and "recipients[0].key" in again.json["fields"]


def test_acknowledging_without_signing_in(client, hdr, inc_id):
    sent = client.post(f"/api/v1/incidents/{inc_id}/alerts",
                       json={"expected_version": 1}, headers=hdr["duty_officer"]).json
    alert = next(a for a in sent["alerts"] if a["recipient_key"] == "640000")
    link = _path(alert["ack_url"])
    page = client.get(link)
    assert page.status_code == 200 and "text/html" in page.content_type
    html = page.get_data(as_text=True)
    assert 'id="ack-form"' in html and "宁夏回族自治区" in html
    # a form without a name: 422 naming the field, nothing stored
    empty = client.post(link, data={"name": "  "})
    assert empty.status_code == 422 and 'data-field="name"' in empty.get_data(as_text=True)
    no_name = client.post(link, json={"note": "x"})
    assert no_name.status_code == 422 and list(no_name.json["fields"]) == ["name"]
    # no CSRF token needed: the link is the credential (the test app enforces CSRF)
    done = client.post(link, data={"name": "王五", "note": "已通知中卫市"})
    assert done.status_code == 303
    shown = client.get(done.headers["Location"]).get_data(as_text=True)
    assert 'id="ack-done"' in shown and "王五" in shown and 'id="ack-form"' not in shown
    twice = client.post(link, json={"name": "另一人"})
    assert twice.status_code == 200 and twice.json["already"] is True
    assert twice.json["alert"]["acknowledged_by"] == "王五"
    listing = client.get(f"/api/v1/incidents/{inc_id}/alerts", headers=hdr["leader"]).json
    row = next(a for a in listing["alerts"] if a["id"] == alert["id"])
    assert row["acknowledged_by"] == "王五" and row["ack_note"] == "已通知中卫市"
    events = client.get(f"/api/v1/incidents/{inc_id}/events", headers=hdr["leader"]).json
    assert [e["kind"] for e in events["events"]][-1] == "alert_acknowledged"


def test_forged_expired_and_ended_links(app, client, hdr, inc_id):
    forged = client.post("/ack/eyJuIjoiYWJjIiwiZSI6OTk5OTk5OTk5OX0.forgedsignature",
                         json={"name": "x"})
    assert forged.status_code == 403 and forged.json["fields"] == {"token": "bad signature"}
    page = client.get("/ack/not-a-token")
    assert page.status_code == 403 and 'id="ack-error"' in page.get_data(as_text=True)
    app.config["ALERT_LINK_TTL_HOURS"] = -1
    try:
        sent = client.post(f"/api/v1/incidents/{inc_id}/alerts", json={
            "expected_version": 1, "recipients": [{"key": "640000"}]},
            headers=hdr["duty_officer"]).json
    finally:
        app.config["ALERT_LINK_TTL_HOURS"] = 72.0
    expired = client.post(_path(sent["alerts"][0]["ack_url"]), json={"name": "x"})
    assert expired.status_code == 410 and expired.json["fields"] == {"token": "expired"}
    # an update (a fresh link), then the end of alert
    sent = client.post(f"/api/v1/incidents/{inc_id}/alerts/update",
                       json={"expected_version": 2}, headers=hdr["duty_officer"])
    assert sent.status_code == 201, sent.json
    links = [_path(a["ack_url"]) for a in sent.json["alerts"]]
    assert client.get(links[0]).status_code == 200
    end_url = f"/api/v1/incidents/{inc_id}/alerts/end"
    assert client.post(end_url, json={"expected_version": 3},
                       headers=hdr["duty_officer"]).status_code == 403
    assert client.post(end_url, json={"expected_version": 3, "recipients": ["nowhere"]},
                       headers=hdr["leader"]).status_code == 422
    ended = client.post(end_url, json={"expected_version": 3}, headers=hdr["leader"])
    assert ended.status_code == 201 and {a["kind"] for a in ended.json["alerts"]} == {"end"}
    again = client.post(end_url, json={"expected_version": 4}, headers=hdr["leader"])
    assert again.status_code == 409
    reused = client.post(links[0], json={"name": "late"})
    assert reused.status_code == 409 and reused.json["fields"] == {"token": "alert ended"}
    old_page = client.get(links[0]).get_data(as_text=True)
    assert 'id="ack-ended"' in old_page and 'id="ack-form"' not in old_page
    update = client.post(f"/api/v1/incidents/{inc_id}/alerts/update",
                         json={"expected_version": 4}, headers=hdr["duty_officer"])
    assert update.status_code == 409


def test_printable_pages_for_signed_in_users(client, hdr, inc_id):
    sent = client.post(f"/api/v1/incidents/{inc_id}/alerts", json={"expected_version": 1},
                       headers=hdr["duty_officer"]).json
    first = sent["alerts"][0]
    assert client.get(f"/incidents/{inc_id}/alerts/print").status_code == 302  # sign in
    page = client.get(f"/incidents/{inc_id}/alerts/print", headers=hdr["field_team"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and html.count('class="alert-print"') == len(sent["alerts"])
    assert first["subject"] in html and _path(first["ack_url"]) in html
    one = client.get(f"/incidents/{inc_id}/alerts/{first['id']}/print",
                     headers=hdr["field_team"]).get_data(as_text=True)
    assert one.count('class="alert-print"') == 1 and "最不利情况" in one
    assert client.get(f"/incidents/{inc_id}/alerts/987654/print",
                      headers=hdr["field_team"]).status_code == 404

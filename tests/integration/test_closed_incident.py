"""A closed incident is a record (services/incident_write.py, `ensure_open`): every write
that is not one of `AFTER_CLOSE` is refused with 409 naming the status and the write, and
changes nothing (no event, no version); what has to happen after the close — the final
report, a correction of an issued report — still goes through."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import bearer_for, incident_request
from webgis.services import analysis
from webgis.services.incident_write import AFTER_CLOSE

BODY = incident_request()


@pytest.fixture
def hdr(app, session):
    """A bearer header for a duty officer, a leader and an admin."""
    analysis.recent.clear()
    yield {role: bearer_for(app, f"c_{role}", role)
           for role in ("duty_officer", "leader", "admin")}
    analysis.recent.clear()


def _version(client, hdr, inc: int) -> int:
    return int(client.get(f"/api/v1/incidents/{inc}/events", headers=hdr["admin"])
               .json["version"])


def _events(client, hdr, inc: int) -> list[str]:
    return [e["kind"] for e in client.get(f"/api/v1/incidents/{inc}/events",
                                          headers=hdr["admin"]).json["events"]]


@pytest.fixture
def closed(client, hdr) -> dict[str, Any]:
    """A saved incident whose initial report was issued, then closed by a leader."""
    resp = client.post("/api/v1/incidents", json={"request": BODY, "kind": "incident"},
                       headers=hdr["duty_officer"])
    assert resp.status_code == 201, resp.json
    inc = resp.json["id"]
    step = client.get(f"/api/v1/incidents/{inc}/plan", headers=hdr["admin"]).json["steps"][0]
    draft = client.post(f"/api/v1/incidents/{inc}/reports", headers=hdr["duty_officer"],
                        json={"expected_version": _version(client, hdr, inc),
                              "kind": "initial"})
    assert draft.status_code == 201, draft.json
    issued = client.post(f"/api/v1/incidents/{inc}/reports/{draft.json['id']}/issue",
                         headers=hdr["leader"],
                         json={"expected_version": _version(client, hdr, inc)})
    assert issued.status_code == 200, issued.json
    for status in ("responding", "monitoring", "closed"):
        resp = client.post(f"/api/v1/incidents/{inc}/status", headers=hdr["leader"],
                           json={"expected_version": _version(client, hdr, inc),
                                 "status": status})
        assert resp.status_code == 200, resp.json
    return {"id": inc, "step": step, "initial": draft.json["id"]}


def _refused(client, hdr, closed, method: str, path: str, body: dict[str, Any],
             write: str) -> None:
    inc = closed["id"]
    before = (_events(client, hdr, inc), _version(client, hdr, inc))
    body = {"expected_version": before[1], **body}
    resp = client.open(f"/api/v1/incidents/{inc}{path}", method=method,
                       headers=hdr["duty_officer"], json=body)
    assert resp.status_code == 409, (path, resp.status_code, resp.json)
    assert resp.json["fields"] == {"status": "closed", "write": write}
    assert resp.json["current"]["status"] == "closed"
    assert (_events(client, hdr, inc), _version(client, hdr, inc)) == before


@pytest.mark.parametrize(("method", "path", "body", "write"), [
    ("PATCH", "/facts", {"mass_kg": 5}, "facts"),
    ("POST", "/comments", {"text": "后续监测"}, "comment"),
    ("POST", "/reports", {"kind": "followup"}, "followup_report"),
    ("POST", "/alerts", {}, "alert"),
    ("POST", "/alerts/update", {}, "alert_update"),
    ("POST", "/dispatch", {"target_code": "ANY-STATION"}, "dispatch"),
])
def test_writes_after_the_close_are_refused_and_change_nothing(client, hdr, closed, method,
                                                               path, body, write):
    assert write not in AFTER_CLOSE
    _refused(client, hdr, closed, method, path, body, write)


def test_ticking_a_plan_step_after_the_close_is_refused(client, hdr, closed):
    step = closed["step"]
    _refused(client, hdr, closed, "PUT", f"/plan/{step['phase']}/{step['order']}",
             {"done": True}, "plan_step")


def test_the_final_report_and_a_correction_are_written_after_the_close(client, hdr, closed):
    inc = closed["id"]
    final = client.post(f"/api/v1/incidents/{inc}/reports", headers=hdr["duty_officer"],
                        json={"expected_version": _version(client, hdr, inc),
                              "kind": "final"})
    assert final.status_code == 201, final.json
    issued = client.post(f"/api/v1/incidents/{inc}/reports/{final.json['id']}/issue",
                         headers=hdr["leader"],
                         json={"expected_version": _version(client, hdr, inc)})
    assert issued.status_code == 200, issued.json
    correction = client.post(f"/api/v1/incidents/{inc}/reports",
                             headers=hdr["duty_officer"],
                             json={"expected_version": _version(client, hdr, inc),
                                   "corrects": closed["initial"]})
    assert correction.status_code == 201, correction.json
    assert _events(client, hdr, inc)[-3:] == ["report_drafted", "report_issued",
                                              "report_drafted"]


def test_an_admin_reopens_and_the_writes_go_through_again(client, hdr, closed):
    inc = closed["id"]
    reopen = client.post(f"/api/v1/incidents/{inc}/status", headers=hdr["admin"],
                         json={"expected_version": _version(client, hdr, inc),
                               "status": "monitoring"})
    assert reopen.status_code == 200, reopen.json
    comment = client.post(f"/api/v1/incidents/{inc}/comments", headers=hdr["duty_officer"],
                          json={"expected_version": _version(client, hdr, inc),
                                "text": "重新开启后补充监测"})
    assert comment.status_code in (200, 201), comment.json

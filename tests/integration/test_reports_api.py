"""Reports over HTTP: who may draft, edit, issue and read; 422 naming the field, 409 once
issued or stale, 403 for a non-leader issuing, 401 anonymous; nothing stored on failure;
the DOCX and PDF downloads read back."""

from __future__ import annotations

import io
import subprocess

import pytest
from docx import Document

from tests.conftest import incident_request
from webgis.services import analysis, users
from webgis.services.report_draft import SECTIONS

BODY = incident_request()
PASSWORD = "ten chars!"


@pytest.fixture
def hdr(app, client):
    analysis.recent.clear()
    out = {}
    with app.app_context():
        for name, role in (("api_officer", "duty_officer"), ("api_leader", "leader"),
                           ("api_field", "field_team")):
            users.create_user(name, role, PASSWORD)
            token, _ = users.issue_token(name, 1)
            out[role] = {"Authorization": f"Bearer {token}"}
    yield out
    analysis.recent.clear()


@pytest.fixture
def inc_id(client, hdr) -> int:
    res = client.post("/api/v1/incidents", json={"request": BODY}, headers=hdr["duty_officer"])
    assert res.status_code == 201, res.json
    return res.json["id"]


def _state(client, hdr, inc_id) -> tuple[int, int, int]:
    """(version, events, reports) now."""
    log = client.get(f"/api/v1/incidents/{inc_id}/events", headers=hdr["leader"]).json
    listed = client.get(f"/api/v1/incidents/{inc_id}/reports", headers=hdr["leader"]).json
    return log["version"], len(log["events"]), len(listed["reports"])


def test_draft_edit_issue_and_download(client, hdr, inc_id):
    base = f"/api/v1/incidents/{inc_id}/reports"
    res = client.post(base, json={"kind": "initial", "expected_version": 1},
                      headers=hdr["duty_officer"])
    assert res.status_code == 201, res.json
    rid = res.json["id"]
    res = client.put(f"{base}/{rid}", json={"content": {"cause": "管道破裂"},
                                            "expected_version": 2}, headers=hdr["duty_officer"])
    assert res.status_code == 200 and res.json["sections"][5]["text"] == "管道破裂"
    before = _state(client, hdr, inc_id)
    res = client.post(f"{base}/{rid}/issue", json={"expected_version": 3},
                      headers=hdr["duty_officer"])
    assert res.status_code == 403 and res.json["fields"] == {"role": "duty_officer"}
    assert client.post(f"{base}/{rid}/issue", json={"expected_version": 3},
                       headers=hdr["field_team"]).status_code == 403
    assert _state(client, hdr, inc_id) == before
    res = client.post(f"{base}/{rid}/issue", json={"expected_version": 3},
                      headers=hdr["leader"])
    assert res.status_code == 200 and res.json["status"] == "issued"
    assert res.json["issued_by"] == "api_leader"
    after = _state(client, hdr, inc_id)
    assert client.post(f"{base}/{rid}/issue", json={"expected_version": 4},
                       headers=hdr["leader"]).status_code == 409
    res = client.put(f"{base}/{rid}", json={"content": {"cause": "改"}, "expected_version": 4},
                     headers=hdr["duty_officer"])
    assert res.status_code == 409 and res.json["fields"] == {"status": "issued"}
    assert _state(client, hdr, inc_id) == after
    listed = client.get(base, headers=hdr["field_team"]).json
    assert listed["clock"]["next"] == "followup" and listed["reports"][0]["doc_no"]
    log = client.get(f"/api/v1/incidents/{inc_id}/events", headers=hdr["leader"]).json
    issued = [e for e in log["events"] if e["kind"] == "report_issued"]
    assert len(issued) == 1 and issued[0]["payload"]["report_id"] == rid
    docx = client.get(f"{base}/{rid}.docx", headers=hdr["field_team"])
    assert docx.status_code == 200 and "attachment" in docx.headers["Content-Disposition"]
    words = "\n".join(p.text for p in Document(io.BytesIO(docx.data)).paragraphs)
    assert all(h in words for _k, h, _e in SECTIONS["initial"]) and "管道破裂" in words
    pdf = client.get(f"{base}/{rid}.pdf", headers=hdr["field_team"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.data, capture_output=True,
                          check=True).stdout.decode()
    assert "管道破裂" in text and "api_leader" in text


def test_bad_input_is_422_naming_the_field_and_stores_nothing(client, hdr, inc_id):
    base = f"/api/v1/incidents/{inc_id}/reports"
    officer = hdr["duty_officer"]
    before = _state(client, hdr, inc_id)
    for body, field in (({"kind": "weekly", "expected_version": 1}, "kind"),
                        ({"kind": "initial"}, "expected_version"),
                        ({"kind": "initial", "expected_version": "1"}, "expected_version"),
                        ({"corrects": 0, "expected_version": 1}, "corrects")):
        res = client.post(base, json=body, headers=officer)
        assert res.status_code == 422 and field in res.json["fields"], (body, res.json)
    assert client.post(base, json={"kind": "initial", "expected_version": 99},
                       headers=officer).status_code == 409
    assert client.post(base, json={"kind": "followup", "expected_version": 1},
                       headers=officer).status_code == 409  # no initial report issued
    assert _state(client, hdr, inc_id) == before
    rid = client.post(base, json={"kind": "initial", "expected_version": 1},
                      headers=officer).json["id"]
    before = _state(client, hdr, inc_id)
    for body, field in (({"content": {"nope": "x"}, "expected_version": 2}, "content.nope"),
                        ({"content": {"cause": 5}, "expected_version": 2}, "content"),
                        ({"content": {"cause": "x" * 20_001}, "expected_version": 2},
                         "content"),
                        ({"title": "", "expected_version": 2}, "title")):
        res = client.put(f"{base}/{rid}", json=body, headers=officer)
        assert res.status_code == 422, (body, res.json)
        assert any(k.startswith(field) for k in res.json["fields"]), (body, res.json)
    assert client.put(f"{base}/{rid}", json={"content": {}, "expected_version": 1},
                      headers=officer).status_code == 409
    assert client.get(f"{base}/{rid}.txt", headers=officer).status_code == 422
    assert client.get(f"{base}/987654", headers=officer).status_code == 404
    assert client.get("/api/v1/incidents/987654/reports", headers=officer).status_code == 404
    assert _state(client, hdr, inc_id) == before


def test_who_may_do_what(client, hdr, inc_id):
    base = f"/api/v1/incidents/{inc_id}/reports"
    assert client.get(base).status_code == 401  # anonymous never see incidents
    assert client.post(base, json={"kind": "initial", "expected_version": 1}
                       ).status_code == 401
    res = client.post(base, json={"kind": "initial", "expected_version": 1},
                      headers=hdr["field_team"])
    assert res.status_code == 403
    res = client.post(base, json={"kind": "initial", "expected_version": 1},
                      headers=hdr["leader"])  # a leader does all a duty officer does
    assert res.status_code == 201
    assert client.get(f"{base}/{res.json['id']}.pdf").status_code == 401

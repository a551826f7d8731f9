"""Risk supervision (issue 17 item 5) on real PostGIS: hazards from finding to closing,
evidence checked by its content, stale edits refused, every change audited in a log the
database keeps append-only, the dashboard's counts and its workbook read back."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.conftest import bearer_for
from webgis.models.supervision import AuditEntry, Hazard, HazardEvidence
from webgis.services import users
from webgis.services.hazards import prefecture_of, today_in_china

PASSWORD = "ten chars!"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def staff(app, client, session):
    return bearer_for(app, "sup_planner", "planner")


def _counts(session) -> tuple[int, int, int]:
    return (session.execute(select(func.count(Hazard.id))).scalar_one(),
            session.execute(select(func.count(HazardEvidence.id))).scalar_one(),
            session.execute(select(func.count(AuditEntry.id))).scalar_one())


def _new(client, hdr, **kw):
    today = today_in_china()
    body = {"enterprise": "ENT_A", "found_on": (today - timedelta(days=40)).isoformat(),
            "category": "water_containment", "grade": "major",
            "description": "事故应急池容积不足，雨水排口未设切换阀",
            "deadline": (today - timedelta(days=10)).isoformat(), **kw}
    return client.post("/api/v1/hazards", json=body, headers=hdr)


def test_a_hazard_from_finding_to_closing_with_evidence_and_audit(client, staff, session):
    made = _new(client, staff)
    assert made.status_code == 201, made.json
    h = made.json
    year = (today_in_china() - timedelta(days=40)).year
    assert h["code"] == f"HZ-{year}-00001" and h["status"] == "found"
    assert h["overdue"] is True and h["days_overdue"] == 10 and h["version"] == 1
    # closing without evidence or the day is refused, nothing changes
    before = _counts(session)
    no = client.patch(f"/api/v1/hazards/{h['code']}", headers=staff,
                      json={"expected_version": 1, "status": "closed"})
    assert no.status_code == 422
    assert set(no.json["fields"]) == {"closed_on", "rectification", "evidence"}
    assert _counts(session) == before
    # rectifying, then evidence, then closed
    r = client.patch(f"/api/v1/hazards/{h['code']}", headers=staff,
                     json={"expected_version": 1, "status": "rectifying",
                           "rectification": "扩建应急池至 600 m³，加装切换阀"})
    assert r.status_code == 200 and r.json["version"] == 2
    up = client.post(f"/api/v1/hazards/{h['code']}/evidence", headers=staff,
                     data={"file": (io.BytesIO(PNG), "现场照片.png")},
                     content_type="multipart/form-data")
    assert up.status_code == 201, up.json
    [ev] = up.json["evidence"]
    assert ev["content_type"] == "image/png" and ev["filename"] == "现场照片.png"
    got = client.get(ev["url"], headers=staff)
    assert got.status_code == 200 and got.data == PNG and got.mimetype == "image/png"
    closed_on = today_in_china().isoformat()
    c = client.patch(f"/api/v1/hazards/{h['code']}", headers=staff,
                     json={"expected_version": up.json["version"], "status": "closed",
                           "closed_on": closed_on})
    assert c.status_code == 200, c.json
    assert c.json["status"] == "closed" and c.json["overdue"] is False
    # a closed hazard is final
    again = client.patch(f"/api/v1/hazards/{h['code']}", headers=staff,
                         json={"expected_version": c.json["version"], "status": "found"})
    assert again.status_code == 409
    trail = client.get(f"/api/v1/hazards/{h['code']}/audit", headers=staff).json["audit"]
    assert [a["action"] for a in trail] == ["hazard_created", "hazard_changed",
                                            "evidence_added", "hazard_changed"]
    assert trail[1]["before"]["status"] == "found"
    assert trail[1]["after"]["status"] == "rectifying"
    assert {a["actor"] for a in trail} == {"sup_planner"}


def test_a_stale_edit_is_refused_with_the_current_row(client, staff, session):
    code = _new(client, staff).json["code"]
    ok = client.patch(f"/api/v1/hazards/{code}", headers=staff,
                      json={"expected_version": 1, "description": "更新描述"})
    assert ok.status_code == 200 and ok.json["version"] == 2
    before = _counts(session)
    stale = client.patch(f"/api/v1/hazards/{code}", headers=staff,
                         json={"expected_version": 1, "grade": "general"})
    assert stale.status_code == 409
    assert stale.json["current"]["version"] == 2
    assert stale.json["current"]["description"] == "更新描述"
    assert _counts(session) == before


@pytest.mark.parametrize("change, field", [
    ({"enterprise": "NO_SUCH"}, "enterprise"),
    ({"category": "weather"}, "category"),
    ({"grade": "medium"}, "grade"),
    ({"description": ""}, "description"),
    ({"found_on": "2026-02-30"}, "found_on"),
    ({"deadline": "1990-01-01"}, "deadline"),
    ({"found_on": "2026-05-10", "deadline": "2026-05-01"}, "body"),
    ({"colour": "red"}, "colour"),
])
def test_bad_hazards_name_the_field_and_store_nothing(client, staff, session, change, field):
    before = _counts(session)
    r = _new(client, staff, **change)
    assert r.status_code == 422, r.json
    assert field in r.json["fields"]
    assert _counts(session) == before


def test_evidence_must_be_an_image_or_pdf_by_its_content(client, staff, session):
    code = _new(client, staff).json["code"]
    before = _counts(session)
    fake = client.post(f"/api/v1/hazards/{code}/evidence", headers=staff,
                       data={"file": (io.BytesIO(b"MZ\x90\x00 not an image"), "photo.png")},
                       content_type="multipart/form-data")
    assert fake.status_code == 422 and "file" in fake.json["fields"]
    missing = client.post(f"/api/v1/hazards/{code}/evidence", headers=staff, data={},
                          content_type="multipart/form-data")
    assert missing.status_code == 422
    assert _counts(session) == before
    pdf = client.post(f"/api/v1/hazards/{code}/evidence", headers=staff,
                      data={"file": (io.BytesIO(PDF), "../../etc/整改报告.pdf")},
                      content_type="multipart/form-data")
    assert pdf.status_code == 201
    assert pdf.json["evidence"][0]["filename"] == "整改报告.pdf"  # no path kept


def test_roles_readers_and_writers(app, client, staff, session):
    field = bearer_for(app, "sup_field", "field_team")
    code = _new(client, staff).json["code"]
    assert client.get("/api/v1/hazards", headers=field).status_code == 200
    assert _new(client, field).status_code == 403
    assert client.patch(f"/api/v1/hazards/{code}", headers=field,
                        json={"expected_version": 1, "grade": "general"}).status_code == 403
    assert client.get("/api/v1/hazards").status_code == 401
    assert client.get("/api/v1/supervision/dashboard").status_code == 401


def test_filters_and_overdue(client, staff):
    today = today_in_china()
    _new(client, staff)  # overdue
    _new(client, staff, deadline=(today + timedelta(days=30)).isoformat())
    late = client.get("/api/v1/hazards?overdue=true", headers=staff).json["hazards"]
    assert [h["days_overdue"] for h in late] == [10]
    all_rows = client.get("/api/v1/hazards?enterprise=ENT_A", headers=staff).json["hazards"]
    assert len(all_rows) == 2 and all_rows[0]["overdue"]  # the most overdue first
    assert client.get("/api/v1/hazards?status=open", headers=staff).status_code == 422
    assert client.get("/api/v1/hazards?prefecture=62", headers=staff).status_code == 422


def test_filing_status_is_audited_and_a_repeat_changes_nothing(client, staff, session):
    r = client.patch("/api/v1/enterprises/ENT_A/filing", headers=staff,
                     json={"plan_filed": False})
    assert r.json == {"code": "ENT_A", "plan_filed": False, "changed": True}
    before = _counts(session)
    same = client.patch("/api/v1/enterprises/ENT_A/filing", headers=staff,
                        json={"plan_filed": False})
    assert same.json["changed"] is False and _counts(session) == before
    assert client.patch("/api/v1/enterprises/NOPE/filing", headers=staff,
                        json={"plan_filed": True}).status_code == 404
    assert client.patch("/api/v1/enterprises/ENT_A/filing", headers=staff,
                        json={"plan_filed": "yes"}).status_code == 422


def test_dashboard_counts_and_the_workbook_read_back(client, staff):
    _new(client, staff)
    _new(client, staff, deadline=(today_in_china() + timedelta(days=5)).isoformat())
    board = client.get("/api/v1/supervision/dashboard", headers=staff).json
    total = board["total"]
    assert (total["enterprises"], total["major"], total["plan_filed"]) == (1, 1, 1)
    assert (total["hazards_open"], total["hazards_overdue"], total["hazards_closed"]) == (
        2, 1, 0)
    [yellow] = [b for b in board["by_basin"] if b["hazards_open"]]
    assert yellow["enterprises"] == 1
    assert {f["value"] for f in board["reported"]} == {863, 5228}
    resp = client.get("/api/v1/supervision/export.xlsx?lang=zh", headers=staff)
    assert resp.status_code == 200
    wb = load_workbook(io.BytesIO(resp.data))
    assert wb.sheetnames == ["按市州", "按流域", "省厅公布数据", "隐患"]
    ledger = list(wb["隐患"].values)
    assert len(ledger) == 3 and ledger[0][0] == "编码"
    late_row = next(r for r in ledger[1:] if r[11] == 10)
    assert wb["隐患"].cell(row=ledger.index(late_row) + 1, column=1).fill.fgColor.rgb == (
        "FFFFC7CE")
    en = load_workbook(io.BytesIO(client.get("/api/v1/supervision/export.xlsx?lang=en",
                                             headers=staff).data))
    assert en.sheetnames == ["By prefecture", "By river basin", "Reported figures", "Hazards"]


def test_the_audit_log_refuses_update_and_delete(client, staff, session):
    _new(client, staff)
    for sql in ("UPDATE audit_log SET actor_name = 'x'", "DELETE FROM audit_log"):
        nested = session.begin_nested()
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text(sql))
        nested.rollback()


def test_prefecture_of_county_and_prefecture_codes():
    prefs = {"620100", "620171", "622900"}
    assert prefecture_of("620102", prefs) == "620100"  # a Lanzhou district
    assert prefecture_of("620171", prefs) == "620171"  # Lanzhou New District itself
    assert prefecture_of("622921", prefs) == "622900"  # a Linxia county
    assert prefecture_of("630100", prefs) is None and prefecture_of(None, prefs) is None
    assert prefecture_of("62ab00", prefs) is None
    assert date(2026, 1, 1) <= today_in_china() <= date(2100, 1, 1)


def _sign_in(client, app, name: str, role: str) -> None:
    with app.app_context():
        users.create_user(name, role, PASSWORD)
    page = client.get("/login")
    token = page.data.decode().split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    r = client.post("/login", data={"username": name, "password": PASSWORD,
                                    "csrf_token": token})
    assert r.status_code in (302, 303), r.data[:300]


def test_the_page_needs_sign_in_and_shows_the_ledger_in_chinese(app, client, staff):
    assert client.get("/supervision").status_code in (302, 303)
    _new(client, staff)
    _sign_in(client, app, "sup_reader", "field_team")
    page = client.get("/supervision").data.decode()
    assert "环境风险监管" in page and "事故应急池容积不足" in page
    assert "逾期 10 天" in page and "公布数据，非本系统统计" in page
    assert 'id="new-hazard"' not in page  # a field team reads only
    assert client.get("/supervision?status=open").status_code == 422


def _multipart(name: str, content: bytes) -> dict:
    """A multipart body built in memory (the test client spools large ones to a temporary
    file it never closes)."""
    upload = FileStorage(stream=io.BytesIO(content), filename=name,
                         content_type="application/octet-stream")
    boundary, body = encode_multipart({"file": upload})
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def test_evidence_routes_take_larger_bodies_than_the_json_api(client, staff, session):
    code = _new(client, staff).json["code"]
    photo = PNG + b"\x00" * (3 * 2**20)  # a 3 MB phone photo; JSON bodies stop at 1 MB
    up = client.post(f"/api/v1/hazards/{code}/evidence", headers=staff,
                     **_multipart("photo.png", photo))
    assert up.status_code == 201 and up.json["evidence"][0]["size_bytes"] == len(photo)
    big = client.post("/api/v1/hazards", headers={**staff, "Content-Type": "application/json"},
                      data=b"{" + b" " * (2 * 2**20) + b"}")
    assert big.status_code == 413
    huge = PNG + b"\x00" * (11 * 2**20)
    before = _counts(session)
    too = client.post(f"/api/v1/hazards/{code}/evidence", headers=staff,
                      **_multipart("huge.png", huge))
    assert too.status_code == 422 and "file" in too.json["fields"]
    assert _counts(session) == before

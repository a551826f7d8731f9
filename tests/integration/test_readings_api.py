"""Readings over HTTP (issue 14 item 3): roles, an automatic station's token post without
CSRF nor version, a signed-in field team with CSRF and version, the CSV/XLSX upload with
its template (real files written here, UTF-8 and GB18030, openpyxl), every bad row named
by line and field with nothing stored (counted), and the comparison endpoint."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from tests.conftest import incident_request
from webgis.models.incident import IncidentEvent, IncidentReading
from webgis.services import analysis, users

BODY = incident_request()
PASSWORD = "ten chars!"
HEADER = ["站点类型(station_kind)", "站点编码(station_code)", "经度(lon)", "纬度(lat)",
          "采样时间(sampled_at)", "污染物(pollutant)", "浓度(value)", "单位(unit)",
          "低于检出限(below_detection)", "检出限(detection_limit)", "质控标记(qa_flag)"]
GOOD_ROWS = [
    ["断面", "SEC_A", "", "", "2026-05-01 14:00", "", "0.05", "mg/L", "否", "", "正常"],
    ["取水口", "WS_A", "", "", "2026/5/1 15:00", "", "<2", "µg/L", "", "", "存疑"],
    ["点位", "", "103.25", "36.03", "2026年5月1日 16时00分", "BENZENE", "12", "ug/L", "", "",
     ""],
]


@pytest.fixture
def tokens(app, session):
    analysis.recent.clear()
    out = {}
    with app.app_context():
        for name, role in (("api_officer", "duty_officer"), ("st-W03", "field_team"),
                           ("api_planner", "planner")):
            users.create_user(name, role, PASSWORD)
            out[role] = {"Authorization": f"Bearer {users.issue_token(name, 1)[0]}"}
    yield out
    analysis.recent.clear()


@pytest.fixture
def inc_id(client, tokens):
    resp = client.post("/api/v1/incidents", json={"request": BODY},
                       headers=tokens["duty_officer"])
    assert resp.status_code == 201, resp.json
    return resp.json["id"]


def _count(session, inc_id, model=IncidentReading):
    return session.scalar(select(func.count()).select_from(model)
                          .where(model.incident_id == inc_id))


def _csv(rows, encoding="utf-8-sig") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([HEADER, *rows])
    return out.getvalue().encode(encoding)


def _xlsx(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _upload(client, inc_id, data, headers, name="r.csv", **form):
    return client.post(f"/api/v1/incidents/{inc_id}/readings/upload?lang=en", headers=headers,
                       data={"file": (io.BytesIO(data), name), **form},
                       content_type="multipart/form-data")


def test_a_station_posts_with_its_token_no_csrf_no_version(client, tokens, inc_id, session):
    one = {"station_kind": "section", "station_code": "SEC_A", "value": 42, "unit": "µg/L",
           "sampled_at": "2026-05-01T14:00:00+08:00"}
    resp = client.post(f"/api/v1/incidents/{inc_id}/readings", json=one,
                       headers=tokens["field_team"])
    assert resp.status_code == 201, resp.json
    assert resp.json["readings"][0]["source"] == "station"
    assert resp.json["readings"][0]["value_mg_l"] == pytest.approx(0.042)
    batch = {"readings": [one, {**one, "value": 0.03, "unit": "mg/L"}]}
    assert client.post(f"/api/v1/incidents/{inc_id}/readings", json=batch,
                       headers=tokens["field_team"]).status_code == 201
    listed = client.get(f"/api/v1/incidents/{inc_id}/readings", headers=tokens["planner"])
    assert listed.status_code == 200 and len(listed.json["readings"]) == 3
    assert listed.json["readings"][0]["entered_by"] == "st-W03"
    assert _count(session, inc_id, IncidentEvent) == 3  # created + two writes


def test_roles_anonymous_and_planner_cannot_enter_anonymous_cannot_read(
        client, tokens, inc_id, session):
    one = {"station_kind": "section", "station_code": "SEC_A", "value": 0.1,
           "sampled_at": "2026-05-01T14:00:00+08:00"}
    url = f"/api/v1/incidents/{inc_id}/readings"
    assert client.post(url, json=one).status_code == 401
    assert client.post(url, json=one, headers=tokens["planner"]).status_code == 403
    assert client.get(url).status_code == 401
    assert client.get(url + "/compare").status_code == 401
    assert _count(session, inc_id) == 0


@pytest.mark.parametrize(("change", "field"), [
    ({"value": -1}, "readings[1].value"),
    ({"unit": "ppm"}, "readings[1].unit"),
    ({"station_code": "NOPE"}, "readings[1].station_code"),
    ({"sampled_at": "2099-01-01T00:00:00Z"}, "readings[1].sampled_at"),
    ({"sampled_at": "2026-04-01T00:00:00Z"}, "readings[1].sampled_at"),
    ({"colour": "red"}, "readings[1].colour"),
])
def test_a_bad_reading_over_http_is_422_naming_it_and_nothing_is_stored(
        client, tokens, inc_id, session, change, field):
    one = {"station_kind": "section", "station_code": "SEC_A", "value": 0.1,
           "sampled_at": "2026-05-01T14:00:00+08:00"}
    resp = client.post(f"/api/v1/incidents/{inc_id}/readings",
                       json={"readings": [one, {**one, **change}]},
                       headers=tokens["field_team"])
    assert resp.status_code == 422, resp.json
    assert field in resp.json["fields"], resp.json
    assert _count(session, inc_id) == 0 and _count(session, inc_id, IncidentEvent) == 1


def test_a_signed_in_field_team_needs_csrf_and_the_version(app, client, tokens, inc_id):
    html = client.get("/login").get_data(as_text=True)
    csrf_token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    client.post("/login", data={"username": "st-W03", "password": PASSWORD,
                                "csrf_token": csrf_token})
    one = {"station_kind": "section", "station_code": "SEC_A", "value": 0.1,
           "sampled_at": "2026-05-01T14:00:00+08:00"}
    url = f"/api/v1/incidents/{inc_id}/readings"
    assert client.post(url, json=one).status_code == 403  # no CSRF token
    hdr = {"X-CSRFToken": csrf_token}
    missing = client.post(url, json=one, headers=hdr)
    assert missing.status_code == 422 and "expected_version" in missing.json["fields"]
    ok = client.post(url, json={**one, "expected_version": 1}, headers=hdr)
    assert ok.status_code == 201 and ok.json["readings"][0]["source"] == "hand"
    stale = client.post(url, json={**one, "expected_version": 1}, headers=hdr)
    assert stale.status_code == 409 and stale.json["current"]["version"] == 2
    rid = ok.json["readings"][0]["id"]
    gone = client.delete(f"{url}/{rid}", json={"expected_version": 2}, headers=hdr)
    assert gone.status_code == 403  # field teams only add


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_csv_upload_in_utf8_and_gb18030_stores_every_row(client, tokens, inc_id, session,
                                                         encoding):
    resp = _upload(client, inc_id, _csv(GOOD_ROWS, encoding), tokens["field_team"])
    assert resp.status_code == 201, resp.json
    assert resp.json["stored"] == 3
    assert resp.json["encoding"] == ("gb18030" if encoding == "gb18030" else "utf-8")
    rows = {r["station_kind"]: r for r in resp.json["readings"]}
    assert rows["intake"]["below_detection"] and rows["intake"]["value_mg_l"] == 0.002
    assert rows["point"]["value_mg_l"] == pytest.approx(0.012)
    assert rows["section"]["sampled_at"].startswith("2026-05-01T06:00:00")  # Beijing time
    assert rows["intake"]["sampled_at"].startswith("2026-05-01T07:00:00")
    assert rows["point"]["sampled_at"].startswith("2026-05-01T08:00:00")
    assert {r["source"] for r in resp.json["readings"]} == {"file"}
    assert _count(session, inc_id) == 3


def test_xlsx_upload_with_datetime_cells(client, tokens, inc_id, session):
    from datetime import datetime

    rows = [[*r[:4], datetime(2026, 5, 1, 14 + i), *r[5:]] for i, r in enumerate(GOOD_ROWS)]
    resp = _upload(client, inc_id, _xlsx(rows), tokens["duty_officer"], name="r.xlsx")
    assert resp.status_code == 201, resp.json
    assert resp.json["stored"] == 3 and resp.json["encoding"] is None
    assert _count(session, inc_id) == 3


def test_a_bad_file_names_every_bad_line_and_field_and_stores_nothing(
        client, tokens, inc_id, session):
    bad = [GOOD_ROWS[0],
           ["断面", "SEC_A", "", "", "2026-05-01 14:00", "", "-3", "mg/L", "", "", ""],
           GOOD_ROWS[1],
           ["断面", "SEC_A", "", "", "2026-05-01 14:00", "", "0.1", "ppm", "", "", ""],
           ["点位", "", "104.9", "37.9", "2026-05-01 14:00", "", "0.1", "mg/L", "", "", ""],
           ["断面", "SEC_A", "", "", "", "", "0.1", "mg/L", "", "", ""]]
    for data, name in ((_csv(bad), "bad.csv"), (_xlsx(bad), "bad.xlsx")):
        resp = _upload(client, inc_id, data, tokens["field_team"], name=name)
        assert resp.status_code == 422, resp.json
        found = {(r["line"], r["field"]) for r in resp.json["rows"]}
        assert found == {(3, "value"), (5, "unit"), (6, "lon"), (7, "sampled_at")}, found
        assert "line 3: value" in resp.json["fields"]
    assert _count(session, inc_id) == 0 and _count(session, inc_id, IncidentEvent) == 1


def test_unreadable_files_and_headers_are_refused(client, tokens, inc_id, session):
    hdr = tokens["field_team"]
    assert _upload(client, inc_id, b"", hdr).status_code == 422
    assert _upload(client, inc_id, b"PK\x03\x04garbage", hdr, name="x.xlsx").status_code == 422
    wrong = b"colour,value\nred,1\n"
    resp = _upload(client, inc_id, wrong, hdr)
    assert resp.status_code == 422 and {"line": 1, "field": "header",
                                        "message": "unknown column 'colour'"} in resp.json["rows"]
    assert client.post(f"/api/v1/incidents/{inc_id}/readings/upload", headers=hdr,
                       data={}).status_code == 422
    assert _count(session, inc_id) == 0


def test_the_templates_download_and_read_back_into_an_upload(client, tokens, inc_id):
    csv_t = client.get("/api/v1/readings/template.csv")
    assert csv_t.status_code == 200 and csv_t.data.startswith(b"\xef\xbb\xbf")
    header = next(csv.reader(io.StringIO(csv_t.data.decode("utf-8-sig"))))
    assert header == HEADER
    xlsx_t = client.get("/api/v1/readings/template.xlsx")
    assert xlsx_t.status_code == 200
    wb = load_workbook(io.BytesIO(xlsx_t.data))
    assert [c.value for c in wb.worksheets[0][1]] == HEADER
    notes = [r[1] for r in wb.worksheets[1].iter_rows(values_only=True)]
    assert "SEC_A" in notes and "WS_A" in notes
    assert client.get("/api/v1/readings/template.pdf").status_code == 422
    # the template filled in is accepted as it is
    filled = csv_t.data + "断面,SEC_A,,,2026-05-01 14:00,,0.05,mg/L,否,,正常\r\n".encode()
    assert _upload(client, inc_id, filled, tokens["field_team"]).status_code == 201


def test_compare_over_http(client, tokens, inc_id):
    one = {"station_kind": "section", "station_code": "SEC_A", "value": 0.1,
           "sampled_at": "2026-05-01T14:00:00+08:00"}
    client.post(f"/api/v1/incidents/{inc_id}/readings", json=one, headers=tokens["field_team"])
    got = client.get(f"/api/v1/incidents/{inc_id}/readings/compare",
                     headers=tokens["field_team"])
    assert got.status_code == 200
    [st] = got.json["stations"]
    assert st["station_code"] == "SEC_A" and st["predicted"] and st["readings"]
    assert st["skill"]["arrival_error_h"] is None and st["skill"]["reasons"]


def test_an_automatic_station_account_from_the_cli_posts_with_its_token(
        runner, client, inc_id, session):
    made = runner.invoke(args=["users", "create", "st-W09", "--role", "field_team",
                               "--password", PASSWORD])
    assert made.exit_code == 0, made.output
    issued = runner.invoke(args=["users", "token", "st-W09", "--ttl-days", "3650"])
    assert issued.exit_code == 0, issued.output
    token = issued.stdout.strip().splitlines()[0]
    resp = client.post(f"/api/v1/incidents/{inc_id}/readings",
                       headers={"Authorization": f"Bearer {token}"},
                       json={"station_kind": "point", "station_code": "W09", "lon": 103.25,
                             "lat": 36.03, "value": 0.021,
                             "sampled_at": "2026-05-01T14:00:00+08:00"})
    assert resp.status_code == 201, resp.json
    [row] = resp.json["readings"]
    assert (row["source"], row["station_code"], row["entered_by"]) == ("station", "W09",
                                                                       "st-W09")
    assert _count(session, inc_id) == 1


def test_a_bad_file_is_reported_in_chinese_in_chinese_mode(client, tokens, inc_id, session):
    bad = [["断面", "SEC_A", "", "", "2026-05-01 14:00", "", "0.1", "ppm", "", "", ""],
           ["断面", "NOPE", "", "", "2026-05-01 14:00", "", "0.1", "mg/L", "", "", ""]]
    resp = _upload(client, inc_id, _csv(bad), tokens["field_team"])
    zh = client.post(f"/api/v1/incidents/{inc_id}/readings/upload?lang=zh",
                     headers=tokens["field_team"],
                     data={"file": (io.BytesIO(_csv(bad)), "r.csv")},
                     content_type="multipart/form-data").json
    assert resp.status_code == 422
    en_rows = {r["field"]: r["message"] for r in resp.json["rows"]}
    zh_rows = {r["field"]: r["message"] for r in zh["rows"]}
    assert en_rows["unit"].startswith("unit: unknown unit ppm")
    assert "未知单位" in zh_rows["unit"] and "没有编码为 NOPE" in zh_rows["station_code"]
    assert zh["error"].startswith("有 2 处数值无效") and "line 2: " in zh["error"]
    assert set(zh["fields"]) == {"line 2: unit", "line 3: station_code"}
    assert _count(session, inc_id) == 0

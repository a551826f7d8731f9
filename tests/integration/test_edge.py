"""The edge (issue 12): every failure under /api and on the map's JSON routes is JSON
`{"error", "fields"}`, the cases that used to give a 500, the limits, and the headers."""

from __future__ import annotations

import json
import re

import psycopg
import pytest
from flask import abort
from sqlalchemy.exc import OperationalError
from werkzeug.test import Client

from webgis.models import User

BODY = {
    "location": {"lon": 103.1, "lat": 35.92},
    "pollutant": "BENZENE",
    "release": {"mass_kg": 2000, "duration_h": 0},
    "season": "normal",
    "horizon_h": 72,
}
PASSWORD = "edge test password"
ERROR_CODES = (400, 401, 403, 404, 405, 409, 413, 414, 415, 422, 429, 431, 500, 503)


def _is_error_json(resp) -> bool:
    if resp.mimetype != "application/json":
        return False
    body = json.loads(resp.get_data())
    return isinstance(body.get("error"), str) and isinstance(body.get("fields"), dict)


def _raw_post(client, text: str, url: str = "/api/v1/incidents/analyze", **kwargs):
    return client.post(url, data=text.encode("utf-8", "surrogatepass"),
                       content_type="application/json", **kwargs)


@pytest.mark.parametrize("url", [
    "/api/v1/incidents/2147483648",
    "/api/v1/incidents/99999999999999999999",
    "/api/v1/incidents/2147483648/sheet.pdf",
    "/incidents/2147483648/sheet.pdf",
    "/api/v1/incidents/2147483648/sheet.zip",
    "/incidents/2147483648/sheet.zip",
    "/api/v1/incidents/2147483648/export.geojson",
    "/api/v1/incidents/" + "9" * 5000,
])
def test_ids_beyond_integer_are_404_json(client, url):
    resp = client.get(url)
    assert resp.status_code == 404, resp.data[:200]
    assert _is_error_json(resp)


def test_incident_page_beyond_integer_is_404(client):
    assert client.get("/incidents/2147483648").status_code == 404


@pytest.mark.parametrize("path,value", [
    (("release", "mass_kg"), 2**70),
    (("release", "mass_kg"), -(2**70)),
    (("casualties",), 2**64),
    (("evacuated",), 10**40),
    (("location", "lon"), 2**80),
])
def test_integers_beyond_64_bits_are_422(client, path, value):
    body = json.loads(json.dumps(BODY))
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    resp = client.post("/api/v1/incidents/analyze", json=body)
    assert resp.status_code == 422, resp.data[:200]
    assert ".".join(path) in resp.get_json()["fields"]


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59", "9999-12-31T23:59:59-12:00",
                                  "0001-01-01T00:00:00+14:00", "1800-01-01", "2300-01-01"])
def test_out_of_range_dates_are_422(client, when):
    resp = client.post("/api/v1/incidents/analyze", json={**BODY, "started_at": when})
    assert resp.status_code == 422, resp.data[:200]
    assert "started_at" in resp.get_json()["fields"]


@pytest.fixture
def officer_csrf(client, session):
    user = User(username="duty_edge", role="duty_officer")
    user.set_password(PASSWORD)
    session.add(user)
    session.commit()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    resp = client.post("/login", data={"username": "duty_edge", "password": PASSWORD,
                                       "csrf_token": token})
    assert resp.status_code == 302
    page = client.get("/").get_data(as_text=True)
    cfg = json.loads(re.search(r'id="webgis-config" type="application/json">(.*?)</script>',
                               page).group(1))
    return cfg["csrf"]


def test_saving_year_9999_is_422_and_writes_nothing(client, officer_csrf):
    before = len(client.get("/api/v1/incidents?limit=100").get_json()["incidents"])
    resp = client.post("/api/v1/incidents",
                       json={"request": {**BODY, "started_at": "9999-12-31T23:00:00"}},
                       headers={"X-CSRFToken": officer_csrf})
    # named by its path in the save body (issue 13: fields named by the request model)
    assert resp.status_code == 422 and "request.started_at" in resp.get_json()["fields"]
    assert len(client.get("/api/v1/incidents?limit=100").get_json()["incidents"]) == before


@pytest.mark.parametrize("url", ["/api/v1/incidents/analyze", "/api/v1/sheets",
                                 "/api/v1/sheets.zip"])
def test_deep_json_is_400(client, url):
    resp = _raw_post(client, "[" * 10_000 + "]" * 10_000, url)
    assert resp.status_code == 400 and _is_error_json(resp)
    nested = {"a": 1}
    for _ in range(40):
        nested = {"a": nested}
    resp = client.post(url, json={**BODY, "extra": nested})
    assert resp.status_code == 400 and "body" in resp.get_json()["fields"]


@pytest.mark.parametrize("url,field", [
    ("/map/layers.json?zoom=²", "zoom"), ("/map/layers.json?zoom=٣", "zoom"),
    ("/api/v1/incidents?limit=²", "limit"), ("/api/v1/incidents?limit=١٠", "limit"),
    ("/api/v1/rivers?zoom=²", "zoom"), ("/api/v1/rivers?bbox=¹,²,³,⁴", "bbox"),
    ("/api/v1/rivers?zoom=%00", "zoom"), ("/api/v1/incidents?limit=1%01", "limit"),
])
def test_unicode_digits_and_controls_in_query_are_400(client, incident_reader, url, field):
    resp = client.get(url)
    # a control character makes the request unreadable (400, at the edge); a value that is
    # readable but not a valid number is 422 like every invalid value (issue 13)
    assert resp.status_code == (400 if "%" in url else 422), resp.data[:200]
    assert field in resp.get_json()["fields"]


@pytest.mark.parametrize("text,field", [
    ('"pollutant": "\\ud800"', "pollutant"),
    ('"pollutant": "BEN\\udfffZENE"', "pollutant"),
    ('"pollutant": "BEN\\u0000ZENE"', "pollutant"),
    ('"pollutant": "BENZENE\\u001b[31m"', "pollutant"),
    ('"season": "normal\\u0007"', "season"),
    ('"note\\ud800": 1', "note\\ud800"),
])
def test_bad_text_is_422_naming_the_field(client, text, field):
    body = json.dumps({k: v for k, v in BODY.items() if k not in ("pollutant", "season")})
    resp = _raw_post(client, body[:-1] + ', "pollutant": "BENZENE", ' + text + "}"
                     if "pollutant" not in text else body[:-1] + ", " + text + "}")
    assert resp.status_code == 422, resp.data[:200]
    assert field in resp.get_json()["fields"]


def test_bad_text_in_a_saved_title_is_refused(client, officer_csrf):
    resp = _raw_post(client, '{"title": "x\\ud800", "request": ' + json.dumps(BODY) + "}",
                     "/api/v1/incidents", headers={"X-CSRFToken": officer_csrf})
    assert resp.status_code in (400, 422) and _is_error_json(resp)


def test_body_size_limit_is_413_json(app, client):
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert limit and limit <= 10 * 2**20
    resp = _raw_post(client, '{"pad": "' + "x" * (limit + 10) + '"}')
    assert resp.status_code == 413 and _is_error_json(resp)
    resp = client.post("/api/v1/sheets", data=b"x" * (limit + 1),
                       content_type="application/octet-stream")
    assert resp.status_code == 413 and _is_error_json(resp)


def test_url_and_header_limits_are_json(app, client):
    resp = client.get("/api/v1/rivers?zoom=" + "9" * (app.config["MAX_URL_LENGTH"] + 1))
    assert resp.status_code == 414 and _is_error_json(resp)
    resp = client.get("/api/v1/layers",
                      headers={"X-Big": "a" * (app.config["MAX_HEADER_BYTES"] + 1)})
    assert resp.status_code == 431 and _is_error_json(resp)
    many = {f"X-H{i}": "v" for i in range(app.config["MAX_HEADER_COUNT"] + 1)}
    resp = client.get("/api/v1/layers", headers=many)
    assert resp.status_code == 431 and _is_error_json(resp)
    for length, status in (("1e9", 400), ("-1", 400), ("99999999999", 413)):
        resp = client.post("/api/v1/incidents/analyze", data=b"{}",
                           content_type="application/json",
                           environ_overrides={"CONTENT_LENGTH": length})
        assert resp.status_code == status and _is_error_json(resp), length


def test_405_is_json_with_allow(client):
    resp = client.delete("/api/v1/incidents")
    assert resp.status_code == 405 and _is_error_json(resp)
    assert "GET" in resp.headers["Allow"]
    resp = client.put("/map/layers.json")
    assert resp.status_code == 405 and _is_error_json(resp)


@pytest.fixture(scope="module")
def abort_app(app):
    """A second app with routes that fail in each way (routes cannot be added to `app`)."""
    from webgis import create_app
    from webgis.extensions import csrf

    other = create_app(dict(app.config))

    @other.route("/api/v1/_test/abort/<int:code>", methods=["GET", "POST"])
    @csrf.exempt
    def _abort(code: int):
        abort(code)

    @other.route("/api/v1/_test/crash")
    def _crash():
        raise RuntimeError("boom")

    @other.route("/api/v1/_test/teardown/<kind>")
    def _teardown(kind: str):
        return {"ok": True}

    @other.teardown_request
    def _fail(exc):
        from flask import request

        if request.path == "/api/v1/_test/teardown/db":
            raise OperationalError("SELECT 1", {},
                                   psycopg.OperationalError("server closed the connection"))
        if request.path == "/api/v1/_test/teardown/bug":
            raise RuntimeError("a teardown bug")

    return other


@pytest.mark.parametrize("code", ERROR_CODES)
def test_every_http_error_is_json(abort_app, code):
    resp = abort_app.test_client().get(f"/api/v1/_test/abort/{code}")
    assert resp.status_code == code
    assert _is_error_json(resp), resp.data[:200]
    if code == 503:
        assert resp.headers["Retry-After"].isdigit()


def test_unhandled_and_teardown_failures_are_json(abort_app):
    # werkzeug's client: Flask's test client runs the teardown after the response, outside
    # the app, where a server would not
    client = Client(abort_app, abort_app.response_class)
    resp = client.get("/api/v1/_test/crash")
    assert resp.status_code == 500 and _is_error_json(resp)
    resp = client.get("/api/v1/_test/teardown/db")
    assert resp.status_code == 503 and _is_error_json(resp)
    assert resp.headers["Retry-After"].isdigit()
    resp = client.get("/api/v1/_test/teardown/bug")
    assert resp.status_code == 500 and _is_error_json(resp)
    assert client.get("/api/v1/_test/teardown/ok").status_code == 200


def _policy(header: str) -> dict[str, str]:
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


def test_security_headers_everywhere(client):
    for url in ("/", "/login", "/api/v1/layers", "/api/v1/incidents/2147483648",
                "/map/layers.json"):
        resp = client.get(url)
        assert resp.headers["X-Content-Type-Options"] == "nosniff", url
        assert resp.headers["X-Frame-Options"] == "DENY", url
        assert resp.headers["Referrer-Policy"] in ("strict-origin-when-cross-origin",
                                                   "no-referrer"), url
        assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"], url
        assert "Server" not in resp.headers or not re.search(r"\d", resp.headers["Server"])


def test_map_page_scripts_all_carry_the_nonce(client):
    resp = client.get("/")
    policy = _policy(resp.headers["Content-Security-Policy"])
    script_src = policy["script-src"]
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    nonce = re.search(r"'nonce-([^']+)'", script_src).group(1)
    html = resp.get_data(as_text=True)
    inline = [tag for tag in re.findall(r"<script\b[^>]*>", html)
              if "src=" not in tag and "application/json" not in tag]
    assert inline, "the page has inline scripts to check"
    for tag in inline:
        assert f'nonce="{nonce}"' in tag, tag
    again = _policy(client.get("/").headers["Content-Security-Policy"])["script-src"]
    assert again != script_src  # a new nonce per response

"""The contract's errors (issue 13): one status per kind of error in every route, fields
named by their path in the request, Chinese messages in Chinese mode, the docs page."""

from __future__ import annotations

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import Point

from webgis import models as m

BODY = {
    "location": {"lon": 103.1, "lat": 35.92},
    "pollutant": "BENZENE",
    "release": {"mass_kg": 2000, "duration_h": 0},
}


@pytest.fixture
def incident_id(session, incident_reader):
    inc = m.Incident(kind="drill", title="t", river_code="MAIN", pollutant_code="BENZENE",
                     request=BODY, result={"level": {"suggested": "IV"}},
                     geom=from_shape(Point(103.1, 35.92), srid=4326))
    session.add(inc)
    session.flush()
    return inc.id


def test_unknown_season_format_and_lang_are_422_in_every_route(client, incident_id):
    answers = {
        "season (query)": client.get("/api/v1/reaches/MAIN-001?season=wet"),
        "season (body)": client.post("/api/v1/incidents/analyze",
                                     json={**BODY, "season": "wet"}),
        "format (path, export)": client.get(f"/api/v1/incidents/{incident_id}/export.docx"),
        "format (path, sheet)": client.post("/api/v1/sheets.docx", json=BODY),
        "format (query)": client.post("/api/v1/sheets?format=docx", json=BODY),
        "lang (query)": client.get(f"/api/v1/incidents/{incident_id}/sheet.pdf?lang=fr"),
        "limit (query)": client.get("/api/v1/incidents?limit=0"),
        "zoom (query)": client.get("/api/v1/rivers?zoom=99"),
        "bbox (query)": client.get("/api/v1/rivers?bbox=1,2,3"),
    }
    statuses = {name: resp.status_code for name, resp in answers.items()}
    assert set(statuses.values()) == {422}, statuses
    for name, resp in answers.items():
        field = name.split()[0]
        assert field in resp.get_json()["fields"], (name, resp.get_json())


def test_fields_are_named_by_their_path(client):
    resp = client.post("/api/v1/incidents/analyze",
                       json={**BODY, "location": {"lon": 500, "lat": 35.9},
                             "casualties": {"deaths": 1.5}})
    assert resp.status_code == 422
    assert set(resp.get_json()["fields"]) == {"location.lon", "casualties.deaths"}
    resp = client.post("/api/v1/incidents/analyze", json={**BODY, "pollutant": "NOPE"})
    body = resp.get_json()
    assert resp.status_code == 422 and body["fields"] == {"pollutant": "NOPE"}
    assert "BENZENE" in body["valid"]


def test_error_messages_are_chinese_in_chinese_mode(client, incident_reader):
    zh = client.get("/api/v1/incidents?limit=0&lang=zh").get_json()
    en = client.get("/api/v1/incidents?limit=0&lang=en").get_json()
    assert en["error"] == "limit must be ≥ 1"
    assert zh["error"] == "limit 必须不小于 1"
    assert zh["fields"] == en["fields"] == {"limit": "0"}
    far = client.post("/api/v1/incidents/analyze?lang=zh",
                      json={**BODY, "location": {"lon": 80.0, "lat": 30.0}}).get_json()
    assert far["error"].startswith("该点离河流太远") and far["nearest_river_code"]


def test_openapi_document_and_offline_docs_page(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"] == "3.1.0"
    analyze = doc["paths"]["/api/v1/incidents/analyze"]["post"]
    ref = analyze["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    request_schema = doc["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(request_schema["required"]) == {"location", "pollutant", "release"}
    page = client.get("/api/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert "http" not in html.replace('content="', "")  # nothing loaded from elsewhere
    for asset in ("vendor/swagger-ui/swagger-ui-bundle.js", "vendor/swagger-ui/swagger-ui.css",
                  "app/apidocs.js"):
        resp = client.get(f"/static/{asset}")
        assert resp.status_code == 200
        resp.close()

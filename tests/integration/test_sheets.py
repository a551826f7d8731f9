"""Response sheets on real PostGIS (mini fixture): saved incidents, scenarios, the CLI."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import zipfile

import gpxpy
import pytest
from openpyxl import load_workbook

from webgis import models as m

BODY = {
    "location": {"lon": 103.1, "lat": 35.92},
    "pollutant": "BENZENE",
    "release": {"mass_kg": 2000, "duration_h": 0},
    "started_at": "2026-05-01T08:00:00+08:00",
}


def _text(pdf: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    (tmp_path / "s.pdf").write_bytes(pdf)
    return subprocess.run(["pdftotext", str(tmp_path / "s.pdf"), "-"], check=True,
                          capture_output=True).stdout.decode()


@pytest.fixture
def result(client):
    resp = client.post("/api/v1/incidents/analyze", json=BODY)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


@pytest.fixture
def incident(session, result, incident_reader):
    from geoalchemy2.shape import from_shape
    from shapely.geometry import Point

    inc = m.Incident(kind="drill", title="支流苯泄漏演练", river_code="TRIB",
                     pollutant_code="BENZENE", request=BODY, result=result,
                     geom=from_shape(Point(103.1, 35.92), srid=4326))
    session.add(inc)
    session.flush()
    return inc


def test_incident_pdf(client, incident, result, tmp_path):
    resp = client.get(f"/api/v1/incidents/{incident.id}/sheet.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert resp.headers["Content-Disposition"].startswith("inline;")
    text = _text(resp.data, tmp_path)
    assert "支流苯泄漏演练" in text and "演练" in text
    assert "支流" in text                        # the river
    assert "甲水源地" in text                     # the intake of the mini fixture
    assert f"/incidents/{incident.id}" in text    # link back to the live incident
    for r in result["receptors"]:
        if r["kind"] == "water_source":
            assert r["name"] in text
    for d in result["depots"][:3]:
        for mat in d["materials"][:2]:
            assert mat["name"] in text


def test_incident_zip_and_exports(client, incident, result):
    resp = client.get(f"/api/v1/incidents/{incident.id}/sheet.zip")
    assert resp.status_code == 200 and resp.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(resp.data)) as zf:
        assert sorted(n.rsplit(".", 1)[1] for n in zf.namelist()) == [
            "geojson", "gpx", "kml", "pdf", "xlsx"]
    gpx = client.get(f"/api/v1/incidents/{incident.id}/export.gpx")
    assert gpx.status_code == 200 and gpx.mimetype == "application/gpx+xml"
    g = gpxpy.parse(gpx.data.decode())
    kinds = {"water_source", "section", "interception", "confluence", "boundary"}
    assert len([w for w in g.waypoints if w.type in kinds]) == len(result["receptors"])
    xl = client.get(f"/api/v1/incidents/{incident.id}/export.xlsx")
    wb = load_workbook(io.BytesIO(xl.data))
    assert wb["敏感点"].max_row - 1 == len(result["receptors"])
    kml = client.get(f"/api/v1/incidents/{incident.id}/export.kml?lang=en")
    assert kml.status_code == 200 and b"<kml" in kml.data
    geo = client.get(f"/api/v1/incidents/{incident.id}/export.geojson")
    assert json.loads(geo.data)["type"] == "FeatureCollection"


def test_incident_errors(client, incident):
    assert client.get("/api/v1/incidents/999999/sheet.pdf").status_code == 404
    resp = client.get(f"/api/v1/incidents/{incident.id}/export.docx")
    # an unknown format is 422 in every route (issue 13), naming it
    assert resp.status_code == 422 and resp.get_json()["fields"] == {"format": "docx"}
    resp = client.get(f"/api/v1/incidents/{incident.id}/sheet.pdf?lang=fr")
    assert resp.status_code == 422 and resp.get_json()["fields"] == {"lang": "fr"}


def test_scenario_sheet(client, tmp_path):
    resp = client.post("/api/v1/sheets", json=BODY)
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert "甲水源地" in _text(resp.data, tmp_path)
    resp = client.post("/api/v1/sheets.zip?lang=en", json=BODY)
    assert resp.status_code == 200 and resp.mimetype == "application/zip"
    resp = client.post("/api/v1/sheets?format=gpx", json=BODY)
    assert resp.status_code == 200 and b"<gpx" in resp.data


def test_scenario_errors(client):
    resp = client.post("/api/v1/sheets", data="{not json", content_type="application/json")
    assert resp.status_code == 400
    resp = client.post("/api/v1/sheets", json=dict(BODY, pollutant="NOPE"))
    assert resp.status_code == 422 and resp.get_json()["fields"] == {"pollutant": "NOPE"}
    resp = client.post("/api/v1/sheets?format=doc", json=BODY)
    assert resp.status_code == 422 and "format" in resp.get_json()["fields"]
    assert client.post("/api/v1/sheets.doc", json=BODY).status_code == 422


def test_cli_incident_and_scenario(runner, incident, tmp_path):
    out = tmp_path / "sheet.gpx"
    res = runner.invoke(args=["sheet", "--incident", str(incident.id), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert gpxpy.parse(out.read_text(encoding="utf-8")).waypoints
    out = tmp_path / "scenario.pdf"
    res = runner.invoke(args=["sheet", "--lon", "103.1", "--lat", "35.92", "--pollutant",
                              "BENZENE", "--mass-kg", "2000", "--lang", "en", "--out",
                              str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_bytes().startswith(b"%PDF")
    res = runner.invoke(args=["sheet", "--incident", "999999", "--out", str(out)])
    assert res.exit_code == 2 and "no incident" in res.output
    res = runner.invoke(args=["sheet", "--out", str(tmp_path / "x.doc"), "--incident", "1"])
    assert res.exit_code != 0 and "format" in res.output
    res = runner.invoke(args=["sheet", "--out", str(out)])
    assert res.exit_code != 0 and "--incident" in res.output


def test_map_link_to_the_sheet_works(client, incident):
    """The map's button and the QR code use /incidents/<id>/... outside the API prefix."""
    resp = client.get(f"/incidents/{incident.id}/sheet.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert client.get(f"/incidents/{incident.id}").status_code == 200


def test_english_scenario_sheet_names_the_pollutant_in_english(client, result, tmp_path):
    """The result carries the pollutant's English name; the English sheet prints it (issue 13:
    the English PDF showed the Chinese name)."""
    assert result["pollutant"]["name"] == "苯" and result["pollutant"]["name_en"] == "Benzene"
    resp = client.post("/api/v1/sheets?lang=en", json=BODY)
    assert resp.status_code == 200
    text = _text(resp.data, tmp_path)
    assert "Benzene spill in the" in text and "苯" not in text
    zh = _text(client.post("/api/v1/sheets", json=BODY).data, tmp_path)
    assert "苯" in zh and "Benzene" not in zh

"""gzip on every JSON route, and layer reads as cached bodies with strong ETags (304)."""

from __future__ import annotations

import gzip
import json

import pytest
from sqlalchemy import text

from webgis.services import reference

GZ = {"Accept-Encoding": "gzip, deflate, br"}
SPILL = {"location": {"lon": 103.05, "lat": 36.0}, "pollutant": "BENZENE",
         "release": {"mass_kg": 2000}, "horizon_h": 48}


@pytest.fixture
def fresh_key(monkeypatch):
    """The dataset key read on every request, so a change in the test shows at once."""
    monkeypatch.setattr(reference, "KEY_TTL_S", 0.0)


@pytest.mark.parametrize("url", ["/api/v1/plans", "/api/v1/rivers?zoom=8",
                                 "/api/v1/water_sources?bbox=103,35.5,104.5,36.6",
                                 "/map/layers.json?zoom=8"])
def test_layer_reads_are_gzipped_with_an_etag_and_answer_304(bundled_client, url):
    """On the bundled dataset (`/api/v1/plans` is ~1.9 MB of JSON there)."""
    client = bundled_client
    plain = client.get(url)
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    assert "Accept-Encoding" in plain.headers["Vary"]
    packed = client.get(url, headers=GZ)
    assert packed.status_code == 200 and packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert json.loads(gzip.decompress(packed.data)) == plain.get_json()
    # one tag per representation, either one revalidates
    assert packed.headers["ETag"] != plain.headers["ETag"]
    for tag in (plain.headers["ETag"], packed.headers["ETag"]):
        again = client.get(url, headers={**GZ, "If-None-Match": tag})
        assert again.status_code == 304 and again.data == b""
        assert again.headers["ETag"] == packed.headers["ETag"]
    other = client.get(url, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.data == plain.data


def test_one_feature_has_an_etag_too(client):
    first = client.get("/api/v1/water_sources/WS_A")
    assert first.status_code == 200 and first.headers["ETag"]
    again = client.get("/api/v1/water_sources/WS_A",
                       headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert client.get("/api/v1/water_sources/NOPE").status_code == 404


def test_etag_follows_the_dataset_version(client, session, fresh_key):
    first = client.get("/api/v1/depots")
    session.execute(text("UPDATE dataset_layer SET sha256 = md5(sha256) WHERE layer = "
                         "(SELECT min(layer) FROM dataset_layer)"))
    session.commit()
    after = client.get("/api/v1/depots", headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != first.headers["ETag"]
    assert after.get_json() == first.get_json()


def test_parameters_give_their_own_copy(client):
    whole = client.get("/api/v1/reaches").get_json()
    part = client.get("/api/v1/reaches?bbox=103.0,35.85,103.12,36.01")
    assert len(part.get_json()["features"]) < len(whole["features"])
    zoomed = client.get("/api/v1/reaches?zoom=4")
    assert len({part.headers["ETag"], zoomed.headers["ETag"],
                client.get("/api/v1/reaches").headers["ETag"]}) == 3


def test_an_analysis_is_gzipped_when_accepted(client):
    plain = client.post("/api/v1/incidents/analyze", json=SPILL)
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    packed = client.post("/api/v1/incidents/analyze", json=SPILL, headers=GZ)
    assert packed.status_code == 200 and packed.headers["Content-Encoding"] == "gzip"
    assert int(packed.headers["Content-Length"]) == len(packed.data) < len(plain.data) / 2
    assert json.loads(gzip.decompress(packed.data)) == plain.get_json()
    assert "Accept-Encoding" in packed.headers["Vary"]


@pytest.mark.parametrize("header", ["gzip;q=0", "identity", "br", "*;q=0", ""])
def test_no_gzip_unless_accepted(client, bundled_client, header):
    resp = bundled_client.get("/api/v1/plans", headers={"Accept-Encoding": header})
    assert resp.status_code == 200 and "Content-Encoding" not in resp.headers
    resp = client.post("/api/v1/incidents/analyze", json=SPILL,
                       headers={"Accept-Encoding": header})
    assert "Content-Encoding" not in resp.headers


def test_small_answers_and_html_pages_stay_plain(client):
    small = client.get("/api/v1/layers", headers=GZ)
    assert small.status_code == 200 and "Content-Encoding" not in small.headers
    page = client.get("/", headers=GZ)  # carries the CSRF token: no compression (BREACH)
    assert page.status_code == 200 and "Content-Encoding" not in page.headers
    error = client.get("/api/v1/nope", headers=GZ)
    assert error.status_code == 404 and error.get_json()["error"]

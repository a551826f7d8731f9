"""The read API on real PostGIS: layers, bbox, simplification, one feature, JSON errors."""

from __future__ import annotations

import pytest

from webgis.services.layers import LAYERS


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_every_layer_is_a_feature_collection(client, name):
    resp = client.get(f"/api/v1/{name}")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["type"] == "FeatureCollection"
    assert body["features"], f"{name} is empty in the fixture"
    for feat in body["features"]:
        assert feat["type"] == "Feature" and "properties" in feat
        assert "id" not in feat["properties"]


def test_receptor_carries_reach_code_and_river(client):
    feat = client.get("/api/v1/water_sources/WS_A").get_json()
    assert feat["properties"]["reach"] == "MAIN-003"
    assert feat["properties"]["river_code"] == "MAIN"
    assert feat["geometry"] == {"type": "Point", "coordinates": [103.25, 36.025]}


def test_bbox_filters(client):
    inside = client.get("/api/v1/reaches?bbox=103.0,35.85,103.12,36.01").get_json()
    codes = {f["id"] for f in inside["features"]}
    assert "TRIB-001" in codes and "MAIN-003" not in codes
    assert client.get("/api/v1/depots?bbox=110,30,111,31").get_json()["features"] == []


def test_zoom_simplifies_geometry(client):
    full = client.get("/api/v1/reaches/MAIN-001").get_json()["geometry"]["coordinates"]
    coarse = client.get("/api/v1/reaches?zoom=4").get_json()
    simplified = next(f for f in coarse["features"] if f["id"] == "MAIN-001")
    assert len(full) == 3 and len(simplified["geometry"]["coordinates"]) == 2


def test_river_geometry_is_merged_from_reaches(client):
    river = client.get("/api/v1/rivers/MAIN").get_json()
    assert river["geometry"]["type"] == "LineString"
    assert river["geometry"]["coordinates"][0] == [103.0, 36.0]
    assert river["geometry"]["coordinates"][-1] == [103.3, 36.05]


def test_depot_has_inventory_and_enterprise_substances(client):
    depot = client.get("/api/v1/depots/DEPOT_A").get_json()["properties"]
    assert {i["material"] for i in depot["inventory"]} == {"ACTIVATED_CARBON", "QUICKLIME",
                                                           "SANDBAG"}
    ent = client.get("/api/v1/enterprises/ENT_A").get_json()["properties"]
    assert ent["substances"][0]["pollutant"] == "BENZENE"
    assert ent["outfall_reach"] == "TRIB-001"


@pytest.mark.parametrize(
    "url,status,field",
    [
        ("/api/v1/reaches?bbox=1,2,3", 422, "bbox"),  # issue 13: invalid values are 422
        ("/api/v1/reaches?bbox=5,5,1,1", 422, "bbox"),
        ("/api/v1/reaches?zoom=abc", 422, "zoom"),
        ("/api/v1/reaches/NOPE-999", 404, "code"),
        ("/api/v1/nolayer", 404, "layer"),
        ("/api/v1/nolayer/X", 404, "layer"),
        ("/api/v1/reaches/%00", 404, "code"),
        ("/api/v1/reaches/" + "A" * 5000, 404, "code"),
    ],
)
def test_errors_are_json_naming_the_parameter(client, url, status, field):
    resp = client.get(url)
    assert resp.status_code == status
    assert resp.is_json
    assert field in resp.get_json()["fields"]


def test_unknown_route_is_json_under_api(client):
    resp = client.get("/api/v1/reaches/A/B")
    assert resp.status_code == 404 and resp.is_json


def test_healthz_reports_versions_and_counts(client):
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok"
    assert body["postgis"].startswith("3.")
    assert body["counts"]["reaches"] == 4 and body["counts"]["plans"] == 2

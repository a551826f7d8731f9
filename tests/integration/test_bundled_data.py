"""The bundled Gansu dataset on PostGIS: what loads, and real spills on it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from webgis import models as m


def _count(app, model, *where) -> int:
    from webgis.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_counts(bundled_app):
    assert _count(bundled_app, m.River, m.River.is_key) == 88
    assert _count(bundled_app, m.RiverPlan) == 88
    assert _count(bundled_app, m.Depot, m.Depot.kind == "provincial") == 15
    assert _count(bundled_app, m.Depot, m.Depot.kind == "basin") == 5
    assert _count(bundled_app, m.RescueTeam) == 15
    assert _count(bundled_app, m.Enterprise) >= 200
    assert _count(bundled_app, m.WaterSource) >= 40
    assert _count(bundled_app, m.InterceptionPoint) >= 80
    assert _count(bundled_app, m.Pollutant) >= 40
    assert _count(bundled_app, m.AdminArea, m.AdminArea.level == "prefecture") == 14


def test_healthz_counts(bundled_client):
    counts = bundled_client.get("/healthz").get_json()["counts"]
    assert counts["reaches"] > 500 and counts["plans"] == 88


def _analyze(client, lon, lat, pollutant, mass_kg, horizon_h=72, **extra):
    body = {"location": {"lon": lon, "lat": lat}, "pollutant": pollutant,
            "release": {"mass_kg": mass_kg}, "horizon_h": horizon_h, **extra}
    resp = client.post("/api/v1/incidents/analyze", json=body)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_taishi_antimony_reaches_shaanxi_and_the_jialing(bundled_client):
    """Longxing "11·23" 2015: Taishi → Xihan → Shaanxi → Jialing → Guangyuan."""
    r = _analyze(bundled_client, 105.30, 33.90, "ANTIMONY", 5000, horizon_h=120)
    assert r["snap"]["river_code"] == "TAISHIHE"
    rivers = [f["properties"]["river_code"] for f in r["path"]["features"]]
    order = list(dict.fromkeys(rivers))
    assert order[:3] == ["TAISHIHE", "XIHANSHUI", "JIALINGJIANG"]
    border = next(x for x in r["receptors"] if x["kind"] == "boundary"
                  and x["details"].get("to_name") == "陕西省")
    assert border["exceeds"] and border["arrival_h"] > 0
    jialing = next(x for x in r["receptors"] if x["kind"] == "confluence"
                   and x["details"]["receiving_river_code"] == "JIALINGJIANG")
    assert jialing["river_km"] > border["river_km"]
    guangyuan = [x for x in r["receptors"] if x["kind"] == "water_source" and "广元" in x["name"]]
    assert guangyuan and guangyuan[0]["exceeds"]
    # Heavy metal / metalloid and cross-province: report as II/I within 2 h (Art. 4).
    assert r["level"]["report_due_min"] == 120
    assert {n["admin_name"] for n in r["notify"]} >= {"陕西省"}
    assert r["depots"][0]["arrives_before_plume"]
    assert any(mat["code"] in {"QUICKLIME", "PFS", "PAC"} for mat in r["depots"][0]["materials"])
    assert r["plan"]["river_code"] == "TAISHIHE" and r["plan"]["steps"]


def test_benzene_above_liujiaxia_reaches_the_lanzhou_intake(bundled_client):
    """Benzene entering the Liujiaxia reservoir: the Lanzhou intake 4 km above the dam."""
    r = _analyze(bundled_client, 103.1, 35.85, "BENZENE", 10000)
    assert r["snap"]["river_code"] == "HUANGHE"
    intake = next(x for x in r["receptors"] if x["code"] == "WS-HH-LANZHOU-LJX")
    dam = next(x for x in r["receptors"] if x["code"] == "IP-HH-LIUJIAXIA")
    assert intake["river_km"] < dam["river_km"]
    assert 0 < intake["arrival_h"] < intake["peak_h"]
    assert intake["limit_mgl"] == pytest.approx(0.01)
    assert intake["worst"]["peak_conc_mgl"] >= intake["peak_conc_mgl"]
    assert intake["details"]["serves"] == "city"
    names = [x["name"] for x in r["receptors"]]
    assert any("兰州" in n for n in names)


def test_far_point_names_the_nearest_river(bundled_client):
    resp = bundled_client.post("/api/v1/incidents/analyze", json={
        "location": {"lon": 97.0, "lat": 41.5}, "pollutant": "BENZENE",
        "release": {"mass_kg": 100}})
    assert resp.status_code == 422
    assert resp.get_json()["nearest_river_code"]

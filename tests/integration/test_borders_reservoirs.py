"""Issue 11 on the bundled data: borders once, and no intake silently dropped."""

from __future__ import annotations

import pytest


def _analyze(client, lon, lat, pollutant, mass_kg, horizon_h=72, **extra):
    body = {"location": {"lon": lon, "lat": lat}, "pollutant": pollutant,
            "release": {"mass_kg": mass_kg}, "horizon_h": horizon_h, **extra}
    resp = client.post("/api/v1/incidents/analyze", json=body)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_wei_spill_crosses_into_shaanxi_once_and_never_notifies_gansu(bundled_client):
    """Diesel on the Ji River at Tianshui: the Wei weaves along the Gansu–Shaanxi line below
    Dongcha; one border stretch, not five crossings (defect 4)."""
    r = _analyze(bundled_client, 105.72, 34.58, "DIESEL", 20000)
    assert r["snap"]["river_code"] == "JIHE"
    provinces = [x for x in r["receptors"] if x["kind"] == "boundary"
                 and x["details"].get("level") == "province"]
    into_shaanxi = [x for x in provinces if x["details"]["to_adcode"] == "610000"]
    back_to_gansu = [x for x in provinces if x["details"]["to_adcode"] == "620000"]
    assert len(into_shaanxi) == 1 and not back_to_gansu
    stretch = into_shaanxi[0]["details"]
    assert stretch["stretch"] and stretch["crossings"] >= 3
    assert stretch["stretch_to_km"] > stretch["stretch_from_km"] + 20
    notified = [n["admin_code"] for n in r["notify"]]
    assert "620000" not in notified and notified.count("610000") == 1
    boundary_reasons = [x for x in r["level"]["reasons"]
                        if "陕西" in str(x) or "Shaanxi" in str(x)]
    assert len(boundary_reasons) <= 1


def test_tao_spill_flags_the_lanzhou_intake_upstream_of_its_entry(bundled_client):
    """The Tao enters Liujiaxia ~1.6 km above the dam, Lanzhou's intake is 4 km above it:
    the intake is listed, flagged, and warned about (defect 7)."""
    r = _analyze(bundled_client, 103.57, 35.80, "BENZENE", 10000)
    rows = {x["code"]: x for x in r["receptors"]}
    intake = rows["WS-HH-LANZHOU-LJX"]
    assert intake["details"]["same_reservoir_upstream"] is True
    assert intake["details"]["concentration_modelled"] is False
    assert "同库区" in intake["name"] and "treat as threatened" in intake["name_en"]
    assert intake["details"]["upstream_of_entry_km"] > 1.0
    assert intake["worst"]["exceeds"] and intake["arrival_h"] > 0
    # judged like every intake: Class II / Table 3 (benzene 0.01), and it says so
    assert intake["limit_mgl"] == pytest.approx(0.01)
    assert "表3" in intake["limit_basis"] and "Table 3" in intake["limit_basis_en"]
    warn = [w for w in r["warnings"] if w["receptor_code"] == "WS-HH-LANZHOU-LJX"]
    assert warn and "刘家峡" in warn[0]["zh"] and "recirculating" in warn[0]["en"]
    assert any("same reservoir" in a for a in r["model"]["assumptions"])
    assert any("兰州市水源地" in str(x) for x in r["level"]["reasons"])


def test_spill_below_the_intake_on_the_mainstem_lists_it_too(bundled_client):
    """A spill in the Liujiaxia reservoir itself, below the intake (Daxia arm mouth)."""
    r = _analyze(bundled_client, 103.30, 35.89, "CADMIUM", 500)
    codes = [x["code"] for x in r["receptors"]]
    assert "WS-HH-LANZHOU-LJX" in codes


def test_the_sheet_prints_the_same_reservoir_warning(bundled_client, tmp_path):
    import shutil
    import subprocess

    import pytest

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    body = {"location": {"lon": 103.57, "lat": 35.80}, "pollutant": "BENZENE",
            "release": {"mass_kg": 10000}, "horizon_h": 72}
    resp = bundled_client.post("/api/v1/sheets", json=body)
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    (tmp_path / "s.pdf").write_bytes(resp.data)
    text = subprocess.run(["pdftotext", str(tmp_path / "s.pdf"), "-"], check=True,
                          capture_output=True).stdout.decode()
    assert "同库区" in text.replace("\n", "") and "刘家峡" in text

"""Floating oils as a slick (issue 11, defect 3): 20 t of diesel in the Ji/Wei rivers near
Tianshui through the API with the bundled data, and the sheet and workbook of that spill."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook

from webgis.exports.context import fmt_num
from webgis.hydro.slick import PRODUCTS

DIESEL_JI = {
    "location": {"lon": 105.72, "lat": 34.58},  # the Ji River at Qinzhou (Tianshui)
    "pollutant": "DIESEL",
    "release": {"mass_kg": 20_000, "duration_h": 0},
    "season": "normal",
    "horizon_h": 72,
    "started_at": "2026-05-01T08:00:00+08:00",
}


@pytest.fixture(scope="module")
def diesel(bundled_client):
    resp = bundled_client.post("/api/v1/incidents/analyze", json=DIESEL_JI)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_diesel_is_a_slick_not_milligrams_of_diesel(diesel):
    """Every receptor gets the slick's arrival, passage end and length; no concentration
    anywhere exceeds the diesel's water-accommodated fraction (the old code printed
    thousands of mg/L of dissolved diesel)."""
    waf = PRODUCTS["DIESEL"].waf_mgl
    rows = diesel["receptors"]
    assert max(r["worst"]["peak_conc_mgl"] for r in rows) <= waf + 1e-9
    assert diesel["slick"]["product"] == "DIESEL" and diesel["slick"]["waf_mgl"] == waf
    assert diesel["pollutant"]["behaviour"] == "floats"
    assert diesel["pollutant"]["concentration_of"] == "petroleum"
    assert len(rows) >= 3
    assert {r["river_code"] for r in rows} >= {"JIHE", "WEIHE"}
    for r in rows:
        s = r["slick"]
        assert 0 < s["arrival_h"] < s["passage_end_h"]
        assert s["length_km"] > 0 and 0 <= s["evaporated_pct"] < 100
        w = s["worst"]
        assert w["arrival_h"] <= s["arrival_h"] and w["passage_end_h"] >= s["passage_end_h"]
        assert w["length_km"] >= s["length_km"] and w["evaporated_pct"] == 0
        # the earliest of slick and dissolved fronts is the receptor's arrival
        assert r["arrival_h"] <= s["arrival_h"] and r["worst"]["arrival_h"] <= w["arrival_h"]
        for value in (r["peak_conc_mgl"], r["worst"]["peak_conc_mgl"],
                      *(c for _, c in r["curve"])):
            assert value <= waf + 1e-9
        assert r["worst"]["peak_conc_mgl"] >= r["peak_conc_mgl"]
    assert max(c for _, c in diesel["profile"] + diesel["worst_profile"]) <= waf + 1e-9
    # downstream receptors are reached later, by a longer slick
    first, last = rows[0]["slick"], rows[-1]["slick"]
    assert last["arrival_h"] > first["arrival_h"] and last["length_km"] > first["length_km"]
    # the path's arrivals (map colours, sheet map) are the slick's front too: no step
    # starts later than the slick reaches a receptor below it
    steps = [f["properties"] for f in diesel["path"]["features"]]
    assert [p["arrival_h"] for p in steps] == sorted(p["arrival_h"] for p in steps)
    for r in rows:
        for p in steps:
            if p["from_km"] <= r["river_km"]:
                assert p["arrival_h"] <= r["slick"]["arrival_h"] + 1e-9
                assert p["worst_arrival_h"] <= r["slick"]["worst"]["arrival_h"] + 1e-9
    # the dissolved petroleum still exceeds 石油类 0.05 mg/L near the spill
    assert rows[0]["exceeds"] and rows[0]["limit_mgl"] == 0.05
    assert any("石油类" in a for a in diesel["model"]["assumptions"])


def test_a_dissolving_pollutant_has_no_slick(bundled_client):
    body = {**DIESEL_JI, "pollutant": "CADMIUM", "release": {"mass_kg": 100}}
    res = bundled_client.post("/api/v1/incidents/analyze", json=body).get_json()
    assert res["slick"] is None and res["pollutant"]["behaviour"] == "dissolves"
    assert all("slick" not in r for r in res["receptors"])


def _pdf_text(pdf: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    (tmp_path / "s.pdf").write_bytes(pdf)
    return subprocess.run(["pdftotext", "-raw", str(tmp_path / "s.pdf"), "-"], check=True,
                          capture_output=True).stdout.decode()


def test_sheet_shows_the_slick(bundled_client, diesel, tmp_path):
    """The PDF sheet prints each receptor's slick (arrival, length) and calls the peak
    dissolved petroleum; read back with pdftotext."""
    resp = bundled_client.post("/api/v1/sheets", json=DIESEL_JI)
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    text = "".join(_pdf_text(resp.data, tmp_path).split())  # table cells wrap anywhere
    assert "溶解态石油类峰值" in text and "油膜" in text
    first = diesel["receptors"][0]["slick"]
    arrival = (datetime.fromisoformat(DIESEL_JI["started_at"])
               + timedelta(hours=first["arrival_h"])).strftime("%H:%M")
    assert f"油膜：{arrival}到达" in text
    assert f"长{fmt_num(first['length_km'])}km" in text
    assert f"WAF{fmt_num(PRODUCTS['DIESEL'].waf_mgl)}mg/L" in text


def test_workbook_shows_the_slick(bundled_client, diesel):
    resp = bundled_client.post("/api/v1/sheets?format=xlsx", json=DIESEL_JI)
    assert resp.status_code == 200
    ws = load_workbook(io.BytesIO(resp.data))["敏感点"]
    head = [c.value for c in ws[1]]
    assert "溶解态石油类峰值 mg/L" in head
    col = {h: i for i, h in enumerate(head)}
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(diesel["receptors"])
    receptors = sorted(diesel["receptors"], key=lambda r: r["river_km"])  # sheet order
    for row, r in zip(rows, receptors, strict=True):
        assert row[col["编码"]] == r["code"]
        s = r["slick"]
        assert row[col["油膜到达 h"]] == pytest.approx(s["arrival_h"])
        assert row[col["油膜最早到达 h"]] == pytest.approx(s["worst"]["arrival_h"])
        assert row[col["油膜长度 km"]] == pytest.approx(s["length_km"])
        assert row[col["最长油膜 km"]] == pytest.approx(s["worst"]["length_km"])
        assert row[col["油膜过境结束 h"]] == pytest.approx(s["passage_end_h"])


def test_cli_table_shows_the_slick(bundled_app, diesel):
    runner = bundled_app.test_cli_runner()
    out = runner.invoke(args=["analyze", "--lon", "105.72", "--lat", "34.58", "--pollutant",
                              "DIESEL", "--mass-kg", "20000", "--season", "normal"])
    assert out.exit_code == 0, out.output
    assert "dissolved petroleum" in out.output
    first = diesel["receptors"][0]["slick"]
    assert f"slick {first['arrival_h']:.1f} ({first['worst']['arrival_h']:.1f})" in out.output
    assert f"{first['length_km']:.1f} ({first['worst']['length_km']:.1f}) km" in out.output

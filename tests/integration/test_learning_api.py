"""``POST /api/v1/calibrate``, ``POST /api/v1/ensemble`` and their CLI on the mini fixture
(a spill on the tributary, a reservoir, the intake WS_A and the section SEC_A below it)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import numpy as np
import pytest

SPILL = {
    "location": {"lon": 103.1, "lat": 35.92},
    "pollutant": "BENZENE",
    "release": {"mass_kg": 2000, "duration_h": 1},
    "season": "normal",
    "horizon_h": 200,
    "started_at": "2026-05-01T08:00:00+08:00",
}
START = datetime.fromisoformat(SPILL["started_at"])


def _readings(client, scale=2.0, shift_h=1.0, unit="mg/L"):
    """Readings made from the forecast's own curves with twice the mass, an hour late."""
    res = client.post("/api/v1/incidents/analyze", json=SPILL).get_json()
    rows = []
    factor = 1000.0 if unit == "µg/L" else 1.0
    for r in res["receptors"]:
        if r["code"] not in ("WS_A", "SEC_A"):
            continue
        pts = np.array(r["curve"])
        for t in r["peak_h"] + np.array([-0.6, -0.3, 0.0, 0.3, 0.7, 1.2]) * (
                r["peak_h"] - r["arrival_h"]):
            v = float(np.interp(t, pts[:, 0], pts[:, 1], left=0, right=0)) * scale
            rows.append({"station": r["code"], "value": v * factor, "unit": unit,
                         "sampled_at": (START + timedelta(hours=float(t) + shift_h)).isoformat()})
    return rows


def test_calibrate_recovers_the_release_and_reforecasts(client):
    rows = _readings(client, unit="µg/L")
    rows.append({"station": "SEC_A", "value": 0, "below_detection": True,
                 "detection_limit": 0.001, "sampled_at": START.isoformat()})
    resp = client.post("/api/v1/calibrate", json={"spill": SPILL, "readings": rows,
                                                  "members": 100})
    assert resp.status_code == 200, resp.get_json()
    out = resp.get_json()
    p = {q["name"]: q for q in out["parameters"]}
    assert p["mass_kg"]["value"] == pytest.approx(4000, rel=0.15)
    assert p["mass_kg"]["low"] <= p["mass_kg"]["value"] <= p["mass_kg"]["high"]
    assert p["start_h"]["value"] == pytest.approx(1.0, abs=1.0)
    assert out["n_censored"] == 1 and out["rms_ln_fitted"] < out["rms_ln_prior"]
    assert len(out["residuals"]) == len(rows)
    ws = next(r for r in out["receptors"] if r["code"] == "WS_A")
    assert ws["calibrated"]["peak_conc_mgl"] > 1.5 * ws["uncalibrated"]["peak_conc_mgl"]
    assert ws["band"]["peak_conc_mgl"][0] <= ws["band"]["peak_conc_mgl"][2]
    assert out["ensemble"]["calibrated"] is True


@pytest.mark.parametrize("change, field", [
    (lambda b: b["readings"][0].update(unit="ppm"), "readings[0].unit"),
    (lambda b: b["readings"][0].update(sampled_at="2100-01-01T00:00:00+00:00"),
     "readings[0].sampled_at"),
    (lambda b: b["readings"][0].update(station="NOWHERE"), "readings[0].station"),
    (lambda b: b["readings"][0].update(station="P", lon=103.05, lat=36.0),
     "readings[0].station"),  # on MAIN-001, above the confluence: not downstream
    (lambda b: b.update(readings=b["readings"][:2]), "readings"),
    (lambda b: b["spill"].pop("started_at"), "spill.started_at"),
])
def test_bad_calibration_input_is_a_422_naming_the_field(client, change, field):
    body = {"spill": json.loads(json.dumps(SPILL)), "readings": _readings(client),
            "members": 0}
    change(body)
    resp = client.post("/api/v1/calibrate", json=body)
    assert resp.status_code == 422, resp.get_json()
    assert field in resp.get_json()["fields"], resp.get_json()


def test_ensemble_bands_and_worst_case(client):
    resp = client.post("/api/v1/ensemble", json={"spill": SPILL, "members": 200, "seed": 3})
    assert resp.status_code == 200, resp.get_json()
    out = resp.get_json()
    rows = [r for r in out["receptors"] if r["band"] is not None]
    assert rows
    for r in rows:
        b, x = r["band"], r["expected"]
        assert b["arrival_h"][0] <= x["arrival_h"] <= b["arrival_h"][2]
        assert b["peak_conc_mgl"][0] <= x["peak_conc_mgl"] <= b["peak_conc_mgl"][2]
        assert b["worst_peak_conc_mgl"] >= max(b["peak_conc_mgl"][2],
                                               r["worst"]["peak_conc_mgl"])
        assert len(b["curve"]) > 10
        assert b["worst_raised"] == bool(b["notes"])
        assert all(set(n) == {"zh", "en"} for n in b["notes"])
    assert resp.status_code == 200
    bad = client.post("/api/v1/ensemble", json={"spill": SPILL, "members": 0})
    assert bad.status_code == 422 and "members" in bad.get_json()["fields"]


def test_cli_calibrate_and_ensemble(client, runner, tmp_path):
    body = tmp_path / "req.json"
    body.write_text(json.dumps({"spill": SPILL, "readings": _readings(client),
                                "members": 50}), encoding="utf-8")
    out = runner.invoke(args=["calibrate", str(body)])
    assert out.exit_code == 0, out.output
    assert "mass_kg" in out.output and "WS_A" in out.output
    out = runner.invoke(args=["ensemble", "--lon", "103.1", "--lat", "35.92", "--pollutant",
                              "BENZENE", "--mass-kg", "2000", "--members", "50", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["ensemble"]["members"] == 50
    out = runner.invoke(args=["ensemble", "--lon", "103.1", "--lat", "35.92", "--pollutant",
                              "BENZENE", "--mass-kg", "2000", "--members", "0"])
    assert out.exit_code == 2 and "members" in out.output


def test_calibrate_a_saved_incident_from_its_stored_readings(client, app, session):
    """Readings stored in ``incident_reading`` (one of another pollutant and one marked
    doubtful are left out), calibrated over HTTP; an incident without readings and an
    unknown one are refused."""
    from webgis.models import IncidentReading
    from webgis.services import users
    from webgis.services.reference import get_reference
    from webgis.services.uow import unit_of_work

    with app.app_context():
        users.create_user("cal_officer", "duty_officer", "ten chars!")
        token, _ = users.issue_token("cal_officer", 1)
    hdr = {"Authorization": f"Bearer {token}"}
    saved = client.post("/api/v1/incidents", json={"request": SPILL}, headers=hdr)
    assert saved.status_code == 201, saved.json
    inc_id = saved.get_json()["id"]
    empty = client.post(f"/api/v1/incidents/{inc_id}/calibrate", json={}, headers=hdr)
    assert empty.status_code == 422 and "readings" in empty.get_json()["fields"]
    rows = _readings(client)
    with app.app_context():
        net = get_reference(session).network
        where = {r.code: (r.reach_code, r.measure) for r in get_reference(session).receptors}
        with unit_of_work() as s:
            for r in [*rows, {**rows[0], "pollutant": "PHENOL"},
                      {**rows[1], "qa": "doubtful", "value": 99.0}]:
                reach, measure = where[r["station"]]
                length = float(net.length_m[net.index_of(reach)])
                s.add(IncidentReading(
                    incident_id=inc_id, station_kind="section", station_code=r["station"],
                    reach_code=reach, measure_m=measure * length, lon=103.2, lat=36.0,
                    geom="SRID=4326;POINT(103.2 36.0)",
                    sampled_at=datetime.fromisoformat(r["sampled_at"]),
                    pollutant_code=r.get("pollutant", "BENZENE"), value_mg_l=r["value"],
                    qa_flag=r.get("qa", "ok"), source="hand"))
    resp = client.post(f"/api/v1/incidents/{inc_id}/calibrate", json={"members": 50},
                       headers=hdr)
    assert resp.status_code == 200, resp.get_json()
    out = resp.get_json()
    assert (out["incident_id"], out["readings_used"], out["readings_skipped"]) == (
        inc_id, len(rows), 2)
    p = {q["name"]: q for q in out["parameters"]}
    assert p["mass_kg"]["value"] == pytest.approx(4000, rel=0.15)
    assert client.post("/api/v1/incidents/999999/calibrate", json={},
                       headers=hdr).status_code == 404

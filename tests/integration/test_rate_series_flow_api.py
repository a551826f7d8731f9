"""Rate series and today's flow (issue #16 item 5) through the API, the CLI and a saved
incident's facts, on the mini fixture: echoed in the result, 422 naming the field for
every bad input, nothing stored on a refused write."""

from __future__ import annotations

import json

import pytest

from webgis.services import analysis, users

BODY = {
    "location": {"lon": 103.1, "lat": 35.92},  # on TRIB-001, which flows into MAIN-002
    "pollutant": "BENZENE",
    "release": {"mass_kg": 2000, "duration_h": 4},
    "season": "normal",
    "horizon_h": 72,
    "started_at": "2026-05-01T08:00:00+08:00",
    "discovered_at": "2026-05-01T08:40:00+08:00",
}
SERIES = [[0, 500], [4, 0]]


def _with(**changes):
    body = json.loads(json.dumps(BODY))
    for key, value in changes.items():
        if key == "release":
            body["release"] = value
        else:
            body[key] = value
    return body


def _analyze(client, body):
    return client.post("/api/v1/incidents/analyze", json=body)


def _row(result, code):
    return next(r for r in result["receptors"] if r["code"] == code)


def _season_q(client, reach):
    resp = client.get(f"/api/v1/reaches/{reach}?season=normal")
    assert resp.status_code == 200, resp.json
    body = resp.json
    hyd = body.get("hydraulics", body)
    return float(hyd["discharge_m3s"])


def test_one_piece_series_is_the_constant_release(client):
    const = _analyze(client, BODY)
    series = _analyze(client, _with(release={"rate_series": SERIES}))
    assert const.status_code == 200 and series.status_code == 200, series.json
    a, b = const.json, series.json
    assert b["request"]["release"] == {"mass_kg": 2000.0, "duration_h": 4.0,
                                       "rate_series": [[0.0, 500.0], [4.0, 0.0]]}
    assert "rate_series" not in a["request"]["release"]
    assert b["model"]["coefficients"]["rate_series"] == [[0.0, 500.0], [4.0, 0.0]]
    for code in ("WS_A", "SEC_A"):
        assert _row(b, code)["peak_conc_mgl"] == pytest.approx(_row(a, code)["peak_conc_mgl"],
                                                               rel=0.01)
        assert _row(b, code)["arrival_h"] == pytest.approx(_row(a, code)["arrival_h"],
                                                           abs=0.1)


def test_a_series_spreads_the_same_mass_later(client):
    const = _analyze(client, _with(release={"mass_kg": 2000, "duration_h": 0})).json
    late = _analyze(client, _with(release={"rate_series": [[0, 0], [10, 200], [20, 0]]}))
    assert late.status_code == 200, late.json
    for code in ("WS_A", "SEC_A"):
        c, s = _row(const, code), _row(late.json, code)
        assert s["arrival_h"] > c["arrival_h"] + 9.0  # nothing released in the first 10 h
        assert s["peak_conc_mgl"] < c["peak_conc_mgl"]  # 10 h instead of at once


def test_today_flow_at_a_station(client):
    q = _season_q(client, "MAIN-003")
    base = _analyze(client, BODY).json
    high = _analyze(client, _with(flow_today={"station_code": "SEC_A",
                                              "discharge_m3s": 2.5 * q}))
    assert high.status_code == 200, high.json
    r = high.json
    assert r["request"]["flow_today"] == {"reach_code": None, "station_code": "SEC_A",
                                          "discharge_m3s": 2.5 * q}
    flow = r["model"]["flow_today"]
    assert flow["reach_code"] == "MAIN-003" and flow["station_code"] == "SEC_A"
    assert flow["ratio"] == pytest.approx(2.5)
    assert flow["gauge_below_spill"] is True
    assert any(a.startswith("Today's flow:") for a in r["model"]["assumptions"])
    assert base["model"].get("flow_today") is None
    s0, s1 = _row(base, "SEC_A"), _row(r, "SEC_A")
    assert s1["arrival_h"] < s0["arrival_h"]  # more water runs faster
    assert s1["peak_conc_mgl"] < s0["peak_conc_mgl"]  # and dilutes more


def test_today_flow_on_a_reach_above_the_spill_is_refused(client):
    resp = _analyze(client, _with(flow_today={"reach_code": "MAIN-001", "discharge_m3s": 50}))
    assert resp.status_code == 422
    assert resp.json["fields"] == {"flow_today.reach_code": "MAIN-001"}


@pytest.mark.parametrize(("body", "field"), [
    ({"release": {"rate_series": [[0, 500], [2, -5], [4, 0]]}}, "release.rate_series[1][1]"),
    ({"release": {"rate_series": [[0, 500], [4, 100], [2, 0]]}}, "release.rate_series"),
    ({"release": {"rate_series": [[0, 500], [4, 100], [4, 0]]}}, "release.rate_series"),
    ({"release": {"rate_series": [[0, 500], [4, 100]]}}, "release.rate_series"),
    ({"release": {"rate_series": [[1, 500], [4, 0]]}}, "release.rate_series"),
    ({"release": {"rate_series": [[0, 500]]}}, "release.rate_series"),
    ({"release": {"rate_series": [[0, "a"], [4, 0]]}}, "release.rate_series[0][1]"),
    ({"release": {"rate_series": SERIES, "mass_kg": 1500}}, "release.mass_kg"),
    ({"release": {"rate_series": SERIES, "duration_h": 3}}, "release.duration_h"),
    ({"release": {"duration_h": 3}}, "release.mass_kg"),
    ({"flow_today": {"reach_code": "MAIN-003", "discharge_m3s": 0}},
     "flow_today.discharge_m3s"),
    ({"flow_today": {"reach_code": "MAIN-003", "discharge_m3s": -3}},
     "flow_today.discharge_m3s"),
    ({"flow_today": {"discharge_m3s": 30}}, "flow_today.station_code"),
    ({"flow_today": {"reach_code": "MAIN-003", "station_code": "SEC_A",
                     "discharge_m3s": 30}}, "flow_today.station_code"),
    ({"flow_today": {"reach_code": "NOPE-9", "discharge_m3s": 30}}, "flow_today.reach_code"),
    ({"flow_today": {"station_code": "SEC_NOPE", "discharge_m3s": 30}},
     "flow_today.station_code"),
    ({"flow_today": {"reach_code": "MAIN-003", "discharge_m3s": 1e5}},
     "flow_today.discharge_m3s"),
])
def test_bad_input_names_the_field(client, body, field):
    resp = _analyze(client, _with(**body))
    assert resp.status_code == 422, resp.json
    assert field in resp.json["fields"], resp.json
    assert resp.json["error"]


def test_cli_rate_series_and_flow(runner, client):
    q = _season_q(client, "MAIN-003")
    out = runner.invoke(args=["analyze", "--lon", "103.1", "--lat", "35.92",
                              "--pollutant", "BENZENE", "--rate-series", "0:500,4:0",
                              "--flow-station", "SEC_A", "--flow-m3s", str(2 * q), "--json"])
    assert out.exit_code == 0, out.output
    result = json.loads(out.output)
    assert result["request"]["release"]["mass_kg"] == 2000.0
    assert result["request"]["release"]["rate_series"] == [[0.0, 500.0], [4.0, 0.0]]
    assert result["model"]["flow_today"]["ratio"] == pytest.approx(2.0)
    text = runner.invoke(args=["analyze", "--lon", "103.1", "--lat", "35.92",
                               "--pollutant", "BENZENE", "--rate-series", "0:500,4:0",
                               "--flow-reach", "MAIN-003", "--flow-m3s", str(2 * q)])
    assert text.exit_code == 0, text.output
    assert "Release 2000 kg as a rate series: from 0 h 500 kg/h, from 4 h 0 kg/h" in text.output
    assert "Today's discharge" in text.output and "at MAIN-003" in text.output
    bad = runner.invoke(args=["analyze", "--lon", "103.1", "--lat", "35.92",
                              "--pollutant", "BENZENE", "--rate-series", "0:500,4:-1"])
    assert bad.exit_code == 2
    assert "release.rate_series[1][1]" in bad.output
    garbled = runner.invoke(args=["analyze", "--lon", "103.1", "--lat", "35.92",
                                  "--pollutant", "BENZENE", "--rate-series", "0-500"])
    assert garbled.exit_code == 2 and "hours:kg_per_h" in garbled.output


@pytest.fixture
def officer(app, session):
    analysis.recent.clear()
    with app.app_context():
        users.create_user("rs_officer", "duty_officer", "ten chars!")
        token, _ = users.issue_token("rs_officer", 1)
    yield {"Authorization": f"Bearer {token}"}
    analysis.recent.clear()


def _counts(client, hdr, inc_id):
    events = client.get(f"/api/v1/incidents/{inc_id}/events", headers=hdr).json
    revs = client.get(f"/api/v1/incidents/{inc_id}/revisions", headers=hdr).json
    return len(events["events"]), len(revs["revisions"]), events["version"]


def test_saved_incident_facts_keep_and_revise_series_and_flow(client, officer):
    q = _season_q(client, "MAIN-003")
    body = _with(release={"rate_series": SERIES},
                 flow_today={"station_code": "SEC_A", "discharge_m3s": 2 * q})
    resp = client.post("/api/v1/incidents", json={"request": body}, headers=officer)
    assert resp.status_code == 201, resp.json
    inc = resp.json["id"]
    got = client.get(f"/api/v1/incidents/{inc}", headers=officer).json
    result = got.get("result", got)
    assert result["request"]["release"]["rate_series"] == [[0.0, 500.0], [4.0, 0.0]]
    assert result["model"]["flow_today"]["station_code"] == "SEC_A"

    # a new series brings its own mass and duration
    resp = client.patch(f"/api/v1/incidents/{inc}/facts", headers=officer,
                        json={"expected_version": 1,
                              "rate_series": [[0, 100], [2, 300], [6, 0]]})
    assert resp.status_code == 200, resp.json
    changes = resp.json["changes"]
    assert changes["release.mass_kg"] == [2000.0, 1400.0]
    assert changes["release.duration_h"] == [4.0, 6.0]
    version = resp.json["version"]

    # refused: a negative rate, a mass that is not the series', a flow off the path;
    # nothing is written
    before = _counts(client, officer, inc)
    for patch, field in (
        ({"rate_series": [[0, 100], [2, -1], [6, 0]]}, "rate_series[1][1]"),
        ({"mass_kg": 999}, "release.mass_kg"),
        ({"flow_today": {"reach_code": "MAIN-001", "discharge_m3s": 40}},
         "flow_today.reach_code"),
        ({"flow_today": {"reach_code": "MAIN-003", "discharge_m3s": 0}},
         "flow_today.discharge_m3s"),
    ):
        bad = client.patch(f"/api/v1/incidents/{inc}/facts", headers=officer,
                           json={"expected_version": version, **patch})
        assert bad.status_code == 422, (patch, bad.json)
        assert field in bad.json["fields"], (patch, bad.json)
    assert _counts(client, officer, inc) == before

    # back to the season's flow, and to a constant release of the same mass
    resp = client.patch(f"/api/v1/incidents/{inc}/facts", headers=officer,
                        json={"expected_version": version, "flow_today": None,
                              "rate_series": None})
    assert resp.status_code == 200, resp.json
    got = client.get(f"/api/v1/incidents/{inc}", headers=officer).json
    result = got.get("result", got)
    assert result["request"]["release"] == {"mass_kg": 1400.0, "duration_h": 6.0}
    assert "flow_today" not in result["request"]
    assert result["model"].get("flow_today") is None


def _pdf_text(pdf: bytes, tmp_path) -> str:
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    (tmp_path / "s.pdf").write_bytes(pdf)
    return subprocess.run(["pdftotext", str(tmp_path / "s.pdf"), "-"], check=True,
                          capture_output=True).stdout.decode()


def test_sheets_print_the_series_and_the_flow(client, tmp_path):
    import io

    from openpyxl import load_workbook

    q = _season_q(client, "MAIN-003")
    body = _with(release={"rate_series": [[0, 500], [2, 125], [6, 0]]},
                 flow_today={"station_code": "SEC_A", "discharge_m3s": round(2 * q, 3)})
    pdf = client.post("/api/v1/sheets?lang=en", json=body)
    assert pdf.status_code == 200, pdf.json
    text = " ".join(_pdf_text(pdf.data, tmp_path).split())
    assert "Release rate series" in text
    assert "from 0 h: 500 kg/h; from 2 h: 125 kg/h; from 6 h: 0 kg/h" in text
    assert "1500 kg" in text and "as a rate series" in text
    assert "Today'sdischarge" in text.replace(" ", "")  # the key column may wrap the word
    assert f"{2 * q:g} m³/s at SEC_A (season's {q:g} m³/s, × 2)" in text
    zh = " ".join(_pdf_text(client.post("/api/v1/sheets", json=body).data, tmp_path).split())
    assert "分时段排放速率" in zh and "今日流量" in zh
    xlsx = client.post("/api/v1/sheets.xlsx?lang=en", json=body)
    assert xlsx.status_code == 200, xlsx.json
    ws = load_workbook(io.BytesIO(xlsx.data)).worksheets[0]
    cells = {str(r[0].value): r[1].value for r in ws.iter_rows(min_row=2) if r[0].value}
    assert cells["mass_kg"] == 1500.0 and cells["duration_h"] == 6.0
    assert cells["Release rate series"].startswith("from 0 h: 500 kg/h")
    assert "SEC_A" in cells["Today's discharge"] and "× 2" in cells["Today's discharge"]
    plain = client.post("/api/v1/sheets.xlsx?lang=en", json=BODY)
    ws = load_workbook(io.BytesIO(plain.data)).worksheets[0]
    assert "Release rate series" not in {str(r[0].value) for r in ws.iter_rows()}


@pytest.mark.parametrize(("spill", "field"), [
    ({"release": {"rate_series": SERIES}}, "spill.release.rate_series"),
    ({"flow_today": {"station_code": "SEC_A", "discharge_m3s": 200}}, "spill.flow_today"),
])
def test_ensemble_refuses_what_it_would_drop(client, spill, field):
    """The bands vary a box release on the season's hydraulics: a series or today's flow
    is refused by name, never silently ignored."""
    resp = client.post("/api/v1/ensemble", json={"spill": _with(**spill), "members": 10})
    assert resp.status_code == 422, resp.json
    assert field in resp.json["fields"]

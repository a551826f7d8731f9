"""Issue 11 on the bundled Gansu data: no loss in the worst case, Class II at intakes,
nothing above solubility, the regulated species."""

from __future__ import annotations

import pytest


def _analyze(client, lon, lat, pollutant, mass_kg, horizon_h=72, **extra):
    body = {"location": {"lon": lon, "lat": lat}, "pollutant": pollutant,
            "release": {"mass_kg": mass_kg}, "horizon_h": horizon_h, **extra}
    resp = client.post("/api/v1/incidents/analyze", json=body)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


LANZHOU_INTAKE = "WS-HH-LANZHOU-LJX"


@pytest.mark.parametrize("season", ["dry", "normal", "flood"])
def test_benzene_above_liujiaxia_exceeds_at_lanzhous_intake_in_the_worst_case(
        bundled_client, season):
    """10 t of benzene on the Yellow River above Liujiaxia: the worst case credits no loss,
    and volatilisation over 80-110 m of reservoir is close to nil (before: 0.0095 mg/L in
    the dry season's worst case, 0.00086 expected, with 0.5/day everywhere)."""
    r = _analyze(bundled_client, 103.1, 35.85, "BENZENE", 10_000, horizon_h=240,
                 season=season)
    intake = next(x for x in r["receptors"] if x["code"] == LANZHOU_INTAKE)
    assert intake["limit_mgl"] == pytest.approx(0.01)
    assert intake["worst"]["exceeds"]
    assert intake["worst"]["peak_conc_mgl"] > 0.05
    # the expected case loses little in the reservoir: within a factor 4 of the worst
    assert intake["peak_conc_mgl"] > intake["worst"]["peak_conc_mgl"] / 4.0
    assert r["model"]["coefficients"]["loss_in_worst_case"] is False


def test_lead_at_an_intake_is_judged_against_class_ii(bundled_client):
    r = _analyze(bundled_client, 103.1, 35.85, "LEAD", 500, horizon_h=120)
    intake = next(x for x in r["receptors"] if x["code"] == LANZHOU_INTAKE)
    assert intake["limit_mgl"] == pytest.approx(0.01)
    assert "II类" in intake["limit_basis"] and "Class II" in intake["limit_basis_en"]
    section = next(x for x in r["receptors"] if x["kind"] == "section")
    assert section["limit_mgl"] == pytest.approx(0.05)
    assert "III类" in section["limit_basis"]


def test_no_dissolved_value_above_solubility_taishi_antimony(bundled_client):
    """5 t of antimony in the Taishi (0.33 m³/s): the dissolved cross-section mean cannot
    exceed the solubility (before: 33,618 mg/L worst at 2 km, above any Sb compound's)."""
    r = _analyze(bundled_client, 105.30, 33.90, "ANTIMONY", 5000, horizon_h=120)
    sol = r["pollutant"]["solubility_mgl"]
    assert sol and sol > 0
    for x in r["receptors"]:
        assert x["peak_conc_mgl"] <= sol * (1 + 1e-9), x["code"]
        assert x["worst"]["peak_conc_mgl"] <= sol * (1 + 1e-9), x["code"]
        assert max(c for _, c in x["curve"]) <= sol * (1 + 1e-9)
    for _, c in r["profile"] + r["worst_profile"]:
        assert c <= sol * (1 + 1e-9)
    # the release lasts at least M/(Q·S): the water passing cannot carry more
    assert r["model"]["coefficients"]["dissolution_duration_h"] > 0


def test_above_solubility_is_flagged_undissolved(bundled_client):
    """20 t of tetrachloroethylene (206 mg/L) in a small stream: capped and flagged."""
    r = _analyze(bundled_client, 105.30, 33.90, "TETRACHLOROETHYLENE", 20_000, horizon_h=48)
    sol = r["pollutant"]["solubility_mgl"]
    flagged = [x for x in r["receptors"] if x["undissolved"] or x["worst"]["undissolved"]]
    assert flagged
    for x in flagged:
        top = x["peak_conc_mgl"] if x["undissolved"] else x["worst"]["peak_conc_mgl"]
        assert top == pytest.approx(sol)


def test_sodium_cyanide_is_converted_to_cn(bundled_client):
    nacn = _analyze(bundled_client, 103.1, 35.85, "SODIUM_CYANIDE", 1000, horizon_h=48)
    cn = _analyze(bundled_client, 103.1, 35.85, "CYANIDE", 1000, horizon_h=48)
    assert nacn["pollutant"]["species_mass_kg"] == pytest.approx(1000 * 26.02 / 49.01, rel=1e-3)
    assert "CN" in nacn["pollutant"]["species_en"]
    a = next(x for x in nacn["receptors"] if x["code"] == LANZHOU_INTAKE)
    b = next(x for x in cn["receptors"] if x["code"] == LANZHOU_INTAKE)
    assert a["worst"]["peak_conc_mgl"] / b["worst"]["peak_conc_mgl"] == pytest.approx(
        26.02 / 49.01, rel=1e-3)
    assert a["limit_mgl"] == pytest.approx(0.05)

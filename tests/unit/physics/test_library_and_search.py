"""Issue 11: the pollutant library's limits, solubility, species and loss; the search rank."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from webgis.exports.context import RATIO_PRINT_CAP, fmt_ratio
from webgis.hydro.analysis import PollutantInput, limit_and_basis

ROOT = Path(__file__).resolve().parents[3]
LIB = {p["code"]: p for p in yaml.safe_load((ROOT / "data" / "pollutants.yaml").read_text())}


def _input(code: str) -> PollutantInput:
    p = LIB[code]
    return PollutantInput(
        code, p["name_zh"], p["pclass"], p["decay_per_day"], p["limit_class3_mgl"],
        p["limit_source_mgl"], p["behaviour"], limit_class2_mgl=p["limit_class2_mgl"],
        limit_source_table=p["limit_source_table"],
        volatilisation_m_per_day=p["volatilisation_m_per_day"],
        solubility_mgl=p["solubility_mgl"], species_factor=p["species_factor"],
    )


@pytest.mark.parametrize("code, intake, elsewhere", [
    ("LEAD", 0.01, 0.05), ("CYANIDE", 0.05, 0.2), ("SODIUM_CYANIDE", 0.05, 0.2),
    ("PHENOL", 0.002, 0.005), ("MERCURY", 0.00005, 0.0001), ("AMMONIA_N", 0.5, 1.0),
    ("SULFIDE", 0.1, 0.2), ("BENZENE", 0.01, 0.01), ("CHLORINE", 0.01, 0.01),
    ("MANGANESE", 0.1, 0.1),
])
def test_intakes_use_class_ii_and_tables_2_3(code, intake, elsewhere):
    """GB 3838-2002 §4: intakes sit in first-level zones (Class II); elsewhere Class III."""
    limit, (zh, en) = limit_and_basis("water_source", _input(code))
    assert limit == pytest.approx(intake)
    assert "GB 3838-2002" in zh and "GB 3838-2002" in en
    if LIB[code]["limit_class2_mgl"] is not None:
        assert "II类" in zh and "Class II" in en
    else:
        table = LIB[code]["limit_source_table"]
        assert f"表{table}" in zh and f"Table {table}" in en
    other, (zh3, en3) = limit_and_basis("section", _input(code))
    assert other == pytest.approx(elsewhere)
    assert "GB 3838-2002" in zh3 and "GB 3838-2002" in en3


def test_every_pollutant_has_behaviour_and_solubility_field():
    for code, p in LIB.items():
        assert p["behaviour"] in ("dissolves", "floats", "sinks", "volatile"), code
        assert "solubility_mgl" in p, code
        assert 0 < p["species_factor"] <= 1, code
    for code in ("DIESEL", "GASOLINE", "CRUDE_OIL"):
        assert LIB[code]["behaviour"] == "floats"
    assert LIB["BENZENE"]["solubility_mgl"] == pytest.approx(1790)


def test_volatile_organics_lose_by_velocity_over_depth_not_a_fixed_rate():
    """Benzene, vinyl chloride and chlorinated solvents: volatilisation is a velocity
    (m/day), the first-order rate keeps only biodegradation/hydrolysis (< 0.1/day)."""
    for code in ("BENZENE", "VINYL_CHLORIDE", "TOLUENE", "TRICHLOROETHYLENE",
                 "TETRACHLOROETHYLENE", "DICHLOROMETHANE", "CCL4"):
        p = LIB[code]
        assert 0.1 < p["volatilisation_m_per_day"] < 5.0, code
        assert p["decay_per_day"] < 0.1, code
        # in a 100 m-deep reservoir volatilisation all but vanishes
        assert p["volatilisation_m_per_day"] / 100.0 < 0.05, code


def test_species_factors_are_molar_mass_ratios():
    assert LIB["SODIUM_CYANIDE"]["species_factor"] == pytest.approx(26.02 / 49.01, rel=1e-3)
    assert LIB["LIQUID_AMMONIA"]["species_factor"] == pytest.approx(14.007 / 17.031, rel=1e-3)
    assert LIB["AMMONIA_WATER"]["species_factor"] == pytest.approx(14.007 / 17.031, rel=1e-3)
    assert "CN" in LIB["SODIUM_CYANIDE"]["species_en"]


def test_ratio_printed_is_bounded():
    assert fmt_ratio(0.02, 0.01) == "×2"
    assert fmt_ratio(26708.0, 0.005) == f">{RATIO_PRINT_CAP:,.0f}×"
    assert fmt_ratio(None, 0.01) == "—"


@pytest.mark.skipif(shutil.which("node") is None, reason="node not installed")
@pytest.mark.parametrize("typed, expected", [
    ("苯", "BENZENE"), ("苯胺", "ANILINE"), ("苯酚", "PHENOL"), ("benzene", "BENZENE"),
    ("71-43-2", "BENZENE"), ("氰化钠", "SODIUM_CYANIDE"), ("cyanide", "CYANIDE"),
])
def test_exact_name_code_or_cas_wins_over_prefix(typed, expected):
    """static/app/fmt.js matchRank, as the pollutant box and the map search sort by it,
    over the library in code order (as the map serves it)."""
    rows = sorted(LIB.values(), key=lambda p: p["code"])
    fields = [[p["name_zh"], p["name_en"], p["code"], p["cas"]] for p in rows]
    script = (
        "var window = {};\n" + (ROOT / "static" / "app" / "fmt.js").read_text(encoding="utf-8")
        + "\nvar rows = " + json.dumps(fields, ensure_ascii=False) + ";\n"
        + "var q = " + json.dumps(typed, ensure_ascii=False) + ";\n"
        + "var hits = rows.map(function (f, i) { return { i: i, r: window.webgisFmt"
          ".matchRank(q, f) }; }).filter(function (h) { return h.r >= 0; })"
          ".sort(function (a, b) { return a.r - b.r || a.i - b.i; });\n"
        + "console.log(rows[hits[0].i][2]);\n"
    )
    out = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == expected

"""The bundled resource layers (pollutants, materials, depots, teams, enterprises) read as
plain files: counts, codes, references between layers and to the river network.

Format: docs/data-format.md. Built by scripts/dataset/build_resources.py from
data/src/resources/ (the last test rebuilds into a temporary copy and compares bytes).
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "data"
CLASSES = {
    "heavy_metal", "metalloid", "oil", "volatile_organic", "organic",
    "acid_alkali", "cyanide", "nutrient", "oxygen_demand", "other",
}
CODE_RE = re.compile(r"^[A-Z0-9_-]{1,40}$")
PHONE_RE = re.compile(r"^09\d{2}-\d{7}$")
PREFECTURE_ADCODES = {
    "620100", "620200", "620300", "620400", "620500", "620600", "620700",
    "620800", "620900", "621000", "621100", "621200", "622900", "623000",
}
LZ_NEW_DISTRICT = "620171"


def _yaml(rel: str):
    with (DATA / rel).open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _features(rel: str) -> list[dict]:
    with (DATA / rel).open(encoding="utf-8") as fh:
        fc = json.load(fh)
    assert fc["type"] == "FeatureCollection"
    return fc["features"]


@pytest.fixture(scope="module")
def pollutants() -> dict[str, dict]:
    return {p["code"]: p for p in _yaml("pollutants.yaml")}


@pytest.fixture(scope="module")
def materials() -> dict[str, dict]:
    return {m["code"]: m for m in _yaml("materials.yaml")}


@pytest.fixture(scope="module")
def depots() -> list[dict]:
    return _features("depots/depots.geojson")


@pytest.fixture(scope="module")
def teams() -> list[dict]:
    return _features("teams/teams.geojson")


@pytest.fixture(scope="module")
def enterprises() -> list[dict]:
    return _features("enterprises/enterprises.geojson")


def _unique_codes(rows: list[dict]) -> None:
    codes = [r["code"] for r in rows]
    assert len(codes) == len(set(codes)), "duplicate codes"
    bad = [c for c in codes if not CODE_RE.match(c)]
    assert not bad, f"bad codes {bad}"


# ------------------------------------------------------------------ pollutants
def test_pollutant_library_size_and_codes():
    rows = _yaml("pollutants.yaml")
    assert len(rows) >= 40
    _unique_codes(rows)


def test_pollutant_fields(pollutants):
    for code, p in pollutants.items():
        assert p["pclass"] in CLASSES, code
        assert p["behaviour"] in {"dissolves", "floats", "sinks", "volatile"}, code
        assert p["decay_per_day"] >= 0, code
        assert p["volatilisation_m_per_day"] >= 0, code
        for key in ("limit_class2_mgl", "limit_class3_mgl", "limit_source_mgl",
                    "solubility_mgl"):
            assert p[key] is None or p[key] > 0, (code, key)
        assert p["limit_basis"] and p["source"] and p["name_zh"] and p["name_en"], code
        assert p["techniques_zh"] and p["techniques_en"], code


def test_every_class_is_represented(pollutants):
    assert {p["pclass"] for p in pollutants.values()} == CLASSES


@pytest.mark.parametrize(("code", "class3", "source_limit"), [
    ("CADMIUM", 0.005, None), ("LEAD", 0.05, None), ("MERCURY", 0.0001, None),
    ("CHROMIUM_VI", 0.05, None), ("ARSENIC", 0.05, None), ("PETROLEUM", 0.05, None),
    ("CYANIDE", 0.2, None), ("AMMONIA_N", 1.0, None), ("COD", 20.0, None),
    ("PHENOL", 0.005, None), ("FLUORIDE", 1.0, None), ("SULFIDE", 0.2, None),
    ("BENZENE", None, 0.01), ("NITROBENZENE", None, 0.017), ("ANTIMONY", None, 0.005),
    ("THALLIUM", None, 0.0001), ("NICKEL", None, 0.02), ("NITRATE_N", None, 10.0),
])
def test_gb3838_limits(pollutants, code, class3, source_limit):
    p = pollutants[code]
    assert p["limit_class3_mgl"] == class3
    assert p["limit_source_mgl"] == source_limit


def test_metals_do_not_decay_and_acids_have_no_mass_limit(pollutants):
    for p in pollutants.values():
        if p["pclass"] in {"heavy_metal", "metalloid"}:
            assert p["decay_per_day"] == 0, p["code"]
    for code in ("SULFURIC_ACID", "HYDROCHLORIC_ACID", "NITRIC_ACID", "SODIUM_HYDROXIDE"):
        p = pollutants[code]
        assert p["limit_class3_mgl"] is None and p["limit_source_mgl"] is None
        assert "pH" in p["limit_basis"]


def test_unverified_values_are_marked(pollutants):
    # toluene's Table 3 value is marked [unverified] in the design notes
    assert "unverified" in pollutants["TOLUENE"]["limit_basis"]
    assert pollutants["BENZENE"]["decay_per_day"] > 0
    assert "volatilisation" in pollutants["BENZENE"]["source"]


# ------------------------------------------------------------------ materials
def test_materials(materials):
    rows = _yaml("materials.yaml")
    _unique_codes(rows)
    for code, m in materials.items():
        assert m["unit"], code
        assert isinstance(m["serves"], list), code
        assert set(m["serves"]) <= CLASSES, code
    # the survey items and the typical extra stock are all in the catalogue
    for code in ("PAC_CARBON", "GAC_CARBON", "QUICKLIME", "PAC", "PAM", "NAOH", "PFS", "NA2S",
                 "NACLO", "FESO4", "KMNO4", "SODA_ASH", "OIL_BOOM", "ABSORBENT_FELT",
                 "ABSORBENT_COTTON", "SKIMMER", "SANDBAG", "WOVEN_BAG", "GEOMEMBRANE",
                 "PUMP_SUBMERSIBLE", "PUMP_SLUDGE", "GENERATOR", "BOAT", "MONITORING_KIT",
                 "PORTABLE_METER", "PPE_CHEMSUIT"):
        assert code in materials, code
    assert materials["OIL_BOOM"]["unit"] == "m"
    assert materials["SANDBAG"]["serves"] == []  # [] = general purpose


def test_every_pollutant_class_has_a_material(materials):
    served = set()
    for m in materials.values():
        served |= set(m["serves"]) if m["serves"] else CLASSES
    assert served == CLASSES
    specific = set()
    for m in materials.values():
        specific |= set(m["serves"])
    assert specific == CLASSES  # each class has at least one class-specific material


def test_pollutant_recommended_materials_exist_and_fit(pollutants, materials):
    for code, p in pollutants.items():
        assert p["materials"], code
        for mc in p["materials"]:
            m = materials[mc]  # KeyError = unknown material code
            assert m["serves"] == [] or p["pclass"] in m["serves"], (code, mc)


# ------------------------------------------------------------------ depots
def test_depot_counts_and_kinds(depots):
    props = [f["properties"] for f in depots]
    _unique_codes(props)
    assert len(props) == 20
    provincial = [p for p in props if p["kind"] == "provincial"]
    basin = [p for p in props if p["kind"] == "basin"]
    assert len(provincial) == 15 and len(basin) == 5
    assert {p["adcode"] for p in provincial} == PREFECTURE_ADCODES | {LZ_NEW_DISTRICT}
    names = " ".join(p["name_en"] for p in basin)
    for basin_name in ("Yellow", "Jialing", "Hei", "Shiyang", "Shule"):
        assert basin_name in names
    assert all(p["status"] == "operational" for p in provincial)
    assert all(p["status"] in {"planned", "under_construction"} for p in basin)


def test_depot_inventories(depots, materials):
    for f in depots:
        p = f["properties"]
        assert f["geometry"]["type"] == "Point"
        assert p["fictitious_contact"] is True and PHONE_RE.match(p["contact_phone"]), p["code"]
        assert p["source"].startswith("schematic"), p["code"]
        rows = p["inventory"] + p.get("design_inventory", [])
        if p["status"] != "planned":
            assert p["inventory"], p["code"]
        assert rows, p["code"]
        for row in rows:
            m = materials[row["material"]]  # KeyError = unknown material
            assert row["quantity"] >= 0
            # serves at least one class, or [] = general purpose
            assert m["serves"] == [] or set(m["serves"]) & CLASSES
        mats = [r["material"] for r in p["inventory"]]
        assert len(mats) == len(set(mats)), p["code"]


def test_depot_inventories_follow_the_risk_profile(depots):
    inv = {f["properties"]["code"]: {r["material"]: r["quantity"]
                                     for r in f["properties"]["inventory"]} for f in depots}
    others = [c for c in inv if c.startswith("DEPOT-") and not c.startswith("DEPOT-B-")]

    def top(code, material):
        return inv[code][material] >= max(inv[c].get(material, 0) for c in others)

    assert top("DEPOT-LN", "QUICKLIME") and top("DEPOT-LN", "PFS") and top("DEPOT-LN", "WOVEN_BAG")
    assert top("DEPOT-LZ", "PAC_CARBON")
    assert top("DEPOT-LZ", "OIL_BOOM") or top("DEPOT-QY", "OIL_BOOM")
    assert inv["DEPOT-QY"]["ABSORBENT_FELT"] > inv["DEPOT-DX"]["ABSORBENT_FELT"] * 3


# ------------------------------------------------------------------ teams
def test_teams(teams):
    props = [f["properties"] for f in teams]
    _unique_codes(props)
    assert len(props) == 15
    assert {p["adcode"] for p in props} == PREFECTURE_ADCODES | {LZ_NEW_DISTRICT}
    for p in props:
        assert isinstance(p["headcount"], int) and p["headcount"] > 0
        assert p["specialities"] and p["equipment"] and p["base"]
        assert p["fictitious_contact"] is True and PHONE_RE.match(p["contact_phone"])
        assert p["source"].startswith("schematic")


# ------------------------------------------------------------------ enterprises
def test_enterprise_count_and_fields(enterprises, pollutants):
    props = [f["properties"] for f in enterprises]
    _unique_codes(props)
    assert len(props) >= 200
    for f in enterprises:
        p = f["properties"]
        lon, lat = f["geometry"]["coordinates"]
        assert 92 < lon < 109 and 32 < lat < 43, p["code"]
        assert p["risk_level"] in {"major", "larger", "general"}
        assert isinstance(p["plan_filed"], bool)
        assert p["fictitious"] is True
        assert p["adcode"] in PREFECTURE_ADCODES | {LZ_NEW_DISTRICT}
        assert p["source"].startswith("schematic") and "fictitious" in p["source"]
        assert p["substances"], p["code"]
        for s in p["substances"]:
            assert s["pollutant"] in pollutants, (p["code"], s["pollutant"])
            assert s["max_t"] >= 0
    assert {p["adcode"] for p in props} == PREFECTURE_ADCODES | {LZ_NEW_DISTRICT}
    assert {p["risk_level"] for p in props} == {"major", "larger", "general"}
    assert not all(p["plan_filed"] for p in props)


def test_enterprise_outfalls_are_on_the_network(enterprises, reaches):
    for f in enterprises:
        p = f["properties"]
        assert p["outfall_reach"] in reaches, (p["code"], p["outfall_reach"])
        assert 0 <= p["outfall_measure"] <= 1, p["code"]
        assert reaches[p["outfall_reach"]]["river_code"] == p["outfall_river"], p["code"]


def _with(enterprises, river=None, pollutant=None, industry=None):
    out = []
    for f in enterprises:
        p = f["properties"]
        subs = {s["pollutant"] for s in p["substances"]}
        if river and p["outfall_river"] != river:
            continue
        if pollutant and pollutant not in subs:
            continue
        if industry and p["industry"] != industry:
            continue
        out.append(p)
    return out


def test_real_industrial_geography(enterprises):
    # the Taishi River area of the 2015 Longxing antimony tailings leak
    assert _with(enterprises, river="TAISHIHE", pollutant="ANTIMONY")
    # Xigu petrochemicals on the Yellow River
    assert any(p["adcode"] == "620100" for p in
               _with(enterprises, river="HUANGHE", pollutant="BENZENE", industry="petrochemical"))
    # Baiyin smelting, Jinchang nickel, Longnan lead-zinc, Qingyang and Yumen oil
    assert any(p["adcode"] == "620400" for p in _with(enterprises, pollutant="CADMIUM"))
    assert any(p["adcode"] == "620300" for p in _with(enterprises, pollutant="NICKEL"))
    assert len([p for p in _with(enterprises, pollutant="LEAD") if p["adcode"] == "621200"]) >= 8
    assert any(p["adcode"] == "621000" for p in _with(enterprises, pollutant="CRUDE_OIL"))
    assert _with(enterprises, river="SHIYOUHE", pollutant="CRUDE_OIL")
    # every prefecture has a wastewater plant
    wwtp = {p["adcode"] for p in _with(enterprises, industry="wastewater")}
    assert wwtp == PREFECTURE_ADCODES | {LZ_NEW_DISTRICT}


# ------------------------------------------------------------------ reproducibility
def test_build_is_reproducible(tmp_path):
    """Rebuilding from data/src/resources into a copy gives byte-identical files."""
    data = tmp_path / "data"
    shutil.copytree(DATA / "src" / "resources", data / "src" / "resources")
    shutil.copytree(DATA / "rivers", data / "rivers")
    script = ROOT / "scripts" / "dataset" / "build_resources.py"
    spec = importlib.util.spec_from_file_location("build_resources_under_test", script)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.main(["--data", str(data)]) == 0
    for rel in ("pollutants.yaml", "materials.yaml", "depots/depots.geojson",
                "teams/teams.geojson", "enterprises/enterprises.geojson"):
        assert (data / rel).read_bytes() == (DATA / rel).read_bytes(), (
            f"{rel} is stale: run .venv/bin/python scripts/dataset/build_resources.py")


def test_points_lie_in_their_admin_area(depots, teams, enterprises):
    """Every depot, team and enterprise point lies inside the polygon of its adcode."""
    path = DATA / "admin" / "admin_areas.geojson"
    if not path.exists():
        pytest.skip("admin layer not built")
    from shapely.geometry import Point, shape

    polys = {f["properties"]["adcode"]: shape(f["geometry"]) for f in _features(
        "admin/admin_areas.geojson")}
    for f in depots + teams + enterprises:
        p = f["properties"]
        assert polys[p["adcode"]].contains(Point(f["geometry"]["coordinates"])), p["code"]

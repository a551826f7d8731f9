"""Second round against surviving mutants of ``webgis.services``: the map layers' joined
lists (a plan's own steps, an enterprise's substances), the OGC extents, the loader's new
rows and refusals, and the result without a plan or at another road speed. Expectations
from the mini fixture's files and the inputs."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, replace
from datetime import datetime

import pytest
import yaml
from pyproj import Geod

from tests.conftest import MINI
from webgis import models as m
from webgis.errors import DataError
from webgis.hydro.analysis import ReleaseInput, run_incident
from webgis.services import layers, loading
from webgis.services.reference import get_reference
from webgis.services.result import build_result

GEOD = Geod(ellps="WGS84")


@pytest.fixture
def ctx(app, session):
    with app.app_context():
        yield session


# --- layers --------------------------------------------------------------------------------


def test_each_plan_lists_its_own_steps_in_phase_order(ctx):
    phases = ["report", "assess", "contain", "treat", "monitor", "recover"]
    plans = {f["id"]: f for f in layers.read_layer("plans")["features"]}
    assert set(plans) == {"MAIN", "TRIB"}
    for code in ("MAIN", "TRIB"):
        steps = yaml.safe_load((MINI / f"plans/{code}.yaml").read_text())["steps"]
        got = plans[code]["properties"]["steps"]
        want = sorted(steps, key=lambda s: (phases.index(s["phase"]), s["order"]))
        assert [(s["phase"], s["order"], s["text_zh"]) for s in got] == [
            (s["phase"], s["order"], s["text_zh"]) for s in want]
        assert plans[code]["properties"]["river_code"] == code


def test_an_enterprise_lists_its_substances(ctx):
    ent = layers.read_feature("enterprises", "ENT_A")
    assert ent["properties"]["substances"] == [
        {"pollutant": "BENZENE", "name_zh": "苯", "name_en": "Benzene",
         "pclass": "volatile_organic", "max_t": 200}]
    assert ent["properties"]["outfall_reach"] == "TRIB-001"
    depot = layers.read_feature("depots", "DEPOT_A")
    assert sorted((i["material"], i["quantity"]) for i in depot["properties"]["inventory"]) == [
        ("ACTIVATED_CARBON", 20), ("QUICKLIME", 50), ("SANDBAG", 5000)]


def test_the_ogc_extents_and_the_fallback(ctx):
    ext = layers.view_extents("ogc", ["interception_points", "reaches"], [1.0, 2.0, 3.0, 4.0])
    assert ext["interception_points"] == [103.15, 36.0, 103.15, 36.0]
    fc = json.loads((MINI / "rivers/reaches.geojson").read_text())
    xs = [c[0] for f in fc["features"] for c in f["geometry"]["coordinates"]]
    ys = [c[1] for f in fc["features"] for c in f["geometry"]["coordinates"]]
    assert ext["reaches"] == pytest.approx([min(xs), min(ys), max(xs), max(ys)], abs=1e-6)
    ctx.query(m.InterceptionPoint).delete()
    ctx.flush()
    empty = layers.view_extents("ogc", ["interception_points"], [1.0, 2.0, 3.0, 4.0])
    assert empty == {"interception_points": [1.0, 2.0, 3.0, 4.0]}


# --- loading -------------------------------------------------------------------------------


@pytest.fixture
def data(tmp_path):
    root = tmp_path / "mini"
    shutil.copytree(MINI, root)
    return root


def test_a_new_point_is_placed_on_its_reach(ctx, data):
    path = data / "receptors/interception_points.geojson"
    fc = json.loads(path.read_text())
    new = json.loads(json.dumps(fc["features"][0]))
    new["properties"].update(code="IP_B", name_zh="乙坝", name_en="Dam B")
    fc["features"].append(new)
    path.write_text(json.dumps(fc, ensure_ascii=False))
    report = loading.load_data(data)
    assert report.layers["interception_points"] == {"status": "loaded", "count": 2,
                                                    "deleted": 0}
    ip = layers.read_feature("interception_points", "IP_B")
    assert ip["properties"]["reach"] == "MAIN-002"
    assert ip["properties"]["river_code"] == "MAIN"
    assert ctx.get(m.DatasetLayer, "interception_points").feature_count == 2


def test_reloaded_rivers_keep_their_receiving_river(ctx, data):
    path = data / "rivers/rivers.yaml"
    path.write_text(path.read_text().replace("length_km: 30", "length_km: 31"))
    report = loading.load_data(data)
    assert report.layers["rivers"]["status"] == "loaded"
    rivers = {f["id"]: f["properties"] for f in layers.read_layer("rivers")["features"]}
    assert rivers["TRIB"]["receiving_code"] == "MAIN"
    assert rivers["MAIN"]["receiving_code"] is None
    assert ctx.get(m.DatasetLayer, "rivers").feature_count == 2


def test_removing_a_reach_still_used_names_it(ctx, tmp_path):
    part = tmp_path / "part"
    (part / "rivers").mkdir(parents=True)
    shutil.copy(MINI / "rivers/rivers.yaml", part / "rivers/rivers.yaml")
    fc = json.loads((MINI / "rivers/reaches.geojson").read_text())
    fc["features"] = [f for f in fc["features"] if f["properties"]["code"] != "MAIN-003"]
    fc["features"][1]["properties"].update(downstream_code=None, end_kind="outlet")
    (part / "rivers/reaches.geojson").write_text(json.dumps(fc, ensure_ascii=False))
    with pytest.raises(DataError) as e:
        loading.load_data(part)
    assert e.value.feature == "MAIN-003"
    assert e.value.file.endswith("reaches.geojson")
    assert "still referenced" in e.value.message


# --- the result without a plan, at another road speed ----------------------------------------


@dataclass(frozen=True)
class Req:
    lon: float = 103.1
    lat: float = 35.92
    pollutant: str = "BENZENE"
    mass_kg: float = 2000.0
    duration_h: float = 0.0
    season: str = "normal"
    horizon_h: float = 72.0
    started_at: datetime | None = datetime.fromisoformat("2026-05-01T08:00:00+08:00")
    deaths: int = 0
    poisoned: int = 0
    evacuated: int = 0
    loss_cny: float = 0.0
    discovered_at: datetime | None = datetime.fromisoformat("2026-05-01T08:40:00+08:00")
    sensitive_groups: bool = False
    mass_incident: bool = False
    ecology: str | None = None


def _plume(ref, config):
    net = ref.network
    snap = net.snap(103.1, 35.92, config["SNAP_MAX_M"])
    return run_incident(net, snap, ref.pollutants["BENZENE"], ReleaseInput(2000.0, 0.0),
                        "normal", 72.0, ref.receptors, river_names=ref.river_names,
                        province_names=ref.province_names)


def test_a_river_without_a_plan(app, ctx):
    ref = get_reference(ctx)
    config = dict(app.config)
    plume = _plume(ref, config)
    out = build_result(replace(ref, plans={}), Req(), plume, config)
    assert out["plan"] == {"river_code": None, "title": None, "steps": [],
                           "interception_points": [], "sensitive_notes": {}}


@pytest.mark.parametrize("speed_kmh", [7.0, 90.0])
def test_depots_and_teams_travel_at_the_configured_speed(app, ctx, speed_kmh):
    ref = get_reference(ctx)
    config = {**app.config, "ROAD_SPEED_KMH": speed_kmh, "ROAD_CIRCUITY": 1.5}
    plume = _plume(ref, config)
    out = build_result(ref, Req(), plume, config)
    ip = next(r for r in out["receptors"] if r["code"] == "IP_A")
    sites = {"DEPOT_A": (103.15, 36.05), "TEAM_A": (103.05, 36.05)}
    for row in [*out["depots"], *out["teams"]]:
        if row["code"] not in sites:
            continue
        lon, lat = sites[row["code"]]
        km = GEOD.inv(lon, lat, 103.15, 36.0)[2] / 1000.0
        assert row["travel_h"] == pytest.approx(km * 1.5 / speed_kmh, rel=1e-9)
        assert row["slack_h"] == pytest.approx(ip["worst"]["arrival_h"] - km * 1.5 / speed_kmh,
                                               rel=1e-9)
    assert out["model"]["coefficients"]["road_speed_kmh"] == speed_kmh
    assert out["model"]["coefficients"]["road_circuity"] == 1.5

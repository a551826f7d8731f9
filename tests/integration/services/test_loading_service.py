"""``webgis.services.loading``: what a load reports per layer, what the rows hold after it
(children replaced, links set), all or nothing, and ``check_data`` (issue 13: mutants of the
loader survived). Expectations from the edited files."""

from __future__ import annotations

import json
import shutil

import pytest
from sqlalchemy import func, select

from tests.conftest import MINI
from webgis import models as m
from webgis.dataset.read import DatasetInvalid
from webgis.services import loading


@pytest.fixture
def ctx(app, session):
    with app.app_context():
        yield session


@pytest.fixture
def data(tmp_path):
    root = tmp_path / "mini"
    shutil.copytree(MINI, root)
    return root


def _features(path) -> int:
    return len(json.loads(path.read_text())["features"])


def test_an_unchanged_dataset_reports_every_layer_unchanged(ctx):
    report = loading.load_data(MINI)
    assert set(report.layers) == set(loading.TARGETS)
    assert report.layers["teams"] == {"status": "unchanged",
                                      "count": _features(MINI / "teams/teams.geojson")}
    assert report.layers["reaches"]["count"] == _features(MINI / "rivers/reaches.geojson")
    assert report.layers["interception_points"]["count"] == 1
    lines = report.lines()
    assert f"{'teams':<20} unchanged (1 features)" in lines
    assert len(lines) == len(report.layers)


def test_a_changed_layer_is_loaded_its_stale_rows_removed(ctx, data):
    path = data / "teams/teams.geojson"
    fc = json.loads(path.read_text())
    extra = json.loads(json.dumps(fc["features"][0]))
    extra["properties"].update(code="TEAM_B", name_zh="乙救援队", name_en="Team B",
                               headcount=7)
    fc["features"].append(extra)
    path.write_text(json.dumps(fc, ensure_ascii=False))
    report = loading.load_data(data)
    assert report.layers["teams"] == {"status": "loaded", "count": 2, "deleted": 0}
    assert report.layers["depots"]["status"] == "unchanged"
    assert f"{'teams':<20} 2 loaded, 0 removed" in report.lines()
    assert ctx.scalar(select(m.RescueTeam.headcount).where(m.RescueTeam.code == "TEAM_B")) == 7
    fc["features"] = fc["features"][1:]
    path.write_text(json.dumps(fc, ensure_ascii=False))
    report = loading.load_data(data)
    assert report.layers["teams"] == {"status": "loaded", "count": 1, "deleted": 1}
    assert ctx.scalars(select(m.RescueTeam.code)).all() == ["TEAM_B"]
    layer = ctx.get(m.DatasetLayer, "teams")
    assert layer.feature_count == 1


def test_children_are_replaced_with_the_files(ctx, data):
    depots = data / "depots/depots.geojson"
    fc = json.loads(depots.read_text())
    fc["features"][0]["properties"]["inventory"] = [{"material": "SANDBAG", "quantity": 123}]
    depots.write_text(json.dumps(fc, ensure_ascii=False))
    ents = data / "enterprises/enterprises.geojson"
    fc = json.loads(ents.read_text())
    fc["features"][0]["properties"]["substances"][0]["max_t"] = 7
    ents.write_text(json.dumps(fc, ensure_ascii=False))
    plan = data / "plans/TRIB.yaml"
    plan.write_text(plan.read_text().replace("核实并初报", "核实并初报（改）"))
    report = loading.load_data(data)
    for layer in ("depots", "enterprises", "plans"):
        assert report.layers[layer]["status"] == "loaded", layer
    depot = ctx.scalar(select(m.Depot).where(m.Depot.code == "DEPOT_A"))
    assert [(i.quantity,) for i in depot.inventory] == [(123,)]
    assert ctx.scalar(select(m.EnterpriseSubstance.max_t)) == 7
    assert ctx.scalar(select(func.count()).select_from(m.EnterpriseSubstance)) == 1
    texts = ctx.scalars(select(m.PlanStep.text_zh).join(
        m.RiverPlan, m.RiverPlan.id == m.PlanStep.plan_id).where(m.RiverPlan.code == "TRIB")
    ).all()
    assert "核实并初报（改）" in texts and "核实并初报" not in texts


def test_the_network_version_follows_the_reaches(ctx, data):
    before = loading.network_version(ctx)
    assert before == ctx.get(m.DatasetLayer, "reaches").sha256
    path = data / "rivers/reaches.geojson"
    fc = json.loads(path.read_text())
    fc["features"][0]["properties"]["discharge_m3s"] *= 2
    path.write_text(json.dumps(fc, ensure_ascii=False))
    loading.load_data(data)
    after = loading.network_version(ctx)
    assert after != before and after == ctx.get(m.DatasetLayer, "reaches").sha256
    # the links survive a reload of the reaches
    trib = ctx.scalar(select(m.Reach).where(m.Reach.code == "TRIB-001"))
    assert ctx.get(m.Reach, trib.downstream_id).code == "MAIN-002"


def test_a_broken_file_loads_nothing(ctx, data):
    teams = data / "teams/teams.geojson"
    teams.write_text(teams.read_text().replace('"headcount": 25', '"headcount": 99'))
    ip = data / "receptors/interception_points.geojson"
    fc = json.loads(ip.read_text())
    fc["features"][0]["properties"]["capacity_m3"] = -1
    ip.write_text(json.dumps(fc, ensure_ascii=False))
    with pytest.raises(DatasetInvalid):
        loading.load_data(data)
    assert ctx.scalar(select(m.RescueTeam.headcount)) == 25


def test_check_data(data):
    problems, lines = loading.check_data(MINI)
    assert problems == [] and lines
    ip = data / "receptors/interception_points.geojson"
    fc = json.loads(ip.read_text())
    fc["features"][0]["properties"]["reach"] = "NO-SUCH-REACH"
    ip.write_text(json.dumps(fc, ensure_ascii=False))
    with pytest.raises(DatasetInvalid) as e:
        loading.check_data(data)
    assert "NO-SUCH-REACH" in str(e.value) or "reach" in str(e.value)

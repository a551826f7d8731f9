"""`webgis load-data` on a real PostGIS: all-or-nothing, and a second run changes nothing."""

from __future__ import annotations

import json
import shutil

from sqlalchemy import func, select, text

from tests.conftest import MINI
from webgis import models as m


def _snapshot(session) -> dict[str, list]:
    """Every row of every data table, ordered, as text: equality means nothing changed."""
    tables = ["river", "reach", "depot", "inventory", "enterprise", "enterprise_substance",
              "water_source", "monitoring_section", "interception_point", "river_plan",
              "plan_step", "pollutant", "material", "admin_area", "place", "rescue_team",
              "dataset_layer"]
    return {t: session.execute(text(f"SELECT t::text FROM {t} t ORDER BY 1")).scalars().all()
            for t in tables}


def test_loaded_fixture_is_linked(session):
    trib = session.scalar(select(m.Reach).where(m.Reach.code == "TRIB-001"))
    main2 = session.scalar(select(m.Reach).where(m.Reach.code == "MAIN-002"))
    assert trib.downstream_id == main2.id
    river = session.scalar(select(m.River).where(m.River.code == "TRIB"))
    assert session.get(m.River, river.receiving_id).code == "MAIN"
    depot = session.scalar(select(m.Depot).where(m.Depot.code == "DEPOT_A"))
    assert {i.quantity for i in depot.inventory} == {20, 50, 5000}


def test_second_load_changes_nothing(runner, session):
    before = _snapshot(session)
    result = runner.invoke(args=["load-data", str(MINI)])
    assert result.exit_code == 0, result.output
    assert "unchanged" in result.output and "loaded" not in result.output.replace("Loaded", "")
    assert _snapshot(session) == before


def test_changed_layer_is_upserted_and_stale_rows_removed(runner, session, tmp_path):
    data = tmp_path / "mini"
    shutil.copytree(MINI, data)
    path = data / "teams/teams.geojson"
    fc = json.loads(path.read_text())
    fc["features"][0]["properties"]["headcount"] = 40
    extra = json.loads(json.dumps(fc["features"][0]))
    extra["properties"].update(code="TEAM_B", name_zh="乙救援队", name_en="Team B")
    fc["features"].append(extra)
    path.write_text(json.dumps(fc, ensure_ascii=False))
    result = runner.invoke(args=["load-data", str(data)])
    assert result.exit_code == 0, result.output
    assert session.scalar(select(func.count()).select_from(m.RescueTeam)) == 2
    assert session.scalar(select(m.RescueTeam.headcount).where(m.RescueTeam.code == "TEAM_A")) == 40

    fc["features"] = fc["features"][1:]  # TEAM_A removed from the file
    path.write_text(json.dumps(fc, ensure_ascii=False))
    result = runner.invoke(args=["load-data", str(data)])
    assert result.exit_code == 0, result.output
    assert session.scalars(select(m.RescueTeam.code)).all() == ["TEAM_B"]


def test_broken_file_leaves_database_exactly_as_it_was(runner, session, tmp_path):
    data = tmp_path / "mini"
    shutil.copytree(MINI, data)
    # A valid change in an early layer and a broken feature in a late one.
    teams = data / "teams/teams.geojson"
    teams.write_text(teams.read_text().replace('"headcount": 25', '"headcount": 99'))
    ip = data / "receptors/interception_points.geojson"
    fc = json.loads(ip.read_text())
    fc["features"][0]["properties"]["capacity_m3"] = -1
    ip.write_text(json.dumps(fc, ensure_ascii=False))
    before = _snapshot(session)
    result = runner.invoke(args=["load-data", str(data)])
    assert result.exit_code == 1
    assert "interception_points.geojson" in result.output
    assert "'IP_A'" in result.output and "'capacity_m3'" in result.output
    assert _snapshot(session) == before


def test_removal_still_referenced_fails_whole_load(runner, session, tmp_path):
    """Dropping a reach that an unchanged layer still uses aborts everything."""
    data = tmp_path / "part"
    data.mkdir()
    (data / "rivers").mkdir()
    shutil.copy(MINI / "rivers/rivers.yaml", data / "rivers/rivers.yaml")
    fc = json.loads((MINI / "rivers/reaches.geojson").read_text())
    fc["features"] = [f for f in fc["features"] if f["properties"]["code"] != "MAIN-003"]
    fc["features"][1]["properties"].update(downstream_code=None, end_kind="outlet")
    (data / "rivers/reaches.geojson").write_text(json.dumps(fc, ensure_ascii=False))
    before = _snapshot(session)
    result = runner.invoke(args=["load-data", str(data)])
    assert result.exit_code == 1, result.output
    assert "MAIN-003" in result.output or "referenced" in result.output
    assert _snapshot(session) == before

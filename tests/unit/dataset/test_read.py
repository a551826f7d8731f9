"""Reading and validating dataset files: every problem names the file, feature and field."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from webgis.dataset.checks import check
from webgis.dataset.read import DatasetInvalid, read_dataset

MINI = Path(__file__).resolve().parents[2] / "fixtures" / "mini"


@pytest.fixture
def mini(tmp_path) -> Path:
    target = tmp_path / "mini"
    shutil.copytree(MINI, target)
    return target


def _edit_geojson(path: Path, index: int, **props) -> None:
    data = json.loads(path.read_text())
    data["features"][index]["properties"].update(props)
    path.write_text(json.dumps(data, ensure_ascii=False))


def _errors(root: Path) -> list[str]:
    with pytest.raises(DatasetInvalid) as info:
        read_dataset(root)
    return [str(e) for e in info.value.errors]


def test_mini_dataset_reads_and_checks_clean():
    ds = read_dataset(MINI)
    assert len(ds.layers["reaches"]) == 4
    assert {r["code"] for r in ds.layers["rivers"]} == {"MAIN", "TRIB"}
    problems, _ = check(ds)
    assert problems == []
    # Lengths are geodesic: 0.1° of longitude at 36° N is about 9.0 km.
    main2 = next(r for r in ds.layers["reaches"] if r["code"] == "MAIN-002")
    assert main2["length_m"] == pytest.approx(9016, rel=0.01)


def test_negative_discharge_names_file_feature_and_field(mini):
    _edit_geojson(mini / "rivers/reaches.geojson", 1, discharge_m3s=-5)
    errors = _errors(mini)
    assert any(
        "rivers/reaches.geojson" in e and "'MAIN-002'" in e and "'discharge_m3s'" in e
        for e in errors
    ), errors


def test_unknown_reference_is_reported(mini):
    _edit_geojson(mini / "receptors/water_sources.geojson", 0, reach="NOPE-001")
    errors = _errors(mini)
    assert any("water_sources.geojson" in e and "'reach'" in e and "NOPE-001" in e
               for e in errors), errors


def test_measure_out_of_range(mini):
    _edit_geojson(mini / "receptors/sections.geojson", 0, measure=1.5)
    assert any("'measure'" in e and "SEC_A" in e for e in _errors(mini))


def test_malformed_json_names_file(mini):
    (mini / "teams/teams.geojson").write_text("{not json")
    errors = _errors(mini)
    assert any("teams/teams.geojson" in e and "not valid JSON" in e for e in errors), errors


def test_invalid_geometry(mini):
    path = mini / "admin/admin_areas.geojson"
    data = json.loads(path.read_text())
    # A bow-tie polygon is self-intersecting.
    data["features"][0]["geometry"]["coordinates"] = [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]
    path.write_text(json.dumps(data))
    assert any("'geometry'" in e and "invalid geometry" in e for e in _errors(mini))


def test_duplicate_code(mini):
    path = mini / "rivers/reaches.geojson"
    data = json.loads(path.read_text())
    data["features"].append(data["features"][0])
    path.write_text(json.dumps(data))
    assert any("duplicate code" in e for e in _errors(mini))


def test_plan_file_name_must_match_river(mini):
    (mini / "plans/MAIN.yaml").rename(mini / "plans/OTHER.yaml")
    assert any("plans/OTHER.yaml" in e and "river_code" in e for e in _errors(mini))


def test_plan_refers_to_unknown_point(mini):
    path = mini / "plans/TRIB.yaml"
    path.write_text(path.read_text().replace("[IP_A]", "[IP_NOPE]"))
    assert any("interception_points[0]" in e and "IP_NOPE" in e for e in _errors(mini))


def test_reservoir_needs_volume(mini):
    _edit_geojson(mini / "rivers/reaches.geojson", 1, volume_m3=None)
    assert any("'volume_m3'" in e for e in _errors(mini))


def test_empty_directory(tmp_path):
    assert any("no dataset file" in e for e in _errors(tmp_path))


def test_check_finds_broken_join_cycle_and_dangling_end(mini):
    path = mini / "rivers/reaches.geojson"
    data = json.loads(path.read_text())
    feats = {f["properties"]["code"]: f for f in data["features"]}
    feats["TRIB-001"]["geometry"]["coordinates"][-1] = [103.1, 35.95]  # ends 5 km short
    feats["MAIN-003"]["properties"].update(end_kind=None)  # dangling, undeclared
    path.write_text(json.dumps(data))
    problems, _ = check(read_dataset(mini))
    assert any("TRIB-001" in p and "ends" in p for p in problems), problems
    assert any("MAIN-003" in p and "dangling" in p for p in problems), problems

    feats["MAIN-003"]["properties"].update(downstream_code="MAIN-001", end_kind=None)
    path.write_text(json.dumps(data))
    problems, _ = check(read_dataset(mini))
    assert any(p.startswith("cycle") for p in problems), problems


def test_check_linear_reference_tolerance(mini):
    _edit_geojson(mini / "receptors/water_sources.geojson", 0, measure=0.1)
    problems, _ = check(read_dataset(mini))
    assert any("WS_A" in p and "max 500 m" in p for p in problems), problems


def test_nul_character_in_text_is_refused(mini):
    _edit_geojson(mini / "teams/teams.geojson", 0, name_en="Team\x00A")
    assert any("'name_en'" in e and "NUL" in e for e in _errors(mini))

"""The survey import's pure parts: GCJ-02 both ways, value coercion through the dataset's
own validators, profiles and the file limits (no database)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pyproj import Geod

from webgis.dataset import gcj02
from webgis.dataset.read import SPECS
from webgis.dataset.survey import _coerce, load_profile, required_missing
from webgis.dataset.survey_files import ImportRejected, decode

GEOD = Geod(ellps="WGS84")


@given(st.floats(92.0, 109.0), st.floats(32.0, 43.0))
def test_gcj02_inverse_returns_the_wgs84_point(lon: float, lat: float) -> None:
    back = gcj02.to_wgs84(*gcj02.from_wgs84(lon, lat))
    assert math.isclose(back[0], lon, abs_tol=1e-7) and math.isclose(back[1], lat, abs_tol=1e-7)


@given(st.floats(92.0, 109.0), st.floats(32.0, 43.0))
def test_the_shift_in_gansu_is_a_few_hundred_metres(lon: float, lat: float) -> None:
    x, y = gcj02.from_wgs84(lon, lat)
    _, _, dist = GEOD.inv(lon, lat, x, y)
    assert 5 < dist < 600  # over the Gansu box: about 20-500 m, median about 200 m


def test_outside_china_nothing_moves() -> None:
    assert gcj02.from_wgs84(10.0, 50.0) == (10.0, 50.0)


def _field(layer: str, name: str):
    return next(f for f in SPECS[layer] if f.name == name)


@pytest.mark.parametrize(("layer", "name", "raw", "clean"), [
    ("sections", "target_class", "3", 3),
    ("sections", "target_class", 3.0, 3),
    ("enterprises", "plan_filed", "是", True),
    ("enterprises", "plan_filed", "否", False),
    ("interception_points", "techniques", "intercept；dose、boom", ["intercept", "dose", "boom"]),
    ("water_sources", "population_served", "12000", 12000),
    ("teams", "code", 101.0, "101"),
    ("sections", "level", "state", "state"),
])
def test_spreadsheet_values_take_the_validators_type(layer, name, raw, clean) -> None:
    assert _coerce(raw, _field(layer, name)) == clean


def test_a_value_no_reading_fits_is_left_for_the_validator_to_name() -> None:
    assert _coerce("九", _field("sections", "target_class")) == "九"


def test_a_new_row_needs_the_required_fields_but_not_the_snapped_ones() -> None:
    assert required_missing("sections", {"code": "S", "name_zh": "甲", "name_en": "甲"}) == [
        "level", "target_class"]
    assert "name_en" not in required_missing("sections", {"code": "S"})


def test_decoding_tries_utf8_then_gb18030() -> None:
    assert decode("断面".encode()) == ("断面", "utf-8")
    assert decode("断面".encode("gb18030")) == ("断面", "gb18030")
    with pytest.raises(ImportRejected, match="GB18030"):
        decode(b"\xff\xff\xff")


def test_profiles_by_name_and_unknown_names() -> None:
    prof = load_profile("zh_standard")
    assert prof.columns["经度"] == "lon" and prof.values["risk_level"]["重大"] == "major"
    with pytest.raises(ImportRejected, match="unknown profile"):
        load_profile("no_such_profile")

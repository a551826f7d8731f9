"""One table of concentration units (webgis/contract/units.py) for readings, calibration
and source search: every spelling monitoring teams send is understood the same way, and the
same unknown unit is refused the same way by all three contracts."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from webgis.contract.learning import ReadingIn as CalibrationReading
from webgis.contract.readings import ReadingIn as IncidentReading
from webgis.contract.source_search import SourceSearchRequest
from webgis.contract.units import UNITS, normal_unit


@pytest.mark.parametrize(("written", "unit"), [
    ("mg/L", "mg/L"), ("mg/l", "mg/L"), (" MG / L ", "mg/L"), ("毫克/升", "mg/L"),
    ("µg/L", "µg/L"), ("μg/L", "µg/L"), ("ug/l", "µg/L"), ("微克/升", "µg/L"),
    ("ng/L", "ng/L"), ("纳克/升", "ng/L"), ("g/m3", "g/m3"), ("g/m³", "g/m3"),
    ("mg/m³", "mg/m3"), ("毫克/立方米", "mg/m3"),
])
def test_the_spellings_teams_write_are_normalised(written, unit):
    assert normal_unit(written) == unit
    assert unit in UNITS


def test_the_factors_to_mg_per_litre():
    assert UNITS["µg/L"] * 1000 == pytest.approx(UNITS["mg/L"])
    assert UNITS["g/m3"] == UNITS["mg/L"]  # 1 g/m³ = 1 mg/L
    assert UNITS["mg/m3"] == UNITS["µg/L"]
    assert UNITS["ng/L"] == pytest.approx(1e-6)


@pytest.mark.parametrize("unit", ["ppm", "mg", "kg/L", "", "mol/L"])
def test_an_unknown_unit_is_refused_the_same_way_everywhere(unit):
    bodies = [
        (IncidentReading, {"station_kind": "section", "station_code": "S1",
                           "sampled_at": "2026-05-01T10:00:00+08:00", "value": 0.1,
                           "unit": unit}),
        (CalibrationReading, {"station": "S1", "sampled_at": "2026-05-01T10:00:00+08:00",
                              "value": 0.1, "unit": unit}),
    ]
    for model, body in bodies:
        with pytest.raises(ValidationError) as err:
            model.model_validate(body)
        kinds = {(e["loc"], e["type"]) for e in err.value.errors()}
        assert (("unit",), "unit_unknown") in kinds, (model, kinds)


def test_source_search_takes_the_same_units():
    fields = SourceSearchRequest.model_fields
    assert fields["unit"].annotation == CalibrationReading.model_fields["unit"].annotation

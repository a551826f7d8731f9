"""The analysis result's contract (webgis.contract.result) without a database: the
published JSON Schema is the generated one, the deprecated ``reach_id`` is marked so, and
every field of the core's result records has a key in the contract's rows (a field added
in the core and dropped on its way to the answer fails here)."""

from __future__ import annotations

import dataclasses
import math
import typing

import orjson
import pytest
from pydantic import TypeAdapter, ValidationError

from webgis.contract import result as contract
from webgis.hydro.analysis import ModelInfo, WorstCase
from webgis.response.level import LevelReason
from webgis.response.notify import Notification
from webgis.services.contract_files import SCHEMA_PATH, schema_text


def test_published_schema_is_the_generated_one():
    # regenerate with: .venv/bin/python scripts/contract_files.py --schema
    assert SCHEMA_PATH.read_bytes() == schema_text()


def test_schema_names_the_version_and_marks_reach_id_deprecated():
    schema = orjson.loads(SCHEMA_PATH.read_bytes())
    assert contract.SCHEMA_VERSION in schema["title"]
    assert "schema_version" in schema["required"]
    for name in ("SnapPoint", "ReceptorRow", "PathProperties"):
        props = schema["$defs"][name]["properties"]
        assert props["reach_id"].get("deprecated") is True
        assert "deprecated" not in props["reach_code"]
    assert schema["$defs"]["ReceptorRow"]["additionalProperties"] is False


@pytest.mark.parametrize(("record", "row"), [
    (WorstCase, contract.WorstCaseRow), (LevelReason, contract.LevelReasonRow),
    (Notification, contract.NotifyRow), (ModelInfo, contract.ModelBlock),
])
def test_every_core_field_has_a_key(record, row):
    keys = set(typing.get_type_hints(row, include_extras=True))
    assert {f.name for f in dataclasses.fields(record)} <= keys


def test_contract_rejects_impossible_values():
    """A negative concentration or arrival time, a NaN, an unknown key: not a result."""
    receptor = {
        "kind": "water_source", "code": "WS", "name": "取水口", "name_en": None,
        "river_code": "R", "reach_code": "R-001", "reach_id": "R-001", "river_km": 1.0,
        "arrival_h": 2.0, "peak_h": 3.0, "peak_conc_mgl": 0.5, "limit_mgl": 0.01,
        "exceeds": True, "exceed_hours": 1.0, "lon": 104.0, "lat": 35.0,
        "worst": {"arrival_h": 1.0, "peak_h": 2.0, "peak_conc_mgl": 1.0, "exceeds": True,
                  "exceed_hours": 2.0, "undissolved": False, "bank_factor": 1.0},
        "limit_basis": None, "limit_basis_en": None, "undissolved": False,
        "near_field": False, "details": {}, "curve": [[0.0, 0.0], [1.0, 0.5]],
    }
    adapter = TypeAdapter(contract.ReceptorRow)
    adapter.validate_python(receptor)
    for key, bad in (("peak_conc_mgl", -0.1), ("arrival_h", -1.0), ("river_km", math.nan),
                     ("lat", 91.0)):
        with pytest.raises(ValidationError, match=key):
            adapter.validate_python({**receptor, key: bad})
    with pytest.raises(ValidationError, match="surprise"):
        adapter.validate_python({**receptor, "surprise": 1})

"""`path_fields`: the kept path of a scenario's analysis result (issue 17, item 1)."""

from __future__ import annotations

import math

from geoalchemy2.shape import to_shape

from webgis.services.scenario_paths import path_fields


def _receptor(kind: str, code: str, arrival_h: float | None, worst_h: float | None,
              river_km: float = 0.0) -> dict:
    return {"kind": kind, "code": code, "name": f"name {code}", "arrival_h": arrival_h,
            "river_km": river_km, "worst": {"arrival_h": worst_h}}


def _line(*coords: tuple[float, float]) -> dict:
    return {"type": "Feature", "properties": {},
            "geometry": {"type": "LineString", "coordinates": [list(c) for c in coords]}}


def test_the_first_receptor_is_the_earliest_intake_or_section_in_the_worst_case():
    result = {
        "length_km": 42.5,
        "path": {"type": "FeatureCollection", "features": [
            _line((104.0, 35.0), (104.1, 35.1)),
            _line((104.1, 35.1)),  # one vertex: no line
            {"type": "Feature", "properties": {}, "geometry": None},
            _line((104.1, 35.1), (104.2, 35.15), (104.3, 35.2)),
        ]},
        "receptors": [
            _receptor("interception", "IP-1", 0.5, 0.4),  # a place on the path, not at risk
            _receptor("boundary", "B-1", 1.0, 0.9),
            _receptor("section", "SEC-LATE", 6.0, 5.0, river_km=30),
            # expected later than SEC-LATE, but the worst case is earlier: it is first
            _receptor("water_source", "WS-1", 7.0, 3.0, river_km=40),
            _receptor("water_source", "WS-NOT", None, None, river_km=90),  # not reached
        ],
    }
    got = path_fields(result)  # type: ignore[arg-type]
    assert (got["first_receptor_kind"], got["first_receptor_code"],
            got["first_receptor_name"]) == ("water_source", "WS-1", "name WS-1")
    assert got["worst_arrival_h"] == 3.0 and got["length_km"] == 42.5
    shape = to_shape(got["geom"])
    assert shape.geom_type == "MultiLineString" and len(shape.geoms) == 2
    assert list(shape.geoms[1].coords)[-1] == (104.3, 35.2)


def test_nothing_reached_and_no_path():
    result = {"length_km": 0.0, "path": {"features": []}, "receptors": [
        _receptor("section", "S", None, None), _receptor("interception", "I", 1.0, 1.0),
        _receptor("section", "S-NAN", 2.0, math.inf)]}
    got = path_fields(result)  # type: ignore[arg-type]
    assert got["geom"] is None and got["first_receptor_code"] is None
    assert got["worst_arrival_h"] is None and got["length_km"] == 0.0

"""The bundled dataset's river layers, read once for every data-file test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from pyproj import Geod

DATA = Path(__file__).resolve().parents[3] / "data"
GEOD = Geod(ellps="WGS84")


@pytest.fixture(scope="session")
def rivers() -> dict:
    """rivers.yaml by code."""
    with open(DATA / "rivers" / "rivers.yaml", encoding="utf-8") as fh:
        return {r["code"]: r for r in yaml.safe_load(fh)}


@pytest.fixture(scope="session")
def reaches() -> dict:
    """reaches.geojson by code: properties plus `coords`, cumulative geodesic `cum` (m) per
    vertex and `length_m`."""
    fc = json.loads((DATA / "rivers" / "reaches.geojson").read_text(encoding="utf-8"))
    out: dict = {}
    for f in fc["features"]:
        p = dict(f["properties"])
        assert f["geometry"]["type"] == "LineString"
        assert p["code"] not in out, p["code"]
        xy = f["geometry"]["coordinates"]
        steps = [GEOD.inv(a[0], a[1], b[0], b[1])[2] for a, b in zip(xy[:-1], xy[1:],
                                                                      strict=True)]
        cum = [0.0]
        for s in steps:
            cum.append(cum[-1] + s)
        p["coords"], p["cum"], p["length_m"] = xy, cum, cum[-1]
        out[p["code"]] = p
    return out

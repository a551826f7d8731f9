"""A saved scenario's path for GIS clients (issue 17, item 1: `ogc.scenario_paths`).

A scenario stores its spill, not its forecast. GIS clients (QGIS, GDAL through `/ogc`) need
the forecast's line, so the scenario use cases (`webgis.services.scenarios`) run the
analysis when a scenario is created, edited or run and keep its path here, in their own
transaction: a scenario and its path never disagree after a commit, and a scenario whose
analysis fails is not stored. ``dataset_version`` is the dataset key the analysis ran on;
another key means the path is stale (`webgis scenarios refresh-paths` recomputes those).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import shapely
from geoalchemy2.shape import from_shape
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from webgis import models as m
from webgis.config import Settings
from webgis.contract.result import AnalysisResult
from webgis.services.analysis import analyze
from webgis.services.reference import dataset_key

#: The receptors a planner asks "when does it reach the first one?" about: drinking-water
#: intakes and monitoring sections (interception points, confluences and boundaries are
#: places on the path, not receptors at risk).
FIRST_RECEPTOR_KINDS = ("water_source", "section")


def _lines(result: AnalysisResult) -> list[list[tuple[float, float]]]:
    """The path's LineStrings (two vertices or more), in path order."""
    lines = []
    for feature in (result.get("path") or {}).get("features") or []:
        geometry = feature.get("geometry") or {}
        if geometry.get("type") != "LineString":
            continue
        coords = [(float(x), float(y)) for x, y, *_ in geometry.get("coordinates") or []]
        if len(coords) >= 2:
            lines.append(coords)
    return lines


def _worst_arrival_h(row: Any) -> float:
    got = (row.get("worst") or {}).get("arrival_h")
    return math.inf if got is None or not math.isfinite(got) else float(got)


def path_fields(result: AnalysisResult) -> dict[str, Any]:
    """The `scenario_path` columns of an analysis result (no id, version or time).

    The first receptor is the intake or section with the earliest worst-case arrival
    (the safe side: the earliest the plume can be there); none when none is reached
    within the horizon."""
    lines = _lines(result)
    reached = [r for r in result.get("receptors") or []
               if r.get("kind") in FIRST_RECEPTOR_KINDS and math.isfinite(_worst_arrival_h(r))]
    first = min(reached, key=lambda r: (_worst_arrival_h(r), r.get("river_km") or 0.0),
                default=None)
    length_km = result.get("length_km")
    return {
        "geom": (from_shape(shapely.MultiLineString(lines), srid=4326) if lines else None),
        "length_km": max(0.0, float(length_km)) if length_km is not None else 0.0,
        "first_receptor_kind": None if first is None else first["kind"],
        "first_receptor_code": None if first is None else first["code"],
        "first_receptor_name": None if first is None else first["name"],
        "worst_arrival_h": None if first is None else _worst_arrival_h(first),
    }


def store_path(session: Session, scenario_id: int, body: dict[str, Any],
               settings: Settings) -> AnalysisResult:
    """Run the scenario's analysis (``body``) in ``session`` and keep its path (insert or
    replace, in the caller's transaction); the result is returned for the caller's answer.
    An analysis error propagates: the caller's unit of work stores nothing."""
    version = dataset_key(session)  # read first: a load meanwhile leaves it stale, not new
    result = analyze(session, body, settings)
    row = {"scenario_id": scenario_id, **path_fields(result), "dataset_version": version,
           "computed_at": datetime.now(UTC)}
    stmt = insert(m.ScenarioPath).values(**row)
    session.execute(stmt.on_conflict_do_update(
        index_elements=[m.ScenarioPath.scenario_id],
        set_={k: stmt.excluded[k] for k in row if k != "scenario_id"}))
    return result

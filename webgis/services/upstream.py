"""Upstream navigation (issue 16, item 1): the river network above a point or a reach, with
every feature on it, for ``GET /api/v1/upstream`` and ``webgis upstream``.

The core (:func:`webgis.hydro.upstream.trace_upstream`) does the tracing; this use case
snaps the start like the analysis does (the settings' ``SNAP_MAX_M``), supplies the
season's velocities and the features of the cached reference data — enterprises'
outfalls, intakes (water sources), monitoring sections, interception points — and turns
the answer into JSON. The feature set is built once per dataset and kept next to the
reference bundle, keyed by the dataset key (the content hashes of the loaded layers), so
a reload can never leave a stale set behind.

Travel times default to the safe side for a warning: ``case="worst"``, the fastest
velocity the downstream worst case uses, hence the *shortest* time from a feature to the
start point (and, with ``max_h``, the farthest reach up). The answer says so.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from webgis import models as m
from webgis.config import Settings
from webgis.contract.requests import UpstreamQuery
from webgis.errors import Unprocessable
from webgis.hydro.upstream import (
    FeatureSet,
    LinearFeature,
    UpstreamNetwork,
    season_velocities_mps,
    trace_upstream,
)
from webgis.services.reference import CACHE_SIZE, Reference, get_reference
from webgis.services.uow import reading

#: the receptor kinds of the reference bundle that are upstream features (prefecture
#: boundaries are receptors of the analysis, not features of the river)
RECEPTOR_KINDS = ("water_source", "section", "interception")


@dataclass(frozen=True)
class Features:
    """The linearly referenced features of one dataset, with what the answer shows."""

    dataset_key: str
    feature_set: FeatureSet
    # (kind, code) -> name_zh, name_en, lon, lat
    info: dict[tuple[str, str], tuple[str, str | None, float, float]]


_lock = threading.Lock()
_features: OrderedDict[str, Features] = OrderedDict()  # dataset key -> features


def dataset_features(session: Session, ref: Reference) -> Features:
    """The features of the dataset ``ref`` was built from (built on first use, kept for
    as many datasets as the reference cache keeps)."""
    found = _features.get(ref.key)
    if found is not None:
        return found
    with _lock:
        if ref.key not in _features:
            _features[ref.key] = _build_features(session, ref)
            while len(_features) > CACHE_SIZE:
                _features.popitem(last=False)
        return _features[ref.key]


def _build_features(session: Session, ref: Reference) -> Features:
    net = ref.network
    feats: list[LinearFeature] = []
    info: dict[tuple[str, str], tuple[str, str | None, float, float]] = {}
    rows = session.execute(
        select(m.Enterprise.code, m.Enterprise.name_zh, m.Enterprise.name_en, m.Reach.code,
               m.Enterprise.outfall_measure)
        .join(m.Reach, m.Reach.id == m.Enterprise.outfall_reach_id)
        .order_by(m.Enterprise.code)
    ).all()
    for code, name_zh, name_en, reach_code, measure in rows:
        idx = net.index_of(reach_code)
        feats.append(LinearFeature(code, "outfall", idx, float(measure)))
        lon, lat = net.point_at(idx, float(measure))
        info[("outfall", code)] = (name_zh, name_en, lon, lat)
    for r in ref.receptors:
        if r.kind in RECEPTOR_KINDS:
            feats.append(LinearFeature(r.code, r.kind, net.index_of(r.reach_code),
                                       float(r.measure)))
            info[(r.kind, r.code)] = (r.name, (r.extra or {}).get("name_en"), r.lon, r.lat)
    return Features(ref.key, FeatureSet.of(feats), info)


def _start(ref: Reference, q: UpstreamQuery, config: Settings) -> tuple[int, float, dict]:
    """(reach index, measure, the start's JSON) from the point or the reach code."""
    net = ref.network
    has_point = q.lon is not None or q.lat is not None
    if has_point and q.reach is not None:
        raise Unprocessable("%(field)s is invalid",
                            fields={"reach": q.reach}, params={"field": "reach"})
    if q.reach is not None:
        try:
            idx = net.index_of(q.reach)
        except KeyError:
            raise Unprocessable("%(field)s is invalid", fields={"reach": q.reach},
                                params={"field": "reach"}) from None
        lon, lat = net.point_at(idx, 1.0)
        return idx, 1.0, {"reach_code": q.reach, "measure": 1.0, "lon": lon, "lat": lat,
                          "offset_m": None}
    for name in ("lon", "lat"):
        if getattr(q, name) is None:
            raise Unprocessable("%(field)s is required", fields={name: None},
                                params={"field": name})
    assert q.lon is not None and q.lat is not None
    # a HydroError (too far from any river) is a WebgisError: the edge answers it (422)
    snap = net.snap(q.lon, q.lat, config["SNAP_MAX_M"])
    return snap.reach_idx, snap.measure, {
        "reach_code": snap.reach_code, "measure": snap.measure, "lon": snap.lon,
        "lat": snap.lat, "offset_m": snap.offset_m}


def _reaches_geojson(ref: Reference, up: UpstreamNetwork) -> dict[str, Any]:
    """The upstream rows as GeoJSON lines (flow direction), km and hours to the start."""
    names = ref.river_names
    features = []
    assert up.from_travel_h is not None and up.to_travel_h is not None
    for row, seg in enumerate(up.segments()):
        coords = up.segment_geometry(row)
        features.append({
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": [list(c) for c in coords]},
            "properties": {
                "reach_code": seg.reach_code, "river_code": seg.river_code,
                "river_name": names.get(seg.river_code or ""),
                "from_measure": seg.from_measure, "to_measure": seg.to_measure,
                "from_km": seg.from_distance_m / 1000.0, "to_km": seg.to_distance_m / 1000.0,
                "from_h": seg.from_travel_h, "to_h": seg.to_travel_h,
                "cut": seg.cut, "via_reservoir": seg.via_reservoir,
            },
        })
    return {"type": "FeatureCollection", "features": features}


#: the notes on the travel times, Chinese first (like the analysis' warnings)
NOTE_WORST = {
    "zh": "行程时间按安全侧计算：采用下游最不利工况的最快流速，即各要素到起点的最短时间。",
    "en": ("Travel times are on the safe side: the worst case's fastest velocity (the "
           "downstream worst case's), so the shortest time from each feature to the start "
           "point."),
}
NOTE_EXPECTED = {
    "zh": "行程时间按该季节的期望平均流速计算（非安全侧：污染物可能更早到达）。",
    "en": ("Travel times use the season's expected mean velocity (not the safe side: a "
           "release can arrive sooner)."),
}
NOTE_ADVECTIVE = {
    "zh": ("时间为推流（对流）时间，扩散羽流的前锋会更早到达；"
           "途经水库（via_reservoir）时为有效库容的通过时间，首次检出可能早得多。"),
    "en": ("Times are advective (plug flow); a dispersed plume's leading edge runs ahead. "
           "Through a reservoir (via_reservoir) the time is the passage of the active "
           "volume and a first trace can arrive much sooner."),
}


def upstream_detail(session: Session, q: UpstreamQuery, settings: Settings | None = None
                    ) -> dict[str, Any]:
    """The upstream network of ``q`` with its features, nearest to the start first."""
    config = settings or Settings.from_environment()
    ref = get_reference(session)
    idx, measure, start = _start(ref, q, config)
    net = ref.network
    velocities = season_velocities_mps(net, q.season, q.case)
    up = trace_upstream(
        net, (idx, measure), mainstem_only=q.mode == "main",
        max_length_m=None if q.max_km is None else q.max_km * 1000.0,
        max_travel_h=q.max_h, velocities_mps=velocities)
    feats = dataset_features(session, ref)
    rows = []
    for f in up.locate(feats.feature_set):
        name_zh, name_en, lon, lat = feats.info[(f.kind, f.code)]
        rows.append({
            "code": f.code, "kind": f.kind, "name": name_zh, "name_en": name_en,
            "reach_code": f.reach_code, "river_code": f.river_code,
            "river_name": ref.river_names.get(f.river_code or ""), "measure": f.measure,
            "lon": lon, "lat": lat, "distance_km": f.distance_m / 1000.0,
            "travel_h": f.travel_h, "via_reservoir": f.via_reservoir,
        })
    river = net.river_code(idx)
    start.update(river_code=river, river_name=ref.river_names.get(river))
    return {
        "start": start, "mode": q.mode, "season": q.season, "case": q.case,
        "max_km": q.max_km, "max_h": q.max_h,
        "length_km": up.length_m / 1000.0,
        "rivers": sorted(r for r in up.river_codes if r is not None),
        "features": rows,
        "reaches": _reaches_geojson(ref, up),
        "notes": [dict(NOTE_WORST if q.case == "worst" else NOTE_EXPECTED), dict(NOTE_ADVECTIVE)],
    }


def upstream(q: UpstreamQuery, settings: Settings | None = None) -> dict[str, Any]:
    """`upstream_detail` in its own read (webgis.services.uow): `/api/v1/upstream`, CLI."""
    with reading() as session:
        return upstream_detail(session, q, settings)

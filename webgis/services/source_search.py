"""Source search from an alarm (issue 16, item 2), for ``POST /api/v1/source-search``
and ``webgis source-search``.

Places the alarm like a station reading (a section by code, or a point snapped with the
settings' ``SNAP_MAX_M``), traces the river upstream for the horizon at the worst case's
(fastest) velocity, keeps the enterprises whose outfall is on it and that store the
pollutant or its class, takes both travel times (worst and expected) and lets the core
(:mod:`webgis.hydro.source_search`) run and rank them. Nothing is stored.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from webgis import models as m
from webgis.config import Settings
from webgis.contract.errors import parse
from webgis.contract.source_search import SourceSearchRequest
from webgis.contract.units import UNITS
from webgis.errors import Unprocessable
from webgis.hydro import source_search as core
from webgis.hydro.errors import HydroError
from webgis.hydro.network import RiverNetwork
from webgis.hydro.transfer import cache_for
from webgis.hydro.upstream import LinearFeature, season_velocities_mps, trace_upstream
from webgis.services.reference import Reference, get_reference
from webgis.services.uow import reading

METHOD = ("one forward run per candidate for a unit mass (expected case), scaled: the "
          "model is linear in mass; one reading is taken as the peak (least mass); a "
          "series fits the release time and mass by least squares; docs/model.md §"
          "Source search")
NOTE_EXPECTED = {
    "zh": "质量与泄漏时间按期望工况估算（示意性估计）；时间窗由最不利（最快）与期望（最慢）"
          "行程时间给出。",
    "en": "Mass and release time are expected-case estimates (schematic); the window spans "
          "the worst case's (fastest) and the expected (slowest) travel times.",
}


#: an alarm before this is a typing error, not an alarm (and keeps date arithmetic safe)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


def _bad(name: str, message: str, value: Any, **params: Any) -> Unprocessable:
    return Unprocessable(message, fields={name: value}, params=params)


def _place(ref: Reference, req: SourceSearchRequest, config: Settings
           ) -> tuple[int, float, str | None]:
    net = ref.network
    if req.section is not None:
        for r in ref.receptors:
            if r.kind == "section" and r.code == req.section:
                return net.index_of(r.reach_code), float(r.measure), r.code
        raise _bad("section", "unknown section %(code)s", req.section, code=req.section)
    if req.lon is None or req.lat is None:
        field = "lat" if req.lon is not None else "lon"
        raise _bad(field, "%(field)s is required (or give a section)", None, field=field)
    try:
        snap = net.snap(req.lon, req.lat, config["SNAP_MAX_M"])
    except HydroError as exc:  # no river within reach
        raise _bad("lon", "the point is off any river (more than %(m).0f m away)",
                   [req.lon, req.lat], m=config["SNAP_MAX_M"]) from exc
    return snap.reach_idx, snap.measure, None


def _readings(req: SourceSearchRequest, now: datetime) -> tuple[tuple[float, float], ...]:
    """(hours before the alarm, mg/L), the alarm's own reading last; 422 for the future."""
    factor = UNITS[req.unit]
    slack = timedelta(minutes=5)  # a station clock a little fast is not an error
    if req.sampled_at > now + slack:
        raise _bad("sampled_at", "sampled_at is in the future", req.sampled_at.isoformat())
    if req.sampled_at < EARLIEST:
        raise _bad("sampled_at", "sampled_at is too far in the past",
                   req.sampled_at.isoformat())
    rows = [(req.sampled_at, req.value)]
    for i, s in enumerate(req.series):
        if s.sampled_at > req.sampled_at:
            raise _bad(f"series[{i}].sampled_at", "a series reading is later than the alarm "
                       "(sampled_at)", s.sampled_at.isoformat())
        rows.append((s.sampled_at, s.value))
    rows.sort(key=lambda r: r[0])
    return tuple(((t - req.sampled_at).total_seconds() / 3600.0, v * factor) for t, v in rows)


def _candidates(session: Session, net: RiverNetwork, start: tuple[int, float],
                pollutant: str, pclass: str, req: SourceSearchRequest
                ) -> list[core.Candidate]:
    fast_v = season_velocities_mps(net, req.season, "worst")
    slow_v = season_velocities_mps(net, req.season, "expected")
    up_fast = trace_upstream(net, start, max_travel_h=req.horizon_h, velocities_mps=fast_v)
    up_slow = trace_upstream(net, start, max_travel_h=None, velocities_mps=slow_v,
                             max_length_m=up_fast.length_m + 1.0)
    rows = session.execute(
        select(m.Enterprise.code, m.Enterprise.name_zh, m.Reach.code,
               m.Enterprise.outfall_measure, m.Pollutant.code, m.Pollutant.pclass,
               m.EnterpriseSubstance.max_t)
        .join(m.Reach, m.Reach.id == m.Enterprise.outfall_reach_id)
        .join(m.EnterpriseSubstance, m.EnterpriseSubstance.enterprise_id == m.Enterprise.id)
        .join(m.Pollutant, m.Pollutant.id == m.EnterpriseSubstance.pollutant_id)
        .where(m.Pollutant.pclass == pclass)
        .order_by(m.Enterprise.code)).all()
    best: dict[str, tuple[Any, ...]] = {}
    for row in rows:  # per enterprise: the exact substance, else its largest of the class
        have = best.get(row[0])
        key = (row[4] == pollutant, row[6])
        if have is None or key > (have[4] == pollutant, have[6]):
            best[row[0]] = tuple(row)
    if not best:
        return []
    feats = [core_feature(net, code, r[2], float(r[3])) for code, r in best.items()]
    fast = {f.code: f for f in up_fast.locate(feats)}
    slow = {f.code: f for f in up_slow.locate(feats)}
    out = []
    for code, (_, name, _reach, measure, stored, _cls, max_t) in best.items():
        f = fast.get(code)
        if f is None:
            continue
        s = slow.get(code)
        out.append(core.Candidate(
            code, name, f.reach_idx, float(measure), f.distance_m / 1000.0, f.travel_h,
            s.travel_h if s is not None else None, stored == pollutant, stored,
            float(max_t)))
    return out


def core_feature(net: RiverNetwork, code: str, reach_code: str, measure: float
                 ) -> LinearFeature:
    return LinearFeature(code, "outfall", net.index_of(reach_code), measure)


def search_sources(body: Any, settings: Settings | None = None,
                   now: datetime | None = None) -> dict[str, Any]:
    """The candidate sources of an alarm, most plausible first (module docstring)."""
    req = body if isinstance(body, SourceSearchRequest) else parse(SourceSearchRequest, body)
    config = settings or Settings.from_environment()
    readings = _readings(req, now or datetime.now(UTC))
    with reading() as session:
        ref = get_reference(session)
        pol = ref.pollutants.get(req.pollutant)
        if pol is None:
            raise _bad("pollutant", "unknown pollutant %(code)s", req.pollutant,
                       code=req.pollutant)
        idx, measure, section = _place(ref, req, config)
        cands = _candidates(session, ref.network, (idx, measure), pol.code, pol.pclass, req)
    alarm = core.Alarm(idx, measure, readings)
    transfers = cache_for(ref.network, int(config["TRANSFER_CACHE_MB"] * 2**20))
    found = core.search(ref.network, alarm, pol, cands, req.season, req.horizon_h,
                        transfers=transfers)
    lon, lat = ref.network.point_at(idx, measure)
    notes = [dict(NOTE_EXPECTED)]
    if not found:
        notes.insert(0, {
            "zh": f"上游 {req.horizon_h:.0f} h 行程内没有储存{pol.name}或同类"
                  f"（{pol.pclass}）物质的企业：找不到候选来源。",
            "en": f"No enterprise within {req.horizon_h:.0f} h upstream stores {pol.code} or "
                  f"a substance of its class ({pol.pclass}): no candidate source."})
    return {
        "alarm": {"reach_code": ref.network.codes[idx], "measure": measure, "lon": lon,
                  "lat": lat, "section": section, "sampled_at": req.sampled_at.isoformat(),
                  "pollutant": pol.code, "conc_mgl": alarm.peak_mgl,
                  "n_readings": len(readings)},
        "season": req.season, "case": "expected", "method": METHOD,
        "candidates": [_json(ref.network, f, req.sampled_at) for f in found],
        "notes": notes,
    }


def _json(net: RiverNetwork, f: core.Found, at: datetime) -> dict[str, Any]:
    c = f.candidate
    lon, lat = net.point_at(c.reach_idx, c.measure)

    def when(h: float | None) -> str | None:
        if h is None:
            return None
        return (at + timedelta(minutes=round(h * 60.0))).replace(second=0, microsecond=0
                                                                 ).isoformat()
    return {
        "rank": f.rank, "code": c.code, "name": c.name, "lon": lon, "lat": lat,
        "distance_km": c.distance_km, "stores": c.stored_code, "exact": c.exact,
        "max_t": c.max_t, "reaches": f.reaches,
        "release_earliest": when(f.window_h[0]) if f.window_h else None,
        "release_latest": when(f.window_h[1]) if f.window_h else None,
        "release_estimate": when(f.release_h),
        "window_h": list(f.window_h) if f.window_h else None,
        "mass_kg": f.mass_kg, "within_stock": f.within_stock, "misfit": f.misfit,
        "in_window": f.in_window,
        "reasons": [{"zh": zh, "en": en} for zh, en in f.reasons],
    }

"""Intakes in the same reservoir as a plume's entry, but upstream of it: never dropped.

The 1D model carries a plume downstream only. Where a tributary enters a reservoir below an
intake — the Tao enters Liujiaxia ~1.6 km above the dam, Lanzhou's intake sits 4 km above
it — the forecast would never reach the intake and would silently call it safe. In a
reservoir, wind-driven and recirculating currents and density (underflow / interflow)
currents can carry a plume upstream of its entry over a few km (e.g. Fischer et al. 1979,
ch. 6; Imberger & Patterson 1990 on reservoir circulation). So every such intake is reported
as a receptor flagged "same reservoir, upstream of the entry — concentration not modelled,
treat as threatened", with a warning in Chinese and English.

Safe side: its arrival is taken as the plume's arrival at the entry, and its peak as the
modelled peak at the entry (the inflow mixed with the reservoir's through-flow at the
confluence, before any mixing into the reservoir's volume): water carried upstream must
first mix with the reservoir, so this is an upper bound, not a forecast.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from webgis.hydro.network import RiverNetwork

# receptors and profile stations this close to the entry (km) stand for it
ENTRY_WINDOW_KM = 0.5

WARNING_ZH = (
    "{name}与污染物入库点位于同一水库（{reservoir}），在入库点上游约{km:.1f} km。"
    "一维模型只向下游输送污染物，未模拟其浓度；库区风生环流、回流和密度流可将污染团带到上游取水口，"
    "按受威胁对待：到达时间取入库点到达时间，浓度取入库点模型峰值（上限估计）。"
)
WARNING_EN = (
    "{name_en} lies in the same reservoir ({reservoir}) as the plume's entry point, about "
    "{km:.1f} km upstream of it. The 1D model carries the plume downstream only and does not "
    "model its concentration there; wind-driven and recirculating currents and density "
    "currents in a reservoir can carry it to the intake: treat it as threatened (arrival "
    "taken as the arrival at the entry, concentration as the modelled peak at the entry, "
    "an upper bound)."
)
FLAG_ZH = "同库区、入库点上游——浓度未模拟，按受威胁对待"
FLAG_EN = "same reservoir, upstream of entry — concentration not modelled, treat as threatened"


@dataclass(frozen=True, slots=True)
class UpstreamIntake:
    """An intake in the entry's reservoir, upstream of the entry."""

    receptor: Any  # the ReceptorInput
    reservoir: str
    entry_km: float  # river km of the entry on the plume path
    upstream_km: float  # hydraulic distance from the intake down to the entry


def _km_down(network: RiverNetwork, reach: int, measure: float, to_reach: int,
             to_measure: float, limit_m: float) -> float | None:
    """Hydraulic km from a point downstream to another point, None if not downstream."""
    path = network.trace_downstream(reach, measure, limit_m)
    for s in path:
        if s.reach_idx == to_reach and to_measure >= s.from_measure - 1e-9:
            return s.from_km + (to_measure - s.from_measure) * float(
                network.length_m[s.reach_idx]) / 1000.0
    return None


def intake_reservoir(network: RiverNetwork, receptor: Any) -> tuple[int, str] | None:
    """(its reach index, the reservoir's name) when ``receptor`` is a drinking-water intake
    (``kind == "water_source"``) inside a named reservoir of ``network``; else None."""
    if receptor.kind != "water_source":
        return None
    try:
        idx = network.index_of(receptor.reach_code)
    except KeyError:
        return None
    name = network.reservoir_name(idx) if network.is_reservoir[idx] else None
    return None if name is None else (idx, name)


def upstream_intakes(network: RiverNetwork, path: Sequence[Any],
                     receptors: Sequence[Any]) -> list[UpstreamIntake]:
    """Intakes (``kind == "water_source"``) in a reservoir the path enters, upstream of
    where it enters (``path``: segments with ``reach_idx``, ``from_measure``, ``from_km``)."""
    entries: dict[str, tuple[int, float, float]] = {}  # reservoir -> (reach, measure, km)
    for s in path:
        if network.is_reservoir[s.reach_idx]:
            name = network.reservoir_name(s.reach_idx)
            if name is not None and name not in entries:
                entries[name] = (s.reach_idx, s.from_measure, s.from_km)
    if not entries:
        return []
    on_path = {s.reach_idx: s for s in path}
    out = []
    for r in receptors:
        held = intake_reservoir(network, r)
        if held is None or held[1] not in entries:
            continue
        idx, name = held
        seg = on_path.get(idx)
        if seg is not None and r.measure >= seg.from_measure - 1e-9:
            continue  # on the path: the model reaches it
        e_reach, e_measure, e_km = entries[name]
        reservoir_m = float(network.length_m[network.reservoir_index == network.reservoir_index[
            idx]].sum())
        km = _km_down(network, idx, r.measure, e_reach, e_measure, reservoir_m + 1.0)
        if km is None:
            continue
        out.append(UpstreamIntake(r, name, e_km, km))
    return out


def entry_bounds(profile: Sequence[Sequence[float]], entry_km: float) -> float:
    """Highest modelled peak of the profile stations within ENTRY_WINDOW_KM of the entry."""
    vals = [c for k, c in profile if abs(k - entry_km) <= ENTRY_WINDOW_KM]
    if not vals:  # the nearest station
        vals = [min(profile, key=lambda p: abs(p[0] - entry_km))[1]] if profile else [math.nan]
    return max(vals)


def arrival_at(steps: Sequence[Any], km: float, attr: str) -> float:
    """Leading-edge arrival (h) at a river km from the path steps' arrivals."""
    best = math.nan
    for s in steps:
        if s.from_km <= km + 1e-9:
            best = getattr(s, attr)
    return best


def flagged_rows(found: Sequence[UpstreamIntake], steps: Sequence[Any],
                 profile: Sequence[Sequence[float]], worst_profile: Sequence[Sequence[float]],
                 limit_of: Callable[[Any], float | None], make: Callable[..., Any],
                 results: Sequence[Any] = ()) -> tuple[list[Any], list[dict[str, Any]]]:
    """(receptor rows, warnings) for the intakes found; ``make`` builds a receptor row from
    keyword arguments (the caller's ReceptorResult), ``limit_of`` gives an intake's limit.
    ``results`` are the modelled receptors: those at the entry (its confluence) give the
    arrival and peak there, else the path's arrivals and the profile stations near it."""
    rows, warnings = [], []
    for f in found:
        r = f.receptor
        at = [x for x in results if abs(float(x.river_km) - f.entry_km) <= 0.05
              and not (x.extra or {}).get("same_reservoir_upstream")]
        arrival = arrival_at(steps, f.entry_km, "arrival_h")
        w_arrival = arrival_at(steps, f.entry_km, "worst_arrival_h")
        peak = entry_bounds(profile, f.entry_km)
        w_peak = entry_bounds(worst_profile, f.entry_km)
        if at:
            arrival = min(float(x.arrival_h) for x in at)
            w_arrival = min(float(x.worst.arrival_h) for x in at)
            peak = max(float(x.peak_conc_mgl) for x in at)
            w_peak = max(float(x.worst.peak_conc_mgl) for x in at)
        w_peak = max(w_peak, peak)
        limit = limit_of(r)
        name_en = (r.extra or {}).get("name_en") or r.name
        fmt = {"name": r.name, "name_en": name_en, "reservoir": f.reservoir,
               "km": f.upstream_km}
        extra = {**dict(r.extra or {}), "name_en": f"{name_en} ({FLAG_EN})",
                 "same_reservoir_upstream": True, "concentration_modelled": False,
                 "reservoir": f.reservoir, "upstream_of_entry_km": round(f.upstream_km, 2),
                 "flag_zh": FLAG_ZH, "flag_en": FLAG_EN}
        rows.append(make(
            code=r.code, name=f"{r.name}（{FLAG_ZH}）", reach_code=r.reach_code,
            river_km=f.entry_km, lon=r.lon, lat=r.lat, arrival_h=arrival, peak_h=arrival,
            peak_conc_mgl=peak, limit_mgl=limit,
            exceeds=limit is not None and peak > limit,
            worst=(w_arrival, w_arrival, w_peak, limit is not None and w_peak > limit),
            extra=extra))
        warnings.append({"code": "same_reservoir_upstream", "receptor_code": r.code,
                         "zh": WARNING_ZH.format(**fmt), "en": WARNING_EN.format(**fmt)})
    return rows, warnings

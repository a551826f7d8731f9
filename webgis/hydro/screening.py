"""The lean screening path: one spill, only what a risk screening ranks by.

A province-wide screening runs thousands of spills. Each needs, per receptor reached, only
the earliest (worst-case) arrival, the worst-case peak against the receptor's limit and how
long the limit is exceeded — not the drawn path, the profiles, the curves' points, the
resources, the plan steps or the JSON that :func:`webgis.hydro.incident.run_incident` and
the services build for an officer. This path runs the same phases as ``run_incident``
(same trace, same plume models, same horizon cut on the expected leading edge, same
scaling), and leaves out the rest:

* the expected case is evaluated at the profile stations the horizon cut can depend on
  only (it cuts the path exactly as in the full analysis; see :func:`_horizon_cut`), never
  at the receptors;
* the worst case is evaluated after the cut, at the kept receptors only (with curves:
  peak, exceedance);
* no curve points, path steps, profiles, model notes.

So every number it returns is the full analysis' worst case for the same spill
(``tests/integration/screening/test_screening_lean_path.py`` checks it), but for the hours
above the limit, counted from the arrival to the horizon only and flagged when the curve
is still above the limit there (:func:`bounded_exceedance`). Safe side: the worst case is
the earliest arrival and the highest peak the model gives.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from webgis.hydro import slick as oil
from webgis.hydro.horizon import profile_km
from webgis.hydro.hydraulics import DEFAULT_PARAMS, HydraulicParams
from webgis.hydro.incident import (
    Evaluation,
    Spill,
    cut_at_horizon,
    plume_models,
    release_duration_s,
    slicks_along,
    station_curves,
    trace_to_horizon,
    transfer_cache,
)
from webgis.hydro.inputs import PollutantInput, ReceptorInput, ReleaseInput, validate_run
from webgis.hydro.limits import default_limit_mgl
from webgis.hydro.losses import Scaling, scaled_curve
from webgis.hydro.network import PathSegment, RiverNetwork, Snap
from webgis.hydro.reservoirs import UpstreamIntake, intake_reservoir, upstream_intakes
from webgis.hydro.slick_curves import oil_curves
from webgis.hydro.stations import Station, StationContext, stations_on
from webgis.hydro.transfer import TransferCache
from webgis.hydro.transport import Curve, PlumeModel, exceed_hours_until

# part of every screening run's key (webgis.services.screening_jobs): a change to what a
# spill's rows mean makes earlier runs' results not reused. r2: exceedance counted to the
# horizon and flagged beyond it; cached transfer rows independent of the spills' order
SCREENING_VERSION = "lean-2026-12-r2"
# receptors a screening reports (confluences and borders are places, not receptors)
SCREENED_KINDS = frozenset({"water_source", "section", "interception"})
# the full analysis' profile and curve resolution: the same numbers, not close ones
PROFILE_POINTS = 100
CURVE_POINTS = 120
ENTRY_MATCH_KM = 0.05  # a station this close to a reservoir entry stands for it


@dataclass(frozen=True, slots=True)
class ScreenHit:
    """One receptor a spill reaches within the horizon (worst case throughout).

    ``ratio`` is peak/limit (None: no limit for this pollutant there); ``flagged``: an
    intake in the reservoir the plume enters but upstream of the entry (not modelled:
    its arrival and peak are those at the entry, an upper bound, as in the full analysis).
    ``exceed_h`` counts the hours above the limit between the arrival and the horizon
    only (never more than horizon − arrival); ``exceed_beyond_horizon``: the curve is
    still above the limit at the horizon, so the exceedance lasts at least that long.
    """

    kind: str
    code: str
    river_code: str
    river_km: float
    arrival_h: float
    peak_mgl: float
    limit_mgl: float | None
    ratio: float | None
    exceed_h: float
    flagged: bool = False
    exceed_beyond_horizon: bool = False


def snap_at(network: RiverNetwork, reach_idx: int, measure: float) -> Snap:
    """A spill at a known point of a reach (an enterprise's outfall): no search."""
    lon, lat = network.point_at(reach_idx, measure)
    return Snap(
        reach_idx=reach_idx, reach_code=network.codes[reach_idx],
        river_code=network.river_code(reach_idx), measure=measure, offset_m=0.0,
        lon=lon, lat=lat, along_m=measure * float(network.length_m[reach_idx]),
    )


def screen_spill(
    network: RiverNetwork,
    snap: Snap,
    pollutant: PollutantInput,
    release: ReleaseInput,
    season: str = "normal",
    horizon_h: float = 72.0,
    receptors: Sequence[ReceptorInput] = (),
    *,
    params: HydraulicParams = DEFAULT_PARAMS,
    transfers: bool | TransferCache = True,
) -> list[ScreenHit]:
    """The receptors (:data:`SCREENED_KINDS`) a spill reaches by the horizon, worst case.

    The same inputs as :func:`~webgis.hydro.incident.run_incident` (expected-case horizon
    basis, its default) give the same worst-case numbers at the same receptors."""
    validate_run(release, season, horizon_h)
    spill = Spill.of(pollutant, release)
    traced = trace_to_horizon(network, snap, season, horizon_h, "expected", params)
    duration_s = release_duration_s(pollutant, release, spill, traced.hyd)
    models = plume_models(network, traced, season, params, spill.mass_kg, duration_s,
                          transfer_cache(network, transfers))
    ctx = StationContext(network, receptors, pollutant, season, {}, {}, False)
    path, stations = _horizon_cut(network, ctx, traced.path, models["expected"], receptors,
                                  horizon_h)
    entries = upstream_intakes(network, path, receptors)
    stations = _wanted(stations, entries)
    ev = _worst_at(stations, models["worst"])
    curves = station_curves({"worst": models["worst"]}, ev, stations, CURVE_POINTS)["worst"]
    slicks: list[oil.SlickAt | None] = [None] * len(stations)
    if spill.product is not None:
        curves = oil_curves(curves, spill.product, season, "worst")
        slicks, _ = slicks_along(network, traced, spill.product, release, season,
                                 horizon_h, params, stations, [])
    scaling = Scaling.of(network, traced.path, traced.hyd, snap.reach_idx, pollutant,
                         spill.product, season, params)
    hits = _hits(stations, curves, slicks, scaling, horizon_h)
    hits += _upstream_of_entry(network, entries, pollutant, hits, models["worst"], scaling)
    return [h for h in hits if h.kind in SCREENED_KINDS]


def _horizon_cut(network: RiverNetwork, ctx: StationContext, path: list[PathSegment],
                 expected: PlumeModel, receptors: Sequence[ReceptorInput], horizon_h: float
                 ) -> tuple[list[PathSegment], list[Station]]:
    """The full analysis' horizon cut (:func:`cut_at_horizon` on the expected leading
    edge at the same profile stations), from the profile stations it can depend on only.

    The cut decides which stations stay and which reservoir entries the path still
    enters, nothing else a screening reports. The cut falls at the first profile station
    whose (running maximum) expected arrival passes the horizon; if none up to the first
    station at or past the last of those places does, the cut — wherever it falls — keeps
    them all, so the profile beyond is never evaluated (a quarter of it, and the costly
    part below a cached transfer)."""
    total_km = path[-1].to_km
    stations = stations_on(ctx, path, total_km)
    exp_km = profile_km(network, path, total_km, PROFILE_POINTS, expected.anchor_m / 1000.0)
    last_km = _last_deciding_km(network, path, stations, receptors)
    exp_km = exp_km[: int(np.searchsorted(exp_km, last_km, side="left")) + 1]
    stats, _ = expected.evaluate(exp_km * 1000.0, np.zeros(exp_km.size, dtype=bool),
                                 npts=CURVE_POINTS, stats_npts=40)
    ev = Evaluation(prof_km={"expected": exp_km}, prof={"expected": stats},
                    stations=stations, rec_km=np.zeros(0), curves={})
    cut, kept, _ = cut_at_horizon(network, path, ev, "expected", horizon_h)
    return cut, kept


def _last_deciding_km(network: RiverNetwork, path: Sequence[PathSegment],
                      stations: Sequence[Station], receptors: Sequence[ReceptorInput]
                      ) -> float:
    """The farthest place the horizon cut can matter for: a screened station, or the
    entry of a reservoir holding an intake (with the stations that stand for it)."""
    held = _reservoirs_with_intakes(network, receptors)
    entries = [s.from_km + ENTRY_MATCH_KM for s in path
               if network.is_reservoir[s.reach_idx]
               and network.reservoir_name(s.reach_idx) in held]
    screened = [s.km for s in stations if s.kind in SCREENED_KINDS]
    return max(screened + entries, default=0.0)


# (network, receptors) -> names of the reservoirs holding an intake: (the pair, the names)
_HELD: dict[tuple[int, int], tuple[object, object, frozenset[str]]] = {}


def _reservoirs_with_intakes(network: RiverNetwork, receptors: Sequence[ReceptorInput]
                             ) -> frozenset[str]:
    """Reservoirs with an intake in them (those whose entry puts intakes upstream of it
    in reach, :func:`upstream_intakes`); per network and receptor list, kept."""
    key = (id(network), id(receptors))
    got = _HELD.get(key)
    if got is not None and got[0] is network and got[1] is receptors:
        return got[2]
    names = {inside[1] for r in receptors
             if (inside := intake_reservoir(network, r)) is not None}
    if len(_HELD) >= 8:
        _HELD.clear()
    held = frozenset(names)
    _HELD[key] = (network, receptors, held)
    return held


def _wanted(stations: Sequence[Station], entries: Sequence[UpstreamIntake]) -> list[Station]:
    """The stations a screening reports (:data:`SCREENED_KINDS`) and those standing for a
    reservoir entry with intakes upstream of it (:func:`_upstream_of_entry`); the others
    (confluences, borders elsewhere) are not evaluated."""
    at = [f.entry_km for f in entries]
    return [s for s in stations
            if s.kind in SCREENED_KINDS or any(abs(s.km - e) <= ENTRY_MATCH_KM for e in at)]


def _worst_at(stations: Sequence[Station], worst: PlumeModel) -> Evaluation:
    """The worst case's curves at the stations' distinct km (one evaluation)."""
    rec_km = np.unique(np.array([s.km for s in stations], dtype=np.float64))
    _, curves = worst.evaluate(rec_km * 1000.0, np.ones(rec_km.size, dtype=bool),
                               npts=CURVE_POINTS, stats_npts=40)
    return Evaluation(prof_km={"worst": np.zeros(0)}, prof={}, stations=list(stations),
                      rec_km=rec_km, curves={"worst": curves})


def _hits(stations: Sequence[Station], curves: Sequence[Curve],
          slicks: Sequence[oil.SlickAt | None], scaling: Scaling,
          horizon_h: float) -> list[ScreenHit]:
    """Each station's worst case, scaled as the full analysis scales it (bank factor in
    the near field, solubility cap), exceedance against its limit up to the horizon."""
    st_km = np.array([s.km for s in stations], dtype=np.float64)
    bank = scaling.bank(st_km)
    scaled = [scaled_curve(c, float(f), scaling.solubility_mgl)[0]
              for c, f in zip(curves, bank, strict=True)]
    exceed, beyond = exceed_hours_until(scaled, [s.limit for s in stations], horizon_h)
    out = []
    for i, s in enumerate(stations):
        w = scaled[i]
        arrival = w.arrival_h
        sl = slicks[i]
        if sl is not None and sl.worst.arrival_h is not None \
                and math.isfinite(sl.worst.arrival_h):
            arrival = sl.worst.arrival_h if not math.isfinite(arrival) \
                else min(arrival, sl.worst.arrival_h)
        hours, still = bounded_exceedance(exceed[i], beyond[i], arrival, horizon_h)
        out.append(_hit(s.kind, s.code, s.river_code, s.km, arrival, w.peak_conc_mgl,
                        s.limit, hours, beyond=still))
    return out


def bounded_exceedance(hours: float, above_at_horizon: bool, arrival_h: float,
                       horizon_h: float) -> tuple[float, bool]:
    """(hours above the limit, still above at the horizon) within the window a screening
    forecasts: from the arrival to the horizon.

    ``hours`` is counted up to the horizon already; it can still exceed horizon − arrival
    where the limit lies below the leading edge's level (the curve crosses it before the
    reported arrival, a rise of minutes): the window's length is then the value, so that
    no row reads as more hours above the limit than the plume has been there."""
    window = max(horizon_h - arrival_h, 0.0) if math.isfinite(arrival_h) else 0.0
    return min(hours, window), bool(above_at_horizon and window > 0.0)


def _hit(kind: str, code: str, river_code: str, km: float, arrival_h: float,
         peak_mgl: float, limit: float | None, exceed_h: float,
         flagged: bool = False, beyond: bool = False) -> ScreenHit:
    ratio = None if limit is None or limit <= 0 else float(peak_mgl) / limit
    return ScreenHit(kind, code, river_code, float(km), float(arrival_h), float(peak_mgl),
                     limit, ratio, float(exceed_h), flagged, beyond)


def _upstream_of_entry(network: RiverNetwork, entries: Sequence[UpstreamIntake],
                       pollutant: PollutantInput, hits: Sequence[ScreenHit],
                       worst: PlumeModel, scaling: Scaling) -> list[ScreenHit]:
    """Intakes in the entered reservoir, upstream of the entry (webgis.hydro.reservoirs):
    treated as threatened with the entry's worst-case arrival and peak — from the station
    at the entry (its confluence) as in the full analysis, else the worst-case curve
    computed at the entry."""
    out = []
    for f in entries:
        r = f.receptor
        limit = r.limit_mgl if r.limit_mgl is not None else default_limit_mgl(
            "water_source", pollutant)
        at = [h for h in hits if abs(h.river_km - f.entry_km) <= ENTRY_MATCH_KM]
        if at:
            arrival = min(h.arrival_h for h in at)
            peak = max(h.peak_mgl for h in at)
        else:
            c = worst.curves(np.array([f.entry_km * 1000.0]), npts=CURVE_POINTS)[0]
            bank = float(scaling.bank(np.array([f.entry_km]))[0])
            c = scaled_curve(c, bank, scaling.solubility_mgl)[0]
            arrival, peak = c.arrival_h, c.peak_conc_mgl
        out.append(_hit("water_source", r.code, network.river_code(
            network.index_of(r.reach_code)), f.entry_km, arrival, peak, limit,
            math.nan, flagged=True))
    return out

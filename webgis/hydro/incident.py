"""One incident, end to end, in named phases: trace to the horizon, build the plume
models, evaluate the stations, cut at the horizon, scale (loss, near field, solubility,
slick), and report.

:func:`run_incident` reads top to bottom as the list of phases; each phase is a function
of what the earlier ones produced. The service layer snaps the clicked point
(:meth:`RiverNetwork.snap`) and reads pollutant, release and receptors from the database.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from webgis.hydro import slick as oil
from webgis.hydro.horizon import (
    TRACE_VELOCITY_BOUND_MPS,
    arrival_profile,
    cut_path,
    moment_cut,
    profile_km,
)
from webgis.hydro.hydraulics import (
    DEFAULT_PARAMS,
    HydraulicParams,
    PathHydraulics,
    path_hydraulics,
)
from webgis.hydro.inputs import PollutantInput, ReceptorInput, ReleaseInput, validate_run
from webgis.hydro.losses import (
    Scaling,
    dissolution_duration_s,
    pulse_peak_near_source_mgl,
    scaled_curve,
)
from webgis.hydro.model_info import model_info
from webgis.hydro.network import PathSegment, RiverNetwork, Snap
from webgis.hydro.rate_series import RateSeriesS, dissolved, to_transport
from webgis.hydro.results import (
    PathStep,
    PlumeResult,
    ReceptorResult,
    WorstCase,
)
from webgis.hydro.slick_curves import oil_curves, slick_path
from webgis.hydro.stations import Station, StationContext, stations_on, stations_on_prefix
from webgis.hydro.today_flow import FlowToday
from webgis.hydro.transfer import Transfer, TransferCache, cache_for
from webgis.hydro.transport import (
    Curve,
    PlumeModel,
    exceed_hours_many,
)

CASES = ("expected", "worst")
# one fixed sentence (the catalogue translates it); the numbers are in model.flow_today
FLOW_NOTE = (
    "Today's flow: the discharge given for today replaces the season's along the path. "
    "Reaches above the gauge take its ratio to the season's discharge there; from the gauge "
    "down the difference is carried, each reach's factor kept between the gauge's ratio and "
    "1 (tributaries keep their season's flow); velocity, width and depth follow by the "
    "at-a-station hydraulic geometry, reservoir residence times by V/Q."
)
# (arrival h, peak time h, peak mg/L) per position, as PlumeModel.evaluate returns them
Stats = tuple[np.ndarray, np.ndarray, np.ndarray]


def run_incident(
    network: RiverNetwork,
    snap: Snap,
    pollutant: PollutantInput,
    release: ReleaseInput,
    season: str = "normal",
    horizon_h: float = 72.0,
    receptors: Sequence[ReceptorInput] = (),
    *,
    params: HydraulicParams = DEFAULT_PARAMS,
    river_names: Mapping[str, str] | None = None,
    province_names: Mapping[str, str] | None = None,
    province_boundaries: bool = True,
    horizon_basis: Literal["expected", "worst"] = "expected",
    profile_points: int = 100,
    curve_points: int = 120,
    transfers: bool | TransferCache = True,
    flow: FlowToday | None = None,
) -> PlumeResult:
    """Trace, transport and report a spill at ``snap`` up to ``horizon_h`` hours.

    ``receptors`` may hold every receptor of the area: those not on the traced path are
    ignored. Confluences are generated from the network; province crossings are generated
    from the reaches' ``province`` (turn off with ``province_boundaries=False`` when the
    caller passes its own ``boundary`` receptors); prefecture crossings come from the
    caller as ``boundary`` receptors. The path stops where the expected (or, with
    ``horizon_basis="worst"``, the worst-case) leading edge passes the horizon.
    Below the first reservoir whose inlet flux is smooth enough the plume comes from
    cached pulse responses (:mod:`webgis.hydro.transfer`; ``transfers=False`` computes
    everything for this spill alone, a ``TransferCache`` uses that cache). ``flow``:
    today's discharge replacing the season's on the path (:mod:`webgis.hydro.today_flow`;
    its own hydraulics, so no shared transfers).
    """
    validate_run(release, season, horizon_h)
    if flow is not None:
        params, transfers = flow.params(params), False
    given = release
    release = slick_release(pollutant, release)
    spill = Spill.of(pollutant, release)
    basis_case = "worst" if horizon_basis == "worst" else "expected"
    traced = trace_to_horizon(network, snap, season, horizon_h, basis_case, params)
    series_s = release_series_s(pollutant, release, spill, traced.hyd)
    duration_s = (series_s[-1][0] if series_s
                  else release_duration_s(pollutant, release, spill, traced.hyd))
    models = plume_models(network, traced, season, params, spill.mass_kg, duration_s,
                          transfer_cache(network, transfers), series_s)
    ctx = StationContext(network, receptors, pollutant, season, river_names or {},
                         province_names or {}, province_boundaries)
    ev = evaluate_stations(network, ctx, traced.path, models, basis_case, profile_points,
                           curve_points)
    path, stations, truncated = cut_at_horizon(network, traced.path, ev, basis_case,
                                               horizon_h)
    curves = station_curves(models, ev, stations, curve_points)
    slicks: list[oil.SlickAt | None] = [None] * len(stations)
    step_slicks: list[oil.SlickAt | None] = [None] * len(path)
    if spill.product is not None:
        curves = {case: oil_curves(cs, spill.product, season, case)
                  for case, cs in curves.items()}
        slicks, step_slicks = slicks_along(network, traced, spill.product, release, season,
                                           horizon_h, params, stations, path)
    scaling = Scaling.of(network, traced.path, traced.hyd, snap.reach_idx, pollutant,
                         spill.product, season, params)
    receptors_out = receptor_results(stations, curves, slicks, scaling, spill.product,
                                     curve_points)
    total_km = path[-1].to_km
    profiles = plume_profiles(ev, scaling, spill.product, season, total_km)
    steps = path_steps(network, path, ev, step_slicks)
    model = model_info(
        network, path, truncated, season, horizon_h, horizon_basis, params, pollutant,
        given, (spill.species_factor, spill.mass_kg), spill.product, duration_s, scaling,
        series_s)
    if flow is not None:
        model = replace(model, flow_today=flow.as_dict(),
                        assumptions=[*model.assumptions, FLOW_NOTE])
    return PlumeResult(
        snap=snap,
        path=steps,
        receptors=receptors_out,
        profile=profiles["expected"],
        worst_profile=profiles["worst"],
        model=model,
        slick=None if spill.product is None else oil.describe(spill.product, season),
    )


# ------------------------------------------------------------------------- the spill
def slick_release(pollutant: PollutantInput, release: ReleaseInput) -> ReleaseInput:
    """A floating product given as a rate series is released at once with its total mass:
    the slick model knows one mass and one duration, and the whole mass at once gives the
    earliest arrival and the thickest slick (the safe side; the model notes say so)."""
    if release.rate_series and oil.product_for(pollutant.code, pollutant.pclass,
                                               pollutant.behaviour) is not None:
        return ReleaseInput(release.mass_kg)
    return release


@dataclass(frozen=True, slots=True)
class Spill:
    """The release as the transport sees it: the mass of the regulated species (e.g.
    NaCN → CN) and, for a floating oil, its slick product."""

    species_factor: float
    mass_kg: float
    product: oil.OilProduct | None

    @classmethod
    def of(cls, pollutant: PollutantInput, release: ReleaseInput) -> Spill:
        """The transport runs without loss; the expected case's per-reach loss is applied
        to its curves later (the worst case has none), so cached transfers stay loss-free.
        A floating oil's losses are its slick's evaporation (credited in the expected case
        only, in :func:`oil.dissolved_cap`), not a per-reach first-order loss."""
        factor = pollutant.species_factor if 0 < pollutant.species_factor <= 1 else 1.0
        product = oil.product_for(pollutant.code, pollutant.pclass, pollutant.behaviour)
        return cls(factor, release.mass_kg * factor, product)


@dataclass(frozen=True, slots=True)
class TracedPath:
    """The path down to (a little past) the horizon, with both cases' hydraulics of its
    segments (the exact horizon cut made later may shorten the reported path)."""

    path: list[PathSegment]
    hyd: dict[str, PathHydraulics]


def trace_to_horizon(network: RiverNetwork, snap: Snap, season: str, horizon_h: float,
                     basis_case: str, params: HydraulicParams) -> TracedPath:
    """Trace downstream as far as any river could carry the plume by the horizon, then
    keep the segments the moment-estimated leading edge needs (plus one)."""
    horizon_s = horizon_h * 3600.0
    full = network.trace_downstream(
        snap.reach_idx, snap.measure, horizon_s * TRACE_VELOCITY_BOUND_MPS
    )
    h_basis = path_hydraulics(network, full, season, basis_case, params)
    path = list(full[: moment_cut(h_basis, horizon_s)])
    hyd = {case: path_hydraulics(network, path, season, case, params) for case in CASES}
    return TracedPath(path, hyd)


def release_duration_s(pollutant: PollutantInput, release: ReleaseInput, spill: Spill,
                       hyd: Mapping[str, PathHydraulics]) -> float:
    """The release's duration, lengthened to the time the water needs to dissolve it.

    Floating products spread as a slick and feed the water column from it (their own
    model); here their dissolved part is only capped at its solubility. Only where the
    release as given would exceed the solubility near the source does the dissolution
    time matter (elsewhere it is far shorter than the cloud's spread).
    """
    sol_bound = None if pollutant.behaviour == "floats" else pollutant.solubility_mgl
    if (
        sol_bound is not None
        and release.duration_h <= 0
        and pulse_peak_near_source_mgl(hyd["worst"], spill.mass_kg) <= sol_bound
    ):
        sol_bound = None
    return dissolution_duration_s(
        spill.mass_kg, release.duration_h * 3600.0, float(hyd["expected"].discharge_m3s[0]),
        sol_bound,
    )


def release_series_s(pollutant: PollutantInput, release: ReleaseInput, spill: Spill,
                     hyd: Mapping[str, PathHydraulics]) -> RateSeriesS:
    """A rate series in the transport's units (s, kg/s of the regulated species), no
    piece faster than the water passing the spill can dissolve (Q·S; the excess is
    carried over to later, :func:`webgis.hydro.rate_series.dissolved`); () for a
    constant release."""
    if not release.rate_series:
        return ()
    series_s = to_transport(release.rate_series, spill.species_factor)
    sol = None if pollutant.behaviour == "floats" else pollutant.solubility_mgl
    if sol is None:
        return series_s
    q = float(hyd["expected"].discharge_m3s[0])
    return dissolved(series_s, q * sol * 1e-3 if q > 0 else None)


# --------------------------------------------------------------------- the transport
def transfer_cache(network: RiverNetwork, transfers: bool | TransferCache
                   ) -> TransferCache | None:
    """The cache of pulse responses below reservoirs to use (None: none at all)."""
    if transfers is True:
        return cache_for(network)
    if isinstance(transfers, TransferCache):
        return transfers
    return None


def plume_models(network: RiverNetwork, traced: TracedPath, season: str,
                 params: HydraulicParams, mass_kg: float, duration_s: float,
                 cache: TransferCache | None, series_s: RateSeriesS = ()
                 ) -> dict[str, PlumeModel]:
    """One plume model per case (expected, worst) over the traced segments (a rate
    series, if given, is their release: ``mass_kg`` and ``duration_s`` are its own)."""
    return {
        case: PlumeModel(
            traced.hyd[case],
            mass_kg,
            duration_s,
            0.0,
            transfer_at=(
                None if cache is None
                else transfer_source(network, traced.path, season, case, params, cache)
            ),
            rate_series=series_s,
        )
        for case in traced.hyd
    }


def transfer_source(
    network: RiverNetwork,
    path: Sequence[PathSegment],
    season: str,
    case: str,
    params: HydraulicParams,
    cache: TransferCache,
) -> Callable[[int], Transfer | None]:
    """Segment index -> the cached transfer below that reservoir reach's inlet (whole
    reaches only; built on first use, to the end of the network)."""

    def at(i: int) -> Transfer | None:
        seg = path[i]
        if seg.from_measure > 0.0 or seg.to_measure < 1.0:
            return None
        reach = seg.reach_idx

        def build() -> Transfer:
            below = network.trace_downstream(reach, 0.0)
            return Transfer(path_hydraulics(network, below, season, case, params))

        return cache.get((reach, season, case, params), build)

    return at


# ------------------------------------------------------------------------- evaluation
@dataclass(frozen=True, slots=True)
class Evaluation:
    """Both models evaluated at the profile stations and the receptors before the cut.

    ``prof_km``/``prof``: the profile stations and their statistics per case;
    ``rec_km``: the receptors' distinct km, evaluated after the profile (with curves);
    ``stats``/``curves``: what :meth:`PlumeModel.evaluate` returned for all of them.
    """

    prof_km: dict[str, np.ndarray]
    prof: dict[str, Stats]
    stations: list[Station]
    rec_km: np.ndarray
    curves: dict[str, list[Curve | None]]

    def receptor_curve(self, case: str, row: int) -> Curve | None:
        """The curve of the ``row``-th receptor km."""
        return self.curves[case][self.prof_km[case].size + row]


def evaluate_stations(network: RiverNetwork, ctx: StationContext, path: list[PathSegment],
                      models: Mapping[str, PlumeModel], basis_case: str,
                      profile_points: int, curve_points: int) -> Evaluation:
    """The profile stations and the receptors on the path before the exact cut, evaluated
    together (the cut only drops receptors; a position's curve does not depend on it).

    The other case's profile is drawn and read for arrivals along the path, but does not
    cut it: half as many stations."""
    total_km = path[-1].to_km
    prof_km = {
        case: profile_km(
            network,
            path,
            total_km,
            profile_points if case == basis_case else profile_points // 2,
            models[case].anchor_m / 1000.0,
        )
        for case in models
    }
    stations = stations_on(ctx, path, total_km)
    rec_km = np.unique(np.array([s.km for s in stations], dtype=np.float64))
    stats: dict[str, Stats] = {}
    curves: dict[str, list[Curve | None]] = {}
    for case, model in models.items():
        pos_m = np.concatenate((prof_km[case], rec_km)) * 1000.0
        want_curve = np.arange(pos_m.size) >= prof_km[case].size
        stats[case], curves[case] = model.evaluate(
            pos_m, want_curve, npts=curve_points, stats_npts=40)
    n_prof = {case: km.size for case, km in prof_km.items()}
    prof: dict[str, Stats] = {
        case: (a[: n_prof[case]], p[: n_prof[case]], c[: n_prof[case]])
        for case, (a, p, c) in stats.items()
    }
    return Evaluation(prof_km, prof, stations, rec_km, curves)


def cut_at_horizon(network: RiverNetwork, path: list[PathSegment], ev: Evaluation,
                   basis_case: str, horizon_h: float
                   ) -> tuple[list[PathSegment], list[Station], bool]:
    """The exact horizon cut on the computed leading edges: (path, stations, truncated)."""
    km_b, arr_b = arrival_profile(ev.prof[basis_case][0], ev.prof_km[basis_case])
    if not arr_b[-1] > horizon_h:
        return path, ev.stations, False
    total_km = path[-1].to_km
    k = int(np.argmax(arr_b > horizon_h))
    cut_km = float(np.interp(horizon_h, arr_b[k - 1 : k + 1], km_b[k - 1 : k + 1]))
    cut_km = max(cut_km, min(total_km, 0.1))
    path = cut_path(path, network, cut_km)
    return path, stations_on_prefix(ev.stations, path), True


def station_curves(models: Mapping[str, PlumeModel], ev: Evaluation,
                   stations: Sequence[Station], curve_points: int
                   ) -> dict[str, list[Curve]]:
    """Each station's curve per case, from the evaluation (a station not evaluated there,
    which the cut should never produce, is computed on its own)."""
    row_of = {km: i for i, km in enumerate(ev.rec_km.tolist())}
    missing = sorted({s.km for s in stations} - row_of.keys())
    extra: dict[str, list[Curve]] = {case: [] for case in models}
    if missing:  # not expected: the cut path's stations are among those before the cut
        for case in models:
            extra[case] = models[case].curves(np.array(missing) * 1000.0, npts=curve_points)
        row_of.update({km: -1 - i for i, km in enumerate(missing)})

    def curve_at(case: str, km: float) -> Curve:
        r = row_of[km]
        got = ev.receptor_curve(case, r) if r >= 0 else extra[case][-1 - r]
        assert got is not None
        return got

    return {case: [curve_at(case, s.km) for s in stations] for case in models}


def slicks_along(network: RiverNetwork, traced: TracedPath, product: oil.OilProduct,
                 release: ReleaseInput, season: str, horizon_h: float,
                 params: HydraulicParams, stations: Sequence[Station],
                 path: Sequence[PathSegment]
                 ) -> tuple[list[oil.SlickAt | None], list[oil.SlickAt | None]]:
    """A floating oil's slick at the receptors and at the start of each path step (the
    path's arrivals)."""
    got: list[oil.SlickAt | None] = list(oil.slick_at(
        product, slick_path(network, traced.hyd, [s.reach_idx for s in traced.path],
                            season, params),
        release.mass_kg, release.duration_h, season, horizon_h,
        [s.km for s in stations] + [s.from_km for s in path]))
    return got[: len(stations)], got[len(stations):]


# ------------------------------------------------------------------------- reporting
def receptor_results(stations: Sequence[Station], curves: dict[str, list[Curve]],
                     slicks: Sequence[oil.SlickAt | None], scaling: Scaling,
                     product: oil.OilProduct | None, curve_points: int
                     ) -> list[ReceptorResult]:
    """Each station's expected and worst case: the curves scaled (loss, bank,
    solubility), exceedance against its limit, the slick's arrival for oils."""
    st_km = np.array([s.km for s in stations], dtype=np.float64)
    st_near = scaling.near_km(st_km)
    st_bank = scaling.bank(st_km)
    scaled: dict[str, list[Curve]] = {}
    undissolved: dict[str, list[bool]] = {}
    for case, factors in (("expected", scaling.loss(st_km)), ("worst", st_bank)):
        pairs = [scaled_curve(c, float(f), scaling.solubility_mgl)
                 for c, f in zip(curves[case], factors, strict=True)]
        scaled[case] = [c for c, _ in pairs]
        # a slick's dissolved part at its WAF is the slick itself, shown as such
        undissolved[case] = [u and product is None for _, u in pairs]
    limits = [s.limit for s in stations]
    exceed = {case: exceed_hours_many(scaled[case], limits) for case in scaled}
    results = []
    for i, s in enumerate(stations):
        c, w = scaled["expected"][i], scaled["worst"][i]
        arrival, w_arrival = c.arrival_h, w.arrival_h
        sl = slicks[i]
        if sl is not None:  # the earlier of the slick and the dissolved leading edge
            arrival = _earlier(arrival, sl.expected.arrival_h)
            w_arrival = _earlier(w_arrival, sl.worst.arrival_h)
        results.append(ReceptorResult(
            kind=s.kind, code=s.code, name=s.name, reach_code=s.reach_code,
            river_code=s.river_code, river_km=s.km, lon=s.lon, lat=s.lat,
            arrival_h=arrival, peak_h=c.peak_h, peak_conc_mgl=c.peak_conc_mgl,
            limit_mgl=s.limit,
            exceeds=s.limit is not None and c.peak_conc_mgl > s.limit,
            exceed_hours=exceed["expected"][i],
            curve=c.points(curve_points),
            worst=WorstCase(
                arrival_h=w_arrival, peak_h=w.peak_h, peak_conc_mgl=w.peak_conc_mgl,
                exceeds=s.limit is not None and w.peak_conc_mgl > s.limit,
                exceed_hours=exceed["worst"][i],
                undissolved=undissolved["worst"][i],
                bank_factor=float(st_bank[i]),
            ),
            extra=s.extra,
            slick=sl,
            limit_basis=s.basis[0] if s.basis else None,
            limit_basis_en=s.basis[1] if s.basis else None,
            undissolved=undissolved["expected"][i],
            near_field=bool(st_near[i]),
        ))
    return results


def plume_profiles(ev: Evaluation, scaling: Scaling, product: oil.OilProduct | None,
                   season: str, total_km: float) -> dict[str, list[list[float]]]:
    """Peak concentration along the path per case ([[km, mg/L], ...] to ``total_km``),
    scaled like the receptors' (for oils: the dissolved petroleum at each peak time)."""
    prof = ev.prof
    if product is not None:
        prof = {case: (a, p, oil.dissolved_cap(c, p, product, season, case))
                for case, (a, p, c) in prof.items()}
    prof_factor = {
        "expected": scaling.loss(ev.prof_km["expected"]),
        "worst": scaling.bank(ev.prof_km["worst"]),
    }
    prof_peak = {case: prof[case][2] * prof_factor[case] for case in prof}
    sol = scaling.solubility_mgl
    if sol is not None:
        prof_peak = {case: np.minimum(v, sol) for case, v in prof_peak.items()}
    return {
        case: [
            [k, c]
            for k, c in zip(ev.prof_km[case].tolist(), prof_peak[case].tolist(), strict=True)
            if k <= total_km + 1e-9
        ]
        for case in prof
    }


def path_steps(network: RiverNetwork, path: Sequence[PathSegment], ev: Evaluation,
               step_slicks: Sequence[oil.SlickAt | None]) -> list[PathStep]:
    """The reported path, each step with the expected and worst leading edge at its start
    (the earlier of the dissolved edge and a slick's)."""
    arrivals = {case: arrival_profile(ev.prof[case][0], ev.prof_km[case]) for case in ev.prof}
    return [
        PathStep(
            reach_idx=s.reach_idx,
            reach_code=s.reach_code,
            river_code=s.river_code,
            from_measure=s.from_measure,
            to_measure=s.to_measure,
            from_km=s.from_km,
            to_km=s.to_km,
            arrival_h=_earlier(float(np.interp(s.from_km, *arrivals["expected"])),
                               sl.expected.arrival_h if sl is not None else None),
            worst_arrival_h=_earlier(float(np.interp(s.from_km, *arrivals["worst"])),
                                     sl.worst.arrival_h if sl is not None else None),
            is_reservoir=bool(network.is_reservoir[s.reach_idx]),
        )
        for s, sl in zip(path, step_slicks, strict=True)
    ]


def _earlier(a: float, b: float | None) -> float:
    """The earlier of two arrival times (``b`` None: not reached)."""
    if b is None or not math.isfinite(b):
        return a
    return b if not math.isfinite(a) else min(a, b)

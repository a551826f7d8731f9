"""One incident, end to end, as a pure function: trace, hydraulics, transport, receptors.

The service layer snaps the clicked point (:meth:`RiverNetwork.snap`), reads pollutant,
release and along-river receptors from the database, and calls :func:`run_incident`.
Everything returned is plain data (dataclasses, floats, lists) ready for JSON.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np

from webgis.hydro import slick as oil
from webgis.hydro.errors import HydroError
from webgis.hydro.hydraulics import (
    DEFAULT_PARAMS,
    SEASONS,
    HydraulicParams,
    PathHydraulics,
    hydraulics_arrays,
    path_hydraulics,
)
from webgis.hydro.network import PathSegment, RiverNetwork, Snap
from webgis.hydro.transfer import Transfer, TransferCache, cache_for
from webgis.hydro.transport import (
    _LE_Z,
    LEADING_EDGE_FRACTION,
    Curve,
    PlumeModel,
    exceed_hours_many,
)

MAX_MASS_KG = 1e9
# Upper bound of any river velocity, used only to bound the length of the trace that is
# then cut at the horizon (the fastest Gansu reaches run at 3–4 m/s in flood).
_TRACE_VELOCITY_BOUND_MPS = 10.0

ReceptorKind = Literal["water_source", "section", "interception", "confluence", "boundary"]


@dataclass(frozen=True, slots=True)
class PollutantInput:
    """Pollutant properties the model needs (from pollutants.yaml / the DB)."""

    code: str
    name: str
    pclass: str
    decay_per_day: float = 0.0
    limit_class3_mgl: float | None = None
    limit_source_mgl: float | None = None
    behaviour: str = "dissolves"


@dataclass(frozen=True, slots=True)
class ReleaseInput:
    """What was spilled: total mass, over ``duration_h`` (0 = instantaneous)."""

    mass_kg: float
    duration_h: float = 0.0


@dataclass(frozen=True, slots=True)
class ReceptorInput:
    """A point on the river (linearly referenced) where the plume is reported.

    ``limit_mgl`` None means: the pollutant's drinking-water-source limit for
    ``water_source`` receptors (GB 3838-2002 Tables 2/3), else its Class III limit.
    """

    kind: str
    code: str
    name: str
    reach_code: str
    measure: float
    lon: float
    lat: float
    limit_mgl: float | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class WorstCase:
    """Earliest arrival and highest peak (upper-envelope velocity, lower dispersion)."""

    arrival_h: float
    peak_h: float
    peak_conc_mgl: float
    exceeds: bool
    exceed_hours: float


@dataclass(frozen=True, slots=True)
class ReceptorResult:
    """The plume at one receptor (expected case, plus ``worst``)."""

    kind: str
    code: str
    name: str
    reach_code: str
    river_code: str
    river_km: float
    lon: float
    lat: float
    arrival_h: float
    peak_h: float
    peak_conc_mgl: float
    limit_mgl: float | None
    exceeds: bool
    exceed_hours: float
    curve: list[list[float]]
    worst: WorstCase
    extra: Mapping[str, Any]
    # floating oils only (:mod:`webgis.hydro.slick`): the slick's edges at this receptor;
    # ``peak_conc_mgl`` and the curve are then the dissolved petroleum (石油类), bounded
    # by the product's water-accommodated fraction, and ``arrival_h`` the earlier of the
    # slick's leading edge and the dissolved leading edge
    slick: oil.SlickAt | None = None


@dataclass(frozen=True, slots=True)
class PathStep:
    """A traced segment with the expected and worst leading-edge arrival at its start."""

    reach_idx: int
    reach_code: str
    river_code: str
    from_measure: float
    to_measure: float
    from_km: float
    to_km: float
    arrival_h: float
    worst_arrival_h: float
    is_reservoir: bool


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """Why a number is what it is: inputs, method, coefficients and assumptions."""

    season: str
    method: str
    horizon_h: float
    horizon_basis: str
    truncated_at_horizon: bool
    end_kind: str | None
    coefficients: dict[str, Any]
    assumptions: list[str]


@dataclass(frozen=True, slots=True)
class PlumeResult:
    """Everything the transport core says about one spill."""

    snap: Snap
    path: list[PathStep]
    receptors: list[ReceptorResult]
    profile: list[list[float]]
    worst_profile: list[list[float]]
    model: ModelInfo
    # floating oils only: the product and constants of the slick model
    slick: dict[str, Any] | None = None

    @property
    def length_km(self) -> float:
        """Length of the reported path."""
        return self.path[-1].to_km if self.path else 0.0


@dataclass(frozen=True, slots=True)
class _Station:
    kind: str
    code: str
    name: str
    reach_code: str
    river_code: str
    km: float
    lon: float
    lat: float
    limit: float | None
    extra: Mapping[str, Any]


def default_limit_mgl(kind: str, pollutant: PollutantInput) -> float | None:
    """Drinking-water-source limit at intakes, Class III elsewhere (GB 3838-2002)."""
    if kind == "water_source":
        return (
            pollutant.limit_source_mgl
            if pollutant.limit_source_mgl is not None
            else pollutant.limit_class3_mgl
        )
    return (
        pollutant.limit_class3_mgl
        if pollutant.limit_class3_mgl is not None
        else pollutant.limit_source_mgl
    )


def _validate(release: ReleaseInput, season: str, horizon_h: float) -> None:
    m = release.mass_kg
    if not (isinstance(m, int | float) and math.isfinite(m) and 0 < m <= MAX_MASS_KG):
        raise HydroError(f"mass_kg must be > 0 and ≤ {MAX_MASS_KG:.0e}")
    d = release.duration_h
    if not (isinstance(d, int | float) and math.isfinite(d) and 0 <= d <= 24 * 365):
        raise HydroError("duration_h must be between 0 and 8760")
    if season not in SEASONS:
        raise HydroError(f"season must be one of {', '.join(SEASONS)}")
    if not (math.isfinite(horizon_h) and 0 < horizon_h <= 24 * 60):
        raise HydroError("horizon_h must be > 0 and ≤ 1440")


def _moment_cut(h: PathHydraulics, horizon_s: float) -> int:
    """Number of segments needed until the moment-estimated leading edge passes the horizon.

    The leading edge is estimated as tau - z·sigma (Gaussian, 1 % of peak); one extra
    segment is kept so that the exact cut, made later on the computed curves, falls inside.
    """
    res = h.is_reservoir
    cells = np.maximum(h.n_cells, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        dtau = np.where(res, h.theta_s, h.length_m / h.velocity_mps)
        dvar = np.where(
            res, h.theta_s**2 / cells, 2.0 * h.dispersion_m2s * h.length_m / h.velocity_mps**3
        )
    tau, var = np.cumsum(dtau), np.cumsum(dvar)
    lead = tau - _LE_Z * np.sqrt(var)
    beyond = np.flatnonzero(lead > horizon_s)
    if beyond.size == 0:
        return h.length_m.size
    return min(int(beyond[0]) + 2, h.length_m.size)


def _cut_path(path: list[PathSegment], network: RiverNetwork, km: float) -> list[PathSegment]:
    """Path shortened to end at ``km``."""
    out = []
    for s in path:
        if s.from_km >= km:
            break
        if s.to_km > km:
            length = float(network.length_m[s.reach_idx])
            m1 = s.from_measure + (km - s.from_km) * 1000.0 / length if length > 0 else 1.0
            s = replace(s, to_km=km, to_measure=min(m1, s.to_measure))
        out.append(s)
    return out


def _locate_receptors(
    network: RiverNetwork,
    path: Sequence[PathSegment],
    receptors: Sequence[ReceptorInput],
    pollutant: PollutantInput,
) -> list[_Station]:
    by_reach = {s.reach_code: s for s in path}
    out = []
    for r in receptors:
        s = by_reach.get(r.reach_code)
        if s is None or not (s.from_measure - 1e-9 <= r.measure <= s.to_measure + 1e-9):
            continue
        length = float(network.length_m[s.reach_idx])
        km = s.from_km + (r.measure - s.from_measure) * length / 1000.0
        limit = r.limit_mgl if r.limit_mgl is not None else default_limit_mgl(r.kind, pollutant)
        out.append(
            _Station(
                r.kind,
                r.code,
                r.name,
                r.reach_code,
                s.river_code,
                max(km, 0.0),
                r.lon,
                r.lat,
                limit,
                dict(r.extra),
            )
        )
    return out


def _generated_stations(
    network: RiverNetwork,
    path: Sequence[PathSegment],
    pollutant: PollutantInput,
    season: str,
    river_names: Mapping[str, str],
    province_names: Mapping[str, str],
    province_boundaries: bool,
) -> list[_Station]:
    """Confluences found on the network and province crossings from reach attributes."""
    out = []
    factor = network.season_factor[season]
    limit = default_limit_mgl("confluence", pollutant)
    position = {s.reach_idx: k for k, s in enumerate(path)}
    for c in network.confluences_along(path):
        changes = c.path_river_code != c.receiving_river_code
        trib = c.path_river_code if changes else c.joining_river_code
        prev = path[position[c.reach_idx] - 1]
        q_before = float(network.discharge_m3s[prev.reach_idx] * factor[prev.reach_idx])
        q_after = float(network.discharge_m3s[c.reach_idx] * factor[c.reach_idx])
        q_join = float(c.joining_discharge_m3s * factor[c.joining_reach_idx])
        name = (
            f"{river_names.get(trib, trib)} → "
            f"{river_names.get(c.receiving_river_code, c.receiving_river_code)}"
        )
        out.append(
            _Station(
                "confluence",
                f"CONF-{c.reach_code}-{c.joining_reach_code}",
                name,
                c.reach_code,
                c.receiving_river_code,
                c.river_km,
                c.lon,
                c.lat,
                limit,
                {
                    "joining_river_code": c.joining_river_code,
                    "joining_reach_code": c.joining_reach_code,
                    "receiving_river_code": c.receiving_river_code,
                    "path_river_code": c.path_river_code,
                    "joining_discharge_m3s": q_join,
                    "discharge_before_m3s": q_before,
                    "discharge_after_m3s": q_after,
                    "dilution_factor": min(q_before / q_after, 1.0) if q_after > 0 else 1.0,
                },
            )
        )
    if province_boundaries:
        for a, b in zip(path, path[1:], strict=False):
            pa, pb = network.province(a.reach_idx), network.province(b.reach_idx)
            if pa is None or pb is None or pa == pb:
                continue
            lon, lat = network.point_at(b.reach_idx, b.from_measure)
            na, nb = province_names.get(pa, pa), province_names.get(pb, pb)
            out.append(
                _Station(
                    "boundary",
                    f"BND-{pa}-{pb}",
                    f"{na} → {nb}",
                    b.reach_code,
                    b.river_code,
                    b.from_km,
                    lon,
                    lat,
                    default_limit_mgl("boundary", pollutant),
                    {
                        "level": "province",
                        "from_adcode": pa,
                        "to_adcode": pb,
                        "from_name": na,
                        "to_name": nb,
                    },
                )
            )
    return out


# spacings (km) of the profile stations fixed on each reach below a cached transfer
_STATION_SPACINGS_KM = (0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0)


def _profile_km(
    network: RiverNetwork,
    path: Sequence[PathSegment],
    total_km: float,
    points: int,
    fixed_from_km: float,
) -> np.ndarray:
    """Profile stations (km from the spill): ``points`` evenly spaced ones, and beyond
    ``fixed_from_km`` stations fixed from there on instead, so that spills upstream ask a
    cached transfer for the same positions: every reach split into equal parts no
    longer than a spacing picked for the path length, each part's end a station unless
    it comes within half a spacing of the previous one (short reaches share one); the
    last reach of the path always ends with one."""
    n = max(int(points), 2)
    km = np.linspace(0.0, total_km, n + 1)[1:]
    if total_km > 0.5:
        km = np.concatenate(([min(0.1, total_km / n / 2)], km))
    if fixed_from_km >= total_km:
        return np.unique(km)
    # a third as dense as the even ones: each station there is a convolution per case,
    # where the even ones cost next to nothing
    spacing = next((s for s in _STATION_SPACINGS_KM if s * n >= 3.0 * total_km), 1e9)
    fixed: list[float] = []
    last = fixed_from_km
    segments = [s for s in path if s.from_km >= fixed_from_km - 1e-9]
    for k, s in enumerate(segments):
        reach_km = float(network.length_m[s.reach_idx]) / 1000.0
        parts = max(math.ceil(reach_km / spacing - 1e-9), 1)
        for j in range(1, parts + 1):
            at = s.from_km + reach_km * j / parts
            if at > s.to_km + 1e-9:
                break
            if at - last >= 0.5 * spacing or (k == len(segments) - 1 and j == parts):
                fixed.append(at)
                last = at
    km = np.concatenate([km[km < fixed_from_km - 1e-9], fixed])
    return np.unique(km)


def _transfer_source(
    network: RiverNetwork,
    path: Sequence[PathSegment],
    season: str,
    case: str,
    params: HydraulicParams,
    cache: TransferCache,
):
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


def _arrival_profile(arrival_h: np.ndarray, km: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.concatenate(([0.0], km)), np.concatenate(([0.0], np.maximum.accumulate(arrival_h)))


ASSUMPTIONS = [
    "1D model: the spill is taken as mixed over the cross-section at once; close to the "
    "source, bank concentrations can be higher than shown.",
    "Hydraulics from mean discharge × season factor by hydraulic geometry (Leopold & "
    "Maddock 1953) unless measured velocity/width/depth are stored for the reach.",
    "Longitudinal dispersion by Fischer's formula (Fischer et al. 1979), clipped to "
    "0.5–1500 m²/s; dead zones and transient storage are not modelled, so tails are short.",
    "Dilution only by the discharge of inflows at confluences (C ∝ Q_up/Q_down); losing "
    "reaches never concentrate the pollutant.",
    "Reservoirs: a chain of mixing cells (one per ~2 km) over a small active share of the "
    "volume (default 10 %, 5 % in the worst case) — never one tank for the whole volume; "
    "this errs towards an earlier arrival and a higher peak.",
    "Worst case: velocity × 1.5 (after Jobson's 1996 maximum probable velocity), "
    "dispersion × 0.5, reservoir active share × 0.5 — the earliest arrival and highest peak.",
    "Arrival is the leading edge, when the concentration first reaches 1 % of its local "
    "peak; first-order decay only (no sorption, volatilisation or settling unless folded "
    "into the decay rate).",
    "Steady flow during the passage; reservoir operation (gates, releases) is not modelled.",
]

OIL_ASSUMPTIONS = [
    "Floating oil: the product travels as a slick on the surface; the concentrations shown "
    "are dissolved/dispersed petroleum (石油类, GB 3838-2002: 0.05 mg/L), never a bulk "
    "concentration of the product, and never above its water-accommodated fraction (WAF).",
    "Slick edges at the surface velocity: 1.18 × the cross-section mean (USGS float "
    "coefficient 0.85); the worst case takes 1.25 × the worst-case mean plus 3.5 % of a 5 "
    "m/s down-river wind for the earliest arrival, and the plain mean velocity for the "
    "latest passage end (the longest slick).",
    "Slick half-length: the larger of Fay's one-dimensional spreading and the stretch by "
    "the surface-current shear (Fischer's dispersion, edge at 1 % of the peak); oil "
    "stranded on banks can remain after the floating slick has passed.",
    "Evaporation by Fingas' empirical equation for the product at the season's water "
    "temperature, credited in the expected case only; no loss at all in the worst case.",
]


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
    everything for this spill alone, a ``TransferCache`` uses that cache).
    """
    _validate(release, season, horizon_h)
    river_names = river_names or {}
    province_names = province_names or {}
    horizon_s = horizon_h * 3600.0
    decay_per_s = max(pollutant.decay_per_day, 0.0) / 86400.0
    product = oil.product_for(pollutant.code, pollutant.pclass, pollutant.behaviour)
    if product is not None:
        # a floating oil's losses are its slick's evaporation (credited in the expected
        # case only, in :func:`oil.dissolved_cap`), not a first-order decay
        decay_per_s = 0.0
    duration_s = release.duration_h * 3600.0

    full = network.trace_downstream(
        snap.reach_idx, snap.measure, horizon_s * _TRACE_VELOCITY_BOUND_MPS
    )
    basis_case = "worst" if horizon_basis == "worst" else "expected"
    h_basis = path_hydraulics(network, full, season, basis_case, params)
    path = full[: _moment_cut(h_basis, horizon_s)]

    hyd = {
        case: path_hydraulics(network, path, season, case, params) for case in ("expected", "worst")
    }
    hyd_reaches = [s.reach_idx for s in path]
    cache: TransferCache | None = None
    if transfers is True:
        cache = cache_for(network)
    elif isinstance(transfers, TransferCache):
        cache = transfers
    models = {
        case: PlumeModel(
            hyd[case],
            release.mass_kg,
            duration_s,
            decay_per_s,
            transfer_at=(
                None if cache is None
                else _transfer_source(network, path, season, case, params, cache)
            ),
        )
        for case in hyd
    }
    total_km = path[-1].to_km
    # the other case's profile is drawn and read for arrivals along the path, but does
    # not cut it: half as many stations
    prof_km = {
        case: _profile_km(
            network,
            path,
            total_km,
            profile_points if case == basis_case else profile_points // 2,
            models[case].anchor_m / 1000.0,
        )
        for case in models
    }

    def stations_on(path: Sequence[PathSegment], total_km: float) -> list[_Station]:
        found = _locate_receptors(network, path, receptors, pollutant)
        found += _generated_stations(
            network,
            path,
            pollutant,
            season,
            river_names,
            province_names,
            province_boundaries,
        )
        found = [s for s in found if s.km <= total_km + 1e-9]
        found.sort(key=lambda s: s.km)
        return found

    # the profile stations and the receptors on the path before the exact cut, evaluated
    # together (the cut only drops receptors; a position's curve does not depend on it)
    stations = stations_on(path, total_km)
    rec_km = np.unique(np.array([s.km for s in stations], dtype=np.float64))
    n_prof = {case: km.size for case, km in prof_km.items()}
    evaluated = {}
    for case, model in models.items():
        pos_m = np.concatenate((prof_km[case], rec_km)) * 1000.0
        want_curve = np.arange(pos_m.size) >= n_prof[case]
        evaluated[case] = model.evaluate(pos_m, want_curve, npts=curve_points, stats_npts=40)
    # (arrival h, peak time h, peak mg/L) per profile station
    prof = {case: tuple(a[: n_prof[case]] for a in ev[0]) for case, ev in evaluated.items()}

    # exact horizon cut on the computed leading edges
    km_b, arr_b = _arrival_profile(prof[basis_case][0], prof_km[basis_case])
    truncated = False
    if arr_b[-1] > horizon_h:
        k = int(np.argmax(arr_b > horizon_h))
        cut_km = float(np.interp(horizon_h, arr_b[k - 1 : k + 1], km_b[k - 1 : k + 1]))
        cut_km = max(cut_km, min(total_km, 0.1))
        path = _cut_path(path, network, cut_km)
        truncated = True
        total_km = path[-1].to_km
        stations = stations_on(path, total_km)

    row_of = {km: i for i, km in enumerate(rec_km.tolist())}
    missing = sorted({s.km for s in stations} - row_of.keys())
    extra: dict[str, list] = {case: [] for case in models}
    if missing:  # not expected: the cut path's stations are among those before the cut
        for case in models:
            extra[case] = models[case].curves(np.array(missing) * 1000.0, npts=curve_points)
        row_of.update({km: -1 - i for i, km in enumerate(missing)})

    def curve_at(case: str, km: float) -> Curve:
        r = row_of[km]
        got = evaluated[case][1][n_prof[case] + r] if r >= 0 else extra[case][-1 - r]
        assert got is not None
        return got

    curves = {case: [curve_at(case, s.km) for s in stations] for case in models}
    slicks: list[oil.SlickAt | None] = [None] * len(stations)
    step_slicks: list[oil.SlickAt | None] = [None] * len(path)
    if product is not None:
        curves = {case: _oil_curves(cs, product, season, case) for case, cs in curves.items()}
        # at the receptors and at the start of each path step (the path's arrivals)
        got = list(oil.slick_at(
            product, _slick_path(network, hyd, hyd_reaches, season, params),
            release.mass_kg, release.duration_h, season, horizon_h,
            [s.km for s in stations] + [s.from_km for s in path]))
        slicks, step_slicks = got[: len(stations)], got[len(stations):]

    limits = [s.limit for s in stations]
    exceed = {case: exceed_hours_many(curves[case], limits) for case in models}
    results = []
    for i, s in enumerate(stations):
        c, w = curves["expected"][i], curves["worst"][i]
        exceeds = s.limit is not None and c.peak_conc_mgl > s.limit
        w_exceeds = s.limit is not None and w.peak_conc_mgl > s.limit
        arrival, w_arrival = c.arrival_h, w.arrival_h
        sl = slicks[i]
        if sl is not None:  # the earlier of the slick and the dissolved leading edge
            arrival = _earlier(arrival, sl.expected.arrival_h)
            w_arrival = _earlier(w_arrival, sl.worst.arrival_h)
        results.append(
            ReceptorResult(
                kind=s.kind,
                code=s.code,
                name=s.name,
                reach_code=s.reach_code,
                river_code=s.river_code,
                river_km=s.km,
                lon=s.lon,
                lat=s.lat,
                arrival_h=arrival,
                peak_h=c.peak_h,
                peak_conc_mgl=c.peak_conc_mgl,
                limit_mgl=s.limit,
                exceeds=exceeds,
                exceed_hours=exceed["expected"][i],
                curve=c.points(curve_points),
                worst=WorstCase(
                    arrival_h=w_arrival,
                    peak_h=w.peak_h,
                    peak_conc_mgl=w.peak_conc_mgl,
                    exceeds=w_exceeds,
                    exceed_hours=exceed["worst"][i],
                ),
                extra=s.extra,
                slick=sl,
            )
        )

    if product is not None:  # dissolved petroleum at each station's peak time
        prof = {case: (a, p, oil.dissolved_cap(c, p, product, season, case))
                for case, (a, p, c) in prof.items()}
    profile = {
        case: [
            [k, c]
            for k, c in zip(prof_km[case].tolist(), prof[case][2].tolist(), strict=True)
            if k <= total_km + 1e-9
        ]
        for case in prof
    }
    arrivals = {case: _arrival_profile(prof[case][0], prof_km[case]) for case in prof}
    steps = [
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
    end_kind = None if truncated else network.end_kind(path[-1].reach_idx)
    model = ModelInfo(
        season=season,
        method=(
            "1D advection-dispersion with first-order decay, variance-additive travel-time "
            "solution (Rhine Alarm Model / ALAMO type); reservoirs as chains of mixing cells"
            + ("" if product is None else
               "; floating oil: slick edges at the surface velocity with Fay/shear "
               "spreading and Fingas evaporation, dissolved petroleum bounded by the "
               "water-accommodated fraction")
        ),
        horizon_h=horizon_h,
        horizon_basis=horizon_basis,
        truncated_at_horizon=truncated,
        end_kind=end_kind,
        coefficients={
            **params.as_dict(),
            "decay_per_day": pollutant.decay_per_day if product is None else 0.0,
            "leading_edge_fraction_of_peak": LEADING_EDGE_FRACTION,
            "mass_kg": release.mass_kg,
            "duration_h": release.duration_h,
        },
        assumptions=list(ASSUMPTIONS) + (OIL_ASSUMPTIONS if product is not None else []),
    )
    return PlumeResult(
        snap=snap,
        path=steps,
        receptors=results,
        profile=profile["expected"],
        worst_profile=profile["worst"],
        model=model,
        slick=None if product is None else oil.describe(product, season),
    )


def _earlier(a: float, b: float | None) -> float:
    """The earlier of two arrival times (``b`` None: not reached)."""
    if b is None or not math.isfinite(b):
        return a
    return b if not math.isfinite(a) else min(a, b)


def _oil_curves(curves: Sequence[Curve], product: oil.OilProduct, season: str, case: str
                ) -> list[Curve]:
    """Curves of the spilled mass as dissolved petroleum (see :func:`oil.dissolved_cap`):
    never above the WAF; in the expected case, of the mass not yet evaporated (one
    evaluation of the evaporation for all the curves)."""
    waf = product.waf_mgl
    if case != "expected":  # no evaporation credit: only the WAF bound
        return [c if c.peak_conc_mgl <= waf else
                Curve(c.times_h, np.minimum(c.conc_mgl, waf), c.arrival_h, c.peak_h, waf)
                for c in curves]
    if not curves:
        return []
    ends = np.cumsum([c.times_h.size for c in curves])
    share = oil.remaining_share(product, season, np.concatenate(
        [c.times_h for c in curves] + [np.array([c.peak_h for c in curves])]))
    at_peak = share[ends[-1]:].tolist()
    out = []
    for c, a, b, sp in zip(curves, np.concatenate(([0], ends[:-1])).tolist(), ends.tolist(),
                           at_peak, strict=True):
        conc = np.minimum(c.conc_mgl * share[a:b], waf)
        peak = min(c.peak_conc_mgl * sp, waf)
        if conc.size:  # evaporation can move the expected peak earlier
            peak = max(peak, float(conc.max()))
        out.append(Curve(c.times_h, conc, c.arrival_h, c.peak_h, peak))
    return out


def _slick_path(network: RiverNetwork, hyd: Mapping[str, PathHydraulics],
                reaches: Sequence[int], season: str, params: HydraulicParams
                ) -> oil.SlickPath:
    """The segments' hydraulics the slick model needs (widths from the reaches)."""
    e, w = hyd["expected"], hyd["worst"]
    return oil.SlickPath(
        start_m=e.start_m, length_m=e.length_m, velocity_mps=e.velocity_mps,
        worst_velocity_mps=w.velocity_mps,
        width_m=_widths(network, season, params)[np.asarray(reaches, dtype=np.int64)],
        dispersion_m2s=e.dispersion_m2s)


# network -> {(season, params): expected-case width of every reach}, kept with the network
_WIDTHS: weakref.WeakKeyDictionary[RiverNetwork, dict[tuple[str, HydraulicParams], np.ndarray]]
_WIDTHS = weakref.WeakKeyDictionary()


def _widths(network: RiverNetwork, season: str, params: HydraulicParams) -> np.ndarray:
    """Channel width of every reach (expected case), computed once per season."""
    per = _WIDTHS.get(network)
    if per is None:
        per = _WIDTHS.setdefault(network, {})
    got = per.get((season, params))
    if got is None:
        got = per[(season, params)] = hydraulics_arrays(
            network, np.arange(network.length_m.size), season, "expected", params).width_m
    return got

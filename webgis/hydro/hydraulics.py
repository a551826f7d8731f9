"""Reach hydraulics from mean discharge: width, depth, velocity and dispersion.

Hydraulic geometry (Leopold & Maddock 1953, USGS Professional Paper 252) gives width,
depth and velocity as power laws of discharge, w = a·Q^b, h = c·Q^f, u = k·Q^m with
b + f + m = 1 and a·c·k = 1, so Q = w·h·u holds exactly. Two sets of exponents are used:

* *downstream* exponents for the reach's mean annual discharge (comparing reaches),
* *at-a-station* exponents for the season factor (the same reach at low or high flow).

Longitudinal dispersion follows Fischer et al. (1979, *Mixing in Inland and Coastal
Waters*, eq. 5.19): D = 0.011·u²·w² / (h·u*), u* = sqrt(g·h·S). Reservoirs are chains of
mixing cells over an active (flow-through) share of their volume (Levenspiel 1999,
*Chemical Reaction Engineering*, ch. 14, tanks-in-series model).

Measured velocity, width or depth (taken to describe mean flow) override the power laws;
the missing ones are completed by continuity Q = w·h·u where possible.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

import numpy as np

if TYPE_CHECKING:
    from webgis.hydro.network import PathSegment, RiverNetwork, TracePath

Season = Literal["dry", "normal", "flood"]
Case = Literal["expected", "worst"]
SEASONS: tuple[str, ...] = ("dry", "normal", "flood")
CASES: tuple[str, ...] = ("expected", "worst")


@dataclass(frozen=True, slots=True)
class HydraulicParams:
    """Coefficients of the hydraulic model, each with its source and plausible range."""

    # Downstream hydraulic geometry, SI units (Leopold & Maddock 1953: mean exponents
    # b≈0.5, f≈0.4, m≈0.1 for US rivers). a in 2..15 and c in 0.1..0.5 cover natural
    # channels; a=7, c=0.25 give w≈220 m, h≈4 m, u≈1.1 m/s at Q=1000 m³/s (Yellow River
    # at Lanzhou: ~1000 m³/s, 1–3 m/s) and w≈22 m, h≈0.6 m, u≈0.7 m/s at Q=10 m³/s.
    width_coef: float = 7.0
    width_exp: float = 0.5
    depth_coef: float = 0.25
    depth_exp: float = 0.4
    # At-a-station exponents (Leopold & Maddock 1953 averages: b=0.26, f=0.40, m=0.34),
    # applied to the season factor so that low and high flows change velocity most.
    station_width_exp: float = 0.26
    station_depth_exp: float = 0.40
    station_velocity_exp: float = 0.34
    # Energy slope when a reach has none (m/m): no single default, but the downstream
    # decrease of slope with discharge, S = coef·Q^exp clipped to [min, max]. coef=0.03,
    # exp=-0.6 give 5e-4 at 1000 m³/s (Yellow River at Lanzhou, ~3e-4..1e-3) and 7.5e-3 at
    # 10 m³/s (mountain tributaries 2e-3..2e-2). The bundled dataset gives every reach the
    # slope of its river or section (published fall / length, data/src/rivers/lengths.yaml):
    # this fallback serves imported reaches only. A steeper slope lowers D and raises
    # peaks (the safe side for concentrations).
    fallback_slope_coef: float = 0.03
    fallback_slope_exp: float = -0.6
    fallback_slope_min: float = 2e-4
    fallback_slope_max: float = 2e-2
    gravity_mps2: float = 9.81
    # Fischer et al. 1979, eq. 5.19; stated accurate within a factor of ~4.
    fischer_coef: float = 0.011
    # Field values range from ~0.05 m²/s in small streams to ~1500 m²/s in large rivers
    # (Fischer et al. 1979 table 5.3; Seo & Cheong 1998): results are clipped to this band.
    dispersion_min_m2s: float = 0.5
    dispersion_max_m2s: float = 1500.0
    # Reservoirs: flow-through share of the volume (dead water and deep layers do not
    # take part in a spill's passage). 10 % is a deliberately small, conservative default:
    # a smaller share means an earlier arrival and less dilution.
    reservoir_active_share: float = 0.10
    # one mixing cell per this length of reservoir; N cells ↔ Péclet ≈ 2N (Levenspiel).
    reservoir_cell_length_m: float = 2_000.0
    reservoir_max_cells: int = 60
    # Worst case: an upper-envelope velocity in the spirit of the "maximum probable
    # velocity" of Jobson (1996, USGS WRIR 96-4013), whose envelope lies 1.4–2.5× above
    # the peak velocity for most rivers; 1.5 is used (range 1.3–2.0). Dispersion halved
    # (within Fischer's factor-of-4 uncertainty) and half the reservoir active share.
    worst_velocity_factor: float = 1.5
    worst_dispersion_factor: float = 0.5
    worst_active_share_factor: float = 0.5
    # Calibration and ensemble factors (issue 16; webgis/hydro/calibration.py and
    # ensemble.py): channel velocity × velocity_factor, channel dispersion ×
    # dispersion_factor, reservoir active share × active_share_factor, per-reach loss
    # rates × loss_factor. All 1 by default, when they change nothing (x·1.0 is x,
    # bit for bit) and are not listed in the result's coefficients.
    velocity_factor: float = 1.0
    dispersion_factor: float = 1.0
    active_share_factor: float = 1.0
    loss_factor: float = 1.0
    # Today's flow (issue 16 item 5, webgis/hydro/today_flow.py): (reach index, today's
    # discharge / the season's) for the reaches a measured discharge changes; every other
    # reach keeps its season's. Applied like the season factor, with the at-a-station
    # exponents (the same reach at another flow). Empty by default; never cached per
    # network (each request has its own).
    flow_factors: tuple[tuple[int, float], ...] = ()

    @property
    def velocity_coef(self) -> float:
        """k = 1/(a·c), so that w·h·u = Q exactly."""
        return 1.0 / (self.width_coef * self.depth_coef)

    @property
    def velocity_exp(self) -> float:
        """m = 1 - b - f."""
        return 1.0 - self.width_exp - self.depth_exp

    def as_dict(self) -> dict[str, float]:
        """Coefficients for the result's ``model`` block (a new dict each call)."""
        return dict(_params_dict(self))


@lru_cache(maxsize=64)
def _params_dict(params: HydraulicParams) -> dict[str, float]:
    """:meth:`HydraulicParams.as_dict`, built once per (frozen) parameter set; callers get
    a copy."""
    d: dict[str, float] = asdict(params)
    del d["flow_factors"]  # the result states today's flow in its own block
    for name in FACTOR_FIELDS:  # shown only when a calibration or ensemble set them
        if d[name] == 1.0:
            del d[name]
    d["velocity_coef"] = params.velocity_coef
    d["velocity_exp"] = params.velocity_exp
    return d


DEFAULT_PARAMS = HydraulicParams()
FACTOR_FIELDS = ("velocity_factor", "dispersion_factor", "active_share_factor", "loss_factor")


@dataclass(frozen=True, slots=True)
class ReachHydraulics:
    """Hydraulics of one reach for one season and case (what GET /reaches/<id> returns)."""

    length_m: float
    discharge_m3s: float
    velocity_mps: float
    width_m: float
    depth_m: float
    dispersion_m2s: float
    slope: float
    is_reservoir: bool
    active_volume_m3: float | None
    n_cells: int
    residence_h: float


@dataclass(frozen=True, slots=True)
class HydraulicsArrays:
    """The same quantities for many reaches at once (numpy arrays, one row per reach)."""

    length_m: np.ndarray
    discharge_m3s: np.ndarray
    velocity_mps: np.ndarray
    width_m: np.ndarray
    depth_m: np.ndarray
    dispersion_m2s: np.ndarray
    slope: np.ndarray
    is_reservoir: np.ndarray
    active_volume_m3: np.ndarray
    n_cells: np.ndarray


def _check(season: str, case: str) -> None:
    if season not in SEASONS:
        raise ValueError(f"season must be one of {SEASONS}, not {season!r}")
    if case not in CASES:
        raise ValueError(f"case must be one of {CASES}, not {case!r}")


def fischer_dispersion_m2s(
    velocity_mps: np.ndarray,
    width_m: np.ndarray,
    depth_m: np.ndarray,
    slope: np.ndarray,
    params: HydraulicParams = DEFAULT_PARAMS,
) -> np.ndarray:
    """Fischer's longitudinal dispersion, clipped to the field range (see params)."""
    shear = np.sqrt(params.gravity_mps2 * depth_m * slope)
    d = params.fischer_coef * velocity_mps**2 * width_m**2 / (depth_m * shear)
    clipped: np.ndarray = np.clip(d, params.dispersion_min_m2s, params.dispersion_max_m2s)
    return clipped


def hydraulics_arrays(
    network: RiverNetwork,
    reach_idx: np.ndarray | Sequence[int],
    season: Season | str = "normal",
    case: Case | str = "expected",
    params: HydraulicParams = DEFAULT_PARAMS,
) -> HydraulicsArrays:
    """Vectorised hydraulics for the given reaches (see module docstring for the model).

    Every quantity is computed element by element, so the rows of the whole network are
    computed once per network, season, case and parameters (:func:`network_hydraulics`)
    and the given reaches are read from them: the same floats, at the cost of a fancy
    index per array.
    """
    _check(season, case)
    idx = np.asarray(reach_idx, dtype=np.int64)
    if params.flow_factors:  # one request's own flow: computed for these reaches only
        return _hydraulics_rows(network, idx, season, case, params)
    try:
        every = network_hydraulics(network, season, case, params)
    except TypeError:  # not weakly referenceable (a stand-in network): compute the rows
        return _hydraulics_rows(network, idx, season, case, params)
    return HydraulicsArrays(*(getattr(every, f.name)[idx] for f in fields(HydraulicsArrays)))


# network -> {(season, case, params): the hydraulics of every reach}, kept with the network
_EVERY: weakref.WeakKeyDictionary[
    RiverNetwork, dict[tuple[str, str, HydraulicParams], HydraulicsArrays]
] = weakref.WeakKeyDictionary()


def network_hydraulics(
    network: RiverNetwork,
    season: Season | str = "normal",
    case: Case | str = "expected",
    params: HydraulicParams = DEFAULT_PARAMS,
) -> HydraulicsArrays:
    """The hydraulics of every reach of ``network`` (computed once, kept with the network:
    the network's arrays do not change after it is built). Read it, do not change it."""
    _check(season, case)
    if params.flow_factors:  # one request's own flow: not kept with the network
        every = np.arange(network.length_m.size, dtype=np.int64)
        with np.errstate(all="ignore"):
            return _hydraulics_rows(network, every, season, case, params)
    per = _EVERY.get(network)
    if per is None:
        per = _EVERY.setdefault(network, {})
    key = (season, case, params)
    got = per.get(key)
    if got is None:
        every = np.arange(network.length_m.size, dtype=np.int64)
        # reaches no path uses may have no discharge: their rows are inf/NaN, never read
        with np.errstate(all="ignore"):
            got = per[key] = _hydraulics_rows(network, every, season, case, params)
    return got


def _hydraulics_rows(
    network: RiverNetwork, idx: np.ndarray, season: str, case: str, params: HydraulicParams
) -> HydraulicsArrays:
    """The model of the module docstring for the reaches ``idx``."""
    q_mean = network.discharge_m3s[idx]
    factor = network.season_factor[season][idx]
    if params.flow_factors:
        factor = factor * today_factors(params.flow_factors, network.length_m.size)[idx]
    q = q_mean * factor
    # measured values describe mean flow; scale them to the season like the power laws
    fw = factor**params.station_width_exp
    fh = factor**params.station_depth_exp
    fu = factor**params.station_velocity_exp
    w_hg = params.width_coef * q_mean**params.width_exp * fw
    # depth from continuity h = Q/(u·w); with power-law u and w this is c·Q^f exactly
    u_hg = params.velocity_coef * q_mean**params.velocity_exp * fu
    w_m = network.width_m[idx] * fw
    h_m = network.depth_m[idx] * fh
    u_m = network.velocity_mps[idx] * fu
    has_w, has_h, has_u = np.isfinite(w_m), np.isfinite(h_m), np.isfinite(u_m)
    with np.errstate(invalid="ignore", divide="ignore"):
        u = np.where(has_u, u_m, np.where(has_w & has_h, q / (w_m * h_m), u_hg))
        w = np.where(has_w, w_m, np.where(has_h, q / (u * h_m), w_hg))
        h = np.where(has_h, h_m, q / (u * w))
    slope = network.slope[idx]
    fallback = np.clip(params.fallback_slope_coef * q_mean**params.fallback_slope_exp,
                       params.fallback_slope_min, params.fallback_slope_max)
    slope = np.where(np.isfinite(slope) & (slope > 0), slope, fallback)
    d = fischer_dispersion_m2s(u, w, h, slope, params)

    length = network.length_m[idx]
    res = network.is_reservoir[idx]
    share = network.active_share[idx]
    share = np.where(np.isfinite(share) & (share > 0), share, params.reservoir_active_share)
    if params.velocity_factor != 1.0:  # channels only: a reservoir's comes from its share
        u = u * params.velocity_factor
    if params.dispersion_factor != 1.0:
        d = np.maximum(d * params.dispersion_factor, params.dispersion_min_m2s)
    if params.active_share_factor != 1.0:
        share = np.minimum(share * params.active_share_factor, 1.0)
    if case == "worst":
        u = u * params.worst_velocity_factor
        d = np.maximum(d * params.worst_dispersion_factor, params.dispersion_min_m2s)
        share = share * params.worst_active_share_factor
    active = np.where(res, network.volume_m3[idx] * share, np.nan)
    cells = np.where(
        res,
        np.clip(np.rint(length / params.reservoir_cell_length_m), 1, params.reservoir_max_cells),
        0,
    ).astype(np.int64)
    if res.any():
        # plug-flow-equivalent velocity and the dispersion equivalent to N tanks
        with np.errstate(invalid="ignore", divide="ignore"):
            theta = active / q
            u_res = length / theta
            area = active / np.where(length > 0, length, 1.0)
            u = np.where(res, u_res, u)
            h = np.where(res, area / w, h)
            d = np.where(res, u_res * length / (2.0 * np.maximum(cells, 1)), d)
    return HydraulicsArrays(
        length_m=length,
        discharge_m3s=q,
        velocity_mps=u,
        width_m=w,
        depth_m=h,
        dispersion_m2s=d,
        slope=slope,
        is_reservoir=res,
        active_volume_m3=active,
        n_cells=cells,
    )


def today_factors(flow_factors: tuple[tuple[int, float], ...], n: int) -> np.ndarray:
    """Today's discharge over the season's for every one of ``n`` reaches (1 where none
    is given)."""
    out = np.ones(n)
    if flow_factors:
        at, f = zip(*flow_factors, strict=True)
        out[np.asarray(at, dtype=np.int64)] = np.asarray(f, dtype=np.float64)
    return out


def reach_hydraulics(
    network: RiverNetwork,
    reach_idx: int,
    season: Season | str = "normal",
    case: Case | str = "expected",
    params: HydraulicParams = DEFAULT_PARAMS,
) -> ReachHydraulics:
    """Hydraulics of one reach (for GET /api/v1/reaches/<id>?season=...)."""
    a = hydraulics_arrays(network, [reach_idx], season, case, params)
    active = float(a.active_volume_m3[0])
    u = float(a.velocity_mps[0])
    return ReachHydraulics(
        length_m=float(a.length_m[0]),
        discharge_m3s=float(a.discharge_m3s[0]),
        velocity_mps=u,
        width_m=float(a.width_m[0]),
        depth_m=float(a.depth_m[0]),
        dispersion_m2s=float(a.dispersion_m2s[0]),
        slope=float(a.slope[0]),
        is_reservoir=bool(a.is_reservoir[0]),
        active_volume_m3=None if math.isnan(active) else active,
        n_cells=int(a.n_cells[0]),
        residence_h=float(a.length_m[0]) / u / 3600.0 if u > 0 else math.inf,
    )


@dataclass(frozen=True, slots=True)
class PathHydraulics:
    """Per-segment hydraulics along a traced path, ready for the transport model.

    ``start_m`` is the distance of each segment's upstream end from the spill point.
    For reservoir segments ``theta_s`` is the residence time over the active volume of
    the traversed part and ``n_cells`` its number of mixing cells.
    """

    start_m: np.ndarray
    length_m: np.ndarray
    velocity_mps: np.ndarray
    dispersion_m2s: np.ndarray
    discharge_m3s: np.ndarray
    is_reservoir: np.ndarray
    theta_s: np.ndarray
    n_cells: np.ndarray

    @property
    def total_m(self) -> float:
        """Length of the whole path."""
        return float(self.start_m[-1] + self.length_m[-1]) if self.length_m.size else 0.0


def path_hydraulics(
    network: RiverNetwork,
    path: Sequence[PathSegment] | TracePath,
    season: Season | str = "normal",
    case: Case | str = "expected",
    params: HydraulicParams = DEFAULT_PARAMS,
) -> PathHydraulics:
    """Hydraulics of every segment of a trace (partial reaches take their share)."""
    arrays = getattr(path, "arrays", None)
    if arrays is not None:  # a TracePath: no per-segment objects needed
        idx, m0, m1, start, end = arrays()
        frac, length = m1 - m0, end - start
    else:
        idx = np.fromiter((s.reach_idx for s in path), np.int64, len(path))
        frac = np.fromiter((s.to_measure - s.from_measure for s in path), np.float64, len(path))
        start = np.fromiter((s.from_km for s in path), np.float64, len(path)) * 1000.0
        length = np.fromiter((s.to_km - s.from_km for s in path), np.float64, len(path)) * 1000.0
    a = hydraulics_arrays(network, idx, season, case, params)
    res = a.is_reservoir
    with np.errstate(invalid="ignore", divide="ignore"):
        theta = np.where(res, a.active_volume_m3 * frac / a.discharge_m3s, 0.0)
    cells = np.where(res, np.maximum(np.rint(a.n_cells * frac), 1), 0).astype(np.int64)
    return PathHydraulics(
        start_m=start,
        length_m=length,
        velocity_mps=a.velocity_mps,
        dispersion_m2s=a.dispersion_m2s,
        discharge_m3s=a.discharge_m3s,
        is_reservoir=res,
        theta_s=theta,
        n_cells=cells,
    )

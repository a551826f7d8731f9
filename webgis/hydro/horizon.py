"""Where the reported path ends (the horizon) and where along it the profile is sampled."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from webgis.hydro.hydraulics import PathHydraulics
from webgis.hydro.network import PathSegment, RiverNetwork
from webgis.hydro.transport import LEADING_EDGE_FRACTION

# Upper bound of any river velocity, used only to bound the length of the trace that is
# then cut at the horizon (the fastest Gansu reaches run at 3–4 m/s in flood).
TRACE_VELOCITY_BOUND_MPS = 10.0
#: z of the Gaussian leading edge: exp(−z²/2) = LEADING_EDGE_FRACTION of the peak
LEADING_EDGE_Z = math.sqrt(-2.0 * math.log(LEADING_EDGE_FRACTION))


def moment_cut(h: PathHydraulics, horizon_s: float) -> int:
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
    lead = tau - LEADING_EDGE_Z * np.sqrt(var)
    beyond = np.flatnonzero(lead > horizon_s)
    if beyond.size == 0:
        return h.length_m.size
    return min(int(beyond[0]) + 2, h.length_m.size)


def cut_path(path: list[PathSegment], network: RiverNetwork, km: float) -> list[PathSegment]:
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


# spacings (km) of the profile stations fixed on each reach below a cached transfer
_STATION_SPACINGS_KM = (0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0)


def profile_km(
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


def arrival_profile(arrival_h: np.ndarray, km: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(km, arrival h) from the spill on: the arrivals made non-decreasing downstream (a
    leading edge never reaches a station before one upstream of it)."""
    return np.concatenate(([0.0], km)), np.concatenate(([0.0], np.maximum.accumulate(arrival_h)))

"""A closed-form stand-in for the transport at a few stations, vectorised over parameter
sets: what calibration (thousands of evaluations) and the ensemble (hundreds of members)
need, where running :func:`~webgis.hydro.incident.run_incident` each time is too slow.

Per station it keeps the travel-time moments of the path above it, split into channel
and reservoir parts, so that the uncertain factors act on them in closed form:

* channels: τ = Σ L/u, S = Σ 2·D·L/u³ (docs/model.md §3); velocity × f_v and dispersion
  × f_d give τ/f_v and S·f_d/f_v³ (S·max(f_d, 1)/f_v³ where D is at the model's floor,
  which a smaller factor cannot lower);
* reservoirs: the tanks-in-series moments Σ j·θ_c and Σ j·θ_c² (θ ∝ active share, so
  × f_a and × f_a²);
* the loss exponent Σ k·τ per part, × f_k and divided by f_v (channels) or × f_a
  (reservoirs); the dilution Q_mix, the largest discharge met so far (as the model).

The flux is the channel kernel f(t; τ, S) of the whole path (one inverse-Gaussian-shaped
kernel with the path's total moments: exact on channel paths, a moment match through
reservoirs), integrated over a box release of duration T. The surrogate is used for the
*changes* the factors make; the reported curves stay the full model's (the ensemble
scales them by the surrogate's ratios, the calibration re-runs the full model with the
fitted values).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from webgis.hydro.hydraulics import DEFAULT_PARAMS, PathHydraulics
from webgis.hydro.transport.curves import LEADING_EDGE_FRACTION
from webgis.hydro.transport.kernels import channel_cdf, channel_pdf

#: releases shorter than this are taken as instantaneous (the pdf, not a box)
PULSE_S = 1.0


@dataclass(frozen=True, slots=True)
class StationMoments:
    """The path above each station (arrays, one row per station; times in s)."""

    km: np.ndarray
    tau_ch_s: np.ndarray
    var_ch_s2: np.ndarray  # channels whose dispersion lies above the model's floor
    tau_res_s: np.ndarray
    var_res_s2: np.ndarray
    q_mix_m3s: np.ndarray
    loss_ch: np.ndarray  # Σ k·τ over channel parts (dimensionless)
    loss_res: np.ndarray  # Σ k·θ over reservoir parts
    # channels at the dispersion floor (0.5 m²/s): a factor < 1 cannot lower their D
    var_floor_s2: np.ndarray

    @property
    def size(self) -> int:
        return int(self.km.size)


@dataclass(frozen=True, slots=True)
class Factors:
    """Parameter sets (arrays broadcast together, one value per member or per fit
    evaluation): species mass (kg), start offset (s), duration (s) and the factors."""

    mass_kg: np.ndarray
    start_s: np.ndarray
    duration_s: np.ndarray
    velocity: np.ndarray
    dispersion: np.ndarray
    active_share: np.ndarray
    loss: np.ndarray

    @classmethod
    def of(cls, mass_kg: float | np.ndarray, start_s: float | np.ndarray = 0.0,
           duration_s: float | np.ndarray = 0.0, velocity: float | np.ndarray = 1.0,
           dispersion: float | np.ndarray = 1.0, active_share: float | np.ndarray = 1.0,
           loss: float | np.ndarray = 1.0) -> Factors:
        arrays = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (
            mass_kg, start_s, duration_s, velocity, dispersion, active_share, loss)))
        return cls(*arrays)

    @property
    def size(self) -> int:
        return int(self.mass_kg.size)


def station_moments(hyd: PathHydraulics, k_seg_per_s: np.ndarray,
                    km: Sequence[float] | np.ndarray,
                    dispersion_min_m2s: float = DEFAULT_PARAMS.dispersion_min_m2s
                    ) -> StationMoments:
    """The moments of the path from the spill down to each of ``km`` (km from the spill),
    a station inside a segment taking its share (a reservoir: the cells above it, as
    :meth:`PlumeModel.moments_at`)."""
    pos_m = np.asarray(km, dtype=np.float64) * 1000.0
    n_seg = hyd.length_m.size
    res = hyd.is_reservoir.astype(bool)
    u = np.where(res, 1.0, hyd.velocity_mps)
    tau_seg = np.where(res, 0.0, hyd.length_m / u)
    var_all = np.where(res, 0.0, 2.0 * hyd.dispersion_m2s * hyd.length_m / u**3)
    at_floor = ~res & (hyd.dispersion_m2s <= dispersion_min_m2s * (1.0 + 1e-9))
    var_seg = np.where(at_floor, 0.0, var_all)
    var_fl = np.where(at_floor, var_all, 0.0)
    cells = np.maximum(hyd.n_cells, 1).astype(np.float64)
    theta_c = np.where(res, hyd.theta_s / cells, 0.0)
    k = np.asarray(k_seg_per_s, dtype=np.float64)
    k = np.broadcast_to(k, (n_seg,)) if k.size in (0, 1) and n_seg else k

    def before(v: np.ndarray) -> np.ndarray:  # sums over the whole segments above
        return np.concatenate(([0.0], np.cumsum(v)))

    seg = np.clip(np.searchsorted(hyd.start_m, pos_m, side="right") - 1, 0, max(n_seg - 1, 0))
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.clip((pos_m - hyd.start_m[seg]) / hyd.length_m[seg], 0.0, 1.0)
    frac = np.where(np.isfinite(frac), frac, 0.0)
    part_cells = np.where(res[seg], np.ceil(frac * cells[seg] - 1e-9), 0.0)
    tau_ch = before(tau_seg)[seg] + frac * tau_seg[seg]
    var_ch = before(var_seg)[seg] + frac * var_seg[seg]
    var_floor = before(var_fl)[seg] + frac * var_fl[seg]
    full_res_tau = np.where(res, hyd.theta_s, 0.0)
    full_res_var = np.where(res, cells * theta_c**2, 0.0)
    tau_res = before(full_res_tau)[seg] + part_cells * theta_c[seg]
    var_res = before(full_res_var)[seg] + part_cells * theta_c[seg] ** 2
    loss_ch = before(k * tau_seg)[seg] + frac * (k * tau_seg)[seg]
    loss_res = before(k * full_res_tau)[seg] + frac * (k * full_res_tau)[seg]
    q_mix = np.maximum.accumulate(hyd.discharge_m3s)[seg]
    return StationMoments(pos_m / 1000.0, tau_ch, var_ch, tau_res, var_res, q_mix,
                          loss_ch, loss_res, var_floor)


def moments(st: StationMoments, f: Factors, rows: np.ndarray | slice = slice(None)
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(τ s, S s², surviving share) at stations ``rows`` under ``f`` (broadcast:
    factors shaped (m, 1) against stations (n,) give (m, n))."""
    tau = st.tau_ch_s[rows] / f.velocity + st.tau_res_s[rows] * f.active_share
    var = ((st.var_ch_s2[rows] * f.dispersion
            + st.var_floor_s2[rows] * np.maximum(f.dispersion, 1.0)) / f.velocity**3
           + st.var_res_s2[rows] * f.active_share**2)
    share = np.exp(-f.loss * (st.loss_ch[rows] / f.velocity + st.loss_res[rows] * f.active_share))
    return tau, var, share


def conc_mgl(st: StationMoments, f: Factors, station: np.ndarray, t_s: np.ndarray
             ) -> np.ndarray:
    """Concentration (mg/L) at times ``t_s`` (s from the nominal release start) at the
    stations ``station`` (indices), for every parameter set of ``f`` (broadcast, e.g.
    f shaped (m, 1) against (n_obs,) readings gives (m, n_obs))."""
    tau, var, share = moments(st, f, station)
    tau = np.maximum(tau, 1e-6)
    var = np.maximum(var, 1e-6)
    t = t_s - f.start_s
    dur = f.duration_s
    scale = f.mass_kg * 1e3 * share / st.q_mix_m3s[station]  # kg/s per m³/s -> mg/L
    box = dur >= PULSE_S
    out = np.zeros(np.broadcast_shapes(np.shape(t), np.shape(tau), np.shape(dur)))
    if np.any(box):
        d = np.where(box, dur, 1.0)
        t, d, tau, var = np.broadcast_arrays(t, d, tau, var)
        both = channel_cdf(np.stack((t, t - d)), tau[None], var[None])  # one call, two ends
        flux = (both[0] - both[1]) / d
        out = np.where(box, flux, out)
    if not np.all(box):
        out = np.where(box, out, channel_pdf(t, tau, var))
    result: np.ndarray = np.maximum(out, 0.0) * scale
    return result


#: samples per curve when statistics are read from the surrogate
STAT_POINTS = 240


#: parameter sets evaluated at once (members × stations × STAT_POINTS doubles, a few
#: arrays of them at a time: ~10 MB per array for 30 stations)
CHUNK = 200
_FIELDS = ("mass_kg", "start_s", "duration_s", "velocity", "dispersion", "active_share", "loss")


def arrival_peak(st: StationMoments, f: Factors) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(arrival h, peak time h, peak mg/L), shaped (m, n) for m parameter sets and the n
    stations, read from sampled curves like the model's (arrival: first time at 1 % of
    the local peak, interpolated; start offsets included). Evaluated :data:`CHUNK`
    parameter sets at a time, so that large ensembles stay within memory."""
    flat = [np.asarray(getattr(f, name), dtype=np.float64).reshape(-1) for name in _FIELDS]
    m = flat[0].size
    parts = [_arrival_peak(st, Factors(*(a[i:i + CHUNK] for a in flat)))
             for i in range(0, max(m, 1), CHUNK)]
    a, p, c = (np.concatenate([part[k] for part in parts]) for k in range(3))
    return a, p, c


def _arrival_peak(st: StationMoments, f: Factors) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    fm = Factors(*(np.asarray(getattr(f, name)).reshape(-1, 1, 1) for name in _FIELDS))
    tau, var, _ = moments(st, fm, np.arange(st.size).reshape(-1, 1))
    sd = np.sqrt(np.maximum(var, 1e-6))
    lo = np.maximum(tau - 6.0 * sd, 0.0)
    hi = tau + 10.0 * sd + np.where(fm.duration_s >= PULSE_S, fm.duration_s, 0.0)
    z = np.linspace(0.0, 1.0, STAT_POINTS)
    t_rel = lo + (hi - lo) * z  # (m, n, p) times after the start
    station = np.arange(st.size).reshape(1, -1, 1)
    c = conc_mgl(st, fm, station, t_rel + fm.start_s)
    i_peak = np.argmax(c, axis=2)
    peak = np.take_along_axis(c, i_peak[..., None], axis=2)[..., 0]
    t_peak = np.take_along_axis(t_rel, i_peak[..., None], axis=2)[..., 0]
    above = c >= LEADING_EDGE_FRACTION * peak[..., None]
    i1 = np.argmax(above, axis=2)
    i0 = np.maximum(i1 - 1, 0)
    c0 = np.take_along_axis(c, i0[..., None], axis=2)[..., 0]
    c1 = np.take_along_axis(c, i1[..., None], axis=2)[..., 0]
    t0 = np.take_along_axis(t_rel, i0[..., None], axis=2)[..., 0]
    t1 = np.take_along_axis(t_rel, i1[..., None], axis=2)[..., 0]
    level = LEADING_EDGE_FRACTION * peak
    with np.errstate(invalid="ignore", divide="ignore"):
        w = np.where(c1 > c0, (level - c0) / (c1 - c0), 1.0)
    arrival = t0 + np.clip(w, 0.0, 1.0) * (t1 - t0)
    start = fm.start_s[..., 0]
    return (arrival + start) / 3600.0, (t_peak + start) / 3600.0, peak


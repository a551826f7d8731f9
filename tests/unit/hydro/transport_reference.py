"""The transport core as of commit 64cc9a6 (per-position FFT convolutions on fine grids).

Kept as a slow reference for tests/unit/hydro/test_hydro_transport_grid.py, which checks
that the faster gridded transport gives the same arrivals and peaks. The only change is
``_REFINE``, a factor on the reservoir grids' resolution (1 = as shipped), so that the
reference can be run finer than its own discretisation error. Not for the product.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from webgis.hydro.hydraulics import PathHydraulics

# Leading edge = first time the concentration reaches this fraction of the local peak.
# Jobson (1996) reports the leading edge at ~0.89 of the peak travel time for observed
# dye clouds; 1 % of the peak is the usual "first detectable" definition in tracer work.
LEADING_EDGE_FRACTION = 0.01
# z such that a Gaussian falls to 1 % of its peak: exp(-z²/2) = 0.01
_LE_Z = math.sqrt(-2.0 * math.log(LEADING_EDGE_FRACTION))
# curves are cut where they fall below this fraction of their peak
_TRIM_FRACTION = 1e-4
_MAX_GRID = 4096
_REFINE = 1.0
_MG_PER_KG_OVER_L_PER_M3 = 1_000.0  # kg/m³ -> mg/L


_ERFC_COEFS = (
    0.17087277,
    -0.82215223,
    1.48851587,
    -1.13520398,
    0.27886807,
    -0.18628806,
    0.09678418,
    0.37409196,
    1.00002368,
)


def erfcx(x: np.ndarray) -> np.ndarray:
    """Scaled complementary error function exp(x²)·erfc(x) for x ≥ 0.

    Chebyshev fit of Numerical Recipes (Press et al. 2007, §6.2, ``erfccheb``-style),
    fractional error < 1.2e-7 everywhere, without overflow for large x.
    """
    t = 1.0 / (1.0 + 0.5 * x)
    poly = np.zeros_like(t)
    for coef in _ERFC_COEFS:
        poly = poly * t + coef
    poly = poly * t - 1.26551223
    return t * np.exp(poly)


def _exp_erfc(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """exp(a)·erfc(b) without overflow or 0·inf (one erfcx evaluation)."""
    ab = np.abs(b)
    r = erfcx(ab)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        e = np.exp(a - ab * ab)
        neg = np.exp(a) * 2.0 - e * r
    return np.where(b >= 0, e * r, neg)


def channel_pdf(t: np.ndarray, tau: np.ndarray, var: np.ndarray, k: float = 0.0) -> np.ndarray:
    """f(t; tau, S)·exp(-k t): flux response (1/s) to a unit instantaneous release."""
    t = np.asarray(t, dtype=np.float64)
    tt = np.maximum(t, 1e-300)
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        f = np.sqrt(tau / (2.0 * np.pi * var * tt)) * np.exp(
            -tau * (tt - tau) ** 2 / (2.0 * var * tt) - k * tt
        )
    return np.where(t > 0, f, 0.0)


def channel_cdf(t: np.ndarray, tau: np.ndarray, var: np.ndarray, k: float = 0.0) -> np.ndarray:
    """∫₀ᵗ f(s; tau, S)·exp(-k s) ds in closed form (fraction of the mass passed by t).

    Uses the equivalent uniform channel u = 1, x = tau, D = S/(2 tau) and the classical
    result ½/w·[e^{x(u-w)/2D} erfc((x-wt)/2√(Dt)) - e^{x(u+w)/2D} erfc((x+wt)/2√(Dt))],
    w = sqrt(u² + 4kD).
    """
    t = np.asarray(t, dtype=np.float64)
    tt = np.maximum(t, 1e-300)
    d = var / (2.0 * tau)
    w = np.sqrt(1.0 + 4.0 * k * d)
    s = 2.0 * np.sqrt(d * tt)
    first = _exp_erfc(tau * (1.0 - w) / (2.0 * d), (tau - w * tt) / s)
    second = _exp_erfc(tau * (1.0 + w) / (2.0 * d), (tau + w * tt) / s)
    g = (first - second) / (2.0 * w)
    return np.where(t > 0, np.clip(g, 0.0, None), 0.0)


def _erlang_cdf(j: int, x: np.ndarray) -> np.ndarray:
    """Regularised lower incomplete gamma P(j, x) for integer j ≥ 1 (Erlang CDF)."""
    x = np.maximum(np.asarray(x, dtype=np.float64), 0.0)
    i = np.arange(j, dtype=np.float64)[:, None]
    lgam = np.array([math.lgamma(v + 1.0) for v in range(j)])[:, None]
    with np.errstate(divide="ignore", under="ignore"):
        logx = np.log(np.where(x > 0, x, 1.0))
        terms = np.exp(i * logx[None, :] - x[None, :] - lgam)
    q = np.where(x > 0, terms.sum(axis=0), 1.0)
    return np.clip(1.0 - q, 0.0, 1.0)


def _convolve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Full linear convolution, direct for small inputs, FFT otherwise."""
    if a.size * b.size <= 250_000:
        return np.convolve(a, b)
    n = a.size + b.size - 1
    nfft = 1 << (n - 1).bit_length()
    out = np.fft.irfft(np.fft.rfft(a, nfft) * np.fft.rfft(b, nfft), nfft)[:n]
    return np.maximum(out, 0.0)


@dataclass(frozen=True, slots=True)
class Curve:
    """Concentration–time curve at one position (hours since release, mg/L)."""

    times_h: np.ndarray
    conc_mgl: np.ndarray
    arrival_h: float
    peak_h: float
    peak_conc_mgl: float

    def exceed_hours(self, limit_mgl: float | None) -> float:
        """Total time the curve is above ``limit_mgl`` (linear between samples)."""
        if limit_mgl is None or self.peak_conc_mgl <= limit_mgl or self.times_h.size < 2:
            return 0.0
        t, d = self.times_h, self.conc_mgl - limit_mgl
        pos = d > 0
        total = float(np.diff(t)[pos[:-1] & pos[1:]].sum())
        for k in np.flatnonzero(pos[:-1] != pos[1:]).tolist():
            # the part of [t_k, t_k+1] above the limit, by linear interpolation
            d0, d1 = float(d[k]), float(d[k + 1])
            frac = d0 / (d0 - d1) if d0 > 0 else d1 / (d1 - d0)
            total += frac * float(t[k + 1] - t[k])
        return total

    def points(self, max_points: int = 160) -> list[list[float]]:
        """[[hour, mg/L], ...] for drawing, resampled to at most ``max_points``."""
        t, c = self.times_h, self.conc_mgl
        if t.size > max_points:
            tn = np.linspace(t[0], t[-1], max_points)
            # keep the exact peak in the series
            tn = np.union1d(tn, [self.peak_h])
            c = np.interp(tn, t, c)
            c[np.searchsorted(tn, self.peak_h)] = self.peak_conc_mgl
            t = tn
        return np.column_stack((np.round(t, 4), c)).tolist()


def _curve_stats(t: np.ndarray, c: np.ndarray) -> tuple[float, float, float]:
    """(arrival, peak time, peak conc) with parabolic refinement of the peak."""
    i = int(np.argmax(c))
    cmax = float(c[i])
    if cmax <= 0:
        return math.nan, math.nan, 0.0
    tp, cp = float(t[i]), cmax
    if 0 < i < c.size - 1 and c[i - 1] > 0 and c[i + 1] > 0:
        # parabola through the log-concentrations (exact for a Gaussian peak)
        y0, y1, y2 = math.log(c[i - 1]), math.log(c[i]), math.log(c[i + 1])
        h0, h1 = t[i] - t[i - 1], t[i + 1] - t[i]
        if abs(h0 - h1) <= 1e-9 * max(h0, h1):
            den = y0 - 2 * y1 + y2
            if den < 0:
                off = 0.5 * (y0 - y2) / den
                refined = math.exp(y1 - 0.25 * (y0 - y2) * off)
                # a smooth peak gains < 0.5 % at our sampling; more means a kink (the end
                # of a plateau), where the parabola does not apply
                if abs(off) <= 1 and refined <= 1.005 * cmax:
                    tp = float(t[i] + off * h0)
                    cp = float(refined)
    thr = LEADING_EDGE_FRACTION * cp
    above = np.flatnonzero(c >= thr)
    k = int(above[0]) if above.size else i
    if k == 0:
        arr = float(t[0])
    else:
        c0, c1 = c[k - 1], c[k]
        arr = float(t[k - 1] + (thr - c0) / (c1 - c0) * (t[k] - t[k - 1]))
    return arr, tp, cp


def _curve_stats_rows(t: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, ...]:
    """:func:`_curve_stats` for many uniformly sampled curves (rows) at once."""
    m, n = c.shape
    rows = np.arange(m)
    i = np.argmax(c, axis=1)
    cmax = c[rows, i]
    ti = t[rows, i]
    c0 = c[rows, np.maximum(i - 1, 0)]
    c2 = c[rows, np.minimum(i + 1, n - 1)]
    ok = (i > 0) & (i < n - 1) & (c0 > 0) & (c2 > 0) & (cmax > 0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        y0 = np.log(np.where(ok, c0, 1.0))
        y1 = np.log(np.where(ok, cmax, 1.0))
        y2 = np.log(np.where(ok, c2, 1.0))
        den = y0 - 2.0 * y1 + y2
        off = np.where(den < 0, 0.5 * (y0 - y2) / np.where(den < 0, den, -1.0), 0.0)
        refined = np.exp(y1 - 0.25 * (y0 - y2) * off)
    good = ok & (den < 0) & (np.abs(off) <= 1.0) & (refined <= 1.005 * cmax)
    step = t[:, 1] - t[:, 0]
    tp = np.where(good, ti + off * step, ti)
    cp = np.where(good, refined, cmax)
    thr = LEADING_EDGE_FRACTION * cp
    k = np.argmax(c >= thr[:, None], axis=1)
    km = np.maximum(k - 1, 0)
    ca, cb = c[rows, km], c[rows, k]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(cb > ca, (thr - ca) / (cb - ca), 0.0)
    arr = np.where(k == 0, t[:, 0], t[rows, km] + frac * (t[rows, k] - t[rows, km]))
    arr = np.where(cmax > 0, arr, np.nan)
    return arr, tp, cp


def _trim(t: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cut a sampled curve to where it exceeds a tiny fraction of its peak."""
    cmax = c.max() if c.size else 0.0
    if cmax <= 0:
        return t[:1], c[:1]
    idx = np.flatnonzero(c >= _TRIM_FRACTION * cmax)
    a, b = max(int(idx[0]) - 1, 0), min(int(idx[-1]) + 2, c.size)
    return t[a:b], c[a:b]


@dataclass(slots=True)
class _GridState:
    """Mass flux (kg/s) sampled every ``dt_s`` from ``t0_s`` at a reference position."""

    t0_s: float
    dt_s: float
    flux: np.ndarray

    @property
    def times(self) -> np.ndarray:
        return self.t0_s + self.dt_s * np.arange(self.flux.size)


@dataclass
class PlumeModel:
    """Transport of one release along one path with one set of hydraulics.

    Build it once per (path, hydraulics, release) and ask :meth:`curves` for any list of
    positions (metres from the spill point along the path).
    """

    hydraulics: PathHydraulics
    mass_kg: float
    duration_s: float = 0.0
    decay_per_s: float = 0.0
    _q_mix: np.ndarray = field(init=False, repr=False)
    _tau0: np.ndarray = field(init=False, repr=False)
    _var0: np.ndarray = field(init=False, repr=False)
    _state_of: np.ndarray = field(init=False, repr=False)
    _states: list[_GridState | None] = field(init=False, repr=False)
    _inflows: dict[int, _GridState] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not (self.mass_kg > 0 and math.isfinite(self.mass_kg)):
            raise ValueError("mass_kg must be a positive finite number")
        if self.duration_s < 0 or self.decay_per_s < 0:
            raise ValueError("duration and decay must not be negative")
        h = self.hydraulics
        n = h.length_m.size
        self._q_mix = np.maximum.accumulate(h.discharge_m3s) if n else np.zeros(0)
        self._tau0 = np.zeros(n)
        self._var0 = np.zeros(n)
        self._state_of = np.zeros(n, dtype=np.int64)
        self._states = [None]  # state 0: the analytic release at the spill point
        self._inflows = {}
        tau, var, state = 0.0, 0.0, 0
        for i in range(n):
            self._tau0[i], self._var0[i], self._state_of[i] = tau, var, state
            if h.is_reservoir[i]:
                inflow = self._grid_at(state, tau, var, i)
                self._inflows[i] = inflow
                self._states.append(self._reservoir(inflow, i, int(h.n_cells[i])))
                state += 1
                tau, var = 0.0, 0.0
            else:
                u, d, length = h.velocity_mps[i], h.dispersion_m2s[i], h.length_m[i]
                tau += length / u
                var += 2.0 * d * length / u**3

    # -------------------------------------------------------------- analytic release
    def _release_flux(self, t: np.ndarray, tau: np.ndarray, var: np.ndarray) -> np.ndarray:
        """Mass flux (kg/s) at travel-time moments (tau, var) from the spill itself."""
        k, dur = self.decay_per_s, self.duration_s
        sigma = np.sqrt(var)
        if dur <= 0:
            return self.mass_kg * channel_pdf(t, tau, var, k)
        rate = self.mass_kg / dur
        box = rate * (channel_cdf(t, tau, var, k) - channel_cdf(t - dur, tau, var, k))
        # a release much shorter than the cloud's spread is an instantaneous one at T/2
        short = dur < 1e-2 * sigma
        if np.any(short):
            inst = self.mass_kg * channel_pdf(t - 0.5 * dur, tau, var, k) * math.exp(0.5 * k * dur)
            box = np.where(short, inst, box)
        return box

    def _window(self, tau: np.ndarray, var: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """A time window that surely contains the passage (the curve is then trimmed)."""
        sigma = np.sqrt(var)
        lo = np.maximum(tau - 7.0 * sigma, 0.0)
        hi = tau + self.duration_s + 8.0 * sigma + 40.0 * var / np.maximum(tau, 1e-9)
        return lo, hi

    def _analytic_curves(
        self, tau: np.ndarray, var: np.ndarray, q: np.ndarray, npts: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Sampled curves (s, mg/L; one row per position), two passes to zoom in."""
        lo, hi = self._window(tau, var)
        frac = np.linspace(0.0, 1.0, 64)
        t = lo[:, None] + (hi - lo)[:, None] * frac[None, :]
        c = self._release_flux(t, tau[:, None], var[:, None])
        cmax = c.max(axis=1, keepdims=True)
        ok = c >= _TRIM_FRACTION * np.maximum(cmax, 1e-300)
        first = np.argmax(ok, axis=1)
        last = c.shape[1] - 1 - np.argmax(ok[:, ::-1], axis=1)
        rows = np.arange(c.shape[0])
        lo2 = t[rows, np.maximum(first - 1, 0)]
        hi2 = t[rows, np.minimum(last + 1, c.shape[1] - 1)]
        frac2 = np.linspace(0.0, 1.0, npts)
        t2 = lo2[:, None] + (hi2 - lo2)[:, None] * frac2[None, :]
        c2 = self._release_flux(t2, tau[:, None], var[:, None])
        return t2, _MG_PER_KG_OVER_L_PER_M3 * c2 / q[:, None]

    # -------------------------------------------------------------- gridded states
    def _channel_kernel(self, tau: float, var: float, dt: float) -> tuple[int, np.ndarray]:
        """Bin-integrated channel response on a grid: (first bin, weights)."""
        k = self.decay_per_s
        if tau <= 0 or var <= 0:
            return 0, np.array([1.0])
        sigma = math.sqrt(var)
        lo = max(tau - 8.0 * sigma, 0.0)
        hi = tau + 8.0 * sigma + 40.0 * var / tau
        j0 = int(lo // dt)
        j1 = int(math.ceil(hi / dt)) + 1
        edges = (np.arange(j0, j1 + 1) - 0.5) * dt
        cdf = channel_cdf(np.maximum(edges, 0.0), np.array(tau), np.array(var), k)
        return j0, np.diff(cdf)

    def _route(self, state: _GridState, tau: float, var: float) -> _GridState:
        """A gridded flux routed through a channel of moments (tau, var)."""
        j0, w = self._channel_kernel(tau, var, state.dt_s)
        if tau > 0 and var <= 0:
            w = w * math.exp(-self.decay_per_s * tau)
            j0 = int(round(tau / state.dt_s))
        out = _convolve(state.flux, w)
        return _GridState(state.t0_s + j0 * state.dt_s, state.dt_s, out)

    def _route_many(
        self, state: _GridState, taus: np.ndarray, varis: np.ndarray
    ) -> list[_GridState]:
        """:meth:`_route` for many positions at once (one batched kernel evaluation)."""
        dt = state.dt_s
        live = (taus > 0) & (varis > 0)
        safe_tau = np.where(live, taus, 1.0)
        safe_var = np.where(live, varis, 1.0)
        sigma = np.sqrt(safe_var)
        lo = np.maximum(safe_tau - 8.0 * sigma, 0.0)
        hi = safe_tau + 8.0 * sigma + 40.0 * safe_var / safe_tau
        j0 = np.floor(lo / dt).astype(np.int64)
        nk = (np.ceil(hi / dt).astype(np.int64) + 2 - j0).max()
        edges = (j0[:, None] + np.arange(nk + 1)[None, :] - 0.5) * dt
        cdf = channel_cdf(
            np.maximum(edges, 0.0), safe_tau[:, None], safe_var[:, None], self.decay_per_s
        )
        kern = np.diff(cdf, axis=1)
        out = []
        for r in range(taus.size):
            if live[r]:
                w = kern[r]
                nz = np.flatnonzero(w > 0)
                w = w[: int(nz[-1]) + 1] if nz.size else w[:1]
                out.append(_GridState(state.t0_s + int(j0[r]) * dt, dt, _convolve(state.flux, w)))
            else:
                out.append(_GridState(state.t0_s, dt, state.flux))
        return out

    def _grid_at(self, state: int, tau: float, var: float, seg: int) -> _GridState:
        """Flux at the inlet of reservoir segment ``seg`` on a grid fit for its chain."""
        h = self.hydraulics
        theta = float(h.theta_s[seg])
        ncell = max(int(h.n_cells[seg]), 1)
        chain_span = theta * (1.0 + 10.0 / math.sqrt(ncell) + 10.0 / ncell)
        src = self._states[state]
        if src is None:
            # fine analytic curve at the inlet, then re-binned mass-conservatively
            if tau <= 0:
                # the spill is at the inlet: its own release curve (a pulse or a box)
                cum_t = np.array([0.0, max(self.duration_s, 1e-6)])
                cum_m = np.array([0.0, self.mass_kg])
                width = max(self.duration_s, 1.0)
            else:
                t2, c2 = self._analytic_curves(
                    np.array([tau]), np.array([var]), np.array([1.0]), 400
                )
                tt, fl = t2[0], c2[0] / _MG_PER_KG_OVER_L_PER_M3
                cum_t = tt
                cum_m = np.concatenate(([0.0], np.cumsum(0.5 * (fl[1:] + fl[:-1]) * np.diff(tt))))
                width = max(math.sqrt(var), self.duration_s, 1.0)
        else:
            routed = self._route(src, tau, var)
            tt = routed.times
            cum_t = np.concatenate(([tt[0] - 0.5 * routed.dt_s], tt + 0.5 * routed.dt_s))
            cum_m = np.concatenate(([0.0], np.cumsum(routed.flux * routed.dt_s)))
            width = max(routed.flux.size * routed.dt_s / 8.0, routed.dt_s)
        start, end = float(cum_t[0]), float(cum_t[-1])
        span = (end - start) + chain_span
        dt = max(span / _MAX_GRID, min(width / 8.0, theta / ncell / 8.0) / _REFINE, 1e-3)
        nb = int(math.ceil((end - start) / dt)) + 1
        edges = start + dt * (np.arange(nb + 1) - 0.5)
        mass = np.diff(np.interp(edges, cum_t, cum_m, left=0.0, right=float(cum_m[-1])))
        return _GridState(start, dt, np.maximum(mass, 0.0) / dt)

    def _cells_out(self, inflow: _GridState, seg: int, cell: int) -> _GridState:
        """Outflow of mixing cell ``cell`` (1-based) of reservoir segment ``seg``."""
        h = self.hydraulics
        ncell = max(int(h.n_cells[seg]), 1)
        theta_c = float(h.theta_s[seg]) / ncell
        if theta_c <= 0:
            return inflow
        k = self.decay_per_s
        theta_k = 1.0 / (1.0 / theta_c + k)
        dt = inflow.dt_s
        hi = theta_c * (cell + 10.0 * math.sqrt(cell) + 10.0)
        nb = int(math.ceil(hi / dt)) + 1
        edges = np.maximum((np.arange(nb + 1) - 0.5) * dt, 0.0)
        w = np.diff(_erlang_cdf(cell, edges / theta_k)) * (theta_k / theta_c) ** cell
        return _GridState(inflow.t0_s, dt, _convolve(inflow.flux, w))

    def _reservoir(self, inflow: _GridState, seg: int, ncell: int) -> _GridState:
        out = self._cells_out(inflow, seg, ncell)
        # drop the negligible tail to keep later convolutions small
        f = out.flux
        keep = np.flatnonzero(f >= 1e-9 * f.max()) if f.size and f.max() > 0 else np.array([0])
        a, b = int(keep[0]), int(keep[-1]) + 1
        return _GridState(out.t0_s + a * out.dt_s, out.dt_s, f[a:b].copy())

    # -------------------------------------------------------------- public
    def locate(self, position_m: float) -> tuple[int, float]:
        """(segment index, fraction along it) of a position on the path."""
        h = self.hydraulics
        i = int(np.searchsorted(h.start_m, position_m, side="right")) - 1
        i = min(max(i, 0), h.length_m.size - 1)
        length = h.length_m[i]
        frac = 0.0 if length <= 0 else (position_m - h.start_m[i]) / length
        return i, min(max(frac, 0.0), 1.0)

    def moments_at(self, position_m: float) -> tuple[float, float]:
        """Mean travel time (s) and passage-time variance (s²) at a position.

        Reservoir cells contribute j·θ_c and j·θ_c² (Erlang moments). Used for the
        horizon cut-off and for quick estimates, not for the reported curves.
        """
        h = self.hydraulics
        i, frac = self.locate(position_m)
        tau, var = 0.0, 0.0
        for s in range(i + 1):
            part = frac if s == i else 1.0
            if h.is_reservoir[s]:
                nc = max(int(h.n_cells[s]), 1)
                th = float(h.theta_s[s]) / nc
                cells = max(math.ceil(part * nc), 0) if s == i else nc
                tau += cells * th
                var += cells * th * th
            else:
                u, d = float(h.velocity_mps[s]), float(h.dispersion_m2s[s])
                length = float(h.length_m[s]) * part
                tau += length / u
                var += 2.0 * d * length / u**3
        return tau, var

    def curves(self, positions_m: Sequence[float] | np.ndarray, npts: int = 160) -> list[Curve]:
        """Concentration–time curves at positions (m from the spill) along the path."""
        h = self.hydraulics
        pos = np.asarray(positions_m, dtype=np.float64)
        out: list[Curve | None] = [None] * pos.size
        analytic: list[int] = []
        a_tau: list[float] = []
        a_var: list[float] = []
        a_q: list[float] = []
        routed: dict[int, list[tuple[int, float, float, float]]] = {}
        # locate every position and its channel moments at once
        nseg = h.length_m.size
        seg = np.clip(np.searchsorted(h.start_m, pos, side="right") - 1, 0, nseg - 1)
        seg_len = h.length_m[seg]
        with np.errstate(invalid="ignore", divide="ignore"):
            fr = np.clip(np.where(seg_len > 0, (pos - h.start_m[seg]) / seg_len, 0.0), 0.0, 1.0)
        chan = ~h.is_reservoir[seg]
        part = np.where(chan, seg_len * fr, 0.0)
        u_s = h.velocity_mps[seg]
        taus = self._tau0[seg] + np.where(chan, part / u_s, 0.0)
        varis = self._var0[seg] + np.where(chan, 2.0 * h.dispersion_m2s[seg] * part / u_s**3, 0.0)
        qs = self._q_mix[seg]
        cells = np.where(chan, 0, np.ceil(fr * np.maximum(h.n_cells[seg], 1) - 1e-9)).astype(int)
        for p_i, i, q, st, cell, tau, var in zip(
            range(pos.size),
            seg.tolist(),
            qs.tolist(),
            self._state_of[seg].tolist(),
            cells.tolist(),
            taus.tolist(),
            varis.tolist(),
            strict=True,
        ):
            if cell >= 1:  # inside a reservoir: the output of the cell the point sits in
                nc = max(int(h.n_cells[i]), 1)
                g = self._cells_out(self._inflows[i], i, min(cell, nc))
                out[p_i] = self._grid_curve(g, q, npts)
                continue
            src = self._states[st]
            if src is None:
                if tau <= 0:
                    tau, var = self._tiny_moments(i)
                analytic.append(p_i)
                a_tau.append(tau)
                a_var.append(var)
                a_q.append(q)
            else:
                routed.setdefault(st, []).append((p_i, tau, var, q))
        for st, rows in routed.items():
            src = self._states[st]
            assert src is not None
            taus = np.array([r[1] for r in rows])
            varis = np.array([r[2] for r in rows])
            for (p_i, _, _, q), g in zip(rows, self._route_many(src, taus, varis), strict=True):
                out[p_i] = self._grid_curve(g, q, npts)
        if analytic:
            t2, c2 = self._analytic_curves(np.array(a_tau), np.array(a_var), np.array(a_q), npts)
            arr, tp, cp = _curve_stats_rows(t2, c2)
            th = t2 / 3600.0
            for r, p_i in enumerate(analytic):
                out[p_i] = Curve(th[r], c2[r], arr[r] / 3600.0, tp[r] / 3600.0, float(cp[r]))
        return out  # type: ignore[return-value]

    def _tiny_moments(self, seg: int) -> tuple[float, float]:
        """Moments 1 m below the spill (the release point itself is singular)."""
        h = self.hydraulics
        u, d = float(h.velocity_mps[seg]), float(h.dispersion_m2s[seg])
        return 1.0 / u, 2.0 * d / u**3

    @staticmethod
    def _grid_curve(g: _GridState, q: float, npts: int) -> Curve:
        t = g.times
        c = _MG_PER_KG_OVER_L_PER_M3 * g.flux / q
        t, c = _trim(t, c)
        arr, tp, cp = _curve_stats(t, c)
        return Curve(t / 3600.0, c, arr / 3600.0, tp / 3600.0, cp)

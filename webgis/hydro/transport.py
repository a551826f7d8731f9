"""1D advection–dispersion with first-order decay along a traced path.

Method (details and references in docs/model.md)
------------------------------------------------
Along a channel path made of segments with their own velocity u, dispersion D and
discharge Q, a cloud is described in *travel-time coordinates* by two additive moments
(the "frozen cloud" / variance-additive approach of the Rhine Alarm Model and ALAMO):

    tau(x) = Σ L_i / u_i                 mean travel time to x
    S(x)   = Σ 2·D_i·L_i / u_i³          variance of the passage time at x

For an instantaneous release of mass M the mass flux through x is

    F(t) = M · f(t; tau, S) · exp(-k t),
    f(t) = sqrt(tau / (2π S t)) · exp(-tau (t - tau)² / (2 S t)),

which on a uniform channel (tau = x/u, S = 2Dx/u³) is *exactly* the textbook solution
C = M/(A sqrt(4πDt)) · exp(-(x-ut)²/(4Dt)) · exp(-kt) with A = Q/u, since C = F/Q.
A release of duration T uses the closed-form time integral of f·exp(-kt) (erfc terms).
Concentration is F / Q_mix where Q_mix is the largest discharge met so far on the path:
inflows dilute (C scales with Q_up/Q_down); losing reaches remove water and pollutant
together and never concentrate it.

A reservoir segment is a chain of N continuously stirred tanks over its active volume
(Levenspiel). The inflow curve is put on a time grid and convolved with the chain's
impulse response (Erlang(j, θ) with decay); an intake in cell j sees the output of cell j.
Downstream of a reservoir the outflow curve is routed by convolving it with the channel
kernel f(t; tau_rel, S_rel) measured from the reservoir outlet.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from webgis.hydro.hydraulics import PathHydraulics

if TYPE_CHECKING:
    from webgis.hydro.transfer import Transfer

# Leading edge = first time the concentration reaches this fraction of the local peak.
# Jobson (1996) reports the leading edge at ~0.89 of the peak travel time for observed
# dye clouds; 1 % of the peak is the usual "first detectable" definition in tracer work.
LEADING_EDGE_FRACTION = 0.01
# z such that a Gaussian falls to 1 % of its peak: exp(-z²/2) = 0.01
_LE_Z = math.sqrt(-2.0 * math.log(LEADING_EDGE_FRACTION))
# curves are cut where they fall below this fraction of their peak
_TRIM_FRACTION = 1e-4
# gridded responses kept for later convolutions are cut where they fall below this
# fraction of their peak
_ROW_TRIM = 1e-7
# Grid resolution. A reservoir chain's grid takes 1/_CELL_STEPS of a mixing cell's
# residence time and 1/_SCALE_STEPS of its inflow's time scale, at most _MAX_GRID
# steps; a release into a reservoir 1/_DIRECT_CELL_STEPS of a cell and
# 1/_DIRECT_RELEASE_STEPS of the release. Tests refine all of them together for a
# reference (tests/unit/hydro/refined.py).
_CELL_STEPS = 96.0
_SCALE_STEPS = 32.0
_DIRECT_CELL_STEPS = 64.0
_DIRECT_RELEASE_STEPS = 110.0
_MAX_GRID = 4096
# the fine "head" grid that resolves a reservoir's leading edge when the chain's grid
# is coarse next to its inflow: at most this many steps, spanning the inflow and this
# many coarse steps after it
_MAX_HEAD = 4096
_HEAD_SPAN_STEPS = 16
# a curve routed below a reservoir is sampled at least this many times per standard
# deviation of the channel response it went through
_ROUTE_STEPS = 16
_MG_PER_KG_OVER_L_PER_M3 = 1_000.0  # kg/m³ -> mg/L
# a cached transfer takes over at a reservoir when the flux reaching its inlet spans at
# least this many steps of the transfer's grid there (its front is then resolved)
TRANSFER_RESOLVE_STEPS = 16.0


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
        dt = t[1:] - t[:-1]
        total = float(dt[pos[:-1] & pos[1:]].sum())
        k = np.flatnonzero(pos[:-1] != pos[1:])
        if k.size:
            # the part of [t_k, t_k+1] above the limit, by linear interpolation
            d0, d1 = d[k], d[k + 1]
            frac = np.where(d0 > 0, d0, d1) / np.abs(d0 - d1)
            for part in (frac * dt[k]).tolist():  # a few crossings, summed in order
                total += part
        return total

    def points(self, max_points: int = 160) -> list[list[float]]:
        """[[hour, mg/L], ...] for drawing, resampled to at most ``max_points``."""
        t, c = self.times_h, self.conc_mgl
        if t.size > max_points:
            # np.linspace(t[0], t[-1], max_points) with the same arithmetic, without its
            # Python-level overhead
            t0, t1, n = float(t[0]), float(t[-1]), max_points
            tn = np.arange(n, dtype=np.float64)
            if n > 1:
                tn *= (t1 - t0) / (n - 1)
            tn += t0
            if n > 1:
                tn[-1] = t1
            # keep the exact peak in the series (sorted, not duplicated)
            at = int(tn.searchsorted(self.peak_h))
            if at == n or tn[at] != self.peak_h:
                tn = np.concatenate((tn[:at], [self.peak_h], tn[at:]))
            c = np.interp(tn, t, c)
            c[at] = self.peak_conc_mgl
            t = tn
        return np.column_stack((np.round(t, 4), c)).tolist()


def exceed_hours_many(curves: Sequence[Curve], limits: Sequence[float | None]) -> list[float]:
    """:meth:`Curve.exceed_hours` of each curve with its limit, in one vectorised pass
    over all the curves (the same sums in another order: equal to float rounding)."""
    out = [0.0] * len(curves)
    live = [
        i for i, (c, lim) in enumerate(zip(curves, limits, strict=True))
        if lim is not None and c.peak_conc_mgl > lim and c.times_h.size >= 2
    ]
    if not live:
        return out
    sizes = np.array([curves[i].times_h.size for i in live])
    t = np.concatenate([curves[i].times_h for i in live])
    d = np.concatenate([curves[i].conc_mgl for i in live])
    d -= np.repeat(np.array([limits[i] for i in live], dtype=np.float64), sizes)
    pos = d > 0
    dt = t[1:] - t[:-1]
    a, b = pos[:-1], pos[1:]
    # interval i joins samples i and i+1; those joining two curves are dropped below
    part = np.where(a & b, dt, 0.0)
    k = np.flatnonzero(a != b)
    if k.size:
        # the part of a crossed interval above the limit, by linear interpolation
        d0, d1 = d[k], d[k + 1]
        part[k] = np.where(d0 > 0, d0, d1) / np.abs(d0 - d1) * dt[k]
    ends = np.cumsum(sizes)
    starts = ends - sizes
    part[ends[:-1] - 1] = 0.0
    totals = np.add.reduceat(part, starts)
    for i, v in zip(live, totals.tolist(), strict=True):
        out[i] = v
    return out


def _curve_stats_rows(
    t0: np.ndarray, dt: np.ndarray, c: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(arrival, peak time, peak conc) of curves sampled every ``dt`` from ``t0`` (rows).

    The peak is refined by a parabola through the log-concentrations (exact for a
    Gaussian peak); the leading edge is where the curve first reaches
    ``LEADING_EDGE_FRACTION`` of that peak (linear between samples).
    """
    m, n = c.shape
    rows = np.arange(m)
    i = np.argmax(c, axis=1)
    cmax = c[rows, i]
    ti = t0 + i * dt
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
    # a smooth peak gains < 0.5 % at our sampling; more means a kink (the end of a
    # plateau), where the parabola does not apply
    good = ok & (den < 0) & (np.abs(off) <= 1.0) & (refined <= 1.005 * cmax)
    tp = np.where(good, ti + off * dt, ti)
    cp = np.where(good, refined, cmax)
    arr = _first_crossing(t0, dt, c, LEADING_EDGE_FRACTION * cp)
    ok_peak = cmax > 0
    return np.where(ok_peak, arr, np.nan), np.where(ok_peak, tp, np.nan), cp


def _first_crossing(t0: np.ndarray, dt: np.ndarray, c: np.ndarray, thr: np.ndarray) -> np.ndarray:
    """First time each row of ``c`` (sampled every ``dt`` from ``t0``) reaches ``thr``
    (linear between samples); NaN where it never does."""
    rows = np.arange(c.shape[0])
    above = c >= thr[:, None]
    k = np.argmax(above, axis=1)
    km = np.maximum(k - 1, 0)
    ca, cb = c[rows, km], c[rows, k]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(cb > ca, (thr - ca) / (cb - ca), 0.0)
    arr = np.where(k == 0, t0, t0 + (km + frac * (k - km)) * dt)
    return np.where(above[rows, k], arr, np.nan)


def _head_stats(
    stats: tuple[np.ndarray, np.ndarray, np.ndarray],
    dt: float,
    head: tuple[np.ndarray, float, np.ndarray],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Statistics of coarse rows (step ``dt``) corrected by their fine heads.

    ``head`` = (start of each row, step, values): the same curves on a fine grid, exact
    up to their last sample. The peak is the head's when the head holds it (it is higher
    than the coarse one and not at the head's end), else the coarse one; the leading edge
    is where the head reaches 1 % of that peak, or — when it does not within its span —
    the coarse one but never before the head's end (the curve is known to be below it).
    """
    arr, tp, cp = stats
    t0h, dth, ch = head
    end = t0h + (ch.shape[1] - 1) * dth
    arr_h, tp_h, cp_h = _curve_stats_rows(t0h, dth, ch)
    use = (cp_h >= cp) & (tp_h <= end - 2.0 * dt) & np.isfinite(tp_h)
    cp = np.where(use, cp_h, cp)
    tp = np.where(use, tp_h, tp)
    got = _first_crossing(t0h, dth, ch, LEADING_EDGE_FRACTION * cp)
    arr = np.where(np.isnan(got), np.maximum(arr, end), got)
    ok = cp > 0
    return np.where(ok, arr, np.nan), np.where(ok, tp, np.nan), cp


def _erlang_tent(cells: Sequence[int], nodes: np.ndarray) -> dict[int, np.ndarray]:
    """Erlang(j, 1) densities as weights on grid nodes, for each j in ``cells``.

    ``nodes`` are equally spaced times (in units of θ) starting at 0. The weights are the
    density integrated against the hat functions of linear interpolation — the second
    differences of G(x) = ∫₀ˣ P(j, s) ds = x·P(j, x) − j·P(j+1, x) — so that mass and
    mean are exact however narrow the density is next to the grid step.
    P(j, x) = 1 − Σ_{i<j} xⁱe⁻ˣ/i! is built by recurrence for all j at once.
    """
    h = float(nodes[1] - nodes[0])
    x = np.concatenate(([0.0], np.asarray(nodes, dtype=np.float64), [nodes[-1] + h]))
    want = set(cells)
    jmax = max(want)
    term = np.exp(-x)
    acc = term.copy()
    p_prev = np.clip(1.0 - acc, 0.0, 1.0)  # P(1, x)
    out: dict[int, np.ndarray] = {}
    for i in range(1, jmax + 1):
        term = term * x / i
        acc += term
        p_next = np.clip(1.0 - acc, 0.0, 1.0)  # P(i+1, x)
        if i in want:
            g = x * p_prev - i * p_next
            g[0] = 0.0  # G at the node before 0
            out[i] = (g[2:] - 2.0 * g[1:-1] + g[:-2]) / h
        p_prev = p_next
    return out


def _tent_rows(cdf: np.ndarray, step: float, sub: int) -> np.ndarray:
    """Hat-function weights on nodes from a CDF sampled ``sub`` times per step.

    ``cdf`` rows start one node before the first weight and end one node after the last;
    G = ∫F by the trapezoid rule, weights are its second differences over the nodes.
    """
    h = step / sub
    g = np.concatenate(
        (np.zeros((cdf.shape[0], 1)), np.cumsum(0.5 * h * (cdf[:, 1:] + cdf[:, :-1]), axis=1)),
        axis=1,
    )[:, ::sub]
    return np.maximum((g[:, 2:] - 2.0 * g[:, 1:-1] + g[:, :-2]) / step, 0.0)


@lru_cache(maxsize=256)
def _fast_len(n: int) -> int:
    """Smallest 2ᵃ·3ᵇ·5ᶜ ≥ n (the sizes FFTs are fastest on)."""
    best = 1 << max(n - 1, 0).bit_length()
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            m = p35
            while m < n:
                m *= 2
            best = min(best, m)
            p35 *= 3
        p5 *= 5
    return best


def _convolve_rows(x: np.ndarray, kern: np.ndarray) -> np.ndarray:
    """Full linear convolution of ``x`` with every row of ``kern`` (one batched FFT)."""
    m, nk = kern.shape
    n = x.size + nk - 1
    if x.size * nk <= 4_096:
        out = np.empty((m, n))
        for r in range(m):
            out[r] = np.convolve(x, kern[r])
        return out
    nfft = _fast_len(n)
    spec = np.fft.rfft(kern, nfft, axis=1)
    spec *= np.fft.rfft(x, nfft)[None, :]
    out = np.fft.irfft(spec, nfft, axis=1)[:, :n]
    return np.maximum(out, 0.0, out=out)


def _trimmed_curves(
    starts: np.ndarray,
    dt: float,
    c: np.ndarray,
    rows: Sequence[int],
    stats: tuple[np.ndarray, np.ndarray, np.ndarray],
    head: tuple[np.ndarray, float, np.ndarray] | None = None,
) -> list[Curve]:
    """Curves of rows ``rows`` of gridded concentrations ``c`` (mg/L, one row per
    position, sampled every ``dt`` from ``starts``), trimmed to 10⁻⁴ of their peak.

    ``stats`` are the rows' (arrival, peak time, peak) from :func:`_curve_stats_rows`
    (or :func:`_head_stats`): trimming keeps one sample on each side of the part above
    10⁻⁴ of the peak. With ``head`` (fine rows, see :func:`_head_stats`) a curve takes
    the head's samples up to its end and the coarse ones after it.
    """
    arr, tp, cp = stats
    out = []
    for r in rows:
        row = c[r]
        th = None
        if head is not None:
            t0h, dth, ch = head
            te = float(t0h[r]) + dth * (ch.shape[1] - 1)
            tc = float(starts[r]) + dt * np.arange(row.size)
            after = tc > te
            th = np.concatenate((float(t0h[r]) + dth * np.arange(ch.shape[1]), tc[after]))
            row = np.concatenate((ch[r], row[after]))
        cmax = float(row.max()) if row.size else 0.0
        if cmax > 0:
            ok = np.flatnonzero(row >= _TRIM_FRACTION * cmax)
            a, b = max(int(ok[0]) - 1, 0), min(int(ok[-1]) + 2, row.size)
        else:
            a, b = 0, 1
        if th is None:
            t0 = float(starts[r]) + a * dt
            times_h = (t0 + dt * np.arange(b - a)) / 3600.0
        else:
            times_h = th[a:b] / 3600.0
        out.append(
            Curve(times_h, row[a:b], float(arr[r]) / 3600.0, float(tp[r]) / 3600.0, float(cp[r]))
        )
    return out


def _front_scale(t: np.ndarray, flux: np.ndarray) -> float:
    """The time scale a grid must resolve in a sampled curve: :func:`_sharpness`, or
    less where its front is steeper — a Gaussian climbs from 1 % to 10 % of its peak in
    0.88σ, and a reservoir's outflow jumps or ramps up at once and then spreads over
    its whole residence time, broad by its moments but sharp where it arrives."""
    if flux.size < 2:
        return 0.0
    top = float(flux.max())
    first = int(np.argmax(flux >= LEADING_EDGE_FRACTION * top))
    tenth = int(np.argmax(flux >= 0.1 * top))
    step = float(t[min(first + 1, t.size - 1)] - t[first]) or float(t[1] - t[0])
    front = max(float(t[tenth] - t[first]) / 0.88, 0.25 * step)
    return min(_sharpness(t, flux), front)


def _sharpness(t: np.ndarray, flux: np.ndarray) -> float:
    """A time scale of a sampled curve: the smaller of its standard deviation and
    mass/(peak·√2π) (both σ for a Gaussian; the second sees fronts and jumps)."""
    mass = float(flux.sum())
    peak = float(flux.max()) if flux.size else 0.0
    if mass <= 0 or peak <= 0:
        return 0.0
    mean = float((flux * t).sum()) / mass
    sd = math.sqrt(max(float((flux * (t - mean) ** 2).sum()) / mass, 0.0))
    step = float(t[1] - t[0]) if t.size > 1 else 1.0
    return min(sd, mass * step / (peak * math.sqrt(2.0 * math.pi)))


@dataclass(slots=True)
class _GridState:
    """Mass flux (kg/s) sampled every ``dt_s`` from ``t0_s`` at a reference position."""

    t0_s: float
    dt_s: float
    flux: np.ndarray
    # the same flux on a fine grid over its start, exact up to its last sample (or None)
    head: _GridState | None = None
    _scale: float | None = None
    _front: float | None = None
    _peak: float | None = None
    _coarse: dict[int, _GridState] = field(default_factory=dict)

    @property
    def times(self) -> np.ndarray:
        return self.t0_s + self.dt_s * np.arange(self.flux.size)

    @property
    def scale(self) -> float:
        """The curve's time scale (:func:`_sharpness`), computed once."""
        if self._scale is None:
            self._scale = _sharpness(self.times, self.flux) if self.flux.size else 0.0
        return self._scale

    @property
    def peak_s(self) -> float:
        """When the curve peaks (its largest sample), computed once."""
        if self._peak is None:
            i = int(np.argmax(self.flux)) if self.flux.size else 0
            self._peak = self.t0_s + self.dt_s * i
        return self._peak

    @property
    def front(self) -> float:
        """The time scale of the curve's front (:func:`_front_scale`), computed once."""
        if self._front is None:
            self._front = _front_scale(self.times, self.flux)
        return self._front

    def coarse(self, m: int) -> _GridState:
        """The same flux on nodes ``m`` times further apart (kept for later calls).

        Every sample is split between the two coarse nodes around it by linear
        interpolation weights, so mass and mean are exact; the spread grows by at most
        (m·dt)²/4, far below the routed curves' variance where this is used.
        """
        if m <= 1:
            return self
        got = self._coarse.get(m)
        if got is None:
            f = self.flux
            nb = -(-f.size // m)
            blocks = np.zeros(nb * m)
            blocks[: f.size] = f
            blocks = blocks.reshape(nb, m)
            w = np.arange(m) / m
            out = np.zeros(nb + 1)
            out[:nb] = blocks @ (1.0 - w)
            out[1:] += blocks @ w
            got = _GridState(self.t0_s, self.dt_s * m, out / m)
            self._coarse[m] = got
        return got


# fine heads of a group: (rows that have one, (their starts, step, fluxes))
_Head = tuple[np.ndarray, tuple[np.ndarray, float, np.ndarray]]
# gridded fluxes at positions: (position indices, row starts, step, fluxes kg/s, heads)
_Group = tuple[np.ndarray, np.ndarray, float, np.ndarray, _Head | None]


# the pulse that starts a transfer at a channel's inlet is this short (s); routed rows
# coarsen their grids to their own spread, so a short pulse costs little
_CHANNEL_PULSE_S = 1.0


# a reservoir's pulse carries a head this much finer over its first steps (see
# webgis.hydro.transfer): the first cells jump at once, and an inflow far sharper than
# the cells' grid still finds its front there
PULSE_HEAD_REFINE = 64
PULSE_HEAD_STEPS = 16


def pulse_resolve_s(h: PathHydraulics, seg: int) -> float:
    """The finest step of a transfer starting at segment ``seg`` (its head's, if any)."""
    dt = pulse_grid_s(h, seg)
    return dt / PULSE_HEAD_REFINE if h.is_reservoir[seg] else dt


def pulse_grid_s(h: PathHydraulics, seg: int) -> float:
    """The step of a pulse entering segment ``seg`` (a transfer's first grid): for a
    reservoir 1/96 of a cell's residence time with the cells' whole response in < 4,096
    steps; for a channel a short fixed pulse."""
    if not h.is_reservoir[seg]:
        return _CHANNEL_PULSE_S
    theta_s, ncell = float(h.theta_s[seg]), max(int(h.n_cells[seg]), 1)
    chain_span = theta_s * (1.0 + 10.0 / math.sqrt(ncell) + 10.0 / ncell)
    return max(chain_span / (_MAX_GRID - 2), theta_s / ncell / _CELL_STEPS, 1e-3)


@dataclass(frozen=True, slots=True)
class Inflow:
    """A mass flux (kg/s) reaching a point, as its cumulative mass (piecewise linear)."""

    cum_t_s: np.ndarray
    cum_kg: np.ndarray
    # the time scale of its front (s): what a grid must resolve where it arrives
    front_s: float
    # its overall time scale (s): what a grid must resolve elsewhere
    broad_s: float
    # the first node of any grid it is put on (a gridded flux's own first node, so that
    # on its own step it is reproduced exactly)
    origin_s: float

    @property
    def peak_s(self) -> float:
        """When the flux peaks (the steepest rise of its cumulative mass)."""
        i = int(np.argmax(np.diff(self.cum_kg) / np.maximum(np.diff(self.cum_t_s), 1e-300)))
        return float(0.5 * (self.cum_t_s[i] + self.cum_t_s[i + 1]))

    def on_grid(self, dt_s: float, max_steps: int | None = None) -> tuple[float, np.ndarray]:
        """(first node time, flux at nodes every ``dt_s`` aligned on ``origin_s``): each
        node takes the mass under its hat function (mass and mean exact, however narrow
        the flux is next to the step), the second differences of ∫M over the nodes."""
        t, m = self.cum_t_s, self.cum_kg
        first = self.origin_s - dt_s * math.ceil((self.origin_s - float(t[0])) / dt_s + 1e-9)
        nb = int(math.ceil((float(t[-1]) - first) / dt_s)) + 2
        if max_steps is not None:
            nb = min(nb, max_steps)
        nodes = first + dt_s * np.arange(-1, nb + 1)
        # ∫M exactly (M is piecewise linear between its points, total after the end)
        g = np.concatenate(([0.0], np.cumsum(0.5 * (m[1:] + m[:-1]) * np.diff(t))))
        k = np.clip(np.searchsorted(t, nodes, side="right") - 1, 0, t.size - 2)
        x = np.clip(nodes, t[0], t[-1]) - t[k]
        slope = (m[k + 1] - m[k]) / np.maximum(t[k + 1] - t[k], 1e-300)
        at = g[k] + m[k] * x + 0.5 * slope * x * x
        at += float(m[-1]) * np.maximum(nodes - float(t[-1]), 0.0)
        mass = (at[2:] - 2.0 * at[1:-1] + at[:-2]) / dt_s
        return first, np.maximum(mass, 0.0) / dt_s


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
    # a gridded flux entering at the path start instead of the release (transfer builds)
    inflow: _GridState | None = None
    # segment index -> the cached response below that reservoir's inlet (or None)
    transfer_at: Callable[[int], Transfer | None] | None = field(default=None, repr=False)
    _anchor: int = field(init=False, default=-1, repr=False)
    _anchor_transfer: Transfer | None = field(init=False, default=None, repr=False)
    _anchor_inflow: Inflow | None = field(init=False, default=None, repr=False)
    _q_mix: np.ndarray = field(init=False, repr=False)
    _tau0: np.ndarray = field(init=False, repr=False)
    _var0: np.ndarray = field(init=False, repr=False)
    _state_of: np.ndarray = field(init=False, repr=False)
    _states: list[_GridState | None] = field(init=False, repr=False)
    _inflows: dict[int, _GridState] = field(init=False, repr=False)
    _cells: dict[int, dict[int, _GridState]] = field(init=False, repr=False)
    _direct: set[int] = field(init=False, repr=False)

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
        # state 0: the analytic release at the spill point (or the given gridded inflow)
        self._states = [self.inflow]
        self._inflows = {}
        self._cells = {}
        self._direct = set()
        tau, var, state = 0.0, 0.0, 0
        for i in range(n):
            self._tau0[i], self._var0[i], self._state_of[i] = tau, var, state
            if (
                self.transfer_at is not None
                and i >= 1
                and (h.is_reservoir[i] or h.is_reservoir[i - 1])
                and self._anchor_at(i, state, tau, var)
            ):
                break  # everything from here on comes from a cached response
            if h.is_reservoir[i]:
                self._inflows[i] = self._grid_at(state, tau, var, i)
                self._states.append(self._reservoir(i, max(int(h.n_cells[i]), 1)))
                state += 1
                tau, var = 0.0, 0.0
            else:
                u, d, length = h.velocity_mps[i], h.dispersion_m2s[i], h.length_m[i]
                tau += length / u
                var += 2.0 * d * length / u**3

    def _anchor_at(self, seg: int, state: int, tau: float, var: float) -> bool:
        """Hand segment ``seg`` (a reservoir, or the channel below one) and everything
        below it to its cached transfer when the flux reaching its inlet is resolved on
        the transfer's grid; else keep computing.

        The inlet flux is the release routed through (tau, var) from the spill, or the
        gridded state ``state`` routed likewise; its front must span
        ``TRANSFER_RESOLVE_STEPS`` steps of the transfer's finest grid, or the pulse
        response's jump (a one-cell reservoir's outflow) would blur it.
        """
        h = self.hydraulics
        floor = TRANSFER_RESOLVE_STEPS * pulse_resolve_s(h, seg)
        src = self._states[state]
        if src is None:
            # the channel response's spread (a box release keeps fronts this sharp)
            if tau <= 0 or math.sqrt(var) < floor:
                return False
            inflow = self._analytic_inflow(tau, var)
        else:
            inflow = self._gridded_inflow(src, tau, var)
            if inflow.front_s < floor:
                return False
        assert self.transfer_at is not None
        transfer = self.transfer_at(seg)
        if transfer is None or inflow.front_s < TRANSFER_RESOLVE_STEPS * transfer.resolve_dt_s:
            return False
        self._anchor, self._anchor_transfer, self._anchor_inflow = seg, transfer, inflow
        return True

    def _fine_release(self, tau: float, var: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(times s, flux kg/s, cumulative kg) of the release at channel moments (tau, var):
        400 samples in closed form, the cumulative mass by the trapezoid rule."""
        t2, c2 = self._analytic_curves(np.array([tau]), np.array([var]), np.array([1.0]), 400)
        tt, fl = t2[0], c2[0] / _MG_PER_KG_OVER_L_PER_M3
        return tt, fl, np.concatenate(([0.0], np.cumsum(0.5 * (fl[1:] + fl[:-1]) * np.diff(tt))))

    def _analytic_inflow(self, tau: float, var: float) -> Inflow:
        """The release's flux at channel moments (tau, var), fine and in closed form."""
        tt, fl, cum = self._fine_release(tau, var)
        front = math.sqrt(var)
        return Inflow(tt, cum, front, max(front, _sharpness(tt, fl)), float(tt[0]))

    def _gridded_inflow(self, src: _GridState, tau: float, var: float) -> Inflow:
        """A gridded state's flux routed through channel moments (tau, var), its fine
        head (where it has one) spliced in front of the coarse samples."""
        head = None
        if tau > 0 or var > 0:
            ((_, t0s, dt, rows),) = self._route(src, np.array([tau]), np.array([var]))
            t0, fl = float(t0s[0]), rows[0]
            routed = self._route_head(src, np.array([tau]), np.array([var]))
            if routed is not None:
                t0h, dth, ch = routed[2]
                head = _GridState(float(t0h[0]), dth, ch[0])
        else:
            t0, fl, dt = src.t0_s, src.flux, src.dt_s
            head = src.head
        big = float(fl.max()) if fl.size else 0.0
        nz = np.flatnonzero(fl > _ROW_TRIM * big) if big > 0 else np.array([0])
        a, b = int(nz[0]), int(nz[-1]) + 1
        tt = t0 + dt * np.arange(a, b)
        fl = fl[a:b]
        cum_t = np.concatenate(([tt[0] - 0.5 * dt], tt + 0.5 * dt))
        cum = np.concatenate(([0.0], np.cumsum(fl * dt)))
        if head is not None and head.flux.size > 1:
            # the head is exact up to its end: its masses there, the coarse ones after
            th = head.t0_s + head.dt_s * np.arange(head.flux.size)
            end = float(th[-1]) + 0.5 * head.dt_s
            cum_h = np.concatenate(([0.0], np.cumsum(head.flux * head.dt_s)))
            after = cum_t > end
            joined = np.interp(end, cum_t, cum)
            cum_t = np.concatenate((th - 0.5 * head.dt_s, [end], cum_t[after]))
            cum = np.concatenate((cum_h, cum[after] - joined + cum_h[-1]))
            keep = tt > end
            tt = np.concatenate((th, tt[keep]))
            fl = np.concatenate((head.flux, fl[keep]))
        return Inflow(cum_t, cum, _front_scale(tt, fl), _sharpness(tt, fl), float(tt[0]))

    # -------------------------------------------------------------- analytic release
    def _release_flux(self, t: np.ndarray, tau: np.ndarray, var: np.ndarray) -> np.ndarray:
        """Mass flux (kg/s) at travel-time moments (tau, var) from the spill itself."""
        k, dur = self.decay_per_s, self.duration_s
        sigma = np.sqrt(var)
        if dur <= 0:
            return self.mass_kg * channel_pdf(t, tau, var, k)
        # a release much shorter than the cloud's spread is an instantaneous one at T/2
        short = dur < 1e-2 * sigma
        any_short = bool(np.any(short))
        if any_short:
            inst = self.mass_kg * channel_pdf(t - 0.5 * dur, tau, var, k) * math.exp(0.5 * k * dur)
            if bool(np.all(short)):
                return inst
        rate = self.mass_kg / dur
        box = rate * (channel_cdf(t, tau, var, k) - channel_cdf(t - dur, tau, var, k))
        return np.where(short, inst, box) if any_short else box

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
    def _route(
        self, state: _GridState, taus: np.ndarray, varis: np.ndarray
    ) -> list[tuple[np.ndarray, np.ndarray, float, np.ndarray]]:
        """A gridded flux routed through channels of moments (tau, var), each on its grid.

        Returns groups (row indices, start time of each row, step, fluxes). A routed curve
        is at least as wide as its channel response, so it needs no step finer than
        1/``_ROUTE_STEPS`` of the response's spread (nor than 1/32 of the source's own
        time scale, the rule the source was gridded with): far positions take the source
        re-binned onto a grid 2ᵏ times coarser (mass and mean kept) instead of responses
        thousands of fine steps wide.
        """
        taus = np.asarray(taus, dtype=np.float64)
        varis = np.asarray(varis, dtype=np.float64)
        live = (taus > 0) & (varis > 0)
        want = np.sqrt(np.where(live, varis, 0.0)) / _ROUTE_STEPS
        with np.errstate(divide="ignore"):
            level = np.floor(np.log2(np.maximum(want / state.dt_s, 1.0))).astype(np.int64)
        level = np.where(live, np.minimum(level, 30), 0)
        out = []
        for lv in np.unique(level).tolist():
            idx = np.flatnonzero(level == lv)
            src = state.coarse(1 << lv)
            t0s, rows = self._route_rows(src, taus[idx], varis[idx])
            out.append((idx, t0s, src.dt_s, rows))
        return out

    def _route_head(
        self, state: _GridState, taus: np.ndarray, varis: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, float, np.ndarray]] | None:
        """The fine head of a gridded flux routed to positions where it matters.

        Returns (rows that have a head, their start times, (starts, step, fluxes)) or
        None. A channel response ≥ 8 coarse steps wide smooths the coarse front enough;
        narrower ones get the head routed, on its grid and only over its span (the rows
        are exact up to their last sample since the responses are causal).
        """
        hd = state.head
        if hd is None:
            return None
        sel = np.flatnonzero(np.sqrt(np.maximum(varis, 0.0)) < 8.0 * state.dt_s)
        if sel.size == 0:
            return None
        n = hd.flux.size
        t0s, rows = self._route_rows(hd, taus[sel], varis[sel], max_width=n)
        return sel, t0s, (t0s, hd.dt_s, rows[:, :n])

    def _route_rows(
        self,
        state: _GridState,
        taus: np.ndarray,
        varis: np.ndarray,
        max_width: int | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """A gridded flux routed through channels of moments (tau, var), one row each.

        Returns (start time of each row, fluxes): every row is the state's flux convolved
        with the channel response put on the grid's nodes (hat weights: mass and mean
        exact), shifted so that it starts where that response does (one batched FFT).
        """
        dt, k = state.dt_s, self.decay_per_s
        taus = np.asarray(taus, dtype=np.float64)
        varis = np.asarray(varis, dtype=np.float64)
        live = (taus > 0) & (varis > 0)
        safe_tau = np.where(live, taus, 1.0)
        safe_var = np.where(live, varis, 1.0)
        sigma = np.sqrt(safe_var)
        lo = np.maximum(safe_tau - 8.0 * sigma, 0.0)
        hi = safe_tau + 8.0 * sigma + 40.0 * safe_var / safe_tau
        j0 = np.floor(lo / dt).astype(np.int64)
        span = np.ceil(hi / dt).astype(np.int64) + 2 - j0
        if max_width is not None:  # only the first rows' samples are wanted
            span = np.minimum(span, max_width)
        nk = int(span[live].max()) if live.any() else 1
        kern = np.zeros((taus.size, nk))
        # responses narrow next to the step get a finer CDF (hat weights keep the mean);
        # smooth ones many steps wide take the density at the nodes with the hat
        # correction dt·(f + dt²f''/12) (the same weights to O(dt⁴), one exp per node)
        narrow = live & (sigma < 4.0 * dt)
        smooth = live & (sigma >= 8.0 * dt) & (safe_tau >= 4.0 * sigma)
        rows = np.flatnonzero(smooth)
        if rows.size:
            width = int(span[rows].max())
            t = (j0[rows, None] - 1 + np.arange(width + 2)[None, :]) * dt
            f = channel_pdf(t, safe_tau[rows, None], safe_var[rows, None], k)
            w = f[:, 1:-1] * (10.0 / 12.0 * dt) + (f[:, :-2] + f[:, 2:]) * (dt / 12.0)
            kern[rows, : min(width, nk)] = np.maximum(w, 0.0)[:, :nk]
        for rows, sub in (
            (np.flatnonzero(live & ~narrow & ~smooth), 1),
            (np.flatnonzero(narrow), 4),
        ):
            if rows.size == 0:
                continue
            width = int(span[rows].max())
            t = (j0[rows, None] - 1 + np.arange(sub * (width + 1) + 1)[None, :] / sub) * dt
            cdf = channel_cdf(np.maximum(t, 0.0), safe_tau[rows, None], safe_var[rows, None], k)
            kern[rows, : min(width, nk)] = _tent_rows(cdf, dt, sub)[:, :nk]
        if not live.all():
            # at the state's own position (identity) or without dispersion (a pure shift)
            dead = np.flatnonzero(~live)
            at = np.maximum(taus[dead], 0.0) / dt
            j0[dead] = np.floor(at).astype(np.int64)
            frac = at - np.floor(at)
            decay = np.exp(-k * np.maximum(taus[dead], 0.0))
            kern[dead] = 0.0
            kern[dead, 0] = (1.0 - frac) * decay
            if nk > 1:
                kern[dead, 1] = frac * decay
        return state.t0_s + j0 * dt, _convolve_rows(state.flux, kern)

    def _grid_at(self, state: int, tau: float, var: float, seg: int) -> _GridState:
        """Flux at the inlet of reservoir segment ``seg`` on a grid fit for its chain.

        The step is 1/32 of the inflow's time scale (standard deviation, or less for a
        front) and at least as fine as 1/96 of a cell's residence time when the inflow
        is sharper than a cell (the first cell's outflow then jumps up); the grid holds at
        most ``_MAX_GRID`` steps over the inflow and the chain's response. A gridded
        inflow whose step already fits is kept as it is (re-binning smooths a little).
        A spill at the inlet itself is not gridded: its cells are evaluated in closed
        form (``_direct``), on nodes that hit the end (and the start) of the release.
        """
        h = self.hydraulics
        theta = float(h.theta_s[seg])
        ncell = max(int(h.n_cells[seg]), 1)
        theta_c = theta / ncell
        chain_span = theta * (1.0 + 10.0 / math.sqrt(ncell) + 10.0 / ncell)
        src = self._states[state]
        if src is None and tau <= 0:
            dur = self.duration_s
            dt = max(
                (dur + chain_span) / _MAX_GRID,
                math.hypot(dur / _DIRECT_RELEASE_STEPS, theta_c / _DIRECT_CELL_STEPS),
            )
            self._direct.add(seg)
            if dur < dt:  # a short release: the first node at its end (the first cell's peak)
                return _GridState(dur, dt, np.zeros(0))
            # nodes at the start and at the end of the release
            return _GridState(0.0, dur / math.ceil(dur / dt), np.zeros(0))
        if src is None:
            # fine analytic curve at the inlet, then re-binned mass-conservatively
            tt, fl, cum_m = self._fine_release(tau, var)
            cum_t = tt
            scale = _sharpness(tt, fl)
            src_dt = 0.0
        else:
            if tau > 0 or var > 0:
                ((_, t0s, src_dt, rows),) = self._route(src, np.array([tau]), np.array([var]))
                t0, fl = float(t0s[0]), rows[0]
            else:
                t0, fl, src_dt = src.t0_s, src.flux, src.dt_s
            nz = np.flatnonzero(fl > 1e-12 * fl.max()) if fl.max() > 0 else np.array([0])
            a, b = int(nz[0]), int(nz[-1]) + 1
            tt = t0 + src_dt * np.arange(a, b)
            fl = fl[a:b]
            scale = _front_scale(tt, fl)
            dt = max(
                (tt[-1] - tt[0] + chain_span) / _MAX_GRID,
                math.hypot(scale / _SCALE_STEPS, theta_c / _CELL_STEPS),
            )
            if 0.5 * dt <= src_dt <= 1.25 * dt and (b - a) + chain_span / src_dt < _MAX_GRID:
                # a transfer's pulse keeps its fine head (see webgis.hydro.transfer)
                keep = src is self.inflow and tau <= 0 and var <= 0 and a == 0
                return _GridState(float(tt[0]), src_dt, fl.copy(), src.head if keep else None)
            cum_t = np.concatenate(([tt[0] - 0.5 * src_dt], tt + 0.5 * src_dt))
            cum_m = np.concatenate(([0.0], np.cumsum(fl * src_dt)))
        start, end = float(cum_t[0]), float(cum_t[-1])
        span = (end - start) + chain_span
        dt = max(span / _MAX_GRID, math.hypot(scale / _SCALE_STEPS, theta_c / _CELL_STEPS), 1e-3)
        nb = int(math.ceil((end - start) / dt)) + 1
        edges = start + dt * (np.arange(nb + 1) - 0.5)
        mass = np.diff(np.interp(edges, cum_t, cum_m, left=0.0, right=float(cum_m[-1])))
        grid = _GridState(start, dt, np.maximum(mass, 0.0) / dt)
        # a grid coarse next to the inflow (a slow cell's θc/96, or the step cap) blurs
        # the first cells' rise by a step of hours: a fine head over the inflow and the
        # next steps resolves the leading edge (the convolutions are causal, so the
        # head is exact up to its end)
        span_h = (end - start) + _HEAD_SPAN_STEPS * dt
        dt_h = max(scale / _SCALE_STEPS, src_dt, span_h / (_MAX_HEAD - 1), 1e-3)
        if dt > 2.0 * dt_h:
            nh = int(math.ceil(span_h / dt_h)) + 1
            edges = start + dt_h * (np.arange(nh + 1) - 0.5)
            mass = np.diff(np.interp(edges, cum_t, cum_m, left=0.0, right=float(cum_m[-1])))
            grid.head = _GridState(start, dt_h, np.maximum(mass, 0.0) / dt_h)
        return grid

    def _direct_cells(self, seg: int, need: list[int]) -> dict[int, np.ndarray]:
        """Cell outflows (kg/s on the inlet grid's nodes) of a release at the inlet itself.

        Pulse: M·(θ'/θ_c)ʲ·Erlang pdf(j, θ') ; box of duration T:
        (M/T)·(θ'/θ_c)ʲ·[P(j, t/θ') − P(j, (t−T)/θ')], 1/θ' = 1/θ_c + k.
        """
        h = self.hydraulics
        grid = self._inflows[seg]
        theta_c = float(h.theta_s[seg]) / max(int(h.n_cells[seg]), 1)
        theta_k = 1.0 / (1.0 / theta_c + self.decay_per_s)
        jmax = need[-1]
        dur = self.duration_s
        end = dur + theta_c * (jmax + 10.0 * math.sqrt(jmax) + 10.0)
        t = grid.t0_s + grid.dt_s * np.arange(int(math.ceil((end - grid.t0_s) / grid.dt_s)) + 1)
        pulse = dur < 1e-3 * theta_c
        x = t / theta_k
        xs = np.maximum(t - dur, 0.0) / theta_k
        term, term_s = np.exp(-x), np.exp(-xs)
        acc, acc_s = term.copy(), term_s.copy()
        out = {}
        want = set(need)
        for j in range(1, jmax + 1):
            factor = (theta_k / theta_c) ** j
            if j in want:
                if pulse:
                    out[j] = self.mass_kg * factor * term / theta_k
                else:
                    # P(j, x) - P(j, xs) = Q(j, xs) - Q(j, x), Q = Σ_{i<j} terms
                    out[j] = self.mass_kg / dur * factor * np.maximum(acc_s - acc, 0.0)
            term = term * x / j
            term_s = term_s * xs / j
            acc += term
            acc_s += term_s
        return out

    def _cells_out(self, seg: int, cells: Sequence[int]) -> dict[int, _GridState]:
        """Outflows of mixing cells ``cells`` (1-based) of reservoir segment ``seg``.

        Cell j's response is Erlang(j, θ_c) with decay, put on the grid's nodes with
        mass and mean kept exact (cells far shorter than a grid step are common);
        all requested cells are convolved with the inflow in one batched FFT and kept
        for later calls.
        """
        cache = self._cells.setdefault(seg, {})
        need = sorted({int(c) for c in cells} - cache.keys())
        if not need:
            return cache
        inflow = self._inflows[seg]
        if seg in self._direct:
            for c, row in self._direct_cells(seg, need).items():
                cache[c] = _GridState(inflow.t0_s, inflow.dt_s, row)
            return cache
        h = self.hydraulics
        ncell = max(int(h.n_cells[seg]), 1)
        theta_c = float(h.theta_s[seg]) / ncell
        if theta_c <= 0:
            for c in need:
                cache[c] = inflow
            return cache
        theta_k = 1.0 / (1.0 / theta_c + self.decay_per_s)
        dt = inflow.dt_s
        jmax = need[-1]
        hi = theta_c * (jmax + 10.0 * math.sqrt(jmax) + 10.0)
        nb = int(math.ceil(hi / dt)) + 1
        weights = _erlang_tent(need, np.arange(nb) * (dt / theta_k))
        kern = np.stack([weights[c] * (theta_k / theta_c) ** c for c in need])
        rows = _convolve_rows(inflow.flux, kern)
        heads: list[_GridState | None] = [None] * len(need)
        if inflow.head is not None:
            hd = inflow.head
            nh = hd.flux.size
            weights = _erlang_tent(need, np.arange(nh) * (hd.dt_s / theta_k))
            kern = np.stack([weights[c] * (theta_k / theta_c) ** c for c in need])
            rows_h = _convolve_rows(hd.flux, kern)[:, :nh]
            heads = [_GridState(hd.t0_s, hd.dt_s, r) for r in rows_h]
        for c, row, hd_c in zip(need, rows, heads, strict=True):
            cache[c] = _GridState(inflow.t0_s, dt, row, hd_c)
        return cache

    def _reservoir(self, seg: int, ncell: int) -> _GridState:
        # every cell at once when there are few (intakes and profile stations ask later)
        out = self._cells_out(seg, range(1, ncell + 1) if ncell <= 16 else [ncell])[ncell]
        # drop the negligible tail to keep later convolutions small
        f = out.flux
        keep = np.flatnonzero(f >= 1e-9 * f.max()) if f.size and f.max() > 0 else np.array([0])
        a, b = max(int(keep[0]) - 1, 0), int(keep[-1]) + 1
        return _GridState(out.t0_s + a * out.dt_s, out.dt_s, f[a:b].copy(), out.head)

    # -------------------------------------------------------------- public
    @property
    def anchor_m(self) -> float:
        """Where a cached transfer takes over (m from the spill), or inf."""
        return float(self.hydraulics.start_m[self._anchor]) if self._anchor >= 0 else math.inf

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
        """Concentration–time curves at positions (m from the spill) along the path.

        Positions are grouped by what feeds them: the analytic release (closed form,
        vectorised), a reservoir's outflow (all positions routed in batched FFTs) or a
        mixing cell (one batched FFT per reservoir for all the cells asked for).
        """
        pos = np.asarray(positions_m, dtype=np.float64)
        _, got = self.evaluate(pos, np.ones(pos.size, dtype=bool), npts)
        return got  # type: ignore[return-value]

    def peaks(
        self, positions_m: Sequence[float] | np.ndarray, npts: int = 40
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(arrival h, peak time h, peak mg/L) at positions — what :meth:`curves` gives for
        them, without building the curves (the longitudinal profile needs no more)."""
        pos = np.asarray(positions_m, dtype=np.float64)
        stats, _ = self.evaluate(pos, np.zeros(pos.size, dtype=bool), stats_npts=npts)
        return stats

    def evaluate(
        self,
        positions_m: Sequence[float] | np.ndarray,
        want_curve: np.ndarray,
        npts: int = 160,
        stats_npts: int = 40,
    ) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], list[Curve | None]]:
        """Statistics at every position and the curve where ``want_curve`` is set.

        Returns ((arrival h, peak time h, peak mg/L) arrays, curves): one pass for a
        profile and the receptors together, so that each reservoir outflow is routed and
        each cell convolved once. Positions fed by the release itself are sampled with
        ``npts`` points where a curve is wanted and ``stats_npts`` elsewhere.
        """
        pos = np.asarray(positions_m, dtype=np.float64)
        want_curve = np.asarray(want_curve, dtype=bool)
        stats = np.full((3, pos.size), np.nan)
        curves: list[Curve | None] = [None] * pos.size
        if pos.size == 0:
            return (stats[0], stats[1], stats[2]), curves
        seg, cells, taus, varis = self._locate(pos)
        qs = self._q_mix[seg]
        near = np.ones(pos.size, dtype=bool)
        groups: list[_Group] = []
        if self._anchor >= 0:
            a = self._anchor
            # the inlet itself is this model's (a reservoir's first cell starts below it)
            near = pos <= float(self.hydraulics.start_m[a]) + 1e-6
            far = np.flatnonzero(~near)
            if far.size:
                assert self._anchor_transfer is not None and self._anchor_inflow is not None
                # segment and offset in the transfer's frame, cells decided in this one
                at = seg[far]
                offset = pos[far] - self.hydraulics.start_m[at]
                for sel, t0s, dt, rows, head in self._anchor_transfer.compose(
                    at - a, offset, cells[far], self._anchor_inflow, self.decay_per_s
                ):
                    groups.append((far[sel], t0s, dt, rows, head))
        gridded = np.array([s is not None for s in self._states])[self._state_of[seg]]
        groups += self._grid_groups(np.flatnonzero(near & (gridded | (cells >= 1))),
                                    seg, cells, taus, varis)
        for idx, t0s, dt, rows, head in groups:
            c = rows * (_MG_PER_KG_OVER_L_PER_M3 / qs[idx][:, None])
            got = _curve_stats_rows(t0s, dt, c)
            fine: dict[int, tuple[np.ndarray, float, np.ndarray]] = {}
            if head is not None:
                which, (t0h, dth, ch) = head
                ch = ch * (_MG_PER_KG_OVER_L_PER_M3 / qs[idx[which]][:, None])
                sub = _head_stats(tuple(x[which] for x in got), dt, (t0h, dth, ch))
                for k in range(3):
                    got[k][which] = sub[k]
                fine = {int(r): (t0h[[j]], dth, ch[[j]]) for j, r in enumerate(which.tolist())}
            for k in range(3):
                stats[k, idx] = got[k]
            sel = [r for r in np.flatnonzero(want_curve[idx]).tolist() if r not in fine]
            for r, curve in zip(sel, _trimmed_curves(t0s, dt, c, sel, got), strict=True):
                curves[int(idx[r])] = curve
            for r in np.flatnonzero(want_curve[idx]).tolist():
                if r in fine:
                    one = tuple(x[[r]] for x in got)
                    (curve,) = _trimmed_curves(t0s[[r]], dt, c[[r]], [0], one, fine[r])
                    curves[int(idx[r])] = curve

        # from the spill itself: closed form
        analytic = np.flatnonzero(near & ~gridded & (cells < 1))
        for flag, n in ((True, npts), (False, stats_npts)):
            idx = analytic[want_curve[analytic] == flag]
            if idx.size == 0:
                continue
            a_tau, a_var = taus[idx].copy(), varis[idx].copy()
            for r in np.flatnonzero(a_tau <= 0).tolist():
                a_tau[r], a_var[r] = self._tiny_moments(int(seg[idx[r]]))
            t2, c2 = self._analytic_curves(a_tau, a_var, qs[idx], n)
            arr, tp, cp = _curve_stats_rows(t2[:, 0], t2[:, 1] - t2[:, 0], c2)
            stats[0, idx], stats[1, idx], stats[2, idx] = arr, tp, cp
            if flag:
                th = t2 / 3600.0
                arr_h, tp_h = (arr / 3600.0).tolist(), (tp / 3600.0).tolist()
                for r, p_i in enumerate(idx.tolist()):
                    curves[p_i] = Curve(th[r], c2[r], arr_h[r], tp_h[r], float(cp[r]))
        stats[:2] /= 3600.0
        return (stats[0], stats[1], stats[2]), curves

    def gridded(self, seg: np.ndarray, offset_m: np.ndarray) -> list[_GridState]:
        """The mass flux at points ``offset_m`` into segments ``seg`` as gridded curves
        (with their fine heads), for a model fed by a gridded ``inflow`` (a transfer);
        the ends below ``_ROW_TRIM`` of the peak are dropped (a mass share of that
        order: a long exponential tail below a slow reservoir would otherwise be most of
        every later convolution)."""
        if self.inflow is None:
            raise ValueError("gridded() needs a model fed by a gridded inflow")
        seg = np.asarray(seg, dtype=np.int64)
        cells, taus, varis = self._within(seg, np.asarray(offset_m, dtype=np.float64))
        out: list[_GridState | None] = [None] * seg.size
        for idx, t0s, dt, rows, head in self._grid_groups(
            np.arange(seg.size), seg, cells, taus, varis
        ):
            heads: dict[int, _GridState] = {}
            if head is not None:
                which, (t0h, dth, ch) = head
                heads = {
                    int(r): _GridState(float(t0h[j]), dth, ch[j].copy())
                    for j, r in enumerate(which.tolist())
                }
            for r, p in enumerate(idx.tolist()):
                row = rows[r]
                big = float(row.max()) if row.size else 0.0
                nz = np.flatnonzero(row > _ROW_TRIM * big) if big > 0 else np.array([0])
                a, b = int(nz[0]), int(nz[-1]) + 1
                out[p] = _GridState(float(t0s[r]) + a * dt, dt, row[a:b].copy(), heads.get(r))
        return out  # type: ignore[return-value]

    def _locate(self, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(segment, reservoir cell or 0, channel moments from the state feeding it) of
        every position."""
        h = self.hydraulics
        nseg = h.length_m.size
        seg = np.clip(np.searchsorted(h.start_m, pos, side="right") - 1, 0, nseg - 1)
        return (seg, *self._within(seg, pos - h.start_m[seg]))

    def _within(
        self, seg: np.ndarray, offset_m: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(reservoir cell or 0, channel moments) of points ``offset_m`` into segments
        ``seg`` (a point on a cell boundary belongs to the upstream cell)."""
        h = self.hydraulics
        seg_len = h.length_m[seg]
        with np.errstate(invalid="ignore", divide="ignore"):
            fr = np.clip(np.where(seg_len > 0, offset_m / seg_len, 0.0), 0.0, 1.0)
        chan = ~h.is_reservoir[seg]
        part = np.where(chan, seg_len * fr, 0.0)
        u_s = h.velocity_mps[seg]
        taus = self._tau0[seg] + np.where(chan, part / u_s, 0.0)
        varis = self._var0[seg] + np.where(chan, 2.0 * h.dispersion_m2s[seg] * part / u_s**3, 0.0)
        ncs = np.maximum(h.n_cells[seg], 1)
        cells = np.where(chan, 0, np.minimum(np.ceil(fr * ncs - 1e-9), ncs)).astype(np.int64)
        return cells, taus, varis

    def _grid_groups(
        self,
        which: np.ndarray,
        seg: np.ndarray,
        cells: np.ndarray,
        taus: np.ndarray,
        varis: np.ndarray,
    ) -> list[_Group]:
        """Gridded fluxes at positions ``which`` (inside a reservoir cell, or fed by a
        gridded state): groups of (position indices, row starts, step, fluxes kg/s, fine
        heads as (rows that have one, (starts, step, fluxes)) or None)."""
        groups: list[_Group] = []
        # inside a reservoir: the output of the cell the point sits in
        in_cell = which[cells[which] >= 1]
        for s in np.unique(seg[in_cell]).tolist():
            idx = in_cell[seg[in_cell] == s]
            want = cells[idx].tolist()
            states = self._cells_out(s, want)
            g = [states[c] for c in want]
            rows = np.zeros((idx.size, max(x.flux.size for x in g)))
            for r, x in enumerate(g):
                rows[r, : x.flux.size] = x.flux
            head: _Head | None = None
            if all(x.head is not None for x in g):
                hs = [x.head for x in g]
                head = (
                    np.arange(idx.size),
                    (np.array([x.t0_s for x in hs]), hs[0].dt_s, np.stack([x.flux for x in hs])),
                )
            groups.append((idx, np.array([x.t0_s for x in g]), g[0].dt_s, rows, head))

        # downstream of a reservoir (or of a gridded inflow): routed through the channel
        routed = which[cells[which] < 1]
        st_of = self._state_of[seg]
        for st in np.unique(st_of[routed]).tolist():
            idx = routed[st_of[routed] == st]
            src = self._states[st]
            assert src is not None
            routed_head = self._route_head(src, taus[idx], varis[idx])
            hmap = np.full(idx.size, -1)
            if routed_head is not None:
                hmap[routed_head[0]] = np.arange(routed_head[0].size)
            for sel, t0s, dt, rows in self._route(src, taus[idx], varis[idx]):
                head = None
                if routed_head is not None:
                    got = np.flatnonzero(hmap[sel] >= 0)
                    hr = hmap[sel][got]
                    t0h, dth, ch = routed_head[2]
                    if got.size:
                        head = (got, (t0h[hr], dth, ch[hr]))
                groups.append((idx[sel], t0s, dt, rows, head))
        return groups

    def _tiny_moments(self, seg: int) -> tuple[float, float]:
        """Moments 1 m below the spill (the release point itself is singular)."""
        h = self.hydraulics
        u, d = float(h.velocity_mps[seg]), float(h.dispersion_m2s[seg])
        return 1.0 / u, 2.0 * d / u**3

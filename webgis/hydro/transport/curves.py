"""Concentration–time curves and their statistics (arrival, peak, time above a limit).

Curves come either in closed form (sampled on their own window) or gridded (rows
sampled every ``dt`` from a start each, possibly with a fine "head" over their start,
see :func:`head_stats`). The statistics are read the same way from both.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from webgis.hydro.transport.types import FloatArray

# Leading edge = first time the concentration reaches this fraction of the local peak.
# Jobson (1996) reports the leading edge at ~0.89 of the peak travel time for observed
# dye clouds; 1 % of the peak is the usual "first detectable" definition in tracer work.
LEADING_EDGE_FRACTION = 0.01
# z such that a Gaussian falls to 1 % of its peak: exp(-z²/2) = 0.01
LEADING_EDGE_Z = math.sqrt(-2.0 * math.log(LEADING_EDGE_FRACTION))
# curves are cut where they fall below this fraction of their peak
TRIM_FRACTION = 1e-4

# a curve's (start of each row, step, values) on a fine grid over its start
Head = tuple[FloatArray, float, FloatArray]
# (arrival, peak time, peak concentration) of rows of curves
Stats = tuple[FloatArray, FloatArray, FloatArray]


@dataclass(frozen=True, slots=True)
class Curve:
    """Concentration–time curve at one position (hours since release, mg/L)."""

    times_h: FloatArray
    conc_mgl: FloatArray
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
        pts: list[list[float]] = np.column_stack((np.round(t, 4), c)).tolist()
        return pts


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


def exceed_hours_until(curves: Sequence[Curve], limits: Sequence[float | None],
                       until_h: float) -> tuple[list[float], list[bool]]:
    """:func:`exceed_hours_many` counted up to ``until_h`` only (the horizon), and whether
    each curve is still above its limit there (linear between samples; a curve that ends
    before ``until_h`` has ended below it).

    A forecast says nothing past its horizon: an exceedance still running there lasted
    *at least* the hours counted, and is flagged rather than extrapolated."""
    cut: list[Curve] = []
    above = [False] * len(curves)
    for i, (c, lim) in enumerate(zip(curves, limits, strict=True)):
        t = c.times_h
        if t.size == 0 or t[-1] <= until_h:
            cut.append(c)
            continue
        k = int(np.searchsorted(t, until_h, side="left"))  # t[k-1] < until_h <= t[k]
        at = float(np.interp(until_h, t, c.conc_mgl))
        above[i] = lim is not None and k > 0 and at > lim
        times = np.concatenate((t[:k], [until_h]))
        conc = np.concatenate((c.conc_mgl[:k], [at]))
        # the peak statistic only gates the count (a peak past the horizon: the max kept)
        cut.append(Curve(times, conc, c.arrival_h, c.peak_h,
                         float(conc.max()) if conc.size else 0.0))
    return exceed_hours_many(cut, limits), above


def curve_stats_rows(t0: FloatArray, dt: FloatArray | float, c: FloatArray) -> Stats:
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
    # the curve reaches 1 % of its peak at the latest at its largest sample: the
    # columns after the last row's largest sample need not be searched
    arr = first_crossing(t0, dt, c[:, : int(i.max()) + 1], LEADING_EDGE_FRACTION * cp)
    ok_peak = cmax > 0
    return np.where(ok_peak, arr, np.nan), np.where(ok_peak, tp, np.nan), cp


def first_crossing(
    t0: FloatArray, dt: FloatArray | float, c: FloatArray, thr: FloatArray
) -> FloatArray:
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


def head_stats(
    stats: Stats,
    dt: float,
    head: Head,
) -> Stats:
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
    arr_h, tp_h, cp_h = curve_stats_rows(t0h, dth, ch)
    use = (cp_h >= cp) & (tp_h <= end - 2.0 * dt) & np.isfinite(tp_h)
    cp = np.where(use, cp_h, cp)
    tp = np.where(use, tp_h, tp)
    got = first_crossing(t0h, dth, ch, LEADING_EDGE_FRACTION * cp)
    arr = np.where(np.isnan(got), np.maximum(arr, end), got)
    ok = cp > 0
    return np.where(ok, arr, np.nan), np.where(ok, tp, np.nan), cp


def trimmed_curves(
    starts: FloatArray,
    dt: float,
    c: FloatArray,
    rows: Sequence[int],
    stats: Stats,
    head: Head | None = None,
) -> list[Curve]:
    """Curves of rows ``rows`` of gridded concentrations ``c`` (mg/L, one row per
    position, sampled every ``dt`` from ``starts``), trimmed to 10⁻⁴ of their peak.

    ``stats`` are the rows' (arrival, peak time, peak) from :func:`curve_stats_rows`
    (or :func:`head_stats`): trimming keeps one sample on each side of the part above
    10⁻⁴ of the peak. With ``head`` (fine rows, see :func:`head_stats`) a curve takes
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
            ok = np.flatnonzero(row >= TRIM_FRACTION * cmax)
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


def front_scale(t: FloatArray, flux: FloatArray) -> float:
    """The time scale a grid must resolve in a sampled curve: :func:`sharpness`, or
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
    return min(sharpness(t, flux), front)


def sharpness(t: FloatArray, flux: FloatArray) -> float:
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


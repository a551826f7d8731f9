"""The release itself in closed form: its flux anywhere on the channels above the
first reservoir (or gridded state) of a path.

A pulse of mass M passes a point of channel moments (tau, S) as M·f(t; tau, S)·e^(−kt);
a release of duration T at constant rate as (M/T)·[F(t) − F(t − T)] with F the
closed-form integral of f·e^(−kt) (webgis.hydro.transport.kernels). A rate series
(piecewise constant rates r_i from t_i to t_(i+1)) is the sum of such boxes, each
delayed by its start: Σ r_i·[F(t − t_i) − F(t − t_(i+1))] — the transport is linear in
the mass, so superposition is exact; all pieces are evaluated in one array operation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

import webgis.hydro.transport.resolution as res
from webgis.hydro.transport.curves import TRIM_FRACTION, sharpness
from webgis.hydro.transport.grid import Inflow
from webgis.hydro.transport.kernels import channel_cdf, channel_pdf
from webgis.hydro.transport.types import FloatArray


@lru_cache(maxsize=16)
def _unit_steps(n: int) -> FloatArray:
    """np.linspace(0, 1, n), made once per n (read-only)."""
    out = np.linspace(0.0, 1.0, n)
    out.flags.writeable = False
    return out


@dataclass(frozen=True, slots=True)
class Release:
    """A release of ``mass_kg`` over ``duration_s`` (0: instantaneous) decaying at
    ``decay_per_s`` (first order); or, with ``times_s``/``rates_kg_s`` set (see
    :meth:`of_series`), a piecewise-constant rate series of that mass and duration."""

    mass_kg: float
    duration_s: float = 0.0
    decay_per_s: float = 0.0
    # a rate series: breakpoints (s, from 0, increasing) and the rate (kg/s) from each one
    # to the next; the last rate is 0 (the release has ended). Empty: a constant rate.
    times_s: tuple[float, ...] = ()
    rates_kg_s: tuple[float, ...] = ()

    @classmethod
    def of_series(
        cls, times_s: tuple[float, ...], rates_kg_s: tuple[float, ...], decay_per_s: float = 0.0
    ) -> Release:
        """The release of a rate series (checked by :func:`series_mass_kg`): its mass is
        the integral of the rates, its duration the last breakpoint."""
        mass = series_mass_kg(times_s, rates_kg_s)
        return cls(mass, float(times_s[-1]), decay_per_s, tuple(map(float, times_s)),
                   tuple(map(float, rates_kg_s)))

    def flux(self, t: FloatArray, tau: FloatArray, var: FloatArray) -> FloatArray:
        """Mass flux (kg/s) at travel-time moments (tau, var) from the spill itself."""
        if self.times_s:
            return self._series_flux(t, tau, var)
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
        # F(t) and F(t - T) in one evaluation
        both = channel_cdf(np.stack((t, t - dur)), tau, var, k)
        box = rate * (both[0] - both[1])
        return np.where(short, inst, box) if any_short else box

    def _series_flux(self, t: FloatArray, tau: FloatArray, var: FloatArray) -> FloatArray:
        """Σ_i r_i·[F(t − t_i) − F(t − t_(i+1))] over the pieces with a rate (vectorised:
        one CDF evaluation per breakpoint, stacked). A piece much shorter than the
        cloud's spread is a pulse of its mass at its middle, as for a constant release
        (the difference of two nearly equal CDFs would lose digits)."""
        k = self.decay_per_s
        ts = np.asarray(self.times_s, dtype=np.float64)
        r = np.asarray(self.rates_kg_s, dtype=np.float64)[:-1]
        live = np.flatnonzero(r > 0)
        t, tau, var = np.broadcast_arrays(t, tau, var)
        if live.size == 0:
            return np.zeros(t.shape)
        # the breakpoints the live pieces start or end at, each evaluated once
        nodes = np.union1d(live, live + 1)
        at = np.searchsorted(nodes, live)
        starts, ends, rate = ts[live], ts[live + 1], r[live]
        # breakpoint / piece axis first: (n, *t.shape)
        expand = (slice(None),) + (None,) * t.ndim
        cdf = channel_cdf(t[None] - ts[nodes][expand], tau[None], var[None], k)
        box = rate[expand] * (cdf[at] - cdf[at + 1])
        length = (ends - starts)[expand]
        short = length < 1e-2 * np.sqrt(var)[None]
        if bool(np.any(short)):
            mid = (0.5 * (starts + ends))[expand]
            pulse = (rate[expand] * length) * channel_pdf(t[None] - mid, tau[None], var[None], k)
            pulse = pulse * np.exp(0.5 * k * length)
            box = np.where(short, pulse, box)
        out: FloatArray = np.maximum(box.sum(axis=0), 0.0)
        return out

    def window(self, tau: FloatArray, var: FloatArray) -> tuple[FloatArray, FloatArray]:
        """A time window that surely contains the passage (the curve is then trimmed)."""
        sigma = np.sqrt(var)
        first, last = self._live_span_s()
        lo = np.maximum(tau + first - 7.0 * sigma, 0.0)
        hi = tau + last + 8.0 * sigma + 40.0 * var / np.maximum(tau, 1e-9)
        return lo, hi

    def _live_span_s(self) -> tuple[float, float]:
        """(start of the first piece with a rate, end of the last): (0, duration) for a
        constant release; a series' leading and trailing zero rates release nothing."""
        if not self.times_s:
            return 0.0, self.duration_s
        live = [i for i, r in enumerate(self.rates_kg_s[:-1]) if r > 0]
        if not live:
            return 0.0, self.duration_s
        return self.times_s[live[0]], self.times_s[live[-1] + 1]

    def curves(
        self, tau: FloatArray, var: FloatArray, q: FloatArray, npts: int
    ) -> tuple[FloatArray, FloatArray]:
        """Sampled curves (s, mg/L; one row per position), two passes to zoom in."""
        lo2, hi2 = self.zoom(tau, var)
        return self.sampled(tau, var, q, lo2, hi2, npts)

    def zoom(self, tau: FloatArray, var: FloatArray) -> tuple[FloatArray, FloatArray]:
        """The span of each row's passage above ``TRIM_FRACTION`` of its peak (and one of
        64 samples of :meth:`window` on each side): where :meth:`sampled` samples it."""
        lo, hi = self.window(tau, var)
        # a series: 8 more per piece after the first, so that a short piece between long
        # pauses is seen (one piece is a constant release: the same 64)
        n = 64 if not self.times_s else min(64 + 8 * (len(self.times_s) - 2), 1000)
        t = lo[:, None] + (hi - lo)[:, None] * _unit_steps(n)[None, :]
        c = self.flux(t, tau[:, None], var[:, None])
        cmax = c.max(axis=1, keepdims=True)
        ok = c >= TRIM_FRACTION * np.maximum(cmax, 1e-300)
        first = np.argmax(ok, axis=1)
        last = c.shape[1] - 1 - np.argmax(ok[:, ::-1], axis=1)
        rows = np.arange(c.shape[0])
        lo2 = t[rows, np.maximum(first - 1, 0)]
        hi2 = t[rows, np.minimum(last + 1, c.shape[1] - 1)]
        return lo2, hi2

    def sampled(
        self,
        tau: FloatArray,
        var: FloatArray,
        q: FloatArray,
        lo: FloatArray,
        hi: FloatArray,
        npts: int,
    ) -> tuple[FloatArray, FloatArray]:
        """Curves (s, mg/L; one row per position) sampled ``npts`` times from ``lo`` to
        ``hi``, diluted into discharges ``q``."""
        t2 = lo[:, None] + (hi - lo)[:, None] * _unit_steps(npts)[None, :]
        c2 = self.flux(t2, tau[:, None], var[:, None])
        return t2, res.MG_PER_KG_OVER_L_PER_M3 * c2 / q[:, None]

    def fine(self, tau: float, var: float) -> tuple[FloatArray, FloatArray, FloatArray]:
        """(times s, flux kg/s, cumulative kg) of the release at channel moments (tau, var):
        400 samples in closed form, the cumulative mass by the trapezoid rule."""
        t2, c2 = self.curves(np.array([tau]), np.array([var]), np.array([1.0]), 400)
        tt, fl = t2[0], c2[0] / res.MG_PER_KG_OVER_L_PER_M3
        return tt, fl, np.concatenate(([0.0], np.cumsum(0.5 * (fl[1:] + fl[:-1]) * np.diff(tt))))

    def inflow(self, tau: float, var: float) -> Inflow:
        """The release's flux at channel moments (tau, var), fine and in closed form."""
        tt, fl, cum = self.fine(tau, var)
        front = math.sqrt(var)
        return Inflow(tt, cum, front, max(front, sharpness(tt, fl)), float(tt[0]))


def series_mass_kg(times_s: tuple[float, ...], rates_kg_s: tuple[float, ...]) -> float:
    """The mass of a rate series (the integral of its rates), after checking it: at least
    two breakpoints, the first at 0, strictly increasing and finite; rates finite and
    ≥ 0, the last 0 (the release ends), some mass released."""
    if len(times_s) != len(rates_kg_s) or len(times_s) < 2:
        raise ValueError("a rate series needs as many rates as times, at least two")
    ts = np.asarray(times_s, dtype=np.float64)
    r = np.asarray(rates_kg_s, dtype=np.float64)
    if not (np.all(np.isfinite(ts)) and np.all(np.isfinite(r))):
        raise ValueError("a rate series must be finite")
    if ts[0] != 0.0 or not bool(np.all(np.diff(ts) > 0)):
        raise ValueError("a rate series' times must start at 0 and increase strictly")
    if bool(np.any(r < 0)) or r[-1] != 0.0:
        raise ValueError("a rate series' rates must be ≥ 0 and the last one 0")
    mass = float(np.sum(r[:-1] * np.diff(ts)))
    if not mass > 0:
        raise ValueError("a rate series must release some mass")
    return mass

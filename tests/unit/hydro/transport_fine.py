"""An independent fine-grid reference for the transport along a path (tests only).

It shares no code and no formula function with ``webgis.hydro.transport``: every
response is written here from the textbook and put on one uniform fine time grid,
and the path is composed by plain FFT convolutions on that grid.

* Channel: the textbook resident concentration of an instantaneous release in a uniform
  channel, C(x, t) = M/(A·sqrt(4πDt))·exp(−(x − ut)²/(4Dt)); a stretch of channels with
  travel-time moments tau = Σ L/u and S = Σ 2DL/u³ is the uniform channel u = 1,
  x = tau, D = S/(2·tau) (the variance-additive "frozen cloud" of the Rhine Alarm Model,
  docs/model.md). Its flux per unit mass is g(t) = exp(−(tau − t)²/(4Dt))/sqrt(4πDt),
  integrated over each step by Simpson's rule on sub-samples.
* Reservoir: a chain of stirred tanks, each answering an input with
  (1/θc)·exp(−t/θk), 1/θk = 1/θc + k, integrated exactly over each step; the cells are
  applied one after the other (no Erlang formula).
* Decay: every response is damped by exp(−k·age) over its own time.
* Concentration = flux / Q_mix, Q_mix the largest discharge met so far on the path.

Each response's mass in the step [n·dt, (n+1)·dt] sits on node n, which makes every
composed curve dt/2 early per response: the times are shifted back by that amount.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from webgis.hydro.hydraulics import PathHydraulics

_SUB = 8  # Simpson sub-intervals per step (at least) for the channel responses


def _fft_conv(x: np.ndarray, w: np.ndarray, n: int) -> np.ndarray:
    size = 1 << (len(x) + len(w)).bit_length()
    out = np.fft.irfft(np.fft.rfft(x, size) * np.fft.rfft(w, size), size)[:n]
    return np.maximum(out, 0.0)


def channel_response(tau: float, var: float, k: float, dt: float, n: int) -> np.ndarray:
    """Mass per step [i·dt, (i+1)·dt] of a unit pulse through a stretch (tau, var).

    Simpson's rule in s = sqrt(t) (the response may rise like 1/sqrt(t) right below a
    reservoir, where dispersion dominates), on at least 8 sub-intervals per step and 8
    per standard deviation, over the steps where the response is not negligible.
    """
    d = var / (2.0 * tau)
    sigma = math.sqrt(var)
    lo = int(max(tau - 12.0 * sigma, 0.0) // dt)
    hi = min(int((tau + 12.0 * sigma + 80.0 * var / tau) // dt) + 2, n)
    sub = 2 * max(_SUB // 2, math.ceil(4.0 * dt / sigma))
    sa = np.sqrt(np.arange(lo, hi) * dt)[:, None]
    sb = np.sqrt(np.arange(lo + 1, hi + 1) * dt)[:, None]
    s = sa + (sb - sa) * (np.arange(sub + 1) / sub)[None, :]
    t = s * s
    with np.errstate(divide="ignore", over="ignore", under="ignore", invalid="ignore"):
        g = np.exp(-((tau - t) ** 2) / (4.0 * d * t) - k * t) / np.sqrt(4.0 * math.pi * d * t)
    g = np.where(t > 0, np.nan_to_num(g), 0.0) * 2.0 * s  # dt = 2s ds
    w = np.ones(sub + 1)
    w[1:-1:2], w[2:-1:2] = 4.0, 2.0
    out = np.zeros(n)
    out[lo:hi] = (g @ w) * ((sb - sa)[:, 0] / sub / 3.0)
    return out


def cell_response(theta_c: float, k: float, dt: float, n: int) -> np.ndarray:
    """Mass per step of a unit pulse through one stirred tank (exact per step)."""
    theta_k = 1.0 / (1.0 / theta_c + k)
    e = np.exp(-np.arange(n + 1) * dt / theta_k)
    return theta_k / theta_c * (e[:-1] - e[1:])


@dataclass
class FineReference:
    """Concentrations (mg/L) at positions of a path on a grid of step ``dt_s``."""

    h: PathHydraulics
    mass_kg: float
    duration_s: float
    decay_per_s: float
    dt_s: float
    end_s: float

    def curves(self, positions_m: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """(times s, mg/L) at each position."""
        h, dt, k = self.h, self.dt_s, self.decay_per_s
        n = int(math.ceil(self.end_s / dt)) + 1
        q_mix = np.maximum.accumulate(h.discharge_m3s)
        # the source: mass per step, and how many dt/2 it is early
        if self.duration_s <= 0:
            src = np.zeros(n)
            src[0] = self.mass_kg
            early = 0
        else:
            edges = np.minimum(np.arange(n + 1) * dt, self.duration_s)
            src = np.diff(edges) * (self.mass_kg / self.duration_s)
            early = 1
        # walk the path: the flux at each segment's inlet (mass per step), the channel
        # moments accumulated since the last gridded state, and its early count
        state, s_early, tau, var = src, early, 0.0, 0.0
        inlets = []
        cells_out: dict[int, list[np.ndarray]] = {}
        for i in range(h.length_m.size):
            inlets.append((state, s_early, tau, var))
            if h.is_reservoir[i]:
                x = self._route(state, tau, var, n)
                e = s_early + (1 if tau > 0 else 0)
                ncell = max(int(h.n_cells[i]), 1)
                theta_c = float(h.theta_s[i]) / ncell
                w = cell_response(theta_c, k, dt, n)
                outs = []
                for _ in range(ncell):
                    x = _fft_conv(x, w, n)
                    e += 1
                    outs.append(x)
                cells_out[i] = outs
                state, s_early, tau, var = outs[-1], e, 0.0, 0.0
            else:
                u, d, length = (float(h.velocity_mps[i]), float(h.dispersion_m2s[i]),
                                float(h.length_m[i]))
                tau += length / u
                var += 2.0 * d * length / u**3
        out = []
        t = np.arange(n) * dt
        for x in np.asarray(positions_m, dtype=float):
            i = int(np.clip(np.searchsorted(h.start_m, x, side="right") - 1, 0,
                            h.length_m.size - 1))
            frac = min(max((x - h.start_m[i]) / h.length_m[i], 0.0), 1.0)
            state, s_early, tau, var = inlets[i]
            ncell = max(int(h.n_cells[i]), 1)
            # a point on a cell boundary belongs to the upstream cell (the inlet: none)
            cell = min(math.ceil(frac * ncell - 1e-9), ncell) if h.is_reservoir[i] else 0
            if cell >= 1:
                e = s_early + (1 if tau > 0 else 0) + cell
                flux = cells_out[i][cell - 1]
            else:
                if not h.is_reservoir[i]:
                    u, d = float(h.velocity_mps[i]), float(h.dispersion_m2s[i])
                    part = frac * float(h.length_m[i])
                    tau += part / u
                    var += 2.0 * d * part / u**3
                flux = self._route(state, tau, var, n)
                e = s_early + (1 if tau > 0 else 0)
            conc = flux / dt / q_mix[i] * 1e3
            out.append((t + 0.5 * dt * e, conc))
        return out

    def _route(self, state: np.ndarray, tau: float, var: float, n: int) -> np.ndarray:
        if tau <= 0:
            return state
        w = channel_response(tau, var, self.decay_per_s, self.dt_s, n)
        return _fft_conv(state, w, n)


def stats(t: np.ndarray, c: np.ndarray, edge: float = 0.01) -> tuple[float, float, float]:
    """(arrival s at ``edge`` of the peak, peak time s, peak mg/L) of a sampled curve."""
    i = int(np.argmax(c))
    cp = float(c[i])
    k = int(np.argmax(c >= edge * cp))
    if k == 0:
        arr = float(t[0])
    else:
        arr = float(t[k - 1] + (edge * cp - c[k - 1]) / (c[k] - c[k - 1]) * (t[k] - t[k - 1]))
    return arr, float(t[i]), cp


def hours_above(t: np.ndarray, c: np.ndarray, limit: float) -> float:
    """Hours a sampled curve spends above ``limit`` (counted per step)."""
    return float((c > limit).sum()) * float(t[1] - t[0]) / 3600.0

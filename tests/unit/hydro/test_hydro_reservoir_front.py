"""Leading edges in and below slow reservoirs against an independent fine reference.

A slow reservoir (θ of 100–400 h, 1–3 mixing cells) is gridded with steps of hours
(θ_c/96, at most 4,096 steps over the chain's response), far coarser than a plume that
arrives after a short channel run. Its first cells rise within the inflow's own time
scale, so the leading edge (1 % of the local peak) has to come from the fine head of the
grid: these paths check it against a direct evaluation on 18-second steps — the inflow in
closed form (exact bin masses from the channel CDF), the cells by exact bin weights of the
Erlang CDF, the channel below by the channel density — within 2 % or 0.05 h.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_hydro_transport_grid import HOUR, path

from webgis.hydro.transport import LEADING_EDGE_FRACTION, PlumeModel, channel_cdf, channel_pdf

STEP = 18.0  # s, the reference's step


def _erlang_cdf(j: int, x: np.ndarray) -> np.ndarray:
    term = np.exp(-x)
    acc = term.copy()
    for i in range(1, j):
        term = term * x / i
        acc = acc + term
    return np.clip(1.0 - acc, 0.0, 1.0)


def _fft_convolve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    n = a.size + b.size - 1
    nfft = 1 << (n - 1).bit_length()
    return np.fft.irfft(np.fft.rfft(a, nfft) * np.fft.rfft(b, nfft), nfft)[: a.size]


def reference(segments, mass, duration_s, decay, positions_m, t_end):
    """Arrival (h) at each position: channel → reservoir (cells) → channel, on a fine grid.

    Mass flux on bins [nh, (n+1)h): the inflow's exact bin masses, cell j's outflow as the
    inflow convolved with the exact bin masses of the (decaying) Erlang response, and the
    channel below as a convolution with its density.
    """
    (c0, len0, u0, d0, _), (_, len_r, theta, ncell, _), (_, _, u1, d1, _) = segments
    k = decay
    t = np.arange(int(t_end / STEP) + 2) * STEP
    tau, var = len0 / u0, 2.0 * d0 * len0 / u0**3
    if duration_s <= 0:
        cum = mass * channel_cdf(t, tau, var, k)
    else:  # ∫ of the box release's flux, by the trapezoid rule on a 16× finer grid
        tf = np.arange(16 * (t.size - 1) + 1) * (STEP / 16)
        rate = mass / duration_s
        f = rate * (channel_cdf(tf, tau, var, k) - channel_cdf(tf - duration_s, tau, var, k))
        cum = np.concatenate(([0.0], np.cumsum(0.5 * (f[1:] + f[:-1]) * (STEP / 16))))[::16]
    inflow = np.diff(cum) / STEP
    theta_c = theta / ncell
    theta_k = 1.0 / (1.0 / theta_c + k)
    out: dict[float, float] = {}
    cells = {}
    for j in range(1, ncell + 1):
        p = _erlang_cdf(j, t / theta_k) * (theta_k / theta_c) ** j
        w = np.diff(p)  # bin d: ∫ over [(d-1)h, dh] of the response, d ≥ 1
        cells[j] = np.concatenate(([0.0], _fft_convolve(inflow, w)))  # at node times
    for x in positions_m:
        if x <= len0 + len_r:
            j = max(math.ceil((x - len0) / len_r * ncell - 1e-9), 1)
            c = cells[j]
        else:
            rel = x - len0 - len_r
            tau1, var1 = rel / u1, 2.0 * d1 * rel / u1**3
            c = _fft_convolve(cells[ncell], STEP * channel_pdf(t, tau1, var1, k))
        peak = float(c.max())
        i = int(np.argmax(c >= LEADING_EDGE_FRACTION * peak))
        frac = (LEADING_EDGE_FRACTION * peak - c[i - 1]) / (c[i] - c[i - 1])
        out[x] = (t[i - 1] + frac * STEP) / HOUR
    return out


# (upstream channel, slow reservoir, channel below); release (mass, hours, decay per day)
CASES = {
    # Jinchang-like: 15 km of river, then 5 km of reservoir, θ = 424 h in 2 cells
    "jinchang": (
        [
            ("c", 14_700, 0.62, 25.0, 4.0),
            ("r", 5_000, 424 * HOUR, 2, 4.6),
            ("c", 20_000, 0.7, 30.0, 5.0),
        ],
        (5_000.0, 2.0, 0.5),
    ),
    # a spill 300 m above a 1-cell reservoir of 100 h
    "just-above-1-cell": (
        [
            ("c", 300, 0.7, 20.0, 8.0),
            ("r", 3_000, 100 * HOUR, 1, 8.0),
            ("c", 20_000, 0.8, 40.0, 9.0),
        ],
        (1_000.0, 0.0, 0.0),
    ),
    # 400 h in 1 cell after 8 km, continuous release with decay
    "400h-1-cell": (
        [
            ("c", 8_000, 0.9, 40.0, 20.0),
            ("r", 4_000, 400 * HOUR, 1, 20.0),
            ("c", 30_000, 1.0, 60.0, 22.0),
        ],
        (2_000.0, 1.0, 0.2),
    ),
    # 3 cells, 250 h, after 25 km
    "250h-3-cells": (
        [
            ("c", 25_000, 1.0, 50.0, 30.0),
            ("r", 9_000, 250 * HOUR, 3, 30.0),
            ("c", 15_000, 1.1, 60.0, 32.0),
        ],
        (5_000.0, 0.0, 0.3),
    ),
    # a spill 500 m above a 3-cell reservoir of 150 h, 6 h release
    "just-above-3-cells": (
        [
            ("c", 500, 0.6, 15.0, 5.0),
            ("r", 6_000, 150 * HOUR, 3, 5.0),
            ("c", 10_000, 0.7, 25.0, 6.0),
        ],
        (1_000.0, 6.0, 0.0),
    ),
}


def _positions(segments):
    len0, len_r, ncell = segments[0][1], segments[1][1], segments[1][3]
    cells = [len0 + (j - 0.5) * len_r / ncell for j in range(1, ncell + 1)]
    below = [len0 + len_r + d for d in (2_000.0, 10_000.0)]
    return [*cells, len0 + len_r - 1.0, *below]


@pytest.mark.parametrize("name", list(CASES))
def test_leading_edge_in_and_below_a_slow_reservoir(name):
    segments, (mass, hours, per_day) = CASES[name]
    h = path(segments)
    pos = _positions(segments)
    decay = per_day / 86_400.0
    model = PlumeModel(h, mass, hours * HOUR, decay)
    curves = model.curves(pos)
    arr, _, _ = model.peaks(pos)
    ncell, theta = segments[1][3], segments[1][2]
    t_end = hours * HOUR + 3 * HOUR + theta / ncell * (ncell + 1)
    ref = reference(segments, mass, hours * HOUR, decay, pos, t_end)
    for x, c, a in zip(pos, curves, arr, strict=True):
        where = f"{name} at {x / 1000:.2f} km"
        assert c.arrival_h == pytest.approx(ref[x], rel=0.02, abs=0.05), where
        # the statistics-only path (the profile) gives the same leading edge
        assert a == pytest.approx(c.arrival_h, rel=1e-9), where
        assert c.times_h[0] <= c.arrival_h <= c.peak_h <= c.times_h[-1], where


def test_the_reference_gives_the_closed_form_erlang_edge():
    """A pulse right at the inlet: cell 2's edge x·e⁻ˣ = 0.01/e, x = 0.003693 (θ' units),
    plus half a step (the reference spreads the pulse over its first step)."""
    segments = [
        ("c", 1e-3, 1.0, 1e-6, 1.0),
        ("r", 2_000, 200 * HOUR, 2, 1.0),
        ("c", 1_000, 1.0, 1.0, 1.0),
    ]
    got = reference(segments, 1.0, 0.0, 0.0, [1_999.0], 250 * HOUR)[1_999.0]
    assert got == pytest.approx(0.0036935 * 100.0 + 0.5 * STEP / HOUR, rel=2e-3)


def test_a_spill_inside_a_slow_reservoir_arrives_at_its_outlet_in_closed_form_time():
    """Yuanyangchi-like: a pulse in a 2-cell reservoir of 182 h (the traversed part is the
    first segment). Cell 2's edge is x·e⁻ˣ = 0.01/e, x = 0.003693 of θ' (1/θ' = 1/θ_c + k),
    at the outlet and at the head of the channel below — not the first coarse node after
    the trimmed start. (0.4 m below, the channel response far narrower than the step still
    comes out ~16 % late: the 4× sub-sampled CDF moves its mean by up to a step/8.)"""
    theta, k = 182.274 * HOUR, 0.1 / 86_400.0
    h = path([("r", 4_081.6, theta, 2, 8.0), ("c", 15_390.0, 0.6575, 33.0, 4.07)])
    theta_k = 1.0 / (2.0 / theta + k)
    expected = 0.0036935 * theta_k / HOUR
    model = PlumeModel(h, 1_000.0, 0.0, k)
    for x in (4_000.0, 4_081.6):
        c = model.curves([x])[0]
        assert c.arrival_h == pytest.approx(expected, rel=0.02), x

"""The gridded transport (reservoir chains, routing below reservoirs) against an
independent fine-grid reference (``transport_fine``: textbook channel responses and
stirred tanks written in the tests, composed by plain convolutions on one 10 s grid)
and against the closed-form moments and mass of the composed responses.

Synthetic paths with channels and reservoirs of very different cell times: long cells
(Liujiaxia-like), cells far shorter than the plume (run-of-river dams), several reservoirs
in a row, a spill upstream of the first reservoir and a spill at a reservoir inlet; pulse and
continuous releases, with and without decay. Arrival, peak time and peak must agree within
1.5 % (and a few minutes for arrivals close to the spill).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from transport_fine import FineReference, hours_above, stats

from webgis.hydro.hydraulics import PathHydraulics
from webgis.hydro.transport import PlumeModel

HOUR = 3600.0


def path(segments: list[tuple]) -> PathHydraulics:
    """Segments: ("c", length m, u, D, Q) for a channel, ("r", length m, θ s, cells, Q)."""
    length = np.array([s[1] for s in segments], dtype=float)
    res = np.array([s[0] == "r" for s in segments])
    u = np.array([s[2] if s[0] == "c" else s[1] / s[2] for s in segments], dtype=float)
    d = np.array([s[3] if s[0] == "c" else 1.0 for s in segments], dtype=float)
    return PathHydraulics(
        start_m=np.concatenate(([0.0], np.cumsum(length)[:-1])),
        length_m=length,
        velocity_mps=u,
        dispersion_m2s=d,
        discharge_m3s=np.array([s[4] for s in segments], dtype=float),
        is_reservoir=res,
        theta_s=np.array([s[2] if s[0] == "r" else 0.0 for s in segments], dtype=float),
        n_cells=np.array([s[3] if s[0] == "r" else 0 for s in segments], dtype=np.int64),
    )


# upstream channel, a big slow reservoir, channel, three short-cell dams in a row, channel
GORGES = [
    ("c", 30_000, 1.2, 80.0, 600),
    ("r", 24_000, 60 * HOUR, 12, 650),
    ("c", 15_000, 1.1, 150.0, 700),
    ("r", 12_000, 3.0 * HOUR, 6, 700),
    ("r", 8_000, 0.8 * HOUR, 4, 720),
    ("r", 10_000, 0.6 * HOUR, 5, 720),
    ("c", 60_000, 1.3, 300.0, 800),
]
# the spill lands in a reservoir: the first segment is its traversed part
IN_RESERVOIR = [
    ("r", 7_000, 35 * HOUR, 3, 700),
    ("r", 15_000, 75 * HOUR, 8, 720),
    ("c", 40_000, 1.4, 250.0, 800),
    ("r", 11_000, 2.0 * HOUR, 6, 800),
    ("c", 50_000, 1.2, 300.0, 820),
]


def positions(h: PathHydraulics) -> np.ndarray:
    total = float(h.start_m[-1] + h.length_m[-1])
    return np.unique(np.concatenate((np.linspace(500.0, total, 57), h.start_m[1:] + 1.0)))


def compare(h, mass, duration_s, decay):
    pos = positions(h)
    new = PlumeModel(h, mass, duration_s, decay).curves(pos)
    end = max(c.times_h[-1] for c in new) * HOUR
    fine = FineReference(h, mass, duration_s, decay, dt_s=10.0, end_s=end).curves(pos)
    for x, a, (t, c) in zip(pos, new, fine, strict=True):
        where = f"at {x / 1000:.1f} km"
        arr, tp, cp = stats(t, c)
        assert a.peak_conc_mgl == pytest.approx(cp, rel=0.015), where
        # the peak time, or a time where the reference is as high (a long release's
        # plateau has no single peak time)
        assert a.peak_h == pytest.approx(tp / HOUR, rel=0.015, abs=0.05) or np.interp(
            a.peak_h * HOUR, t, c
        ) >= (1.0 - 0.015) * cp, where
        # the arrival, or earlier by up to one step of the model's samples (the front of a
        # long release is a ramp between two samples: linear interpolation is early)
        tol = max(0.015 * arr / HOUR, 0.05)
        i = int(np.clip(np.searchsorted(a.times_h, a.arrival_h), 1, a.times_h.size - 1))
        step = float(a.times_h[i] - a.times_h[i - 1])
        assert arr / HOUR - tol - step <= a.arrival_h <= arr / HOUR + tol, where
        assert a.exceed_hours(0.5 * cp) == pytest.approx(
            hours_above(t, c, 0.5 * cp), rel=0.02, abs=0.05
        ), where
        # the drawn curve spans the passage
        assert a.times_h[0] <= a.arrival_h <= a.peak_h <= a.times_h[-1], where


@pytest.mark.parametrize("segments", [GORGES, IN_RESERVOIR], ids=["gorges", "in-reservoir"])
@pytest.mark.parametrize(
    ("duration_h", "decay_per_day"),
    [(0.0, 0.0), (0.0, 0.5), (0.2, 0.0), (6.0, 0.0), (30.0, 0.2)],
    ids=["pulse", "pulse-decay", "12min", "6h", "30h-decay"],
)
def test_gridded_transport_matches_the_fine_reference(segments, duration_h, decay_per_day):
    compare(path(segments), 10_000.0, duration_h * HOUR, decay_per_day / 86_400.0)


def test_mass_is_conserved_through_a_chain_of_reservoirs():
    h = path(GORGES)
    q = 800.0
    end = float(h.start_m[-1] + h.length_m[-1])
    c = PlumeModel(h, 10_000.0).curves([end])[0]
    mass = np.trapezoid(c.conc_mgl, c.times_h * HOUR) * q / 1e3
    assert mass == pytest.approx(10_000.0, rel=2e-3)


def test_a_pulse_at_a_reservoir_inlet_gives_the_exact_first_cell():
    """Cell 1 of a pulse at the inlet: C = M/(Q·θc)·e^(−t/θc), peak at t = 0."""
    h = path(IN_RESERVOIR)
    theta_c = 35 * HOUR / 3
    c = PlumeModel(h, 10_000.0).curves([100.0])[0]
    assert c.peak_conc_mgl == pytest.approx(1e3 * 10_000.0 / (700 * theta_c), rel=1e-6)
    assert c.peak_h == pytest.approx(0.0, abs=1e-9)


# Paths mirroring the slowest spills of benchmarks/bench_analysis.py before the routed
# curves got their own (coarser) grids: a fine reservoir outflow routed hundreds of km.
# Spill mid-reservoir in a short run-of-river dam (Daxia-like: 3 cells, 0.6 h), then
# 160 km of river to a long reservoir (Liujiaxia-like).
DAXIA = [
    ("r", 3_000, 0.62 * HOUR, 3, 900),
    ("c", 60_000, 1.1, 400.0, 950),
    ("c", 100_000, 1.0, 600.0, 1_000),
    ("r", 14_000, 16.8 * HOUR, 7, 1_000),
    ("c", 40_000, 1.2, 500.0, 1_050),
]
# A continuous release through a chain of seven reservoirs (a long single cell, four
# short-cell dams, a channel and two more dams), as on the Guangtong and Tao rivers.
CHAIN7 = [
    ("c", 90_000, 0.8, 60.0, 40),
    ("r", 9_000, 6.6 * HOUR, 1, 60),
    ("c", 6_000, 1.0, 120.0, 600),
    ("r", 12_000, 3.6 * HOUR, 6, 700),
    ("r", 12_000, 3.6 * HOUR, 6, 700),
    ("r", 8_000, 0.7 * HOUR, 4, 720),
    ("r", 10_000, 0.77 * HOUR, 5, 720),
    ("c", 75_000, 1.1, 300.0, 750),
    ("r", 12_000, 1.25 * HOUR, 6, 760),
    ("r", 12_000, 1.25 * HOUR, 6, 760),
    ("c", 90_000, 1.2, 350.0, 800),
]


@pytest.mark.parametrize(
    ("segments", "duration_h", "decay_per_day"),
    [(DAXIA, 0.0, 0.0), (DAXIA, 2.0, 0.1), (CHAIN7, 2.0, 0.0), (CHAIN7, 0.0, 0.3)],
    ids=["daxia-pulse", "daxia-2h-decay", "chain7-2h", "chain7-pulse-decay"],
)
def test_slow_cases_match_the_fine_reference(segments, duration_h, decay_per_day):
    compare(path(segments), 5_000.0, duration_h * HOUR, decay_per_day / 86_400.0)


def test_far_positions_below_a_short_reservoir_get_coarse_grids():
    """A plume from a 0.6 h dam routed 150 km spreads over hours: its curve is sampled
    on a grid fit for that spread, not on the dam's step of seconds."""
    h = path(DAXIA)
    model = PlumeModel(h, 5_000.0)
    far = model.curves([150_000.0])[0]
    near = model.curves([5_000.0])[0]
    step = lambda c: (c.times_h[1] - c.times_h[0]) * HOUR  # noqa: E731
    assert step(far) >= 8 * step(near)
    assert far.times_h.size < 2_000
    # the statistics-only path gives the same figures as the curves
    arr, tp, cp = model.peaks([5_000.0, 150_000.0])
    assert arr.tolist() == pytest.approx([near.arrival_h, far.arrival_h], rel=1e-12)
    assert cp.tolist() == pytest.approx([near.peak_conc_mgl, far.peak_conc_mgl], rel=1e-12)


def expected_moments(h: PathHydraulics, x_m: float, duration_s: float, k: float):
    """(mass fraction, mean s, variance s²) of the flux passing ``x_m`` (closed form).

    A channel stretch of moments (tau, S) passes a unit pulse as (t/tau)·IG(t; tau,
    λ = tau³/S) (the textbook resident concentration times the velocity): mean
    tau + S/tau, variance S + 2S²/tau², and with decay a mass E[e^(−kT)]/sqrt(1 +
    2tau²k/λ), E[e^(−kT)] = exp((λ/tau)(1 − sqrt(1 + 2tau²k/λ))). A stirred tank of
    residence θc: mass θk/θc, mean θk, variance θk² (1/θk = 1/θc + k). A box release of
    duration T adds T/2 and T²/12. Moments add along the path; masses multiply.
    """
    mass, mean, var = 1.0, 0.5 * duration_s, duration_s**2 / 12.0
    tau = s = 0.0

    def close_stretch():
        nonlocal mass, mean, var, tau, s
        if tau > 0:
            lam = tau**3 / s
            root = math.sqrt(1.0 + 2.0 * tau * tau * k / lam)
            mass *= math.exp(lam / tau * (1.0 - root)) / root
            mean += tau + s / tau
            var += s + 2.0 * s * s / tau**2
        tau = s = 0.0

    for i in range(h.length_m.size):
        start, length = float(h.start_m[i]), float(h.length_m[i])
        frac = min(max((x_m - start) / length, 0.0), 1.0)
        if h.is_reservoir[i]:
            close_stretch()
            ncell = int(h.n_cells[i])
            cells = min(math.ceil(frac * ncell - 1e-9), ncell)
            theta_c = float(h.theta_s[i]) / ncell
            theta_k = 1.0 / (1.0 / theta_c + k)
            mass *= (theta_k / theta_c) ** cells
            mean += cells * theta_k
            var += cells * theta_k**2
        else:
            u, d = float(h.velocity_mps[i]), float(h.dispersion_m2s[i])
            tau += frac * length / u
            s += 2.0 * d * frac * length / u**3
        if frac < 1.0:
            break
    close_stretch()
    return mass, mean, var


@pytest.mark.parametrize(
    "segments", [GORGES, IN_RESERVOIR, CHAIN7], ids=["gorges", "in-reservoir", "chain7"]
)
@pytest.mark.parametrize(
    ("duration_h", "decay_per_day"), [(0.0, 0.0), (3.0, 0.0), (0.0, 0.4), (3.0, 0.4)]
)
def test_mass_and_moments_of_the_curves_are_the_closed_form_ones(
    segments, duration_h, decay_per_day
):
    """The flux through a point has the mass, mean and variance that the responses it
    went through give in closed form (decay: mass only), inside reservoirs and below."""
    h = path(segments)
    k = decay_per_day / 86_400.0
    total = float(h.start_m[-1] + h.length_m[-1])
    pos = np.array([0.2, 0.45, 0.7, 0.999]) * total
    q_mix = np.maximum.accumulate(h.discharge_m3s)
    for x, c in zip(pos, PlumeModel(h, 1_000.0, duration_h * HOUR, k).curves(pos), strict=True):
        seg = int(np.searchsorted(h.start_m, x, side="right") - 1)
        t = c.times_h * HOUR
        flux = c.conc_mgl * q_mix[seg] / 1e3
        m0 = np.trapezoid(flux, t)
        mass, mean, var = expected_moments(h, x, duration_h * HOUR, k)
        where = f"at {x / 1000:.1f} km"
        assert m0 / 1_000.0 == pytest.approx(mass, rel=3e-3), where
        if k == 0:
            m1 = np.trapezoid(flux * t, t) / m0
            m2 = np.trapezoid(flux * (t - m1) ** 2, t) / m0
            assert m1 == pytest.approx(mean, rel=3e-3), where
            assert m2 == pytest.approx(var, rel=2e-2), where

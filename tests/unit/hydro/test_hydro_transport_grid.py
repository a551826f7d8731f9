"""The gridded transport (reservoir chains, routing below reservoirs) against the previous
implementation, kept as ``transport_reference`` (one FFT per position), run on grids 8×
finer than it shipped with and up to 32,768 steps so that its own discretisation error
(up to ~5 % on arrivals in the first cells of a reservoir) does not blur the comparison.

Synthetic paths with channels and reservoirs of very different cell times: long cells
(Liujiaxia-like), cells far shorter than the plume (run-of-river dams), several reservoirs
in a row, a spill upstream of the first reservoir and a spill at a reservoir inlet; pulse and
continuous releases, with and without decay. Arrival, peak time and peak must agree within
1.5 % (and a few minutes for arrivals close to the spill).
"""

from __future__ import annotations

import numpy as np
import pytest
import transport_reference as ref

from webgis.hydro.hydraulics import PathHydraulics
from webgis.hydro.transport import PlumeModel

HOUR = 3600.0


@pytest.fixture(autouse=True)
def fine_reference(monkeypatch):
    monkeypatch.setattr(ref, "_MAX_GRID", 1 << 15)
    monkeypatch.setattr(ref, "_REFINE", 8.0)


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
    old = ref.PlumeModel(h, mass, duration_s, decay).curves(pos)
    for x, a, b in zip(pos, new, old, strict=True):
        where = f"at {x / 1000:.1f} km"
        assert a.peak_conc_mgl == pytest.approx(b.peak_conc_mgl, rel=0.015), where
        assert a.peak_h == pytest.approx(b.peak_h, rel=0.015, abs=0.05), where
        assert a.arrival_h == pytest.approx(b.arrival_h, rel=0.015, abs=0.05), where
        assert a.exceed_hours(0.5 * b.peak_conc_mgl) == pytest.approx(
            b.exceed_hours(0.5 * b.peak_conc_mgl), rel=0.02, abs=0.05
        ), where
        # the drawn curve spans the passage
        assert a.times_h[0] <= a.arrival_h <= a.peak_h <= a.times_h[-1], where


@pytest.mark.parametrize("segments", [GORGES, IN_RESERVOIR], ids=["gorges", "in-reservoir"])
@pytest.mark.parametrize(
    ("duration_h", "decay_per_day"),
    [(0.0, 0.0), (0.0, 0.5), (0.2, 0.0), (6.0, 0.0), (30.0, 0.2)],
    ids=["pulse", "pulse-decay", "12min", "6h", "30h-decay"],
)
def test_gridded_transport_matches_the_reference(segments, duration_h, decay_per_day):
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
def test_slow_cases_match_the_reference(segments, duration_h, decay_per_day):
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

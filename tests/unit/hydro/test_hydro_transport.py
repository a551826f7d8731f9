"""Transport against analytic solutions: uniform channel (1D ADE) and a CSTR chain."""

from __future__ import annotations

import math

import numpy as np
import pytest

from webgis.hydro.hydraulics import PathHydraulics
from webgis.hydro.transport import (
    LEADING_EDGE_Z,
    Curve,
    PlumeModel,
    channel_cdf,
    channel_pdf,
    exceed_hours_many,
)
from webgis.hydro.transport.curves import curve_stats_rows

U, D, Q, M = 0.8, 60.0, 120.0, 1_000.0  # m/s, m²/s, m³/s, kg
K = 0.3 / 86_400.0  # 1/s


def uniform(length_m=200_000.0, n=4, u=U, d=D, q=Q) -> PathHydraulics:
    seg = length_m / n
    return PathHydraulics(
        start_m=np.arange(n) * seg,
        length_m=np.full(n, seg),
        velocity_mps=np.full(n, u),
        dispersion_m2s=np.full(n, d),
        discharge_m3s=np.full(n, q),
        is_reservoir=np.zeros(n, bool),
        theta_s=np.zeros(n),
        n_cells=np.zeros(n, int),
    )


def textbook_instant(x, t, k=0.0):
    """C(x,t) = M/(A sqrt(4πDt)) exp(-(x-ut)²/(4Dt) - kt), A = Q/u, in mg/L."""
    a = Q / U
    return (
        1e3
        * M
        / (a * np.sqrt(4 * np.pi * D * t))
        * np.exp(-((x - U * t) ** 2) / (4 * D * t) - k * t)
    )


def _exp_erfc(a: float, b: float) -> float:
    """exp(a)·erfc(b) with math.erfc (independent of the model's own erfcx)."""
    if b < 20:
        return (
            math.exp(a) * math.erfc(b)
            if a < 700
            else math.exp(a - b * b) * math.erfc(b) * math.exp(b * b)
        )
    s = 1.0 - 1 / (2 * b * b) + 3 / (4 * b**4) - 15 / (8 * b**6) + 105 / (16 * b**8)
    return math.exp(a - b * b) * s / (b * math.sqrt(math.pi))


def textbook_continuous(x, t, duration_s, k=0.0):
    """Closed-form box release of M over duration_s (time integral of the textbook pulse)."""
    w = math.sqrt(U * U + 4 * k * D)

    def g(tt):
        if tt <= 0:
            return 0.0
        s = 2 * math.sqrt(D * tt)
        return (U / (2 * w)) * (
            _exp_erfc(x * (U - w) / (2 * D), (x - w * tt) / s)
            - _exp_erfc(x * (U + w) / (2 * D), (x + w * tt) / s)
        )

    rate = M / duration_s
    return np.array([1e3 * rate / Q * (g(tt) - g(tt - duration_s)) for tt in t])


def _ref_peak(t, c):
    i = int(np.argmax(c))
    return t[i], c[i]


@pytest.mark.parametrize("x", [3_000.0, 30_000.0, 150_000.0])
@pytest.mark.parametrize("k", [0.0, K])
def test_instantaneous_release_matches_textbook_within_1_percent(x, k):
    curve = PlumeModel(uniform(), M, 0.0, k).curves([x])[0]
    t = np.linspace(1.0, 3 * x / U + 20_000, 600_001)
    tp, cp = _ref_peak(t, textbook_instant(x, t, k))
    assert curve.peak_conc_mgl == pytest.approx(cp, rel=1e-2)
    assert curve.peak_h * 3600 == pytest.approx(tp, rel=1e-2)
    # and the leading edge (1 % of peak) sits where the textbook curve crosses 1 %
    c = textbook_instant(x, t, k)
    first = t[np.argmax(c >= 0.01 * cp)]
    assert curve.arrival_h * 3600 == pytest.approx(first, rel=1e-2)


@pytest.mark.parametrize("x", [3_000.0, 30_000.0, 150_000.0])
@pytest.mark.parametrize("k", [0.0, K])
def test_continuous_release_matches_closed_form_within_1_percent(x, k):
    dur = 3 * 3600.0
    curve = PlumeModel(uniform(), M, dur, k).curves([x])[0]
    t = np.linspace(60.0, 2 * x / U + dur + 20_000, 4_001)
    ref = textbook_continuous(x, t, dur, k)
    tp, cp = _ref_peak(t, ref)
    assert curve.peak_conc_mgl == pytest.approx(cp, rel=1e-2)
    assert curve.peak_h * 3600 == pytest.approx(tp, rel=1e-2, abs=2 * (t[1] - t[0]))
    # the whole curve, not only its peak
    model_on_ref = np.interp(t, curve.times_h * 3600, curve.conc_mgl, left=0, right=0)
    assert np.max(np.abs(model_on_ref - ref)) <= 1e-2 * cp


def test_continuous_equals_superposed_pulses():
    dur, x = 2 * 3600.0, 40_000.0
    curve = PlumeModel(uniform(), M, dur, K).curves([x])[0]
    t = curve.times_h * 3600.0
    s = (np.arange(400) + 0.5) * dur / 400
    # 400 sub-pulses of M/400; decay acts on the age since each sub-pulse's release
    summed = sum(textbook_instant(x, np.maximum(t - si, 1e-9), K) for si in s) / 400
    assert np.max(np.abs(curve.conc_mgl - summed)) <= 5e-3 * summed.max()


def test_mass_is_conserved_through_the_section():
    curve = PlumeModel(uniform(), M, 0.0, 0.0).curves([50_000.0])[0]
    mass = np.trapezoid(curve.conc_mgl * Q / 1e3, curve.times_h * 3600.0)
    assert mass == pytest.approx(M, rel=2e-3)


def test_exceed_hours_matches_analytic_duration():
    x = 30_000.0
    curve = PlumeModel(uniform(), M, 0.0, 0.0).curves([x])[0]
    limit = 0.2 * curve.peak_conc_mgl
    t = np.linspace(1.0, 3 * x / U, 400_001)
    ref = (textbook_instant(x, t) > limit).sum() * (t[1] - t[0]) / 3600
    assert curve.exceed_hours(limit) == pytest.approx(ref, rel=1e-2)
    assert curve.exceed_hours(2 * curve.peak_conc_mgl) == 0.0


def test_exceed_hours_many_equals_one_by_one():
    rng = np.random.default_rng(5)
    curves, limits = [], []
    for n in (0, 1, 2, 3, 7, 160, 161, 480, 2, 50):
        t = np.cumsum(rng.uniform(0.01, 0.5, n))
        c = np.abs(rng.normal(1.0, 1.0, n)) * (rng.random(n) > 0.2)
        peak = float(c.max()) if n else 0.0
        curve = Curve(t, c, 0.0, float(t[np.argmax(c)]) if n else 0.0, peak)
        for lim in (None, 0.0, 0.5, 1.2, peak, 2 * peak + 1):
            curves.append(curve)
            limits.append(lim)
    got = exceed_hours_many(curves, limits)
    want = [c.exceed_hours(lim) for c, lim in zip(curves, limits, strict=True)]
    assert got == pytest.approx(want, rel=1e-12, abs=1e-12)
    assert exceed_hours_many([], []) == []


def test_points_keep_the_exact_peak_sorted_once():
    t = np.linspace(0.0, 10.0, 1001)
    c = np.exp(-((t - 4.0) ** 2))
    for peak_h in (4.0, 4.00123, 0.0, 10.0):
        pts = np.array(Curve(t, c, 1.0, peak_h, 1.0).points(160))
        assert np.all(np.diff(pts[:, 0]) > 0)
        at = np.flatnonzero(np.isclose(pts[:, 0], round(peak_h, 4)))
        assert at.size == 1 and pts[at[0], 1] == 1.0
        assert 160 <= len(pts) <= 161
        assert pts[0, 0] == 0.0 and pts[-1, 0] == 10.0


def test_cdf_is_the_integral_of_the_pdf():
    tau, var = 20_000.0, 4e6
    t = np.linspace(1.0, 60_000.0, 200_001)
    pdf = channel_pdf(t, tau, var, K)
    numeric = np.concatenate(([0], np.cumsum(0.5 * (pdf[1:] + pdf[:-1]) * np.diff(t))))
    assert np.max(np.abs(channel_cdf(t, tau, var, K) - numeric)) < 1e-5


def test_mixing_cell_chain_reproduces_the_erlang_response():
    n, theta_total, q = 10, 40 * 3600.0, 200.0
    h = PathHydraulics(
        start_m=np.array([0.0]),
        length_m=np.array([20_000.0]),
        velocity_mps=np.array([20_000.0 / theta_total]),
        dispersion_m2s=np.array([1.0]),
        discharge_m3s=np.array([q]),
        is_reservoir=np.array([True]),
        theta_s=np.array([theta_total]),
        n_cells=np.array([n]),
    )
    model = PlumeModel(h, M, 0.0, 0.0)
    out = model.curves([20_000.0])[0]
    th = theta_total / n
    # Erlang(n, θ): peak at (n-1)θ with density (n-1)^(n-1) e^-(n-1) / (θ (n-1)!)
    peak_t = (n - 1) * th
    peak_c = 1e3 * M / q * (n - 1) ** (n - 1) * math.exp(-(n - 1)) / (th * math.factorial(n - 1))
    assert out.peak_conc_mgl == pytest.approx(peak_c, rel=1e-2)
    assert out.peak_h * 3600 == pytest.approx(peak_t, rel=1e-2)
    # an intake half-way along the chain sees cell 5: earlier and higher
    mid = model.curves([10_000.0])[0]
    assert mid.peak_h < out.peak_h
    assert mid.peak_conc_mgl > out.peak_conc_mgl


def test_peak_and_leading_edge_of_a_sampled_gaussian_are_exact():
    """The parabola through the log-samples around the largest one is exact for a
    Gaussian, wherever its peak falls between two samples; the leading edge is where it
    first reaches 1 % of that peak, mu − sqrt(2 ln 100)·sigma."""
    dt, sigma = 0.2, 1.2  # (a sample at most dt/2 from the peak is < 0.5 % below it)
    mu = np.array([7.31, 9.1, 12.0, 5.26])
    amp = np.array([2.0, 5.0, 0.3, 1e-3])
    times = np.arange(150) * dt
    c = amp[:, None] * np.exp(-((times[None, :] - mu[:, None]) ** 2) / (2 * sigma**2))
    arr, tp, cp = curve_stats_rows(np.zeros(mu.size), dt, c)
    assert tp == pytest.approx(mu, rel=1e-12)
    assert cp == pytest.approx(amp, rel=1e-12)
    assert arr == pytest.approx(mu - LEADING_EDGE_Z * sigma, abs=0.02)

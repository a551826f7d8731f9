"""The slick model of floating oils against hand-computed values (webgis.hydro.slick)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from webgis.hydro import slick
from webgis.hydro.slick import PRODUCTS, SlickPath


def test_fingas_diesel_square_root_of_time():
    # (0.31 + 0.018·11)·√1440 = 0.508 × 37.947 = 19.277 % after a day at 11 °C
    assert float(slick.evaporated_pct(PRODUCTS["DIESEL"], 11.0, 24.0)) == pytest.approx(
        19.277, abs=1e-3)
    # (0.31 + 0.018·2)·√60 = 0.346 × 7.746 = 2.680 % after an hour at 2 °C
    assert float(slick.evaporated_pct(PRODUCTS["DIESEL"], 2.0, 1.0)) == pytest.approx(
        2.680, abs=1e-3)


def test_fingas_gasoline_log_of_time_and_bounds():
    gasoline = PRODUCTS["GASOLINE"]
    # (13.9 + 0.045·19)·ln 120 = 14.755 × 4.7875 = 70.64 % two hours after the spill
    assert float(slick.evaporated_pct(gasoline, 19.0, 2.0)) == pytest.approx(70.64, abs=0.01)
    # before the first minute the log form is negative: none evaporated; never above 100 %
    assert float(slick.evaporated_pct(gasoline, 19.0, 0.5 / 60)) == 0.0
    assert float(slick.evaporated_pct(gasoline, 19.0, 24.0 * 60)) == 100.0


def test_fay_one_dimensional_regimes():
    # V = 100 m³ over 10 m (A = 10 m²), Δ = 0.16, t = 100 s:
    # inertia 1.5·(0.16·9.81·10·100²)^(1/3) = 80.91 m, viscous 1.5·(0.16·9.81·10²·100^1.5
    # /√1e-6)^(1/4) = 167.9 m, surface tension 1.33·(0.03²·100³/(1000²·1e-6))^(1/4) = 7.28 m:
    # the gravity–inertia regime holds
    got = slick.fay_half_length_m(100.0, np.array([10.0]), 840.0, np.array([100.0]))
    assert float(got[0]) == pytest.approx(1.5 * (0.16 * 9.81 * 10 * 1e4) ** (1 / 3), rel=1e-9)
    assert float(got[0]) == pytest.approx(80.91, abs=0.01)
    # a day later the gravity–viscous form is the shorter one
    day = 86400.0
    viscous = 1.5 * (0.16 * 9.81 * 100 * day**1.5 / 1e-3) ** 0.25
    got = slick.fay_half_length_m(100.0, np.array([10.0]), 840.0, np.array([day]))
    assert float(got[0]) == pytest.approx(viscous, rel=1e-9)


def _channel(u1: float = 1.0, u2: float = 2.0, d: float = 0.0) -> SlickPath:
    """Two 10 km segments; the worst case's mean velocity is 1.5× the expected one."""
    u = np.array([u1, u2])
    return SlickPath(np.array([0.0, 10_000.0]), np.array([10_000.0, 10_000.0]), u, 1.5 * u,
                     np.array([50.0, 50.0]), np.array([d, d]))


def test_edges_at_the_surface_velocity(monkeypatch):
    """No spreading (neutral density, no surface tension, no shear): the edges move at the
    surface velocity alone."""
    monkeypatch.setattr(slick, "SPREADING_COEFFICIENT_NM", 0.0)
    neutral = replace(PRODUCTS["DIESEL"], density_kgm3=1000.0)
    [at] = slick.slick_at(neutral, _channel(), 10_000.0, 1.0, "normal", 5.0, [15.0])
    # expected: 10 km at 1/0.85 m/s, then 5 km at 2/0.85 m/s = 8500 + 2125 s
    assert at.expected.arrival_h == pytest.approx(10_625 / 3600, abs=0.01)
    # the last oil leaves one hour later and moves the same way
    assert at.expected.passage_end_h == pytest.approx(10_625 / 3600 + 1.0, abs=0.01)
    # length when the front arrives: the front at 15 km, the tail released at 1 h has
    # travelled 7025 s at 1/0.85 m/s = 8.265 km
    assert at.expected.length_km == pytest.approx(15.0 - 7025 / 0.85 / 1000, abs=0.05)
    # worst: 1.25 × the worst mean (1.5, 3 m/s) + 3.5 % of 5 m/s of wind
    fast1, fast2 = 1.25 * 1.5 + 0.175, 1.25 * 3.0 + 0.175
    assert at.worst.arrival_h == pytest.approx((10_000 / fast1 + 5000 / fast2) / 3600,
                                               abs=0.01)
    # worst passage end: the tail at the plain mean velocity (10000/1 + 5000/2 s) + 1 h
    assert at.worst.passage_end_h == pytest.approx(12_500 / 3600 + 1.0, abs=0.01)
    assert at.worst.length_km > at.expected.length_km


def test_shear_stretch_of_the_leading_edge(monkeypatch):
    """With Fischer's D and no Fay spreading, the front is u_s·t + z·√(2·D·t): arrival at x
    solves a quadratic in √t."""
    monkeypatch.setattr(slick, "SPREADING_COEFFICIENT_NM", 0.0)
    neutral = replace(PRODUCTS["DIESEL"], density_kgm3=1000.0)
    d, x = 20.0, 8000.0
    [at] = slick.slick_at(neutral, _channel(1.0, 1.0, d), 1e6, 0.0, "normal", 5.0, [x / 1000])
    us, b = slick.SURFACE_FACTOR_EXPECTED, slick.EDGE_Z * math.sqrt(2 * d)
    root = (-b + math.sqrt(b * b + 4 * us * x)) / (2 * us)
    assert at.expected.arrival_h == pytest.approx(root**2 / 3600, abs=0.01)
    # the tail: u_s·t − z·√(2·D·t) = x
    root = (b + math.sqrt(b * b + 4 * us * x)) / (2 * us)
    assert at.expected.passage_end_h == pytest.approx(root**2 / 3600, abs=0.01)


def test_evaporated_share_at_arrival_and_floating_mass():
    [at] = slick.slick_at(PRODUCTS["DIESEL"], _channel(d=10.0), 20_000.0, 0.0, "flood", 24.0,
                          [12.0])
    ev = float(slick.evaporated_pct(PRODUCTS["DIESEL"], 19.0, at.expected.arrival_h))
    assert at.evaporated_pct == pytest.approx(ev)
    assert at.floating_kg == pytest.approx(20_000 * (1 - ev / 100))
    assert at.worst.arrival_h < at.expected.arrival_h


def test_dissolved_petroleum_bounded_by_the_waf():
    diesel = PRODUCTS["DIESEL"]
    c, t = np.array([4520.0, 1.0, 0.01]), np.array([1.0, 10.0, 24.0])
    worst = slick.dissolved_cap(c, t, diesel, "normal", "worst")
    assert worst.tolist() == [8.7, 1.0, 0.01]  # no evaporation credit, WAF bound
    expected = slick.dissolved_cap(c, t, diesel, "normal", "expected")
    ev = slick.evaporated_pct(diesel, 11.0, t)
    assert expected[0] == 8.7
    assert expected[1:] == pytest.approx(c[1:] * (1 - ev[1:] / 100))


def test_which_products_float_as_a_slick():
    assert slick.product_for("DIESEL", "oil", "floats") is PRODUCTS["DIESEL"]
    # an oil without its own entry takes the unspecified-petroleum coefficients
    assert slick.product_for("LUBE_OIL", "oil", "floats") is PRODUCTS["PETROLEUM"]
    # benzene floats as a liquid but dissolves (1.8 g/L): not a slick of this model
    assert slick.product_for("BENZENE", "volatile_organic", "floats") is None
    assert slick.product_for("CADMIUM", "heavy_metal", "dissolves") is None

"""A screening's exceedance is counted to the horizon and flagged beyond it.

A receptor's exceedance can last no longer than the plume has been there within the
forecast (horizon − arrival); a curve still above its limit at the horizon gives that
bounded value and ``exceed_beyond_horizon``, never the hours its tail runs on past the
horizon. A curve that falls below the limit in time is counted exactly as before.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from webgis.hydro.screening import bounded_exceedance
from webgis.hydro.transport import Curve, exceed_hours_many, exceed_hours_until


def triangle(t0_h: float, peak_h: float, end_h: float, peak_mgl: float,
             n: int = 201) -> Curve:
    """A triangular curve from 0 at t0 to the peak and back to 0 at the end."""
    t = np.linspace(t0_h, end_h, n)
    c = np.interp(t, [t0_h, peak_h, end_h], [0.0, peak_mgl, 0.0])
    return Curve(t, c, t0_h, peak_h, peak_mgl)


def test_a_curve_below_its_limit_by_the_horizon_counts_as_before():
    c = triangle(10.0, 20.0, 30.0, 2.0)  # above 1 mg/L from 15 h to 25 h
    hours, above = exceed_hours_until([c], [1.0], 72.0)
    assert hours == exceed_hours_many([c], [1.0])
    assert hours[0] == pytest.approx(10.0, rel=1e-9)
    assert above == [False]


def test_a_curve_above_its_limit_at_the_horizon_is_cut_there_and_flagged():
    c = triangle(60.0, 70.0, 100.0, 4.0)  # above 1 mg/L from 62.5 h to 92.5 h
    assert exceed_hours_many([c], [1.0])[0] == pytest.approx(30.0, rel=1e-9)
    hours, above = exceed_hours_until([c], [1.0], 72.0)
    assert hours[0] == pytest.approx(72.0 - 62.5, rel=1e-9)
    assert above == [True]
    got, beyond = bounded_exceedance(hours[0], above[0], c.arrival_h, 72.0)
    assert got == pytest.approx(9.5, rel=1e-9) and beyond
    assert got <= 72.0 - c.arrival_h


def test_the_peak_past_the_horizon_still_counts_the_hours_before_it():
    c = triangle(65.0, 80.0, 95.0, 3.0)  # above 1 mg/L from 70 h; peak after the horizon
    hours, above = exceed_hours_until([c], [1.0], 72.0)
    assert hours[0] == pytest.approx(2.0, rel=1e-9) and above == [True]
    # below its limit at the horizon, rising later: not counted, not flagged
    hours, above = exceed_hours_until([c], [2.5], 72.0)
    assert hours == [0.0] and above == [False]


def test_no_limit_or_a_curve_starting_after_the_horizon_gives_nothing():
    late = triangle(80.0, 90.0, 100.0, 5.0)
    early = triangle(0.0, 5.0, 10.0, 5.0)
    hours, above = exceed_hours_until([late, early], [1.0, None], 72.0)
    assert hours == [0.0, 0.0] and above == [False, False]


def test_the_window_bounds_an_exceedance_starting_before_the_reported_arrival():
    # a limit below the leading edge's level: the curve crosses it before the arrival
    c = triangle(68.0, 71.0, 80.0, 100.0)
    arrival_h = 70.0
    hours, above = exceed_hours_until([c], [0.5], 72.0)
    assert hours[0] > 72.0 - arrival_h and above == [True]
    got, beyond = bounded_exceedance(hours[0], above[0], arrival_h, 72.0)
    assert got == 72.0 - arrival_h and beyond


def test_a_receptor_not_reached_has_no_window():
    assert bounded_exceedance(0.0, False, math.inf, 72.0) == (0.0, False)
    assert bounded_exceedance(3.0, True, 75.0, 72.0) == (0.0, False)

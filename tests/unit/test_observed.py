"""The skill of a forecast at a station (webgis.hydro.observed): arrival error at one
threshold for both curves, peak ratio, and no figure from too few readings."""

from __future__ import annotations

import math

import pytest

from webgis.hydro.observed import (
    ARRIVAL_FRACTION,
    MIN_READINGS,
    Observation,
    first_crossing_h,
    skill,
)

# a Gaussian pulse peaking at 10 h with 1 mg/L
CURVE = [[t / 4, math.exp(-((t / 4 - 10.0) ** 2) / 8.0)] for t in range(0, 121)]


def _obs(shift_h: float, scale: float, times: list[float]) -> list[Observation]:
    return [Observation(t, scale * math.exp(-((t - shift_h - 10.0) ** 2) / 8.0))
            for t in times]


def test_first_crossing_interpolates_between_points():
    assert first_crossing_h([[0, 0], [2, 1]], 0.5) == pytest.approx(1.0)
    assert first_crossing_h([[0, 0.7], [2, 1]], 0.5) == 0
    assert first_crossing_h([[0, 0], [2, 0.1]], 0.5) is None


def test_a_late_lower_plume_gives_a_positive_arrival_error_and_a_ratio_below_one():
    # dense sampling, 2 h later than forecast and at 60 % of the forecast peak
    got = skill(CURVE, _obs(2.0, 0.6, [x / 2 for x in range(0, 60)]))
    assert got.threshold_mgl == pytest.approx(ARRIVAL_FRACTION)
    assert got.peak_bracketed and got.peak_ratio == pytest.approx(0.6, abs=0.01)
    # the threshold is a tenth of the *predicted* peak, so the lower plume reaches it
    # later than its own shape alone would: a bit more than the 2 h shift
    assert 2.0 <= got.arrival_error_h <= 3.0
    assert got.reasons == ()


def test_an_early_plume_gives_a_negative_arrival_error():
    got = skill(CURVE, _obs(-3.0, 1.0, [x / 2 for x in range(0, 60)]))
    assert got.arrival_error_h == pytest.approx(-3.0, abs=0.5)


def test_too_few_readings_are_not_judged():
    got = skill(CURVE, _obs(0.0, 1.0, [9.0, 10.0])[: MIN_READINGS - 1])
    assert got.arrival_error_h is None and got.peak_ratio is None
    assert "too few readings" in got.reasons[0]


def test_readings_only_before_the_peak_say_the_ratio_may_miss_it():
    got = skill(CURVE, _obs(0.0, 1.0, [7.0, 7.5, 8.0, 8.5]))
    assert not got.peak_bracketed and got.peak_ratio is not None and got.peak_ratio < 1
    assert any("do not span" in r for r in got.reasons)


def test_a_high_detection_limit_raises_the_threshold_and_censored_values_do_not_arrive():
    readings = [Observation(6.0, 0.5, censored=True), Observation(9.0, 0.8),
                Observation(12.0, 0.3)]
    got = skill(CURVE, readings)
    assert got.threshold_mgl == 0.5
    assert got.observed_arrival_h == 9.0
    assert got.predicted_arrival_h == pytest.approx(10.0 - math.sqrt(8 * math.log(2)), abs=0.1)


def test_no_pollutant_forecast_at_the_station():
    got = skill([[0, 0.0], [10, 0.0]], _obs(0.0, 1.0, [8.0, 9.0, 10.0]))
    assert got.peak_ratio is None and any("expects no pollutant" in r for r in got.reasons)

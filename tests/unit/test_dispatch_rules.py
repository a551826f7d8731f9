"""The pure rules of a dispatch and of the plan checklist (webgis.response.dispatch)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from webgis.response.dispatch import (
    DEFAULT_DUE_MIN,
    STATUSES,
    TRANSITIONS,
    allowed,
    road_eta,
    slack_h,
    step_due_min,
)
from webgis.response.resources import ResourceOrigin, ResourcePool, Target


def test_one_step_forward_or_straight_back_to_base_never_backwards():
    for i, status in enumerate(STATUSES):
        for j, new in enumerate(STATUSES):
            expected = (j == i + 1) or (new == "returned" and status != "returned")
            assert allowed(status, new) is expected, (status, new)
    assert TRANSITIONS["returned"] == () and not allowed("nowhere", "en_route")


def test_the_eta_is_the_analysis_ranking_estimate():
    depot = ResourceOrigin("D", "depot", 103.15, 36.05)
    target = Target("IP", "point", 103.30, 35.95, 3.0)
    [a] = ResourcePool([depot]).assign([target], "organic", circuity=1.4, speed_kmh=50)
    eta = road_eta(103.15, 36.05, 103.30, 35.95, 1.4, 50)
    assert eta.travel_h == pytest.approx(a.travel_h)
    assert eta.distance_km == pytest.approx(a.distance_km)
    with pytest.raises(ValueError):
        road_eta(0, 0, 1, 1, circuity=0.5)
    with pytest.raises(ValueError):
        road_eta(0, 0, 1, 1, speed_kmh=0)


@given(st.floats(0, 500), st.floats(0, 500))
def test_slack_is_plume_minus_eta(eta, plume):
    assert slack_h(eta, plume) == pytest.approx(plume - eta)
    assert slack_h(eta, None) is None and slack_h(eta, float("nan")) is None


def test_due_times_the_plans_own_else_the_phase_default():
    assert step_due_min("contain", 30) == 30
    assert step_due_min("contain", None) == DEFAULT_DUE_MIN["contain"]
    # a report step: the level's reporting clock when it is shorter than the default
    assert step_due_min("report", None, 240) == DEFAULT_DUE_MIN["report"]
    assert step_due_min("report", None, 30) == 30
    assert step_due_min("unknown", None) == min(DEFAULT_DUE_MIN.values())

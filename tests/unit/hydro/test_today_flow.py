"""Today's flow (issue #16 item 5): a discharge at a gauge overrides the season's along
the path — the ratio above the gauge, ΔQ carried below it within [r, 1]."""

from __future__ import annotations

import math

import pytest
from hydro_netkit import chain, line

from webgis.hydro.analysis import PollutantInput, ReceptorInput, ReleaseInput, run_incident
from webgis.hydro.errors import HydroError
from webgis.hydro.hydraulics import DEFAULT_PARAMS, reach_hydraulics
from webgis.hydro.network import ReachInput, RiverNetwork
from webgis.hydro.today_flow import MAX_RATIO, flow_today

START = (105.0, 34.0)
SB = PollutantInput("SB", "Antimony", "metalloid", 0.0, None, 0.005)


def network() -> RiverNetwork:
    """A-1 (50) → A-2 (60, gauge) → A-3 (160: B joins with 100) → A-4 (40: a losing
    reach, irrigation takes most of it); B-1 flows into A-3."""
    main = chain("A", START, 0.0, [10_000, 10_000, 10_000, 10_000], [50, 60, 160, 40])
    trib = ReachInput("B-1", "B", "A-3", list(reversed(line(main[2].coords[0], 90, 8_000))),
                      100.0)
    return RiverNetwork.build([*main, trib])


def factors_by_code(net: RiverNetwork, flow) -> dict[str, float]:
    return {net.codes[i]: f for i, f in flow.factors}


def q_normal(net: RiverNetwork, code: str) -> float:
    i = net.index_of(code)
    return float(net.discharge_m3s[i] * net.season_factor["normal"][i])


def test_ratio_above_the_gauge_and_delta_below() -> None:
    net = network()
    qg = q_normal(net, "A-2")
    flow = flow_today(net, net.index_of("A-1"), 0.2, net.index_of("A-2"), 2 * qg, "normal")
    f = factors_by_code(net, flow)
    assert flow.ratio == pytest.approx(2.0) and flow.delta_m3s == pytest.approx(qg)
    assert flow.gauge_below_spill
    assert f["A-1"] == pytest.approx(2.0)  # above: the ratio
    assert f["A-2"] == pytest.approx(2.0)  # the gauge itself: Q_today exactly
    q3 = q_normal(net, "A-3")
    assert f["A-3"] == pytest.approx((q3 + qg) / q3)  # ΔQ carried, diluted by the tributary
    assert 1.0 < f["A-3"] < 2.0
    assert f["A-4"] == pytest.approx(2.0)  # a losing reach: bounded by the gauge's ratio
    assert "B-1" not in f


def test_a_dry_day_never_makes_a_reach_dry() -> None:
    net = network()
    qg = q_normal(net, "A-2")
    flow = flow_today(net, net.index_of("A-1"), 0.0, net.index_of("A-2"), 0.25 * qg, "normal")
    f = factors_by_code(net, flow)
    assert f["A-4"] == pytest.approx(0.25)  # Q + ΔQ would be negative: the ratio bounds it
    q3 = q_normal(net, "A-3")
    assert f["A-3"] == pytest.approx((q3 - 0.75 * qg) / q3)
    assert all(0.25 <= x <= 1.0 for x in f.values())


def test_gauge_above_the_spill_carries_delta_on_the_whole_path() -> None:
    net = network()
    qg = q_normal(net, "A-1")
    flow = flow_today(net, net.index_of("A-3"), 0.5, net.index_of("A-1"), 1.5 * qg, "normal")
    assert not flow.gauge_below_spill
    f = factors_by_code(net, flow)
    assert set(f) == {"A-3", "A-4"}
    q3 = q_normal(net, "A-3")
    assert f["A-3"] == pytest.approx((q3 + 0.5 * qg) / q3)


def test_a_gauge_off_the_path_is_refused_naming_the_field() -> None:
    net = network()
    with pytest.raises(HydroError) as err:
        flow_today(net, net.index_of("A-1"), 0.5, net.index_of("B-1"), 30.0, "normal",
                   station_code="SEC-B", field="flow_today.station_code")
    assert err.value.fields == {"flow_today.station_code": "SEC-B"}
    assert "not on the river" in err.value.message


@pytest.mark.parametrize("q", [0.0, -5.0, math.nan, math.inf])
def test_discharge_must_be_positive(q: float) -> None:
    net = network()
    with pytest.raises(HydroError) as err:
        flow_today(net, net.index_of("A-1"), 0.5, net.index_of("A-2"), q, "normal")
    assert "flow_today.discharge_m3s" in err.value.fields


def test_discharge_far_from_the_season_is_refused() -> None:
    net = network()
    qg = q_normal(net, "A-2")
    with pytest.raises(HydroError) as err:
        flow_today(net, net.index_of("A-1"), 0.5, net.index_of("A-2"),
                   qg * MAX_RATIO * 1.01, "normal")
    assert "flow_today.discharge_m3s" in err.value.fields


def test_hydraulics_follow_the_at_a_station_geometry() -> None:
    net = network()
    i = net.index_of("A-1")
    base = reach_hydraulics(net, i, "normal")
    today = reach_hydraulics(net, i, "normal", params=DEFAULT_PARAMS.__class__(
        flow_factors=((i, 2.0),)))
    p = DEFAULT_PARAMS
    assert today.discharge_m3s == pytest.approx(2 * base.discharge_m3s)
    assert today.velocity_mps == pytest.approx(base.velocity_mps * 2 ** p.station_velocity_exp)
    assert today.width_m == pytest.approx(base.width_m * 2 ** p.station_width_exp)
    assert today.depth_m == pytest.approx(base.depth_m * 2 ** p.station_depth_exp)
    assert today.width_m * today.depth_m * today.velocity_mps == pytest.approx(
        today.discharge_m3s)
    # another reach is untouched
    j = net.index_of("A-3")
    assert reach_hydraulics(net, j, "normal", params=DEFAULT_PARAMS.__class__(
        flow_factors=((i, 2.0),))) == reach_hydraulics(net, j, "normal")


def _run(net: RiverNetwork, flow=None):
    lon, lat = net.point_at(net.index_of("A-1"), 0.1)
    rec = [ReceptorInput("section", "S", "S", "A-4", 0.9, 0.0, 0.0, None)]
    return run_incident(net, net.snap(lon, lat), SB, ReleaseInput(1_000.0), receptors=rec,
                        transfers=False, flow=flow)


def test_incident_with_today_flow() -> None:
    net = network()
    qg = q_normal(net, "A-2")
    snap_i = net.index_of("A-1")
    base = _run(net)
    same = _run(net, flow_today(net, snap_i, 0.1, net.index_of("A-2"), qg, "normal"))
    high = _run(net, flow_today(net, snap_i, 0.1, net.index_of("A-2"), 3 * qg, "normal"))
    low = _run(net, flow_today(net, snap_i, 0.1, net.index_of("A-2"), 0.4 * qg, "normal"))
    s0, s1 = base.receptors[-1], same.receptors[-1]
    assert (s1.arrival_h, s1.peak_conc_mgl) == (s0.arrival_h, s0.peak_conc_mgl)
    hi, lo = high.receptors[-1], low.receptors[-1]
    # more water: faster and more diluted; less water: slower and more concentrated
    assert hi.arrival_h < s0.arrival_h < lo.arrival_h
    assert hi.peak_conc_mgl < s0.peak_conc_mgl < lo.peak_conc_mgl
    assert high.model.flow_today is not None
    assert high.model.flow_today["ratio"] == pytest.approx(3.0)
    assert high.model.flow_today["reach_code"] == "A-2"
    assert base.model.flow_today is None
    assert any(a.startswith("Today's flow:") for a in high.model.assumptions)
    assert "flow_factors" not in high.model.coefficients


def test_the_readings_comparison_core_run_takes_the_flow_and_the_series() -> None:
    """observed.curves_at (a reading off the forecast's stations) runs the same release and
    the same flow as the forecast: faster with more water; a one-piece series as its box."""
    from webgis.hydro.observed import curves_at

    net = network()
    lon, lat = net.point_at(net.index_of("A-1"), 0.1)
    snap = net.snap(lon, lat)
    point = [ReceptorInput("section", "P", "P", "A-4", 0.5, 0.0, 0.0, None)]
    qg = q_normal(net, "A-2")
    box = curves_at(net, snap, SB, ReleaseInput(1_000.0, 2.0), "normal", 72.0, point,
                    transfers=False)["P"]
    series = curves_at(net, snap, SB, ReleaseInput.of_series(((0.0, 500.0), (2.0, 0.0))),
                       "normal", 72.0, point, transfers=False)["P"]
    wet = curves_at(net, snap, SB, ReleaseInput(1_000.0, 2.0), "normal", 72.0, point,
                    transfers=False,
                    flow=flow_today(net, snap.reach_idx, snap.measure, net.index_of("A-2"),
                                    2.0 * qg, "normal"))["P"]
    assert series.peak_conc_mgl == pytest.approx(box.peak_conc_mgl, rel=5e-3)
    assert wet.arrival_h < box.arrival_h and wet.peak_conc_mgl < box.peak_conc_mgl

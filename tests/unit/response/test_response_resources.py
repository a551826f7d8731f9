"""Depot and team ranking against plume arrival at interception points."""

from __future__ import annotations

import pytest

from webgis.response.resources import MaterialStock, ResourceOrigin, Target, rank_resources

LIME = MaterialStock("LIME", "Lime", 50, "t", ("heavy_metal", "metalloid"))
CARBON = MaterialStock("PAC", "Activated carbon", 10, "t", ("volatile_organic",))
BAGS = MaterialStock("BAGS", "Sandbags", 1000, "bag", ())
EMPTY = MaterialStock("FECL", "Ferric chloride", 0, "t", ("metalloid",))

# interception points along a river at ~105.0E, plume arriving later downstream
IP1 = Target("IP1", "Dam 1", 105.00, 34.00, plume_arrival_h=1.0, river_km=10)
IP2 = Target("IP2", "Bridge 2", 105.00, 34.50, plume_arrival_h=6.0, river_km=60)
IP3 = Target("IP3", "Sluice 3", 105.00, 35.00, plume_arrival_h=12.0, river_km=120)


def test_first_reachable_interception_point_is_chosen():
    near = ResourceOrigin("D-NEAR", "Near depot", 105.05, 34.02, [LIME, CARBON, BAGS, EMPTY])
    (r,) = rank_resources([near], [IP3, IP2, IP1], "metalloid")
    # ~5 km straight: 7 km by road at 50 km/h = 0.14 h < 1 h -> the most upstream point
    assert r.target_code == "IP1"
    assert r.arrives_before_plume
    assert r.distance_km == pytest.approx(1.4 * r.straight_km)
    assert r.travel_h == pytest.approx(r.distance_km / 50.0)
    assert r.slack_h == pytest.approx(1.0 - r.travel_h)
    assert [m.code for m in r.materials] == ["LIME", "BAGS"]  # class-serving + general, in stock


def test_a_far_depot_goes_further_downstream_or_is_late():
    far = ResourceOrigin("D-FAR", "Far depot", 105.0, 36.5, [LIME])  # IP2 too late, IP3 in time
    (r,) = rank_resources([far], [IP1, IP2, IP3], "metalloid")
    assert r.target_code == "IP3"
    assert r.arrives_before_plume
    too_far = ResourceOrigin("D-X", "Very far", 105.0, 40.0, [LIME])
    (late,) = rank_resources([too_far], [IP1, IP2, IP3], "metalloid")
    assert not late.arrives_before_plume
    assert late.target_code == "IP3"  # least lateness
    assert late.slack_h < 0


def test_feasible_first_then_by_travel_time():
    a = ResourceOrigin("A", "A", 105.0, 40.0, [LIME])  # late
    b = ResourceOrigin("B", "B", 105.3, 34.6, [LIME])  # in time, medium
    c = ResourceOrigin("C", "C", 105.02, 34.01, [LIME])  # in time, closest
    ranked = rank_resources([a, b, c], [IP1, IP2, IP3], "metalloid")
    assert [r.code for r in ranked] == ["C", "B", "A"]
    assert [r.arrives_before_plume for r in ranked] == [True, True, False]


def test_depot_without_serving_material_can_be_dropped_and_teams_kept():
    oil_only = ResourceOrigin("D-OIL", "Oil depot", 105.0, 34.1, [CARBON])
    team = ResourceOrigin("T-1", "Team 1", 105.0, 34.1, [], {"specialities": ["sampling"]})
    ranked = rank_resources([oil_only, team], [IP1], "metalloid", require_materials=True)
    assert [r.code for r in ranked] == []  # the team has no materials either
    teams = rank_resources([team], [IP1], "metalloid")
    assert teams[0].extra == {"specialities": ["sampling"]}


def test_speed_and_circuity_are_parameters():
    d = ResourceOrigin("D", "D", 105.2, 34.2, [LIME])
    slow = rank_resources([d], [IP1, IP2, IP3], "metalloid", circuity=2.0, speed_kmh=20)[0]
    fast = rank_resources([d], [IP1, IP2, IP3], "metalloid")[0]
    assert slow.travel_h > fast.travel_h
    with pytest.raises(ValueError):
        rank_resources([d], [IP1], "metalloid", circuity=0.5)

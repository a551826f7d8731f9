"""Depot and team ranking against plume arrival at interception points."""

from __future__ import annotations

import math
import random
from types import SimpleNamespace

import pytest
from pyproj import Geod

from webgis.response.resources import (
    USEFUL_MAX,
    MaterialStock,
    ResourceOrigin,
    ResourcePool,
    Target,
    serving_materials,
    useful_flags,
)

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
    (r,) = ResourcePool([near]).assign([IP3, IP2, IP1], "metalloid")
    # ~5 km straight: 7 km by road at 50 km/h = 0.14 h < 1 h -> the most upstream point
    assert r.target_code == "IP1"
    assert r.arrives_before_plume
    assert r.distance_km == pytest.approx(1.4 * r.straight_km)
    assert r.travel_h == pytest.approx(r.distance_km / 50.0)
    assert r.slack_h == pytest.approx(1.0 - r.travel_h)
    assert [m.code for m in r.materials] == ["LIME", "BAGS"]  # class-serving + general, in stock


def test_a_far_depot_goes_further_downstream_or_is_late():
    far = ResourceOrigin("D-FAR", "Far depot", 105.0, 36.5, [LIME])  # IP2 too late, IP3 in time
    (r,) = ResourcePool([far]).assign([IP1, IP2, IP3], "metalloid")
    assert r.target_code == "IP3"
    assert r.arrives_before_plume
    too_far = ResourceOrigin("D-X", "Very far", 105.0, 40.0, [LIME])
    (late,) = ResourcePool([too_far]).assign([IP1, IP2, IP3], "metalloid")
    assert not late.arrives_before_plume
    assert late.target_code == "IP3"  # least lateness
    assert late.slack_h < 0


def test_feasible_first_then_by_travel_time():
    a = ResourceOrigin("A", "A", 105.0, 40.0, [LIME])  # late
    b = ResourceOrigin("B", "B", 105.3, 34.6, [LIME])  # in time, medium
    c = ResourceOrigin("C", "C", 105.02, 34.01, [LIME])  # in time, closest
    ranked = ResourcePool([a, b, c]).assign([IP1, IP2, IP3], "metalloid")
    assert [r.code for r in ranked] == ["C", "B", "A"]
    assert [r.arrives_before_plume for r in ranked] == [True, True, False]


def test_depot_without_serving_material_can_be_dropped_and_teams_kept():
    oil_only = ResourceOrigin("D-OIL", "Oil depot", 105.0, 34.1, [CARBON])
    team = ResourceOrigin("T-1", "Team 1", 105.0, 34.1, [], {"specialities": ["sampling"]})
    ranked = ResourcePool([oil_only, team]).assign([IP1], "metalloid", require_materials=True)
    assert [r.code for r in ranked] == []  # the team has no materials either
    teams = ResourcePool([team]).assign([IP1], "metalloid")
    assert teams[0].extra == {"specialities": ["sampling"]}


def test_speed_and_circuity_are_parameters():
    d = ResourceOrigin("D", "D", 105.2, 34.2, [LIME])
    slow = ResourcePool([d]).assign([IP1, IP2, IP3], "metalloid", circuity=2.0, speed_kmh=20)[0]
    fast = ResourcePool([d]).assign([IP1, IP2, IP3], "metalloid")[0]
    assert slow.travel_h > fast.travel_h
    with pytest.raises(ValueError):
        ResourcePool([d]).assign([IP1], "metalloid", circuity=0.5)


# --- a pool prepared once per dataset ranks exactly as a direct computation ------------------

_GEOD = Geod(ellps="WGS84")


def _direct(origins, targets, pclass, circuity=1.4, speed_kmh=50.0, require_materials=False):
    """The ranking spelled out pair by pair: a scalar geodesic per origin and target."""
    order = sorted(targets, key=lambda t: (
        t.river_km if t.river_km is not None else math.inf,
        math.inf if t.plume_arrival_h is None else t.plume_arrival_h))
    out = []
    for o in origins:
        mats = serving_materials(o.materials, pclass)
        if require_materials and not mats:
            continue
        best = late = None
        for t in order:
            straight = _GEOD.inv(o.lon, o.lat, t.lon, t.lat)[2] / 1000.0
            travel = straight * circuity / speed_kmh
            slack = (math.inf if t.plume_arrival_h is None else t.plume_arrival_h) - travel
            if slack > 0:
                best = (t, straight, travel, slack)
                break
            if late is None or slack > late[3]:  # NaN never wins nor gets replaced
                late = (t, straight, travel, slack)
        pick = best or late
        if pick is None:
            out.append((o.code, None, None, None, False, None, [m.code for m in mats]))
            continue
        t, straight, travel, slack = pick
        out.append((o.code, t.code, straight, travel, best is not None,
                    None if math.isinf(slack) else slack, [m.code for m in mats]))
    out.sort(key=lambda r: (not r[4], r[1] is None,
                            math.inf if r[3] is None or math.isnan(r[3]) else r[3]))
    return out


def _flat(ranked):
    return [(r.code, r.target_code, None if r.target_code is None else r.straight_km,
             None if r.target_code is None else r.travel_h, r.arrives_before_plume, r.slack_h,
             [m.code for m in r.materials]) for r in ranked]


def _scene(seed):
    rng = random.Random(seed)
    mats = [LIME, CARBON, BAGS, EMPTY]
    origins = [ResourceOrigin(f"O{i}", f"O{i}", rng.uniform(103, 107), rng.uniform(33, 37),
                              rng.sample(mats, rng.randint(0, 3)), {"i": i}) for i in range(12)]
    arrivals = [None, math.nan, 0.5, 2.0, 5.0, 9.0, 20.0, 40.0]
    targets = [Target(f"T{j}", f"T{j}", rng.uniform(103, 107), rng.uniform(33, 37),
                      rng.choice(arrivals), rng.choice([None, j * 10.0])) for j in range(6)]
    return origins, targets


@pytest.mark.parametrize("seed", range(8))
def test_pool_ranks_as_the_pair_by_pair_ranking(seed):
    origins, targets = _scene(seed)
    known = [(t.lon, t.lat) for t in targets[::2]]  # half known to the pool, half measured
    pool = ResourcePool(origins, known)
    for pclass, require in (("metalloid", True), ("volatile_organic", False)):
        expected = _direct(origins, targets, pclass, require_materials=require)
        assert _flat(pool.assign(targets, pclass, require_materials=require)) == expected
        assert _flat(ResourcePool(origins).assign(targets, pclass,
                                                  require_materials=require)) == expected


def test_pool_distances_are_the_scalar_geodesics():
    origins, targets = _scene(1)
    points = [(t.lon, t.lat) for t in targets]
    pool = ResourcePool(origins, points[:3])
    cols = pool.straight_km(points)  # three from the table, three measured now
    assert cols == [[_GEOD.inv(o.lon, o.lat, lon, lat)[2] / 1000.0 for o in origins]
                    for lon, lat in points]


def test_pool_serving_materials_once_per_class_shared_by_every_ranking():
    near = ResourceOrigin("D-NEAR", "Near depot", 105.05, 34.02, [LIME, CARBON, BAGS, EMPTY])
    pool = ResourcePool([near])
    assert pool.serving("metalloid") is pool.serving("metalloid")
    assert [m.code for m in pool.serving("metalloid")[0]] == ["LIME", "BAGS"]
    a, b = pool.assign([IP1], "metalloid"), pool.assign([IP1], "metalloid")
    assert a == b and a[0].materials is pool.serving("metalloid")[0]


def test_no_targets_gives_unassigned_rows():
    d = ResourceOrigin("D", "D", 105.2, 34.2, [LIME])
    (r,) = ResourcePool([d], [(IP1.lon, IP1.lat)]).assign([], "metalloid")
    assert r.target_code is None and math.isnan(r.travel_h) and not r.arrives_before_plume


def test_assign_rows_name_their_origin_and_target():
    origins, targets = _scene(3)
    pool = ResourcePool(origins, [(t.lon, t.lat) for t in targets])
    assigned = pool.assign(targets, "metalloid", 1.6, 40.0)
    assert [(a.code, a.name, a.target_code, a.target_name, a.extra) for a in assigned] == [
        (a.origin.code, a.origin.name, a.target and a.target.code, a.target and a.target.name,
         a.origin.extra) for a in assigned]
    serving = dict(zip([o.code for o in origins], pool.serving("metalloid"), strict=True))
    assert all(a.materials is serving[a.origin.code] for a in assigned)


# --- issue 11: the useful ones drawn, the rest collapsed ---


def _row(in_time, target="IP1"):
    return SimpleNamespace(arrives_before_plume=in_time, target_code=target)


@pytest.mark.parametrize(
    ("rows", "useful"),
    [
        # 8 in time: the first 5 (USEFUL_MAX)
        ([True] * 8 + [False] * 9, [True] * 5 + [False] * 12),
        # 2 in time: topped up to 3 (USEFUL_MIN) with the nearest late one
        ([True, True] + [False] * 15, [True] * 3 + [False] * 14),
        # none in time: the 3 nearest
        ([False] * 17, [True] * 3 + [False] * 14),
        # 4 in time: all 4, no late one
        ([True] * 4 + [False] * 3, [True] * 4 + [False] * 3),
    ],
)
def test_useful_flags_keep_every_row_and_mark_the_head(rows, useful):
    assert useful_flags([_row(x) for x in rows]) == useful


def test_rows_without_a_target_are_never_useful():
    rows = [_row(False, None), _row(False), _row(False, None)]
    assert useful_flags(rows) == [False, True, False]


def test_useful_flags_on_a_real_ranking():
    origins = [ResourceOrigin(f"D{i}", f"Depot {i}", 105.0 + 0.05 * i, 34.0, [BAGS])
               for i in range(10)]
    ranked = ResourcePool(origins).assign([IP1, IP2, IP3], "oil")
    flags = useful_flags(ranked)
    assert len(flags) == 10 and sum(flags) == USEFUL_MAX
    assert flags == [True] * USEFUL_MAX + [False] * (10 - USEFUL_MAX)
    assert all(a.arrives_before_plume for a in ranked[:USEFUL_MAX])

"""Network build, snapping, tracing, cycles and confluences on hand-made networks."""

from __future__ import annotations

import math

import pytest
from hydro_netkit import GEOD, chain, line

from webgis.hydro.errors import NetworkCycleError, NetworkDataError, TooFarFromRiver
from webgis.hydro.network import ReachInput, RiverNetwork

START = (104.0, 35.0)


def _main_with_tributary() -> RiverNetwork:
    main = chain("A", START, 0.0, [10_000, 10_000, 10_000], [50, 100, 100])
    junction = main[1].coords[0]
    trib_pts = list(reversed(line(junction, 90.0, 8_000)))
    trib = ReachInput("B-1", "B", "A-2", trib_pts, 50.0)
    return RiverNetwork.build([*main, trib])


def test_lengths_are_geodesic():
    net = _main_with_tributary()
    assert net.length_m[net.index_of("A-1")] == pytest.approx(10_000, rel=1e-9)
    assert net.length_m[net.index_of("B-1")] == pytest.approx(8_000, rel=1e-9)


def test_snap_measure_and_offset_on_a_known_line():
    net = _main_with_tributary()
    a1 = net.index_of("A-1")
    on_line = net.point_at(a1, 0.3)
    lon, lat, _ = GEOD.fwd(*on_line, 90.0, 750.0)  # 750 m east of a north-flowing reach
    s = net.snap(lon, lat, max_offset_m=5_000)
    assert s.reach_code == "A-1"
    assert s.river_code == "A"
    assert s.measure == pytest.approx(0.3, abs=2e-4)
    assert s.offset_m == pytest.approx(750.0, rel=2e-3)
    assert s.along_m == pytest.approx(3_000.0, abs=2.0)
    assert (s.lon, s.lat) == pytest.approx(on_line, abs=2e-5)


def test_snap_too_far_names_the_nearest_river():
    net = _main_with_tributary()
    lon, lat, _ = GEOD.fwd(*START, 270.0, 12_000.0)
    with pytest.raises(TooFarFromRiver) as err:
        net.snap(lon, lat, max_offset_m=5_000)
    assert err.value.nearest_river_code == "A"
    assert err.value.distance_m == pytest.approx(12_000.0, rel=1e-2)
    assert err.value.to_dict()["nearest_river_code"] == "A"


def test_trace_to_the_end_from_mid_reach():
    net = _main_with_tributary()
    path = net.trace_downstream(net.index_of("A-1"), 0.25)
    assert [s.reach_code for s in path] == ["A-1", "A-2", "A-3"]
    assert path[0].from_measure == 0.25
    assert path[0].to_km == pytest.approx(7.5, rel=1e-9)
    assert path[-1].to_km == pytest.approx(27.5, rel=1e-9)
    assert all(a.to_km == b.from_km for a, b in zip(path, path[1:], strict=False))


def test_trace_with_limit_stops_inside_a_reach():
    net = _main_with_tributary()
    path = net.trace_downstream(net.index_of("A-1"), 0.0, max_length_m=15_000)
    assert [s.reach_code for s in path] == ["A-1", "A-2"]
    assert path[-1].to_km == pytest.approx(15.0)
    assert path[-1].to_measure == pytest.approx(0.5)
    geom = net.segment_geometry(path[-1])
    _, _, d = GEOD.inv(*geom[0], *geom[-1])
    assert d == pytest.approx(5_000.0, rel=1e-6)


def test_cycle_is_detected_not_followed_forever():
    a = chain("C", START, 0.0, [1_000, 1_000, 1_000], [1, 1, 1])
    loop = [a[0], a[1], ReachInput(**{**_fields(a[2]), "downstream_code": "C-1"})]
    net = RiverNetwork.build(loop)
    with pytest.raises(NetworkCycleError):
        net.trace_downstream(net.index_of("C-2"), 0.0)


def _fields(r: ReachInput) -> dict:
    return {f: getattr(r, f) for f in r.__slots__}


def test_unknown_downstream_code_is_a_data_error():
    bad = chain("D", START, 0.0, [1_000], [1.0], downstream_code="NOPE")
    with pytest.raises(NetworkDataError, match="NOPE"):
        RiverNetwork.build(bad)


def test_confluence_found_with_its_km_and_tributary_discharge():
    net = _main_with_tributary()
    path = net.trace_downstream(net.index_of("A-1"), 0.5)
    (c,) = net.confluences_along(path)
    assert c.joining_river_code == "B"
    assert c.joining_reach_code == "B-1"
    assert c.river_km == pytest.approx(5.0)
    assert c.joining_discharge_m3s == 50.0
    assert list(net.upstream_of(net.index_of("A-2"))) == sorted(
        [net.index_of("A-1"), net.index_of("B-1")]
    )
    assert net.n_upstream[net.index_of("A-2")] == 2


def test_point_at_interpolates_geodesically():
    net = _main_with_tributary()
    lon, lat = net.point_at(net.index_of("A-2"), 0.5)
    _, _, d = GEOD.inv(*net.reach_coords(net.index_of("A-2"))[0], lon, lat)
    assert d == pytest.approx(5_000.0, rel=1e-6)
    assert not math.isnan(lon)

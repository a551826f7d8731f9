"""Upstream navigation on a hand-made network with distances and times worked out by hand.

Network (flow direction; lengths geodesic; river code in brackets)::

    C-1 (6 km, q 3)  ─┐
    D-1 (4 km, q 5)  ─┴─> M-1 (10 km) ──> M-2 (10 km) ──> M-3 (20 km) ──> outlet
                         B-1 (8 km) ─────┘                 │
                 A-1 (5 km) ──> A-2 (15 km, q 50) ─────────┘

The start point is the middle of M-3 (measure 0.5, 10 km below its upstream end).
Velocities (m/s): M, C, D 1.0; A 0.5; B 2.0. Times below in seconds, tested in hours.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hydro_netkit import GEOD, chain, line

from webgis.hydro.errors import NetworkCycleError
from webgis.hydro.hydraulics import DEFAULT_PARAMS, hydraulics_arrays
from webgis.hydro.network import ReachInput, RiverNetwork, Snap
from webgis.hydro.upstream import (
    WORST_VELOCITY_FACTOR,
    FeatureSet,
    LinearFeature,
    UpstreamInputError,
    season_velocities_mps,
    trace_upstream,
)

START = (104.0, 35.0)
KM = 1000.0
H = 3600.0


def _feeder(river: str, junction, azimuth_deg: float, lengths_m, q, down: str):
    """A chain that ends (approximately) at ``junction``, coming from ``azimuth_deg``."""
    lon, lat, _ = GEOD.fwd(*junction, azimuth_deg, sum(lengths_m))
    return chain(river, (lon, lat), azimuth_deg + 180.0, lengths_m, q, down)


def _network() -> RiverNetwork:
    main = chain("M", START, 0.0, [10 * KM, 10 * KM, 20 * KM], [20.0, 20.0, 80.0])
    a = _feeder("A", main[2].coords[0], 90.0, [5 * KM, 15 * KM], [40.0, 50.0], "M-3")
    b = _feeder("B", main[1].coords[0], 270.0, [8 * KM], [5.0], "M-2")
    top = main[0].coords[0]
    c = ReachInput("C-1", "C", "M-1", list(reversed(line(top, 200.0, 6 * KM))), 3.0)
    d = ReachInput("D-1", "D", "M-1", list(reversed(line(top, 160.0, 4 * KM))), 5.0)
    return RiverNetwork.build([*main, *a, *b, c, d])


def _velocities(net: RiverNetwork) -> np.ndarray:
    per_river = {"M": 1.0, "A": 0.5, "B": 2.0, "C": 1.0, "D": 1.0}
    return np.array([per_river[net.river_code(i)] for i in range(len(net))])


def _rows(up) -> dict[str, tuple[float, ...]]:
    """code -> (from_measure, to_measure, from_km, to_km[, from_s, to_s])."""
    out = {}
    for s in up.segments():
        row = (s.from_measure, s.to_measure, s.from_distance_m / KM, s.to_distance_m / KM)
        if s.from_travel_h is not None:
            row += (s.from_travel_h * H, s.to_travel_h * H)
        out[s.reach_code] = row
    return out


def _check(got: dict, want: dict) -> None:
    assert set(got) == set(want)
    for code, row in want.items():
        assert got[code] == pytest.approx(row, rel=1e-6, abs=1e-6), code


NO_LIMIT = {
    "M-3": (0.0, 0.5, 10, 0, 10_000, 0),
    "M-2": (0.0, 1.0, 20, 10, 20_000, 10_000),
    "A-2": (0.0, 1.0, 25, 10, 40_000, 10_000),
    "A-1": (0.0, 1.0, 30, 25, 50_000, 40_000),
    "M-1": (0.0, 1.0, 30, 20, 30_000, 20_000),
    "B-1": (0.0, 1.0, 28, 20, 24_000, 20_000),
    "C-1": (0.0, 1.0, 36, 30, 36_000, 30_000),
    "D-1": (0.0, 1.0, 34, 30, 34_000, 30_000),
}


def test_all_tributaries_without_limit():
    net = _network()
    up = trace_upstream(net, (net.index_of("M-3"), 0.5), velocities_mps=_velocities(net))
    _check(_rows(up), NO_LIMIT)
    assert up.length_m == pytest.approx(68 * KM, rel=1e-6)
    assert not up.cut.any()
    assert up.river_codes == {"M", "A", "B", "C", "D"}
    # upstream order: the start first, every reach after the reach it flows into
    seen: set[int] = set()
    for i in up.reach_idx.tolist():
        assert i == up.start_reach_idx or int(net.downstream[i]) in seen
        seen.add(i)


def test_mainstem_follows_the_river_code_then_the_largest_discharge():
    net = _network()
    up = trace_upstream(net, (net.index_of("M-3"), 0.5), mainstem_only=True,
                        velocities_mps=_velocities(net))
    # A (q 50) is larger than M-2 (q 20) but M-2 carries the same river code; above
    # M-1 neither C nor D does, so the larger D (q 5 against 3) is followed
    assert up.reach_codes == ["M-3", "M-2", "M-1", "D-1"]
    _check(_rows(up), {k: NO_LIMIT[k] for k in ("M-3", "M-2", "M-1", "D-1")})


def test_distance_limit_cuts_partial_reaches_at_the_right_measure():
    net = _network()
    up = trace_upstream(net, (net.index_of("M-3"), 0.5), max_length_m=27 * KM)
    _check(_rows(up), {
        "M-3": (0.0, 0.5, 10, 0),
        "M-2": (0.0, 1.0, 20, 10),
        "A-2": (0.0, 1.0, 25, 10),
        "A-1": (0.6, 1.0, 27, 25),  # 2 of 5 km
        "M-1": (0.3, 1.0, 27, 20),  # 7 of 10 km
        "B-1": (0.125, 1.0, 27, 20),  # 7 of 8 km
    })
    assert sorted(net.codes[i] for i in up.reach_idx[up.cut]) == ["A-1", "B-1", "M-1"]
    assert up.from_travel_h is None and up.to_travel_h is None
    main = trace_upstream(net, (net.index_of("M-3"), 0.5), mainstem_only=True,
                          max_length_m=27 * KM)
    _check(_rows(main), {"M-3": (0.0, 0.5, 10, 0), "M-2": (0.0, 1.0, 20, 10),
                         "M-1": (0.3, 1.0, 27, 20)})


def test_a_limit_inside_the_start_reach_cuts_it():
    net = _network()
    up = trace_upstream(net, (net.index_of("M-3"), 0.5), max_length_m=4 * KM)
    _check(_rows(up), {"M-3": (0.3, 0.5, 4, 0)})


def test_travel_time_limit_cuts_by_velocity():
    net = _network()
    v = _velocities(net)
    up = trace_upstream(net, (net.index_of("M-3"), 0.5), max_travel_h=25_000 / H,
                        velocities_mps=v)
    _check(_rows(up), {
        "M-3": (0.0, 0.5, 10, 0, 10_000, 0),
        "M-2": (0.0, 1.0, 20, 10, 20_000, 10_000),
        "A-2": (0.5, 1.0, 17.5, 10, 25_000, 10_000),  # slow: half of it in 15,000 s
        "M-1": (0.5, 1.0, 25, 20, 25_000, 20_000),
        "B-1": (0.0, 1.0, 28, 20, 24_000, 20_000),  # fast: whole in 4,000 s
    })
    main = trace_upstream(net, (net.index_of("M-3"), 0.5), mainstem_only=True,
                          max_travel_h=25_000 / H, velocities_mps=v)
    assert main.reach_codes == ["M-3", "M-2", "M-1"]
    assert main.from_measure[-1] == pytest.approx(0.5)


def test_distance_and_time_limits_together_take_the_tighter_cut():
    net = _network()
    up = trace_upstream(net, (net.index_of("M-3"), 0.5), max_length_m=22 * KM,
                        max_travel_h=25_000 / H, velocities_mps=_velocities(net))
    got = _rows(up)
    assert set(got) == {"M-3", "M-2", "A-2", "M-1", "B-1"}
    assert got["A-2"][0] == pytest.approx(0.5)  # time binds (distance alone: 0.2)
    assert got["M-1"][0] == pytest.approx(0.8)  # distance binds (time alone: 0.5)
    assert got["B-1"][:4] == pytest.approx((0.75, 1.0, 22, 20))
    assert got["B-1"][4] == pytest.approx(21_000)


def test_velocity_factor_shortens_every_time_by_that_factor():
    net = _network()
    start = (net.index_of("M-3"), 0.5)
    v = _velocities(net)
    base = trace_upstream(net, start, velocities_mps=v)
    fast = trace_upstream(net, start, velocities_mps=v, velocity_factor=WORST_VELOCITY_FACTOR)
    assert WORST_VELOCITY_FACTOR == DEFAULT_PARAMS.worst_velocity_factor > 1.0
    np.testing.assert_allclose(fast.from_travel_h, base.from_travel_h / WORST_VELOCITY_FACTOR)
    # faster water reaches farther within the same time: the safe side for a warning
    slow = trace_upstream(net, start, velocities_mps=v, max_travel_h=8.0)
    quick = trace_upstream(net, start, velocities_mps=v, max_travel_h=8.0,
                           velocity_factor=WORST_VELOCITY_FACTOR)
    assert quick.length_m > slow.length_m


def test_snap_start_equals_index_and_measure():
    net = _network()
    i = net.index_of("M-3")
    snap = Snap(i, "M-3", "M", 0.5, 0.0, *net.point_at(i, 0.5), 10 * KM)
    a = trace_upstream(net, snap, max_length_m=27 * KM)
    b = trace_upstream(net, (i, 0.5), max_length_m=27 * KM)
    np.testing.assert_array_equal(a.reach_idx, b.reach_idx)
    np.testing.assert_array_equal(a.from_distance_m, b.from_distance_m)


def test_features_on_the_upstream_network_sorted_by_distance():
    net = _network()
    ix = net.index_of
    feats = [
        LinearFeature("OUT-A1", "outfall", ix("A-1"), 0.5),  # 25 + 2.5 km
        LinearFeature("WS-M3", "water_source", ix("M-3"), 0.8),  # below the start
        LinearFeature("SEC-M3", "section", ix("M-3"), 0.25),  # 5 km
        LinearFeature("IP-M1", "interception", ix("M-1"), 0.1),  # 20 + 9 km
        LinearFeature("OUT-B1", "outfall", ix("B-1"), 1.0),  # at the confluence, 20 km
    ]
    up = trace_upstream(net, (ix("M-3"), 0.5), velocities_mps=_velocities(net))
    got = up.locate(feats)
    assert [f.code for f in got] == ["SEC-M3", "OUT-B1", "OUT-A1", "IP-M1"]
    assert [f.distance_m / KM for f in got] == pytest.approx([5.0, 20.0, 27.5, 29.0])
    assert [f.travel_h * H for f in got] == pytest.approx([5_000, 20_000, 45_000, 29_000])
    assert got[2].river_code == "A" and got[2].reach_code == "A-1"
    # beyond a cut, not on the network
    cut = trace_upstream(net, (ix("M-3"), 0.5), max_length_m=27 * KM).locate(feats)
    assert [f.code for f in cut] == ["SEC-M3", "OUT-B1"]
    assert cut[0].travel_h is None
    main = trace_upstream(net, (ix("M-3"), 0.5), mainstem_only=True).locate(feats)
    assert [f.code for f in main] == ["SEC-M3", "IP-M1"]


def test_segment_geometry_follows_the_cut():
    net = _network()
    up = trace_upstream(net, (net.index_of("M-3"), 0.5), max_length_m=27 * KM)
    row = up.reach_codes.index("M-1")
    pts = up.segment_geometry(row)
    i = net.index_of("M-1")
    assert pts[0] == pytest.approx(net.point_at(i, 0.3))
    assert pts[-1] == pytest.approx(net.point_at(i, 1.0))


def test_season_velocities_are_the_downstream_models():
    net = _network()
    all_idx = np.arange(len(net))
    for season in ("dry", "normal", "flood"):
        for case in ("expected", "worst"):
            v = season_velocities_mps(net, season, case)
            want = hydraulics_arrays(net, all_idx, season, case).velocity_mps
            np.testing.assert_allclose(v, want)
    worst, expected = season_velocities_mps(net, "dry", "worst"), season_velocities_mps(net, "dry")
    np.testing.assert_allclose(worst, expected * WORST_VELOCITY_FACTOR)  # no reservoir here
    assert season_velocities_mps(net, "dry", "worst") is worst  # cached
    assert not worst.flags.writeable
    up = trace_upstream(net, (0, 1.0), max_travel_h=1.0, velocities_mps=worst)
    assert up.to_travel_h is not None and up.from_travel_h.max() <= 1.0 + 1e-12


def _random_tree(seed: int, n: int = 300) -> RiverNetwork:
    """Reaches of random length; each flows into a random earlier one (a few roots)."""
    rng = np.random.default_rng(seed)
    down = np.array([-1 if i < 3 else int(rng.integers(0, i)) for i in range(n)])
    lengths_deg = rng.uniform(0.001, 0.05, n)
    lon = np.column_stack((np.full(n, 100.0), 100.0 + lengths_deg)).ravel()
    lat = np.repeat(np.linspace(30.0, 31.0, n), 2)
    river = rng.integers(0, 20, n)
    return RiverNetwork.from_arrays(
        codes=[f"R{i}" for i in range(n)], river_index=river,
        rivers=[None, *[f"RIV{k}" for k in range(1, 20)]], downstream=down,
        vertex_offsets=np.arange(n + 1) * 2, lon=lon, lat=lat,
        discharge_m3s=rng.uniform(1.0, 100.0, n),
    )


def _reference(net: RiverNetwork, s: int, m: float, limit_m: float, mainstem: bool):
    """Plain breadth-first walk: code -> (from_km, to_km)."""
    out, stack = {}, [(s, 0.0, m * net.length_m[s])]
    while stack:
        i, to_m, span = stack.pop()
        if i != s and to_m >= limit_m:
            continue
        out[net.codes[i]] = (min(to_m + span, limit_m) / KM, to_m / KM)
        ups = net.upstream_of(i).tolist()
        if mainstem and ups:
            same = [u for u in ups if net.river_index[u] == net.river_index[i]
                    and net.rivers[net.river_index[i]] is not None]
            pool = same or ups
            ups = [min(pool, key=lambda u: (-net.discharge_m3s[u], u))]
        stack.extend((u, to_m + span, float(net.length_m[u])) for u in ups)
    return out


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("mainstem", [False, True])
def test_random_trees_agree_with_a_plain_walk(seed, mainstem):
    net = _random_tree(seed)
    rng = np.random.default_rng(100 + seed)
    for _ in range(15):
        s, m = int(rng.integers(0, len(net))), float(rng.uniform())
        limit = float(rng.uniform(1, 60)) * KM
        up = trace_upstream(net, (s, m), max_length_m=limit, mainstem_only=mainstem)
        want = _reference(net, s, m, limit, mainstem)
        got = {net.codes[i]: (a / KM, b / KM) for i, a, b in zip(
            up.reach_idx.tolist(), up.from_distance_m.tolist(), up.to_distance_m.tolist(),
            strict=True)}
        assert set(got) == set(want)
        for code, row in want.items():
            assert got[code] == pytest.approx(row, abs=1e-6), code


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"start": (99, 0.5)}, "reach"),
        ({"start": (0, 1.5)}, "measure"),
        ({"start": (0, math.nan)}, "measure"),
        ({"max_length_m": -1.0}, "max_length_m"),
        ({"max_length_m": math.inf}, "max_length_m"),
        ({"max_travel_h": 2.0}, "velocities_mps"),
        ({"max_travel_h": 0.0, "velocities_mps": "ok"}, "max_travel_h"),
        ({"velocities_mps": np.ones(3)}, "velocities_mps"),
        ({"velocities_mps": "zero"}, "velocities_mps"),
        ({"velocities_mps": "ok", "velocity_factor": 0.0}, "velocity_factor"),
    ],
)
def test_bad_input_names_the_field(kwargs, field):
    net = _network()
    kw = dict(kwargs)
    start = kw.pop("start", (net.index_of("M-3"), 0.5))
    if isinstance(kw.get("velocities_mps"), str):
        v = _velocities(net)
        if kw["velocities_mps"] == "zero":
            v[net.index_of("M-2")] = 0.0
        kw["velocities_mps"] = v
    with pytest.raises(UpstreamInputError) as err:
        trace_upstream(net, start, **kw)
    assert err.value.field == field
    body = err.value.to_dict()
    assert field in body["fields"] and body["error"]


def test_start_above_a_loop_is_a_cycle_error():
    lon = np.array([100.0, 100.1, 100.1, 100.2, 100.2, 100.3, 100.3, 100.4])
    lat = np.full(8, 30.0)
    net = RiverNetwork.from_arrays(
        codes=["X", "Y", "Z", "OK"], river_index=np.zeros(4), rivers=["R"],
        downstream=np.array([1, 0, 0, -1]), vertex_offsets=np.arange(5) * 2,
        lon=lon, lat=lat, discharge_m3s=np.ones(4),
    )
    with pytest.raises(NetworkCycleError):
        trace_upstream(net, (2, 0.5))
    assert trace_upstream(net, (3, 1.0)).reach_codes == ["OK"]


def test_rows_and_features_behind_a_reservoir_are_flagged():
    main = chain("M", START, 0.0, [10 * KM, 10 * KM, 10 * KM], [20.0, 20.0, 20.0],
                 is_reservoir=[False, True, False], volume_m3=[None, 5e6, None])
    b = _feeder("B", main[2].coords[0], 90.0, [5 * KM], [4.0], "M-3")
    net = RiverNetwork.build([*main, *b])
    for mainstem in (False, True):
        up = trace_upstream(net, (net.index_of("M-3"), 0.5), mainstem_only=mainstem)
        flags = dict(zip(up.reach_codes, up.via_reservoir.tolist(), strict=True))
        want = {"M-3": False, "M-2": True, "M-1": True}
        if not mainstem:
            want["B-1"] = False
        assert flags == want
    feats = [LinearFeature("F1", "outfall", net.index_of("M-1"), 0.5),
             LinearFeature("F2", "outfall", net.index_of("B-1"), 0.5)]
    got = {f.code: f.via_reservoir for f in trace_upstream(net, (2, 0.5)).locate(feats)}
    assert got == {"F1": True, "F2": False}


def test_a_feature_set_locates_the_same_as_a_list():
    net = _network()
    rng = np.random.default_rng(5)
    feats = [LinearFeature(f"F{k}", "outfall", int(i), float(m)) for k, (i, m) in enumerate(
        zip(rng.integers(0, len(net), 200).tolist(), rng.uniform(0, 1, 200).tolist(),
            strict=True))]
    up = trace_upstream(net, (net.index_of("M-3"), 0.5), max_length_m=27 * KM,
                        velocities_mps=_velocities(net))
    got = up.locate(FeatureSet.of(feats))
    assert got == up.locate(iter(feats)) and 0 < len(got) < 200
    assert all(f.distance_m <= 27 * KM and f.travel_h is not None for f in got)


def test_a_missing_velocity_beyond_the_distance_limit_does_not_matter():
    net = _network()
    v = _velocities(net)
    v[net.index_of("C-1")] = np.nan  # 30 km up, beyond a 27 km limit
    up = trace_upstream(net, (net.index_of("M-3"), 0.5), max_length_m=27 * KM,
                        velocities_mps=v)
    assert np.isfinite(up.from_travel_h).all()
    assert _rows(up)["B-1"][4:] == pytest.approx((20_000 + 7_000 / 2.0, 20_000))
    with pytest.raises(UpstreamInputError, match="C-1"):
        trace_upstream(net, (net.index_of("M-3"), 0.5), velocities_mps=v)

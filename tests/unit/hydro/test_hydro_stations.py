"""Stations on a traced path: the receptor index kept per list never reads stale, the
horizon cut's stations equal those placed afresh, and the per-network hydraulics equal
the per-reach computation."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest
from hydro_netkit import chain, line

from webgis.hydro.analysis import PollutantInput, ReceptorInput
from webgis.hydro.horizon import cut_path
from webgis.hydro.hydraulics import (
    DEFAULT_PARAMS,
    HydraulicsArrays,
    hydraulics_arrays,
    network_hydraulics,
)
from webgis.hydro.network import ReachInput, RiverNetwork
from webgis.hydro.stations import (
    StationContext,
    locate_receptors,
    stations_on,
    stations_on_prefix,
)

START = (105.0, 34.0)
SB = PollutantInput("SB", "Antimony", "metalloid", 0.0, 0.005, 0.005, limit_class2_mgl=0.005)


def _net() -> RiverNetwork:
    main = chain("A", START, 0.0, [10_000] * 6, [50, 60, 100, 110, 120, 130],
                 province=["620000"] * 4 + ["610000"] * 2)
    trib = ReachInput("B-1", "B", "A-3", list(reversed(line(main[2].coords[0], 90, 8_000))),
                      40.0)
    trib2 = ReachInput("C-1", "C", "A-5", list(reversed(line(main[4].coords[0], 80, 5_000))),
                       10.0)
    return RiverNetwork.build([*main, trib, trib2])


def _receptor(code: str, reach: str, measure: float, kind: str = "section"
              ) -> ReceptorInput:
    return ReceptorInput(kind, code, code, reach, measure, 0.0, 0.0)


def _receptors() -> list[ReceptorInput]:
    rng = np.random.default_rng(7)
    out = []
    for k in range(60):
        reach = f"A-{rng.integers(1, 7)}" if k % 5 else "B-1"
        kind = ("water_source", "section", "interception", "boundary")[k % 4]
        out.append(_receptor(f"R{k}", reach, float(rng.random()), kind))
    # two at the very same place: their order must be kept
    out += [_receptor("TWIN-1", "A-4", 0.5), _receptor("TWIN-2", "A-4", 0.5)]
    return out


def test_the_receptor_index_follows_a_list_changed_in_place():
    net = _net()
    path = list(net.trace_downstream(net.index_of("A-1"), 0.1))
    receptors = [_receptor("X", "A-2", 0.5), _receptor("Y", "A-3", 0.5)]
    assert [s.code for s in locate_receptors(net, path, receptors, SB)] == ["X", "Y"]
    receptors[1] = _receptor("Z", "A-4", 0.25)  # same list, same length
    assert [s.code for s in locate_receptors(net, path, receptors, SB)] == ["X", "Z"]
    receptors.append(_receptor("W", "A-1", 0.5))
    assert [s.code for s in locate_receptors(net, path, receptors, SB)] == ["X", "Z", "W"]
    receptors.pop(0)
    assert [s.code for s in locate_receptors(net, path, receptors, SB)] == ["Z", "W"]


def test_receptors_keep_their_order_and_their_part_of_the_spill_reach():
    net = _net()
    path = list(net.trace_downstream(net.index_of("A-1"), 0.4))
    got = locate_receptors(net, path, [_receptor("BEHIND", "A-1", 0.2),
                                       _receptor("T2", "A-2", 0.5),
                                       _receptor("T1", "A-2", 0.5),
                                       _receptor("AHEAD", "A-1", 0.6)], SB)
    assert [s.code for s in got] == ["T2", "T1", "AHEAD"]
    assert got[-1].km == pytest.approx(2.0, rel=1e-6)


@pytest.mark.parametrize("cut_km", [0.05, 3.0, 10.0, 19.999, 20.0, 25.0, 33.3, 40.0, 44.0, 59.0])
@pytest.mark.parametrize("start", [("A-1", 0.0), ("A-1", 0.37), ("A-2", 0.9)])
def test_stations_of_a_cut_path_equal_those_placed_afresh(cut_km, start):
    net = _net()
    ctx = StationContext(net, _receptors(), SB, "normal", {"A": "Alpha", "B": "Beta"},
                         {"620000": "甘肃", "610000": "陕西"}, True)
    path = list(net.trace_downstream(net.index_of(start[0]), start[1]))
    stations = stations_on(ctx, path, path[-1].to_km)
    assert {s.kind for s in stations} >= {"confluence", "water_source"}
    cut = cut_path(path, net, min(cut_km, path[-1].to_km))
    assert stations_on_prefix(stations, cut) == stations_on(ctx, cut, cut[-1].to_km)


def test_network_hydraulics_are_the_per_reach_rows():
    net = _net()
    for season in ("dry", "normal", "flood"):
        for case in ("expected", "worst"):
            every = network_hydraulics(net, season, case, DEFAULT_PARAMS)
            assert network_hydraulics(net, season, case, DEFAULT_PARAMS) is every
            for i in range(len(net)):
                one = hydraulics_arrays(net, [i], season, case)
                for f in fields(HydraulicsArrays):
                    np.testing.assert_array_equal(getattr(one, f.name),
                                                  getattr(every, f.name)[[i]])

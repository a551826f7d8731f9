"""run_incident on hand-made networks: confluence dilution, reservoirs, horizon, worst case."""

from __future__ import annotations

import numpy as np
import pytest
from hydro_netkit import chain, line

from webgis.hydro.analysis import (
    PollutantInput,
    ReceptorInput,
    ReleaseInput,
    run_incident,
)
from webgis.hydro.errors import HydroError
from webgis.hydro.hydraulics import reach_hydraulics
from webgis.hydro.network import ReachInput, RiverNetwork

START = (105.0, 34.0)
SB = PollutantInput("SB", "Antimony", "metalloid", 0.0, None, 0.005)
BENZENE = PollutantInput("BENZENE", "Benzene", "volatile_organic", 0.1, None, 0.01)


def _receptor(code, reach, measure, kind="section", limit=None):
    return ReceptorInput(kind, code, code, reach, measure, 0.0, 0.0, limit)


def _snap(net, code, measure):
    lon, lat = net.point_at(net.index_of(code), measure)
    return net.snap(lon, lat)


def _confluence_net():
    main = chain("A", START, 0.0, [10_000, 10_000, 10_000], [50, 100, 100])
    trib = ReachInput("B-1", "B", "A-2", list(reversed(line(main[1].coords[0], 90, 8_000))), 50.0)
    return RiverNetwork.build([*main, trib])


def test_confluence_dilutes_by_the_discharge_ratio():
    net = _confluence_net()
    res = run_incident(
        net,
        _snap(net, "A-1", 0.2),
        SB,
        ReleaseInput(500.0),
        receptors=[_receptor("ABOVE", "A-1", 0.9999)],
        river_names={"A": "Alpha", "B": "Beta"},
    )
    kinds = [r.kind for r in res.receptors]
    assert kinds == ["section", "confluence"]
    above, conf = res.receptors
    assert conf.name == "Beta → Alpha"
    assert conf.extra["dilution_factor"] == pytest.approx(0.5)
    assert conf.peak_conc_mgl / above.peak_conc_mgl == pytest.approx(0.5, rel=1e-2)
    assert conf.river_km == pytest.approx(8.0)


def _reservoir_net(reservoir: bool):
    return RiverNetwork.build(
        chain(
            "Y",
            START,
            0.0,
            [10_000, 20_000, 10_000],
            [300, 300, 300],
            is_reservoir=[False, reservoir, False],
            volume_m3=[None, 1e9 if reservoir else None, None],
        )
    )


def test_reservoir_gives_a_later_and_lower_peak_than_a_channel():
    out = {}
    for flag in (False, True):
        net = _reservoir_net(flag)
        out[flag] = run_incident(
            net,
            _snap(net, "Y-1", 0.0),
            SB,
            ReleaseInput(2_000.0),
            horizon_h=400,
            receptors=[
                _receptor("INTAKE", "Y-2", 0.5, kind="water_source"),
                _receptor("BELOW", "Y-3", 0.5),
            ],
        )
    chan, res = (
        {r.code: r for r in out[False].receptors},
        {r.code: r for r in out[True].receptors},
    )
    assert res["BELOW"].peak_h > chan["BELOW"].peak_h
    assert res["BELOW"].peak_conc_mgl < chan["BELOW"].peak_conc_mgl
    # the intake inside the reservoir sits at its own cell: earlier and higher than the outlet
    assert res["INTAKE"].arrival_h < res["BELOW"].arrival_h
    assert res["INTAKE"].peak_conc_mgl > res["BELOW"].peak_conc_mgl
    # mean residence over the active 10 % of the volume: 1e8 m³ / 300 m³/s ≈ 92.6 h
    assert 0.5 * 92.6 < res["BELOW"].peak_h < 1.1 * 92.6 + chan["BELOW"].peak_h
    assert res["INTAKE"].limit_mgl == 0.005  # drinking-water source limit (Table 3)
    assert res["INTAKE"].exceeds and res["INTAKE"].exceed_hours > 0


def test_channel_pipeline_matches_the_textbook_solution():
    net = RiverNetwork.build(
        chain(
            "Z",
            START,
            30.0,
            [25_000] * 4,
            [80.0] * 4,
            velocity_mps=0.9,
            width_m=60.0,
            depth_m=80 / 54,
            slope=4e-4,
        )
    )
    hyd = reach_hydraulics(net, 0)
    res = run_incident(
        net, _snap(net, "Z-1", 0.0), SB, ReleaseInput(800.0), receptors=[_receptor("S", "Z-3", 0.5)]
    )
    (rec,) = res.receptors
    x, u, d, q = rec.river_km * 1000, hyd.velocity_mps, hyd.dispersion_m2s, hyd.discharge_m3s
    t = np.linspace(1, 3 * x / u, 400_001)
    c = 1e3 * 800 / (q / u * np.sqrt(4 * np.pi * d * t)) * np.exp(-((x - u * t) ** 2) / (4 * d * t))
    assert rec.peak_conc_mgl == pytest.approx(c.max(), rel=1e-2)
    assert rec.peak_h * 3600 == pytest.approx(t[np.argmax(c)], rel=1e-2)
    assert 60 <= len(rec.curve) <= 200
    assert rec.curve[0][0] < rec.arrival_h < rec.peak_h < rec.curve[-1][0]


def test_horizon_stops_the_trace_at_the_leading_edge():
    net = RiverNetwork.build(chain("L", START, 0.0, [10_000] * 30, [40.0] * 30))
    recs = [_receptor(f"S{i}", f"L-{i}", 0.5) for i in range(1, 31)]
    res = run_incident(
        net, _snap(net, "L-1", 0.0), SB, ReleaseInput(100.0), horizon_h=24, receptors=recs
    )
    assert res.model.truncated_at_horizon
    assert res.path[-1].to_km < 300
    assert res.path[-1].arrival_h <= 24 + 1e-6
    assert all(r.arrival_h <= 24 + 0.05 for r in res.receptors)
    assert len(res.receptors) < 30
    full = run_incident(net, _snap(net, "L-1", 0.0), SB, ReleaseInput(100.0), horizon_h=1000)
    assert not full.model.truncated_at_horizon
    assert full.path[-1].to_km == pytest.approx(300.0)


def test_worst_case_is_earlier_and_higher_everywhere():
    net = _confluence_net()
    res = run_incident(
        net,
        _snap(net, "A-1", 0.1),
        BENZENE,
        ReleaseInput(300.0, duration_h=1.0),
        receptors=[_receptor("S1", "A-2", 0.5), _receptor("S2", "A-3", 0.9)],
    )
    for r in res.receptors:
        assert r.worst.arrival_h < r.arrival_h
        assert r.worst.peak_conc_mgl > r.peak_conc_mgl
    assert [r.river_km for r in res.receptors] == sorted(r.river_km for r in res.receptors)
    prof = np.array(res.profile)
    worst = np.array(res.worst_profile)
    assert prof.shape[1] == 2 and prof.shape[0] > 50
    assert np.all(np.diff(prof[:, 0]) > 0)
    # the worst case's profile has every other station of the expected one's
    same = np.isclose(prof[:, 0][:, None], worst[:, 0][None, :], rtol=0, atol=1e-9)
    i, j = np.nonzero(same)
    assert i.size >= worst.shape[0] - 2
    assert np.all(worst[j, 1] >= prof[i, 1] * 0.999)


def test_province_crossing_becomes_a_boundary_receptor():
    reaches = chain(
        "P", START, 0.0, [10_000] * 3, [60.0] * 3, province=["620000", "620000", "610000"]
    )
    net = RiverNetwork.build(reaches)
    res = run_incident(
        net,
        _snap(net, "P-1", 0.0),
        SB,
        ReleaseInput(100.0),
        province_names={"620000": "甘肃", "610000": "陕西"},
    )
    (b,) = [r for r in res.receptors if r.kind == "boundary"]
    assert b.name == "甘肃 → 陕西"
    assert b.extra["to_adcode"] == "610000"
    assert b.river_km == pytest.approx(20.0)


def test_receptors_off_the_path_are_ignored():
    net = _confluence_net()
    res = run_incident(
        net,
        _snap(net, "A-2", 0.5),
        SB,
        ReleaseInput(10.0),
        receptors=[_receptor("UP", "A-1", 0.5), _receptor("TRIB", "B-1", 0.5)],
    )
    assert not [r for r in res.receptors if r.code in {"UP", "TRIB"}]


@pytest.mark.parametrize("mass", [0.0, -1.0, 2e9, float("nan")])
def test_absurd_mass_is_rejected(mass):
    net = _confluence_net()
    with pytest.raises(HydroError, match="mass_kg"):
        run_incident(net, _snap(net, "A-1", 0.5), SB, ReleaseInput(mass))

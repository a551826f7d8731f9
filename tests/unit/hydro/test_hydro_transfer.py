"""Cached transfers below reservoir inlets give what computing the whole path gives.

A cascade (channel → slow one-cell reservoir → channel → fast many-cell reservoir →
channel → reservoir → channel) is run for spills at several distances above it, with
and without transfers: receptors in the cells, between the reservoirs and at the end
must agree (the transfer path only regroups the same linear operations on other grids).
"""

from __future__ import annotations

import numpy as np
import pytest
from hydro_netkit import chain
from refined import refined  # noqa: I001  (tests/unit/hydro on sys.path)

from webgis.hydro.analysis import PollutantInput, ReceptorInput, ReleaseInput, run_incident
from webgis.hydro.hydraulics import path_hydraulics
from webgis.hydro.network import RiverNetwork
from webgis.hydro.transfer import Transfer, TransferCache, cache_for
from webgis.hydro.transport import Inflow, PlumeModel

START = (104.0, 35.0)
SB = PollutantInput("SB", "Antimony", "metalloid", 0.0, None, 0.005)
DECAYING = PollutantInput("NB", "Nitrobenzene", "organic", 0.5, None, 0.017)
LENGTHS = [15_000, 4_000, 20_000, 12_000, 25_000, 6_000, 30_000]
RESERVOIR = [False, True, False, True, False, True, False]
VOLUME = [None, 2e8, None, 6e7, None, 3e7, None]


def _cascade() -> RiverNetwork:
    return RiverNetwork.build(
        chain("C", START, 20.0, LENGTHS, [120.0] * 7, is_reservoir=RESERVOIR, volume_m3=VOLUME)
    )


def _receptors() -> list[ReceptorInput]:
    at = [("C-2", 0.5), ("C-3", 0.1), ("C-3", 0.9), ("C-4", 0.25), ("C-4", 0.99), ("C-5", 0.5),
          ("C-6", 0.5), ("C-7", 0.3), ("C-7", 0.95)]
    return [ReceptorInput("section", f"R{i}", f"R{i}", r, m, 0.0, 0.0, 0.01)
            for i, (r, m) in enumerate(at)]


def _run(net, measure, pollutant, release, transfers, season="normal", reach="C-1"):
    lon, lat = net.point_at(net.index_of(reach), measure)
    return run_incident(net, net.snap(lon, lat), pollutant, release, season, horizon_h=400,
                        receptors=_receptors(), transfers=transfers)


@pytest.mark.parametrize(
    ("reach", "measure", "pollutant", "release"),
    [
        ("C-1", 0.1, SB, ReleaseInput(1_000.0)),  # a smooth inflow at the slow reservoir
        ("C-1", 0.6, SB, ReleaseInput(1_000.0, 3.0)),
        ("C-1", 0.95, DECAYING, ReleaseInput(2_000.0)),  # a sharp one: the fine head
        ("C-2", 0.5, SB, ReleaseInput(1_000.0)),  # in the reservoir: the channel below
    ],
)
def test_transfers_are_as_close_to_a_fine_reference_as_the_direct_computation(
    reach, measure, pollutant, release
):
    """Within 2 % (0.05 h) of a reference on 16× finer grids, or no farther from it than
    the direct computation (whose grid below a spill inside a slow reservoir is coarse:
    2 km below it the reference arrives at 0.20 h, the direct one at 0.00 h)."""
    net = _cascade()
    cache = TransferCache()
    direct = _run(net, measure, pollutant, release, transfers=False, reach=reach)
    cached = _run(net, measure, pollutant, release, transfers=cache, reach=reach)
    with refined():
        fine = _run(net, measure, pollutant, release, transfers=False, reach=reach)
    assert cache.builds >= 2  # one transfer per case was used
    assert [r.code for r in cached.receptors] == [r.code for r in direct.receptors]
    for r, c, f in zip(direct.receptors, cached.receptors, fine.receptors, strict=True):
        for a, b, x in ((r, c, f), (r.worst, c.worst, f.worst)):
            # (a peak time within 0.2 h: 2 km below a one-cell reservoir the peak is flat)
            for name, abs_ in (("arrival_h", 0.05), ("peak_h", 0.2), ("peak_conc_mgl", 0.0)):
                want = getattr(x, name)
                err, err_direct = abs(getattr(b, name) - want), abs(getattr(a, name) - want)
                assert err <= max(1.5 * err_direct, 0.02 * abs(want), abs_), (r.code, name)


def test_a_second_spill_reuses_the_transfers():
    net = _cascade()
    cache = TransferCache()
    _run(net, 0.2, SB, ReleaseInput(500.0), transfers=cache)
    built = cache.builds
    _run(net, 0.4, SB, ReleaseInput(900.0, 1.0), transfers=cache)
    assert cache.builds == built
    _run(net, 0.4, SB, ReleaseInput(900.0), transfers=cache, season="flood")
    assert cache.builds > built  # other hydraulics, other transfers


def test_a_transfer_composes_an_inflow_like_a_release_at_the_inlet():
    """A box release at a reservoir's inlet, direct, equals its flux composed with the
    pulse response (mass, peak and timing)."""
    net = _cascade()
    below = net.trace_downstream(net.index_of("C-2"), 0.0)
    h = path_hydraulics(net, below)
    transfer = Transfer(h)
    dur = 2 * 3600.0
    t = np.linspace(0.0, dur, 201)
    inflow = Inflow(t, t / dur, dur / 2, dur / 2, 0.0)  # 1 kg over two hours
    ends = h.start_m + h.length_m
    for x in (0.4 * ends[0], ends[0] - 1.0, 0.5 * (ends[1] + ends[2]), ends[-1] - 10.0):
        seg = np.array([np.searchsorted(h.start_m, x, side="right") - 1])
        direct = PlumeModel(h, 1.0, dur).curves([x])[0]
        model = PlumeModel(h, 1.0, dur)
        cells, _, _ = model._within(seg, np.array([x - h.start_m[seg[0]]]))
        ((_, t0s, dt, rows, _),) = transfer.compose(
            seg, np.array([x - h.start_m[seg[0]]]), cells, inflow, 0.0)
        q = np.maximum.accumulate(h.discharge_m3s)[seg[0]]
        flux_peak = direct.peak_conc_mgl * q / 1000.0
        assert rows[0].sum() * dt == pytest.approx(1.0, rel=1e-3)
        assert rows[0].max() == pytest.approx(flux_peak, rel=0.02)
        peak_h = (t0s[0] + dt * np.argmax(rows[0])) / 3600.0
        assert peak_h == pytest.approx(direct.peak_h, abs=max(2 * dt / 3600.0, 0.02))


def test_the_cache_keeps_to_its_memory_budget():
    net = _cascade()
    cache = TransferCache(max_bytes=1)  # everything but the newest is dropped
    _run(net, 0.2, SB, ReleaseInput(500.0), transfers=cache)
    assert len(cache) == 1


def test_one_cache_per_network_with_a_settable_budget():
    net = _cascade()
    cache = cache_for(net)
    assert cache_for(net, 123) is cache and cache.max_bytes == 123
    assert cache_for(_cascade()) is not cache

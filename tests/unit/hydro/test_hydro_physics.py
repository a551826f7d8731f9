"""Issue 11 in the core: no loss in the worst case, loss as velocity over depth, the
near-field bank concentration, the dissolution-rate bound."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hydro_netkit import chain

from webgis.hydro.analysis import (
    NearField,
    PollutantInput,
    ReceptorInput,
    ReleaseInput,
    near_field_of,
    run_incident,
)
from webgis.hydro.hydraulics import DEFAULT_PARAMS
from webgis.hydro.network import RiverNetwork

START = (104.0, 35.0)
LOSSLESS = PollutantInput("X", "X", "volatile_organic", 0.0, None, 0.01)
VOLATILE = replace(LOSSLESS, decay_per_day=0.5, volatilisation_m_per_day=0.7)


def _rec(code, reach, measure, kind="section"):
    return ReceptorInput(kind, code, code, reach, measure, 0.0, 0.0, None)


def _snap(net, code, measure):
    lon, lat = net.point_at(net.index_of(code), measure)
    return net.snap(lon, lat)


def _river(depth_m=None, reservoir=False):
    kw = {}
    if reservoir:
        kw = {"is_reservoir": [False, True, False], "volume_m3": [None, 2.0e9, None],
              "depth_m": [None, 90.0, None]}
    return RiverNetwork.build(chain("A", START, 0.0, [20_000, 40_000, 20_000], [300, 300, 300],
                                    slope=0.0005, **kw))


def test_worst_case_has_no_loss():
    net = _river()
    recs = [_rec("R1", "A-2", 0.5), _rec("R2", "A-3", 0.9)]
    a = run_incident(net, _snap(net, "A-1", 0.1), VOLATILE, ReleaseInput(1000.0),
                     horizon_h=96, receptors=recs)
    b = run_incident(net, _snap(net, "A-1", 0.1), LOSSLESS, ReleaseInput(1000.0),
                     horizon_h=96, receptors=recs)
    for x, y in zip(a.receptors, b.receptors, strict=True):
        assert x.worst.peak_conc_mgl == pytest.approx(y.worst.peak_conc_mgl, rel=1e-9)
        assert x.peak_conc_mgl < y.peak_conc_mgl  # the expected case does lose


def test_volatilisation_vanishes_in_a_deep_reservoir():
    """The same 40 km as a 90 m-deep reservoir loses (almost) nothing by volatilisation;
    as a river a few metres deep it loses much."""
    only_vol = replace(LOSSLESS, volatilisation_m_per_day=0.7)
    res_net, river_net = _river(reservoir=True), _river()
    out = {}
    for name, net in (("reservoir", res_net), ("river", river_net)):
        recs = [_rec("IN", "A-2", 0.0001), _rec("OUT", "A-2", 0.9999)]
        got = {}
        for p in (only_vol, LOSSLESS):
            r = run_incident(net, _snap(net, "A-1", 0.5), p, ReleaseInput(1000.0),
                             horizon_h=24 * 30, receptors=recs)
            got[p.code, p.volatilisation_m_per_day] = {x.code: x.peak_conc_mgl
                                                       for x in r.receptors}
        lossy, clean = got["X", 0.7], got["X", 0.0]
        # loss across the 40 km stretch only
        out[name] = (lossy["OUT"] / clean["OUT"]) / (lossy["IN"] / clean["IN"])
    assert out["reservoir"] > 0.9  # 0.7 m/d over 90 m for the ~8 days of residence
    assert out["river"] < out["reservoir"]


def test_near_field_bank_concentration_in_the_worst_case():
    net = _river()
    nf = near_field_of(net, net.index_of("A-1"), "normal", DEFAULT_PARAMS)
    assert nf is not None and nf.mixing_length_m > 3_000
    near_m = 0.25 * nf.mixing_length_m
    recs = [_rec("NEAR", "A-1", 0.1 + near_m / 20_000), _rec("FAR", "A-3", 0.99)]
    res = run_incident(net, _snap(net, "A-1", 0.1), LOSSLESS, ReleaseInput(1000.0),
                       horizon_h=96, receptors=recs)
    near, far = res.receptors[0], res.receptors[-1]
    assert near.near_field and not far.near_field
    assert near.worst.bank_factor > 1.2
    assert far.worst.bank_factor == 1.0
    assert any("near field" in a for a in res.model.assumptions)


def test_bank_factor_tends_to_one_and_is_bounded():
    nf = NearField(width_m=100.0, depth_m=2.0, velocity_mps=1.0, transverse_m2s=0.05,
                   mixing_length_m=0.4 * 1.0 * 100.0**2 / 0.05)
    r = nf.bank_factor([1.0, 1_000.0, 10_000.0, 80_000.0, 1e6])
    assert r[0] == pytest.approx(100.0 / 2.0)  # no narrower than one depth
    assert all(r[i] >= r[i + 1] for i in range(len(r) - 1))
    assert r[-1] == pytest.approx(1.0, abs=1e-6)


def test_no_dissolved_value_above_solubility():
    """A huge instantaneous spill of a poorly soluble substance in a small stream."""
    net = RiverNetwork.build(chain("S", START, 0.0, [5_000, 5_000], [0.3, 0.3], slope=0.01))
    p = replace(LOSSLESS, solubility_mgl=200.0)
    res = run_incident(net, _snap(net, "S-1", 0.01), p, ReleaseInput(20_000.0),
                       horizon_h=48, receptors=[_rec("R", "S-1", 0.5), _rec("Q", "S-2", 0.5)])
    for x in res.receptors:
        assert x.peak_conc_mgl <= 200.0 + 1e-9
        assert x.worst.peak_conc_mgl <= 200.0 + 1e-9
    assert max(c for _, c in res.profile + res.worst_profile) <= 200.0 + 1e-9
    # dissolving 20 t at 200 mg/L in 0.3 m³/s takes at least M/(Q·S) ≈ 93 h
    assert res.model.coefficients["dissolution_duration_h"] == pytest.approx(
        20_000.0 * 1e6 / (0.3e3 * 200.0) / 3600.0, rel=1e-6)


def test_species_factor_scales_the_mass():
    net = _river()
    half = replace(LOSSLESS, species_factor=0.5)
    recs = [_rec("R", "A-2", 0.5)]
    a = run_incident(net, _snap(net, "A-1", 0.1), half, ReleaseInput(1000.0), receptors=recs)
    b = run_incident(net, _snap(net, "A-1", 0.1), LOSSLESS, ReleaseInput(1000.0),
                     receptors=recs)
    assert a.receptors[0].worst.peak_conc_mgl == pytest.approx(
        0.5 * b.receptors[0].worst.peak_conc_mgl, rel=1e-9)
    assert a.model.coefficients["species_mass_kg"] == pytest.approx(500.0)

"""Hydraulic geometry, measured overrides, Fischer dispersion, reservoirs, worst case."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hydro_netkit import chain

from webgis.hydro.hydraulics import (
    DEFAULT_PARAMS,
    fischer_dispersion_m2s,
    hydraulics_arrays,
    reach_hydraulics,
)
from webgis.hydro.network import RiverNetwork

START = (103.0, 36.0)


def _net(**kw) -> RiverNetwork:
    return RiverNetwork.build(
        chain("X", START, 45.0, [5_000, 5_000, 5_000], [2.0, 150.0, 1_000.0], **kw)
    )


@pytest.mark.parametrize("season", ["dry", "normal", "flood"])
def test_power_laws_keep_continuity(season):
    net = _net(factor_dry=0.4, factor_normal=1.0, factor_flood=2.5)
    h = hydraulics_arrays(net, [0, 1, 2], season)
    assert np.allclose(h.width_m * h.depth_m * h.velocity_mps, h.discharge_m3s, rtol=1e-12)
    factor = {"dry": 0.4, "normal": 1.0, "flood": 2.5}[season]
    assert np.allclose(h.discharge_m3s, np.array([2.0, 150.0, 1000.0]) * factor)


def test_mean_flow_geometry_is_leopold_maddock():
    p = DEFAULT_PARAMS
    assert p.width_exp + p.depth_exp + p.velocity_exp == pytest.approx(1.0)
    assert p.width_coef * p.depth_coef * p.velocity_coef == pytest.approx(1.0)
    r = reach_hydraulics(_net(), 2, "normal")
    assert r.width_m == pytest.approx(7.0 * 1000**0.5)
    assert r.velocity_mps == pytest.approx(1000**0.1 / (7.0 * 0.25))
    assert 0.5 < r.velocity_mps < 3.0  # Lanzhou: about 1–3 m/s


def test_flood_is_faster_than_dry():
    net = _net(factor_dry=0.4, factor_flood=2.5)
    dry, flood = reach_hydraulics(net, 1, "dry"), reach_hydraulics(net, 1, "flood")
    assert flood.velocity_mps / dry.velocity_mps == pytest.approx((2.5 / 0.4) ** 0.34)


def test_measured_values_override_and_continuity_fills_the_rest():
    net = _net(velocity_mps=[None, 2.0, None], width_m=[None, 40.0, None])
    r = reach_hydraulics(net, 1, "normal")
    assert r.velocity_mps == 2.0
    assert r.width_m == 40.0
    assert r.depth_m == pytest.approx(150.0 / (2.0 * 40.0))


def test_fischer_formula_and_clip():
    u, w, h, s = 1.0, 100.0, 2.0, 5e-4
    ustar = math.sqrt(9.81 * h * s)
    expected = 0.011 * u**2 * w**2 / (h * ustar)
    got = fischer_dispersion_m2s(np.array([u]), np.array([w]), np.array([h]), np.array([s]))
    assert got[0] == pytest.approx(expected)
    huge = fischer_dispersion_m2s(
        np.array([3.0]), np.array([2000.0]), np.array([1.0]), np.array([1e-5])
    )
    assert huge[0] == DEFAULT_PARAMS.dispersion_max_m2s


def test_steeper_slope_means_less_dispersion():
    flat = reach_hydraulics(_net(slope=1e-4), 1)
    steep = reach_hydraulics(_net(slope=1e-2), 1)
    assert steep.dispersion_m2s < flat.dispersion_m2s


def test_worst_case_is_faster_and_less_dispersive():
    net = _net()
    e, w = reach_hydraulics(net, 1, case="expected"), reach_hydraulics(net, 1, case="worst")
    assert w.velocity_mps == pytest.approx(1.5 * e.velocity_mps)
    assert w.dispersion_m2s == pytest.approx(max(0.5 * e.dispersion_m2s, 0.5))


def test_reservoir_uses_the_active_share_and_cells():
    net = _net(is_reservoir=[False, True, False], volume_m3=[None, 3e8, None])
    r = reach_hydraulics(net, 1)
    assert r.is_reservoir
    assert r.active_volume_m3 == pytest.approx(0.10 * 3e8)
    assert r.residence_h == pytest.approx(0.10 * 3e8 / 150.0 / 3600.0)
    assert r.n_cells == round(5_000 / 2_000)
    worst = reach_hydraulics(net, 1, case="worst")
    assert worst.residence_h == pytest.approx(r.residence_h / 2)
    own = _net(is_reservoir=[False, True, False], volume_m3=[None, 3e8, None], active_share=0.3)
    assert reach_hydraulics(own, 1).active_volume_m3 == pytest.approx(9e7)


def test_unknown_season_is_rejected():
    with pytest.raises(ValueError, match="season"):
        reach_hydraulics(_net(), 0, "monsoon")

"""A floating oil's curves and slick path: the dissolved petroleum under the slick
(bounded by the water-accommodated fraction, less what evaporated in the expected case)
and the hydraulics the slick model needs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from webgis.hydro import slick as oil
from webgis.hydro.hydraulics import HydraulicParams, PathHydraulics, network_hydraulics
from webgis.hydro.network import RiverNetwork
from webgis.hydro.transport import Curve


def oil_curves(curves: Sequence[Curve], product: oil.OilProduct, season: str, case: str
                ) -> list[Curve]:
    """Curves of the spilled mass as dissolved petroleum (see :func:`oil.dissolved_cap`):
    never above the WAF; in the expected case, of the mass not yet evaporated (one
    evaluation of the evaporation for all the curves)."""
    waf = product.waf_mgl
    if case != "expected":  # no evaporation credit: only the WAF bound
        return [c if c.peak_conc_mgl <= waf else
                Curve(c.times_h, np.minimum(c.conc_mgl, waf), c.arrival_h, c.peak_h, waf)
                for c in curves]
    if not curves:
        return []
    ends = np.cumsum([c.times_h.size for c in curves])
    share = oil.remaining_share(product, season, np.concatenate(
        [c.times_h for c in curves] + [np.array([c.peak_h for c in curves])]))
    at_peak = share[ends[-1]:].tolist()
    out = []
    for c, a, b, sp in zip(curves, np.concatenate(([0], ends[:-1])).tolist(), ends.tolist(),
                           at_peak, strict=True):
        conc = np.minimum(c.conc_mgl * share[a:b], waf)
        peak = min(c.peak_conc_mgl * sp, waf)
        if conc.size:  # evaporation can move the expected peak earlier
            peak = max(peak, float(conc.max()))
        out.append(Curve(c.times_h, conc, c.arrival_h, c.peak_h, peak))
    return out


def slick_path(network: RiverNetwork, hyd: Mapping[str, PathHydraulics],
                reaches: Sequence[int], season: str, params: HydraulicParams
                ) -> oil.SlickPath:
    """The segments' hydraulics the slick model needs (widths from the reaches)."""
    e, w = hyd["expected"], hyd["worst"]
    return oil.SlickPath(
        start_m=e.start_m, length_m=e.length_m, velocity_mps=e.velocity_mps,
        worst_velocity_mps=w.velocity_mps,
        width_m=reach_widths(network, season, params)[np.asarray(reaches, dtype=np.int64)],
        dispersion_m2s=e.dispersion_m2s)


def reach_widths(network: RiverNetwork, season: str, params: HydraulicParams) -> np.ndarray:
    """Channel width of every reach (expected case), computed once per season."""
    return network_hydraulics(network, season, "expected", params).width_m

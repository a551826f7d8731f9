"""Today's flow: a discharge measured today at a gauge (or given for a reach) overrides
the season's discharge along a spill's path.

The season's discharge of a reach is its mean discharge × the season factor. A discharge
Q_today at the gauge's reach g, whose season's discharge is Q_g, gives

* the ratio r = Q_today / Q_g, applied to every path reach *above* the gauge (the same
  share of the season's flow: the anomaly comes from upstream, where the flow is smaller
  in proportion);
* the difference ΔQ = Q_today − Q_g, carried *from the gauge down*: a reach there takes
  Q + ΔQ (tributaries joining below keep their season's flow, so the anomaly's share
  shrinks downstream), bounded so that its factor (Q + ΔQ)/Q lies between r and 1 — a
  reach below the gauge is never further from its season's flow, in proportion, than the
  gauge itself (a losing reach below a low gauge cannot go dry or negative).

Velocity, width and depth follow from the factor by the at-a-station hydraulic geometry
(webgis.hydro.hydraulics: u ∝ Q^0.34, w ∝ Q^0.26, h ∝ Q^0.40), reservoirs' residence
times by θ = V/Q. The gauge must lie on the spill's path (below the spill) or the spill
on the gauge's (the gauge above it: every path reach then takes the ΔQ rule); anything
else is refused (a discharge elsewhere says nothing about this river). See docs/model.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from webgis.hydro.errors import HydroError
from webgis.hydro.hydraulics import HydraulicParams
from webgis.hydro.network import RiverNetwork

#: today's discharge may be this many times the season's (or its inverse) at the gauge:
#: beyond, the hydraulic geometry relations (fitted over a range of ~1:20 at a station,
#: Leopold & Maddock 1953) are no longer an answer, and a typo is likelier
MAX_RATIO = 20.0


@dataclass(frozen=True, slots=True)
class FlowToday:
    """A discharge today and what it does to the path's reaches."""

    reach_idx: int
    reach_code: str
    station_code: str | None
    discharge_m3s: float
    season_m3s: float
    gauge_below_spill: bool
    # (reach index, today's / the season's discharge) of every reach on the spill's path
    factors: tuple[tuple[int, float], ...]

    @property
    def ratio(self) -> float:
        """Today's discharge over the season's at the gauge."""
        return self.discharge_m3s / self.season_m3s

    @property
    def delta_m3s(self) -> float:
        """Today's discharge minus the season's at the gauge."""
        return self.discharge_m3s - self.season_m3s

    def params(self, base: HydraulicParams) -> HydraulicParams:
        """``base`` with today's flow on the path."""
        return replace(base, flow_factors=self.factors)

    def as_dict(self) -> dict[str, Any]:
        """What the result's ``model.flow_today`` states."""
        f = [f for _, f in self.factors]
        return {
            "reach_code": self.reach_code,
            "station_code": self.station_code,
            "discharge_m3s": self.discharge_m3s,
            "season_discharge_m3s": self.season_m3s,
            "ratio": self.ratio,
            "delta_m3s": self.delta_m3s,
            "gauge_below_spill": self.gauge_below_spill,
            "factor_min": min(f) if f else 1.0,
            "factor_max": max(f) if f else 1.0,
            "rule": ("ratio above the gauge, ΔQ carried from the gauge down with its factor "
                     "between the gauge's ratio and 1"),
        }


def flow_today(network: RiverNetwork, spill_reach_idx: int, spill_measure: float,
               gauge_reach_idx: int, discharge_m3s: float, season: str, *,
               station_code: str | None = None, field: str = "flow_today.reach_code"
               ) -> FlowToday:
    """Today's flow for a spill at (``spill_reach_idx``, ``spill_measure``) from a
    discharge at the gauge's reach (see the module docstring); a :class:`HydroError`
    naming ``field`` when the gauge is neither on the spill's path nor above the spill,
    ``flow_today.discharge_m3s`` when the value is not a plausible discharge there."""
    code = network.codes[gauge_reach_idx]
    q_field = "flow_today.discharge_m3s"
    if not (math.isfinite(discharge_m3s) and discharge_m3s > 0):
        raise HydroError("today's discharge must be a positive number of m³/s",
                         {q_field: discharge_m3s})
    season_q = _season_q(network, season)
    q_g = float(season_q[gauge_reach_idx])
    if not (math.isfinite(q_g) and q_g > 0):
        raise HydroError("reach %(reach)s has no season discharge to compare with",
                         {field: station_code or code}, params={"reach": code})
    ratio = discharge_m3s / q_g
    if not 1.0 / MAX_RATIO <= ratio <= MAX_RATIO:
        raise HydroError(
            "today's discharge %(q).4g m³/s is %(ratio).3g× the %(season)s season's "
            "%(qs).4g m³/s at %(reach)s: more than %(max)g× apart (check the value, or the "
            "season)", {q_field: discharge_m3s},
            params={"q": discharge_m3s, "ratio": ratio, "season": season, "qs": q_g,
                    "reach": code, "max": MAX_RATIO})
    path = network.trace_downstream(spill_reach_idx, spill_measure).reach_indices
    hit = np.flatnonzero(path == gauge_reach_idx)
    if hit.size:
        below_from = int(hit[0])
    elif spill_reach_idx in set(network.trace_downstream(gauge_reach_idx, 0.0).reach_indices
                                .tolist()):
        below_from = 0
    else:
        where = f"station {station_code}" if station_code else f"reach {code}"
        raise HydroError(
            "%(where)s is not on the river below the spill nor above it: today's discharge "
            "there says nothing about this spill's path", {field: station_code or code},
            params={"where": where})
    q = season_q[path]
    f = np.full(path.size, ratio)
    with np.errstate(invalid="ignore", divide="ignore"):
        carried = (q[below_from:] + (discharge_m3s - q_g)) / q[below_from:]
    lo, hi = min(ratio, 1.0), max(ratio, 1.0)
    f[below_from:] = np.where(np.isfinite(carried), np.clip(carried, lo, hi), ratio)
    factors = tuple((int(i), float(x)) for i, x in zip(path.tolist(), f.tolist(), strict=True))
    return FlowToday(gauge_reach_idx, code, station_code, float(discharge_m3s), q_g,
                     bool(hit.size), factors)


def _season_q(network: RiverNetwork, season: str) -> np.ndarray:
    """Every reach's discharge in ``season`` (mean × the season factor)."""
    q: np.ndarray = network.discharge_m3s * network.season_factor[season]
    return q

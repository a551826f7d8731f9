"""Transverse mixing below a bank-side release: the near field, where the bank is worse
than the cross-section mean (Fischer et al. 1979, ch. 5)."""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass

import numpy as np

from webgis.hydro.hydraulics import HydraulicParams, hydraulics_arrays
from webgis.hydro.network import RiverNetwork

# Fischer et al. (1979, ch. 5): transverse mixing coefficient of natural streams
# E_t ≈ 0.6·h·u* (±50 %), and the distance for a bank-side release to mix over the width
# L ≈ 0.4·u·W²/E_t (a centre-line release needs a quarter of it).
TRANSVERSE_MIXING_COEF = 0.6
BANK_MIXING_LENGTH_COEF = 0.4


@dataclass(frozen=True, slots=True)
class NearField:
    """Transverse mixing below a bank-side release on the spill's reach (worst case)."""

    width_m: float
    depth_m: float
    velocity_mps: float
    transverse_m2s: float
    mixing_length_m: float

    def bank_factor(self, x_m: float | np.ndarray) -> np.ndarray:
        """Bank concentration / cross-section mean at ``x_m`` below a bank-side source.

        Depth-averaged 2D solution with reflecting banks (image sources at 2nW, Fischer
        et al. 1979 §5.1): at the source bank after travel time t = x/u,
        R = 2W/√(4πE_t t) · Σ_n exp(−(nW)²/(E_t t)). R → 1 once mixed. The plume is
        taken no narrower than one depth (vertical mixing comes first): R ≤ W/h.
        """
        x = np.atleast_1d(np.asarray(x_m, dtype=np.float64))
        w, e = self.width_m, self.transverse_m2s
        t = np.maximum(x, 1e-6) / self.velocity_mps
        spread = e * t
        n = np.arange(-6, 7)[None, :]
        series = np.exp(-((n * w) ** 2) / spread[:, None]).sum(axis=1)
        r = 2.0 * w / np.sqrt(4.0 * math.pi * spread) * series
        cap = max(w / max(self.depth_m, 1e-3), 1.0)
        factor: np.ndarray = np.clip(r, 1.0, cap)
        return factor


NearFieldKey = tuple[int, str, HydraulicParams]  # (reach index, season, params)
_NEAR_FIELDS: weakref.WeakKeyDictionary[RiverNetwork, dict[NearFieldKey, NearField | None]] = (
    weakref.WeakKeyDictionary()
)


def near_field_of(
    network: RiverNetwork, reach_idx: int, season: str, params: HydraulicParams
) -> NearField | None:
    """Fischer's mixing length on the spill's reach with the worst-case hydraulics (the
    faster flow carries the unmixed plume farther); kept per network, reach and season."""
    per_net = _NEAR_FIELDS.setdefault(network, {})
    key = (reach_idx, season, params)
    if key not in per_net:
        if len(per_net) > 20_000:
            per_net.clear()
        per_net[key] = _fischer_near_field(network, reach_idx, season, params)
    return per_net[key]


def _fischer_near_field(
    network: RiverNetwork, reach_idx: int, season: str, params: HydraulicParams
) -> NearField | None:
    a = hydraulics_arrays(network, [reach_idx], season, "worst", params)
    if bool(a.is_reservoir[0]):
        return None
    w, h = float(a.width_m[0]), float(a.depth_m[0])
    u, slope = float(a.velocity_mps[0]), float(a.slope[0])
    if not all(math.isfinite(v) and v > 0 for v in (w, h, u, slope)):
        return None
    shear = math.sqrt(params.gravity_mps2 * h * slope)
    e_t = TRANSVERSE_MIXING_COEF * h * shear
    return NearField(w, h, u, e_t, BANK_MIXING_LENGTH_COEF * u * w * w / e_t)

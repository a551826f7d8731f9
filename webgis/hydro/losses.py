"""What the cloud loses on its way, and what cannot dissolve: per-reach loss rates,
the solubility cap and the release's dissolution time."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from webgis.hydro import slick as oil
from webgis.hydro.hydraulics import HydraulicParams, PathHydraulics, hydraulics_arrays
from webgis.hydro.inputs import PollutantInput
from webgis.hydro.nearfield import NearField, near_field_of
from webgis.hydro.network import PathSegment, RiverNetwork
from webgis.hydro.transport import Curve

# the sheet and the map print ratios to the limit up to this; beyond, "> cap×"
RATIO_PRINT_CAP = 1000.0
# dissolution times below this are not turned into a release duration (see
# dissolution_duration_s)
MIN_DISSOLUTION_S = 60.0


def reach_loss_per_s(
    network: RiverNetwork,
    path: Sequence[PathSegment],
    hyd: PathHydraulics,
    pollutant: PollutantInput,
    season: str,
    params: HydraulicParams,
) -> np.ndarray:
    """Expected-case loss rate (1/s) per path segment: k = v/h + k_first_order.

    Volatilisation is a mass-transfer velocity over the local depth (two-film model), so
    it all but vanishes in deep water. A reservoir's depth for it is the stored depth or
    its whole volume over length × channel width — deeper than the real mean depth (the
    lake is wider than the channel), so it errs towards less loss.
    """
    n = len(path)
    k_first = max(pollutant.decay_per_day, 0.0) / 86400.0 * params.loss_factor
    v = max(pollutant.volatilisation_m_per_day, 0.0) / 86400.0 * params.loss_factor
    if v <= 0 or n == 0:
        return np.full(n, k_first)
    idx = np.fromiter((sg.reach_idx for sg in path), np.int64, n)
    a = hydraulics_arrays(network, idx, season, "expected", params)
    depth = a.depth_m.copy()
    res = hyd.is_reservoir
    if res.any():
        stored = network.depth_m[idx]
        with np.errstate(invalid="ignore", divide="ignore"):
            full = network.volume_m3[idx] / (network.length_m[idx] * a.width_m)
        depth = np.where(res, np.where(np.isfinite(stored), stored, full), depth)
    depth = np.where(np.isfinite(depth) & (depth > 0), depth, np.inf)
    return k_first + v / depth


def loss_exponent(hyd: PathHydraulics, k_per_s: np.ndarray, km: np.ndarray) -> np.ndarray:
    """Σ k_i·τ_i up to each position (km from the spill): τ_i the mean residence time in
    segment i (L/u in a channel, the active-volume residence time in a reservoir),
    linear within a segment. The cloud takes the factor exp(−Σ k_i·τ_i) at its mean
    travel time (frozen cloud): exact for the peak of a uniform channel to O(k·σ_t)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = np.where(hyd.is_reservoir, hyd.theta_s, hyd.length_m / hyd.velocity_mps)
    tau = np.where(np.isfinite(tau), tau, 0.0)
    ends = (hyd.start_m + hyd.length_m) / 1000.0
    nodes_km = np.concatenate(([0.0], ends))
    cum = np.concatenate(([0.0], np.cumsum(k_per_s * tau)))
    exponent: np.ndarray = np.interp(km, nodes_km, cum)
    return exponent


#: A peak within a millionth of the solubility counts as having reached it (rounding of
#: the dissolution-bound release gives S·(1 − 1e-15), not S).
SATURATED_SHARE = 1.0 - 1e-6


def scaled_curve(curve: Curve, factor: float, cap: float | None) -> tuple[Curve, bool]:
    """The curve × ``factor``, capped at ``cap`` (the solubility); True where the value
    reached it (a cross-section at saturation, as the dissolution bound makes it next to
    the source, means undissolved product is still there)."""
    saturated = cap is not None and curve.peak_conc_mgl * factor >= cap * SATURATED_SHARE
    if factor == 1.0 and not saturated:
        return curve, False
    conc = curve.conc_mgl * factor
    peak = curve.peak_conc_mgl * factor
    if saturated and cap is not None:
        conc = np.minimum(conc, cap)
        peak = cap
    return replace(curve, conc_mgl=conc, peak_conc_mgl=peak), saturated


def pulse_peak_near_source_mgl(hyd: PathHydraulics, mass_kg: float) -> float:
    """Peak cross-section mean of a pulse 100 m below the spill (1D closed form
    M·u/(Q·√(4πD·x/u)), mg/L), the highest value the reported stations can show; a
    reservoir at the spill mixes into its first cell (never above the channel value)."""
    if hyd.length_m.size == 0:
        return math.inf
    u, d, q = float(hyd.velocity_mps[0]), float(hyd.dispersion_m2s[0]), float(
        hyd.discharge_m3s[0])
    if not (u > 0 and d > 0 and q > 0):
        return math.inf
    x_m = 100.0
    return mass_kg * 1e3 * u / (q * math.sqrt(4.0 * math.pi * d * x_m / u))


def dissolution_duration_s(
    mass_kg: float, duration_s: float, discharge_m3s: float, solubility_mgl: float | None
) -> float:
    """The release's duration, at least the time the water passing the spill needs to
    take the mass into solution at saturation: T ≥ M/(Q·S). The dissolved flux through a
    cross-section cannot exceed Q·S (no point of it above S), so a faster "release" of a
    poorly soluble substance is a number physics rules out; the rest stays undissolved
    product at the spill (on the bed, the bank or the surface) and goes on dissolving."""
    if solubility_mgl is None or not (discharge_m3s > 0):
        return duration_s
    t_min = mass_kg * 1e6 / (discharge_m3s * 1e3 * solubility_mgl)
    if t_min < MIN_DISSOLUTION_S:
        # shorter than a minute: it changes nothing beyond the first few hundred metres,
        # where the cap at the solubility still holds (and a box release costs 3× a pulse)
        return duration_s
    return max(duration_s, t_min)


@dataclass(frozen=True, slots=True)
class Scaling:
    """What the loss-free transport's concentrations are scaled by: the expected case's
    per-reach loss, the worst case's bank concentration in the near field, and in both
    nothing above the solubility (a slick's dissolved petroleum: the WAF, no loss)."""

    hyd_expected: PathHydraulics
    k_seg_per_s: np.ndarray
    solubility_mgl: float | None
    near: NearField | None
    first_reservoir_km: float

    @classmethod
    def of(cls, network: RiverNetwork, path: Sequence[PathSegment],
           hyd: Mapping[str, PathHydraulics], spill_reach_idx: int,
           pollutant: PollutantInput, product: oil.OilProduct | None, season: str,
           params: HydraulicParams) -> Scaling:
        """The scaling of a spill on ``spill_reach_idx`` traced along ``path`` (the
        segments before the horizon cut; ``hyd`` their hydraulics per case)."""
        k_seg = reach_loss_per_s(network, path, hyd["expected"], pollutant, season, params)
        sol = pollutant.solubility_mgl
        if product is not None:
            # a slick's dissolved petroleum: no first-order loss (evaporation is credited
            # in the expected case), and never above the WAF, also at the bank
            k_seg = np.zeros_like(k_seg)
            sol = product.waf_mgl
        near = near_field_of(network, spill_reach_idx, season, params)
        first_res = next((s.from_km for s, r in zip(path, hyd["worst"].is_reservoir,
                                                     strict=True) if r), math.inf)
        return cls(hyd["expected"], k_seg, sol, near, first_res)

    def loss(self, km: np.ndarray) -> np.ndarray:
        """Expected case: the share left after the per-reach loss down to ``km``."""
        share: np.ndarray = np.exp(-loss_exponent(self.hyd_expected, self.k_seg_per_s, km))
        return share

    def near_km(self, km: np.ndarray) -> np.ndarray:
        """Within the mixing length below the spill and above the first reservoir."""
        if self.near is None:
            return np.zeros(km.shape, dtype=bool)
        return (km * 1000.0 < self.near.mixing_length_m) & (km < self.first_reservoir_km)

    def bank(self, km: np.ndarray) -> np.ndarray:
        """Worst case: bank concentration / cross-section mean (1 outside the near
        field)."""
        f = np.ones(km.shape)
        m = self.near_km(km)
        if self.near is not None and m.any():
            f[m] = self.near.bank_factor(km[m] * 1000.0)
        return f

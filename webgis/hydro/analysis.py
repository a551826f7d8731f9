"""One incident, end to end, as a pure function: trace, hydraulics, transport, receptors.

The service layer snaps the clicked point (:meth:`RiverNetwork.snap`), reads pollutant,
release and along-river receptors from the database, and calls :func:`run_incident`.
Everything returned is plain data (dataclasses, floats, lists) ready for JSON.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np

from webgis.hydro import slick as oil
from webgis.hydro.errors import HydroError
from webgis.hydro.hydraulics import (
    DEFAULT_PARAMS,
    SEASONS,
    HydraulicParams,
    PathHydraulics,
    hydraulics_arrays,
    path_hydraulics,
)
from webgis.hydro.network import PathSegment, RiverNetwork, Snap
from webgis.hydro.transfer import Transfer, TransferCache, cache_for
from webgis.hydro.transport import (
    _LE_Z,
    LEADING_EDGE_FRACTION,
    Curve,
    PlumeModel,
    exceed_hours_many,
)

MAX_MASS_KG = 1e9
# Upper bound of any river velocity, used only to bound the length of the trace that is
# then cut at the horizon (the fastest Gansu reaches run at 3–4 m/s in flood).
_TRACE_VELOCITY_BOUND_MPS = 10.0

ReceptorKind = Literal["water_source", "section", "interception", "confluence", "boundary"]


@dataclass(frozen=True, slots=True)
class PollutantInput:
    """Pollutant properties the model needs (from pollutants.yaml / the DB).

    ``decay_per_day`` is the first-order loss that does not depend on depth
    (biodegradation + hydrolysis, or another reaction); ``volatilisation_m_per_day`` the
    two-film mass-transfer velocity, divided by each reach's depth. Both act in the
    expected case only. ``limit_class2_mgl`` is the GB 3838-2002 Table 1 Class II value
    (intakes), ``limit_source_mgl`` the Table 2 or 3 value (``limit_source_table``).
    ``species_factor`` turns the spilled mass into the regulated species (e.g. NaCN → CN).
    """

    code: str
    name: str
    pclass: str
    decay_per_day: float = 0.0
    limit_class3_mgl: float | None = None
    limit_source_mgl: float | None = None
    behaviour: str = "dissolves"
    limit_class2_mgl: float | None = None
    limit_source_table: int | None = None
    volatilisation_m_per_day: float = 0.0
    solubility_mgl: float | None = None
    species_zh: str | None = None
    species_en: str | None = None
    species_factor: float = 1.0


@dataclass(frozen=True, slots=True)
class ReleaseInput:
    """What was spilled: total mass, over ``duration_h`` (0 = instantaneous)."""

    mass_kg: float
    duration_h: float = 0.0


@dataclass(frozen=True, slots=True)
class ReceptorInput:
    """A point on the river (linearly referenced) where the plume is reported.

    ``limit_mgl`` None means: the pollutant's drinking-water-source limit for
    ``water_source`` receptors (GB 3838-2002 Tables 2/3), else its Class III limit.
    """

    kind: str
    code: str
    name: str
    reach_code: str
    measure: float
    lon: float
    lat: float
    limit_mgl: float | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class WorstCase:
    """Earliest arrival and highest peak (upper-envelope velocity, lower dispersion, no
    loss; at a near-field receptor the bank concentration, ``bank_factor`` × the mean)."""

    arrival_h: float
    peak_h: float
    peak_conc_mgl: float
    exceeds: bool
    exceed_hours: float
    undissolved: bool = False
    bank_factor: float = 1.0


@dataclass(frozen=True, slots=True)
class ReceptorResult:
    """The plume at one receptor (expected case, plus ``worst``)."""

    kind: str
    code: str
    name: str
    reach_code: str
    river_code: str
    river_km: float
    lon: float
    lat: float
    arrival_h: float
    peak_h: float
    peak_conc_mgl: float
    limit_mgl: float | None
    exceeds: bool
    exceed_hours: float
    curve: list[list[float]]
    worst: WorstCase
    extra: Mapping[str, Any]
    # floating oils only (:mod:`webgis.hydro.slick`): the slick's edges at this receptor;
    # ``peak_conc_mgl`` and the curve are then the dissolved petroleum (石油类), bounded
    # by the product's water-accommodated fraction, and ``arrival_h`` the earlier of the
    # slick's leading edge and the dissolved leading edge
    slick: oil.SlickAt | None = None
    # which table and class the limit comes from (zh, en)
    limit_basis: str | None = None
    limit_basis_en: str | None = None
    # the computed concentration reached the solubility: capped there, the rest is
    # undissolved product (expected case; the worst case says so in ``worst``)
    undissolved: bool = False
    # within the transverse mixing length below the spill (Fischer et al. 1979)
    near_field: bool = False


@dataclass(frozen=True, slots=True)
class PathStep:
    """A traced segment with the expected and worst leading-edge arrival at its start."""

    reach_idx: int
    reach_code: str
    river_code: str
    from_measure: float
    to_measure: float
    from_km: float
    to_km: float
    arrival_h: float
    worst_arrival_h: float
    is_reservoir: bool


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """Why a number is what it is: inputs, method, coefficients and assumptions."""

    season: str
    method: str
    horizon_h: float
    horizon_basis: str
    truncated_at_horizon: bool
    end_kind: str | None
    coefficients: dict[str, Any]
    assumptions: list[str]


@dataclass(frozen=True, slots=True)
class PlumeResult:
    """Everything the transport core says about one spill."""

    snap: Snap
    path: list[PathStep]
    receptors: list[ReceptorResult]
    profile: list[list[float]]
    worst_profile: list[list[float]]
    model: ModelInfo
    # floating oils only: the product and constants of the slick model
    slick: dict[str, Any] | None = None

    @property
    def length_km(self) -> float:
        """Length of the reported path."""
        return self.path[-1].to_km if self.path else 0.0


@dataclass(frozen=True, slots=True)
class _Station:
    kind: str
    code: str
    name: str
    reach_code: str
    river_code: str
    km: float
    lon: float
    lat: float
    limit: float | None
    extra: Mapping[str, Any]
    basis: tuple[str, str] | None = None


_TABLE_NAME = {
    2: ("表2（集中式生活饮用水地表水源地补充项目）",
        "Table 2 (drinking-water sources, supplementary)"),
    3: ("表3（集中式生活饮用水地表水源地特定项目）",
        "Table 3 (drinking-water sources, specific)"),
}


def limit_and_basis(
    kind: str, pollutant: PollutantInput
) -> tuple[float | None, tuple[str, str] | None]:
    """The GB 3838-2002 limit that applies at a receptor of ``kind``, with its basis
    (zh, en).

    Intakes sit in first-level protection zones of surface drinking-water sources, where
    GB 3838-2002 §4 applies Class II: Table 1 items use the Class II column, the items of
    Tables 2/3 their single value. Elsewhere Class III (second-level zones and the usual
    river target); an item with no Table 1 value falls back to its Table 2/3 value (the
    only standard value there is) and says so.
    """
    table = pollutant.limit_source_table or 3
    t_zh, t_en = _TABLE_NAME.get(table, _TABLE_NAME[3])
    if kind == "water_source":
        if pollutant.limit_class2_mgl is not None:
            return pollutant.limit_class2_mgl, (
                "GB 3838-2002 表1 II类（取水口位于一级保护区）",
                "GB 3838-2002 Table 1, Class II (intake in a first-level protection zone)",
            )
        if pollutant.limit_source_mgl is not None:
            return pollutant.limit_source_mgl, (f"GB 3838-2002 {t_zh}", f"GB 3838-2002 {t_en}")
        if pollutant.limit_class3_mgl is not None:
            # a Table 1 item without a stored Class II value: Class III is all there is
            return pollutant.limit_class3_mgl, (
                "GB 3838-2002 表1 III类（库中无II类值）",
                "GB 3838-2002 Table 1, Class III (no Class II value in the library)",
            )
        return None, None
    if pollutant.limit_class3_mgl is not None:
        return pollutant.limit_class3_mgl, (
            "GB 3838-2002 表1 III类", "GB 3838-2002 Table 1, Class III"
        )
    if pollutant.limit_source_mgl is not None:
        return pollutant.limit_source_mgl, (
            f"GB 3838-2002 {t_zh}（表1无此项，参照）",
            f"GB 3838-2002 {t_en} (not in Table 1; used for reference)",
        )
    return None, None


def default_limit_mgl(kind: str, pollutant: PollutantInput) -> float | None:
    """Class II (Table 1) or Tables 2/3 at intakes, Class III elsewhere (GB 3838-2002);
    see :func:`limit_and_basis`."""
    return limit_and_basis(kind, pollutant)[0]


def _validate(release: ReleaseInput, season: str, horizon_h: float) -> None:
    m = release.mass_kg
    if not (isinstance(m, int | float) and math.isfinite(m) and 0 < m <= MAX_MASS_KG):
        raise HydroError(f"mass_kg must be > 0 and ≤ {MAX_MASS_KG:.0e}")
    d = release.duration_h
    if not (isinstance(d, int | float) and math.isfinite(d) and 0 <= d <= 24 * 365):
        raise HydroError("duration_h must be between 0 and 8760")
    if season not in SEASONS:
        raise HydroError(f"season must be one of {', '.join(SEASONS)}")
    if not (math.isfinite(horizon_h) and 0 < horizon_h <= 24 * 60):
        raise HydroError("horizon_h must be > 0 and ≤ 1440")


def _moment_cut(h: PathHydraulics, horizon_s: float) -> int:
    """Number of segments needed until the moment-estimated leading edge passes the horizon.

    The leading edge is estimated as tau - z·sigma (Gaussian, 1 % of peak); one extra
    segment is kept so that the exact cut, made later on the computed curves, falls inside.
    """
    res = h.is_reservoir
    cells = np.maximum(h.n_cells, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        dtau = np.where(res, h.theta_s, h.length_m / h.velocity_mps)
        dvar = np.where(
            res, h.theta_s**2 / cells, 2.0 * h.dispersion_m2s * h.length_m / h.velocity_mps**3
        )
    tau, var = np.cumsum(dtau), np.cumsum(dvar)
    lead = tau - _LE_Z * np.sqrt(var)
    beyond = np.flatnonzero(lead > horizon_s)
    if beyond.size == 0:
        return h.length_m.size
    return min(int(beyond[0]) + 2, h.length_m.size)


def _cut_path(path: list[PathSegment], network: RiverNetwork, km: float) -> list[PathSegment]:
    """Path shortened to end at ``km``."""
    out = []
    for s in path:
        if s.from_km >= km:
            break
        if s.to_km > km:
            length = float(network.length_m[s.reach_idx])
            m1 = s.from_measure + (km - s.from_km) * 1000.0 / length if length > 0 else 1.0
            s = replace(s, to_km=km, to_measure=min(m1, s.to_measure))
        out.append(s)
    return out


def _locate_receptors(
    network: RiverNetwork,
    path: Sequence[PathSegment],
    receptors: Sequence[ReceptorInput],
    pollutant: PollutantInput,
) -> list[_Station]:
    by_reach = {s.reach_code: s for s in path}
    out = []
    for r in receptors:
        s = by_reach.get(r.reach_code)
        if s is None or not (s.from_measure - 1e-9 <= r.measure <= s.to_measure + 1e-9):
            continue
        length = float(network.length_m[s.reach_idx])
        km = s.from_km + (r.measure - s.from_measure) * length / 1000.0
        if r.limit_mgl is not None:
            limit, basis = r.limit_mgl, ("接收点数据中的限值", "the receptor's own limit (data)")
        else:
            limit, basis = limit_and_basis(r.kind, pollutant)
        out.append(
            _Station(
                r.kind,
                r.code,
                r.name,
                r.reach_code,
                s.river_code,
                max(km, 0.0),
                r.lon,
                r.lat,
                limit,
                dict(r.extra),
                basis,
            )
        )
    return out


def _generated_stations(
    network: RiverNetwork,
    path: Sequence[PathSegment],
    pollutant: PollutantInput,
    season: str,
    river_names: Mapping[str, str],
    province_names: Mapping[str, str],
    province_boundaries: bool,
) -> list[_Station]:
    """Confluences found on the network and province crossings from reach attributes."""
    out = []
    factor = network.season_factor[season]
    limit = default_limit_mgl("confluence", pollutant)
    position = {s.reach_idx: k for k, s in enumerate(path)}
    for c in network.confluences_along(path):
        changes = c.path_river_code != c.receiving_river_code
        trib = c.path_river_code if changes else c.joining_river_code
        prev = path[position[c.reach_idx] - 1]
        q_before = float(network.discharge_m3s[prev.reach_idx] * factor[prev.reach_idx])
        q_after = float(network.discharge_m3s[c.reach_idx] * factor[c.reach_idx])
        q_join = float(c.joining_discharge_m3s * factor[c.joining_reach_idx])
        name = (
            f"{river_names.get(trib, trib)} → "
            f"{river_names.get(c.receiving_river_code, c.receiving_river_code)}"
        )
        out.append(
            _Station(
                "confluence",
                f"CONF-{c.reach_code}-{c.joining_reach_code}",
                name,
                c.reach_code,
                c.receiving_river_code,
                c.river_km,
                c.lon,
                c.lat,
                limit,
                {
                    "joining_river_code": c.joining_river_code,
                    "joining_reach_code": c.joining_reach_code,
                    "receiving_river_code": c.receiving_river_code,
                    "path_river_code": c.path_river_code,
                    "joining_discharge_m3s": q_join,
                    "discharge_before_m3s": q_before,
                    "discharge_after_m3s": q_after,
                    "dilution_factor": min(q_before / q_after, 1.0) if q_after > 0 else 1.0,
                },
            )
        )
    if province_boundaries:
        for a, b in zip(path, path[1:], strict=False):
            pa, pb = network.province(a.reach_idx), network.province(b.reach_idx)
            if pa is None or pb is None or pa == pb:
                continue
            lon, lat = network.point_at(b.reach_idx, b.from_measure)
            na, nb = province_names.get(pa, pa), province_names.get(pb, pb)
            out.append(
                _Station(
                    "boundary",
                    f"BND-{pa}-{pb}",
                    f"{na} → {nb}",
                    b.reach_code,
                    b.river_code,
                    b.from_km,
                    lon,
                    lat,
                    default_limit_mgl("boundary", pollutant),
                    {
                        "level": "province",
                        "from_adcode": pa,
                        "to_adcode": pb,
                        "from_name": na,
                        "to_name": nb,
                    },
                )
            )
    return out


# ----------------------------------------------------------------- loss, solubility, near field
# Fischer et al. (1979, ch. 5): transverse mixing coefficient of natural streams
# E_t ≈ 0.6·h·u* (±50 %), and the distance for a bank-side release to mix over the width
# L ≈ 0.4·u·W²/E_t (a centre-line release needs a quarter of it).
TRANSVERSE_MIXING_COEF = 0.6
BANK_MIXING_LENGTH_COEF = 0.4
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
    k_first = max(pollutant.decay_per_day, 0.0) / 86400.0
    v = max(pollutant.volatilisation_m_per_day, 0.0) / 86400.0
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
    return np.interp(km, nodes_km, cum)


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
        return np.clip(r, 1.0, cap)


_NEAR_FIELDS: weakref.WeakKeyDictionary[RiverNetwork, dict[tuple, NearField | None]] = (
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
        per_net[key] = _near_field(network, reach_idx, season, params)
    return per_net[key]


def _near_field(
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


#: A peak within a millionth of the solubility counts as having reached it (rounding of
#: the dissolution-bound release gives S·(1 − 1e-15), not S).
SATURATED_SHARE = 1.0 - 1e-6


def _scaled(curve: Curve, factor: float, cap: float | None) -> tuple[Curve, bool]:
    """The curve × ``factor``, capped at ``cap`` (the solubility); True where the value
    reached it (a cross-section at saturation, as the dissolution bound makes it next to
    the source, means undissolved product is still there)."""
    saturated = cap is not None and curve.peak_conc_mgl * factor >= cap * SATURATED_SHARE
    if factor == 1.0 and not saturated:
        return curve, False
    conc = curve.conc_mgl * factor
    peak = curve.peak_conc_mgl * factor
    capped = saturated
    if capped:
        conc = np.minimum(conc, cap)
        peak = cap
    return replace(curve, conc_mgl=conc, peak_conc_mgl=peak), capped


def _pulse_peak_near_source_mgl(hyd: PathHydraulics, mass_kg: float) -> float:
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


# spacings (km) of the profile stations fixed on each reach below a cached transfer
_STATION_SPACINGS_KM = (0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0)


def _profile_km(
    network: RiverNetwork,
    path: Sequence[PathSegment],
    total_km: float,
    points: int,
    fixed_from_km: float,
) -> np.ndarray:
    """Profile stations (km from the spill): ``points`` evenly spaced ones, and beyond
    ``fixed_from_km`` stations fixed from there on instead, so that spills upstream ask a
    cached transfer for the same positions: every reach split into equal parts no
    longer than a spacing picked for the path length, each part's end a station unless
    it comes within half a spacing of the previous one (short reaches share one); the
    last reach of the path always ends with one."""
    n = max(int(points), 2)
    km = np.linspace(0.0, total_km, n + 1)[1:]
    if total_km > 0.5:
        km = np.concatenate(([min(0.1, total_km / n / 2)], km))
    if fixed_from_km >= total_km:
        return np.unique(km)
    # a third as dense as the even ones: each station there is a convolution per case,
    # where the even ones cost next to nothing
    spacing = next((s for s in _STATION_SPACINGS_KM if s * n >= 3.0 * total_km), 1e9)
    fixed: list[float] = []
    last = fixed_from_km
    segments = [s for s in path if s.from_km >= fixed_from_km - 1e-9]
    for k, s in enumerate(segments):
        reach_km = float(network.length_m[s.reach_idx]) / 1000.0
        parts = max(math.ceil(reach_km / spacing - 1e-9), 1)
        for j in range(1, parts + 1):
            at = s.from_km + reach_km * j / parts
            if at > s.to_km + 1e-9:
                break
            if at - last >= 0.5 * spacing or (k == len(segments) - 1 and j == parts):
                fixed.append(at)
                last = at
    km = np.concatenate([km[km < fixed_from_km - 1e-9], fixed])
    return np.unique(km)


def _transfer_source(
    network: RiverNetwork,
    path: Sequence[PathSegment],
    season: str,
    case: str,
    params: HydraulicParams,
    cache: TransferCache,
):
    """Segment index -> the cached transfer below that reservoir reach's inlet (whole
    reaches only; built on first use, to the end of the network)."""

    def at(i: int) -> Transfer | None:
        seg = path[i]
        if seg.from_measure > 0.0 or seg.to_measure < 1.0:
            return None
        reach = seg.reach_idx

        def build() -> Transfer:
            below = network.trace_downstream(reach, 0.0)
            return Transfer(path_hydraulics(network, below, season, case, params))

        return cache.get((reach, season, case, params), build)

    return at


def _arrival_profile(arrival_h: np.ndarray, km: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.concatenate(([0.0], km)), np.concatenate(([0.0], np.maximum.accumulate(arrival_h)))


ASSUMPTIONS = [
    "1D model: concentrations are cross-section means. Receptors within the transverse "
    "mixing length below the spill (Fischer et al. 1979: L ≈ 0.4·u·W²/E_t for a bank-side "
    "release, E_t ≈ 0.6·h·u*) are flagged near field (近区): their worst case is the "
    "concentration at the spill's bank from a 2D image-source solution, higher than the "
    "mean.",
    "Hydraulics from mean discharge × season factor by hydraulic geometry (Leopold & "
    "Maddock 1953) unless measured velocity/width/depth are stored for the reach.",
    "Longitudinal dispersion by Fischer's formula (Fischer et al. 1979), clipped to "
    "0.5–1500 m²/s; dead zones and transient storage are not modelled, so tails are short.",
    "Dilution only by the discharge of inflows at confluences (C ∝ Q_up/Q_down); losing "
    "reaches never concentrate the pollutant.",
    "Reservoirs: a chain of mixing cells (one per ~2 km) over a small active share of the "
    "volume (default 10 %, 5 % in the worst case) — never one tank for the whole volume; "
    "this errs towards an earlier arrival and a higher peak.",
    "Worst case: velocity × 1.5 (after Jobson's 1996 maximum probable velocity), "
    "dispersion × 0.5, reservoir active share × 0.5 — the earliest arrival and highest peak.",
    "Arrival is the leading edge, when the concentration first reaches 1 % of its local "
    "peak.",
    "Losses only in the expected case, per reach: volatilisation as a two-film "
    "mass-transfer velocity over the local depth (nearly nil in deep reservoirs), "
    "biodegradation and hydrolysis as first-order rates; applied as exp(−Σ k·τ) over the "
    "mean residence time in each reach. The worst case has no loss at all; sorption and "
    "settling are never credited.",
    "No dissolved concentration above the substance's solubility: the release lasts at "
    "least M/(Q·S) (the water passing the spill cannot carry more in solution), and a "
    "value reaching the solubility is capped there and flagged as undissolved product. "
    "Masses are converted to the regulated species first (e.g. NaCN → CN).",
    "Steady flow during the passage; reservoir operation (gates, releases) is not modelled.",
]

OIL_ASSUMPTIONS = [
    "Floating oil: the product travels as a slick on the surface; the concentrations shown "
    "are dissolved/dispersed petroleum (石油类, GB 3838-2002: 0.05 mg/L), never a bulk "
    "concentration of the product, and never above its water-accommodated fraction (WAF).",
    "Slick edges at the surface velocity: 1.18 × the cross-section mean (USGS float "
    "coefficient 0.85); the worst case takes 1.25 × the worst-case mean plus 3.5 % of a 5 "
    "m/s down-river wind for the earliest arrival, and the plain mean velocity for the "
    "latest passage end (the longest slick).",
    "Slick half-length: the larger of Fay's one-dimensional spreading and the stretch by "
    "the surface-current shear (Fischer's dispersion, edge at 1 % of the peak); oil "
    "stranded on banks can remain after the floating slick has passed.",
    "Evaporation by Fingas' empirical equation for the product at the season's water "
    "temperature, credited in the expected case only; no loss at all in the worst case.",
]


def run_incident(
    network: RiverNetwork,
    snap: Snap,
    pollutant: PollutantInput,
    release: ReleaseInput,
    season: str = "normal",
    horizon_h: float = 72.0,
    receptors: Sequence[ReceptorInput] = (),
    *,
    params: HydraulicParams = DEFAULT_PARAMS,
    river_names: Mapping[str, str] | None = None,
    province_names: Mapping[str, str] | None = None,
    province_boundaries: bool = True,
    horizon_basis: Literal["expected", "worst"] = "expected",
    profile_points: int = 100,
    curve_points: int = 120,
    transfers: bool | TransferCache = True,
) -> PlumeResult:
    """Trace, transport and report a spill at ``snap`` up to ``horizon_h`` hours.

    ``receptors`` may hold every receptor of the area: those not on the traced path are
    ignored. Confluences are generated from the network; province crossings are generated
    from the reaches' ``province`` (turn off with ``province_boundaries=False`` when the
    caller passes its own ``boundary`` receptors); prefecture crossings come from the
    caller as ``boundary`` receptors. The path stops where the expected (or, with
    ``horizon_basis="worst"``, the worst-case) leading edge passes the horizon.
    Below the first reservoir whose inlet flux is smooth enough the plume comes from
    cached pulse responses (:mod:`webgis.hydro.transfer`; ``transfers=False`` computes
    everything for this spill alone, a ``TransferCache`` uses that cache).
    """
    _validate(release, season, horizon_h)
    river_names = river_names or {}
    province_names = province_names or {}
    horizon_s = horizon_h * 3600.0
    # the transport runs without loss; the expected case's per-reach loss is applied to
    # its curves below (the worst case has none), so cached transfers stay loss-free
    species_factor = pollutant.species_factor if 0 < pollutant.species_factor <= 1 else 1.0
    mass_kg = release.mass_kg * species_factor
    # a floating oil's losses are its slick's evaporation (credited in the expected case
    # only, in :func:`oil.dissolved_cap`), not a per-reach first-order loss
    product = oil.product_for(pollutant.code, pollutant.pclass, pollutant.behaviour)

    full = network.trace_downstream(
        snap.reach_idx, snap.measure, horizon_s * _TRACE_VELOCITY_BOUND_MPS
    )
    basis_case = "worst" if horizon_basis == "worst" else "expected"
    h_basis = path_hydraulics(network, full, season, basis_case, params)
    path = full[: _moment_cut(h_basis, horizon_s)]

    hyd = {
        case: path_hydraulics(network, path, season, case, params) for case in ("expected", "worst")
    }
    hyd_reaches = [s.reach_idx for s in path]
    path_full = path  # the segments ``hyd`` describes (the horizon cut may shorten ``path``)
    # floating products spread as a slick and feed the water column from it (their own
    # model); here their dissolved part is only capped at its solubility. Only where the
    # release as given would exceed the solubility near the source does the dissolution
    # time matter (elsewhere it is far shorter than the cloud's spread).
    sol_bound = None if pollutant.behaviour == "floats" else pollutant.solubility_mgl
    if (
        sol_bound is not None
        and release.duration_h <= 0
        and _pulse_peak_near_source_mgl(hyd["worst"], mass_kg) <= sol_bound
    ):
        sol_bound = None
    duration_s = dissolution_duration_s(
        mass_kg, release.duration_h * 3600.0, float(hyd["expected"].discharge_m3s[0]),
        sol_bound,
    )
    cache: TransferCache | None = None
    if transfers is True:
        cache = cache_for(network)
    elif isinstance(transfers, TransferCache):
        cache = transfers
    models = {
        case: PlumeModel(
            hyd[case],
            mass_kg,
            duration_s,
            0.0,
            transfer_at=(
                None if cache is None
                else _transfer_source(network, path, season, case, params, cache)
            ),
        )
        for case in hyd
    }
    total_km = path[-1].to_km
    # the other case's profile is drawn and read for arrivals along the path, but does
    # not cut it: half as many stations
    prof_km = {
        case: _profile_km(
            network,
            path,
            total_km,
            profile_points if case == basis_case else profile_points // 2,
            models[case].anchor_m / 1000.0,
        )
        for case in models
    }

    def stations_on(path: Sequence[PathSegment], total_km: float) -> list[_Station]:
        found = _locate_receptors(network, path, receptors, pollutant)
        found += _generated_stations(
            network,
            path,
            pollutant,
            season,
            river_names,
            province_names,
            province_boundaries,
        )
        found = [s for s in found if s.km <= total_km + 1e-9]
        found = [
            s if s.basis is not None or s.limit is None
            or s.limit != default_limit_mgl(s.kind, pollutant)
            else replace(s, basis=limit_and_basis(s.kind, pollutant)[1])
            for s in found
        ]
        found.sort(key=lambda s: s.km)
        return found

    # the profile stations and the receptors on the path before the exact cut, evaluated
    # together (the cut only drops receptors; a position's curve does not depend on it)
    stations = stations_on(path, total_km)
    rec_km = np.unique(np.array([s.km for s in stations], dtype=np.float64))
    n_prof = {case: km.size for case, km in prof_km.items()}
    evaluated = {}
    for case, model in models.items():
        pos_m = np.concatenate((prof_km[case], rec_km)) * 1000.0
        want_curve = np.arange(pos_m.size) >= n_prof[case]
        evaluated[case] = model.evaluate(pos_m, want_curve, npts=curve_points, stats_npts=40)
    # (arrival h, peak time h, peak mg/L) per profile station
    prof = {case: tuple(a[: n_prof[case]] for a in ev[0]) for case, ev in evaluated.items()}

    # exact horizon cut on the computed leading edges
    km_b, arr_b = _arrival_profile(prof[basis_case][0], prof_km[basis_case])
    truncated = False
    if arr_b[-1] > horizon_h:
        k = int(np.argmax(arr_b > horizon_h))
        cut_km = float(np.interp(horizon_h, arr_b[k - 1 : k + 1], km_b[k - 1 : k + 1]))
        cut_km = max(cut_km, min(total_km, 0.1))
        path = _cut_path(path, network, cut_km)
        truncated = True
        total_km = path[-1].to_km
        stations = stations_on(path, total_km)

    row_of = {km: i for i, km in enumerate(rec_km.tolist())}
    missing = sorted({s.km for s in stations} - row_of.keys())
    extra: dict[str, list] = {case: [] for case in models}
    if missing:  # not expected: the cut path's stations are among those before the cut
        for case in models:
            extra[case] = models[case].curves(np.array(missing) * 1000.0, npts=curve_points)
        row_of.update({km: -1 - i for i, km in enumerate(missing)})

    def curve_at(case: str, km: float) -> Curve:
        r = row_of[km]
        got = evaluated[case][1][n_prof[case] + r] if r >= 0 else extra[case][-1 - r]
        assert got is not None
        return got

    curves = {case: [curve_at(case, s.km) for s in stations] for case in models}
    slicks: list[oil.SlickAt | None] = [None] * len(stations)
    step_slicks: list[oil.SlickAt | None] = [None] * len(path)
    if product is not None:
        curves = {case: _oil_curves(cs, product, season, case) for case, cs in curves.items()}
        # at the receptors and at the start of each path step (the path's arrivals)
        got = list(oil.slick_at(
            product, _slick_path(network, hyd, hyd_reaches, season, params),
            release.mass_kg, release.duration_h, season, horizon_h,
            [s.km for s in stations] + [s.from_km for s in path]))
        slicks, step_slicks = got[: len(stations)], got[len(stations):]

    # expected case: per-reach loss; worst case: no loss, the bank concentration in the
    # near field; both: nothing above the solubility
    k_seg = reach_loss_per_s(network, path_full, hyd["expected"], pollutant, season, params)
    sol = pollutant.solubility_mgl
    if product is not None:
        # a slick's dissolved petroleum: no first-order loss (evaporation is credited in
        # the expected case above), and never above the WAF, also at the bank
        k_seg = np.zeros_like(k_seg)
        sol = product.waf_mgl
    near = near_field_of(network, snap.reach_idx, season, params)
    first_res = next((s.from_km for s, r in zip(path_full, hyd["worst"].is_reservoir,
                                                 strict=True) if r), math.inf)

    def near_km(km: np.ndarray) -> np.ndarray:
        if near is None:
            return np.zeros(km.shape, dtype=bool)
        return (km * 1000.0 < near.mixing_length_m) & (km < first_res)

    def bank(km: np.ndarray) -> np.ndarray:
        f = np.ones(km.shape)
        m = near_km(km)
        if near is not None and m.any():
            f[m] = near.bank_factor(km[m] * 1000.0)
        return f

    st_km = np.array([s.km for s in stations], dtype=np.float64)
    st_loss = np.exp(-loss_exponent(hyd["expected"], k_seg, st_km))
    st_near = near_km(st_km)
    st_bank = bank(st_km)
    undissolved: dict[str, list[bool]] = {}
    for case, factors in (("expected", st_loss), ("worst", st_bank)):
        scaled = [_scaled(c, float(f), sol) for c, f in zip(curves[case], factors, strict=True)]
        curves[case] = [c for c, _ in scaled]
        # a slick's dissolved part at its WAF is the slick itself, shown as such
        undissolved[case] = [u and product is None for _, u in scaled]

    limits = [s.limit for s in stations]
    exceed = {case: exceed_hours_many(curves[case], limits) for case in models}
    results = []
    for i, s in enumerate(stations):
        c, w = curves["expected"][i], curves["worst"][i]
        exceeds = s.limit is not None and c.peak_conc_mgl > s.limit
        w_exceeds = s.limit is not None and w.peak_conc_mgl > s.limit
        arrival, w_arrival = c.arrival_h, w.arrival_h
        sl = slicks[i]
        if sl is not None:  # the earlier of the slick and the dissolved leading edge
            arrival = _earlier(arrival, sl.expected.arrival_h)
            w_arrival = _earlier(w_arrival, sl.worst.arrival_h)
        results.append(
            ReceptorResult(
                kind=s.kind,
                code=s.code,
                name=s.name,
                reach_code=s.reach_code,
                river_code=s.river_code,
                river_km=s.km,
                lon=s.lon,
                lat=s.lat,
                arrival_h=arrival,
                peak_h=c.peak_h,
                peak_conc_mgl=c.peak_conc_mgl,
                limit_mgl=s.limit,
                exceeds=exceeds,
                exceed_hours=exceed["expected"][i],
                curve=c.points(curve_points),
                worst=WorstCase(
                    arrival_h=w_arrival,
                    peak_h=w.peak_h,
                    peak_conc_mgl=w.peak_conc_mgl,
                    exceeds=w_exceeds,
                    exceed_hours=exceed["worst"][i],
                    undissolved=undissolved["worst"][i],
                    bank_factor=float(st_bank[i]),
                ),
                extra=s.extra,
                slick=sl,
                limit_basis=s.basis[0] if s.basis else None,
                limit_basis_en=s.basis[1] if s.basis else None,
                undissolved=undissolved["expected"][i],
                near_field=bool(st_near[i]),
            )
        )

    if product is not None:  # dissolved petroleum at each station's peak time
        prof = {case: (a, p, oil.dissolved_cap(c, p, product, season, case))
                for case, (a, p, c) in prof.items()}
    prof_factor = {
        "expected": np.exp(-loss_exponent(hyd["expected"], k_seg, prof_km["expected"])),
        "worst": bank(prof_km["worst"]),
    }
    prof_peak = {case: prof[case][2] * prof_factor[case] for case in prof}
    if sol is not None:
        prof_peak = {case: np.minimum(v, sol) for case, v in prof_peak.items()}
    profile = {
        case: [
            [k, c]
            for k, c in zip(prof_km[case].tolist(), prof_peak[case].tolist(), strict=True)
            if k <= total_km + 1e-9
        ]
        for case in prof
    }
    arrivals = {case: _arrival_profile(prof[case][0], prof_km[case]) for case in prof}
    steps = [
        PathStep(
            reach_idx=s.reach_idx,
            reach_code=s.reach_code,
            river_code=s.river_code,
            from_measure=s.from_measure,
            to_measure=s.to_measure,
            from_km=s.from_km,
            to_km=s.to_km,
            arrival_h=_earlier(float(np.interp(s.from_km, *arrivals["expected"])),
                               sl.expected.arrival_h if sl is not None else None),
            worst_arrival_h=_earlier(float(np.interp(s.from_km, *arrivals["worst"])),
                                     sl.worst.arrival_h if sl is not None else None),
            is_reservoir=bool(network.is_reservoir[s.reach_idx]),
        )
        for s, sl in zip(path, step_slicks, strict=True)
    ]
    end_kind = None if truncated else network.end_kind(path[-1].reach_idx)
    model = ModelInfo(
        season=season,
        method=(
            "1D advection-dispersion with per-reach loss (expected case), variance-additive "
            "travel-time solution (Rhine Alarm Model / ALAMO type); reservoirs as chains of "
            "mixing cells"
            + ("" if product is None else
               "; floating oil: slick edges at the surface velocity with Fay/shear "
               "spreading and Fingas evaporation, dissolved petroleum bounded by the "
               "water-accommodated fraction")
        ),
        horizon_h=horizon_h,
        horizon_basis=horizon_basis,
        truncated_at_horizon=truncated,
        end_kind=end_kind,
        coefficients={
            **params.as_dict(),
            "decay_per_day": pollutant.decay_per_day if product is None else 0.0,
            "volatilisation_m_per_day": (
                pollutant.volatilisation_m_per_day if product is None else 0.0),
            "loss_in_worst_case": False,
            "leading_edge_fraction_of_peak": LEADING_EDGE_FRACTION,
            "mass_kg": release.mass_kg,
            "duration_h": release.duration_h,
            "species_zh": pollutant.species_zh,
            "species_en": pollutant.species_en,
            "species_factor": species_factor,
            "species_mass_kg": mass_kg,
            "solubility_mgl": sol,
            "dissolution_duration_h": duration_s / 3600.0,
            "near_field_mixing_length_m": None if near is None else near.mixing_length_m,
            "transverse_mixing_m2s": None if near is None else near.transverse_m2s,
            "transverse_mixing_coef": TRANSVERSE_MIXING_COEF,
            "bank_mixing_length_coef": BANK_MIXING_LENGTH_COEF,
            "ratio_print_cap": RATIO_PRINT_CAP,
        },
        assumptions=list(ASSUMPTIONS) + (OIL_ASSUMPTIONS if product is not None else []),
    )
    return PlumeResult(
        snap=snap,
        path=steps,
        receptors=results,
        profile=profile["expected"],
        worst_profile=profile["worst"],
        model=model,
        slick=None if product is None else oil.describe(product, season),
    )


def _earlier(a: float, b: float | None) -> float:
    """The earlier of two arrival times (``b`` None: not reached)."""
    if b is None or not math.isfinite(b):
        return a
    return b if not math.isfinite(a) else min(a, b)


def _oil_curves(curves: Sequence[Curve], product: oil.OilProduct, season: str, case: str
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


def _slick_path(network: RiverNetwork, hyd: Mapping[str, PathHydraulics],
                reaches: Sequence[int], season: str, params: HydraulicParams
                ) -> oil.SlickPath:
    """The segments' hydraulics the slick model needs (widths from the reaches)."""
    e, w = hyd["expected"], hyd["worst"]
    return oil.SlickPath(
        start_m=e.start_m, length_m=e.length_m, velocity_mps=e.velocity_mps,
        worst_velocity_mps=w.velocity_mps,
        width_m=_widths(network, season, params)[np.asarray(reaches, dtype=np.int64)],
        dispersion_m2s=e.dispersion_m2s)


# network -> {(season, params): expected-case width of every reach}, kept with the network
_WIDTHS: weakref.WeakKeyDictionary[RiverNetwork, dict[tuple[str, HydraulicParams], np.ndarray]]
_WIDTHS = weakref.WeakKeyDictionary()


def _widths(network: RiverNetwork, season: str, params: HydraulicParams) -> np.ndarray:
    """Channel width of every reach (expected case), computed once per season."""
    per = _WIDTHS.get(network)
    if per is None:
        per = _WIDTHS.setdefault(network, {})
    got = per.get((season, params))
    if got is None:
        got = per[(season, params)] = hydraulics_arrays(
            network, np.arange(network.length_m.size), season, "expected", params).width_m
    return got

"""Floating oils as a slick: edges at the surface velocity, spreading, evaporation, and the
water-accommodated fraction that counts as dissolved petroleum (石油类).

Why a separate model: diesel, gasoline, crude and fuel oils are lighter than water and
nearly insoluble. Spilled into a river they float as a slick that moves with the *surface*
current, while only their water-accommodated fraction (WAF: the dissolved and finely
dispersed part a product can give to water at most) reaches the water column, where it is
measured as petroleum (石油类, GB 3838-2002 Table 1: 0.05 mg/L for Classes I–III). A 1D
dissolved model fed with the whole mass prints impossible grams per litre of diesel.

What is computed (equations and sources in docs/model.md, "Floating oils"):

* **Slick centre** at the surface velocity u_s = α·u + c_w·U_w over each path segment,
  α the ratio of surface to cross-section mean velocity, c_w·U_w the wind drift (worst
  case only, wind blowing down the river).
* **Half-length** of the slick: the larger of Fay's one-dimensional spreading
  (gravity–inertia, then gravity–viscous, then surface tension; Fay 1971) and the
  stretch by the cross-channel shear of the surface current, z·sqrt(2·∫D dt) with
  Fischer's dispersion D of the reach (the same spreading as a dissolved cloud's leading
  edge at 1 % of its peak); never beyond the length the oil can cover at the thinnest
  sheen (Bonn Agreement oil appearance code).
* **Edges**: leading edge = centre + half-length of the first oil released; trailing
  edge = centre − half-length of the last oil released (continuous releases).
* **Evaporated share** (Fingas 2004 empirical equations per product, time in minutes,
  temperature the season's water temperature), credited in the expected case only.
* **Dissolved petroleum**: the 1D model's cross-section concentration, never above the
  product's WAF.

Safe side: the worst case takes the fastest surface velocity (upper-bound α on the
worst-case mean velocity, plus wind drift) for the *earliest* arrival, the slowest
(cross-section mean, no surface factor, no wind) for the *latest* passage end, hence the
*longest* slick; no evaporation credit and the WAF as the dissolved bound.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

# --------------------------------------------------------------------------- constants

# Surface / cross-section mean velocity. For a logarithmic profile u(z) = u*/κ·ln(z/z0)
# over a wide channel, u_s − ū = u*/κ, so u_s/ū = 1 + √g/(κ·C) with Chézy's C; for
# natural channels (C ≈ 30–60 m^½/s, κ = 0.41) this is 1.13–1.25. The USGS float method
# takes the mean as 0.85 × the surface velocity (Rantz et al. 1982, USGS Water-Supply
# Paper 2175, vol. 1, ch. 8 "velocity measured by floats"; the coefficient lies between
# about 0.80 and 0.95 with 0.85 typical): 1/0.85 = 1.18 expected, 1/0.80 = 1.25 the upper
# bound used in the worst case (earliest arrival).
SURFACE_FACTOR_EXPECTED = 1.0 / 0.85
SURFACE_FACTOR_WORST = 1.0 / 0.80
# Wind drift of a surface slick: about 3 % (2.5–4.4 %) of the 10 m wind speed (ASCE Task
# Committee on Modeling of Oil Spills 1996, J. Hydraulic Eng. 122(11):594–609). Worst
# case only: 3.5 % of a 5 m/s wind (Beaufort 3, a moderate breeze; valley winds in Gansu
# average 1–3 m/s [unverified]) blowing down the river. The expected case takes no wind
# (its direction is unknown).
WIND_DRIFT_FACTOR = 0.035
WORST_WIND_MPS = 5.0
# Fay (1971, "Physical processes in the spread of oil on a water surface", Proc. Joint
# Conf. on Prevention and Control of Oil Spills, API, 463–467): one-dimensional spreading
# l = k1·(Δ g A t²)^(1/3) (gravity–inertia), k2·(Δ g A² t^(3/2) / ν^(1/2))^(1/4)
# (gravity–viscous), k3·(σ² t³ / (ρ² ν))^(1/4) (surface tension), A the oil volume per
# unit channel width. Fay's l is taken as the half-length (the longer reading).
FAY_K1 = 1.5
FAY_K2 = 1.5
FAY_K3 = 1.33
WATER_DENSITY_KGM3 = 1000.0
WATER_KINEMATIC_VISCOSITY_M2S = 1.0e-6  # 20 °C; colder water is more viscous: shorter
# Net spreading coefficient σ = σ_aw − σ_oa − σ_ow, 0.01–0.03 N/m for crude and fuels
# (Fay 1971); the upper end gives the longer slick.
SPREADING_COEFFICIENT_NM = 0.03
GRAVITY_MPS2 = 9.81
# Thinnest continuous film: "sheen", 0.04–0.3 µm (Bonn Agreement Oil Appearance Code,
# Bonn Agreement Aerial Operations Handbook 2004); the lower end (longest slick).
MIN_THICKNESS_M = 0.04e-6
# Leading edge of the shear stretch: z with exp(-z²/2) = 1 %, as for a dissolved cloud.
EDGE_Z = math.sqrt(-2.0 * math.log(0.01))

# Water temperature per season for the evaporation equations (°C). Gansu rivers: near 0–4
# °C in the dry (winter) season with ice on the Yellow River at Lanzhou in Dec–Feb, about
# 8–14 °C in spring and autumn, 16–22 °C in the summer flood season [unverified: general
# hydrological knowledge of the upper Yellow River]. The middle of each band is used; a
# colder value means less evaporation, which is credited in the expected case only.
SEASON_TEMPERATURE_C: Mapping[str, float] = {"dry": 2.0, "normal": 11.0, "flood": 19.0}

Form = Literal["sqrt", "ln"]

FINGAS_2004 = (
    "Fingas, M.F. (2004), Modeling evaporation using models that are not boundary-layer "
    "regulated, J. Hazardous Materials 107:27–36; Fingas (2011), Oil Spill Science and "
    "Technology, ch. 9, table of evaporation equations (t in minutes, T in °C)"
)
ANDERSON_1974 = (
    "Anderson, J.W. et al. (1974), Characteristics of dispersions and water-soluble "
    "extracts of crude and refined oils and their toxicity to estuarine crustaceans and "
    "fish, Marine Biology 27:75–88 (water-soluble fractions, total hydrocarbons)"
)


@dataclass(frozen=True, slots=True)
class OilProduct:
    """What the slick model needs of a floating product, with its sources.

    Evaporation: %Ev = (ev_a + ev_b·T)·√t or ·ln t (Fingas), t in minutes, T in °C.
    ``waf_mgl``: the most the product gives to water as dissolved/dispersed petroleum.
    """

    code: str
    name_en: str
    density_kgm3: float
    ev_form: Form
    ev_a: float
    ev_b: float
    waf_mgl: float
    evaporation_source: str
    waf_source: str


# Keyed by pollutant code. The crude and generic-petroleum evaporation come from Fingas'
# distillation equation %Ev = (0.165·%D + 0.045·(T − 15))·ln t with %D = 20 % distilled
# at 180 °C (a light-medium crude [unverified for the Changqing crudes carried in
# Gansu]): a = 0.165·20 − 0.045·15 = 2.625, b = 0.045.
PRODUCTS: Mapping[str, OilProduct] = {
    "DIESEL": OilProduct(
        "DIESEL", "Diesel fuel", 840.0, "sqrt", 0.31, 0.018, 8.7,
        f"{FINGAS_2004}: diesel fuel %Ev = (0.31 + 0.018·T)·√t",
        f"{ANDERSON_1974}: No. 2 fuel oil WSF 8.7 mg/L",
    ),
    "GASOLINE": OilProduct(
        "GASOLINE", "Gasoline", 740.0, "ln", 13.9, 0.045, 250.0,
        f"{FINGAS_2004}: gasoline %Ev = (13.9 + 0.045·T)·ln t",
        "order of magnitude of reported gasoline water-soluble fractions, 100–250 mg/L "
        "dominated by benzene, toluene and xylenes; upper end [unverified]",
    ),
    "KEROSENE": OilProduct(
        "KEROSENE", "Kerosene / jet fuel", 800.0, "sqrt", 0.59, 0.013, 10.0,
        f"{FINGAS_2004}: Jet A %Ev = (0.59 + 0.013·T)·√t",
        "high end of the 3–10 mg/L reported for kerosene / jet fuel water-soluble "
        "fractions [unverified]; above No. 2 fuel oil's 8.7 mg/L (Anderson et al. 1974)",
    ),
    "CRUDE_OIL": OilProduct(
        "CRUDE_OIL", "Crude oil", 860.0, "ln", 2.625, 0.045, 19.8,
        f"{FINGAS_2004}: distillation equation with 20 % distilled at 180 °C",
        f"{ANDERSON_1974}: South Louisiana crude WSF 19.8 mg/L (Kuwait crude 13.9)",
    ),
    "FUEL_OIL": OilProduct(
        "FUEL_OIL", "Heavy fuel oil", 980.0, "sqrt", 0.0035, 0.0026, 6.3,
        f"{FINGAS_2004}: Bunker C light %Ev = (0.0035 + 0.0026·T)·√t",
        f"{ANDERSON_1974}: Bunker C WSF 6.3 mg/L",
    ),
    "PETROLEUM": OilProduct(
        "PETROLEUM", "Petroleum hydrocarbons (unspecified)", 860.0, "ln", 2.625, 0.045,
        19.8,
        f"{FINGAS_2004}: distillation equation with 20 % distilled at 180 °C (as crude)",
        f"{ANDERSON_1974}: the highest WSF of the products tested (South Louisiana "
        "crude, 19.8 mg/L)",
    ),
}


def product_for(code: str, pclass: str, behaviour: str) -> OilProduct | None:
    """The slick coefficients of a floating oil, else None (the dissolved model applies).

    A floating product of class ``oil`` that has no entry of its own (a lubricating oil
    added to the library, say) takes the unspecified-petroleum coefficients.
    """
    if behaviour != "floats" or pclass != "oil":
        return None
    return PRODUCTS.get(code, PRODUCTS["PETROLEUM"])


def evaporated_pct(product: OilProduct, temperature_c: float, t_h: np.ndarray | float
                   ) -> np.ndarray:
    """Share of the spilled mass evaporated ``t_h`` hours after the spill (Fingas), %.

    The ln form counts from the first minute (negative before); both forms are held to
    0–100 %.
    """
    t_min = np.asarray(t_h, dtype=np.float64) * 60.0
    coef = product.ev_a + product.ev_b * temperature_c
    with np.errstate(divide="ignore", invalid="ignore"):
        if product.ev_form == "sqrt":
            ev = coef * np.sqrt(np.maximum(t_min, 0.0))
        else:
            ev = coef * np.log(np.maximum(t_min, 1.0))
    return np.clip(ev, 0.0, 100.0)


def fay_half_length_m(volume_m3: float, width_m: np.ndarray, density_kgm3: float,
                      t_s: np.ndarray) -> np.ndarray:
    """Fay's one-dimensional spreading over a channel of width ``width_m`` (m).

    The regimes follow each other: gravity–inertia while it is the shorter of the two
    gravity forms, then gravity–viscous, then surface tension once that is longer.
    """
    t = np.maximum(np.asarray(t_s, dtype=np.float64), 0.0)
    delta = max(1.0 - density_kgm3 / WATER_DENSITY_KGM3, 0.0)
    area = volume_m3 / np.maximum(width_m, 1.0)  # volume per unit width, m²
    nu = WATER_KINEMATIC_VISCOSITY_M2S
    inertia = FAY_K1 * np.cbrt(delta * GRAVITY_MPS2 * area * t**2)
    viscous = FAY_K2 * (delta * GRAVITY_MPS2 * area**2 * t**1.5 / math.sqrt(nu)) ** 0.25
    tension = FAY_K3 * (SPREADING_COEFFICIENT_NM**2 * t**3
                        / (WATER_DENSITY_KGM3**2 * nu)) ** 0.25
    half: np.ndarray = np.maximum(np.minimum(inertia, viscous), tension)
    return half


@dataclass(frozen=True, slots=True)
class SlickPath:
    """Per-segment hydraulics along the traced path (arrays of one row per segment).

    ``velocity_mps`` and ``worst_velocity_mps`` are cross-section mean velocities of the
    expected and worst case; ``dispersion_m2s`` the expected-case (Fischer) dispersion.
    """

    start_m: np.ndarray
    length_m: np.ndarray
    velocity_mps: np.ndarray
    worst_velocity_mps: np.ndarray
    width_m: np.ndarray
    dispersion_m2s: np.ndarray


@dataclass(frozen=True, slots=True)
class SlickCase:
    """The slick at one position in one case (hours since the release started)."""

    arrival_h: float | None
    passage_end_h: float | None
    length_km: float | None


@dataclass(frozen=True, slots=True)
class SlickAt:
    """The slick at one receptor: expected case, worst case, and what evaporated."""

    expected: SlickCase
    worst: SlickCase
    evaporated_pct: float | None  # expected case, at the expected arrival
    floating_kg: float | None  # expected case, at the expected arrival


class _Track:
    """x(t) of a point moving at per-segment speeds (piecewise linear in t)."""

    def __init__(self, start_m: np.ndarray, length_m: np.ndarray, speed_mps: np.ndarray,
                 rate: np.ndarray) -> None:
        speed = np.maximum(speed_mps, 1e-6)
        dt = length_m / speed
        self.t_s = np.concatenate(([0.0], np.cumsum(dt)))
        self.x_m = np.concatenate(([start_m[0] if start_m.size else 0.0],
                                   start_m + length_m))
        # ∫ rate dt along the way (for the shear stretch ∫ D dt)
        self.acc = np.concatenate(([0.0], np.cumsum(rate * dt)))
        self.last_speed = float(speed[-1]) if speed.size else 1.0
        self.last_rate = float(rate[-1]) if rate.size else 0.0
        self.seg_end_m = start_m + length_m

    def x_at(self, t_s: np.ndarray) -> np.ndarray:
        x = np.interp(t_s, self.t_s, self.x_m)
        beyond = t_s > self.t_s[-1]
        out: np.ndarray = np.where(
            beyond, self.x_m[-1] + (t_s - self.t_s[-1]) * self.last_speed, x)
        return out

    def acc_at(self, t_s: np.ndarray) -> np.ndarray:
        a = np.interp(t_s, self.t_s, self.acc)
        beyond = t_s > self.t_s[-1]
        out: np.ndarray = np.where(
            beyond, self.acc[-1] + (t_s - self.t_s[-1]) * self.last_rate, a)
        return out


def _time_grid_s(horizon_h: float, duration_h: float, tracks: Sequence[_Track]) -> np.ndarray:
    """Times at which the edges are computed: log-spaced early (spreading), even later,
    and every time a track crosses a segment boundary (where its speed changes: x(t) is
    exactly linear between those); to well past the horizon so that the passage end of
    the last receptors is found."""
    t_end = 4.0 * horizon_h * 3600.0
    early = np.geomspace(1.0, min(3600.0, t_end), 40)
    late = np.linspace(3600.0, t_end, 300)
    bounds = np.concatenate([tr.t_s for tr in tracks])
    return np.unique(np.concatenate(([0.0], early, late, bounds[bounds < t_end])))


def _first_time(x_edge: np.ndarray, t_s: np.ndarray, at_m: np.ndarray) -> np.ndarray:
    """First time an edge moving as ``x_edge(t)`` reaches each position (NaN if never
    within the grid); linear between grid times."""
    reach = np.maximum.accumulate(x_edge)
    idx = np.searchsorted(reach, at_m, side="left")  # first sample with reach >= x
    inside = idx < reach.size
    i1 = np.minimum(idx, reach.size - 1)
    i0 = np.maximum(i1 - 1, 0)
    span = reach[i1] - reach[i0]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.clip(np.where(span > 0, (at_m - reach[i0]) / span, 1.0), 0.0, 1.0)
    t = np.where(idx == 0, t_s[0], t_s[i0] + frac * (t_s[i1] - t_s[i0]))
    return np.where(inside, t, np.nan)


def slick_at(
    product: OilProduct,
    path: SlickPath,
    mass_kg: float,
    duration_h: float,
    season: str,
    horizon_h: float,
    km: Sequence[float] | np.ndarray,
) -> list[SlickAt]:
    """Slick arrival, passage end and length at positions ``km`` (km from the spill)."""
    at_m = np.asarray(km, dtype=np.float64) * 1000.0
    if at_m.size == 0 or path.length_m.size == 0:
        return []
    dur_s = max(duration_h, 0.0) * 3600.0  # the tail leaves the spill this much later
    volume = mass_kg / product.density_kgm3
    temp = SEASON_TEMPERATURE_C.get(season, SEASON_TEMPERATURE_C["normal"])
    d = np.maximum(path.dispersion_m2s, 0.0)
    surface = _Track(path.start_m, path.length_m, SURFACE_FACTOR_EXPECTED * path.velocity_mps,
                     d)
    fast = _Track(path.start_m, path.length_m,
                  SURFACE_FACTOR_WORST * path.worst_velocity_mps
                  + WIND_DRIFT_FACTOR * WORST_WIND_MPS, d)
    slow = _Track(path.start_m, path.length_m, path.velocity_mps, d)
    t = _time_grid_s(horizon_h, duration_h, (surface, fast, slow))

    def edges(track: _Track) -> tuple[np.ndarray, np.ndarray]:
        """Leading and trailing edge of oil released at t = 0, on the time grid."""
        x = track.x_at(t)
        seg = np.minimum(np.searchsorted(track.seg_end_m, x, side="right"),
                         path.width_m.size - 1)
        width = np.maximum(path.width_m[seg], 1.0)
        fay = fay_half_length_m(volume, width, product.density_kgm3, t)
        shear = EDGE_Z * np.sqrt(2.0 * track.acc_at(t))
        half = np.minimum(np.maximum(fay, shear), 0.5 * volume / (width * MIN_THICKNESS_M))
        return x + half, np.maximum(x - half, 0.0)

    lead_e, trail_e = edges(surface)
    lead_w, trail_w = edges(fast)[0], edges(slow)[1]
    t_h = t / 3600.0

    def case(lead_x: np.ndarray, trail_x: np.ndarray) -> tuple[np.ndarray, ...]:
        """The tail is the oil released last, ``dur_s`` after the first: its edge is the
        first oil's trailing edge delayed by ``dur_s``."""
        arr = _first_time(lead_x, t, at_m)
        end = _first_time(trail_x, t, at_m) + dur_s
        # length when the leading edge arrives: between the edges at that time
        ln = np.interp(arr, t, lead_x) - np.interp(arr - dur_s, t, trail_x, left=0.0)
        return arr / 3600.0, end / 3600.0, np.maximum(ln, 0.0) / 1000.0

    ea, ee, el = case(lead_e, trail_e)
    wa, we, wl = case(lead_w, trail_w)
    ev = evaporated_pct(product, temp, np.nan_to_num(ea, nan=t_h[-1]))
    def val(a: np.ndarray, i: int) -> float | None:
        v = float(a[i])
        return v if math.isfinite(v) else None

    out = []
    for i in range(at_m.size):
        arrived = math.isfinite(float(ea[i]))
        out.append(SlickAt(
            expected=SlickCase(val(ea, i), val(ee, i), val(el, i)),
            worst=SlickCase(val(wa, i), val(we, i), val(wl, i)),
            evaporated_pct=float(ev[i]) if arrived else None,
            floating_kg=mass_kg * (1.0 - float(ev[i]) / 100.0) if arrived else None,
        ))
    return out


def remaining_share(product: OilProduct, season: str, t_h: np.ndarray | float) -> np.ndarray:
    """Share of the spilled mass not evaporated ``t_h`` hours after the spill (0–1), at
    the season's water temperature."""
    temp = SEASON_TEMPERATURE_C.get(season, SEASON_TEMPERATURE_C["normal"])
    return 1.0 - evaporated_pct(product, temp, t_h) / 100.0


def dissolved_cap(conc_mgl: np.ndarray, times_h: np.ndarray, product: OilProduct,
                  season: str, case: str) -> np.ndarray:
    """Dissolved petroleum from the 1D model's concentration of the spilled mass.

    Worst case: the whole mass (no evaporation credit), never above the WAF. Expected
    case: the mass still floating at each time (Fingas), never above the WAF.
    """
    c = np.asarray(conc_mgl, dtype=np.float64)
    if case == "expected":
        c = c * remaining_share(product, season, times_h)
    return np.minimum(c, product.waf_mgl)


def describe(product: OilProduct, season: str) -> dict[str, object]:
    """The constants behind a slick result, for the analysis' ``model`` block."""
    return {
        "product": product.code,
        "density_kgm3": product.density_kgm3,
        "surface_factor_expected": SURFACE_FACTOR_EXPECTED,
        "surface_factor_worst": SURFACE_FACTOR_WORST,
        "wind_drift_factor": WIND_DRIFT_FACTOR,
        "worst_wind_mps": WORST_WIND_MPS,
        "spreading": "max(Fay 1971 one-dimensional, z·sqrt(2∫D dt)), z = "
                     f"{EDGE_Z:.3f}; at most the length covered at {MIN_THICKNESS_M:g} m",
        "evaporation": (
            f"%Ev = ({product.ev_a:g} + {product.ev_b:g}·T)·"
            f"{'√t' if product.ev_form == 'sqrt' else 'ln t'} (t in minutes)"
        ),
        "evaporation_source": product.evaporation_source,
        "water_temperature_c": SEASON_TEMPERATURE_C.get(season),
        "waf_mgl": product.waf_mgl,
        "waf_source": product.waf_source,
    }

"""The model's method, coefficients and assumptions, as the result states them
(English; the sheet and the map translate them)."""

from __future__ import annotations

from collections.abc import Sequence

from webgis.hydro import slick as oil
from webgis.hydro.hydraulics import HydraulicParams
from webgis.hydro.inputs import PollutantInput, ReleaseInput
from webgis.hydro.losses import RATIO_PRINT_CAP, Scaling
from webgis.hydro.nearfield import BANK_MIXING_LENGTH_COEF, TRANSVERSE_MIXING_COEF
from webgis.hydro.network import PathSegment, RiverNetwork
from webgis.hydro.rate_series import RateSeriesS, to_transport
from webgis.hydro.results import ModelInfo
from webgis.hydro.transport import LEADING_EDGE_FRACTION

METHOD = (
    "1D advection-dispersion with per-reach loss (expected case), variance-additive "
    "travel-time solution (Rhine Alarm Model / ALAMO type); reservoirs as chains of "
    "mixing cells"
)
OIL_METHOD = (
    "; floating oil: slick edges at the surface velocity with Fay/shear "
    "spreading and Fingas evaporation, dissolved petroleum bounded by the "
    "water-accommodated fraction"
)

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


SERIES_NOTE = (
    "Rate series: the release is the sum of its constant-rate pieces, each a box release "
    "delayed by its start (superposition, exact for this linear model). A piece faster "
    "than the water passing the spill can dissolve (Q·S) is cut to that rate and its excess "
    "carried over, dissolving at saturation after it (mass kept, the latest and highest "
    "near-source concentration physics allows); the near-field bank factor applies as for "
    "any release."
)
OIL_SERIES_NOTE = (
    "Rate series of a floating product: treated as released at once with the total mass "
    "(the slick model takes one mass): the earliest arrival and the thickest slick, on the "
    "safe side; the series' timing is not used."
)


def _series_coefficients(release: ReleaseInput, series_s: RateSeriesS, factor: float
                         ) -> dict[str, list[list[float]] | None]:
    """A rate series as given (h, kg/h) and, when the solubility cap changed it, as
    dissolved; nothing for a constant release."""
    if not release.rate_series:
        return {}
    dissolved = (series_s and series_s != to_transport(release.rate_series, factor))
    return {
        "rate_series": [list(p) for p in release.rate_series],
        "rate_series_dissolved": (
            [[t / 3600.0, r * 3600.0 / factor] for t, r in series_s] if dissolved else None),
    }


def model_info(network: RiverNetwork, path: Sequence[PathSegment], truncated: bool,
               season: str, horizon_h: float, horizon_basis: str, params: HydraulicParams,
               pollutant: PollutantInput, release: ReleaseInput,
               species: tuple[float, float], product: oil.OilProduct | None,
               duration_s: float, scaling: Scaling, series_s: RateSeriesS = ()
               ) -> ModelInfo:
    """Why the numbers are what they are: method, coefficients and assumptions
    (``species``: the species factor and the mass of the regulated species; ``series_s``
    the rate series the transport ran, (s, kg/s of the species), if any)."""
    near = scaling.near
    series_notes: list[str] = []
    if release.rate_series:
        series_notes = [OIL_SERIES_NOTE if product is not None else SERIES_NOTE]
    return ModelInfo(
        season=season,
        method=METHOD + ("" if product is None else OIL_METHOD),
        horizon_h=horizon_h,
        horizon_basis=horizon_basis,
        truncated_at_horizon=truncated,
        end_kind=None if truncated else network.end_kind(path[-1].reach_idx),
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
            "species_factor": species[0],
            "species_mass_kg": species[1],
            "solubility_mgl": scaling.solubility_mgl,
            "dissolution_duration_h": duration_s / 3600.0,
            "near_field_mixing_length_m": None if near is None else near.mixing_length_m,
            "transverse_mixing_m2s": None if near is None else near.transverse_m2s,
            "transverse_mixing_coef": TRANSVERSE_MIXING_COEF,
            "bank_mixing_length_coef": BANK_MIXING_LENGTH_COEF,
            "ratio_print_cap": RATIO_PRINT_CAP,
            **_series_coefficients(release, series_s, species[0]),
        },
        assumptions=list(ASSUMPTIONS) + (OIL_ASSUMPTIONS if product is not None else [])
        + series_notes,
    )

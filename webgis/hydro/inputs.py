"""What the caller tells the incident model: the pollutant, the release, the receptors.

Plain frozen dataclasses (the service layer fills them from the database), and the
checks on a run's inputs (:func:`validate_run`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from webgis.hydro.errors import HydroError
from webgis.hydro.hydraulics import SEASONS
from webgis.hydro.rate_series import RateSeries, as_tuple, series_mass_kg

MAX_MASS_KG = 1e9

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
    """What was spilled: total mass, over ``duration_h`` (0 = instantaneous); or a rate
    series ``[(t_h, kg/h), ...]`` (:mod:`webgis.hydro.rate_series`), when ``mass_kg`` is
    its integral and ``duration_h`` its last time (:meth:`of_series` makes them so)."""

    mass_kg: float
    duration_h: float = 0.0
    rate_series: RateSeries = ()

    @classmethod
    def of_series(cls, series: RateSeries) -> ReleaseInput:
        """The release of a rate series (checked: a HydroError names the bad row)."""
        return cls(series_mass_kg(series), float(series[-1][0]), as_tuple(series))


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


def validate_run(release: ReleaseInput, season: str, horizon_h: float) -> None:
    """Refuse a release, season or horizon the model cannot answer for (a clear error
    naming the input, before any work)."""
    if release.rate_series:
        mass = series_mass_kg(release.rate_series)
        if not (math.isclose(mass, release.mass_kg, rel_tol=1e-6)
                and release.duration_h == release.rate_series[-1][0]):
            raise HydroError("mass_kg and duration_h must be the rate series' integral and "
                             "end", {"release.mass_kg": release.mass_kg})
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

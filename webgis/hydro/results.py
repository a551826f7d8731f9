"""What the incident model answers: the plume at each receptor, along the path, and why.

Plain frozen dataclasses, ready for the service layer to turn into the JSON contract.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from webgis.hydro import slick as oil
from webgis.hydro.network import Snap


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
    # today's discharge that replaced the season's on the path (webgis.hydro.today_flow)
    flow_today: dict[str, Any] | None = None


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

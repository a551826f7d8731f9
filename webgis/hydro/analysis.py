"""One incident, end to end, as a pure function: trace, hydraulics, transport, receptors.

The service layer snaps the clicked point (:meth:`RiverNetwork.snap`), reads pollutant,
release and along-river receptors from the database, and calls :func:`run_incident`.
Everything returned is plain data (dataclasses, floats, lists) ready for JSON.

This module is the public face of the incident model; the work lives in small modules:

* :mod:`webgis.hydro.inputs` / :mod:`webgis.hydro.results` — what goes in and comes out;
* :mod:`webgis.hydro.incident` — :func:`run_incident`, cut into its named phases;
* :mod:`webgis.hydro.horizon` — where the path ends and where the profile is sampled;
* :mod:`webgis.hydro.stations` — receptors, confluences and borders on the path;
* :mod:`webgis.hydro.limits` — which GB 3838-2002 limit applies, and why;
* :mod:`webgis.hydro.losses` / :mod:`webgis.hydro.nearfield` — loss, solubility, bank;
* :mod:`webgis.hydro.slick_curves` — a floating oil's dissolved part and slick path;
* :mod:`webgis.hydro.model_info` — method, coefficients and assumptions as stated.
"""

from __future__ import annotations

from webgis.hydro.horizon import LEADING_EDGE_Z, TRACE_VELOCITY_BOUND_MPS
from webgis.hydro.incident import run_incident
from webgis.hydro.inputs import (
    MAX_MASS_KG,
    PollutantInput,
    ReceptorInput,
    ReceptorKind,
    ReleaseInput,
)
from webgis.hydro.limits import default_limit_mgl, limit_and_basis
from webgis.hydro.losses import (
    MIN_DISSOLUTION_S,
    RATIO_PRINT_CAP,
    SATURATED_SHARE,
    dissolution_duration_s,
    loss_exponent,
    reach_loss_per_s,
)
from webgis.hydro.model_info import ASSUMPTIONS, OIL_ASSUMPTIONS
from webgis.hydro.nearfield import (
    BANK_MIXING_LENGTH_COEF,
    TRANSVERSE_MIXING_COEF,
    NearField,
    near_field_of,
)
from webgis.hydro.results import (
    ModelInfo,
    PathStep,
    PlumeResult,
    ReceptorResult,
    WorstCase,
)

__all__ = [
    "ASSUMPTIONS",
    "BANK_MIXING_LENGTH_COEF",
    "LEADING_EDGE_Z",
    "MAX_MASS_KG",
    "MIN_DISSOLUTION_S",
    "OIL_ASSUMPTIONS",
    "RATIO_PRINT_CAP",
    "SATURATED_SHARE",
    "TRACE_VELOCITY_BOUND_MPS",
    "TRANSVERSE_MIXING_COEF",
    "ModelInfo",
    "NearField",
    "PathStep",
    "PlumeResult",
    "PollutantInput",
    "ReceptorInput",
    "ReceptorKind",
    "ReceptorResult",
    "ReleaseInput",
    "WorstCase",
    "default_limit_mgl",
    "dissolution_duration_s",
    "limit_and_basis",
    "loss_exponent",
    "near_field_of",
    "reach_loss_per_s",
    "run_incident",
]

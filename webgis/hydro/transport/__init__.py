"""1D advection–dispersion with first-order decay along a traced path, as a package.

The modules, from the bottom up (each imports only those above it):

* :mod:`.resolution` — grid resolution and trimming constants (refined together by tests);
* :mod:`.kernels` — closed-form channel response (pdf, cdf), Erlang cells, batched FFTs;
* :mod:`.curves` — :class:`Curve` and the statistics read from sampled curves;
* :mod:`.grid` — gridded fluxes (:class:`GridState`), inflows and the transfer protocol;
* :mod:`.release` — the release in closed form on the channels below the spill;
* :mod:`.routing` — gridded fluxes routed through channels;
* :mod:`.reservoir` — reservoirs as chains of stirred tanks;
* :mod:`.model` — :class:`PlumeModel`, which ties them together along one path;
* :mod:`.transfer` — cached responses below reservoir inlets (built with the model).

The method and its references are in :mod:`.model` and docs/model.md. The public names
below are those of the former ``webgis.hydro.transport`` module.
"""

from __future__ import annotations

from webgis.hydro.transport.curves import (
    LEADING_EDGE_FRACTION,
    LEADING_EDGE_Z,
    Curve,
    exceed_hours_many,
    exceed_hours_until,
)
from webgis.hydro.transport.grid import Inflow, pulse_grid_s, pulse_resolve_s
from webgis.hydro.transport.kernels import channel_cdf, channel_pdf, erfcx
from webgis.hydro.transport.model import PlumeModel
from webgis.hydro.transport.resolution import (
    PULSE_HEAD_REFINE,
    PULSE_HEAD_STEPS,
    TRANSFER_RESOLVE_STEPS,
)

__all__ = [
    "LEADING_EDGE_FRACTION",
    "LEADING_EDGE_Z",
    "PULSE_HEAD_REFINE",
    "PULSE_HEAD_STEPS",
    "TRANSFER_RESOLVE_STEPS",
    "Curve",
    "Inflow",
    "PlumeModel",
    "channel_cdf",
    "channel_pdf",
    "erfcx",
    "exceed_hours_many",
    "exceed_hours_until",
    "pulse_grid_s",
    "pulse_resolve_s",
]

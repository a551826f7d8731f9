"""Gridded mass fluxes: the state handed from a reservoir to the reaches below it.

A :class:`GridState` is a flux (kg/s) sampled on equally spaced nodes, possibly with a
fine head over its start; an :class:`Inflow` is a flux reaching a point as its
cumulative mass, put on any grid with mass and mean kept. :class:`TransferSource` is
what the model needs of a cached transfer (webgis.hydro.transport.transfer), so that
the model does not import the transfers that are built from it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

import webgis.hydro.transport.resolution as res
from webgis.hydro.hydraulics import PathHydraulics
from webgis.hydro.transport.curves import front_scale, sharpness
from webgis.hydro.transport.types import FloatArray, IntArray


@dataclass(slots=True)
class GridState:
    """Mass flux (kg/s) sampled every ``dt_s`` from ``t0_s`` at a reference position."""

    t0_s: float
    dt_s: float
    flux: FloatArray
    # the same flux on a fine grid over its start, exact up to its last sample (or None)
    head: GridState | None = None
    _scale: float | None = None
    _front: float | None = None
    _peak: float | None = None
    _coarse: dict[int, GridState] = field(default_factory=dict)

    @property
    def times(self) -> FloatArray:
        return self.t0_s + self.dt_s * np.arange(self.flux.size)

    @property
    def scale(self) -> float:
        """The curve's time scale (:func:`sharpness`), computed once."""
        if self._scale is None:
            self._scale = sharpness(self.times, self.flux) if self.flux.size else 0.0
        return self._scale

    @property
    def peak_s(self) -> float:
        """When the curve peaks (its largest sample), computed once."""
        if self._peak is None:
            i = int(np.argmax(self.flux)) if self.flux.size else 0
            self._peak = self.t0_s + self.dt_s * i
        return self._peak

    @property
    def front(self) -> float:
        """The time scale of the curve's front (:func:`front_scale`), computed once."""
        if self._front is None:
            self._front = front_scale(self.times, self.flux)
        return self._front

    def coarse(self, m: int) -> GridState:
        """The same flux on nodes ``m`` times further apart (kept for later calls).

        Every sample is split between the two coarse nodes around it by linear
        interpolation weights, so mass and mean are exact; the spread grows by at most
        (m·dt)²/4, far below the routed curves' variance where this is used.
        """
        if m <= 1:
            return self
        got = self._coarse.get(m)
        if got is None:
            f = self.flux
            nb = -(-f.size // m)
            flat = np.zeros(nb * m)
            flat[: f.size] = f
            blocks = flat.reshape(nb, m)
            w = np.arange(m) / m
            out = np.zeros(nb + 1)
            out[:nb] = blocks @ (1.0 - w)
            out[1:] += blocks @ w
            got = GridState(self.t0_s, self.dt_s * m, out / m)
            self._coarse[m] = got
        return got


# fine heads of a group: (rows that have one, (their starts, step, fluxes))
GroupHead = tuple[IntArray, tuple[FloatArray, float, FloatArray]]
# gridded fluxes at positions: (position indices, row starts, step, fluxes kg/s, heads)
Group = tuple[IntArray, FloatArray, float, FloatArray, GroupHead | None]


def pulse_resolve_s(h: PathHydraulics, seg: int) -> float:
    """The finest step of a transfer starting at segment ``seg`` (its head's, if any)."""
    dt = pulse_grid_s(h, seg)
    return dt / res.PULSE_HEAD_REFINE if h.is_reservoir[seg] else dt


def pulse_grid_s(h: PathHydraulics, seg: int) -> float:
    """The step of a pulse entering segment ``seg`` (a transfer's first grid): for a
    reservoir 1/96 of a cell's residence time with the cells' whole response in < 4,096
    steps; for a channel a short fixed pulse."""
    if not h.is_reservoir[seg]:
        return res.CHANNEL_PULSE_S
    theta_s, ncell = float(h.theta_s[seg]), max(int(h.n_cells[seg]), 1)
    chain_span = theta_s * (1.0 + 10.0 / math.sqrt(ncell) + 10.0 / ncell)
    return max(chain_span / (res.MAX_GRID - 2), theta_s / ncell / res.CELL_STEPS, 1e-3)


@dataclass(frozen=True, slots=True)
class Inflow:
    """A mass flux (kg/s) reaching a point, as its cumulative mass (piecewise linear)."""

    cum_t_s: FloatArray
    cum_kg: FloatArray
    # the time scale of its front (s): what a grid must resolve where it arrives
    front_s: float
    # its overall time scale (s): what a grid must resolve elsewhere
    broad_s: float
    # the first node of any grid it is put on (a gridded flux's own first node, so that
    # on its own step it is reproduced exactly)
    origin_s: float

    @property
    def peak_s(self) -> float:
        """When the flux peaks (the steepest rise of its cumulative mass)."""
        i = int(np.argmax(np.diff(self.cum_kg) / np.maximum(np.diff(self.cum_t_s), 1e-300)))
        return float(0.5 * (self.cum_t_s[i] + self.cum_t_s[i + 1]))

    def on_grid(self, dt_s: float, max_steps: int | None = None) -> tuple[float, FloatArray]:
        """(first node time, flux at nodes every ``dt_s`` aligned on ``origin_s``): each
        node takes the mass under its hat function (mass and mean exact, however narrow
        the flux is next to the step), the second differences of ∫M over the nodes."""
        t, m = self.cum_t_s, self.cum_kg
        first = self.origin_s - dt_s * math.ceil((self.origin_s - float(t[0])) / dt_s + 1e-9)
        nb = int(math.ceil((float(t[-1]) - first) / dt_s)) + 2
        if max_steps is not None:
            nb = min(nb, max_steps)
        nodes = first + dt_s * np.arange(-1, nb + 1)
        # ∫M exactly (M is piecewise linear between its points, total after the end)
        g = np.concatenate(([0.0], np.cumsum(0.5 * (m[1:] + m[:-1]) * np.diff(t))))
        k = np.clip(np.searchsorted(t, nodes, side="right") - 1, 0, t.size - 2)
        x = np.clip(nodes, t[0], t[-1]) - t[k]
        slope = (m[k + 1] - m[k]) / np.maximum(t[k + 1] - t[k], 1e-300)
        at = g[k] + m[k] * x + 0.5 * slope * x * x
        at += float(m[-1]) * np.maximum(nodes - float(t[-1]), 0.0)
        mass = (at[2:] - 2.0 * at[1:-1] + at[:-2]) / dt_s
        return first, np.maximum(mass, 0.0) / dt_s


class TransferSource(Protocol):
    """A cached response below a reservoir's inlet, as :class:`PlumeModel` uses it."""

    @property
    def resolve_dt_s(self) -> float:
        """The finest step of the transfer's grids (its front is resolved on it)."""
        ...

    def compose(
        self,
        seg: IntArray,
        offset_m: FloatArray,
        cells: IntArray,
        inflow: Inflow,
        decay_per_s: float,
    ) -> list[Group]:
        """Flux groups at points of the transfer's path when ``inflow`` reaches its inlet."""
        ...

"""Reservoirs as chains of continuously stirred tanks (Levenspiel), on time grids.

The flux reaching a reservoir's inlet is put on a grid fit for its chain (and, where
that grid is coarse next to the inflow, a fine head over its start); mixing cell j
answers with the Erlang(j, θ_c) density damped by decay, convolved with the inflow in
one batched FFT for all the cells asked for. A release at the inlet itself is
evaluated in closed form.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

import webgis.hydro.transport.resolution as res
from webgis.hydro.hydraulics import PathHydraulics
from webgis.hydro.transport.curves import front_scale, sharpness
from webgis.hydro.transport.grid import GridState
from webgis.hydro.transport.kernels import convolve_rows, erlang_tent
from webgis.hydro.transport.release import Release
from webgis.hydro.transport.routing import route
from webgis.hydro.transport.types import FloatArray


def _series_step(times_s: tuple[float, ...], dt: float) -> float:
    """A step no longer than ``dt`` that puts every breakpoint of a rate series on a node
    (the first cell's outflow peaks at the end of a strong piece: a node between two
    would read it low), when the breakpoints share a divisor of at least ``dt``/8 (whole
    seconds: minutes or hours as people write them); else ``dt`` itself."""
    whole = [round(t) for t in times_s]
    if any(abs(w - t) > 1e-6 for w, t in zip(whole, times_s, strict=True)):
        return dt
    g = 0
    for w in whole:
        g = math.gcd(g, w)
    if g <= 0 or g < dt / 8.0:
        return dt
    return g / math.ceil(g / dt)


@dataclass
class ReservoirChains:
    """The reservoirs of one path for one release: their inlet grids and the cells'
    outflows computed so far (kept: intakes and profile stations ask later)."""

    hydraulics: PathHydraulics
    release: Release
    # segment -> the flux at its inlet on the chain's grid
    inlets: dict[int, GridState] = field(default_factory=dict)
    # segment -> cell (1-based) -> its outflow
    cells: dict[int, dict[int, GridState]] = field(default_factory=dict)
    # segments whose inlet is the spill itself (cells in closed form)
    direct: set[int] = field(default_factory=set)

    def add(
        self, seg: int, src: GridState | None, tau: float, var: float, from_inflow: bool
    ) -> GridState:
        """Reservoir segment ``seg`` fed by ``src`` (None: the release) routed through
        channel moments (tau, var); returns its outflow (the last cell's)."""
        self.inlets[seg] = self.inlet_grid(seg, src, tau, var, from_inflow)
        return self.outflow(seg, max(int(self.hydraulics.n_cells[seg]), 1))

    def nbytes(self) -> int:
        """Memory held by the cells' outflows (approximate)."""
        return sum(c.flux.nbytes for cells in self.cells.values() for c in cells.values())

    def inlet_grid(
        self, seg: int, src: GridState | None, tau: float, var: float, from_inflow: bool
    ) -> GridState:
        """Flux at the inlet of reservoir segment ``seg`` on a grid fit for its chain.

        The step is 1/32 of the inflow's time scale (standard deviation, or less for a
        front) and at least as fine as 1/96 of a cell's residence time when the inflow
        is sharper than a cell (the first cell's outflow then jumps up); the grid holds at
        most ``res.MAX_GRID`` steps over the inflow and the chain's response. A gridded
        inflow whose step already fits is kept as it is (re-binning smooths a little).
        A spill at the inlet itself is not gridded: its cells are evaluated in closed
        form (``direct``), on nodes that hit the end (and the start) of the release.
        """
        h = self.hydraulics
        theta = float(h.theta_s[seg])
        ncell = max(int(h.n_cells[seg]), 1)
        theta_c = theta / ncell
        chain_span = theta * (1.0 + 10.0 / math.sqrt(ncell) + 10.0 / ncell)
        if src is None and tau <= 0:
            self.direct.add(seg)
            return self._direct_grid(chain_span, theta_c)
        if src is None:
            # fine analytic curve at the inlet, then re-binned mass-conservatively
            tt, fl, cum_m = self.release.fine(tau, var)
            cum_t = tt
            scale = sharpness(tt, fl)
            src_dt = 0.0
        else:
            if tau > 0 or var > 0:
                ((_, t0s, src_dt, rows),) = route(
                    src, np.array([tau]), np.array([var]), self.release.decay_per_s
                )
                t0, fl = float(t0s[0]), rows[0]
            else:
                t0, fl, src_dt = src.t0_s, src.flux, src.dt_s
            nz = np.flatnonzero(fl > 1e-12 * fl.max()) if fl.max() > 0 else np.array([0])
            a, b = int(nz[0]), int(nz[-1]) + 1
            tt = t0 + src_dt * np.arange(a, b)
            fl = fl[a:b]
            scale = front_scale(tt, fl)
            dt = max(
                (tt[-1] - tt[0] + chain_span) / res.MAX_GRID,
                math.hypot(scale / res.SCALE_STEPS, theta_c / res.CELL_STEPS),
            )
            if 0.5 * dt <= src_dt <= 1.25 * dt and (b - a) + chain_span / src_dt < res.MAX_GRID:
                # a transfer's pulse keeps its fine head (see webgis.hydro.transport.transfer)
                keep = from_inflow and tau <= 0 and var <= 0 and a == 0
                return GridState(float(tt[0]), src_dt, fl.copy(), src.head if keep else None)
            cum_t = np.concatenate(([tt[0] - 0.5 * src_dt], tt + 0.5 * src_dt))
            cum_m = np.concatenate(([0.0], np.cumsum(fl * src_dt)))
        start, end = float(cum_t[0]), float(cum_t[-1])
        span = (end - start) + chain_span
        dt = max(
            span / res.MAX_GRID,
            math.hypot(scale / res.SCALE_STEPS, theta_c / res.CELL_STEPS),
            1e-3,
        )
        nb = int(math.ceil((end - start) / dt)) + 1
        edges = start + dt * (np.arange(nb + 1) - 0.5)
        mass = np.diff(np.interp(edges, cum_t, cum_m, left=0.0, right=float(cum_m[-1])))
        grid = GridState(start, dt, np.maximum(mass, 0.0) / dt)
        # a grid coarse next to the inflow (a slow cell's θc/96, or the step cap) blurs
        # the first cells' rise by a step of hours: a fine head over the inflow and the
        # next steps resolves the leading edge (the convolutions are causal, so the
        # head is exact up to its end)
        span_h = (end - start) + res.HEAD_SPAN_STEPS * dt
        dt_h = max(scale / res.SCALE_STEPS, src_dt, span_h / (res.MAX_HEAD - 1), 1e-3)
        if dt > 2.0 * dt_h:
            nh = int(math.ceil(span_h / dt_h)) + 1
            edges = start + dt_h * (np.arange(nh + 1) - 0.5)
            mass = np.diff(np.interp(edges, cum_t, cum_m, left=0.0, right=float(cum_m[-1])))
            grid.head = GridState(start, dt_h, np.maximum(mass, 0.0) / dt_h)
        return grid

    def _direct_grid(self, chain_span: float, theta_c: float) -> GridState:
        """The nodes of a reservoir's cells when the release enters it directly: they hit
        the end (and the start) of the release."""
        dur = self.release.duration_s
        dt = max(
            (dur + chain_span) / res.MAX_GRID,
            math.hypot(dur / res.DIRECT_RELEASE_STEPS, theta_c / res.DIRECT_CELL_STEPS),
        )
        if self.release.times_s:
            return GridState(0.0, _series_step(self.release.times_s, dt), np.zeros(0))
        if dur < dt:  # a short release: the first node at its end (the first cell's peak)
            return GridState(dur, dt, np.zeros(0))
        # nodes at the start and at the end of the release
        return GridState(0.0, dur / math.ceil(dur / dt), np.zeros(0))

    def direct_cells(self, seg: int, need: list[int]) -> dict[int, FloatArray]:
        """Cell outflows (kg/s on the inlet grid's nodes) of a release at the inlet itself.

        Pulse: M·(θ'/θ_c)ʲ·Erlang pdf(j, θ') ; box of duration T:
        (M/T)·(θ'/θ_c)ʲ·[P(j, t/θ') − P(j, (t−T)/θ')], 1/θ' = 1/θ_c + k.
        """
        h = self.hydraulics
        grid = self.inlets[seg]
        theta_c = float(h.theta_s[seg]) / max(int(h.n_cells[seg]), 1)
        theta_k = 1.0 / (1.0 / theta_c + self.release.decay_per_s)
        jmax = need[-1]
        dur = self.release.duration_s
        end = dur + theta_c * (jmax + 10.0 * math.sqrt(jmax) + 10.0)
        t = grid.t0_s + grid.dt_s * np.arange(int(math.ceil((end - grid.t0_s) / grid.dt_s)) + 1)
        if self.release.times_s:
            return self._direct_series_cells(t, theta_c, theta_k, need)
        pulse = dur < 1e-3 * theta_c
        x = t / theta_k
        xs = np.maximum(t - dur, 0.0) / theta_k
        term, term_s = np.exp(-x), np.exp(-xs)
        acc, acc_s = term.copy(), term_s.copy()
        out = {}
        want = set(need)
        for j in range(1, jmax + 1):
            factor = (theta_k / theta_c) ** j
            if j in want:
                if pulse:
                    out[j] = self.release.mass_kg * factor * term / theta_k
                else:
                    # P(j, x) - P(j, xs) = Q(j, xs) - Q(j, x), Q = Σ_{i<j} terms
                    out[j] = self.release.mass_kg / dur * factor * np.maximum(acc_s - acc, 0.0)
            term = term * x / j
            term_s = term_s * xs / j
            acc += term
            acc_s += term_s
        return out

    def _direct_series_cells(
        self, t: FloatArray, theta_c: float, theta_k: float, need: list[int]
    ) -> dict[int, FloatArray]:
        """:meth:`direct_cells` for a rate series: the boxes superposed,
        (θ'/θ_c)ʲ·Σ_i r_i·[Q(j, x_(i+1)) − Q(j, x_i)] with x_i = max(t − t_i, 0)/θ' and
        Q(j, x) = e^(−x)·Σ_(n<j) xⁿ/n!; the breakpoints are one array axis."""
        rel = self.release
        ts = np.asarray(rel.times_s, dtype=np.float64)
        rates = np.asarray(rel.rates_kg_s, dtype=np.float64)[:-1]
        x = np.maximum(t[None, :] - ts[:, None], 0.0) / theta_k
        term = np.exp(-x)
        acc = term.copy()
        out = {}
        want = set(need)
        for j in range(1, need[-1] + 1):
            if j in want:
                # Q at each piece's end minus Q at its start, weighted by its rate
                diff = acc[1:] - acc[:-1]
                out[j] = (theta_k / theta_c) ** j * np.maximum(rates @ diff, 0.0)
            term = term * x / j
            acc += term
        return out

    def cells_out(self, seg: int, cells: Sequence[int]) -> dict[int, GridState]:
        """Outflows of mixing cells ``cells`` (1-based) of reservoir segment ``seg``.

        Cell j's response is Erlang(j, θ_c) with decay, put on the grid's nodes with
        mass and mean kept exact (cells far shorter than a grid step are common);
        all requested cells are convolved with the inflow in one batched FFT and kept
        for later calls.
        """
        cache = self.cells.setdefault(seg, {})
        need = sorted({int(c) for c in cells} - cache.keys())
        if not need:
            return cache
        inflow = self.inlets[seg]
        if seg in self.direct:
            for c, row in self.direct_cells(seg, need).items():
                cache[c] = GridState(inflow.t0_s, inflow.dt_s, row)
            return cache
        h = self.hydraulics
        ncell = max(int(h.n_cells[seg]), 1)
        theta_c = float(h.theta_s[seg]) / ncell
        if theta_c <= 0:
            for c in need:
                cache[c] = inflow
            return cache
        theta_k = 1.0 / (1.0 / theta_c + self.release.decay_per_s)
        dt = inflow.dt_s
        jmax = need[-1]
        hi = theta_c * (jmax + 10.0 * math.sqrt(jmax) + 10.0)
        nb = int(math.ceil(hi / dt)) + 1
        weights = erlang_tent(need, np.arange(nb) * (dt / theta_k))
        kern = np.stack([weights[c] * (theta_k / theta_c) ** c for c in need])
        rows = convolve_rows(inflow.flux, kern)
        heads: list[GridState | None] = [None] * len(need)
        if inflow.head is not None:
            hd = inflow.head
            nh = hd.flux.size
            weights = erlang_tent(need, np.arange(nh) * (hd.dt_s / theta_k))
            kern = np.stack([weights[c] * (theta_k / theta_c) ** c for c in need])
            rows_h = convolve_rows(hd.flux, kern)[:, :nh]
            heads = [GridState(hd.t0_s, hd.dt_s, r) for r in rows_h]
        for c, row, hd_c in zip(need, rows, heads, strict=True):
            cache[c] = GridState(inflow.t0_s, dt, row, hd_c)
        return cache

    def outflow(self, seg: int, ncell: int) -> GridState:
        # every cell at once when there are few (intakes and profile stations ask later)
        out = self.cells_out(seg, range(1, ncell + 1) if ncell <= 16 else [ncell])[ncell]
        # drop the negligible tail to keep later convolutions small
        f = out.flux
        keep = np.flatnonzero(f >= 1e-9 * f.max()) if f.size and f.max() > 0 else np.array([0])
        a, b = max(int(keep[0]) - 1, 0), int(keep[-1]) + 1
        return GridState(out.t0_s + a * out.dt_s, out.dt_s, f[a:b].copy(), out.head)


"""1D advection–dispersion with first-order decay along a traced path.

Method (details and references in docs/model.md)
------------------------------------------------
Along a channel path made of segments with their own velocity u, dispersion D and
discharge Q, a cloud is described in *travel-time coordinates* by two additive moments
(the "frozen cloud" / variance-additive approach of the Rhine Alarm Model and ALAMO):

    tau(x) = Σ L_i / u_i                 mean travel time to x
    S(x)   = Σ 2·D_i·L_i / u_i³          variance of the passage time at x

For an instantaneous release of mass M the mass flux through x is

    F(t) = M · f(t; tau, S) · exp(-k t),
    f(t) = sqrt(tau / (2π S t)) · exp(-tau (t - tau)² / (2 S t)),

which on a uniform channel (tau = x/u, S = 2Dx/u³) is *exactly* the textbook solution
C = M/(A sqrt(4πDt)) · exp(-(x-ut)²/(4Dt)) · exp(-kt) with A = Q/u, since C = F/Q.
A release of duration T uses the closed-form time integral of f·exp(-kt) (erfc terms).
Concentration is F / Q_mix where Q_mix is the largest discharge met so far on the path:
inflows dilute (C scales with Q_up/Q_down); losing reaches remove water and pollutant
together and never concentrate it.

A reservoir segment is a chain of N continuously stirred tanks over its active volume
(Levenspiel). The inflow curve is put on a time grid and convolved with the chain's
impulse response (Erlang(j, θ) with decay); an intake in cell j sees the output of cell j.
Downstream of a reservoir the outflow curve is routed by convolving it with the channel
kernel f(t; tau_rel, S_rel) measured from the reservoir outlet.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

import webgis.hydro.transport.resolution as res
from webgis.hydro.hydraulics import PathHydraulics
from webgis.hydro.transport.curves import (
    Curve,
    Stats,
    curve_stats_rows,
    head_stats,
    trimmed_curves,
)
from webgis.hydro.transport.grid import (
    GridState,
    Group,
    GroupHead,
    Inflow,
    TransferSource,
    pulse_resolve_s,
)
from webgis.hydro.transport.release import Release
from webgis.hydro.transport.reservoir import ReservoirChains
from webgis.hydro.transport.routing import gridded_inflow, route, route_head
from webgis.hydro.transport.types import BoolArray, FloatArray, IntArray


@dataclass
class PlumeModel:
    """Transport of one release along one path with one set of hydraulics.

    Build it once per (path, hydraulics, release) and ask :meth:`curves` for any list of
    positions (metres from the spill point along the path).
    """

    hydraulics: PathHydraulics
    mass_kg: float
    duration_s: float = 0.0
    decay_per_s: float = 0.0
    # a gridded flux entering at the path start instead of the release (transfer builds)
    inflow: GridState | None = None
    # segment index -> the cached response below that reservoir's inlet (or None)
    transfer_at: Callable[[int], TransferSource | None] | None = field(default=None, repr=False)
    # a piecewise-constant rate series ((t s, kg/s), ..., last rate 0) instead of a constant
    # rate: ``mass_kg`` and ``duration_s`` must then be its integral and its last time
    rate_series: tuple[tuple[float, float], ...] = ()
    _anchor: int = field(init=False, default=-1, repr=False)
    _anchor_transfer: TransferSource | None = field(init=False, default=None, repr=False)
    _anchor_inflow: Inflow | None = field(init=False, default=None, repr=False)
    _release: Release = field(init=False, repr=False)
    _chains: ReservoirChains = field(init=False, repr=False)
    _q_mix: FloatArray = field(init=False, repr=False)
    _tau0: FloatArray = field(init=False, repr=False)
    _var0: FloatArray = field(init=False, repr=False)
    _state_of: IntArray = field(init=False, repr=False)
    _states: list[GridState | None] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not (self.mass_kg > 0 and math.isfinite(self.mass_kg)):
            raise ValueError("mass_kg must be a positive finite number")
        if self.duration_s < 0 or self.decay_per_s < 0:
            raise ValueError("duration and decay must not be negative")
        h = self.hydraulics
        n = h.length_m.size
        if self.rate_series:
            times, rates = zip(*self.rate_series, strict=True)
            self._release = Release.of_series(times, rates, self.decay_per_s)
            if not (math.isclose(self._release.mass_kg, self.mass_kg, rel_tol=1e-9)
                    and self._release.duration_s == self.duration_s):
                raise ValueError("mass_kg and duration_s must be the rate series' own")
        else:
            self._release = Release(self.mass_kg, self.duration_s, self.decay_per_s)
        self._chains = ReservoirChains(h, self._release)
        self._q_mix = np.maximum.accumulate(h.discharge_m3s) if n else np.zeros(0)
        self._tau0 = np.zeros(n)
        self._var0 = np.zeros(n)
        self._state_of = np.zeros(n, dtype=np.int64)
        # state 0: the analytic release at the spill point (or the given gridded inflow)
        self._states = [self.inflow]
        tau, var, state = 0.0, 0.0, 0
        for i in range(n):
            self._tau0[i], self._var0[i], self._state_of[i] = tau, var, state
            if (
                self.transfer_at is not None
                and i >= 1
                and (h.is_reservoir[i] or h.is_reservoir[i - 1])
                and self._anchor_at(i, state, tau, var)
            ):
                break  # everything from here on comes from a cached response
            if h.is_reservoir[i]:
                src = self._states[state]
                self._states.append(self._chains.add(i, src, tau, var, state == 0))
                state += 1
                tau, var = 0.0, 0.0
            else:
                u, d, length = h.velocity_mps[i], h.dispersion_m2s[i], h.length_m[i]
                tau += length / u
                var += 2.0 * d * length / u**3

    def nbytes(self) -> int:
        """Memory held by the gridded states and the reservoir cells (approximate)."""
        total = sum(st.flux.nbytes for st in self._states if st is not None)
        return total + self._chains.nbytes()

    def _anchor_at(self, seg: int, state: int, tau: float, var: float) -> bool:
        """Hand segment ``seg`` (a reservoir, or the channel below one) and everything
        below it to its cached transfer when the flux reaching its inlet is resolved on
        the transfer's grid; else keep computing.

        The inlet flux is the release routed through (tau, var) from the spill, or the
        gridded state ``state`` routed likewise; its front must span
        ``TRANSFER_RESOLVE_STEPS`` steps of the transfer's finest grid, or the pulse
        response's jump (a one-cell reservoir's outflow) would blur it.
        """
        h = self.hydraulics
        floor = res.TRANSFER_RESOLVE_STEPS * pulse_resolve_s(h, seg)
        src = self._states[state]
        if src is None:
            # the channel response's spread (a box release keeps fronts this sharp)
            if tau <= 0 or math.sqrt(var) < floor:
                return False
            inflow = self._release.inflow(tau, var)
        else:
            inflow = gridded_inflow(src, tau, var, self.decay_per_s)
            if inflow.front_s < floor:
                return False
        assert self.transfer_at is not None
        transfer = self.transfer_at(seg)
        if transfer is None or inflow.front_s < res.TRANSFER_RESOLVE_STEPS * transfer.resolve_dt_s:
            return False
        self._anchor, self._anchor_transfer, self._anchor_inflow = seg, transfer, inflow
        return True

    # -------------------------------------------------------------- public
    @property
    def anchor_m(self) -> float:
        """Where a cached transfer takes over (m from the spill), or inf."""
        return float(self.hydraulics.start_m[self._anchor]) if self._anchor >= 0 else math.inf

    def locate(self, position_m: float) -> tuple[int, float]:
        """(segment index, fraction along it) of a position on the path."""
        h = self.hydraulics
        i = int(np.searchsorted(h.start_m, position_m, side="right")) - 1
        i = min(max(i, 0), h.length_m.size - 1)
        length = h.length_m[i]
        frac = 0.0 if length <= 0 else (position_m - h.start_m[i]) / length
        return i, min(max(frac, 0.0), 1.0)

    def moments_at(self, position_m: float) -> tuple[float, float]:
        """Mean travel time (s) and passage-time variance (s²) at a position.

        Reservoir cells contribute j·θ_c and j·θ_c² (Erlang moments). Used for the
        horizon cut-off and for quick estimates, not for the reported curves.
        """
        h = self.hydraulics
        i, frac = self.locate(position_m)
        tau, var = 0.0, 0.0
        for s in range(i + 1):
            part = frac if s == i else 1.0
            if h.is_reservoir[s]:
                nc = max(int(h.n_cells[s]), 1)
                th = float(h.theta_s[s]) / nc
                cells = max(math.ceil(part * nc), 0) if s == i else nc
                tau += cells * th
                var += cells * th * th
            else:
                u, d = float(h.velocity_mps[s]), float(h.dispersion_m2s[s])
                length = float(h.length_m[s]) * part
                tau += length / u
                var += 2.0 * d * length / u**3
        return tau, var

    def curves(self, positions_m: Sequence[float] | FloatArray, npts: int = 160) -> list[Curve]:
        """Concentration–time curves at positions (m from the spill) along the path.

        Positions are grouped by what feeds them: the analytic release (closed form,
        vectorised), a reservoir's outflow (all positions routed in batched FFTs) or a
        mixing cell (one batched FFT per reservoir for all the cells asked for).
        """
        pos = np.asarray(positions_m, dtype=np.float64)
        _, got = self.evaluate(pos, np.ones(pos.size, dtype=bool), npts)
        return got  # type: ignore[return-value]

    def peaks(
        self, positions_m: Sequence[float] | FloatArray, npts: int = 40
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """(arrival h, peak time h, peak mg/L) at positions — what :meth:`curves` gives for
        them, without building the curves (the longitudinal profile needs no more)."""
        pos = np.asarray(positions_m, dtype=np.float64)
        stats, _ = self.evaluate(pos, np.zeros(pos.size, dtype=bool), stats_npts=npts)
        return stats

    def evaluate(
        self,
        positions_m: Sequence[float] | FloatArray,
        want_curve: BoolArray,
        npts: int = 160,
        stats_npts: int = 40,
    ) -> tuple[Stats, list[Curve | None]]:
        """Statistics at every position and the curve where ``want_curve`` is set.

        Returns ((arrival h, peak time h, peak mg/L) arrays, curves): one pass for a
        profile and the receptors together, so that each reservoir outflow is routed and
        each cell convolved once. Positions fed by the release itself are sampled with
        ``npts`` points where a curve is wanted and ``stats_npts`` elsewhere.
        """
        pos = np.asarray(positions_m, dtype=np.float64)
        want_curve = np.asarray(want_curve, dtype=bool)
        stats = np.full((3, pos.size), np.nan)
        curves: list[Curve | None] = [None] * pos.size
        if pos.size == 0:
            return (stats[0], stats[1], stats[2]), curves
        seg, cells, taus, varis = self._locate(pos)
        qs = self._q_mix[seg]
        near = np.ones(pos.size, dtype=bool)
        groups: list[Group] = []
        if self._anchor >= 0:
            # the inlet itself is this model's (a reservoir's first cell starts below it)
            near = pos <= float(self.hydraulics.start_m[self._anchor]) + 1e-6
            groups += self._anchor_groups(np.flatnonzero(~near), pos, seg, cells)
        gridded = np.array([s is not None for s in self._states])[self._state_of[seg]]
        groups += self._grid_groups(np.flatnonzero(near & (gridded | (cells >= 1))),
                                    seg, cells, taus, varis)
        for group in groups:
            self._group_results(group, qs, want_curve, stats, curves)
        # from the spill itself: closed form
        analytic = np.flatnonzero(near & ~gridded & (cells < 1))
        if analytic.size:
            a_tau, a_var = taus[analytic].copy(), varis[analytic].copy()
            for r in np.flatnonzero(a_tau <= 0).tolist():
                a_tau[r], a_var[r] = self._tiny_moments(int(seg[analytic[r]]))
            # where each passage is (the same for curves and statistics), then sampled
            lo, hi = self._release.zoom(a_tau, a_var)
            for flag, n in ((True, npts), (False, stats_npts)):
                n = self._series_npts(n)
                sel = np.flatnonzero(want_curve[analytic] == flag)
                if sel.size:
                    idx = analytic[sel]
                    t2, c2 = self._release.sampled(
                        a_tau[sel], a_var[sel], qs[idx], lo[sel], hi[sel], n
                    )
                    self._analytic_results(idx, t2, c2, flag, stats, curves)
        stats[:2] /= 3600.0
        return (stats[0], stats[1], stats[2]), curves

    def _series_npts(self, n: int) -> int:
        """Samples of a passage fed by the release itself: a rate series' passage has as
        many shoulders as pieces, so 8 more samples per piece (up to 1,000) keep its peak
        read within a fraction of a percent (a sampled peak is never above the true one:
        too few samples would be the unsafe side)."""
        pieces = len(self._release.times_s) - 1
        return n if pieces <= 0 else min(max(n, 40 + 8 * pieces), 1000)

    def _anchor_groups(
        self, far: IntArray, pos: FloatArray, seg: IntArray, cells: IntArray
    ) -> list[Group]:
        """Flux groups at positions ``far`` (below the anchor) from the cached transfer."""
        if far.size == 0:
            return []
        assert self._anchor_transfer is not None and self._anchor_inflow is not None
        a = self._anchor
        # segment and offset in the transfer's frame, cells decided in this one
        at = seg[far]
        offset = pos[far] - self.hydraulics.start_m[at]
        return [
            (far[sel], t0s, dt, rows, head)
            for sel, t0s, dt, rows, head in self._anchor_transfer.compose(
                at - a, offset, cells[far], self._anchor_inflow, self.decay_per_s
            )
        ]

    @staticmethod
    def _group_results(
        group: Group,
        qs: FloatArray,
        want_curve: BoolArray,
        stats: FloatArray,
        curves: list[Curve | None],
    ) -> None:
        """Statistics (into ``stats``, s) and wanted curves (into ``curves``) of a group
        of gridded fluxes, diluted into the discharges ``qs``."""
        idx, t0s, dt, rows, head = group
        c = rows * (res.MG_PER_KG_OVER_L_PER_M3 / qs[idx][:, None])
        got = curve_stats_rows(t0s, dt, c)
        fine: dict[int, tuple[FloatArray, float, FloatArray]] = {}
        if head is not None:
            which, (t0h, dth, ch) = head
            ch = ch * (res.MG_PER_KG_OVER_L_PER_M3 / qs[idx[which]][:, None])
            sub = head_stats((got[0][which], got[1][which], got[2][which]), dt, (t0h, dth, ch))
            for k in range(3):
                got[k][which] = sub[k]
            fine = {int(r): (t0h[[j]], dth, ch[[j]]) for j, r in enumerate(which.tolist())}
        for k in range(3):
            stats[k, idx] = got[k]
        wanted = np.flatnonzero(want_curve[idx]).tolist()
        sel = [r for r in wanted if r not in fine]
        for r, curve in zip(sel, trimmed_curves(t0s, dt, c, sel, got), strict=True):
            curves[int(idx[r])] = curve
        for r in wanted:
            if r in fine:
                one = (got[0][[r]], got[1][[r]], got[2][[r]])
                (curve,) = trimmed_curves(t0s[[r]], dt, c[[r]], [0], one, fine[r])
                curves[int(idx[r])] = curve

    @staticmethod
    def _analytic_results(
        idx: IntArray,
        t2: FloatArray,
        c2: FloatArray,
        want_curve: bool,
        stats: FloatArray,
        curves: list[Curve | None],
    ) -> None:
        """Statistics (into ``stats``, s) and, if wanted, curves of positions ``idx`` fed
        by the release itself (closed form, sampled at times ``t2``)."""
        arr, tp, cp = curve_stats_rows(t2[:, 0], t2[:, 1] - t2[:, 0], c2)
        stats[0, idx], stats[1, idx], stats[2, idx] = arr, tp, cp
        if want_curve:
            th = t2 / 3600.0
            arr_h, tp_h = (arr / 3600.0).tolist(), (tp / 3600.0).tolist()
            for r, p_i in enumerate(idx.tolist()):
                curves[p_i] = Curve(th[r], c2[r], arr_h[r], tp_h[r], float(cp[r]))

    def gridded(self, seg: IntArray, offset_m: FloatArray) -> list[GridState]:
        """The mass flux at points ``offset_m`` into segments ``seg`` as gridded curves
        (with their fine heads), for a model fed by a gridded ``inflow`` (a transfer);
        the ends below ``res.ROW_TRIM`` of the peak are dropped (a mass share of that
        order: a long exponential tail below a slow reservoir would otherwise be most of
        every later convolution)."""
        if self.inflow is None:
            raise ValueError("gridded() needs a model fed by a gridded inflow")
        seg = np.asarray(seg, dtype=np.int64)
        cells, taus, varis = self._within(seg, np.asarray(offset_m, dtype=np.float64))
        out: list[GridState | None] = [None] * seg.size
        for idx, t0s, dt, rows, head in self._grid_groups(
            np.arange(seg.size), seg, cells, taus, varis
        ):
            heads: dict[int, GridState] = {}
            if head is not None:
                which, (t0h, dth, ch) = head
                heads = {
                    int(r): GridState(float(t0h[j]), dth, ch[j].copy())
                    for j, r in enumerate(which.tolist())
                }
            for r, p in enumerate(idx.tolist()):
                row = rows[r]
                big = float(row.max()) if row.size else 0.0
                nz = np.flatnonzero(row > res.ROW_TRIM * big) if big > 0 else np.array([0])
                a, b = int(nz[0]), int(nz[-1]) + 1
                out[p] = GridState(float(t0s[r]) + a * dt, dt, row[a:b].copy(), heads.get(r))
        return out  # type: ignore[return-value]

    def _locate(self, pos: FloatArray) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
        """(segment, reservoir cell or 0, channel moments from the state feeding it) of
        every position."""
        h = self.hydraulics
        nseg = h.length_m.size
        seg = np.clip(np.searchsorted(h.start_m, pos, side="right") - 1, 0, nseg - 1)
        return (seg, *self._within(seg, pos - h.start_m[seg]))

    def _within(
        self, seg: IntArray, offset_m: FloatArray
    ) -> tuple[IntArray, FloatArray, FloatArray]:
        """(reservoir cell or 0, channel moments) of points ``offset_m`` into segments
        ``seg`` (a point on a cell boundary belongs to the upstream cell)."""
        h = self.hydraulics
        seg_len = h.length_m[seg]
        with np.errstate(invalid="ignore", divide="ignore"):
            fr = np.clip(np.where(seg_len > 0, offset_m / seg_len, 0.0), 0.0, 1.0)
        chan = ~h.is_reservoir[seg]
        part = np.where(chan, seg_len * fr, 0.0)
        u_s = h.velocity_mps[seg]
        taus = self._tau0[seg] + np.where(chan, part / u_s, 0.0)
        varis = self._var0[seg] + np.where(chan, 2.0 * h.dispersion_m2s[seg] * part / u_s**3, 0.0)
        ncs = np.maximum(h.n_cells[seg], 1)
        cells = np.where(chan, 0, np.minimum(np.ceil(fr * ncs - 1e-9), ncs)).astype(np.int64)
        return cells, taus, varis

    def _grid_groups(
        self,
        which: IntArray,
        seg: IntArray,
        cells: IntArray,
        taus: FloatArray,
        varis: FloatArray,
    ) -> list[Group]:
        """Gridded fluxes at positions ``which`` (inside a reservoir cell, or fed by a
        gridded state): groups of (position indices, row starts, step, fluxes kg/s, fine
        heads as (rows that have one, (starts, step, fluxes)) or None)."""
        groups: list[Group] = []
        # inside a reservoir: the output of the cell the point sits in
        in_cell = which[cells[which] >= 1]
        for s in np.unique(seg[in_cell]).tolist():
            idx = in_cell[seg[in_cell] == s]
            want = cells[idx].tolist()
            states = self._chains.cells_out(s, want)
            g = [states[c] for c in want]
            rows = np.zeros((idx.size, max(x.flux.size for x in g)))
            for r, x in enumerate(g):
                rows[r, : x.flux.size] = x.flux
            head: GroupHead | None = None
            hs = [x.head for x in g if x.head is not None]
            if len(hs) == len(g):
                head = (
                    np.arange(idx.size),
                    (np.array([x.t0_s for x in hs]), hs[0].dt_s, np.stack([x.flux for x in hs])),
                )
            groups.append((idx, np.array([x.t0_s for x in g]), g[0].dt_s, rows, head))

        # downstream of a reservoir (or of a gridded inflow): routed through the channel
        routed = which[cells[which] < 1]
        st_of = self._state_of[seg]
        for st in np.unique(st_of[routed]).tolist():
            idx = routed[st_of[routed] == st]
            src = self._states[st]
            assert src is not None
            routed_head = route_head(src, taus[idx], varis[idx], self.decay_per_s)
            hmap = np.full(idx.size, -1)
            if routed_head is not None:
                hmap[routed_head[0]] = np.arange(routed_head[0].size)
            for sel, t0s, dt, rows in route(src, taus[idx], varis[idx], self.decay_per_s):
                head = None
                if routed_head is not None:
                    got = np.flatnonzero(hmap[sel] >= 0)
                    hr = hmap[sel][got]
                    t0h, dth, ch = routed_head[2]
                    if got.size:
                        head = (got, (t0h[hr], dth, ch[hr]))
                groups.append((idx[sel], t0s, dt, rows, head))
        return groups

    def _tiny_moments(self, seg: int) -> tuple[float, float]:
        """Moments 1 m below the spill (the release point itself is singular)."""
        h = self.hydraulics
        u, d = float(h.velocity_mps[seg]), float(h.dispersion_m2s[seg])
        return 1.0 / u, 2.0 * d / u**3

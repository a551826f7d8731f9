"""Cached responses below reservoir inlets: most of a spill's path, computed once.

Transport is linear and time-invariant for a given season, case and set of
coefficients, and first-order decay acts on every parcel alike, so the flux anywhere
below a reservoir's inlet (or the inlet of the channel below a reservoir) is the inlet
flux convolved with the response to a unit pulse there, damped by exp(-k·t). That
response (a *transfer*) does not depend on the spill: it is computed once per (reach,
season, case, coefficients) over the whole network below, and each spill above it only
convolves its own inlet flux with it — one batched FFT per grid instead of re-running
every reservoir of a cascade (the Yellow River below Liujiaxia passes more than ten).
Rows are made per position on demand (receptors and the profile stations fixed below the
inlet recur from spill to spill).

:class:`PlumeModel` hands over to a transfer only when the inlet flux's front is
resolved on the transfer's finest grid (``TRANSFER_RESOLVE_STEPS``), so the result is
the direct computation's to within the grids' resolution (tests compare both with the
same transport on 16× finer grids).
"""

from __future__ import annotations

import math
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable

import numpy as np

import webgis.hydro.transport.resolution as res
from webgis.hydro.hydraulics import PathHydraulics
from webgis.hydro.transport.grid import (
    GridState,
    Group,
    Inflow,
    pulse_grid_s,
    pulse_resolve_s,
)
from webgis.hydro.transport.kernels import convolve_rows
from webgis.hydro.transport.model import PlumeModel
from webgis.hydro.transport.types import FloatArray, IntArray

# an inflow spanning more than _COMPOSE_STEPS steps of a row's grid is composed on a
# grid up to 2ᵏ times coarser; where its front spans fewer than _HEAD_STEPS steps of
# that grid, the start of the result again on a finer one (see Transfer.compose)
_COMPOSE_STEPS = 16.0
_HEAD_STEPS = 8.0
_HEAD_SPAN = 16
_MAX_HEAD_STEPS = 4096
DEFAULT_CACHE_BYTES = 256 * 2**20


class Transfer:
    """The response below a reach's inlet to a unit pulse there, without decay."""

    def __init__(self, hydraulics: PathHydraulics) -> None:
        if hydraulics.length_m.size == 0:
            raise ValueError("a transfer needs a path")
        dt = pulse_grid_s(hydraulics, 0)
        pulse = GridState(0.0, dt, np.array([1.0 / dt]))
        self.resolve_dt_s = pulse_resolve_s(hydraulics, 0)
        if hydraulics.is_reservoir[0]:
            head = np.zeros(res.PULSE_HEAD_STEPS * res.PULSE_HEAD_REFINE + 1)
            head[0] = 1.0 / self.resolve_dt_s
            pulse.head = GridState(0.0, self.resolve_dt_s, head)
        self.model = PlumeModel(hydraulics, 1.0, inflow=pulse)
        # (segment, -cell) inside a reservoir cell, else (segment, offset in mm)
        self._rows: dict[tuple[int, int], GridState] = {}
        self._lock = threading.Lock()

    def rows_at(self, seg: IntArray, offset_m: FloatArray, cells: IntArray) -> list[GridState]:
        """The pulse response at points ``offset_m`` into segments ``seg`` of this path,
        made once per point: a reservoir cell's outflow once per cell (``cells`` as the
        caller located them, so a point on a cell boundary stays in its cell), a channel
        point once per millimetre.

        Each row is computed on its own, at its key's position (the cell's middle, the
        millimetre itself), never in a batch with other points nor at the exact offset
        of whichever spill asked first: a batch sizes its grids and FFTs by its widest
        member, and a spill's offsets carry its own float noise, so a row would depend
        on which spills came first — a screening's results on its chunking, its order
        and its number of workers (``tests/integration/screening/
        test_screening_determinism.py``)."""
        rows = self._rows
        # (rint rounds half to even like round())
        sub = np.where(cells >= 1, -cells, np.rint(offset_m * 1000.0)).astype(np.int64)
        keys = list(zip(seg.tolist(), sub.tolist(), strict=True))
        todo = [k for k in dict.fromkeys(keys) if k not in rows]
        if todo:
            with self._lock:  # the model's own caches are not meant for two threads
                for k in todo:
                    if k not in rows:
                        rows[k] = self._row(*k)
        return [rows[k] for k in keys]

    def _row(self, seg: int, sub: int) -> GridState:
        """The response at one key of :meth:`rows_at`: a reservoir cell's outflow (``sub``
        = -cell; any point inside the cell, taken at its middle) or a channel point
        ``sub`` millimetres into the segment."""
        h = self.model.hydraulics
        if sub < 0:
            n_c = max(int(h.n_cells[seg]), 1)
            off = (-sub - 0.5) / n_c * float(h.length_m[seg])
        else:
            off = sub / 1000.0
        (got,) = self.model.gridded(np.array([seg], dtype=np.int64), np.array([off]))
        return got

    def compose(
        self,
        seg: IntArray,
        offset_m: FloatArray,
        cells: IntArray,
        inflow: Inflow,
        decay_per_s: float,
    ) -> list[Group]:
        """Flux groups (as the model's gridded groups, indices into the
        points, see :meth:`rows_at`) when ``inflow`` reaches the inlet and decays at
        ``decay_per_s``.

        Rows sharing grids are convolved with the inflow in one batched FFT. Each row is
        composed on its grid made up to 2ᵏ times coarser while that still resolves the
        inflow's overall time scale ``_COMPOSE_STEPS`` times (mass and mean kept), and,
        where that grid is coarse next to the inflow's front, again over the start of
        the result on a grid that resolves the front: the row's fine head if it holds
        the row's peak (or the row's grid is not coarsened), else its own grid,
        coarsened as far as the front allows. That fine head of the result is exact up
        to its end (the convolution is causal; see ``curves.head_stats``) and spans both
        curves' rise to their peaks and ``_HEAD_SPAN`` coarse steps more, in at most
        ``_MAX_HEAD_STEPS`` steps.
        """
        rows = self.rows_at(seg, offset_m, cells)
        rise_in = inflow.peak_s - inflow.origin_s
        batches: dict[tuple[float, int, HeadKey | None], list[int]] = {}
        for r, g in enumerate(rows):
            m = _coarsening(inflow.broad_s, g.dt_s)
            batches.setdefault((g.dt_s, m, _head_key(g, m, inflow, rise_in)), []).append(r)
        grids: dict[tuple[float, int | None], tuple[float, FloatArray]] = {}

        def on_grid(dt: float, steps: int | None = None) -> tuple[float, FloatArray]:
            got = grids.get((dt, steps))
            if got is None:
                got = grids[(dt, steps)] = inflow.on_grid(dt, max_steps=steps)
            return got

        out: list[Group] = []
        for (dt0, m, head_key), members in batches.items():
            gs = [rows[r].coarse(m) for r in members]
            dt = dt0 * m
            t0s = np.array([g.t0_s for g in gs])
            kern = _stack([g.flux for g in gs])
            _decay(kern, t0s, dt, decay_per_s)
            t_in, f_in = on_grid(dt)
            flux = convolve_rows(f_in, kern) * dt
            head = None
            if head_key is not None:
                use_head, mf, nh = head_key
                bases = [rows[r].head if use_head else rows[r] for r in members]
                hs = [b.coarse(mf) for b in bases if b is not None]
                dth = hs[0].dt_s
                t0h = np.array([h.t0_s for h in hs])
                kern_h = _stack([h.flux[:nh] for h in hs], width=nh)
                _decay(kern_h, t0h, dth, decay_per_s)
                th_in, fh_in = on_grid(dth, nh)
                fh = convolve_rows(fh_in, kern_h)[:, :nh] * dth
                head = (np.arange(len(members)), (t0h + th_in, dth, fh))
            out.append((np.array(members), t0s + t_in, dt, flux, head))
        return out

    def nbytes(self) -> int:
        """Memory held by the rows and the model's gridded states (approximate)."""
        total = 0
        for g in self._rows.values():
            total += g.flux.nbytes + (g.head.flux.nbytes if g.head is not None else 0)
        return total + self.model.nbytes()


# how the start of a composed row is computed again on a finer grid: (from the row's
# fine head rather than its own grid, coarsening of that grid, number of steps)
HeadKey = tuple[bool, int, int]


def _head_key(g: GridState, m: int, inflow: Inflow, rise_in: float) -> HeadKey | None:
    """The fine head of row ``g`` composed with ``inflow`` on its grid made ``m`` times
    coarser, or None where that grid resolves the result's front (see
    :meth:`Transfer.compose`)."""
    dt = g.dt_s * m
    # the result's front is at least as smooth as the row's, where the row's own grid
    # resolves it (a row without a fine head)
    front = inflow.front_s if g.head is not None else max(inflow.front_s, g.front)
    if front >= _HEAD_STEPS * dt:
        return None
    h = g.head
    # the row's head if it holds the row's peak, or if the row's grid is no finer than
    # the composition's anyway (it still holds the front)
    use_head = (
        h is not None
        and front < _HEAD_STEPS * g.dt_s
        and (m == 1 or h.t0_s + h.dt_s * (h.flux.size - 1) >= g.peak_s)
    )
    base = h if use_head and h is not None else g
    mf = _coarsening(front, base.dt_s)
    span = _HEAD_SPAN * dt + (g.peak_s - g.t0_s) + rise_in
    while span / (base.dt_s * mf) > _MAX_HEAD_STEPS:
        mf *= 2
    if base.dt_s * mf >= dt:
        return None
    # rounded up to a quarter octave, so that rows share batches
    nh = min(_bucket(int(span / (base.dt_s * mf)) + 1), _MAX_HEAD_STEPS)
    if use_head:  # a head is exact up to its own end only
        nh = min(nh, -(-base.flux.size // mf))
    return (use_head, mf, nh)


def _bucket(n: int) -> int:
    """``n`` rounded up to a quarter octave (n ≤ result < 1.25·n + 1)."""
    q = max(1 << max(n.bit_length() - 3, 0), 1)
    return -(-n // q) * q


def _coarsening(scale_s: float, dt_s: float) -> int:
    """The largest 2ᵏ by which a grid of step ``dt_s`` can be coarsened and still
    resolve a curve of time scale ``scale_s`` ``_COMPOSE_STEPS`` times."""
    if dt_s <= 0 or scale_s <= _COMPOSE_STEPS * dt_s:
        return 1
    return 1 << min(int(math.log2(scale_s / (_COMPOSE_STEPS * dt_s))), 30)


def _stack(rows: list[FloatArray], width: int | None = None) -> FloatArray:
    """Rows of different lengths as one zero-padded matrix."""
    out = np.zeros((len(rows), width or max(r.size for r in rows)))
    for i, r in enumerate(rows):
        out[i, : r.size] = r
    return out


def _decay(kern: FloatArray, t0s: FloatArray, dt: float, decay_per_s: float) -> None:
    """Damp rows sampled every ``dt`` from ``t0s`` by exp(-k·t), in place."""
    if decay_per_s > 0:
        kern *= np.exp(-decay_per_s * t0s)[:, None]
        kern *= np.exp(-decay_per_s * dt * np.arange(kern.shape[1]))[None, :]


class TransferCache:
    """Transfers by key, least recently used dropped beyond a memory budget."""

    def __init__(self, max_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        self.max_bytes = int(max_bytes)
        self._items: OrderedDict[Hashable, Transfer] = OrderedDict()
        self._lock = threading.Lock()
        self.builds = 0

    def get(self, key: Hashable, build: Callable[[], Transfer]) -> Transfer:
        with self._lock:
            got = self._items.get(key)
            if got is not None:
                self._items.move_to_end(key)
                return got
        made = build()
        with self._lock:
            got = self._items.setdefault(key, made)
            self._items.move_to_end(key)
            self.builds += 1
            self._trim()
        return got

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.builds = 0

    def nbytes(self) -> int:
        with self._lock:
            return sum(t.nbytes() for t in self._items.values())

    def _trim(self) -> None:
        total = sum(t.nbytes() for t in self._items.values())
        while total > self.max_bytes and len(self._items) > 1:
            _, old = self._items.popitem(last=False)
            total -= old.nbytes()

    def __len__(self) -> int:
        return len(self._items)


_CACHES: weakref.WeakKeyDictionary[object, TransferCache] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def install_cache(network: object, cache: TransferCache | None) -> None:
    """Use ``cache`` as the transfer cache of ``network`` from now on (None: forget the
    network's cache; the next :func:`cache_for` makes a fresh one)."""
    with _CACHES_LOCK:
        if cache is None:
            _CACHES.pop(network, None)
        else:
            _CACHES[network] = cache


def cache_for(network: object, max_bytes: int | None = None) -> TransferCache:
    """The transfer cache of a network (dropped with the network); ``max_bytes`` sets
    its budget."""
    with _CACHES_LOCK:
        got = _CACHES.get(network)
        if got is None:
            got = _CACHES[network] = TransferCache()
        if max_bytes is not None:
            got.max_bytes = int(max_bytes)
        return got

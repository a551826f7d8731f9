"""Gridded fluxes routed through channels (below a reservoir or a gridded inflow).

A routed curve is the gridded source convolved with the channel's response put on the
grid's nodes (hat weights: mass and mean exact), in one batched FFT per grid; far
positions take the source re-binned on a coarser grid (their response is wide).
"""

from __future__ import annotations

import numpy as np

import webgis.hydro.transport.resolution as res
from webgis.hydro.transport.curves import front_scale, sharpness
from webgis.hydro.transport.grid import GridState, Inflow
from webgis.hydro.transport.kernels import channel_cdf, channel_pdf, convolve_rows, tent_rows
from webgis.hydro.transport.types import FloatArray, IntArray

# a routed group: (row indices, start time of each row, step, fluxes)
Routed = tuple[IntArray, FloatArray, float, FloatArray]
# a routed fine head: (rows that have a head, their start times, (starts, step, fluxes))
RoutedHead = tuple[IntArray, FloatArray, tuple[FloatArray, float, FloatArray]]


def route(
    state: GridState, taus: FloatArray, varis: FloatArray, decay_per_s: float
) -> list[Routed]:
    """A gridded flux routed through channels of moments (tau, var), each on its grid.

    Returns groups (row indices, start time of each row, step, fluxes). A routed curve
    is at least as wide as its channel response, so it needs no step finer than
    1/``res.ROUTE_STEPS`` of the response's spread (nor than 1/32 of the source's own
    time scale, the rule the source was gridded with): far positions take the source
    re-binned onto a grid 2ᵏ times coarser (mass and mean kept) instead of responses
    thousands of fine steps wide.
    """
    taus = np.asarray(taus, dtype=np.float64)
    varis = np.asarray(varis, dtype=np.float64)
    live = (taus > 0) & (varis > 0)
    want = np.sqrt(np.where(live, varis, 0.0)) / res.ROUTE_STEPS
    with np.errstate(divide="ignore"):
        level = np.floor(np.log2(np.maximum(want / state.dt_s, 1.0))).astype(np.int64)
    level = np.where(live, np.minimum(level, 30), 0)
    out = []
    for lv in np.unique(level).tolist():
        idx = np.flatnonzero(level == lv)
        src = state.coarse(1 << lv)
        t0s, rows = route_rows(src, taus[idx], varis[idx], decay_per_s)
        out.append((idx, t0s, src.dt_s, rows))
    return out


def route_head(
    state: GridState, taus: FloatArray, varis: FloatArray, decay_per_s: float
) -> RoutedHead | None:
    """The fine head of a gridded flux routed to positions where it matters.

    Returns (rows that have a head, their start times, (starts, step, fluxes)) or
    None. A channel response ≥ 8 coarse steps wide smooths the coarse front enough;
    narrower ones get the head routed, on its grid and only over its span (the rows
    are exact up to their last sample since the responses are causal).
    """
    hd = state.head
    if hd is None:
        return None
    sel = np.flatnonzero(np.sqrt(np.maximum(varis, 0.0)) < 8.0 * state.dt_s)
    if sel.size == 0:
        return None
    n = hd.flux.size
    t0s, rows = route_rows(hd, taus[sel], varis[sel], decay_per_s, max_width=n)
    return sel, t0s, (t0s, hd.dt_s, rows[:, :n])


def route_rows(
    state: GridState,
    taus: FloatArray,
    varis: FloatArray,
    decay_per_s: float,
    max_width: int | None = None,
) -> tuple[FloatArray, FloatArray]:
    """A gridded flux routed through channels of moments (tau, var), one row each.

    Returns (start time of each row, fluxes): every row is the state's flux convolved
    with the channel response put on the grid's nodes (hat weights: mass and mean
    exact), shifted so that it starts where that response does (one batched FFT).
    """
    dt, k = state.dt_s, decay_per_s
    taus = np.asarray(taus, dtype=np.float64)
    varis = np.asarray(varis, dtype=np.float64)
    live = (taus > 0) & (varis > 0)
    safe_tau = np.where(live, taus, 1.0)
    safe_var = np.where(live, varis, 1.0)
    sigma = np.sqrt(safe_var)
    lo = np.maximum(safe_tau - 8.0 * sigma, 0.0)
    hi = safe_tau + 8.0 * sigma + 40.0 * safe_var / safe_tau
    j0 = np.floor(lo / dt).astype(np.int64)
    span = np.ceil(hi / dt).astype(np.int64) + 2 - j0
    if max_width is not None:  # only the first rows' samples are wanted
        span = np.minimum(span, max_width)
    nk = int(span[live].max()) if live.any() else 1
    kern = np.zeros((taus.size, nk))
    # responses narrow next to the step get a finer CDF (hat weights keep the mean);
    # smooth ones many steps wide take the density at the nodes with the hat
    # correction dt·(f + dt²f''/12) (the same weights to O(dt⁴), one exp per node)
    narrow = live & (sigma < 4.0 * dt)
    smooth = live & (sigma >= 8.0 * dt) & (safe_tau >= 4.0 * sigma)
    rows = np.flatnonzero(smooth)
    if rows.size:
        width = int(span[rows].max())
        t = (j0[rows, None] - 1 + np.arange(width + 2)[None, :]) * dt
        f = channel_pdf(t, safe_tau[rows, None], safe_var[rows, None], k)
        w = f[:, 1:-1] * (10.0 / 12.0 * dt) + (f[:, :-2] + f[:, 2:]) * (dt / 12.0)
        kern[rows, : min(width, nk)] = np.maximum(w, 0.0)[:, :nk]
    for rows, sub in (
        (np.flatnonzero(live & ~narrow & ~smooth), 1),
        (np.flatnonzero(narrow), 4),
    ):
        if rows.size == 0:
            continue
        width = int(span[rows].max())
        t = (j0[rows, None] - 1 + np.arange(sub * (width + 1) + 1)[None, :] / sub) * dt
        cdf = channel_cdf(np.maximum(t, 0.0), safe_tau[rows, None], safe_var[rows, None], k)
        kern[rows, : min(width, nk)] = tent_rows(cdf, dt, sub)[:, :nk]
    if not live.all():
        # at the state's own position (identity) or without dispersion (a pure shift)
        dead = np.flatnonzero(~live)
        at = np.maximum(taus[dead], 0.0) / dt
        j0[dead] = np.floor(at).astype(np.int64)
        frac = at - np.floor(at)
        decay = np.exp(-k * np.maximum(taus[dead], 0.0))
        kern[dead] = 0.0
        kern[dead, 0] = (1.0 - frac) * decay
        if nk > 1:
            kern[dead, 1] = frac * decay
    return state.t0_s + j0 * dt, convolve_rows(state.flux, kern)


def gridded_inflow(src: GridState, tau: float, var: float, decay_per_s: float) -> Inflow:
    """A gridded state's flux routed through channel moments (tau, var), its fine
    head (where it has one) spliced in front of the coarse samples."""
    head = None
    if tau > 0 or var > 0:
        ((_, t0s, dt, rows),) = route(src, np.array([tau]), np.array([var]), decay_per_s)
        t0, fl = float(t0s[0]), rows[0]
        routed = route_head(src, np.array([tau]), np.array([var]), decay_per_s)
        if routed is not None:
            t0h, dth, ch = routed[2]
            head = GridState(float(t0h[0]), dth, ch[0])
    else:
        t0, fl, dt = src.t0_s, src.flux, src.dt_s
        head = src.head
    big = float(fl.max()) if fl.size else 0.0
    nz = np.flatnonzero(fl > res.ROW_TRIM * big) if big > 0 else np.array([0])
    a, b = int(nz[0]), int(nz[-1]) + 1
    tt = t0 + dt * np.arange(a, b)
    fl = fl[a:b]
    cum_t = np.concatenate(([tt[0] - 0.5 * dt], tt + 0.5 * dt))
    cum = np.concatenate(([0.0], np.cumsum(fl * dt)))
    if head is not None and head.flux.size > 1:
        # the head is exact up to its end: its masses there, the coarse ones after
        th = head.t0_s + head.dt_s * np.arange(head.flux.size)
        end = float(th[-1]) + 0.5 * head.dt_s
        cum_h = np.concatenate(([0.0], np.cumsum(head.flux * head.dt_s)))
        after = cum_t > end
        joined = np.interp(end, cum_t, cum)
        cum_t = np.concatenate((th - 0.5 * head.dt_s, [end], cum_t[after]))
        cum = np.concatenate((cum_h, cum[after] - joined + cum_h[-1]))
        keep = tt > end
        tt = np.concatenate((th, tt[keep]))
        fl = np.concatenate((head.flux, fl[keep]))
    return Inflow(cum_t, cum, front_scale(tt, fl), sharpness(tt, fl), float(tt[0]))


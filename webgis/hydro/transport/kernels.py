"""Closed-form channel kernels and the convolution machinery of the transport.

A unit mass released into a channel of travel-time moments (tau, S) passes a point as
the flux f(t; tau, S) = sqrt(tau / (2π S t)) · exp(-tau (t - tau)² / (2 S t)) (see
:mod:`webgis.hydro.transport` and docs/model.md); its time integral is closed form in
erfc terms. Reservoir mixing cells respond as Erlang densities. Both are put on grid
nodes with hat-function weights (mass and mean exact) and convolved in batched FFTs.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from webgis.hydro.transport.types import FloatArray

_ERFC_COEFS = (
    0.17087277,
    -0.82215223,
    1.48851587,
    -1.13520398,
    0.27886807,
    -0.18628806,
    0.09678418,
    0.37409196,
    1.00002368,
)


# exp(x) below e^-600 (≈ 3e-261) is taken as 0: a flux or concentration that small is
# nothing, and numbers near the end of the float range (subnormals, underflow) cost the
# CPU ~100x more per operation than normal ones (see exp_floor).
EXP_FLOOR = -600.0


def exp_floor(x: FloatArray) -> FloatArray:
    """exp(x), with 0 where x < ``EXP_FLOOR`` (no underflow, no subnormal result; NaN
    stays NaN)."""
    x = np.asarray(x, dtype=np.float64)
    out = np.zeros(x.shape)
    np.exp(x, out=out, where=~(x < EXP_FLOOR))
    return out


def erfcx(x: FloatArray) -> FloatArray:
    """Scaled complementary error function exp(x²)·erfc(x) for x ≥ 0.

    Chebyshev fit of Numerical Recipes (Press et al. 2007, §6.2, ``erfccheb``-style),
    fractional error < 1.2e-7 everywhere, without overflow for large x.
    """
    t = 1.0 / (1.0 + 0.5 * x)
    # Horner's scheme in place (the same operations as poly = poly·t + c from 0)
    poly = np.full_like(t, _ERFC_COEFS[0])
    for coef in _ERFC_COEFS[1:]:
        poly *= t
        poly += coef
    poly *= t
    poly -= 1.26551223
    np.exp(poly, out=poly)
    poly *= t
    return poly


def exp_erfc(a: FloatArray, b: FloatArray) -> FloatArray:
    """exp(a)·erfc(b) without overflow or 0·inf (one erfcx evaluation); 0 below
    e^``EXP_FLOOR``."""
    ab = np.abs(b)
    r = erfcx(ab)
    with np.errstate(over="ignore", invalid="ignore"):
        ab *= ab  # (inf far from the front: the exponent is then -inf, e = 0)
        e = exp_floor(np.subtract(a, ab, out=ab))
    e *= r
    neg = b < 0
    if neg.any():
        # erfc(b) = 2 - erfc(-b) for b < 0 (there exp(a) stays finite: a is the first
        # term's exponent, ≤ 0, or the second's where b < 0 means t > tau·...)
        with np.errstate(over="ignore", invalid="ignore"):
            two = np.exp(np.broadcast_to(a, e.shape)[neg]) * 2.0
        e[neg] = two - e[neg]
    return e


def channel_pdf(t: FloatArray, tau: FloatArray, var: FloatArray, k: float = 0.0) -> FloatArray:
    """f(t; tau, S)·exp(-k t): flux response (1/s) to a unit instantaneous release."""
    t = np.asarray(t, dtype=np.float64)
    tt = np.maximum(t, 1e-300)
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        f = np.sqrt(tau / (2.0 * np.pi * var * tt)) * exp_floor(
            -tau * (tt - tau) ** 2 / (2.0 * var * tt) - k * tt
        )
    return np.where(t > 0, f, 0.0)


def channel_cdf(t: FloatArray, tau: FloatArray, var: FloatArray, k: float = 0.0) -> FloatArray:
    """∫₀ᵗ f(s; tau, S)·exp(-k s) ds in closed form (fraction of the mass passed by t).

    Uses the equivalent uniform channel u = 1, x = tau, D = S/(2 tau) and the classical
    result ½/w·[e^{x(u-w)/2D} erfc((x-wt)/2√(Dt)) - e^{x(u+w)/2D} erfc((x+wt)/2√(Dt))],
    w = sqrt(u² + 4kD).
    """
    t = np.asarray(t, dtype=np.float64)
    tt = np.maximum(t, 1e-300)
    d = var / (2.0 * tau)
    w = np.sqrt(1.0 + 4.0 * k * d)
    s = 2.0 * np.sqrt(d * tt)
    wt = w * tt
    first = exp_erfc(tau * (1.0 - w) / (2.0 * d), (tau - wt) / s)
    second = exp_erfc(tau * (1.0 + w) / (2.0 * d), (tau + wt) / s)
    g = (first - second) / (2.0 * w)
    return np.where(t > 0, np.clip(g, 0.0, None), 0.0)


def erlang_tent(cells: Sequence[int], nodes: FloatArray) -> dict[int, FloatArray]:
    """Erlang(j, 1) densities as weights on grid nodes, for each j in ``cells``.

    ``nodes`` are equally spaced times (in units of θ) starting at 0. The weights are the
    density integrated against the hat functions of linear interpolation — the second
    differences of G(x) = ∫₀ˣ P(j, s) ds = x·P(j, x) − j·P(j+1, x) — so that mass and
    mean are exact however narrow the density is next to the grid step.
    P(j, x) = 1 − Σ_{i<j} xⁱe⁻ˣ/i! is built by recurrence for all j at once.
    """
    h = float(nodes[1] - nodes[0])
    x = np.concatenate(([0.0], np.asarray(nodes, dtype=np.float64), [nodes[-1] + h]))
    want = set(cells)
    jmax = max(want)
    term = np.exp(-x)
    acc = term.copy()
    p_prev = np.clip(1.0 - acc, 0.0, 1.0)  # P(1, x)
    out: dict[int, FloatArray] = {}
    for i in range(1, jmax + 1):
        term = term * x / i
        acc += term
        p_next = np.clip(1.0 - acc, 0.0, 1.0)  # P(i+1, x)
        if i in want:
            g = x * p_prev - i * p_next
            g[0] = 0.0  # G at the node before 0
            out[i] = (g[2:] - 2.0 * g[1:-1] + g[:-2]) / h
        p_prev = p_next
    return out


def tent_rows(cdf: FloatArray, step: float, sub: int) -> FloatArray:
    """Hat-function weights on nodes from a CDF sampled ``sub`` times per step.

    ``cdf`` rows start one node before the first weight and end one node after the last;
    G = ∫F by the trapezoid rule, weights are its second differences over the nodes.
    """
    h = step / sub
    g = np.concatenate(
        (np.zeros((cdf.shape[0], 1)), np.cumsum(0.5 * h * (cdf[:, 1:] + cdf[:, :-1]), axis=1)),
        axis=1,
    )[:, ::sub]
    return np.maximum((g[:, 2:] - 2.0 * g[:, 1:-1] + g[:, :-2]) / step, 0.0)


@lru_cache(maxsize=256)
def fast_len(n: int) -> int:
    """Smallest 2ᵃ·3ᵇ·5ᶜ ≥ n (the sizes FFTs are fastest on)."""
    best = 1 << max(n - 1, 0).bit_length()
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            m = p35
            while m < n:
                m *= 2
            best = min(best, m)
            p35 *= 3
        p5 *= 5
    return best


def convolve_rows(x: FloatArray, kern: FloatArray) -> FloatArray:
    """Full linear convolution of ``x`` with every row of ``kern`` (one batched FFT)."""
    m, nk = kern.shape
    n = x.size + nk - 1
    if x.size * nk <= 4_096:
        out = np.empty((m, n))
        for r in range(m):
            out[r] = np.convolve(x, kern[r])
        return out
    nfft = fast_len(n)
    spec = np.fft.rfft(kern, nfft, axis=1)
    spec *= np.fft.rfft(x, nfft)[None, :]
    out = np.fft.irfft(spec, nfft, axis=1)[:, :n]
    return np.maximum(out, 0.0, out=out)


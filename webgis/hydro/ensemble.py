"""Uncertainty bands by Monte Carlo (issue 16, item 4).

Members draw the model's uncertain coefficients — channel velocity, dispersion,
reservoir active share, loss rates, and the released mass when it is uncertain — from
the distributions below (sources in docs/model.md §3d), or, after a calibration, from
its posterior (:meth:`Calibration.draw`; the coefficients it does not fit from their
priors here). Every member is evaluated at once by the closed-form surrogate
(:mod:`webgis.hydro.surrogate`); a member's arrival, peak time and peak at a receptor are
the full model's expected values times the member's surrogate ratio to the nominal set,
so the nominal set reproduces the deterministic forecast exactly and the band is the
spread the coefficients make around it. A member's curve is the expected curve
stretched in time by its peak-time ratio (shifted by its start) and scaled by its peak
ratio.

The safe-side worst case stays as it is computed; it is compared with the band: where
the P95 of the peak lies above it, or the P5 of the arrival before it, the worst case is
raised to the band's value and a note says so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from webgis.hydro.surrogate import Factors, StationMoments, arrival_peak

#: lognormal σ of the factors (median 1), see docs/model.md §3d
VELOCITY_SD_LN = 0.2
DISPERSION_SD_LN = math.log(4.0) / 2.0
LOSS_SD_LN = 0.5
#: reservoir active share × a log-uniform factor in this range (5–20 % around 10 %)
ACTIVE_SHARE_RANGE = (0.5, 2.0)
PERCENTILES = (5.0, 50.0, 95.0)
DEFAULT_MEMBERS = 200
MAX_MEMBERS = 5000
CURVE_POINTS = 80
#: the band must pass the worst case by more than this share (of the peak, of the
#: arrival time) to raise it: the surrogate's own accuracy (a box release's plateau,
#: sampled 240 times, is not an exceedance)
RAISE_TOLERANCE = 0.01


@dataclass(frozen=True, slots=True)
class Nominal:
    """The deterministic run the ensemble is centred on (natural units; start in h from
    the nominal release start, mass of the regulated species)."""

    mass_kg: float
    start_h: float = 0.0
    duration_h: float = 0.0
    velocity: float = 1.0
    dispersion: float = 1.0

    def factors(self) -> Factors:
        return Factors.of(self.mass_kg, self.start_h * 3600.0, self.duration_h * 3600.0,
                          self.velocity, self.dispersion)


def draw_prior(nominal: Nominal, n: int, rng: np.random.Generator,
               mass_sd_ln: float = 0.0) -> Factors:
    """``n`` members around ``nominal`` from the documented distributions."""
    ln_share = rng.uniform(math.log(ACTIVE_SHARE_RANGE[0]), math.log(ACTIVE_SHARE_RANGE[1]), n)
    return Factors.of(
        nominal.mass_kg * np.exp(rng.normal(0.0, mass_sd_ln, n)) if mass_sd_ln > 0
        else np.full(n, nominal.mass_kg),
        np.full(n, nominal.start_h * 3600.0),
        np.full(n, nominal.duration_h * 3600.0),
        nominal.velocity * np.exp(rng.normal(0.0, VELOCITY_SD_LN, n)),
        nominal.dispersion * np.exp(rng.normal(0.0, DISPERSION_SD_LN, n)),
        np.exp(ln_share),
        np.exp(rng.normal(0.0, LOSS_SD_LN, n)),
    )


def with_posterior(natural: np.ndarray, species_factor: float, n: int,
                   rng: np.random.Generator) -> Factors:
    """Members from a calibration's posterior (``natural``: (n, 5) draws in natural
    units: mass kg, start h, duration h, velocity and dispersion factors); the active
    share and loss factors, which the calibration does not fit, from their priors."""
    ln_share = rng.uniform(math.log(ACTIVE_SHARE_RANGE[0]), math.log(ACTIVE_SHARE_RANGE[1]), n)
    return Factors.of(natural[:, 0] * species_factor, natural[:, 1] * 3600.0,
                      natural[:, 2] * 3600.0, natural[:, 3], natural[:, 4],
                      np.exp(ln_share), np.exp(rng.normal(0.0, LOSS_SD_LN, n)))


@dataclass(frozen=True, slots=True)
class ReceptorBand:
    """P5/P50/P95 at one receptor (hours from the nominal release start), the worst case
    as computed and as raised, and the band on its curve."""

    arrival_h: tuple[float, float, float]
    peak_h: tuple[float, float, float]
    peak_conc_mgl: tuple[float, float, float]
    expected_arrival_h: float
    expected_peak_conc_mgl: float
    worst_arrival_h: float
    worst_peak_conc_mgl: float
    worst_raised: bool
    notes: tuple[str, ...]
    peak_raised: bool  # the P95 peak passed the worst case's
    arrival_raised: bool  # the P5 arrival came before the worst case's
    curve_h: tuple[float, ...]
    curve_mgl: tuple[tuple[float, float, float], ...]


@dataclass(frozen=True, slots=True)
class Expected:
    """The full model at one receptor: expected arrival, peak time, peak (h from the
    run's own start), its curve [[h, mg/L], ...], and the worst case's arrival and peak."""

    arrival_h: float
    peak_h: float
    peak_conc_mgl: float
    curve: Sequence[Sequence[float]]
    worst_arrival_h: float
    worst_peak_conc_mgl: float


def bands(st: StationMoments, nominal: Nominal, members: Factors,
          expected: Sequence[Expected], name_of: Sequence[str]) -> list[ReceptorBand | None]:
    """The band at every receptor (one row of ``st`` each; None where the plume does
    not reach it in the expected case)."""
    nom_f = nominal.factors()
    a0, p0, c0 = arrival_peak(st, nom_f)
    am, pm, cm = arrival_peak(st, members)
    start_m = members.start_s.reshape(-1, 1) / 3600.0
    start0 = nominal.start_h
    with np.errstate(invalid="ignore", divide="ignore"):
        r_arr = (am - start_m) / (a0 - start0)
        r_peak_t = (pm - start_m) / (p0 - start0)
        r_conc = cm / c0
    out: list[ReceptorBand | None] = []
    for j, ex in enumerate(expected):
        if not (math.isfinite(ex.arrival_h) and ex.peak_conc_mgl > 0 and c0[0, j] > 0):
            out.append(None)
            continue
        arr = start_m[:, 0] + ex.arrival_h * r_arr[:, j]
        pk_t = start_m[:, 0] + ex.peak_h * r_peak_t[:, j]
        pk = ex.peak_conc_mgl * r_conc[:, j]
        out.append(_band(arr, pk_t, pk, start_m[:, 0], r_peak_t[:, j], r_conc[:, j], ex,
                         start0, name_of[j]))
    return out


def _pct(v: np.ndarray) -> tuple[float, float, float]:
    p = np.nanpercentile(v, PERCENTILES)
    return float(p[0]), float(p[1]), float(p[2])


def _band(arr: np.ndarray, pk_t: np.ndarray, pk: np.ndarray, start_m: np.ndarray,
          r_t: np.ndarray, r_c: np.ndarray, ex: Expected, start0: float, name: str
          ) -> ReceptorBand:
    a, t, c = _pct(arr), _pct(pk_t), _pct(pk)
    w_arr = ex.worst_arrival_h + start0
    w_pk = ex.worst_peak_conc_mgl
    notes = []
    peak_up = arr_up = False
    if c[2] > w_pk * (1.0 + RAISE_TOLERANCE):
        notes.append(f"{name}: the ensemble's P95 peak {c[2]:.4g} mg/L exceeds the worst "
                     f"case {w_pk:.4g} mg/L; the worst case is raised to it")
        w_pk, peak_up = c[2], True
    if a[0] < w_arr - RAISE_TOLERANCE * max(abs(w_arr - start0), 0.0):
        notes.append(f"{name}: the ensemble's P5 arrival {a[0]:.2f} h is earlier than the "
                     f"worst case's {w_arr:.2f} h; the worst case is moved to it")
        w_arr, arr_up = a[0], True
    grid, curve = _curve_band(ex, start_m, r_t, r_c, start0)
    return ReceptorBand(
        arrival_h=a, peak_h=t, peak_conc_mgl=c, expected_arrival_h=ex.arrival_h + start0,
        expected_peak_conc_mgl=ex.peak_conc_mgl, worst_arrival_h=w_arr,
        worst_peak_conc_mgl=w_pk, worst_raised=peak_up or arr_up, notes=tuple(notes),
        peak_raised=peak_up, arrival_raised=arr_up,
        curve_h=grid, curve_mgl=curve)


def _curve_band(ex: Expected, start_m: np.ndarray, r_t: np.ndarray, r_c: np.ndarray,
                start0: float) -> tuple[tuple[float, ...], tuple[tuple[float, float, float], ...]]:
    """P5/P50/P95 of the members' curves on a common time grid (h from the nominal
    start): each member's curve is the expected one, times stretched by ``r_t`` after its
    start and values scaled by ``r_c``."""
    pts = np.asarray(ex.curve, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[0] < 2:
        return (), ()
    t, c = pts[:, 0], pts[:, 1]
    ok = np.isfinite(r_t) & np.isfinite(r_c) & (r_t > 0)
    if not ok.any():
        return (), ()
    lo = float(np.min(start_m[ok] + t[0] * r_t[ok]))
    hi = float(np.max(start_m[ok] + t[-1] * r_t[ok]))
    lo = min(lo, t[0] + start0)
    hi = max(hi, t[-1] + start0)
    grid = np.linspace(lo, hi, CURVE_POINTS)
    src = (grid[None, :] - start_m[ok, None]) / r_t[ok, None]
    vals = np.interp(src, t, c, left=0.0, right=0.0) * r_c[ok, None]
    q = np.percentile(vals, PERCENTILES, axis=0)
    return (tuple(float(g) for g in grid),
            tuple((float(a), float(b), float(d)) for a, b, d in zip(q[0], q[1], q[2], strict=True)))

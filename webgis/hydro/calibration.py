"""Calibration of a spill to measured concentrations (issue 16, item 3).

Fits five parameters — released mass, release start (offset from the nominal start),
duration, a channel velocity factor and a dispersion factor — to readings at one or
more stations by penalised least squares (a maximum a posteriori fit with bounded
priors, ``scipy.optimize.least_squares``), on the closed-form surrogate of
:mod:`webgis.hydro.surrogate`. The method and the priors are in docs/model.md §3c.

* Residuals are on the log scale, (ln(obs + ε) − ln(pred + ε))/σ with ε = 1 % of the
  largest reading (multiplicative measurement error; below ε a value has no shape).
* A value below the detection limit L is censored (Tobit): its term is
  −2·ln Φ((ln(L + ε) − ln(pred + ε))/σ), near 0 while the prediction is below L and
  growing once it exceeds it — never "0" or "L/2".
* σ is first taken as 0.2 (20 % measurement and mixing error), then estimated from the
  fit's residuals (RSS/(n − p)) and the fit repeated with it; confidence intervals use
  Student's t with n − p degrees of freedom, so a handful of readings gives wide ones.
* 95 % intervals from the Laplace approximation (the Gauss–Newton Hessian JᵀJ of the
  residuals including the prior terms) in the transformed space (log for positive
  parameters), clipped to the bounds.
* A parameter whose posterior standard deviation is more than 0.7 of its prior's (the
  readings narrow it by less than 30 %) is *not identified*: it is reported as such,
  fixed at its prior value and the others fitted again; its interval is the prior's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special, stats

from webgis.hydro.errors import HydroError
from webgis.hydro.readings import ReadingArrays
from webgis.hydro.surrogate import Factors, StationMoments, conc_mgl

NAMES = ("mass_kg", "start_h", "duration_h", "velocity_factor", "dispersion_factor")
UNITS = ("kg", "h", "h", "", "")
LOG = (True, False, True, True, True)
#: prior σ (transformed units) and bounds, see docs/model.md §3c for their sources
MASS_SD_LN = 1.0  # the reported mass is an estimate: a factor e (×7 at 95 %)
START_SD_H = 2.0  # the reported start: ± 4 h at 95 %
DURATION_SD_LN = 1.5
DURATION_MIN_H = 1.0 / 60.0
DURATION_MAX_H = 72.0
INSTANT_PRIOR_H = 0.25  # the duration prior's median when the release was reported instantaneous
VELOCITY_SD_LN = 0.2  # ≈ the spread of Jobson's (1996) travel-time predictions
VELOCITY_BOUNDS = (0.5, 2.0)
DISPERSION_SD_LN = math.log(4.0) / 2.0  # Fischer's "within a factor of about 4" as 2σ
DISPERSION_BOUNDS = (0.1, 10.0)
SIGMA0 = 0.2
SIGMA_MIN = 0.02
EPS_SHARE = 0.01
NOT_IDENTIFIED = 0.7


@dataclass(frozen=True, slots=True)
class Prior:
    """Prior of one parameter in the transformed space (log for positive ones)."""

    center: float
    sd: float
    lo: float
    hi: float


def default_priors(mass_kg: float, duration_h: float, *, mass_sd_ln: float = MASS_SD_LN,
                   start_sd_h: float = START_SD_H) -> tuple[Prior, ...]:
    """The priors around the reported release (docs/model.md §3c)."""
    if not (math.isfinite(mass_kg) and mass_kg > 0):
        raise HydroError("the reported mass must be > 0", {"mass_kg": mass_kg})
    dur = min(max(duration_h if duration_h > 0 else INSTANT_PRIOR_H, DURATION_MIN_H),
              DURATION_MAX_H)
    ln_m = math.log(mass_kg)
    return (
        Prior(ln_m, mass_sd_ln, ln_m - math.log(1000.0), ln_m + math.log(1000.0)),
        Prior(0.0, start_sd_h, -72.0, 24.0),
        Prior(math.log(dur), DURATION_SD_LN, math.log(DURATION_MIN_H), math.log(DURATION_MAX_H)),
        Prior(0.0, VELOCITY_SD_LN, *map(math.log, VELOCITY_BOUNDS)),
        Prior(0.0, DISPERSION_SD_LN, *map(math.log, DISPERSION_BOUNDS)),
    )


def natural(theta: np.ndarray) -> np.ndarray:
    """Transformed parameters (…, 5) -> natural units (kg, h, h, factor, factor)."""
    out = np.array(theta, dtype=np.float64, copy=True)
    for i, is_log in enumerate(LOG):
        if is_log:
            out[..., i] = np.exp(out[..., i])
    return out


def factors_of(theta: np.ndarray, species_factor: float = 1.0) -> Factors:
    """Surrogate parameter sets for transformed parameters shaped (…, 5)."""
    x = natural(theta)
    return Factors.of(x[..., 0] * species_factor, x[..., 1] * 3600.0, x[..., 2] * 3600.0,
                      x[..., 3], x[..., 4])


@dataclass(frozen=True, slots=True)
class ParameterFit:
    """A fitted parameter with its 95 % interval and its prior's (natural units)."""

    name: str
    unit: str
    value: float
    low: float
    high: float
    prior: float
    prior_low: float
    prior_high: float
    identified: bool
    at_bound: bool


@dataclass(frozen=True, slots=True)
class Residual:
    """One reading against the calibrated and the uncalibrated surrogate."""

    station: str
    km: float
    sampled_h: float
    observed_mg_l: float
    censored: bool
    fitted_mg_l: float
    prior_mg_l: float
    residual_ln: float  # ln(obs+ε) − ln(fit+ε); censored: only an excess over the limit


@dataclass(frozen=True, slots=True)
class Calibration:
    """The fit: parameters, residuals, σ, and the posterior (transformed space) to draw
    ensemble members from."""

    parameters: tuple[ParameterFit, ...]
    residuals: tuple[Residual, ...]
    sigma_ln: float
    dof: int
    n_detected: int
    n_censored: int
    rms_ln_fitted: float
    rms_ln_prior: float
    converged: bool
    mean: np.ndarray
    cov: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    notes: tuple[str, ...]

    def value(self, name: str) -> float:
        return next(p.value for p in self.parameters if p.name == name)

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` parameter sets (transformed, (n, 5)) from the Laplace posterior (the
        prior for parameters the readings do not identify), kept within the bounds."""
        z = rng.multivariate_normal(self.mean, self.cov, size=n, method="eigh")
        clipped: np.ndarray = np.clip(z, self.lo, self.hi)
        return clipped


class _Problem:
    """Residuals of the penalised least-squares problem for a free subset of params."""

    def __init__(self, st: StationMoments, ra: ReadingArrays, priors: Sequence[Prior],
                 species_factor: float) -> None:
        self.st, self.ra, self.priors, self.sf = st, ra, priors, species_factor
        self.center = np.array([p.center for p in priors])
        self.sd = np.array([p.sd for p in priors])
        self.eps = EPS_SHARE * float(ra.value_mg_l[~ra.censored].max())
        self.ln_obs = np.log(ra.value_mg_l + self.eps)
        self.ln_lim = np.log(ra.limit_mg_l + self.eps)

    def predict(self, theta: np.ndarray) -> np.ndarray:
        f = factors_of(theta[..., None, :], self.sf)
        return conc_mgl(self.st, f, self.ra.station, self.ra.t_s)

    def data_terms(self, theta: np.ndarray, sigma: float) -> np.ndarray:
        """Per reading: the signed residual (detected) or √(−2 ln Φ(z)) (censored)."""
        ln_pred = np.log(self.predict(theta) + self.eps)
        det = (self.ln_obs - ln_pred) / sigma
        z = (self.ln_lim - ln_pred) / sigma
        cen = np.sqrt(np.maximum(-2.0 * special.log_ndtr(z), 0.0))
        out: np.ndarray = np.where(self.ra.censored, cen, det)
        return out

    def full(self, x: np.ndarray, free: np.ndarray) -> np.ndarray:
        theta = self.center.copy()
        theta[free] = x
        return theta

    def jacobian(self, x: np.ndarray, free: np.ndarray, sigma: float) -> np.ndarray:
        """Forward differences, every parameter's step in one batched evaluation (the
        surrogate costs per call, not per reading)."""
        theta = self.full(x, free)
        idx = np.flatnonzero(free)
        step = 1e-6 * np.maximum(np.abs(theta[idx]), 1.0)
        batch = np.repeat(theta[None, :], idx.size + 1, axis=0)
        batch[np.arange(1, idx.size + 1), idx] += step
        d = self.data_terms(batch, sigma)
        jd = ((d[1:] - d[0]) / step[:, None]).T
        jp = np.diag(1.0 / self.sd[idx])
        out: np.ndarray = np.vstack((jd, jp))
        return out

    def residuals(self, x: np.ndarray, free: np.ndarray, sigma: float) -> np.ndarray:
        theta = self.full(x, free)
        prior = (theta[free] - self.center[free]) / self.sd[free]
        return np.concatenate((self.data_terms(theta, sigma), prior))


def calibrate(st: StationMoments, ra: ReadingArrays, priors: Sequence[Prior],
              species_factor: float = 1.0) -> Calibration:
    """Fit the readings ``ra`` at the stations ``st`` (built for ``ra.station_km``)."""
    prob = _Problem(st, ra, priors, species_factor)
    lo = np.array([p.lo for p in priors])
    hi = np.array([p.hi for p in priors])
    free = np.ones(len(NAMES), dtype=bool)
    start = _first_guess(prob, lo, hi)
    x, sigma, cov, ok, dof = _fit(prob, start, free, lo, hi)
    theta = prob.full(x, free)
    sd_ratio = np.sqrt(np.clip(np.diag(cov), 0.0, None)) / prob.sd[free]
    weak = np.flatnonzero(free)[sd_ratio > NOT_IDENTIFIED]
    if weak.size:
        free[weak] = False
        x, sigma, cov, ok, dof = _fit(prob, theta[free], free, lo, hi)
        theta = prob.full(x, free)
    q = float(stats.t.ppf(0.975, max(dof, 1)))
    full_cov = np.diag(prob.sd**2)
    full_cov[np.ix_(free, free)] = cov * (q / 1.96) ** 2  # draws as wide as the intervals
    params = _parameters(theta, full_cov, free, 1.96, priors, lo, hi)
    resid = _residuals(prob, theta, ra)
    det = ~ra.censored
    notes = tuple(
        f"{NAMES[i]}: not identified by the readings (they narrow its prior by less than "
        f"{100 * (1 - NOT_IDENTIFIED):.0f} %); its prior is kept" for i in np.flatnonzero(~free))
    return Calibration(
        parameters=params, residuals=resid, sigma_ln=sigma, dof=dof,
        n_detected=int(det.sum()), n_censored=int((~det).sum()),
        rms_ln_fitted=_rms([r.residual_ln for r in resid]),
        rms_ln_prior=_rms(list(prob.ln_obs[det]
                               - np.log(prob.predict(prob.center)[det] + prob.eps))),
        converged=ok, mean=theta, cov=full_cov, lo=lo, hi=hi, notes=notes)


#: starts of the local fit: the best grid points (distinct passages) of _first_guesses
STARTS = 4
#: rms of the log residuals under which a local fit needs no other start (≈ 30 %)
GOOD_FIT_LN = 0.3


def _first_guess(prob: _Problem, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The best local fit (σ = 0.2, all parameters free) from the :data:`STARTS` best
    points of a grid of starts, velocities and dispersions (the mass matched to the
    readings' level at each): the passage of a plume through a few readings has local
    minima (the wrong side of a peak), which one local fit from the prior can fall into."""
    c = prob.center
    grid = np.array(np.meshgrid(
        c[1] + prob.sd[1] * np.linspace(-3.0, 3.0, 13),
        np.log(np.geomspace(VELOCITY_BOUNDS[0], VELOCITY_BOUNDS[1], 11)),
        np.log([0.3, 1.0, 3.0]), indexing="ij")).reshape(3, -1).T
    theta = np.repeat(c[None, :], grid.shape[0], axis=0)
    theta[:, 1], theta[:, 3], theta[:, 4] = grid[:, 0], grid[:, 1], grid[:, 2]
    det = ~prob.ra.censored
    ln_pred = np.log(prob.predict(theta)[:, det] + prob.eps)
    theta[:, 0] += np.mean(prob.ln_obs[det] - ln_pred, axis=1)
    theta = np.clip(theta, lo, hi)
    cost = np.sum(prob.data_terms(theta, SIGMA0) ** 2, axis=1)
    free = np.ones(len(NAMES), dtype=bool)
    best, best_cost = theta[int(np.argmin(cost))], math.inf
    for k in np.argsort(cost)[:STARTS]:
        x0 = np.clip(theta[k], lo + 1e-9, hi - 1e-9)
        sol = optimize.least_squares(prob.residuals, x0, jac=prob.jacobian, bounds=(lo, hi),
                                     args=(free, SIGMA0), method="trf", x_scale=prob.sd,
                                     max_nfev=200)
        if sol.cost < best_cost:
            best, best_cost = sol.x, float(sol.cost)
        r = prob.data_terms(sol.x, SIGMA0)[det] * SIGMA0
        if float(np.sqrt(np.mean(r**2))) <= GOOD_FIT_LN:
            break  # the readings are met as closely as they are measured: no other start
    out: np.ndarray = best
    return out


def _fit(prob: _Problem, x0: np.ndarray, free: np.ndarray, lo: np.ndarray, hi: np.ndarray
         ) -> tuple[np.ndarray, float, np.ndarray, bool, int]:
    """Fit with σ = 0.2, estimate σ from the residuals, fit again: (x, σ, cov, ok, dof)."""
    det = ~prob.ra.censored
    p = int(free.sum())
    dof = int(det.sum()) - p
    x = np.clip(x0, lo[free] + 1e-9, hi[free] - 1e-9)
    sigma = SIGMA0
    sol = None
    for _ in range(2):
        try:
            sol = optimize.least_squares(prob.residuals, x, jac=prob.jacobian,
                                         bounds=(lo[free], hi[free]),
                                         args=(free, sigma), method="trf",
                                         x_scale=prob.sd[free], max_nfev=400)
        except ValueError as exc:  # residuals not finite: readings no curve can reach
            raise HydroError("the readings cannot be fitted: no release of this spill "
                             "reproduces them", {"readings": "cannot be fitted"}) from exc
        x = sol.x
        if dof <= 0:
            break
        r = prob.data_terms(prob.full(x, free), sigma)[det] * sigma
        sigma = max(math.sqrt(float(np.sum(r**2)) / dof), SIGMA_MIN)
    assert sol is not None
    jac = prob.jacobian(x, free, sigma) if p else np.zeros((0, 0))
    cov = np.linalg.pinv(jac.T @ jac) if p else np.zeros((0, 0))
    if not np.all(np.isfinite(cov)):
        raise HydroError("the readings cannot be fitted: no release of this spill "
                         "reproduces them", {"readings": "cannot be fitted"})
    return x, sigma, cov, bool(sol.success), max(dof, 0)


def _parameters(theta: np.ndarray, cov: np.ndarray, free: np.ndarray, q: float,
                priors: Sequence[Prior], lo: np.ndarray, hi: np.ndarray
                ) -> tuple[ParameterFit, ...]:
    out = []
    for i, name in enumerate(NAMES):
        pr = priors[i]
        sd = math.sqrt(max(float(cov[i, i]), 0.0))
        half = q * sd if free[i] else 1.96 * pr.sd
        val = float(theta[i])
        band = (max(val - half, lo[i]), min(val + half, hi[i]))
        pband = (max(pr.center - 1.96 * pr.sd, lo[i]), min(pr.center + 1.96 * pr.sd, hi[i]))
        tr = math.exp if LOG[i] else float
        out.append(ParameterFit(
            name=name, unit=UNITS[i], value=tr(val), low=tr(band[0]), high=tr(band[1]),
            prior=tr(pr.center), prior_low=tr(pband[0]), prior_high=tr(pband[1]),
            identified=bool(free[i]),
            at_bound=bool(free[i]) and bool(val - lo[i] < 1e-3 or hi[i] - val < 1e-3)))
    return tuple(out)


def _residuals(prob: _Problem, theta: np.ndarray, ra: ReadingArrays) -> tuple[Residual, ...]:
    fit = prob.predict(theta)
    pri = prob.predict(prob.center)
    ln_fit = np.log(fit + prob.eps)
    r = np.where(ra.censored, -np.maximum(ln_fit - prob.ln_lim, 0.0), prob.ln_obs - ln_fit)
    return tuple(
        Residual(station=ra.station_names[int(ra.station[i])],
                 km=float(ra.station_km[int(ra.station[i])]), sampled_h=float(ra.t_s[i]) / 3600,
                 observed_mg_l=float(ra.value_mg_l[i]), censored=bool(ra.censored[i]),
                 fitted_mg_l=float(fit[i]), prior_mg_l=float(pri[i]), residual_ln=float(r[i]))
        for i in range(ra.t_s.size))


def _rms(values: Sequence[float]) -> float:
    v = np.asarray(values, dtype=np.float64)
    return float(np.sqrt(np.mean(v**2))) if v.size else math.nan

"""A forecast that learns (issue 16, items 3 and 4), end to end and pure: the spill's
forecast, readings placed on its path, the calibration, the re-forecast with the fitted
values, and the ensemble around either.

The full model (:func:`~webgis.hydro.incident.run_incident`) makes every reported
number; the surrogate (:mod:`webgis.hydro.surrogate`) only fits and spreads the
coefficients. Times are hours after the *nominal* release start (the one reported): a
fitted start offset moves the calibrated forecast's times by that much.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from webgis.hydro import calibration as cal
from webgis.hydro import ensemble as ens
from webgis.hydro.errors import HydroError
from webgis.hydro.hydraulics import DEFAULT_PARAMS, HydraulicParams, path_hydraulics
from webgis.hydro.incident import run_incident
from webgis.hydro.inputs import PollutantInput, ReceptorInput, ReleaseInput
from webgis.hydro.losses import reach_loss_per_s
from webgis.hydro.network import PathSegment, RiverNetwork, Snap
from webgis.hydro.readings import Reading, validate_readings
from webgis.hydro.results import PathStep, PlumeResult
from webgis.hydro.surrogate import StationMoments, station_moments


@dataclass(frozen=True)
class SpillCase:
    """What a forecast of the spill needs (the service fills it from the database)."""

    network: RiverNetwork
    snap: Snap
    pollutant: PollutantInput
    release: ReleaseInput
    season: str = "normal"
    horizon_h: float = 72.0
    receptors: Sequence[ReceptorInput] = ()
    run_options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def species_factor(self) -> float:
        f = self.pollutant.species_factor
        return f if 0 < f <= 1 else 1.0

    def forecast(self, params: HydraulicParams = DEFAULT_PARAMS,
                 release: ReleaseInput | None = None) -> PlumeResult:
        """The full model's forecast (times from the release start)."""
        return run_incident(self.network, self.snap, self.pollutant, release or self.release,
                            self.season, self.horizon_h, self.receptors, params=params,
                            **dict(self.run_options))


def segments_of(steps: Sequence[PathStep]) -> list[PathSegment]:
    """The reported path as trace segments (what the hydraulics take)."""
    return [PathSegment(s.reach_idx, s.reach_code, s.river_code, s.from_measure,
                        s.to_measure, s.from_km, s.to_km) for s in steps]


def km_on_path(steps: Sequence[PathStep], reach_idx: int, measure: float) -> float | None:
    """Distance below the spill of a point (reach, measure) on the path, or None when the
    path does not pass it (upstream of the spill, on another river, beyond the end)."""
    for s in steps:
        if s.reach_idx == reach_idx and s.from_measure - 1e-9 <= measure <= s.to_measure + 1e-9:
            span = s.to_measure - s.from_measure
            share = 0.0 if span <= 0 else (measure - s.from_measure) / span
            return s.from_km + share * (s.to_km - s.from_km)
    return None


def moments_at(case: SpillCase, result: PlumeResult, km: Sequence[float] | np.ndarray,
               params: HydraulicParams = DEFAULT_PARAMS) -> StationMoments:
    """The surrogate's moments at ``km`` along ``result``'s path (expected case, with the
    expected case's loss rates; a floating oil's are none)."""
    segs = segments_of(result.path)
    hyd = path_hydraulics(case.network, segs, case.season, "expected", params)
    if case.pollutant.behaviour == "floats":
        k = np.zeros(len(segs))
    else:
        k = reach_loss_per_s(case.network, segs, hyd, case.pollutant, case.season, params)
    return station_moments(hyd, k, km, params.dispersion_min_m2s)


@dataclass(frozen=True)
class Calibrated:
    """The uncalibrated and the calibrated forecast, and the fit between them."""

    uncalibrated: PlumeResult
    calibrated: PlumeResult
    calibration: cal.Calibration
    params: HydraulicParams

    @property
    def start_h(self) -> float:
        return self.calibration.value("start_h")


def calibrate_spill(case: SpillCase, readings: Sequence[Reading], uncalibrated: PlumeResult,
                    now_h: float | None = None, mass_sd_ln: float = cal.MASS_SD_LN,
                    start_sd_h: float = cal.START_SD_H) -> Calibrated:
    """Fit ``readings`` (placed on ``uncalibrated``'s path) and forecast again."""
    if case.pollutant.behaviour == "floats":
        raise HydroError("calibration of a floating oil is not supported: its slick and "
                         "dissolved part are not one concentration to fit",
                         {"pollutant": case.pollutant.code})
    path_km = uncalibrated.path[-1].to_km if uncalibrated.path else 0.0
    ra = validate_readings(readings, now_h, path_km)
    st = moments_at(case, uncalibrated, ra.station_km)
    priors = cal.default_priors(case.release.mass_kg, case.release.duration_h,
                                mass_sd_ln=mass_sd_ln, start_sd_h=start_sd_h)
    fit = cal.calibrate(st, ra, priors, case.species_factor)
    params = replace(DEFAULT_PARAMS, velocity_factor=fit.value("velocity_factor"),
                     dispersion_factor=fit.value("dispersion_factor"))
    release = ReleaseInput(fit.value("mass_kg"), fit.value("duration_h"))
    return Calibrated(uncalibrated, case.forecast(params, release), fit, params)


def expected_of(result: PlumeResult) -> list[ens.Expected]:
    """Each receptor's expected values and worst case, as the ensemble takes them."""
    return [ens.Expected(r.arrival_h, r.peak_h, r.peak_conc_mgl, r.curve, r.worst.arrival_h,
                         r.worst.peak_conc_mgl) for r in result.receptors]


@dataclass(frozen=True)
class Ensemble:
    """Bands at the receptors of ``result`` (the forecast they are centred on)."""

    result: PlumeResult
    bands: list[ens.ReceptorBand | None]
    members: int
    calibrated: bool
    start_h: float

    @property
    def notes(self) -> list[str]:
        return [n for b in self.bands if b is not None for n in b.notes]


def ensemble_spill(case: SpillCase, members: int = ens.DEFAULT_MEMBERS, seed: int = 0,
                   mass_sd_ln: float = 0.0, result: PlumeResult | None = None,
                   calibrated: Calibrated | None = None) -> Ensemble:
    """The Monte Carlo bands of the forecast (``result``, else computed), or of the
    calibrated forecast, drawn from its posterior."""
    if not 1 <= members <= ens.MAX_MEMBERS:
        raise HydroError("members must be between 1 and %(max)d", {"members": members},
                         params={"max": ens.MAX_MEMBERS})
    rng = np.random.default_rng(seed)
    if calibrated is not None:
        res = calibrated.calibrated
        fit = calibrated.calibration
        nominal = ens.Nominal(fit.value("mass_kg") * case.species_factor, fit.value("start_h"),
                              fit.value("duration_h"))
        draws = cal.natural(fit.draw(members, rng))
        # a poorly soluble release lasts at least as long as the water needs to dissolve it
        draws[:, 2] = np.maximum(draws[:, 2], _effective_duration_h(res, nominal.duration_h))
        nominal = replace(nominal, duration_h=_effective_duration_h(res, nominal.duration_h))
        # velocity and dispersion of the draws relative to the fitted run's
        draws[:, 3] /= fit.value("velocity_factor")
        draws[:, 4] /= fit.value("dispersion_factor")
        params = calibrated.params
        f = ens.with_posterior(draws, case.species_factor, members, rng)
    else:
        res = result if result is not None else case.forecast()
        nominal = ens.Nominal(case.release.mass_kg * case.species_factor, 0.0,
                              _effective_duration_h(res, case.release.duration_h))
        params = DEFAULT_PARAMS
        f = ens.draw_prior(nominal, members, rng, mass_sd_ln)
    st = moments_at(case, res, [r.river_km for r in res.receptors], params)
    got = ens.bands(st, nominal, f, expected_of(res), [r.name for r in res.receptors])
    return Ensemble(res, got, members, calibrated is not None, nominal.start_h)


def _effective_duration_h(result: PlumeResult, duration_h: float) -> float:
    """The release's duration as the model ran it: lengthened to the dissolution time
    where the release as given would exceed the solubility near the source."""
    got = result.model.coefficients.get("dissolution_duration_h")
    return max(float(got), duration_h) if isinstance(got, int | float) else duration_h

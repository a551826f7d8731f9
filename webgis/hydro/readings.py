"""Measured concentrations along the path of a spill, as the calibration takes them.

A reading is located by its station's distance below the spill along the traced path
(the service places stations on the path; one not on it is refused there) and timed in
hours after the *nominal* release start (the start the officer entered, or the
discovery time). Values below a detection limit are censored data: they say "less than
the limit", not "zero" or "half the limit".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from webgis.hydro.errors import HydroError

#: fewest readings above the detection limit a fit is tried with (two shape parameters
#: of a pulse, its size and its time need at least three numbers)
MIN_DETECTED = 3


@dataclass(frozen=True, slots=True)
class Reading:
    """One measured value at a station below the spill."""

    station: str
    km: float  # distance below the spill along the path
    sampled_h: float  # hours after the nominal release start
    value_mg_l: float
    below_detection: bool = False
    detection_limit_mg_l: float | None = None

    @property
    def censor_mg_l(self) -> float:
        """The limit a censored value lies below (its detection limit, else its value)."""
        lim = self.detection_limit_mg_l
        return float(lim) if lim is not None and lim > 0 else float(self.value_mg_l)


@dataclass(frozen=True, slots=True)
class ReadingArrays:
    """The readings as arrays (one row each), stations numbered 0..n_st-1."""

    station_km: np.ndarray  # per station
    station_names: tuple[str, ...]
    station: np.ndarray  # per reading: index into station_km
    t_s: np.ndarray
    value_mg_l: np.ndarray
    censored: np.ndarray
    limit_mg_l: np.ndarray

    @property
    def n_detected(self) -> int:
        return int((~self.censored).sum())


def validate_readings(readings: Sequence[Reading], now_h: float | None = None,
                      path_km: float | None = None) -> ReadingArrays:
    """Check the readings and turn them into arrays; every error names the reading
    (``readings[i].field``) and says what is wrong or missing."""
    if not readings:
        raise HydroError("calibration needs readings: none given", {"readings": "empty"})
    for i, r in enumerate(readings):
        _check_one(i, r, now_h, path_km)
    detected = sum(not r.below_detection for r in readings)
    if detected < MIN_DETECTED:
        raise HydroError(
            "calibration needs at least %(need)d readings above the detection limit; got "
            "%(got)d (and %(censored)d below it): add readings taken while the plume "
            "passes a station",
            {"readings": f"{detected} above the detection limit, {MIN_DETECTED} needed"},
            params={"need": MIN_DETECTED, "got": detected,
                    "censored": len(readings) - detected})
    names: list[str] = []
    km_of: dict[str, float] = {}
    for r in readings:
        if r.station not in km_of:
            km_of[r.station] = r.km
            names.append(r.station)
    return ReadingArrays(
        station_km=np.array([km_of[n] for n in names]),
        station_names=tuple(names),
        station=np.array([names.index(r.station) for r in readings], dtype=np.int64),
        t_s=np.array([r.sampled_h * 3600.0 for r in readings]),
        value_mg_l=np.array([float(r.value_mg_l) for r in readings]),
        censored=np.array([r.below_detection for r in readings], dtype=bool),
        limit_mg_l=np.array([r.censor_mg_l for r in readings]),
    )


def _check_one(i: int, r: Reading, now_h: float | None, path_km: float | None) -> None:
    where = f"readings[{i}]"
    if not (math.isfinite(r.km) and r.km > 0):
        raise HydroError("reading %(i)d: station %(station)s is not downstream of the spill",
                         {f"{where}.station": "not downstream of the spill"},
                         params={"i": i, "station": r.station})
    if path_km is not None and r.km > path_km:
        raise HydroError("reading %(i)d: station %(station)s lies beyond the forecast's path",
                         {f"{where}.station": "beyond the traced path"},
                         params={"i": i, "station": r.station})
    if not math.isfinite(r.sampled_h):
        raise HydroError("reading %(i)d: sampled_at is missing", {f"{where}.sampled_at": "missing"},
                         params={"i": i})
    if now_h is not None and r.sampled_h > now_h:
        raise HydroError("reading %(i)d: sampled_at lies in the future",
                         {f"{where}.sampled_at": "in the future"}, params={"i": i})
    if not (math.isfinite(r.value_mg_l) and r.value_mg_l >= 0):
        raise HydroError("reading %(i)d: value_mg_l must be a number ≥ 0",
                         {f"{where}.value_mg_l": r.value_mg_l}, params={"i": i})
    if r.below_detection and not r.censor_mg_l > 0:
        raise HydroError("reading %(i)d: a value below detection needs its detection limit",
                         {f"{where}.detection_limit_mg_l": "missing"}, params={"i": i})
    if not r.below_detection and r.value_mg_l <= 0:
        raise HydroError("reading %(i)d: a value of 0 is a value below detection: give "
                         "below_detection and the detection limit",
                         {f"{where}.value_mg_l": r.value_mg_l}, params={"i": i})

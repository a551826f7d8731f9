"""Observed against predicted (issue 14, monitoring readings): the forecast's curve at any
river position, and the skill of a forecast judged on the readings at one station.

Pure: positions are reach codes and measures, readings are (hours after the release
start, mg/L, censored) tuples; the service reads them from the database.

Skill, as stated on the incident page:

* **arrival error (h)** — observed arrival − predicted arrival, both read at the *same*
  threshold: :data:`ARRIVAL_FRACTION` of the predicted peak at the station, raised to the
  highest detection limit of the station's readings (a concentration the laboratory cannot
  see cannot mark an arrival). The observed arrival is the time of the first valid reading
  at or above the threshold — an upper bound, since the plume may have arrived between
  that reading and the one before it. A positive error means the plume came later than
  forecast (the forecast was on the safe side).
* **peak ratio** — the highest valid reading (a censored reading counts as its detection
  limit) / the predicted peak. Below 1 the forecast was higher than observed (safe side).
  It is only a fair ratio when readings exist on both sides of the predicted peak time
  (``peak_bracketed``); otherwise the highest reading may have missed the peak.

Too few readings (fewer than :data:`MIN_READINGS` valid ones) → no figure, and a reason.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from webgis.hydro.hydraulics import DEFAULT_PARAMS, HydraulicParams
from webgis.hydro.incident import run_incident
from webgis.hydro.inputs import PollutantInput, ReceptorInput, ReleaseInput
from webgis.hydro.network import RiverNetwork, Snap
from webgis.hydro.results import ReceptorResult
from webgis.hydro.today_flow import FlowToday
from webgis.hydro.transfer import TransferCache

#: The arrival threshold as a fraction of the predicted peak at the station.
ARRIVAL_FRACTION = 0.1
#: Fewer valid readings than this at a station: no skill is stated.
MIN_READINGS = 3
#: The kind the core gives an arbitrary position (its default limit is Class III).
POINT_KIND = "section"


@dataclass(frozen=True, slots=True)
class Observation:
    """One reading at a station: hours after the release start, mg/L (the detection
    limit when ``censored``)."""

    t_h: float
    conc_mgl: float
    censored: bool = False


@dataclass(frozen=True, slots=True)
class Skill:
    """How the forecast did at one station (None: cannot be judged, see ``reasons``)."""

    n_readings: int
    threshold_mgl: float | None
    predicted_arrival_h: float | None
    observed_arrival_h: float | None
    arrival_error_h: float | None
    predicted_peak_mgl: float
    observed_peak_mgl: float | None
    peak_ratio: float | None
    peak_bracketed: bool
    reasons: tuple[str, ...]


def curves_at(network: RiverNetwork, snap: Snap, pollutant: PollutantInput,
              release: ReleaseInput, season: str, horizon_h: float,
              points: Sequence[ReceptorInput], *,
              params: HydraulicParams = DEFAULT_PARAMS,
              transfers: bool | TransferCache = True,
              flow: FlowToday | None = None) -> dict[str, ReceptorResult]:
    """The forecast at each of ``points`` (by code), computed by the same run as an
    analysis with those points as its only receptors; a point the plume does not reach
    within the horizon (off the path, upstream, past the cut) is absent."""
    if not points:
        return {}
    plume = run_incident(network, snap, pollutant, release, season, horizon_h,
                         list(points), params=params, province_boundaries=False,
                         transfers=transfers, flow=flow)
    wanted = {p.code for p in points}
    return {r.code: r for r in plume.receptors if r.code in wanted and r.kind == POINT_KIND}


def first_crossing_h(curve: Sequence[Sequence[float]], threshold_mgl: float) -> float | None:
    """When ``curve`` ([[t_h, mg/L], ...]) first reaches ``threshold_mgl`` (linear between
    points); None if it never does."""
    prev: Sequence[float] | None = None
    for point in curve:
        t, c = float(point[0]), float(point[1])
        if c >= threshold_mgl:
            if prev is None or prev[1] >= c:
                return t
            t0, c0 = float(prev[0]), float(prev[1])
            return t0 + (threshold_mgl - c0) / (c - c0) * (t - t0)
        prev = (t, c)
    return None


def skill(curve: Sequence[Sequence[float]], readings: Sequence[Observation]) -> Skill:
    """The skill of the predicted ``curve`` at one station judged on its valid
    ``readings`` (see the module's definitions)."""
    peak_mgl = max((float(p[1]) for p in curve), default=0.0)
    peak_h = next((float(p[0]) for p in curve if float(p[1]) == peak_mgl), None)
    n = len(readings)
    reasons: list[str] = []
    if n < MIN_READINGS:
        reasons.append(f"too few readings to judge ({n} of at least {MIN_READINGS})")
    if peak_mgl <= 0:
        reasons.append("the forecast expects no pollutant at this station")
    if reasons:
        return Skill(n, None, None, None, None, peak_mgl, _observed_peak(readings), None,
                     False, tuple(reasons))
    limits = [r.conc_mgl for r in readings if r.censored]
    threshold = max([ARRIVAL_FRACTION * peak_mgl, *limits])
    predicted = first_crossing_h(curve, threshold)
    ordered = sorted(readings, key=lambda r: r.t_h)
    observed = next((r.t_h for r in ordered if not r.censored and r.conc_mgl >= threshold),
                    None)
    if predicted is None:
        reasons.append("the threshold is above the predicted peak (detection limit too high)")
    if observed is None:
        reasons.append("no reading reached the arrival threshold yet")
    error = None if predicted is None or observed is None else observed - predicted
    obs_peak = _observed_peak(readings)
    bracketed = peak_h is not None and (
        any(r.t_h <= peak_h for r in readings) and any(r.t_h >= peak_h for r in readings))
    if not bracketed:
        reasons.append("the readings do not span the predicted peak time: the highest "
                       "reading may have missed the peak")
    ratio = None if obs_peak is None else obs_peak / peak_mgl
    return Skill(n, threshold, predicted, observed, error, peak_mgl, obs_peak, ratio,
                 bracketed, tuple(reasons))


def _observed_peak(readings: Sequence[Observation]) -> float | None:
    """The highest reading (a censored one counts as its detection limit)."""
    values = [r.conc_mgl for r in readings if math.isfinite(r.conc_mgl)]
    return max(values) if values else None

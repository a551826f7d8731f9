"""Source search from an alarm (issue 16, item 2): which upstream enterprise could have
released what a station measured, when, and how much.

Pure: the alarm is a river position (reach index, measure), a time (hours; the service
counts them from the alarm's last reading, so the alarm is at ``t_h = 0`` and releases
are at negative hours), the measured pollutant and one or more concentrations. The
candidates are the enterprises whose outfall lies upstream (the service finds them with
:func:`webgis.hydro.upstream.trace_upstream`) and that store the pollutant or its class.

The inverse reasoning (docs/model.md, "Source search"):

* The forward model is linear in the released mass (up to a solubility cap, see
  ``notes``), so each candidate is run **once** for :data:`UNIT_MASS_KG`, in the
  **expected case**, with the alarm point as its only receptor (the same run as an
  analysis, :func:`webgis.hydro.observed.curves_at`); the mass needed is the measured
  concentration over the concentration per kg there.
* One reading: it is taken as the peak, so the mass is the *least* mass that can produce
  it (a reading before or after the peak needs more), and the release time is the
  alarm time − the expected time to peak. The release window spans alarm − the slowest
  travel time (expected velocity, or the expected peak time if later) … alarm − the
  fastest (the worst case's velocity, or its leading-edge arrival if sooner); with a
  series the window is anchored at the highest reading instead of the last.
* A series: the release time is searched on a grid over the window and the mass fitted by
  linear least squares at each; the best shift's relative misfit ranks the candidates
  (a plume's width grows with the distance travelled, so the shape tells sources apart).
* Rank: the plume reaches the alarm point within the horizon > stores the exact substance
  (its class only is weaker) > the mass needed is within the stock > a series' fitted
  release time lies in the travel-time window > a better fit of the series > nearer. Each
  candidate carries its reasons.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from webgis.hydro.hydraulics import DEFAULT_PARAMS, HydraulicParams
from webgis.hydro.inputs import PollutantInput, ReceptorInput, ReleaseInput
from webgis.hydro.network import RiverNetwork
from webgis.hydro.observed import curves_at
from webgis.hydro.screening import snap_at
from webgis.hydro.transfer import TransferCache

#: The mass each candidate's forward run releases (the answer scales it).
UNIT_MASS_KG = 1000.0
#: Release times tried per candidate when fitting a series.
GRID_STEPS = 121
#: A series fitted with a relative misfit at or below this "fits".
FIT_GOOD = 0.25
ALARM_CODE = "ALARM"
#: a fitted release time this close outside the window still counts as in it (h)
WINDOW_SLACK_H = 1.0


@dataclass(frozen=True, slots=True)
class Alarm:
    """What the station measured: hours relative to the alarm (last reading at 0), mg/L."""

    reach_idx: int
    measure: float
    readings: tuple[tuple[float, float], ...]  # (t_h, conc_mgl), t_h <= 0

    @property
    def peak_mgl(self) -> float:
        return max(c for _, c in self.readings)


@dataclass(frozen=True, slots=True)
class Candidate:
    """An enterprise with an outfall upstream of the alarm and what it stores."""

    code: str
    name: str
    reach_idx: int
    measure: float
    distance_km: float
    fast_h: float | None  # advective time, the worst case's velocity
    slow_h: float | None  # advective time, the expected velocity
    exact: bool  # stores the measured pollutant (else only its class)
    stored_code: str
    max_t: float


@dataclass(frozen=True, slots=True)
class Found:
    """One candidate's answer (times in hours relative to the alarm)."""

    candidate: Candidate
    rank: int
    reaches: bool
    window_h: tuple[float, float] | None  # earliest, latest release time
    release_h: float | None  # best estimate (expected case)
    mass_kg: float | None  # the mass needed (a least mass for one reading)
    within_stock: bool | None
    misfit: float | None  # relative RMS misfit of a series (None: one reading)
    in_window: bool | None  # the fitted release time lies in the travel-time window
    peak_per_kg_mgl: float
    reasons: tuple[tuple[str, str], ...]  # (zh, en)


def search(network: RiverNetwork, alarm: Alarm, pollutant: PollutantInput,
           candidates: Sequence[Candidate], season: str, horizon_h: float, *,
           params: HydraulicParams = DEFAULT_PARAMS,
           transfers: bool | TransferCache = True) -> list[Found]:
    """The candidates, most plausible first (see the module docstring)."""
    lon, lat = network.point_at(alarm.reach_idx, alarm.measure)
    point = ReceptorInput("section", ALARM_CODE, ALARM_CODE, network.codes[alarm.reach_idx],
                          alarm.measure, lon, lat)
    found = [_one(network, alarm, pollutant, c, season, horizon_h, point, params, transfers)
             for c in candidates]
    found.sort(key=_key)
    return [_ranked(f, i + 1) for i, f in enumerate(found)]


def _key(f: Found) -> tuple[bool, bool, bool, bool, float, float]:
    return (not f.reaches, not f.candidate.exact, f.within_stock is not True,
            f.in_window is False, f.misfit if f.misfit is not None else 0.0,
            f.candidate.distance_km)


def _ranked(f: Found, rank: int) -> Found:
    return Found(f.candidate, rank, f.reaches, f.window_h, f.release_h, f.mass_kg,
                 f.within_stock, f.misfit, f.in_window, f.peak_per_kg_mgl, f.reasons)


def _one(network: RiverNetwork, alarm: Alarm, pollutant: PollutantInput, c: Candidate,
         season: str, horizon_h: float, point: ReceptorInput, params: HydraulicParams,
         transfers: bool | TransferCache) -> Found:
    snap = snap_at(network, c.reach_idx, c.measure)
    got = curves_at(network, snap, pollutant, ReleaseInput(UNIT_MASS_KG, 0.0), season,
                    horizon_h, [point], params=params, transfers=transfers).get(ALARM_CODE)
    reasons: list[tuple[str, str]] = []
    reasons.append(("储存该物质", "stores this substance") if c.exact else
                   (f"仅储存同类物质（{c.stored_code}）",
                    f"stores only the same class ({c.stored_code})"))
    if got is None or not got.curve or not got.peak_conc_mgl > 1e-30 * UNIT_MASS_KG:
        reasons.append((f"在 {horizon_h:.0f} h 内污染物到不了报警点",
                        f"its plume does not reach the alarm point within {horizon_h:.0f} h"))
        return Found(c, 0, False, None, None, None, None, None, None, 0.0, tuple(reasons))
    per_kg = got.peak_conc_mgl / UNIT_MASS_KG
    fast = min((v for v in (c.fast_h, got.worst.arrival_h)
                if v is not None and math.isfinite(v)), default=0.0)
    slow = max((v for v in (c.slow_h, got.peak_h) if v is not None and math.isfinite(v)),
               default=horizon_h)
    # anchored at the highest reading (the alarm's own with one reading): the time the
    # observed plume was nearest its peak
    t_ref = max(alarm.readings, key=lambda r: (r[1], r[0]))[0]
    window = (t_ref - max(slow, fast), t_ref - fast)
    curve = np.asarray(got.curve, dtype=float)
    in_window: bool | None = None
    if len(alarm.readings) == 1:
        mass, release, misfit = alarm.peak_mgl / per_kg, -got.peak_h, None
        reasons.append(("按单个读数为峰值估算的最小质量（期望工况）",
                        "least mass: the one reading taken as the peak (expected case)"))
    else:
        mass, release, misfit = _fit_series(alarm, curve, window)
        reasons.append((f"浓度序列拟合相对误差 {misfit:.0%}",
                        f"the series fits with a relative misfit of {misfit:.0%}"))
        if misfit > FIT_GOOD:
            reasons.append(("序列形状与该来源的预测不符", "the series' shape does not match"))
        in_window = window[0] - WINDOW_SLACK_H <= release <= window[1] + WINDOW_SLACK_H
        if not in_window:
            reasons.append(("拟合的泄漏时间不在行程时间窗内",
                            "the fitted release time is outside the travel-time window"))
    stock_kg = c.max_t * 1000.0
    within = mass <= stock_kg
    reasons.append((f"所需质量 {mass / 1000:.3g} t，储量 {c.max_t:.3g} t" +
                    ("，在储量之内" if within else "，超过储量"),
                    f"needs {mass / 1000:.3g} t, stores {c.max_t:.3g} t" +
                    (": within its stock" if within else ": more than it stores")))
    reasons.append((f"距离 {c.distance_km:.1f} km，泄漏时间窗 {window[0]:.1f}…{window[1]:.1f} h",
                    f"{c.distance_km:.1f} km upstream; release window "
                    f"{window[0]:.1f}…{window[1]:.1f} h before the alarm"))
    return Found(c, 0, True, window, release, mass, within, misfit, in_window, per_kg,
                 tuple(reasons))


def _fit_series(alarm: Alarm, curve: np.ndarray, window: tuple[float, float]
                ) -> tuple[float, float, float]:
    """(mass kg, release time h, relative misfit) of the best release time on a grid
    over the window widened by half its span (a series may sit on the tail)."""
    t = np.array([r[0] for r in alarm.readings])
    obs = np.array([r[1] for r in alarm.readings])
    lo, hi = window
    pad = max(0.5 * (hi - lo), 1.0)
    shifts = np.linspace(lo - pad, min(hi + pad, float(t.min())), GRID_STEPS)
    # unit curves (per UNIT_MASS_KG) at each reading for every release time: rows = shifts
    u = np.interp(t[None, :] - shifts[:, None], curve[:, 0], curve[:, 1], left=0.0, right=0.0)
    uu = (u * u).sum(axis=1)
    scale = np.where(uu > 0, (u * obs).sum(axis=1) / np.where(uu > 0, uu, 1.0), 0.0)
    norm = max(float((obs * obs).sum()), 1e-30)
    resid = np.sqrt(((scale[:, None] * u - obs) ** 2).sum(axis=1) / norm)
    resid = np.where(uu > 0, resid, np.inf)
    best = int(np.argmin(resid))
    if not math.isfinite(float(resid[best])):
        return alarm.peak_mgl / max(float(curve[:, 1].max()), 1e-30) * UNIT_MASS_KG, lo, 1.0
    return float(scale[best]) * UNIT_MASS_KG, float(shifts[best]), float(resid[best])

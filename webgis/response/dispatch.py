"""The rules of a dispatch and of the plan checklist, without a database (issue 14).

* Which status a dispatch may move to: one step forward at a time
  (``dispatched → en_route → on_site → deployed → returned``), or straight to
  ``returned`` from any status before it (a team recalled before deploying). Never back:
  a status time once entered is a fact of the timeline.
* A dispatch's ETA at its target, the way the analysis ranks depots and teams
  (`webgis.response.resources`): geodesic distance × road circuity / mean speed, an
  estimate, compared with the plume's worst-case (earliest) arrival there.
* When a plan step is due: its own ``due_min`` after discovery; a step without one gets
  its phase's default (:data:`DEFAULT_DUE_MIN`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pyproj import Geod

from webgis.response.resources import DEFAULT_CIRCUITY, DEFAULT_SPEED_KMH

_GEOD = Geod(ellps="WGS84")

STATUSES = ("dispatched", "en_route", "on_site", "deployed", "returned")
#: status -> the statuses it may move to.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "dispatched": ("en_route", "returned"),
    "en_route": ("on_site", "returned"),
    "on_site": ("deployed", "returned"),
    "deployed": ("returned",),
    "returned": (),
}

#: Minutes after discovery by which a plan step without its own ``due_min`` is due, per
#: phase. Product defaults, not regulation (the plans give their own times where they have
#: them): reporting within the hour (the 2011 measures' shortest clock is 1 h for a
#: Level I/II report to the province), assessment and first monitoring within 2 h,
#: containment within 4 h, treatment within 12 h, recovery within 3 days. A report step
#: uses the current level's reporting clock when the analysis gives one (earlier is safer).
DEFAULT_DUE_MIN: dict[str, int] = {
    "report": 60, "assess": 120, "monitor": 120, "contain": 240, "treat": 720,
    "recover": 4320,
}


def allowed(current: str, new: str) -> bool:
    """Whether a dispatch in `current` may move to `new`."""
    return new in TRANSITIONS.get(current, ())


@dataclass(frozen=True, slots=True)
class Eta:
    """Travel from an origin to a target by road (an estimate)."""

    straight_km: float
    distance_km: float
    travel_h: float


def road_eta(from_lon: float, from_lat: float, to_lon: float, to_lat: float,
             circuity: float = DEFAULT_CIRCUITY,
             speed_kmh: float = DEFAULT_SPEED_KMH) -> Eta:
    """The analysis's road estimate from one point to another: geodesic km × `circuity`
    at `speed_kmh` (a circuity below 1 or a speed not above 0 is refused)."""
    if not circuity >= 1 or not speed_kmh > 0:
        raise ValueError("circuity must be ≥ 1 and speed_kmh > 0")
    _, _, dist_m = _GEOD.inv(from_lon, from_lat, to_lon, to_lat)
    straight_km = float(dist_m) / 1000.0
    return Eta(straight_km, straight_km * circuity, straight_km * circuity / speed_kmh)


def slack_h(eta_since_release_h: float, plume_arrival_h: float | None) -> float | None:
    """Hours the dispatch is on site before the plume's worst-case arrival (negative:
    after it); None when the plume does not reach the target in the forecast."""
    if plume_arrival_h is None or math.isnan(plume_arrival_h):
        return None
    return plume_arrival_h - eta_since_release_h


def step_due_min(phase: str, due_min: float | None, report_due_min: float | None = None,
                 ) -> float:
    """Minutes after discovery a plan step is due: its own time, else for a report step
    the level's reporting clock (when known), else its phase's default."""
    if due_min is not None:
        return due_min
    if phase == "report" and report_due_min is not None:
        return min(report_due_min, DEFAULT_DUE_MIN["report"])
    return DEFAULT_DUE_MIN.get(phase, min(DEFAULT_DUE_MIN.values()))

"""Observed against predicted on an incident (issue 14 item 3): for each station with
readings, the current forecast's curve there, the readings on the same clock (hours after
the release start) and the skill (`webgis.hydro.observed`: arrival error, peak ratio).

The curve of a section or an intake on the forecast path is the one the forecast already
carries (``result.receptors[].curve``, expected case). Any other position — a point, or a
station the stored forecast does not list — is computed by the core for that position
from the same request (`webgis.hydro.observed.curves_at`); a position the plume does not
reach within the horizon has no curve (the forecast expects nothing there). Such runs are
kept per forecast request and positions (:data:`_runs`), so a new reading at a known
position or a page reloading the comparison does not re-run the model.

Readings flagged ``invalid`` are drawn but not judged; readings of another pollutant than
the incident's are left out (the forecast is of the incident's pollutant).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from sqlalchemy import select

from webgis.config import Settings
from webgis.errors import NotFound, WebgisError
from webgis.hydro.analysis import ReleaseInput
from webgis.hydro.inputs import ReceptorInput
from webgis.hydro.observed import (
    ARRIVAL_FRACTION,
    MIN_READINGS,
    POINT_KIND,
    Observation,
    curves_at,
    skill,
)
from webgis.hydro.results import ReceptorResult
from webgis.hydro.transfer import cache_for
from webgis.models.incident import Incident, IncidentReading
from webgis.services.analysis import parse_request, today_flow
from webgis.services.readings import (
    RECEPTOR_KIND,
    release_start,
    station_name,
    stored_readings,
)
from webgis.services.reference import Reference, get_reference
from webgis.services.uow import reading

__all__ = ["DEFINITIONS", "compare"]

#: What the figures mean, as the page states them.
DEFINITIONS = {
    "arrival_error_h": (
        f"observed arrival − predicted arrival (h), both where the concentration first "
        f"reaches {ARRIVAL_FRACTION:.0%} of the predicted peak at the station (or the "
        "highest detection limit, if higher); the observed arrival is the first valid "
        "reading at or above it (the plume may have come earlier, between samples). "
        "Positive: the plume came later than forecast."),
    "peak_ratio": (
        "highest valid reading / predicted peak at the station (expected case); below 1 "
        "the forecast was higher. Fair only when readings lie on both sides of the "
        "predicted peak time."),
    "too_few": f"fewer than {MIN_READINGS} valid readings: not judged",
    "clock": "hours after the start of the release (the forecast's clock)",
}
#: Positions closer than this along one reach are one station (m).
SAME_POINT_M = 100.0

_runs: OrderedDict[tuple[Any, ...], dict[str, ReceptorResult]] = OrderedDict()
_runs_lock = threading.Lock()
_RUNS_MAX = 32


def _key(x: IncidentReading) -> tuple[str, str]:
    """Which station a reading belongs to on the chart."""
    if x.station_kind != "point":
        return x.station_kind, x.station_code or ""
    if x.station_code:
        return "point", x.station_code
    return "point", f"{x.reach_code}@{round(x.measure_m / SAME_POINT_M) * SAME_POINT_M:.0f}"


def _forecast_row(result: dict[str, Any], kind: str, code: str | None
                  ) -> dict[str, Any] | None:
    want = RECEPTOR_KIND.get(kind)
    return next((r for r in result.get("receptors") or []
                 if want and r.get("kind") == want and r.get("code") == code), None)


def _computed(inc: Incident, ref: Reference, points: Sequence[ReceptorInput],
              settings: Settings) -> dict[str, ReceptorResult]:
    """The core's curves at ``points`` for the incident's current request (kept per
    request and positions: readings do not change the forecast, a facts revision does)."""
    request = json.dumps(inc.request, sort_keys=True, default=str)
    key = (inc.id, request, ref.key, tuple((p.code, p.reach_code, p.measure)
                                           for p in points))
    with _runs_lock:
        if key in _runs:
            _runs.move_to_end(key)
            return _runs[key]
    try:
        req = parse_request(inc.request, list(ref.pollutants))
        snap = ref.network.snap(req.lon, req.lat, settings.snap_max_m)
        got = curves_at(ref.network, snap, ref.pollutants[req.pollutant],
                        ReleaseInput(req.mass_kg, req.duration_h, req.rate_series),
                        req.season, req.horizon_h, points,
                        transfers=cache_for(ref.network,
                                            int(settings.transfer_cache_mb * 2**20)),
                        flow=today_flow(ref, snap, req))
    except WebgisError:  # the stored request no longer fits the data: no curves, said so
        return {}
    with _runs_lock:
        _runs[key] = got
        while len(_runs) > _RUNS_MAX:
            _runs.popitem(last=False)
    return got


def compare(incident_id: int, settings: Settings) -> dict[str, Any]:
    """Each station with readings of the incident's pollutant: predicted curve, readings,
    skill."""
    with reading() as session:
        inc = session.execute(select(Incident).where(Incident.id == incident_id)
                              ).scalar_one_or_none()
        if inc is None:
            raise NotFound("no incident %(id)s", fields={"id": incident_id},
                           params={"id": incident_id})
        ref = get_reference(session)
        start = release_start(inc)
        groups: dict[tuple[str, str], list[IncidentReading]] = {}
        for x, _ in reversed(stored_readings(session, incident_id)):  # oldest first
            if x.pollutant_code == inc.pollutant_code:
                groups.setdefault(_key(x), []).append(x)
        result = inc.result or {}
        pending: list[ReceptorInput] = []
        for i, ((kind, code), xs) in enumerate(groups.items()):
            if _forecast_row(result, kind, code) is None:
                x = xs[0]
                try:
                    length = float(ref.network.length_m[ref.network.index_of(x.reach_code)])
                except KeyError:  # a reach the data loaded since then no longer has
                    continue
                pending.append(ReceptorInput(
                    POINT_KIND, f"obs-{i}", code, x.reach_code,
                    min(max(x.measure_m / length, 0.0), 1.0) if length > 0 else 0.0,
                    x.lon, x.lat))
        computed = _computed(inc, ref, pending, settings) if pending else {}
        stations = [_station(i, kind, code, xs, result, computed, ref, start)
                    for i, ((kind, code), xs) in enumerate(groups.items())]
        return {"incident_id": inc.id, "version": inc.version,
                "release_start": start.isoformat(), "pollutant_code": inc.pollutant_code,
                "definitions": DEFINITIONS, "stations": stations}


def _station(i: int, kind: str, code: str, xs: list[IncidentReading],
             result: dict[str, Any], computed: dict[str, ReceptorResult], ref: Reference,
             start: Any) -> dict[str, Any]:
    row = _forecast_row(result, kind, code)
    if row is not None:
        curve, arrival, limit = row.get("curve") or [], row.get("arrival_h"), row.get(
            "limit_mgl")
    else:
        got = computed.get(f"obs-{i}")
        curve = got.curve if got is not None else []
        arrival = got.arrival_h if got is not None else None
        limit = got.limit_mgl if got is not None else None
    points = [{"id": x.id, "t_h": round((x.sampled_at - start).total_seconds() / 3600.0, 4),
               "sampled_at": x.sampled_at.isoformat(), "value_mg_l": x.value_mg_l,
               "below_detection": x.below_detection, "qa_flag": x.qa_flag} for x in xs]
    judged = [Observation(p["t_h"], p["value_mg_l"], p["below_detection"])
              for p in points if p["qa_flag"] != "invalid"]
    sk = asdict(skill(curve, judged))
    first = xs[0]
    return {
        "station_kind": kind, "station_code": first.station_code,
        "name": station_name(ref, kind, first.station_code) or first.station_code,
        "reach_code": first.reach_code, "measure_m": round(first.measure_m, 1),
        "on_forecast": row is not None, "predicted": curve,
        "predicted_arrival_h": arrival, "limit_mg_l": limit, "readings": points,
        "skill": {
            "n_readings": sk["n_readings"], "threshold_mg_l": sk["threshold_mgl"],
            "predicted_arrival_h": sk["predicted_arrival_h"],
            "observed_arrival_h": sk["observed_arrival_h"],
            "arrival_error_h": sk["arrival_error_h"],
            "predicted_peak_mg_l": sk["predicted_peak_mgl"],
            "observed_peak_mg_l": sk["observed_peak_mgl"], "peak_ratio": sk["peak_ratio"],
            "peak_bracketed": sk["peak_bracketed"], "reasons": list(sk["reasons"]),
        },
    }

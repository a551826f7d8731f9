"""Calibration to readings and uncertainty bands (issue 16, items 3 and 4), for
``POST /api/v1/calibrate``, ``POST /api/v1/ensemble`` and ``webgis calibrate`` /
``webgis ensemble``.

The spill is read like an analysis (same request, same reference data and snapping);
readings are placed on its path by their station (a receptor of the reference data, by
code) or their point (snapped), converted to mg/L and timed in hours after the spill's
``started_at``. The pure core (:mod:`webgis.hydro.learning`) fits and forecasts; this
module turns the answer into JSON. Nothing is stored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from webgis.config import Settings
from webgis.contract.errors import parse
from webgis.contract.learning import (
    CalibrationRequest,
    EnsembleRequest,
    IncidentCalibrationRequest,
    ReadingIn,
)
from webgis.contract.requests import MAX_HORIZON_H, AnalysisRequest
from webgis.contract.units import UNITS
from webgis.errors import Unprocessable
from webgis.hydro import ensemble as ens
from webgis.hydro.inputs import ReleaseInput
from webgis.hydro.learning import (
    Calibrated,
    Ensemble,
    SpillCase,
    calibrate_spill,
    ensemble_spill,
    km_on_path,
)
from webgis.hydro.readings import Reading
from webgis.hydro.results import PlumeResult, ReceptorResult
from webgis.hydro.transfer import cache_for
from webgis.models import IncidentReading
from webgis.services.analysis import parse_request
from webgis.services.incident_write import require_incident
from webgis.services.reference import Reference, get_reference
from webgis.services.uow import reading

METHOD = ("penalised least squares on log concentrations (Tobit terms for values below "
          "detection), Laplace 95 % intervals with Student's t; docs/model.md §3c")
DISTRIBUTIONS = {
    "velocity_factor": f"lognormal, median 1, σ_ln {ens.VELOCITY_SD_LN}",
    "dispersion_factor": f"lognormal, median 1, σ_ln {ens.DISPERSION_SD_LN:.3f} (×4 at 2σ)",
    "active_share_factor": "log-uniform {}–{}".format(*ens.ACTIVE_SHARE_RANGE),
    "loss_factor": f"lognormal, median 1, σ_ln {ens.LOSS_SD_LN}",
}
RECEPTOR_KINDS = ("section", "water_source", "interception")
PARAM_ZH = {"mass_kg": "泄漏量", "start_h": "泄漏开始时间", "duration_h": "泄漏持续时间",
            "velocity_factor": "流速系数", "dispersion_factor": "弥散系数倍数"}


def calibrate(body: Any, settings: Settings | None = None,
              now: datetime | None = None) -> dict[str, Any]:
    """Fit a spill to its readings and forecast again (see the module docstring)."""
    req = body if isinstance(body, CalibrationRequest) else parse(CalibrationRequest, body)
    config = settings or Settings.from_environment()
    started = req.spill.started_at
    if started is None:
        raise Unprocessable("spill.started_at is needed to place the readings in time",
                            fields={"spill.started_at": "missing"})
    with reading() as session:
        ref = get_reference(session)
        case = _case(ref, req.spill, config)
    located = [_locate(ref, i, row) for i, row in enumerate(req.readings)]
    return _fit_case(case, located, started, req, now)


def calibrate_incident(incident_id: int, body: Any, settings: Settings | None = None,
                       now: datetime | None = None) -> dict[str, Any]:
    """Fit a saved incident to its stored readings (``incident_reading``: those of its
    pollutant with ``qa_flag`` "ok"), from its current request; stores nothing."""
    req = body if isinstance(body, IncidentCalibrationRequest) else parse(
        IncidentCalibrationRequest, body if body is not None else {})
    config = settings or Settings.from_environment()
    with reading() as session:
        inc = require_incident(session, incident_id)
        spill = parse(AnalysisRequest, inc.request)
        started = spill.started_at or inc.discovered_at
        if started is None:
            raise Unprocessable("incident %(id)s has no release start (started_at) to place "
                                "its readings in time", fields={"started_at": "missing"},
                                params={"id": incident_id})
        rows = session.execute(
            select(IncidentReading).where(IncidentReading.incident_id == incident_id)
            .order_by(IncidentReading.sampled_at, IncidentReading.id)).scalars().all()
        ref = get_reference(session)
        case = _case(ref, spill, config)
        used = [r for r in rows if r.pollutant_code == inc.pollutant_code and r.qa_flag == "ok"]
        located = [_stored(ref, r) for r in used]
    if not located:
        raise Unprocessable("incident %(id)s has no readings of its pollutant to calibrate to",
                            fields={"readings": "none stored"}, params={"id": incident_id})
    out = _fit_case(case, located, started, req, now)
    out["incident_id"] = incident_id
    out["readings_used"], out["readings_skipped"] = len(used), len(rows) - len(used)
    if spill.started_at is None:
        out["notes"].append({"zh": "事件没有泄漏开始时间：监测值按发现时间计时，"
                                   "拟合的开始时间相对于发现时间",
                             "en": "the incident has no release start: readings are timed "
                                   "from its discovery, and the fitted start is relative to it"})
    return out


def _fit_case(case: SpillCase, located: list[Located], started: datetime, req: Any,
              now: datetime | None) -> dict[str, Any]:
    """Forecast until the last reading (and a day past it), place the readings on the
    path, fit, forecast again and draw the calibrated ensemble."""
    last_h = max((r.sampled_at - started).total_seconds() / 3600.0 for r in located)
    if last_h + 24.0 > case.horizon_h:
        case = replace(case, horizon_h=min(last_h + 24.0, MAX_HORIZON_H))
    base = case.forecast()
    readings = [_place(case, base, r, started) for r in located]
    now_h = ((now or datetime.now(UTC)) - started).total_seconds() / 3600.0
    done = calibrate_spill(case, readings, base, now_h, req.mass_uncertainty,
                           req.start_uncertainty_h)
    bands = (ensemble_spill(case, req.members, req.seed, calibrated=done)
             if req.members > 0 else None)
    return _calibration_json(done, bands, started, req.seed)


def ensemble(body: Any, settings: Settings | None = None) -> dict[str, Any]:
    """The spill's Monte Carlo bands at every receptor."""
    req = body if isinstance(body, EnsembleRequest) else parse(EnsembleRequest, body)
    config = settings or Settings.from_environment()
    with reading() as session:
        case = _case(get_reference(session), req.spill, config)
    got = ensemble_spill(case, req.members, req.seed, req.mass_uncertainty)
    started = req.spill.started_at
    receptors = [_receptor(r, b, expected=True)
                 for r, b in zip(got.result.receptors, got.bands, strict=True)]
    return {
        "started_at": started.isoformat() if started else None,
        "receptors": receptors,
        "ensemble": _ensemble_json(got, req.seed, receptors),
    }


def _case(ref: Reference, spill: Any, config: Settings) -> SpillCase:
    req = parse_request(spill, list(ref.pollutants))
    if req.rate_series or req.flow_m3s is not None:
        # the fit and the ensemble vary a box release (mass, start, duration) on the
        # season's hydraulics: a series or today's flow would be silently dropped
        field = "spill.release.rate_series" if req.rate_series else "spill.flow_today"
        raise Unprocessable(
            "calibration and uncertainty bands take a constant-rate release and the "
            "season's flow: %(field)s is not supported there yet", fields={field: "given"},
            params={"field": field})
    snap = ref.network.snap(req.lon, req.lat, config["SNAP_MAX_M"])
    return SpillCase(
        ref.network, snap, ref.pollutants[req.pollutant],
        ReleaseInput(req.mass_kg, req.duration_h), req.season, req.horizon_h, ref.receptors,
        {"river_names": ref.river_names, "province_names": ref.province_names,
         "transfers": cache_for(ref.network, int(config["TRANSFER_CACHE_MB"] * 2**20))})


@dataclass(frozen=True)
class Located:
    """A reading placed on the network, in mg/L (``where`` names it in errors)."""

    where: str
    station: str
    reach_idx: int
    measure: float
    sampled_at: datetime
    value_mg_l: float
    below_detection: bool
    limit_mg_l: float | None


def _locate(ref: Reference, i: int, row: ReadingIn) -> Located:
    """A request's reading on the network: its point (snapped), else its station's place;
    422 naming the reading when the station is unknown."""
    by_code = {r.code: r for r in ref.receptors if r.kind in RECEPTOR_KINDS}
    where = f"readings[{i}]"
    if row.lon is not None and row.lat is not None:
        snap = ref.network.snap(row.lon, row.lat, 5_000.0)
        reach_idx, measure = snap.reach_idx, snap.measure
    elif row.station in by_code:
        rec = by_code[row.station]
        reach_idx, measure = ref.network.index_of(rec.reach_code), rec.measure
    else:
        raise Unprocessable("reading %(i)d: unknown station %(station)r (a section, intake "
                            "or interception point code, or give lon and lat)",
                            fields={f"{where}.station": row.station},
                            params={"i": i, "station": row.station})
    factor = UNITS[row.unit]
    limit = row.detection_limit * factor if row.detection_limit is not None else None
    return Located(where, row.station, reach_idx, measure, row.sampled_at, row.value * factor,
                   row.below_detection, limit)


def _stored(ref: Reference, row: IncidentReading) -> Located:
    """A stored reading on the network (``measure_m`` metres from the reach's upstream
    end; a censored one holds its limit as its value)."""
    where = f"reading {row.id}"
    try:
        idx = ref.network.index_of(row.reach_code)
    except (KeyError, ValueError) as exc:
        raise Unprocessable("reading %(id)s: unknown reach %(reach)s",
                            fields={f"{where}.reach_code": row.reach_code},
                            params={"id": row.id, "reach": row.reach_code}) from exc
    length = float(ref.network.length_m[idx])
    measure = min(max(row.measure_m / length, 0.0), 1.0) if length > 0 else 0.0
    return Located(where, row.station_code or f"{row.reach_code}@{row.measure_m:.0f}m", idx,
                   measure, row.sampled_at, row.value_mg_l, row.below_detection,
                   row.detection_limit_mg_l)


def _place(case: SpillCase, base: PlumeResult, r: Located, started: datetime) -> Reading:
    """The reading at its km below the spill, timed from the start; 422 naming it when
    it is not below the spill or the plume cannot reach it."""
    km = km_on_path(base.path, r.reach_idx, r.measure)
    if km is None and _downstream(case, r.reach_idx, r.measure):
        raise Unprocessable("%(where)s: the forecast's plume does not reach station "
                            "%(station)s by the last reading's time",
                            fields={f"{r.where}.station": "beyond the plume's reach"},
                            params={"where": r.where, "station": r.station})
    if km is None or km <= 0:
        raise Unprocessable("%(where)s: station %(station)s is not downstream of the spill",
                            fields={f"{r.where}.station": "not downstream of the spill"},
                            params={"where": r.where, "station": r.station})
    return Reading(r.station, km, (r.sampled_at - started).total_seconds() / 3600.0,
                   r.value_mg_l, r.below_detection, r.limit_mg_l)


def _downstream(case: SpillCase, reach_idx: int, measure: float) -> bool:
    """Whether the point lies anywhere below the spill (the whole downstream trace)."""
    snap = case.snap
    if reach_idx == snap.reach_idx:
        return measure > snap.measure
    return any(s.reach_idx == reach_idx
               for s in case.network.trace_downstream(snap.reach_idx, snap.measure))


def _num(v: float) -> float | None:
    return v if math.isfinite(v) else None


def _case_json(arrival: float, peak_h: float, peak: float, limit: float | None,
               shift: float = 0.0) -> dict[str, Any]:
    return {"arrival_h": _num(arrival + shift), "peak_h": _num(peak_h + shift),
            "peak_conc_mgl": peak, "exceeds": limit is not None and peak > limit}


def _receptor(r: ReceptorResult, band: ens.ReceptorBand | None, *, expected: bool = False,
              calibrated: ReceptorResult | None = None, shift: float = 0.0) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": r.kind, "code": r.code, "name": r.name, "river_km": r.river_km,
        "limit_mgl": r.limit_mgl,
        "worst": _case_json(r.worst.arrival_h, r.worst.peak_h, r.worst.peak_conc_mgl,
                            r.limit_mgl, shift),
        "band": None,
    }
    if expected:
        out["expected"] = _case_json(r.arrival_h, r.peak_h, r.peak_conc_mgl, r.limit_mgl)
    else:
        out["uncalibrated"] = _case_json(r.arrival_h, r.peak_h, r.peak_conc_mgl, r.limit_mgl)
    if calibrated is not None:
        out["calibrated"] = _case_json(calibrated.arrival_h, calibrated.peak_h,
                                       calibrated.peak_conc_mgl, calibrated.limit_mgl, shift)
        out["worst"] = _case_json(calibrated.worst.arrival_h, calibrated.worst.peak_h,
                                  calibrated.worst.peak_conc_mgl, calibrated.limit_mgl, shift)
    if band is not None:
        out["band"] = _band_json(band, r.name, out["worst"])
    return out


def _band_json(b: ens.ReceptorBand, name: str, worst: dict[str, Any]) -> dict[str, Any]:
    """The band at one receptor, with notes (both languages) where it passes the worst
    case as computed (``worst``: its JSON, before raising)."""
    def triple(t: tuple[float, float, float]) -> list[float | None]:
        return [_num(v) for v in t]
    notes = []
    if b.peak_raised:
        p95, w = b.peak_conc_mgl[2], worst["peak_conc_mgl"]
        notes.append({
            "zh": f"{name}：集合预报 P95 峰值 {p95:.4g} mg/L 高于最不利工况 {w:.4g} mg/L，"
                  "最不利工况已提高到该值",
            "en": f"{name}: the ensemble's P95 peak {p95:.4g} mg/L exceeds the worst case "
                  f"{w:.4g} mg/L; the worst case is raised to it"})
    if b.arrival_raised:
        p5, w = b.arrival_h[0], worst["arrival_h"]
        w_txt = "-" if w is None else f"{w:.2f}"
        notes.append({
            "zh": f"{name}：集合预报 P5 到达时间 {p5:.2f} h 早于最不利工况的 {w_txt} h，"
                  "最不利到达时间已提前到该值",
            "en": f"{name}: the ensemble's P5 arrival {p5:.2f} h is earlier than the worst "
                  f"case's {w_txt} h; the worst case is moved to it"})
    return {
        "arrival_h": triple(b.arrival_h), "peak_h": triple(b.peak_h),
        "peak_conc_mgl": triple(b.peak_conc_mgl), "worst_arrival_h": _num(b.worst_arrival_h),
        "worst_peak_conc_mgl": b.worst_peak_conc_mgl, "worst_raised": b.worst_raised,
        "notes": notes,
        "curve": [[h, *q] for h, q in zip(b.curve_h, b.curve_mgl, strict=True)],
    }


def _ensemble_json(e: Ensemble, seed: int, receptors: list[dict[str, Any]]
                   ) -> dict[str, Any]:
    dist = dict(DISTRIBUTIONS)
    if e.calibrated:
        dist["velocity_factor"] = dist["dispersion_factor"] = "calibrated posterior"
        dist["mass_kg"] = dist["start_h"] = dist["duration_h"] = "calibrated posterior"
    return {"members": e.members, "seed": seed, "calibrated": e.calibrated,
            "distributions": dist,
            "notes": [n for r in receptors if r["band"] for n in r["band"]["notes"]]}


def _calibration_json(done: Calibrated, bands: Ensemble | None, started: datetime,
                      seed: int) -> dict[str, Any]:
    fit = done.calibration
    shift = done.start_h
    after = {(r.kind, r.code): r for r in done.calibrated.receptors}
    band_of = ({(r.kind, r.code): b for r, b in zip(bands.result.receptors, bands.bands,
                                                    strict=True)} if bands else {})
    receptors = [
        _receptor(r, band_of.get((r.kind, r.code)), calibrated=after.get((r.kind, r.code)),
                  shift=shift)
        for r in done.uncalibrated.receptors
    ]
    notes = [{"zh": f"{PARAM_ZH[p.name]}：监测数据无法识别（先验区间缩小不足 30 %），保留先验值",
              "en": f"{p.name}: not identified by the readings (they narrow its prior by "
                    "less than 30 %); its prior is kept"}
             for p in fit.parameters if not p.identified]
    if not fit.converged:
        notes.append({"zh": "拟合未收敛：校准结果请谨慎使用",
                      "en": "the fit did not converge: treat the calibrated values with care"})
    return {
        "started_at": started.isoformat(), "method": METHOD,
        "parameters": [vars_of(p) for p in fit.parameters],
        "sigma_ln": fit.sigma_ln, "dof": fit.dof, "n_detected": fit.n_detected,
        "n_censored": fit.n_censored, "rms_ln_fitted": fit.rms_ln_fitted,
        "rms_ln_prior": fit.rms_ln_prior, "converged": fit.converged, "notes": notes,
        "residuals": [{**vars_of(r), "sampled_at": (
            started + timedelta(hours=r.sampled_h)).isoformat()} for r in fit.residuals],
        "receptors": receptors,
        "ensemble": _ensemble_json(bands, seed, receptors) if bands else None,
    }


def vars_of(obj: Any) -> dict[str, Any]:
    """A slotted dataclass as a dict."""
    return {k: getattr(obj, k) for k in obj.__slots__}


"""`analyze(request)`: one spill, from a request dict to the full answer (contract of issue 5).

Parse and validate the request (422s name the field) → cached reference data → snap →
transport (pure core) → resources, level, plan steps, notifications → a JSON-ready dict.
Nothing is stored.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from itertools import chain
from typing import Any

import numpy as np
from flask import current_app
from sqlalchemy.orm import Session

from webgis.errors import Unprocessable
from webgis.hydro.analysis import (
    MAX_MASS_KG,
    PathStep,
    PlumeResult,
    PollutantInput,
    ReceptorResult,
    ReleaseInput,
    run_incident,
)
from webgis.hydro.errors import HydroError
from webgis.hydro.hydraulics import SEASONS
from webgis.hydro.transfer import cache_for
from webgis.response.level import assess_level
from webgis.response.notify import downstream_notifications
from webgis.response.plans import select_plan_steps
from webgis.response.resources import Assignment, MaterialStock, ResourceOrigin, Target
from webgis.services.reference import Plan, Reference, get_reference

MAX_HORIZON_H = 1440.0


@dataclass(frozen=True)
class IncidentRequest:
    """A validated analysis request."""

    lon: float
    lat: float
    pollutant: str
    mass_kg: float
    duration_h: float = 0.0
    season: str = "normal"
    horizon_h: float = 72.0
    started_at: datetime | None = None
    deaths: int = 0
    poisoned: int = 0
    evacuated: int = 0
    loss_cny: float = 0.0


def _num(value: Any, field: str, lo: float, hi: float, *, lo_open: bool = False,
         integer: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise Unprocessable(f"{field} must be a finite number", fields={field: value})
    if (value <= lo if lo_open else value < lo) or value > hi:
        bound = f"{'>' if lo_open else '≥'} {lo:g} and ≤ {hi:g}"
        raise Unprocessable(f"{field} must be {bound}", fields={field: value})
    if integer and value != int(value):
        raise Unprocessable(f"{field} must be a whole number", fields={field: value})
    return int(value) if integer else float(value)


def _obj(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Unprocessable(f"{field} must be an object", fields={field: value})
    return value


def parse_request(body: Any, pollutant_codes: list[str]) -> IncidentRequest:
    """Validate an analysis request; every error is a 422 naming the field."""
    body = _obj(body, "body")
    loc = _obj(body.get("location"), "location")
    lon = _num(loc.get("lon"), "location.lon", -180, 180)
    lat = _num(loc.get("lat"), "location.lat", -90, 90)
    pollutant = body.get("pollutant")
    if not isinstance(pollutant, str) or pollutant not in pollutant_codes:
        raise Unprocessable(f"unknown pollutant {pollutant!r}", fields={"pollutant": pollutant},
                            valid=sorted(pollutant_codes))
    release = _obj(body.get("release"), "release")
    mass = _num(release.get("mass_kg"), "release.mass_kg", 0, MAX_MASS_KG, lo_open=True)
    duration = _num(release.get("duration_h", 0), "release.duration_h", 0, 8760)
    season = body.get("season", "normal")
    if season not in SEASONS:
        raise Unprocessable(f"season must be one of {', '.join(SEASONS)}",
                            fields={"season": season})
    horizon = _num(body.get("horizon_h", 72), "horizon_h", 0, MAX_HORIZON_H, lo_open=True)
    started_at = None
    if body.get("started_at") is not None:
        raw = body["started_at"]
        try:
            started_at = datetime.fromisoformat(raw) if isinstance(raw, str) else None
        except ValueError:
            started_at = None
        if started_at is None:
            raise Unprocessable("started_at must be an ISO-8601 date-time",
                                fields={"started_at": raw})
        if started_at.tzinfo is None:
            started_at = started_at.replace(tzinfo=UTC)
    casualties = body.get("casualties", 0)
    if isinstance(casualties, dict):
        deaths = _num(casualties.get("deaths", 0), "casualties.deaths", 0, 1e6, integer=True)
        poisoned = _num(casualties.get("poisoned", 0), "casualties.poisoned", 0, 1e6,
                        integer=True)
    else:
        deaths = _num(casualties, "casualties", 0, 1e6, integer=True)
        poisoned = 0
    return IncidentRequest(
        lon=lon, lat=lat, pollutant=pollutant, mass_kg=mass, duration_h=duration,
        season=season, horizon_h=horizon, started_at=started_at, deaths=deaths,
        poisoned=poisoned,
        evacuated=_num(body.get("evacuated", 0), "evacuated", 0, 1e8, integer=True),
        loss_cny=_num(body.get("loss_cny", 0), "loss_cny", 0, 1e13),
    )


class _FloatTable:
    """Rows of Python floats made by the core (curves, profiles, path coordinates).

    :func:`_clean` turns it into the list of lists that the numeric-table rule would give
    (the same rows when every number is finite, checked by one sum) without converting it
    through numpy.
    """

    __slots__ = ("rows",)

    def __init__(self, rows: list[list[float]]) -> None:
        self.rows = rows


# leaves that _clean returns as they are (exact types; subclasses take the general rules)
_PLAIN = frozenset((str, int, bool, type(None)))


def _clean(value: Any) -> Any:
    """JSON-safe: NaN/inf → None, tuples → lists; numeric tables via numpy (curves).

    Exact dicts, lists, tuples and floats take a fast path (leaves inline, ``x - x == 0``
    is ``isfinite`` for a float); anything else follows :func:`_clean_any`, the rules
    themselves.
    """
    t = type(value)
    if t is dict:
        return {
            k: v if (tv := type(v)) in _PLAIN or (tv is float and v - v == 0.0) else _clean(v)
            for k, v in value.items()
        }
    if t is _FloatTable:
        rows = value.rows
        if rows and math.isfinite(sum(chain.from_iterable(rows))):
            return rows
        return _clean(rows)
    if t is float:
        return value if value - value == 0.0 else None
    if t is list or t is tuple:
        if t is list:
            table = _clean_table(value)
            if table is not None:
                return table
        return [
            v if (tv := type(v)) in _PLAIN or (tv is float and v - v == 0.0) else _clean(v)
            for v in value
        ]
    return _clean_any(value)


def _clean_table(value: Any) -> list | None:
    """A list of rows starting with a float as a 2-D float table, if it is a finite one."""
    if (value and isinstance(value[0], list | tuple) and value[0]
            and isinstance(value[0][0], float)):
        arr = np.asarray(value, dtype=float)
        if arr.ndim == 2 and np.isfinite(arr).all():
            return arr.tolist()
    return None


def _clean_any(value: Any) -> Any:
    """The rules of :func:`_clean` for any type (subclasses of float, dict, list, ...)."""
    if isinstance(value, list):
        table = _clean_table(value)
        if table is not None:
            return table
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


_LEAF = _PLAIN | {float}
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(obj: Any) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(type(obj))
    if names is None:
        names = _FIELD_NAMES[type(obj)] = tuple(f.name for f in fields(obj))
    return names


def _as_dict(obj: Any) -> dict[str, Any]:
    """``dataclasses.asdict`` for a dataclass of plain values (and flat dicts and lists of
    them), without its recursive deep copy; anything deeper goes through ``asdict``."""
    out = {n: getattr(obj, n) for n in _field_names(obj)}
    for k, v in out.items():
        tv = type(v)
        if tv in _LEAF:
            continue
        if tv is dict and all(type(x) in _LEAF for x in v.values()) and all(
                type(x) in _LEAF for x in v):
            out[k] = dict(v)
        elif tv is list and all(type(x) in _LEAF for x in v):
            out[k] = list(v)
        else:
            return asdict(obj)
    return out


BOUNDARY_JITTER_KM = 3.0


def _without_jitter(receptors: list) -> list:
    """Drop boundary crossings that a river undoes within a few km.

    Schematic courses along coarse boundaries cross them back and forth; a crossing
    followed by its reverse within BOUNDARY_JITTER_KM is noise, not a new administration.
    """
    kept: list = []
    last: dict[str, int] = {}  # boundary level -> index in kept of the last crossing
    for r in receptors:
        if r.kind != "boundary":
            kept.append(r)
            continue
        level = r.extra.get("level")
        i = last.get(level)
        prev = kept[i] if i is not None else None
        if (prev is not None and prev.extra.get("from_adcode") == r.extra.get("to_adcode")
                and prev.extra.get("to_adcode") == r.extra.get("from_adcode")
                and r.river_km - prev.river_km < BOUNDARY_JITTER_KM):
            kept[i] = None
            last.pop(level)
            continue
        last[level] = len(kept)
        kept.append(r)
    return [r for r in kept if r is not None]


def _safe(value: Any) -> Any:
    """One value by the rules of :func:`_clean`, inline for plain leaves and finite floats.

    The response rows are built with it (numbers from the core may be NaN or inf) so that
    they need no second walk; fields that are never floats, lists or dicts (codes, names,
    flags) go in as they are.
    """
    tv = type(value)
    return value if tv in _PLAIN or (tv is float and value - value == 0.0) else _clean(value)


def _safe_dict(obj: Any) -> dict[str, Any]:
    """``_clean(_as_dict(obj))``: one dict when every field is a plain leaf or a finite
    float (a receptor's worst case, ten a response), else the two steps."""
    out = {n: getattr(obj, n) for n in _field_names(obj)}
    for v in out.values():
        tv = type(v)
        if not (tv in _PLAIN or (tv is float and v - v == 0.0)):
            return _clean(_as_dict(obj))
    return out


_CONTAINERS = frozenset((list, dict))


def _fresh(value: Any) -> Any:
    """A copy of JSON-safe lists and dicts (containers rebuilt, leaves shared)."""
    if type(value) is list:
        return [_fresh(v) if type(v) in _CONTAINERS else v for v in value]
    return {k: _fresh(v) if type(v) in _CONTAINERS else v for k, v in value.items()}


def _receptor_row(r: ReceptorResult) -> dict[str, Any]:
    """A receptor, JSON-safe."""
    details = _clean(dict(r.extra))  # a fresh dict
    name_en = details.pop("name_en", None)
    return {
        "kind": r.kind, "code": r.code, "name": r.name, "name_en": name_en,
        "river_code": r.river_code, "reach_id": r.reach_code, "river_km": _safe(r.river_km),
        "arrival_h": _safe(r.arrival_h), "peak_h": _safe(r.peak_h),
        "peak_conc_mgl": _safe(r.peak_conc_mgl), "limit_mgl": _safe(r.limit_mgl),
        "exceeds": r.exceeds, "exceed_hours": _safe(r.exceed_hours),
        "lon": _safe(r.lon), "lat": _safe(r.lat), "worst": _safe_dict(r.worst),
        "limit_basis": r.limit_basis, "limit_basis_en": r.limit_basis_en,
        "undissolved": r.undissolved, "near_field": r.near_field,
        "details": details, "curve": _clean(_FloatTable(r.curve)),
    }


@dataclass(frozen=True, slots=True)
class _OriginRows:
    """The static parts of a depot's or team's row, cleaned once per dataset.

    ``tail`` (its details but ``name_en``) ends the row; ``fresh`` are the keys of ``tail``
    holding lists or dicts, copied per row. ``materials`` are the rows of its serving
    materials per pollutant class (about 500 dicts a response for the depots).
    """

    name_en: Any
    tail: dict[str, Any]
    fresh: tuple[str, ...]
    materials: dict[str, list[dict[str, Any]]]


def _origin_rows(ref: Reference, kind: str) -> dict[str, _OriginRows]:
    """Code -> :class:`_OriginRows` of the depots or the teams (``kind``), built on first use."""
    rows = ref.origin_rows.get(kind)
    if rows is None:
        pool = ref.depot_pool if kind == "depots" else ref.team_pool
        classes = sorted({p.pclass for p in ref.pollutants.values()})
        serving = {c: pool.serving(c) for c in classes}
        rows = {}
        for i, o in enumerate(pool.origins):
            tail = _clean(dict(o.extra))  # a fresh dict
            name_en = tail.pop("name_en", None)
            rows[o.code] = _OriginRows(
                name_en, tail, tuple(k for k, v in tail.items() if type(v) in _CONTAINERS),
                {c: _clean([_material_row(m) for m in serving[c][i]]) for c in classes})
        ref.origin_rows[kind] = rows
    return rows


def _material_row(m: MaterialStock) -> dict[str, Any]:
    return {"code": m.code, "name": m.name, "quantity": m.quantity, "unit": m.unit}


def _resource_row(a: Assignment, pclass: str, static: _OriginRows | None = None
                  ) -> dict[str, Any]:
    """One depot or team, JSON-safe.

    ``static`` is what its row always holds (else made from ``a.origin``): copied into the
    row, so that a response shares no list or dict with the cache.
    """
    materials = static.materials.get(pclass) if static is not None else None
    if static is None or materials is None:
        static, materials = _origin_row(a.origin), None
    t = a.target
    target = t if t is not None and t.code else None
    row = {
        "code": a.origin.code, "name": a.origin.name, "name_en": static.name_en,
        "target_code": None if t is None else t.code,
        "target_name": None if t is None else t.name,
        "target_lon": _safe(target.lon) if target else None,
        "target_lat": _safe(target.lat) if target else None,
        "plume_arrival_h": _safe(target.plume_arrival_h) if target else None,
        "distance_km": _safe(a.distance_km), "straight_km": _safe(a.straight_km),
        "travel_h": _safe(a.travel_h), "arrives_before_plume": a.arrives_before_plume,
        "slack_h": _safe(a.slack_h), "estimate": True,  # road times are estimates
        "materials": list(map(dict, materials)) if materials is not None else _clean([
            _material_row(m) for m in a.materials]),
    }
    row.update(static.tail)  # as ``{**row, **extra}``: a repeated key keeps its place
    for k in static.fresh:
        row[k] = _fresh(static.tail[k])
    return row


def _origin_row(o: ResourceOrigin) -> _OriginRows:
    """The static parts of an origin's row, made now (not cached)."""
    tail = _clean(dict(o.extra))  # a fresh dict
    return _OriginRows(tail.pop("name_en", None), tail, (), {})


def _path_feature(ref: Reference, step: PathStep) -> dict[str, Any]:
    """A path step as a GeoJSON feature, JSON-safe."""
    return {
        "type": "Feature",
        "geometry": {"type": "LineString",
                     "coordinates": _clean(_FloatTable(_segment_coords(ref, step)))},
        "properties": {
            "reach_id": step.reach_code, "river_code": step.river_code,
            "river_name": ref.river_names.get(step.river_code),
            "from_km": _safe(step.from_km), "to_km": _safe(step.to_km),
            "arrival_h": _safe(step.arrival_h), "worst_arrival_h": _safe(step.worst_arrival_h),
            "is_reservoir": step.is_reservoir,
        },
    }


def _segment_coords(ref: Reference, step: PathStep) -> list[list[float]]:
    """Fresh [lon, lat] rows of a path step's line.

    A step covering a whole reach (all but the first and last of a path) has the same
    line in every analysis: it is cut from the network once per dataset and kept.
    """
    if step.from_measure == 0.0 and step.to_measure == 1.0:
        line = ref.reach_lines.get(step.reach_idx)
        if line is None:
            line = ref.reach_lines[step.reach_idx] = ref.network.segment_geometry(step)
    else:
        line = ref.network.segment_geometry(step)
    return list(map(list, line))


def _plan(ref: Reference, plume: PlumeResult, pclass: str, level: str) -> dict[str, Any]:
    """The spill river's plan, else the first planned river downstream; JSON-safe."""
    rivers = [plume.snap.river_code] + [s.river_code for s in plume.path]
    plan = next((ref.plans[c] for c in rivers if c in ref.plans), None)
    if plan is None:
        return {"river_code": None, "title": None, "steps": [], "interception_points": []}
    return {
        "river_code": plan.river_code, "title": plan.title_zh, "title_en": plan.title_en,
        "interception_points": _clean(plan.interception_codes),
        "contacts": _clean(plan.contacts),
        "steps": list(map(dict, _step_rows(ref, plan, pclass, level))),
    }


def _step_rows(ref: Reference, plan: Plan, pclass: str, level: str) -> list[dict[str, Any]]:
    """JSON rows of a plan's steps for a class and level: static, so built once per
    dataset (the rows are the cache's: copy them)."""
    key = (plan.river_code, pclass, level)
    rows = ref.step_rows.get(key)
    if rows is None:
        rows = ref.step_rows[key] = _clean([
            {"phase": s.phase, "order": s.order, "text": s.text_zh, "text_en": s.text_en,
             "responsible": s.responsible, "due_min": s.due_min}
            for s in select_plan_steps(plan.steps, pclass, level)])
    return rows


def analyze(session: Session, body: Any) -> dict[str, Any]:
    """The full analysis of one spill (see issue 5's contract for the keys)."""
    ref = get_reference(session)
    req = parse_request(body, list(ref.pollutants))
    config = current_app.config
    pollutant = ref.pollutants[req.pollutant]
    try:
        snap = ref.network.snap(req.lon, req.lat, config["SNAP_MAX_M"])
        plume = run_incident(
            ref.network, snap, pollutant, ReleaseInput(req.mass_kg, req.duration_h),
            req.season, req.horizon_h,
            ref.receptors,
            river_names=ref.river_names, province_names=ref.province_names,
            transfers=cache_for(ref.network, int(config["TRANSFER_CACHE_MB"] * 2**20)),
        )
    except HydroError as exc:
        body_ = exc.to_dict()
        raise Unprocessable(body_.pop("error"), fields=body_.pop("fields"), **body_) from None
    plume = replace(plume, receptors=_without_jitter(list(plume.receptors)))
    return _result(ref, req, plume, config)


def _pollutant_row(p: PollutantInput, mass_kg: float) -> dict[str, Any]:
    """The pollutant as modelled: the regulated species and the mass converted to it."""
    return _clean({
        "code": p.code, "name": p.name, "class": p.pclass, "behaviour": p.behaviour,
        "solubility_mgl": p.solubility_mgl,
        "species": p.species_zh or p.name, "species_en": p.species_en,
        "species_factor": p.species_factor, "species_mass_kg": mass_kg * p.species_factor,
    })


def _result(ref: Reference, req: IncidentRequest, plume: PlumeResult, config) -> dict[str, Any]:
    """The response: rows are built JSON-safe; the small rest goes through :func:`_clean`."""
    pclass = ref.pollutants[req.pollutant].pclass
    started = req.started_at or datetime.now(UTC).replace(microsecond=0)
    targets = {
        r.code: Target(r.code, r.name, r.lon, r.lat, r.worst.arrival_h, r.river_km)
        for r in plume.receptors if r.kind == "interception"
    }
    circuity, speed = config["ROAD_CIRCUITY"], config["ROAD_SPEED_KMH"]
    depots = ref.depot_pool.assign(list(targets.values()), pclass, circuity, speed,
                                   require_materials=True)
    teams = ref.team_pool.assign(list(targets.values()), pclass, circuity, speed)
    depot_rows, team_rows = _origin_rows(ref, "depots"), _origin_rows(ref, "teams")
    level = assess_level(pollutant_class=pclass, receptors=plume.receptors, deaths=req.deaths,
                         poisoned=req.poisoned, evacuated=req.evacuated, loss_cny=req.loss_cny)
    snap = plume.snap
    model = _as_dict(plume.model)
    model["coefficients"]["road_circuity"] = circuity
    model["coefficients"]["road_speed_kmh"] = speed
    model["coefficients"]["snap_max_m"] = config["SNAP_MAX_M"]
    model["assumptions"] = model["assumptions"] + [
        "Depot and team travel times are estimates: geodesic distance × road circuity / "
        "mean speed, not a road-network route.",
        "A depot or team 'arrives before the plume' when it reaches the interception point "
        "before the worst-case (earliest) leading edge.",
    ]
    return {
        "request": _clean({
            "location": {"lon": req.lon, "lat": req.lat}, "pollutant": req.pollutant,
            "release": {"mass_kg": req.mass_kg, "duration_h": req.duration_h},
            "season": req.season, "horizon_h": req.horizon_h,
            "started_at": started.isoformat(),
        }),
        "pollutant": _pollutant_row(ref.pollutants[req.pollutant], req.mass_kg),
        "snap": _clean({
            "river_code": snap.river_code, "river_name": ref.river_names.get(snap.river_code),
            "river_name_en": ref.river_names_en.get(snap.river_code),
            "reach_id": snap.reach_code, "measure": snap.measure, "offset_m": snap.offset_m,
            "lon": snap.lon, "lat": snap.lat,
        }),
        "path": {"type": "FeatureCollection",
                 "features": [_path_feature(ref, s) for s in plume.path]},
        "length_km": _safe(plume.length_km),
        "receptors": [_receptor_row(r) for r in plume.receptors],
        "profile": _clean(_FloatTable(plume.profile)),
        "worst_profile": _clean(_FloatTable(plume.worst_profile)),
        "depots": [_resource_row(a, pclass, depot_rows.get(a.origin.code)) for a in depots],
        "teams": [_resource_row(a, pclass, team_rows.get(a.origin.code)) for a in teams],
        "plan": _plan(ref, plume, pclass, level.suggested),
        "level": _clean({
            "suggested": level.suggested,
            "reasons": [_as_dict(r) for r in level.reasons],
            "report_due_min": level.report_due_min,
            "report_due_at": (started + timedelta(minutes=level.report_due_min)).isoformat(),
            "report_as": level.report_as,
            "report_reasons": [_as_dict(r) for r in level.report_reasons],
            "province_to_mee_min": level.province_to_mee_min,
            "lead": level.lead,
        }),
        "notify": _clean([
            {**_as_dict(n), "reason": n.reason_zh} for n in downstream_notifications(
                plume.receptors)
        ]),
        "model": _clean(model),
    }

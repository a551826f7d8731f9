"""`analyze(request)`: one spill, from a request dict to the full answer (contract of issue 5).

Parse and validate the request (422s name the field) → cached reference data → snap →
transport (pure core) → resources, level, plan steps, notifications → a JSON-ready dict.
Nothing is stored.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, datetime, timedelta
from itertools import chain
from typing import Any

import numpy as np
import shapely
from flask import current_app
from geoalchemy2.shape import to_shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from webgis.contract.errors import parse
from webgis.contract.requests import MAX_HORIZON_H, AnalysisRequest  # noqa: F401 (public name)
from webgis.errors import Unprocessable
from webgis.hydro.analysis import (
    PathStep,
    PlumeResult,
    PollutantInput,
    ReceptorResult,
    ReleaseInput,
    WorstCase,
    default_limit_mgl,
    limit_and_basis,
    run_incident,
)
from webgis.hydro.crossings import merge_crossings
from webgis.hydro.reservoirs import flagged_rows, upstream_intakes
from webgis.hydro.transfer import cache_for
from webgis.models import AdminArea
from webgis.response.level import assess_level, report_clock
from webgis.response.notify import downstream_notifications
from webgis.response.plans import fit_interception, fit_responsible, select_plan_steps
from webgis.response.resources import (
    Assignment,
    MaterialStock,
    ResourceOrigin,
    Target,
    useful_flags,
)
from webgis.services.reference import Plan, Reference, get_reference

# a discovery time later than this after now is a typo, not a drill (clock skew and a drill
# planned for later today stay within it)
MAX_DISCOVERY_AHEAD = timedelta(hours=24)


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
    discovered_at: datetime | None = None  # None: now (or the start, if that is later)
    sensitive_groups: bool = False  # Art. 4 (2) of the 2011 measures
    mass_incident: bool = False  # Art. 4 (5)
    ecology: str | None = None  # a key of response.level.ECOLOGY (2014 plan, ecology row)


def parse_request(body: Any, pollutant_codes: list[str]) -> IncidentRequest:
    """Validate an analysis request (`AnalysisRequest`, or raw JSON parsed by it); every
    error is a 422 naming the field. The pollutant and the times are checked here: the
    codes come from the database, "now" from the clock."""
    req = body if isinstance(body, AnalysisRequest) else parse(AnalysisRequest, body)
    if req.pollutant not in pollutant_codes:
        raise Unprocessable("unknown pollutant %(pollutant)r", fields={"pollutant": req.pollutant},
                            params={"pollutant": req.pollutant}, valid=sorted(pollutant_codes))
    started_at, discovered_at = req.started_at, req.discovered_at
    if discovered_at is not None:
        raw = {"discovered_at": discovered_at.isoformat()}
        if started_at is not None and discovered_at < started_at:
            raise Unprocessable("discovered_at must not be before started_at (a release is "
                                "discovered after it starts)",
                                fields={**raw, "started_at": started_at.isoformat()})
        if discovered_at > datetime.now(UTC) + MAX_DISCOVERY_AHEAD:
            raise Unprocessable("discovered_at lies more than 24 h in the future", fields=raw)
    return IncidentRequest(
        lon=req.location.lon, lat=req.location.lat, pollutant=req.pollutant,
        mass_kg=req.release.mass_kg, duration_h=req.release.duration_h, season=req.season,
        horizon_h=req.horizon_h, started_at=started_at, deaths=req.deaths,
        poisoned=req.poisoned, evacuated=req.evacuated, loss_cny=req.loss_cny,
        discovered_at=discovered_at, ecology=req.ecology_key,
        sensitive_groups=req.sensitive_groups, mass_incident=req.mass_incident,
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
        **({} if r.slick is None else {"slick": _slick_row(r)}),
    }


def _slick_row(r: ReceptorResult) -> dict[str, Any]:
    """A floating oil's slick at a receptor, JSON-safe: expected edges and length, the
    share evaporated by the expected arrival, and the worst case (earliest arrival,
    latest passage end, longest slick; no evaporation credit)."""
    s = r.slick
    assert s is not None

    def case(c) -> dict[str, Any]:
        dur = (c.passage_end_h - c.arrival_h
               if c.passage_end_h is not None and c.arrival_h is not None else None)
        return {"arrival_h": _safe(c.arrival_h), "passage_end_h": _safe(c.passage_end_h),
                "duration_h": _safe(dur), "length_km": _safe(c.length_km)}

    return {**case(s.expected), "evaporated_pct": _safe(s.evaporated_pct),
            "floating_kg": _safe(s.floating_kg),
            "worst": {**case(s.worst), "evaporated_pct": 0.0}}


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


def _resource_row(a: Assignment, pclass: str, static: _OriginRows | None = None,
                  useful: bool = True) -> dict[str, Any]:
    """One depot or team, JSON-safe; ``useful`` (see ``response.resources.useful_flags``):
    drawn on the map and listed first, the others collapsed.

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
        "useful": useful,
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


@dataclass
class _Prefectures:
    """The prefectures of one dataset, to place a spill: names and prepared polygons."""

    key: str
    names: tuple[str, ...]
    polygons: list[Any]  # prepared shapely geometries, in the order of ``names``
    tree: Any  # shapely.STRtree over ``polygons``
    crossed: frozenset[str]  # reaches with a prefecture crossing
    by_reach: dict[str, str | None] = field(default_factory=dict)  # the others, as met

    def on_reach(self, reach_code: str, lon: float, lat: float) -> str | None:
        """The prefecture of a point on a reach: a reach without a crossing lies in one
        prefecture (or none), so its answer is kept."""
        if reach_code in self.crossed:
            return self.at(lon, lat)
        if reach_code not in self.by_reach:
            self.by_reach[reach_code] = self.at(lon, lat)
        return self.by_reach[reach_code]

    def at(self, lon: float, lat: float) -> str | None:
        """The prefecture holding the point, or None (outside Gansu)."""
        point = shapely.Point(lon, lat)
        for i in sorted(self.tree.query(point)):
            if self.polygons[i].intersects(point):
                return self.names[i]
        return None


_PREFECTURES: list[_Prefectures] = []  # the current dataset's (one at a time)
_PREFECTURE_LEVELS = ("prefecture", "new_district")


def _prefectures(session: Session, ref: Reference) -> _Prefectures:
    """The dataset's prefectures, read once per dataset (a few tens of ms)."""
    key = ref.key
    cached = _PREFECTURES[0] if _PREFECTURES else None
    if cached is not None and cached.key == key:
        return cached
    rows = session.execute(select(AdminArea.name_zh, AdminArea.geom).where(
        AdminArea.level.in_(_PREFECTURE_LEVELS)).order_by(AdminArea.name_zh)).all()
    polygons = [to_shape(g) for _, g in rows]
    for poly in polygons:
        shapely.prepare(poly)
    crossed = frozenset(r.reach_code for r in ref.receptors
                        if r.kind == "boundary" and r.extra.get("level") == "prefecture")
    made = _Prefectures(key, tuple(n for n, _ in rows), polygons, shapely.STRtree(polygons),
                        crossed)
    _PREFECTURES[:] = [made]
    return made


def _touched(session: Session, ref: Reference, plume: PlumeResult
             ) -> tuple[frozenset[str], tuple[str, ...]]:
    """(Gansu prefectures the plume touches, every prefecture name) for fitting the plan.

    The spill's own holds the snapped point (prepared polygons, read once per dataset;
    kept per reach unless the reach crosses a prefecture boundary); the rest are both
    sides of every prefecture crossing on the plume's path.
    """
    pref = _prefectures(session, ref)
    snap = plume.snap
    home = pref.on_reach(snap.reach_code, snap.lon, snap.lat)
    names = {home} if home else set()
    for r in plume.receptors:
        if r.kind == "boundary" and r.extra.get("level") == "prefecture":
            names.update(n for n in (r.extra.get("from_name"), r.extra.get("to_name")) if n)
    return frozenset(names), pref.names


def _plan(ref: Reference, plume: PlumeResult, pclass: str, level: str,
          touched: tuple[frozenset[str], tuple[str, ...]] = (frozenset(), ()),
          report_level: str | None = None) -> dict[str, Any]:
    """The spill river's plan, else the first planned river downstream; JSON-safe.

    Fitted to the spill: the steps for its class and level (the report steps for the level
    it is reported as, ``report_level``), their responsible units cut to
    the prefectures the plume touches (``touched``: those and every prefecture name), and
    the plan's interception points cut to those the plume reaches.
    """
    rivers = [plume.snap.river_code] + [s.river_code for s in plume.path]
    plan = next((ref.plans[c] for c in rivers if c in ref.plans), None)
    if plan is None:
        return {"river_code": None, "title": None, "steps": [], "interception_points": []}
    reached = {r.code for r in plume.receptors if r.kind == "interception"}
    prefectures, known = touched
    steps = list(map(dict, _step_rows(ref, plan, pclass, level, report_level)))
    for row in steps:
        if isinstance(row.get("responsible"), str):
            row["responsible"] = fit_responsible(row["responsible"], prefectures, known)
    return {
        "river_code": plan.river_code, "title": plan.title_zh, "title_en": plan.title_en,
        "interception_points": fit_interception(plan.interception_codes, reached),
        "prefectures": sorted(prefectures),
        "contacts": _clean(plan.contacts),
        "steps": steps,
    }


def _step_rows(ref: Reference, plan: Plan, pclass: str, level: str,
               report_level: str | None = None) -> list[dict[str, Any]]:
    """JSON rows of a plan's steps for a class and level (report steps at
    ``report_level``): static, so built once per dataset (the rows are the cache's: copy
    them)."""
    key = (plan.river_code, pclass, level) if report_level is None else (
        plan.river_code, pclass, f"{level}/{report_level}")
    rows = ref.step_rows.get(key)
    if rows is None:
        rows = ref.step_rows[key] = _clean([
            {"phase": s.phase, "order": s.order, "text": s.text_zh, "text_en": s.text_en,
             "responsible": s.responsible, "due_min": s.due_min}
            for s in select_plan_steps(plan.steps, pclass, level, report_level)])
    return rows


def analyze(session: Session, body: Any) -> dict[str, Any]:
    """The full analysis of one spill (see issue 5's contract for the keys)."""
    ref = get_reference(session)
    req = parse_request(body, list(ref.pollutants))
    config = current_app.config
    pollutant = ref.pollutants[req.pollutant]
    # a HydroError (too far from any river, ...) is a WebgisError: the edge answers it
    snap = ref.network.snap(req.lon, req.lat, config["SNAP_MAX_M"])
    plume = run_incident(
        ref.network, snap, pollutant, ReleaseInput(req.mass_kg, req.duration_h),
        req.season, req.horizon_h,
        ref.receptors,
        river_names=ref.river_names, province_names=ref.province_names,
        transfers=cache_for(ref.network, int(config["TRANSFER_CACHE_MB"] * 2**20)),
    )
    # a river weaving along a border crosses the drawn boundary many times: one border
    # stretch per real crossing (webgis.hydro.crossings)
    plume = replace(plume, receptors=merge_crossings(plume.receptors))
    plume, warnings = _same_reservoir_intakes(ref, plume, pollutant)
    out = _result(ref, req, plume, config, _touched(session, ref, plume))
    out["warnings"] = warnings
    out["model"]["assumptions"] += [w["en"] for w in warnings]
    return out


def _same_reservoir_intakes(ref: Reference, plume: PlumeResult, pollutant
                            ) -> tuple[PlumeResult, list[dict[str, Any]]]:
    """Intakes in the reservoir the plume enters but upstream of its entry, which the 1D
    model never reaches: added as receptors flagged "treat as threatened", with a warning
    (webgis.hydro.reservoirs). Never silently dropped."""
    found = upstream_intakes(ref.network, plume.path, ref.receptors)
    if not found:
        return plume, []
    river_of = {r.code: ref.network.river_code(ref.network.index_of(r.reach_code))
                for r in (f.receptor for f in found)}

    default_limit, default_basis = limit_and_basis("water_source", pollutant)

    def make(*, worst, **kw) -> ReceptorResult:
        w_arr, w_peak_h, w_peak, w_exceeds = worst
        # the limit's table and class, as for every other intake (unless its own limit)
        basis = default_basis if kw.get("limit_mgl") == default_limit else None
        return ReceptorResult(
            kind="water_source", river_code=river_of[kw["code"]], exceed_hours=math.nan,
            curve=[], worst=WorstCase(w_arr, w_peak_h, w_peak, w_exceeds, math.nan),
            limit_basis=basis[0] if basis else None,
            limit_basis_en=basis[1] if basis else None, **kw)

    rows, warnings = flagged_rows(
        found, plume.path, plume.profile, plume.worst_profile,
        lambda r: r.limit_mgl if r.limit_mgl is not None else default_limit_mgl(
            "water_source", pollutant), make, plume.receptors)
    receptors = sorted([*plume.receptors, *rows], key=lambda r: r.river_km)
    return replace(plume, receptors=receptors), warnings


def _pollutant_row(p: PollutantInput, mass_kg: float, floating_slick: bool
                   ) -> dict[str, Any]:
    """The pollutant as modelled: the regulated species and the mass converted to it, and
    what ``peak_conc_mgl`` measures (for a floating oil the dissolved petroleum, 石油类,
    under its slick, never a bulk concentration of the product)."""
    return _clean({
        "code": p.code, "name": p.name, "class": p.pclass, "behaviour": p.behaviour,
        "concentration_of": "petroleum" if floating_slick else p.code,
        "solubility_mgl": p.solubility_mgl,
        "species": p.species_zh or p.name, "species_en": p.species_en,
        "species_factor": p.species_factor, "species_mass_kg": mass_kg * p.species_factor,
    })


def _result(ref: Reference, req: IncidentRequest, plume: PlumeResult, config,
            touched: tuple[frozenset[str], tuple[str, ...]] = (frozenset(), ())
            ) -> dict[str, Any]:
    """The response: rows are built JSON-safe; the small rest goes through :func:`_clean`."""
    pclass = ref.pollutants[req.pollutant].pclass
    now = datetime.now(UTC).replace(microsecond=0)
    started = req.started_at or now
    # the clock runs from discovery (Art. 3): by default now, or the start if that is later
    discovered = req.discovered_at or max(now, started)
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
                         poisoned=req.poisoned, evacuated=req.evacuated, loss_cny=req.loss_cny,
                         sensitive_groups=req.sensitive_groups,
                         mass_incident=req.mass_incident, ecology=req.ecology)
    clock = report_clock(level, discovered)
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
    behaviour = ref.pollutants[req.pollutant].behaviour
    return {
        "behaviour": behaviour,
        "slick": _clean(plume.slick),
        "request": _clean({
            "location": {"lon": req.lon, "lat": req.lat}, "pollutant": req.pollutant,
            "release": {"mass_kg": req.mass_kg, "duration_h": req.duration_h},
            "season": req.season, "horizon_h": req.horizon_h,
            "started_at": started.isoformat(), "discovered_at": clock["discovered_at"],
            "casualties": {"deaths": req.deaths, "poisoned": req.poisoned},
            "evacuated": req.evacuated, "loss_cny": req.loss_cny,
            "sensitive_groups": req.sensitive_groups, "mass_incident": req.mass_incident,
            "ecology": req.ecology,
        }),
        "pollutant": _pollutant_row(ref.pollutants[req.pollutant], req.mass_kg,
                                    plume.slick is not None),
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
        "depots": [_resource_row(a, pclass, depot_rows.get(a.origin.code), useful)
                   for a, useful in zip(depots, useful_flags(depots), strict=True)],
        "teams": [_resource_row(a, pclass, team_rows.get(a.origin.code), useful)
                  for a, useful in zip(teams, useful_flags(teams), strict=True)],
        "plan": _plan(ref, plume, pclass, level.suggested, touched,
                      "II" if level.report_as == "I/II" else None),
        "level": _clean({
            "suggested": level.suggested,
            "reasons": [_as_dict(r) for r in level.reasons],
            "report_due_min": level.report_due_min,
            "discovered_at": clock["discovered_at"],
            "report_due_at": clock["report_due_at"],  # counted from discovery (Art. 3)
            "report_as": level.report_as,
            "report_reasons": [_as_dict(r) for r in level.report_reasons],
            "province_to_mee_min": level.province_to_mee_min,
            "province_to_mee_due_at": clock["province_to_mee_due_at"],
            "lead": level.lead,
            "standby_intakes": list(level.standby_intakes),
        }),
        "notify": _clean([
            {**_as_dict(n), "reason": n.reason_zh} for n in downstream_notifications(
                plume.receptors, home_adcode=ref.home_adcode)
        ]),
        "model": _clean(model),
    }

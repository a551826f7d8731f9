"""`analyze(request)`: one spill, from a request dict to the full answer (contract of issue 5).

Parse and validate the request (422s name the field) → cached reference data → snap →
transport (pure core) → resources, level, plan steps, notifications → a JSON-ready dict.
Nothing is stored.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import shapely
from flask import current_app
from geoalchemy2.shape import to_shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from webgis.contract.result import (
    SCHEMA_VERSION,
    AnalysisResult,
    LevelReasonRow,
    MaterialRow,
    ModelBlock,
    NotifyRow,
    PathFeature,
    PlanInfo,
    PollutantInfo,
    ReceptorRow,
    SlickCaseRow,
    SlickRow,
)
from webgis.errors import Unprocessable
from webgis.hydro.analysis import (
    MAX_MASS_KG,
    ModelInfo,
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
from webgis.hydro.errors import HydroError
from webgis.hydro.hydraulics import SEASONS
from webgis.hydro.reservoirs import flagged_rows, upstream_intakes
from webgis.hydro.slick import SlickAt, SlickCase
from webgis.hydro.transfer import cache_for
from webgis.models import AdminArea
from webgis.response.level import ECOLOGY, LevelReason, assess_level, report_clock
from webgis.response.notify import Notification, downstream_notifications
from webgis.response.plans import fit_interception, fit_responsible, select_plan_steps
from webgis.response.resources import (
    Assignment,
    MaterialStock,
    ResourceOrigin,
    Target,
    useful_flags,
)
from webgis.services.reference import Plan, Reference, get_reference
from webgis.validation import parse_instant

MAX_HORIZON_H = 1440.0
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
    started_at = _when(body, "started_at")
    discovered_at = _when(body, "discovered_at")
    if discovered_at is not None:
        if started_at is not None and discovered_at < started_at:
            raise Unprocessable("discovered_at must not be before started_at (a release is "
                                "discovered after it starts)",
                                fields={"discovered_at": body["discovered_at"],
                                        "started_at": body["started_at"]})
        if discovered_at > datetime.now(UTC) + MAX_DISCOVERY_AHEAD:
            raise Unprocessable("discovered_at lies more than 24 h in the future",
                                fields={"discovered_at": body["discovered_at"]})
    flags = {}
    for key in ("sensitive_groups", "mass_incident"):
        raw = body.get(key, False)
        if not isinstance(raw, bool):
            raise Unprocessable(f"{key} must be true or false", fields={key: raw})
        flags[key] = raw
    ecology = body.get("ecology")
    if ecology in ("", "none"):
        ecology = None
    if ecology is not None and ecology not in ECOLOGY:
        raise Unprocessable(f"ecology must be one of none, {', '.join(ECOLOGY)}",
                            fields={"ecology": ecology})
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
        discovered_at=discovered_at, ecology=ecology, **flags,
    )


def _when(body: dict[str, Any], field: str) -> datetime | None:
    """An optional ISO-8601 date-time from 1900 to 2200 (UTC when it has no offset); 422."""
    raw = body.get(field)
    return None if raw is None else parse_instant(raw, field)


def _receptor_row(r: ReceptorResult) -> ReceptorRow:
    """A receptor as a :class:`~webgis.contract.result.ReceptorRow` (non-finite numbers
    become ``null`` when the result is serialised)."""
    details = dict(r.extra)  # a fresh dict
    name_en = details.pop("name_en", None)
    w = r.worst
    row: ReceptorRow = {
        "kind": r.kind, "code": r.code, "name": r.name, "name_en": name_en,
        "river_code": r.river_code, "reach_code": r.reach_code, "reach_id": r.reach_code,
        "river_km": r.river_km, "arrival_h": r.arrival_h, "peak_h": r.peak_h,
        "peak_conc_mgl": r.peak_conc_mgl, "limit_mgl": r.limit_mgl,
        "exceeds": r.exceeds, "exceed_hours": r.exceed_hours, "lon": r.lon, "lat": r.lat,
        "worst": {"arrival_h": w.arrival_h, "peak_h": w.peak_h,
                  "peak_conc_mgl": w.peak_conc_mgl, "exceeds": w.exceeds,
                  "exceed_hours": w.exceed_hours, "undissolved": w.undissolved,
                  "bank_factor": w.bank_factor},
        "limit_basis": r.limit_basis, "limit_basis_en": r.limit_basis_en,
        "undissolved": r.undissolved, "near_field": r.near_field,
        "details": details, "curve": r.curve,
    }
    if r.slick is not None:
        row["slick"] = _slick_row(r.slick)
    return row


def _slick_case(c: SlickCase) -> SlickCaseRow:
    dur = (c.passage_end_h - c.arrival_h
           if c.passage_end_h is not None and c.arrival_h is not None else None)
    return {"arrival_h": c.arrival_h, "passage_end_h": c.passage_end_h, "duration_h": dur,
            "length_km": c.length_km, "evaporated_pct": 0.0}


def _slick_row(s: SlickAt) -> SlickRow:
    """A floating oil's slick at a receptor: expected edges and length, the share
    evaporated by the expected arrival, and the worst case (earliest arrival, latest
    passage end, longest slick; no evaporation credit)."""
    e = _slick_case(s.expected)
    return {"arrival_h": e["arrival_h"], "passage_end_h": e["passage_end_h"],
            "duration_h": e["duration_h"], "length_km": e["length_km"],
            "evaporated_pct": s.evaporated_pct, "floating_kg": s.floating_kg,
            "worst": _slick_case(s.worst)}


@dataclass(frozen=True, slots=True)
class _OriginRows:
    """The static parts of a depot's or team's row, made once per dataset.

    ``tail`` (its details but ``name_en``, and where it is) ends the row. ``materials``
    are the rows of its serving materials per pollutant class (about 500 dicts a response
    for the depots). Shared by every answer: the rows go straight into the one
    serialisation of the result and are never changed.
    """

    name_en: Any
    tail: dict[str, Any]
    materials: dict[str, list[MaterialRow]]


def _origin_rows(ref: Reference, kind: str) -> dict[str, _OriginRows]:
    """Code -> :class:`_OriginRows` of the depots or the teams (``kind``), built on first use."""
    rows = ref.origin_rows.get(kind)
    if rows is None:
        pool = ref.depot_pool if kind == "depots" else ref.team_pool
        classes = sorted({p.pclass for p in ref.pollutants.values()})
        serving = {c: pool.serving(c) for c in classes}
        rows = {}
        for i, o in enumerate(pool.origins):
            static = _origin_row(o)
            rows[o.code] = _OriginRows(
                static.name_en, static.tail,
                {c: [_material_row(m) for m in serving[c][i]] for c in classes})
        ref.origin_rows[kind] = rows
    return rows


def _material_row(m: MaterialStock) -> MaterialRow:
    return {"code": m.code, "name": m.name, "quantity": m.quantity, "unit": m.unit}


def _resource_row(a: Assignment, pclass: str, static: _OriginRows | None = None,
                  useful: bool = True) -> dict[str, Any]:
    """One depot or team (:class:`~webgis.contract.result.DepotRow`, ``TeamRow``);
    ``useful`` (see ``response.resources.useful_flags``): drawn on the map and listed
    first, the others collapsed. ``static`` is what its row always holds (else made from
    ``a.origin``)."""
    materials = static.materials.get(pclass) if static is not None else None
    if static is None or materials is None:
        static = _origin_row(a.origin)
        materials = [_material_row(m) for m in a.materials]
    t = a.target
    target = t if t is not None and t.code else None
    row = {
        "code": a.origin.code, "name": a.origin.name, "name_en": static.name_en,
        "target_code": None if t is None else t.code,
        "target_name": None if t is None else t.name,
        "target_lon": target.lon if target else None,
        "target_lat": target.lat if target else None,
        "plume_arrival_h": target.plume_arrival_h if target else None,
        "distance_km": a.distance_km, "straight_km": a.straight_km,
        "travel_h": a.travel_h, "arrives_before_plume": a.arrives_before_plume,
        "slack_h": a.slack_h, "estimate": True,  # road times are estimates
        "useful": useful, "materials": materials,
    }
    row.update(static.tail)  # as ``{**row, **extra}``: a repeated key keeps its place
    return row


def _origin_row(o: ResourceOrigin) -> _OriginRows:
    """The static parts of an origin's row: its details, and where it is (the sheet's map
    draws it from there)."""
    tail = dict(o.extra)
    name_en = tail.pop("name_en", None)
    tail["lon"], tail["lat"] = o.lon, o.lat
    return _OriginRows(name_en, tail, {})


def _path_feature(ref: Reference, step: PathStep) -> PathFeature:
    """A path step as a GeoJSON feature."""
    return {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": _segment_coords(ref, step)},
        "properties": {
            "reach_code": step.reach_code, "reach_id": step.reach_code,
            "river_code": step.river_code, "river_name": ref.river_names.get(step.river_code),
            "from_km": step.from_km, "to_km": step.to_km,
            "arrival_h": step.arrival_h, "worst_arrival_h": step.worst_arrival_h,
            "is_reservoir": step.is_reservoir,
        },
    }


COORD_DECIMALS = 6  # path vertices to 1e-6 degree (about 0.1 m): the drawn line is schematic


def _segment_coords(ref: Reference, step: PathStep) -> list[tuple[float, float]]:
    """The [lon, lat] vertices of a path step's line, rounded once (:data:`COORD_DECIMALS`).

    A step covering a whole reach (all but the first and last of a path) has the same
    line in every analysis: it is cut from the network once per dataset and kept (shared
    by every answer, which only serialises it).
    """
    whole = step.from_measure == 0.0 and step.to_measure == 1.0
    line = ref.reach_lines.get(step.reach_idx) if whole else None
    if line is None:
        line = [(round(x, COORD_DECIMALS), round(y, COORD_DECIMALS))
                for x, y in ref.network.segment_geometry(step)]
        if whole:
            ref.reach_lines[step.reach_idx] = line
    return line


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
          report_level: str | None = None) -> PlanInfo:
    """The spill river's plan, else the first planned river downstream.

    Fitted to the spill: the steps for its class and level (the report steps for the level
    it is reported as, ``report_level``), their responsible units cut to
    the prefectures the plume touches (``touched``: those and every prefecture name), and
    the plan's interception points cut to those the plume reaches. ``sensitive_notes``:
    the notes of every plan on the path about the receptors the plume reaches (the sheet
    prints them; it reads nothing else).
    """
    rivers = [plume.snap.river_code] + [s.river_code for s in plume.path]
    plan = next((ref.plans[c] for c in rivers if c in ref.plans), None)
    notes = _sensitive_notes(ref, plume, rivers, plan)
    if plan is None:
        return {"river_code": None, "title": None, "steps": [], "interception_points": [],
                "sensitive_notes": notes}
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
        "contacts": plan.contacts,
        "steps": steps,  # type: ignore[typeddict-item]  # copies of PlanStepRow
        "sensitive_notes": notes,
    }


def _sensitive_notes(ref: Reference, plume: PlumeResult, rivers: list[str],
                     plan: Plan | None) -> dict[str, str]:
    """Receptor code -> the note of a plan on that sensitive point: the chosen plan's
    river first, then the rivers on the path in order (the first note wins)."""
    order = dict.fromkeys([plan.river_code if plan else rivers[0], *rivers])
    codes = {r.code for r in plume.receptors}
    notes: dict[str, str] = {}
    for code in order:
        p = ref.plans.get(code)
        for k, note in (p.sensitive_notes.items() if p else ()):
            if k in codes:
                notes.setdefault(k, note)
    return notes


def _step_rows(ref: Reference, plan: Plan, pclass: str, level: str,
               report_level: str | None = None) -> list[dict[str, Any]]:
    """Rows of a plan's steps for a class and level (report steps at
    ``report_level``): static, so built once per dataset (the rows are the cache's: copy
    them)."""
    key = (plan.river_code, pclass, level) if report_level is None else (
        plan.river_code, pclass, f"{level}/{report_level}")
    rows = ref.step_rows.get(key)
    if rows is None:
        rows = ref.step_rows[key] = [
            {"phase": s.phase, "order": s.order, "text": s.text_zh, "text_en": s.text_en,
             "responsible": s.responsible, "due_min": s.due_min}
            for s in select_plan_steps(plan.steps, pclass, level, report_level)]
    return rows


@dataclass
class Analysis:
    """One analysis, serialised once: ``json`` (orjson: non-finite numbers as ``null``)
    is what the API answers and what saving stores; ``result`` is that JSON read back
    (parsed on first use), the :class:`~webgis.contract.result.AnalysisResult` every
    reader in the process (CLI, sheet) uses."""

    json: bytes
    _result: AnalysisResult | None = None

    @property
    def result(self) -> AnalysisResult:
        if self._result is None:
            self._result = orjson.loads(self.json)
        return self._result


def analyze(session: Session, body: Any) -> AnalysisResult:
    """The full analysis of one spill (see issue 5's contract for the keys)."""
    return run_analysis(session, body).result


def run_analysis(session: Session, body: Any) -> Analysis:
    """The full analysis of one spill, serialised once (and kept a while for saving it,
    :func:`analysis_for_saving`)."""
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
    # a river weaving along a border crosses the drawn boundary many times: one border
    # stretch per real crossing (webgis.hydro.crossings)
    plume = replace(plume, receptors=merge_crossings(plume.receptors))
    plume, warnings = _same_reservoir_intakes(ref, plume, pollutant)
    out = _result(ref, req, plume, config, _touched(session, ref, plume))
    out["warnings"] = warnings  # type: ignore[typeddict-item]  # dicts of WarningRow keys
    out["model"]["assumptions"] += [w["en"] for w in warnings]
    done = Analysis(orjson.dumps(out, option=orjson.OPT_SERIALIZE_NUMPY))
    recent.put(_recent_key(ref, body, config), done)
    return done


def analysis_for_saving(session: Session, body: Any) -> Analysis:
    """The analysis of ``body`` to store: the one this process answered for the same
    request on the same data within :data:`RECENT_TTL_S` (what the officer saw, not run
    again), else run now. Never a result sent by a browser."""
    ref = get_reference(session)
    config = current_app.config
    kept = recent.get(_recent_key(ref, body, config))
    return kept if kept is not None else run_analysis(session, body)


RECENT_TTL_S = 900.0  # an analysis is saved within minutes of being shown
RECENT_MAX = 64  # ~100 KB each


class _Recent:
    """The last analyses of this process by key (LRU with an age limit), thread-safe."""

    def __init__(self) -> None:
        self._items: OrderedDict[str, tuple[float, Analysis]] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, key: str, value: Analysis) -> None:
        with self._lock:
            self._items[key] = (time.monotonic(), value)
            self._items.move_to_end(key)
            while len(self._items) > RECENT_MAX:
                self._items.popitem(last=False)

    def get(self, key: str) -> Analysis | None:
        with self._lock:
            item = self._items.get(key)
            if item is None or time.monotonic() - item[0] > RECENT_TTL_S:
                return None
            return item[1]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


recent = _Recent()

# settings an analysis reads: a change makes a new key
_KEYED_SETTINGS = ("SNAP_MAX_M", "ROAD_CIRCUITY", "ROAD_SPEED_KMH")


def _recent_key(ref: Reference, body: Any, config: Any) -> str:
    """What makes an analysis: the dataset (its content hash), the request as sent (key
    order aside) and the settings it reads. Another spill, other data or other settings
    never share a key."""
    try:
        raw = orjson.dumps(body, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    except (TypeError, orjson.JSONEncodeError):
        raw = repr(body).encode()
    digest = hashlib.sha256(raw)
    digest.update(ref.key.encode())
    digest.update(repr([config.get(k) for k in _KEYED_SETTINGS]).encode())
    return digest.hexdigest()


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
                   ) -> PollutantInfo:
    """The pollutant as modelled: the regulated species and the mass converted to it, and
    what ``peak_conc_mgl`` measures (for a floating oil the dissolved petroleum, 石油类,
    under its slick, never a bulk concentration of the product)."""
    return {
        "code": p.code, "name": p.name, "class": p.pclass, "behaviour": p.behaviour,
        "concentration_of": "petroleum" if floating_slick else p.code,
        "solubility_mgl": p.solubility_mgl,
        "species": p.species_zh or p.name, "species_en": p.species_en,
        "species_factor": p.species_factor, "species_mass_kg": mass_kg * p.species_factor,
    }


def _reason_row(r: LevelReason) -> LevelReasonRow:
    return {"level": r.level, "criterion": r.criterion, "text_zh": r.text_zh,
            "text_en": r.text_en, "source": r.source}


def _notify_row(n: Notification) -> NotifyRow:
    return {"admin_code": n.admin_code, "admin_name": n.admin_name, "level": n.level,
            "from_name": n.from_name, "boundary_code": n.boundary_code,
            "river_km": n.river_km, "arrival_h": n.arrival_h,
            "worst_arrival_h": n.worst_arrival_h, "peak_conc_mgl": n.peak_conc_mgl,
            "exceeds": n.exceeds, "reason_zh": n.reason_zh, "reason_en": n.reason_en,
            "source": n.source, "reason": n.reason_zh}


def _model_block(model: ModelInfo, config: Any) -> ModelBlock:
    """The model's description with the settings of the resource ranking."""
    circuity, speed = config["ROAD_CIRCUITY"], config["ROAD_SPEED_KMH"]
    return {
        "season": model.season, "method": model.method, "horizon_h": model.horizon_h,
        "horizon_basis": model.horizon_basis,
        "truncated_at_horizon": model.truncated_at_horizon, "end_kind": model.end_kind,
        "coefficients": {**model.coefficients, "road_circuity": circuity,
                         "road_speed_kmh": speed, "snap_max_m": config["SNAP_MAX_M"]},
        "assumptions": [
            *model.assumptions,
            "Depot and team travel times are estimates: geodesic distance × road circuity / "
            "mean speed, not a road-network route.",
            "A depot or team 'arrives before the plume' when it reaches the interception "
            "point before the worst-case (earliest) leading edge.",
        ],
    }


def _result(ref: Reference, req: IncidentRequest, plume: PlumeResult, config,
            touched: tuple[frozenset[str], tuple[str, ...]] = (frozenset(), ())
            ) -> AnalysisResult:
    """The result (:class:`~webgis.contract.result.AnalysisResult`, but ``warnings``),
    made of the core's values as they are: the one serialisation turns non-finite numbers
    into ``null`` and numpy values into plain JSON."""
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
    return {  # type: ignore[typeddict-item]  # "warnings" follows in run_analysis
        "schema_version": SCHEMA_VERSION,
        "behaviour": ref.pollutants[req.pollutant].behaviour,
        "slick": plume.slick,
        "request": {
            "location": {"lon": req.lon, "lat": req.lat}, "pollutant": req.pollutant,
            "release": {"mass_kg": req.mass_kg, "duration_h": req.duration_h},
            "season": req.season, "horizon_h": req.horizon_h,
            "started_at": started.isoformat(), "discovered_at": clock["discovered_at"],
            "casualties": {"deaths": req.deaths, "poisoned": req.poisoned},
            "evacuated": req.evacuated, "loss_cny": req.loss_cny,
            "sensitive_groups": req.sensitive_groups, "mass_incident": req.mass_incident,
            "ecology": req.ecology,
        },
        "pollutant": _pollutant_row(ref.pollutants[req.pollutant], req.mass_kg,
                                    plume.slick is not None),
        "snap": {
            "river_code": snap.river_code, "river_name": ref.river_names.get(snap.river_code),
            "river_name_en": ref.river_names_en.get(snap.river_code),
            "reach_code": snap.reach_code, "reach_id": snap.reach_code,
            "measure": snap.measure, "offset_m": snap.offset_m,
            "lon": snap.lon, "lat": snap.lat,
        },
        "path": {"type": "FeatureCollection",
                 "features": [_path_feature(ref, s) for s in plume.path]},
        "length_km": plume.length_km,
        "receptors": [_receptor_row(r) for r in plume.receptors],
        "profile": plume.profile,
        "worst_profile": plume.worst_profile,
        "depots": [_resource_row(a, pclass, depot_rows.get(a.origin.code), useful)
                   for a, useful in zip(depots, useful_flags(depots), strict=True)],
        "teams": [_resource_row(a, pclass, team_rows.get(a.origin.code), useful)
                  for a, useful in zip(teams, useful_flags(teams), strict=True)],
        "plan": _plan(ref, plume, pclass, level.suggested, touched,
                      "II" if level.report_as == "I/II" else None),
        "level": {
            "suggested": level.suggested,
            "reasons": [_reason_row(r) for r in level.reasons],
            "report_due_min": level.report_due_min,
            "discovered_at": clock["discovered_at"],
            "report_due_at": clock["report_due_at"],  # counted from discovery (Art. 3)
            "report_as": level.report_as,
            "report_reasons": [_reason_row(r) for r in level.report_reasons],
            "province_to_mee_min": level.province_to_mee_min,
            "province_to_mee_due_at": clock["province_to_mee_due_at"],
            "lead": level.lead,
            "standby_intakes": list(level.standby_intakes),
        },
        "notify": [_notify_row(n) for n in downstream_notifications(
            plume.receptors, home_adcode=ref.home_adcode)],
        "model": _model_block(plume.model, config),
    }

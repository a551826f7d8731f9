"""The analysis result assembled from the core's records: one
:class:`~webgis.contract.result.AnalysisResult` per spill (issue 13).

Rows are made of the core's values as they are (floats, possibly NaN or inf; numpy
values): ``services.analysis`` serialises the result once with orjson, which writes a
non-finite number as ``null``. Static parts (depot and team rows, whole-reach lines, plan
steps) are made once per dataset and shared by every answer: nothing here is changed
after it is built, and the answer is only serialised.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

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
from webgis.hydro.analysis import (
    ModelInfo,
    PathStep,
    PlumeResult,
    PollutantInput,
    ReceptorResult,
)
from webgis.hydro.slick import SlickAt, SlickCase
from webgis.response.level import LevelReason, assess_level, report_clock
from webgis.response.notify import Notification, downstream_notifications
from webgis.response.plans import fit_interception, fit_responsible, select_plan_steps
from webgis.response.resources import (
    Assignment,
    MaterialStock,
    ResourceOrigin,
    Target,
    useful_flags,
)
from webgis.services.reference import Plan, Reference


class RequestLike(Protocol):
    """What the result reads of a validated request (``services.analysis.IncidentRequest``,
    a frozen dataclass: read-only members)."""

    @property
    def lon(self) -> float: ...

    @property
    def lat(self) -> float: ...

    @property
    def pollutant(self) -> str: ...

    @property
    def mass_kg(self) -> float: ...

    @property
    def duration_h(self) -> float: ...

    @property
    def season(self) -> str: ...

    @property
    def horizon_h(self) -> float: ...

    @property
    def started_at(self) -> datetime | None: ...

    @property
    def deaths(self) -> int: ...

    @property
    def poisoned(self) -> int: ...

    @property
    def evacuated(self) -> int: ...

    @property
    def loss_cny(self) -> float: ...

    @property
    def discovered_at(self) -> datetime | None: ...

    @property
    def sensitive_groups(self) -> bool: ...

    @property
    def mass_incident(self) -> bool: ...

    @property
    def ecology(self) -> str | None: ...


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
                for x, y in ref.network.segment_geometry(step)]  # type: ignore[arg-type]
        if whole:
            ref.reach_lines[step.reach_idx] = line
    return line


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


def _pollutant_row(p: PollutantInput, mass_kg: float, floating_slick: bool,
                   name_en: str | None = None) -> PollutantInfo:
    """The pollutant as modelled: the regulated species and the mass converted to it, and
    what ``peak_conc_mgl`` measures (for a floating oil the dissolved petroleum, 石油类,
    under its slick, never a bulk concentration of the product)."""
    return {
        "code": p.code, "name": p.name, "name_en": name_en, "class": p.pclass,
        "behaviour": p.behaviour,
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
        # today's discharge as the model used it (FlowToday.as_dict), when one was given
        **({"flow_today": model.flow_today} if model.flow_today else {}),  # type: ignore[typeddict-item]
        "assumptions": [
            *model.assumptions,
            "Depot and team travel times are estimates: geodesic distance × road circuity / "
            "mean speed, not a road-network route.",
            "A depot or team 'arrives before the plume' when it reaches the interception "
            "point before the worst-case (earliest) leading edge.",
        ],
    }


def _release_echo(req: RequestLike) -> dict[str, Any]:
    """The release as understood: mass and duration, and the rate series when one was
    given (a series' mass and duration are its integral and its end)."""
    out: dict[str, Any] = {"mass_kg": req.mass_kg, "duration_h": req.duration_h}
    series = getattr(req, "rate_series", ())
    if series:
        out["rate_series"] = [list(p) for p in series]
    return out


def build_result(ref: Reference, req: RequestLike, plume: PlumeResult, config: Any,
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
    flow = getattr(req, "flow_today", None)
    return {  # type: ignore[typeddict-item]  # "warnings" follow (the service)
        "schema_version": SCHEMA_VERSION,
        "behaviour": ref.pollutants[req.pollutant].behaviour,
        "slick": plume.slick,
        "request": {
            "location": {"lon": req.lon, "lat": req.lat}, "pollutant": req.pollutant,
            "release": _release_echo(req),
            "season": req.season, "horizon_h": req.horizon_h,
            "started_at": started.isoformat(), "discovered_at": clock["discovered_at"],
            "casualties": {"deaths": req.deaths, "poisoned": req.poisoned},
            "evacuated": req.evacuated, "loss_cny": req.loss_cny,
            "sensitive_groups": req.sensitive_groups, "mass_incident": req.mass_incident,
            "ecology": req.ecology,
            **({"flow_today": flow} if flow is not None else {}),
        },
        "pollutant": _pollutant_row(ref.pollutants[req.pollutant], req.mass_kg,
                                    plume.slick is not None,
                                    ref.pollutant_names_en.get(req.pollutant)),
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

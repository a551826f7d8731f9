"""The reference data an analysis needs, read from PostGIS once and cached per process.

The in-memory bundle (river network, receptors with the prefecture crossings among them,
depots, teams, pollutants, plans) is rebuilt only when the dataset changes: its key is the
content hashes of the loaded layers (`dataset_layer`), re-read at most once a second.
"""

from __future__ import annotations

import gc
import threading
import time
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from typing import Any

import shapely
from geoalchemy2.shape import to_shape
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from webgis import models as m
from webgis.hydro.analysis import PollutantInput, ReceptorInput
from webgis.hydro.network import ReachInput, RiverNetwork
from webgis.response.plans import PlanStepInput
from webgis.response.resources import MaterialStock, ResourceOrigin, ResourcePool
from webgis.services.uow import reading

_lock = threading.Lock()
_cache: OrderedDict[str, Reference] = OrderedDict()  # dataset key -> bundle, newest last
CACHE_SIZE = 2


@dataclass(frozen=True)
class Crossing:
    """Where a reach crosses from one prefecture into another (measure along the reach)."""

    measure: float
    from_code: str | None
    from_name: str | None
    to_code: str | None
    to_name: str | None


@dataclass
class Plan:
    """A river plan: its title, pre-selected interception points and steps."""

    river_code: str
    title_zh: str
    title_en: str
    interception_codes: list[str]
    contacts: list[Any]
    steps: list[PlanStepInput]
    # receptor code -> the plan's note on that sensitive point (printed on the sheet)
    sensitive_notes: dict[str, str] = field(default_factory=dict)


@dataclass
class Reference:
    """Everything the analysis reads, in plain Python.

    The pools rank depots and teams with their distances to every interception point
    measured once. ``origin_rows``, ``reach_lines`` and ``step_rows`` are filled by the
    analysis on first use: static per dataset, so built once instead of per request (the
    analysis copies what it hands out; never mutate them).
    """

    key: str
    network: RiverNetwork
    river_names: dict[str, str]
    river_names_en: dict[str, str]
    province_names: dict[str, str]
    pollutants: dict[str, PollutantInput]
    receptors: list[ReceptorInput]
    depots: list[ResourceOrigin]
    teams: list[ResourceOrigin]
    plans: dict[str, Plan]
    depot_pool: ResourcePool
    team_pool: ResourcePool
    # the province whose prefectures the dataset holds (Gansu): it reports, it is never a
    # downstream administration to notify
    home_adcode: str | None = None
    # "depots" | "teams" -> code -> the static parts of its JSON row (services.analysis)
    origin_rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    # reach index -> lon/lat of the whole reach as a path segment
    reach_lines: dict[int, list[tuple[float, float]]] = field(default_factory=dict)
    # (plan river code, pollutant class, level) -> JSON rows of the plan steps that apply
    step_rows: dict[tuple[str, str, str], list[dict[str, Any]]] = field(default_factory=dict)
    # pollutant code -> English name (the result's ``pollutant.name_en``, English sheets)
    pollutant_names_en: dict[str, str] = field(default_factory=dict)


#: The loaded layers' hashes, the plan versions issued in the product (issuing one changes
#: what incidents use: `_plans`) and the last edit of a register the analysis reads
#: (`webgis.services.registers`).
KEY_SQL = text(
    "SELECT md5(coalesce(string_agg(layer || ':' || sha256, ',' ORDER BY layer), '') || "
    "(SELECT coalesce(string_agg(id::text, ',' ORDER BY id), '') FROM plan_version "
    "WHERE status = 'issued') || ':' || (SELECT coalesce(max(id), 0)::text FROM audit_log "
    "WHERE object_type IN ('stock', 'team', 'enterprise', 'interception', 'depot', "
    "'water_source', 'section'))) "
    "FROM dataset_layer"
)
KEY_TTL_S = 1.0  # a load becomes visible to analyses at most this long after its commit
_key_seen: dict[str, tuple[float, str]] = {}  # database URL -> (checked at, key)


def dataset_key(session: Session) -> str:
    """A key that changes whenever any loaded layer changes (re-read at most once a second)."""
    bind = session.get_bind()
    url = str(bind.engine.url)  # an Engine or a Connection: both know their engine
    now = time.monotonic()
    seen = _key_seen.get(url)
    if seen is not None and now - seen[0] < KEY_TTL_S:
        return seen[1]
    key = session.execute(KEY_SQL).scalar_one()
    _key_seen[url] = (now, key)
    return key


def forget_dataset_key() -> None:
    """Re-read the dataset key on the next analysis in this process (a change committed
    here, e.g. an issued plan version, is then used at once; other processes see it within
    `KEY_TTL_S`)."""
    _key_seen.clear()


def get_reference(session: Session) -> Reference:
    """The cached bundle for the current dataset, built on first use after a change."""
    key = dataset_key(session)
    bundle = _cache.get(key)
    if bundle is not None:
        return bundle
    with _lock:
        if key not in _cache:
            _cache[key] = build_reference(session, key)
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
            gc.freeze()  # long-lived objects: keep the collector from rescanning them
        return _cache[key]


def _point(geom) -> tuple[float, float]:
    p = to_shape(geom)
    return p.x, p.y


def _network(session: Session) -> tuple[RiverNetwork, dict[str, list]]:
    rows = session.execute(
        select(m.Reach, m.River.code.label("river_code")).join(m.River,
                                                                m.River.id == m.Reach.river_id)
    ).all()
    code_of = {r.Reach.id: r.Reach.code for r in rows}
    inputs, lines = [], {}
    for row in rows:
        r = row.Reach
        coords = list(to_shape(r.geom).coords)
        lines[r.code] = coords
        inputs.append(ReachInput(
            code=r.code, river_code=row.river_code,
            downstream_code=code_of.get(r.downstream_id), coords=coords,
            discharge_m3s=r.discharge_m3s, factor_dry=r.factor_dry,
            factor_normal=r.factor_normal, factor_flood=r.factor_flood,
            is_reservoir=r.is_reservoir, volume_m3=r.volume_m3, velocity_mps=r.velocity_mps,
            width_m=r.width_m, depth_m=r.depth_m, slope=r.slope, end_kind=r.end_kind,
            province=r.province, length_m=r.length_m, reservoir_name=r.reservoir_name_zh,
        ))
    return RiverNetwork.build(inputs), lines


def _crossings(session: Session, lines: dict[str, list]) -> dict[str, list[Crossing]]:
    """Prefecture boundary crossings along every reach, computed once per dataset.

    Between consecutive intersection points a sub-line lies in one prefecture (or none:
    outside Gansu, where province crossings take over).
    """
    areas = session.execute(
        select(m.AdminArea.code, m.AdminArea.name_zh, m.AdminArea.geom).where(
            m.AdminArea.level.in_(("prefecture", "new_district")))
    ).all()
    if not areas:
        return {}
    polys = [to_shape(a.geom) for a in areas]
    for p in polys:
        shapely.prepare(p)
    boundaries = [p.boundary for p in polys]
    tree = shapely.STRtree(boundaries)
    out: dict[str, list[Crossing]] = {}

    def where(pt) -> int | None:
        for i in tree.query(pt.buffer(1e-9), predicate=None):
            if polys[i].contains(pt):
                return int(i)
        hits = [i for i, p in enumerate(polys) if p.contains(pt)]
        return hits[0] if hits else None

    for code, coords in lines.items():
        line = shapely.LineString(coords)
        cand = tree.query(line, predicate="intersects")
        if len(cand) == 0:
            continue
        cuts = set()
        for i in cand:
            inter = line.intersection(boundaries[i])
            for g in getattr(inter, "geoms", [inter]):
                if g.is_empty:
                    continue
                for pt in (g,) if g.geom_type == "Point" else (shapely.Point(c) for c in
                                                                  g.coords):
                    cuts.add(round(line.project(pt, normalized=True), 6))
        inner = sorted(c for c in cuts if 0 < c < 1)
        if not inner:
            continue
        marks = [0.0, *inner, 1.0]
        owners = [where(line.interpolate((a + b) / 2, normalized=True))
                  for a, b in zip(marks, marks[1:], strict=False)]
        events = []
        for k, cut in enumerate(inner):
            a, b = owners[k], owners[k + 1]
            if a == b or a is None and b is None:
                continue
            events.append(Crossing(
                cut,
                areas[a].code if a is not None else None,
                areas[a].name_zh if a is not None else None,
                areas[b].code if b is not None else None,
                areas[b].name_zh if b is not None else None,
            ))
        if events:
            out[code] = events
    return out


def _prefecture_boundaries(network: RiverNetwork,
                           crossings: dict[str, list[Crossing]]) -> list[ReceptorInput]:
    """Prefecture crossings as boundary receptors (the analysis keeps those on its path)."""
    out = []
    for reach_code, events in crossings.items():
        idx = network.index_of(reach_code)
        for c in events:
            if c.from_code is None or c.to_code is None:
                continue  # leaving or entering Gansu: the province crossing reports it
            lon, lat = network.point_at(idx, c.measure)
            out.append(ReceptorInput(
                "boundary", f"BND-{c.from_code}-{c.to_code}-{reach_code}",
                f"{c.from_name} → {c.to_name}", reach_code, c.measure, lon, lat,
                extra={"level": "prefecture", "from_adcode": c.from_code,
                       "to_adcode": c.to_code, "from_name": c.from_name,
                       "to_name": c.to_name}))
    return out


def _receptors(session: Session) -> list[ReceptorInput]:
    out: list[ReceptorInput] = []
    specs = [
        ("water_source", m.WaterSource, lambda r: {
            "serves": r.serves, "serves_name_zh": r.serves_name_zh,
            "population_served": r.population_served, "name_en": r.name_en}),
        ("section", m.MonitoringSection, lambda r: {
            "level": r.level, "target_class": r.target_class, "is_exit": r.is_exit,
            "boundary": r.boundary, "name_en": r.name_en}),
        ("interception", m.InterceptionPoint, lambda r: {
            "type": r.kind, "capacity_m3": r.capacity_m3, "holding_h": r.holding_h,
            "techniques": list(r.techniques), "access": r.access,
            "access_road_km": r.access_road_km, "name_en": r.name_en}),
    ]
    model: Any
    for kind, model, extra in specs:
        rows = session.execute(select(model, m.Reach.code).join(m.Reach,
                                                                m.Reach.id == model.reach_id))
        for rec, reach_code in rows:
            lon, lat = _point(rec.geom)
            out.append(ReceptorInput(kind, rec.code, rec.name_zh, reach_code, rec.measure, lon,
                                     lat, extra=extra(rec)))
    return out


def _depots(session: Session) -> list[ResourceOrigin]:
    stocks: dict[int, list[MaterialStock]] = defaultdict(list)
    rows = session.execute(select(m.Inventory.depot_id, m.Inventory.quantity, m.Material).join(
        m.Material, m.Material.id == m.Inventory.material_id))
    for depot_id, qty, mat in rows:
        stocks[depot_id].append(MaterialStock(mat.code, mat.name_zh, qty, mat.unit,
                                              tuple(mat.serves)))
    out = []
    for d in session.scalars(select(m.Depot).order_by(m.Depot.code)):
        lon, lat = _point(d.geom)
        out.append(ResourceOrigin(d.code, d.name_zh, lon, lat, stocks.get(d.id, []), extra={
            "name_en": d.name_en, "kind": d.kind, "status": d.status, "address": d.address,
            "contact_name": d.contact_name, "contact_phone": d.contact_phone,
            "fictitious_contact": d.fictitious_contact}))
    return out


def _teams(session: Session) -> list[ResourceOrigin]:
    out = []
    for t in session.scalars(select(m.RescueTeam).order_by(m.RescueTeam.code)):
        lon, lat = _point(t.geom)
        out.append(ResourceOrigin(t.code, t.name_zh, lon, lat, (), extra={
            "name_en": t.name_en, "base": t.base, "headcount": t.headcount,
            "specialities": list(t.specialities), "equipment": list(t.equipment),
            "contact_name": t.contact_name, "contact_phone": t.contact_phone,
            "fictitious_contact": t.fictitious_contact}))
    return out


def _plans(session: Session) -> dict[str, Plan]:
    """Every river's plan; the steps are the version issued in the product if there is one
    (issue 17), else the bundled ones."""
    issued = {v.plan_id: v.steps for v in session.scalars(
        select(m.PlanVersion).where(m.PlanVersion.status == "issued"))}
    out = {}
    for p in session.scalars(select(m.RiverPlan)):
        rows: list[Any] = issued.get(p.id) or [
            {"phase": s.phase, "order": s.order, "text_zh": s.text_zh, "text_en": s.text_en,
             "responsible": s.responsible, "due_min": s.due_min, "classes": s.classes,
             "min_level": s.min_level} for s in p.steps]
        steps = [PlanStepInput(s["phase"], s["order"], s["text_zh"], s.get("text_en") or "",
                               s.get("responsible") or "", s.get("due_min"),
                               tuple(s.get("classes") or ()), s.get("min_level"))
                 for s in rows]
        notes: dict[str, str] = {}
        points: list[dict[str, Any]] = list(p.sensitive_points or [])
        for sp in points:
            if sp.get("code") and sp.get("note_zh"):
                notes.setdefault(sp["code"], sp["note_zh"])
        out[p.code] = Plan(p.code, p.title_zh, p.title_en, list(p.interception_codes),
                           list(p.contacts or []), steps, notes)
    return out


def build_reference(session: Session, key: str) -> Reference:
    """Read every layer the analysis needs and build the in-memory network."""
    network, lines = _network(session)
    rivers = session.execute(select(m.River.code, m.River.name_zh, m.River.name_en)).all()
    receptors = _receptors(session) + _prefecture_boundaries(network, _crossings(session, lines))
    intercepts = [(r.lon, r.lat) for r in receptors if r.kind == "interception"]
    depots, teams = _depots(session), _teams(session)
    parents = [p for (p,) in session.execute(select(m.AdminArea.parent_code).where(
        m.AdminArea.level == "prefecture")) if p]
    home = max(sorted(set(parents)), key=parents.count) if parents else None
    provinces_names = {a.code: a.name_zh for a in session.execute(
        select(m.AdminArea.code, m.AdminArea.name_zh).where(m.AdminArea.level == "province"))}
    pollutants = {
        p.code: PollutantInput(
            p.code, p.name_zh, p.pclass, p.decay_per_day, p.limit_class3_mgl,
            p.limit_source_mgl, p.behaviour,
            limit_class2_mgl=p.limit_class2_mgl,
            limit_source_table=p.limit_source_table,
            volatilisation_m_per_day=p.volatilisation_m_per_day,
            solubility_mgl=p.solubility_mgl,
            species_zh=p.species_zh,
            species_en=p.species_en,
            species_factor=p.species_factor,
        )
        for p in session.scalars(select(m.Pollutant))
    }
    pollutant_names_en = {p.code: p.name_en for p in session.execute(
        select(m.Pollutant.code, m.Pollutant.name_en))}
    return Reference(
        key=key,
        network=network,
        river_names={r.code: r.name_zh for r in rivers},
        river_names_en={r.code: r.name_en for r in rivers},
        province_names=provinces_names,
        pollutants=pollutants,
        receptors=receptors,
        depots=depots,
        teams=teams,
        plans=_plans(session),
        pollutant_names_en=pollutant_names_en,
        depot_pool=ResourcePool(depots, intercepts),
        team_pool=ResourcePool(teams, intercepts),
        home_adcode=home,
    )


def current_dataset_key() -> str:
    """`dataset_key` in its own read (webgis.services.uow), for the edge's body caches."""
    with reading() as session:
        return dataset_key(session)

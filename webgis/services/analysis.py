"""`analyze(request)`: one spill, from a request dict to the full answer (contract of issue 5).

Parse and validate the request (422s name the field) → cached reference data → snap →
transport (pure core) → resources, level, plan steps, notifications
(``services.result``) → the result serialised once (``webgis.contract.result``).
Nothing is stored; the last answers are kept a few minutes so that saving one stores it
as it was shown (:func:`analysis_for_saving`).
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
from geoalchemy2.shape import to_shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from webgis.config import Settings
from webgis.contract.errors import parse
from webgis.contract.requests import MAX_HORIZON_H, AnalysisRequest  # noqa: F401 (public name)
from webgis.contract.result import AnalysisResult
from webgis.errors import Unprocessable
from webgis.hydro.analysis import (
    PlumeResult,
    ReceptorResult,
    ReleaseInput,
    WorstCase,
    default_limit_mgl,
    limit_and_basis,
    run_incident,
)
from webgis.hydro.crossings import merge_crossings
from webgis.hydro.network import Snap
from webgis.hydro.reservoirs import flagged_rows, upstream_intakes
from webgis.hydro.today_flow import FlowToday, flow_today
from webgis.hydro.transfer import cache_for
from webgis.models import AdminArea
from webgis.services.reference import Reference, get_reference
from webgis.services.result import build_result

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
    # a rate series ((t_h, kg/h), ...; empty: a constant rate) and today's flow
    rate_series: tuple[tuple[float, float], ...] = ()
    flow_reach: str | None = None
    flow_station: str | None = None
    flow_m3s: float | None = None

    @property
    def flow_today(self) -> dict[str, Any] | None:
        """Today's discharge as the request gave it (None: the season's)."""
        if self.flow_m3s is None:
            return None
        return {"reach_code": self.flow_reach, "station_code": self.flow_station,
                "discharge_m3s": self.flow_m3s}


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
        mass_kg=req.release.mass, duration_h=req.release.duration_h, season=req.season,
        horizon_h=req.horizon_h, started_at=started_at, deaths=req.deaths,
        poisoned=req.poisoned, evacuated=req.evacuated, loss_cny=req.loss_cny,
        discovered_at=discovered_at, ecology=req.ecology_key,
        sensitive_groups=req.sensitive_groups, mass_incident=req.mass_incident,
        rate_series=req.release.series,
        flow_reach=req.flow_today.reach_code if req.flow_today else None,
        flow_station=req.flow_today.station_code if req.flow_today else None,
        flow_m3s=req.flow_today.discharge_m3s if req.flow_today else None,
    )


def today_flow(ref: Reference, snap: Snap, req: IncidentRequest) -> FlowToday | None:
    """Today's discharge of the request placed on the network (None: the season's); 422
    naming ``flow_today.station_code``/``reach_code`` for an unknown one or one off the
    spill's river, ``flow_today.discharge_m3s`` for an implausible value."""
    if req.flow_m3s is None:
        return None
    net = ref.network
    if req.flow_station is not None:
        field, code = "flow_today.station_code", req.flow_station
        station = next((r for r in ref.receptors
                        if r.kind == "section" and r.code == code), None)
        reach = station.reach_code if station is not None else None
        if station is None:
            raise Unprocessable("no monitoring section %(code)s", fields={field: code},
                                params={"code": code})
    else:
        field, code = "flow_today.reach_code", str(req.flow_reach)
        reach = code
    try:
        idx = net.index_of(str(reach))
    except KeyError:
        raise Unprocessable("no reach %(code)s", fields={field: code},
                            params={"code": code}) from None
    return flow_today(net, snap.reach_idx, snap.measure, idx, req.flow_m3s, req.season,
                      station_code=req.flow_station, field=field)


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


@dataclass(frozen=True, slots=True)
class Analysis:
    """One analysis, serialised once: ``json`` (orjson: non-finite numbers as ``null``)
    is what the API answers and what saving stores; ``result`` is that JSON read back, the
    :class:`~webgis.contract.result.AnalysisResult` every reader in the process (CLI,
    sheet) uses: a fresh copy on each access (a kept analysis is shared)."""

    json: bytes

    @property
    def result(self) -> AnalysisResult:
        return orjson.loads(self.json)


def analyze(session: Session, body: Any, settings: Settings | None = None) -> AnalysisResult:
    """The full analysis of one spill (see issue 5's contract for the keys); `settings`
    from the caller (the edge passes the app's), else the environment's."""
    return run_analysis(session, body, settings).result


def run_analysis(session: Session, body: Any, settings: Settings | None = None) -> Analysis:
    """The full analysis of one spill, serialised once (and kept a while for saving it,
    :func:`analysis_for_saving`)."""
    ref = get_reference(session)
    req = parse_request(body, list(ref.pollutants))
    config = settings or Settings.from_environment()
    pollutant = ref.pollutants[req.pollutant]
    # a HydroError (too far from any river, ...) is a WebgisError: the edge answers it
    snap = ref.network.snap(req.lon, req.lat, config["SNAP_MAX_M"])
    plume = run_incident(
        ref.network, snap, pollutant,
        ReleaseInput(req.mass_kg, req.duration_h, req.rate_series),
        req.season, req.horizon_h,
        ref.receptors,
        river_names=ref.river_names, province_names=ref.province_names,
        transfers=cache_for(ref.network, int(config["TRANSFER_CACHE_MB"] * 2**20)),
        flow=today_flow(ref, snap, req),
    )
    # a river weaving along a border crosses the drawn boundary many times: one border
    # stretch per real crossing (webgis.hydro.crossings)
    plume = replace(plume, receptors=merge_crossings(plume.receptors))
    plume, warnings = _same_reservoir_intakes(ref, plume, pollutant)
    out = build_result(ref, req, plume, config, _touched(session, ref, plume))
    out["warnings"] = warnings  # type: ignore[typeddict-item]  # dicts of WarningRow keys
    out["model"]["assumptions"] += [w["en"] for w in warnings]
    done = Analysis(orjson.dumps(out, option=orjson.OPT_SERIALIZE_NUMPY))
    recent.put(_recent_key(ref, req, config), done)
    return done


def analysis_for_saving(session: Session, body: Any, settings: Settings | None = None
                        ) -> Analysis:
    """The analysis of ``body`` to store: the one this process answered for the same
    request on the same data within :data:`RECENT_TTL_S` (what the officer saw, not run
    again), else run now. Never a result sent by a browser."""
    ref = get_reference(session)
    config = settings or Settings.from_environment()
    kept = recent.get(_recent_key(ref, parse_request(body, list(ref.pollutants)), config))
    return kept if kept is not None else run_analysis(session, body, settings)


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


def _recent_key(ref: Reference, req: IncidentRequest, config: Any) -> str:
    """What makes an analysis: the dataset (its content hash), the request as parsed (so a
    browser's JSON and a typed request, in any key order, with defaults written or not,
    meet) and the settings it reads. Another spill, other data or other settings never
    share a key."""
    digest = hashlib.sha256(repr(req).encode())
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

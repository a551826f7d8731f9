"""How a dispatch is shown: its materials and times, and its ETA at the target against the
plume's worst-case arrival there in the incident's *current* forecast.

Nothing of the forecast is stored with a dispatch but where its target was: each read
looks the target up in the current result (`Incident.result`, the latest revision's), so
when the facts are revised and the analysis re-run, every dispatch's comparison follows.
Road times are the analysis's estimate (`webgis.response.dispatch.road_eta`, with the
circuity and speed the result was computed with); from a depot *and* a team, the later.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webgis.models.catalogue import Material
from webgis.models.dispatch import Dispatch, TeamMember
from webgis.models.incident import Incident
from webgis.models.resources import Depot, RescueTeam
from webgis.models.user import User
from webgis.response.dispatch import STATUSES, TRANSITIONS, road_eta, slack_h
from webgis.response.resources import DEFAULT_CIRCUITY, DEFAULT_SPEED_KMH

__all__ = ["dispatch_rows", "find_target", "plume_arrival_h", "team_of"]

#: Which receptor a code names when several kinds share it: the interception point first.
_KIND_ORDER = {"interception": 0}


def team_of(s: Session, user_id: int | None) -> int | None:
    """The team a (field-team) account belongs to, if any."""
    if user_id is None:
        return None
    return s.scalar(select(TeamMember.team_id).where(TeamMember.user_id == user_id))


def find_target(result: Mapping[str, Any] | None, code: str) -> dict[str, Any] | None:
    """The receptor `code` on the forecast's path (an interception point before another
    station of the same code), or None."""
    found = [r for r in (result or {}).get("receptors") or [] if r.get("code") == code]
    found.sort(key=lambda r: _KIND_ORDER.get(r.get("kind"), 1))
    return found[0] if found else None


def plume_arrival_h(receptor: Mapping[str, Any]) -> float | None:
    """The plume's worst-case arrival at a receptor (hours after the release started): the
    earliest of the worst case, a floating slick's worst case and the expected arrival
    (safe side: the earliest any of them says)."""
    worst = receptor.get("worst") or {}
    slick = (receptor.get("slick") or {}).get("worst") or {}
    times = [t for t in (worst.get("arrival_h"), slick.get("arrival_h"),
                         receptor.get("arrival_h"))
             if isinstance(t, int | float) and math.isfinite(t)]
    return min(times) if times else None


def _started_at(result: Mapping[str, Any]) -> datetime | None:
    try:
        return datetime.fromisoformat(result["request"]["started_at"])
    except (KeyError, TypeError, ValueError):
        return None


def _road(result: Mapping[str, Any]) -> tuple[float, float]:
    coeffs = (result.get("model") or {}).get("coefficients") or {}
    circuity = coeffs.get("road_circuity") or DEFAULT_CIRCUITY
    speed = coeffs.get("road_speed_kmh") or DEFAULT_SPEED_KMH
    return float(circuity), float(speed)


def _places(s: Session, model: Any, ids: set[int]) -> dict[int, tuple[Any, ...]]:
    """id -> (code, name_zh, name_en, lon, lat) of depots or teams."""
    if not ids:
        return {}
    rows = s.execute(select(model.id, model.code, model.name_zh, model.name_en,
                            func.ST_X(model.geom), func.ST_Y(model.geom))
                     .where(model.id.in_(ids)))
    return {r[0]: tuple(r[1:]) for r in rows}


def _iso(t: datetime | None) -> str | None:
    return t.isoformat() if t is not None else None


def dispatch_rows(s: Session, inc: Incident, ds: Sequence[Dispatch],
                  actor: Any) -> list[dict[str, Any]]:
    """The rows of `ds` (dispatches of `inc`) as `webgis.contract.dispatch.DispatchRow`."""
    if not ds:
        return []
    depots = _places(s, Depot, {d.depot_id for d in ds if d.depot_id is not None})
    teams = _places(s, RescueTeam, {d.team_id for d in ds if d.team_id is not None})
    mat_ids = {line.material_id for d in ds for line in d.lines}
    mats = {r[0]: r[1:] for r in s.execute(select(
        Material.id, Material.code, Material.name_zh, Material.name_en, Material.unit)
        .where(Material.id.in_(mat_ids)))} if mat_ids else {}
    user_ids = {d.created_by_id for d in ds if d.created_by_id is not None}
    names = {r[0]: r[1] for r in s.execute(
        select(User.id, User.username).where(User.id.in_(user_ids)))} if user_ids else {}
    mine = team_of(s, actor.id) if getattr(actor, "role", None) == "field_team" else None
    result = inc.result if isinstance(inc.result, dict) else {}
    drill = inc.kind == "drill"
    return [_row(d, result, depots, teams, mats, names, mine, drill) for d in ds]


def _row(d: Dispatch, result: Mapping[str, Any], depots: dict[int, tuple[Any, ...]],
         teams: dict[int, tuple[Any, ...]], mats: dict[int, tuple[Any, ...]],
         names: dict[int, str], mine: int | None, drill: bool) -> dict[str, Any]:
    depot = depots.get(d.depot_id) if d.depot_id is not None else None
    team = teams.get(d.team_id) if d.team_id is not None else None
    target = find_target(result, d.target_code)
    to_lon, to_lat = ((target["lon"], target["lat"]) if target
                      else (d.target_lon, d.target_lat))
    circuity, speed = _road(result)
    etas = [road_eta(o[3], o[4], to_lon, to_lat, circuity, speed)
            for o in (depot, team) if o is not None]
    travel_h = max((e.travel_h for e in etas), default=0.0)
    eta_at = d.on_site_at or d.dispatched_at + timedelta(hours=travel_h)
    started = _started_at(result)
    eta_h = (eta_at - started).total_seconds() / 3600 if started else None
    plume_h = plume_arrival_h(target) if target else None
    slack = slack_h(eta_h, plume_h) if eta_h is not None else None
    times = {st: _iso(getattr(d, f"{st}_at")) for st in STATUSES}
    lines = []
    for line in d.lines:
        code, name_zh, name_en, unit = mats.get(line.material_id, ("?", "?", None, ""))
        lines.append({
            "material_code": code, "material_name": name_zh, "material_name_en": name_en,
            "unit": unit, "quantity": line.quantity, "used": line.used,
            "returned": None if line.used is None else line.quantity - line.used})
    return {
        "id": d.id, "incident_id": d.incident_id, "status": d.status,
        "next_statuses": list(TRANSITIONS.get(d.status, ())),
        "depot_code": depot[0] if depot else None,
        "depot_name": depot[1] if depot else None,
        "depot_name_en": depot[2] if depot else None,
        "team_code": team[0] if team else None, "team_name": team[1] if team else None,
        "team_name_en": team[2] if team else None,
        "target_code": d.target_code, "target_name": d.target_name,
        "target_kind": d.target_kind, "target_lon": to_lon, "target_lat": to_lat,
        "note": d.note, "created_by": names.get(d.created_by_id) if d.created_by_id else None,
        "times": times, "lines": lines, "travel_h": travel_h,
        "distance_km": max((e.distance_km for e in etas), default=0.0),
        "eta_at": eta_at.isoformat(), "eta_h": eta_h,
        "plume_arrival_h": plume_h,
        "plume_arrival_at": (started + timedelta(hours=plume_h)).isoformat()
        if started is not None and plume_h is not None else None,
        "on_path": target is not None, "slack_h": slack,
        "arrives_before_plume": None if slack is None else slack > 0,
        "mine": mine is not None and d.team_id == mine, "estimate": True,
        "stock_taken": bool(d.lines) and not drill,
    }

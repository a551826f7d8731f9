"""Dispatch of depot materials and rescue teams to a target on an incident's path (issue 14).

One unit of work per write, begun by the incident's lock (`open_for_write`) and ended by
its event (`record`), so the dispatch, the depot's stock and the line in the timeline are
committed together or not at all:

* creating a dispatch locks the depot's inventory rows it draws from (``FOR UPDATE``, in
  id order, after the incident's lock), refuses a quantity above what is left (409 with
  what is available per material; the stock never goes negative, whoever dispatches from
  the same depot at the same time on another incident) and takes the quantities out;
* a status change is allowed only along `webgis.response.dispatch.TRANSITIONS` (409
  otherwise); on ``returned`` what was not used goes back into the depot's stock;
* a field team moves only its own team's dispatches (403 otherwise). Its update does not
  carry the incident's version (officers change the incident many times while a team is on
  the road): it names the status it saw, and a dispatch that moved since is refused (409).

Reads work out each dispatch's ETA against the *current* forecast (`dispatch_view`), so a
revised forecast moves the plume's arrival without anything being rewritten.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from webgis.contract.dispatch import CreateDispatch, DispatchStatusChange
from webgis.errors import Conflict, Forbidden, NotFound, Unprocessable
from webgis.models.catalogue import Material
from webgis.models.dispatch import Dispatch, DispatchLine, TeamMember
from webgis.models.incident import Incident
from webgis.models.resources import Depot, Inventory, RescueTeam
from webgis.response.dispatch import TRANSITIONS, allowed
from webgis.services.actor import Actor
from webgis.services.dispatch_view import dispatch_rows, find_target, team_of
from webgis.services.incident_write import ensure_open, open_for_append, open_for_write, record
from webgis.services.uow import reading, unit_of_work

__all__ = ["change_status", "create_dispatch", "depot_stock", "link_team", "list_dispatches",
           "my_dispatches"]

#: The statuses as the timeline's summaries say them (Chinese first, like every summary).
STATUS_ZH = {"dispatched": "已调派", "en_route": "在途", "on_site": "已到达",
             "deployed": "已布设", "returned": "已返回"}
#: How far in the future a status time may be (clocks of phones drift).
CLOCK_SKEW = timedelta(minutes=5)
_EPS = 1e-9


def create_dispatch(incident_id: int, body: CreateDispatch, actor: Actor) -> dict[str, Any]:
    """Dispatch `body`'s materials and team to its target; the depot's stock goes down in
    the same transaction. 422 for an unknown target, depot, team or material; 409 for a
    quantity above stock (with what is available) or a stale version."""
    with unit_of_work() as s:
        inc = open_for_write(s, incident_id, body.expected_version, actor)
        ensure_open(inc, "dispatch")
        target = find_target(inc.result, body.target_code)
        if target is None:
            raise Unprocessable("%(field)s is not a station on the current forecast's path",
                                fields={"target_code": "not on the path"},
                                params={"field": "target_code"})
        depot, team = _depot_and_team(s, body)
        materials = _materials(s, body)
        if depot is not None and materials:
            _take_stock(s, depot, body, materials, take=inc.kind != "drill")
        d = Dispatch(
            incident_id=inc.id, depot_id=depot.id if depot else None,
            team_id=team.id if team else None, target_code=target["code"],
            target_name=target.get("name") or "", target_kind=target.get("kind") or "",
            target_lon=target["lon"], target_lat=target["lat"], status="dispatched",
            note=body.note, created_by_id=actor.id, dispatched_at=_dispatched_at(inc, body),
            lines=[DispatchLine(material_id=materials[m.material_code].id,
                                quantity=m.quantity) for m in body.materials],
        )
        s.add(d)
        s.flush()
        what = "; ".join(
            [f"{materials[m.material_code].name_zh} {m.quantity:g} "
             f"{materials[m.material_code].unit}" for m in body.materials]
            + ([team.name_zh] if team else []))
        record(s, inc, "dispatch_created", actor,
               f"{depot.name_zh if depot else team.name_zh if team else ''} → "
               f"{d.target_name or d.target_code}: {what}",
               {"dispatch_id": d.id, "depot_code": body.depot_code,
                "team_code": body.team_code, "target_code": d.target_code,
                "materials": [m.model_dump() for m in body.materials]})
        [row] = dispatch_rows(s, inc, [d], actor)
        return row


def _dispatched_at(inc: Incident, body: CreateDispatch) -> datetime:
    """When it was dispatched: `body.at` (an officer entering a dispatch made by phone)
    or now; not in the future, not before the release started."""
    now = datetime.now(UTC)
    if body.at is None:
        return now
    if body.at > now + CLOCK_SKEW:
        raise Unprocessable("%(field)s is in the future", fields={"at": "in the future"},
                            params={"field": "at"})
    started = _instant(((inc.result or {}).get("request") or {}).get("started_at"))
    if started is not None and body.at < started:
        raise Unprocessable("%(field)s is before the release started",
                            fields={"at": f"before {started.isoformat()}"},
                            params={"field": "at"})
    return body.at


def _instant(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _depot_and_team(s: Session, body: CreateDispatch) -> tuple[Depot | None, RescueTeam | None]:
    """The depot and team named (422 naming the field when unknown or when neither is)."""
    if body.depot_code is None and body.team_code is None:
        raise Unprocessable("a dispatch needs a depot or a team",
                            fields={"depot_code": "a depot or a team is required",
                                    "team_code": "a depot or a team is required"})
    if body.materials and body.depot_code is None:
        raise Unprocessable("materials come from a depot: give depot_code",
                            fields={"depot_code": "required with materials"})
    depot = team = None
    if body.depot_code is not None:
        depot = s.scalar(select(Depot).where(Depot.code == body.depot_code))
        if depot is None:
            raise Unprocessable("unknown depot %(code)s", fields={"depot_code": "unknown"},
                                params={"code": body.depot_code})
    if body.team_code is not None:
        team = s.scalar(select(RescueTeam).where(RescueTeam.code == body.team_code))
        if team is None:
            raise Unprocessable("unknown team %(code)s", fields={"team_code": "unknown"},
                                params={"code": body.team_code})
    return depot, team


def _materials(s: Session, body: CreateDispatch) -> dict[str, Material]:
    """Code -> material of each line (422 naming the line for an unknown or repeated one)."""
    codes = [m.material_code for m in body.materials]
    found = {m.code: m for m in s.scalars(select(Material).where(Material.code.in_(codes)))}
    seen: set[str] = set()
    for i, code in enumerate(codes):
        if code not in found:
            raise Unprocessable("unknown material %(code)s",
                                fields={f"materials[{i}].material_code": "unknown"},
                                params={"code": code})
        if code in seen:
            raise Unprocessable("material %(code)s is listed twice",
                                fields={f"materials[{i}].material_code": "listed twice"},
                                params={"code": code})
        seen.add(code)
    return found


def _locked_stock(s: Session, depot_id: int, material_ids: list[int]) -> dict[int, Inventory]:
    """Material id -> the depot's inventory row, locked until the unit of work ends (rows
    in id order, so two dispatches from the same depot never deadlock; re-read, so a
    quantity another transaction committed while we waited is the one compared)."""
    rows = s.scalars(
        select(Inventory)
        .where(Inventory.depot_id == depot_id, Inventory.material_id.in_(material_ids))
        .order_by(Inventory.id).with_for_update()
        .execution_options(populate_existing=True))
    return {r.material_id: r for r in rows}


def _take_stock(s: Session, depot: Depot, body: CreateDispatch,
                materials: dict[str, Material], take: bool = True) -> None:
    """Take each line's quantity out of the depot's stock, or refuse them all (409 with
    what is available of each material asked for). A drill (`take` False) is checked
    against the real stock but takes nothing: drills never change real counts."""
    stock = _locked_stock(s, depot.id, [m.id for m in materials.values()])
    available = {code: (stock[m.id].quantity if m.id in stock else 0.0)
                 for code, m in materials.items()}
    short = {f"materials[{i}].quantity": f"{available[m.material_code]:g} available"
             for i, m in enumerate(body.materials)
             if m.quantity > available[m.material_code] + _EPS}
    if short:
        raise Conflict("not enough in stock at %(depot)s", fields=short,
                       params={"depot": depot.code},
                       current={"depot_code": depot.code, "available": available})
    if not take:
        return
    for m in body.materials:
        row = stock[materials[m.material_code].id]
        row.quantity = max(0.0, row.quantity - m.quantity)


def change_status(incident_id: int, dispatch_id: int, body: DispatchStatusChange,
                  actor: Actor) -> dict[str, Any]:
    """Move a dispatch to `body.status` at `body.at` (default now): 409 for a move the
    rules do not allow or a dispatch that moved since the sender saw it, 403 for a field
    team and another team's dispatch, 422 for a time out of order or a bad return."""
    with unit_of_work() as s:
        if actor.role == "field_team":
            inc = open_for_append(s, incident_id)
        else:
            if body.expected_version is None:
                raise Unprocessable("%(field)s is required",
                                    fields={"expected_version": "required"},
                                    params={"field": "expected_version"})
            inc = open_for_write(s, incident_id, body.expected_version, actor)
        ensure_open(inc, "dispatch_return" if body.status == "returned" else "dispatch_move")
        d = _dispatch_of(s, inc, dispatch_id)
        if actor.role == "field_team" and (d.team_id is None
                                           or team_of(s, actor.id) != d.team_id):
            raise Forbidden("a field team may change only its own team's dispatches",
                            fields={"dispatch": dispatch_id})
        _check_move(s, inc, d, body, actor)
        at = _when(d, body)
        returned: list[dict[str, Any]] = []
        if body.status == "returned":
            returned = _return_stock(s, d, body, restore=inc.kind != "drill")
        elif body.used:
            raise Unprocessable("used materials are given on return only",
                                fields={"used": "only with status returned"})
        previous = d.status
        d.status = body.status
        setattr(d, f"{body.status}_at", at)
        s.flush()
        record(s, inc, "dispatch_status", actor,
               f"#{d.id} {d.target_name or d.target_code}: {STATUS_ZH[previous]} → "
               f"{STATUS_ZH[body.status]}"
               + (f" ({body.note})" if body.note else ""),
               {"dispatch_id": d.id, "from": previous, "to": body.status,
                "at": at.isoformat(), "returned": returned, "note": body.note})
        [row] = dispatch_rows(s, inc, [d], actor)
        return row


def _dispatch_of(s: Session, inc: Incident, dispatch_id: int) -> Dispatch:
    d = s.get(Dispatch, dispatch_id, populate_existing=True)
    if d is None or d.incident_id != inc.id:
        raise NotFound("no dispatch %(id)s on this incident", fields={"dispatch": dispatch_id},
                       params={"id": dispatch_id})
    return d


def _check_move(s: Session, inc: Incident, d: Dispatch, body: DispatchStatusChange,
                actor: Actor) -> None:
    """409 when the dispatch is not where the sender saw it or cannot go where asked."""
    if body.from_status is not None and body.from_status != d.status:
        raise Conflict("the dispatch is %(now)s now, not %(seen)s: reload and try again",
                       fields={"from_status": f"is {d.status} now"},
                       params={"now": d.status, "seen": body.from_status},
                       current=dispatch_rows(s, inc, [d], actor)[0])
    if not allowed(d.status, body.status):
        raise Conflict("a dispatch cannot go from %(now)s to %(new)s",
                       fields={"status": f"allowed from {d.status}: "
                               + (", ".join(TRANSITIONS[d.status]) or "none")},
                       params={"now": d.status, "new": body.status},
                       current=dispatch_rows(s, inc, [d], actor)[0])


def _when(d: Dispatch, body: DispatchStatusChange) -> datetime:
    """When the new status was reached: not in the future, not before the last one."""
    now = datetime.now(UTC)
    at = body.at or now
    if at > now + CLOCK_SKEW:
        raise Unprocessable("%(field)s is in the future", fields={"at": "in the future"},
                            params={"field": "at"})
    last = max(t for t in (d.dispatched_at, d.en_route_at, d.on_site_at, d.deployed_at)
               if t is not None)
    if at < last:
        raise Unprocessable("%(field)s is before the dispatch's last status",
                            fields={"at": f"before {last.isoformat()}"},
                            params={"field": "at"})
    return at


def _return_stock(s: Session, d: Dispatch, body: DispatchStatusChange,
                  restore: bool = True) -> list[dict[str, Any]]:
    """Record what was used and put the rest back into the depot's stock (locked; a
    drill's, `restore` False, took nothing and gives nothing back)."""
    by_code = dict(_line_codes(s, d))
    used: dict[str, float] = {}
    for i, u in enumerate(body.used):
        line = by_code.get(u.material_code)
        if line is None:
            raise Unprocessable("material %(code)s was not dispatched",
                                fields={f"used[{i}].material_code": "not in this dispatch"},
                                params={"code": u.material_code})
        if u.used > line.quantity + _EPS:
            raise Unprocessable("more used than dispatched",
                                fields={f"used[{i}].used": f"at most {line.quantity:g}"})
        used[u.material_code] = min(u.used, line.quantity)
    if d.depot_id is None or not d.lines:
        return []
    stock = (_locked_stock(s, d.depot_id, [line.material_id for line in d.lines])
             if restore else {})
    back = []
    for code, line in by_code.items():
        line.used = used.get(code, 0.0)
        rest = line.quantity - line.used
        back.append({"material_code": code, "used": line.used, "returned": rest})
        if not restore:
            continue
        row = stock.get(line.material_id)
        if row is None:  # the depot's stock of it was reloaded away: it is stocked again
            s.add(Inventory(depot_id=d.depot_id, material_id=line.material_id,
                            quantity=rest))
        else:
            row.quantity += rest
    return back


def _line_codes(s: Session, d: Dispatch) -> list[tuple[str, DispatchLine]]:
    codes = {r[0]: r[1] for r in s.execute(select(Material.id, Material.code).where(
        Material.id.in_([line.material_id for line in d.lines])))}
    return [(codes[line.material_id], line) for line in d.lines]


def list_dispatches(incident_id: int, actor: Actor) -> dict[str, Any]:
    """The incident's dispatches (a field team: its own team's), oldest first, each with
    its ETA against the current forecast."""
    with reading() as s:
        inc = s.get(Incident, incident_id)
        if inc is None:
            raise NotFound("no incident %(id)s", fields={"id": incident_id},
                           params={"id": incident_id})
        q = select(Dispatch).where(Dispatch.incident_id == incident_id).order_by(Dispatch.id)
        if actor.role == "field_team":  # its own team's (none when it has no team)
            team_id = team_of(s, actor.id)
            q = q.where(Dispatch.team_id == team_id) if team_id is not None else q.where(
                Dispatch.id.is_(None))
        rows = dispatch_rows(s, inc, list(s.scalars(q)), actor)
        return {"incident_id": inc.id, "version": inc.version, "dispatches": rows}


def my_dispatches(actor: Actor) -> dict[str, Any]:
    """A field team's open dispatches (not returned) on every incident, newest first."""
    with reading() as s:
        team_id = team_of(s, actor.id)
        if team_id is None:
            return {"team_code": None, "dispatches": []}
        team_code = s.scalar(select(RescueTeam.code).where(RescueTeam.id == team_id))
        ds = list(s.scalars(select(Dispatch).where(
            Dispatch.team_id == team_id, Dispatch.status != "returned")
            .order_by(Dispatch.id.desc())))
        out: list[dict[str, Any]] = []
        for d in ds:
            inc = s.get(Incident, d.incident_id)
            if inc is not None:
                row = dispatch_rows(s, inc, [d], actor)[0]
                row["incident_title"] = inc.title
                out.append(row)
        return {"team_code": team_code, "dispatches": out}


def depot_stock(code: str) -> dict[str, Any]:
    """A depot's stock now (what a dispatch form offers; the analysis's copy is as of the
    analysis). 404 for an unknown depot."""
    with reading() as s:
        depot = s.scalar(select(Depot).where(Depot.code == code))
        if depot is None:
            raise NotFound("unknown depot %(code)s", fields={"depot_code": code},
                           params={"code": code})
        rows = s.execute(select(Material.code, Material.name_zh, Material.name_en,
                                Material.unit, Inventory.quantity)
                         .join(Inventory, Inventory.material_id == Material.id)
                         .where(Inventory.depot_id == depot.id).order_by(Material.code))
        return {"depot_code": depot.code, "name": depot.name_zh, "name_en": depot.name_en,
                "stock": [{"material_code": r[0], "name": r[1], "name_en": r[2], "unit": r[3],
                           "quantity": r[4]} for r in rows]}


def link_team(username: str, team_code: str | None) -> str | None:
    """Make `username` (a field-team account) a member of the team `team_code` (None:
    of no team); returns the team's code. 404 for an unknown account or team."""
    from webgis.models.user import User

    with unit_of_work() as s:
        user = s.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound("no user %(name)s", fields={"username": username},
                           params={"name": username})
        link = s.get(TeamMember, user.id)
        if team_code is None:
            if link is not None:
                s.delete(link)
            return None
        team = s.scalar(select(RescueTeam).where(RescueTeam.code == team_code))
        if team is None:
            raise NotFound("no team %(code)s", fields={"team_code": team_code},
                           params={"code": team_code})
        if link is None:
            s.add(TeamMember(user_id=user.id, team_id=team.id))
        else:
            link.team_id = team.id
        return team.code

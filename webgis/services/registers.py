"""The department's editable registers (issue 17 item 3): depot stock (with expiry and the
last check), rescue teams' contacts, enterprises' substances and risk level, interception
spaces' capacity, status and last survey.

Every edit locks its row, compares the version the editor read (a stale edit is a 409 with
the row as it is now), applies only the fields given, raises the row's version and appends
an audit line in the same unit of work. The audit line also changes the dataset key
(`webgis.services.reference.KEY_SQL`), so the next analysis uses the edited register (in
this process at once, in other workers within a second): a depot's stock edited here is the
stock the next analysis offers.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from webgis.contract.registers import (
    EnterpriseChange,
    RegisterEdit,
    SpaceChange,
    StockChange,
    TeamChange,
)
from webgis.errors import Conflict, NotFound, Unprocessable
from webgis.models.catalogue import Material, Pollutant
from webgis.models.enterprise import Enterprise, EnterpriseSubstance
from webgis.models.receptors import InterceptionPoint
from webgis.models.resources import Depot, Inventory, RescueTeam
from webgis.services.actor import Actor
from webgis.services.audit import audit
from webgis.services.reference import forget_dataset_key
from webgis.services.uow import reading, unit_of_work

__all__ = ["ANALYSIS_REGISTERS", "change_enterprise", "change_space", "change_stock",
           "change_team", "list_enterprises", "list_spaces", "list_stock", "list_teams"]

#: Audit object types whose edits change what an analysis offers (`KEY_SQL` reads them).
ANALYSIS_REGISTERS = ("stock", "team", "enterprise", "interception",
                      # survey imports (webgis.services.survey_import.AUDIT_TYPES)
                      "depot", "water_source", "section")


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _stock_row(inv: Inventory, depot: Depot, mat: Material) -> dict[str, Any]:
    return {"code": f"{depot.code}/{mat.code}", "depot": depot.code,
            "depot_name": depot.name_zh, "material": mat.code, "material_name": mat.name_zh,
            "unit": mat.unit, "quantity": inv.quantity, "expires_on": _iso(inv.expires_on),
            "last_checked_on": _iso(inv.last_checked_on), "row_version": inv.row_version}


def _team_row(t: RescueTeam) -> dict[str, Any]:
    return {"code": t.code, "name": t.name_zh, "contact_name": t.contact_name,
            "contact_phone": t.contact_phone, "headcount": t.headcount,
            "specialities": list(t.specialities), "equipment": list(t.equipment),
            "row_version": t.row_version}


def _enterprise_row(session: Session, e: Enterprise) -> dict[str, Any]:
    subs = session.execute(
        select(Pollutant.code, Pollutant.name_zh, EnterpriseSubstance.max_t)
        .join(EnterpriseSubstance, EnterpriseSubstance.pollutant_id == Pollutant.id)
        .where(EnterpriseSubstance.enterprise_id == e.id).order_by(Pollutant.code)).all()
    return {"code": e.code, "name": e.name_zh, "risk_level": e.risk_level,
            "plan_filed": e.plan_filed,
            "substances": [{"pollutant": c, "name": n, "max_t": t} for c, n, t in subs],
            "row_version": e.row_version}


def _space_row(p: InterceptionPoint) -> dict[str, Any]:
    return {"code": p.code, "name": p.name_zh, "kind": p.kind, "capacity_m3": p.capacity_m3,
            "holding_h": p.holding_h, "status": p.status,
            "last_survey_on": _iso(p.last_survey_on), "row_version": p.row_version}


def _check(row: Any, change: RegisterEdit, snapshot: Callable[[], dict[str, Any]]) -> None:
    if row.row_version != change.expected_row_version:
        raise Conflict("the row changed since you read it: reload and try again",
                       fields={"expected_row_version": f"is {row.row_version} now"},
                       current=snapshot())


def _given(change: RegisterEdit) -> dict[str, Any]:
    """The fields the editor sent (``null`` included), without the version."""
    return {k: getattr(change, k) for k in change.model_fields_set
            if k != "expected_row_version"}


def _finish(session: Session, actor: Actor, kind: str, code: str, row: Any,
            before: dict[str, Any], after: dict[str, Any]) -> None:
    if before == after:
        return  # nothing changed: no version, no audit line
    row.row_version += 1
    after["row_version"] = row.row_version
    audit(session, actor, f"{kind}_edited", kind, code, before, after)
    session.flush()


def _locked(session: Session, stmt: Any, what: str, code: str) -> Any:
    row = session.execute(stmt.with_for_update()).first()
    if row is None:
        raise NotFound("no %(what)s %(code)s", fields={what: code},
                       params={"what": what, "code": code})
    return row


def change_stock(depot: str, material: str, change: StockChange,
                 actor: Actor) -> dict[str, Any]:
    """Edit one material's stock in one depot."""
    with unit_of_work() as session:
        inv, dep, mat = _locked(session, select(Inventory, Depot, Material)
                                .join(Depot, Depot.id == Inventory.depot_id)
                                .join(Material, Material.id == Inventory.material_id)
                                .where(Depot.code == depot, Material.code == material),
                                "stock", f"{depot}/{material}")
        _check(inv, change, lambda: _stock_row(inv, dep, mat))
        given = _given(change)
        if "quantity" in given and given["quantity"] is None:
            raise Unprocessable("quantity cannot be cleared; give 0", fields={"quantity": None})
        before = _stock_row(inv, dep, mat)
        for key, value in given.items():
            setattr(inv, key, value)
        after = _stock_row(inv, dep, mat)
        _finish(session, actor, "stock", after["code"], inv, before, after)
        result = _stock_row(inv, dep, mat)
    forget_dataset_key()
    return result


def change_team(code: str, change: TeamChange, actor: Actor) -> dict[str, Any]:
    """Edit a team's contacts, headcount, specialities or equipment."""
    with unit_of_work() as session:
        (team,) = _locked(session, select(RescueTeam).where(RescueTeam.code == code),
                          "team", code)
        _check(team, change, lambda: _team_row(team))
        given = _given(change)
        missing = [k for k, v in given.items() if v is None]
        if missing:
            raise Unprocessable("%(field)s cannot be cleared", fields={missing[0]: None},
                                params={"field": missing[0]})
        before = _team_row(team)
        for key, value in given.items():
            setattr(team, key, value)
        after = _team_row(team)
        if (after["contact_name"], after["contact_phone"]) != (before["contact_name"],
                                                                before["contact_phone"]):
            team.fictitious_contact = False  # a contact the department entered
        _finish(session, actor, "team", code, team, before, after)
        result = _team_row(team)
    forget_dataset_key()
    return result


def change_enterprise(code: str, change: EnterpriseChange, actor: Actor) -> dict[str, Any]:
    """Edit an enterprise's risk level and the substances it holds."""
    with unit_of_work() as session:
        (ent,) = _locked(session, select(Enterprise).where(Enterprise.code == code),
                         "enterprise", code)
        _check(ent, change, lambda: _enterprise_row(session, ent))
        given = _given(change)
        before = _enterprise_row(session, ent)
        if given.get("risk_level") is not None:
            ent.risk_level = given["risk_level"]
        if change.substances is not None:
            _replace_substances(session, ent, change)
        after = _enterprise_row(session, ent)
        _finish(session, actor, "enterprise", code, ent, before, after)
        result = _enterprise_row(session, ent)
    forget_dataset_key()
    return result


def _replace_substances(session: Session, ent: Enterprise, change: EnterpriseChange) -> None:
    assert change.substances is not None
    codes = [s.pollutant for s in change.substances]
    known = {str(c): int(i) for c, i in session.execute(
        select(Pollutant.code, Pollutant.id).where(Pollutant.code.in_(codes))).all()}
    for i, s in enumerate(change.substances):
        if s.pollutant not in known:
            raise Unprocessable("unknown pollutant %(code)s",
                                fields={f"substances[{i}].pollutant": s.pollutant},
                                params={"code": s.pollutant})
        if codes.index(s.pollutant) != i:
            raise Unprocessable("pollutant %(code)s is listed twice",
                                fields={f"substances[{i}].pollutant": s.pollutant},
                                params={"code": s.pollutant})
    current = {row.pollutant_id: row for row in session.scalars(
        select(EnterpriseSubstance).where(EnterpriseSubstance.enterprise_id == ent.id))}
    wanted = {known[s.pollutant]: s.max_t for s in change.substances}
    for pid, row in current.items():
        if pid not in wanted:
            session.delete(row)
        elif row.max_t != wanted[pid]:
            row.max_t = wanted[pid]
    for pid, max_t in wanted.items():
        if pid not in current:
            session.add(EnterpriseSubstance(enterprise_id=ent.id, pollutant_id=pid,
                                            max_t=max_t))
    session.flush()


def change_space(code: str, change: SpaceChange, actor: Actor) -> dict[str, Any]:
    """Edit an interception space's capacity, status or last survey."""
    with unit_of_work() as session:
        (space,) = _locked(session, select(InterceptionPoint)
                           .where(InterceptionPoint.code == code), "interception", code)
        _check(space, change, lambda: _space_row(space))
        given = _given(change)
        for key in ("capacity_m3", "status"):
            if key in given and given[key] is None:
                raise Unprocessable("%(field)s cannot be cleared", fields={key: None},
                                    params={"field": key})
        before = _space_row(space)
        for key, value in given.items():
            setattr(space, key, value)
        after = _space_row(space)
        _finish(session, actor, "interception", code, space, before, after)
        result = _space_row(space)
    forget_dataset_key()
    return result


def list_stock() -> list[dict[str, Any]]:
    """Every depot's stock, by depot and material."""
    with reading() as session:
        rows = session.execute(select(Inventory, Depot, Material)
                               .join(Depot, Depot.id == Inventory.depot_id)
                               .join(Material, Material.id == Inventory.material_id)
                               .order_by(Depot.code, Material.code)).all()
        return [_stock_row(i, d, m) for i, d, m in rows]


def list_teams() -> list[dict[str, Any]]:
    with reading() as session:
        return [_team_row(t) for t in session.scalars(select(RescueTeam)
                                                      .order_by(RescueTeam.code))]


def list_enterprises() -> list[dict[str, Any]]:
    with reading() as session:
        return [_enterprise_row(session, e) for e in session.scalars(
            select(Enterprise).order_by(Enterprise.code))]


def list_spaces() -> list[dict[str, Any]]:
    with reading() as session:
        return [_space_row(p) for p in session.scalars(select(InterceptionPoint)
                                                       .order_by(InterceptionPoint.code))]

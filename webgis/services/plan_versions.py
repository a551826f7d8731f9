"""River plans as living documents (issue 17 item 4).

A plan's steps are edited in the product as versions: one open version at a time (a draft;
once reviewed by someone other than its author it may be issued by a leader), and at most
one issued version, which is what incidents use from then on (`webgis.services.reference`
reads it in place of the bundled steps, and the dataset key changes so every worker's
cached reference is rebuilt). Issuing supersedes the previous issued version; nothing is
deleted. Every save and action checks the version the writer read and is audited.

The product also shows what the department reported: 35 of the 88 key rivers' plans
compiled, 53 to go (each river's `plan_batch` in the bundled data). That is the starting
state, labelled as reported; what the product records is counted apart.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webgis.config import Settings
from webgis.contract.plans import PlanAction, SavePlanDraft
from webgis.errors import Conflict, Forbidden, NotFound
from webgis.models.plan import PlanVersion, RiverPlan
from webgis.models.river import River
from webgis.models.user import User
from webgis.services.actor import Actor, require_issuer
from webgis.services.audit import audit
from webgis.services.reference import forget_dataset_key
from webgis.services.uow import reading, unit_of_work

__all__ = ["REVISION_YEARS", "issue", "plan_detail", "plans_dashboard", "review",
           "save_draft"]

#: 《突发环境事件应急预案管理暂行办法》(环发〔2010〕113号) asks for a review of a plan at least
#: every three years: an issued version older than that is shown as "revision due".
REVISION_YEARS = 3
REPORTED = {1: "compiled", 2: "to_compile"}


def _due(issued_at: datetime | None) -> date | None:
    if issued_at is None:
        return None
    d = issued_at.date()
    try:
        return d.replace(year=d.year + REVISION_YEARS)
    except ValueError:  # 29 February
        return d.replace(year=d.year + REVISION_YEARS, day=28)


def _status(issued: PlanVersion | None, open_: PlanVersion | None, today: date) -> str:
    if issued is not None:
        due = _due(issued.issued_at)
        return "revision_due" if due is not None and due <= today else "issued"
    if open_ is not None:
        return "reviewed" if open_.status == "reviewed" else "drafted"
    return "bundled"


def _step_row(step: Any) -> dict[str, Any]:
    get = step.get if isinstance(step, dict) else (lambda k: getattr(step, k))
    return {"phase": get("phase"), "order": get("order"), "text_zh": get("text_zh"),
            "text_en": get("text_en") or "", "responsible": get("responsible") or "",
            "due_min": get("due_min"), "classes": list(get("classes") or []),
            "min_level": get("min_level")}


def _versions(session: Session, plan_ids: list[int]) -> dict[int, list[PlanVersion]]:
    out: dict[int, list[PlanVersion]] = {}
    for v in session.scalars(select(PlanVersion).where(PlanVersion.plan_id.in_(plan_ids))
                             .order_by(PlanVersion.version_no)):
        out.setdefault(v.plan_id, []).append(v)
    return out


def _split(versions: list[PlanVersion]) -> tuple[PlanVersion | None, PlanVersion | None]:
    issued = next((v for v in versions if v.status == "issued"), None)
    open_ = next((v for v in versions if v.status in ("draft", "reviewed")), None)
    return issued, open_


def plans_dashboard() -> dict[str, Any]:
    """Every key river's plan status, the reported counts and the recorded ones."""
    today = datetime.now(UTC).date()
    with reading() as session:
        rows = session.execute(
            select(RiverPlan.id, RiverPlan.code, River.name_zh, River.name_en, River.basin,
                   River.plan_batch)
            .join(River, River.id == RiverPlan.river_id)
            .where(River.is_key.is_(True))
            .order_by(River.plan_batch, RiverPlan.code)
        ).all()
        versions = _versions(session, [r.id for r in rows])
    rivers: list[dict[str, Any]] = []
    reported = {"compiled": 0, "to_compile": 0}
    recorded: dict[str, int] = {}
    for r in rows:
        issued, open_ = _split(versions.get(r.id, []))
        status = _status(issued, open_, today)
        rep = REPORTED.get(r.plan_batch or 0)
        if rep:
            reported[rep] += 1
        recorded[status] = recorded.get(status, 0) + 1
        due = _due(issued.issued_at) if issued else None
        rivers.append({
            "river_code": r.code, "river_name_zh": r.name_zh, "river_name_en": r.name_en,
            "basin": r.basin, "plan_batch": r.plan_batch, "status": status,
            "reported_status": rep,
            "issued_version": issued.version_no if issued else None,
            "issued_at": issued.issued_at.isoformat() if issued and issued.issued_at else None,
            "revision_due_on": due.isoformat() if due else None,
            "open_version": open_.version_no if open_ else None,
        })
    return {"rivers": rivers, "reported": reported, "recorded": recorded,
            "revision_years": REVISION_YEARS}


def _plan(session: Session, river_code: str, lock: bool = False) -> RiverPlan:
    stmt = select(RiverPlan).where(RiverPlan.code == river_code)
    plan = session.execute(stmt.with_for_update() if lock else stmt).scalar_one_or_none()
    if plan is None:
        raise NotFound("no plan for river %(code)s", fields={"river": river_code},
                       params={"code": river_code})
    return plan


def _names(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.username).where(User.id.in_(wanted))).all()
    return {int(uid): str(name) for uid, name in rows}


def _version_out(v: PlanVersion, names: dict[int, str]) -> dict[str, Any]:
    def iso(t: datetime | None) -> str | None:
        return t.isoformat() if t else None

    return {"version_no": v.version_no, "status": v.status, "row_version": v.row_version,
            "note": v.note, "steps": [_step_row(s) for s in v.steps],
            "created_by": names.get(v.created_by_id or 0), "created_at": iso(v.created_at),
            "reviewed_by": names.get(v.reviewed_by_id or 0), "reviewed_at": iso(v.reviewed_at),
            "issued_by": names.get(v.issued_by_id or 0), "issued_at": iso(v.issued_at)}


def _detail(session: Session, plan: RiverPlan) -> dict[str, Any]:
    river = session.get(River, plan.river_id)
    assert river is not None
    versions = _versions(session, [plan.id]).get(plan.id, [])
    issued, open_ = _split(versions)
    names = _names(session, {x for v in versions
                             for x in (v.created_by_id, v.reviewed_by_id, v.issued_by_id)})
    due = _due(issued.issued_at) if issued else None
    steps = ([_step_row(s) for s in issued.steps] if issued
             else [_step_row(s) for s in plan.steps])
    return {
        "river_code": plan.code, "river_name_zh": river.name_zh,
        "river_name_en": river.name_en, "title_zh": plan.title_zh,
        "bundled_version": plan.version,
        "status": _status(issued, open_, datetime.now(UTC).date()),
        "reported_status": REPORTED.get(river.plan_batch or 0),
        "revision_due_on": due.isoformat() if due else None,
        "in_use": "issued" if issued else "bundled", "steps": steps,
        "versions": [_version_out(v, names) for v in versions],
    }


def plan_detail(river_code: str) -> dict[str, Any]:
    """One river's plan: the steps in use, its status and every version."""
    with reading() as session:
        return _detail(session, _plan(session, river_code))


def _open_version(session: Session, plan: RiverPlan) -> PlanVersion | None:
    return session.execute(
        select(PlanVersion).where(PlanVersion.plan_id == plan.id,
                                  PlanVersion.status.in_(("draft", "reviewed")))
    ).scalar_one_or_none()


def _stale(version: PlanVersion | None, expected: int | None) -> Conflict:
    now = version.row_version if version else None
    return Conflict("the plan's draft changed since you read it: reload and try again",
                    fields={"expected_row_version": f"is {now} now"},
                    current={"version_no": version.version_no if version else None,
                             "row_version": now, "expected": expected})


def save_draft(river_code: str, req: SavePlanDraft, actor: Actor) -> dict[str, Any]:
    """Create the open draft (starting from the steps in use) or replace its steps; a
    reviewed draft that is edited goes back to draft (its review no longer holds)."""
    steps = [s.model_dump() for s in req.steps]
    with unit_of_work() as session:
        plan = _plan(session, river_code, lock=True)
        version = _open_version(session, plan)
        if version is None:
            if req.expected_row_version is not None:
                raise _stale(None, req.expected_row_version)
            number = (session.execute(select(func.max(PlanVersion.version_no))
                                      .where(PlanVersion.plan_id == plan.id)).scalar() or 0)
            version = PlanVersion(plan_id=plan.id, version_no=number + 1, status="draft",
                                  steps=steps, note=req.note, row_version=1,
                                  created_by_id=actor.id)
            session.add(version)
            before = None
        else:
            if req.expected_row_version != version.row_version:
                raise _stale(version, req.expected_row_version)
            before = {"status": version.status, "steps": version.steps, "note": version.note}
            version.steps, version.note, version.status = steps, req.note, "draft"
            version.reviewed_by_id = version.reviewed_at = None
            version.row_version += 1
            version.updated_at = datetime.now(UTC)
        session.flush()
        audit(session, actor, "plan_draft_saved", "plan", plan.code, before,
              {"version_no": version.version_no, "steps": steps, "note": req.note})
        return _detail(session, plan)


def _action_target(session: Session, river_code: str, action: PlanAction,
                   wanted: str) -> tuple[RiverPlan, PlanVersion]:
    plan = _plan(session, river_code, lock=True)
    version = _open_version(session, plan)
    if version is None or version.row_version != action.expected_row_version:
        raise _stale(version, action.expected_row_version)
    if version.status != wanted:
        raise Conflict("the open version is %(status)s, not %(wanted)s",
                       fields={"status": version.status},
                       params={"status": version.status, "wanted": wanted})
    return plan, version


def review(river_code: str, action: PlanAction, actor: Actor) -> dict[str, Any]:
    """Mark the draft reviewed: by someone other than its author (four eyes)."""
    with unit_of_work() as session:
        plan, version = _action_target(session, river_code, action, "draft")
        if actor.id is not None and actor.id == version.created_by_id:
            raise Forbidden("a plan version is reviewed by someone other than its author",
                            fields={"reviewer": actor.username})
        version.status, version.reviewed_by_id = "reviewed", actor.id
        version.reviewed_at = datetime.now(UTC)
        version.row_version += 1
        audit(session, actor, "plan_reviewed", "plan", plan.code, {"status": "draft"},
              {"status": "reviewed", "version_no": version.version_no})
        session.flush()
        return _detail(session, plan)


def issue(river_code: str, action: PlanAction, actor: Actor,
          settings: Settings) -> dict[str, Any]:
    """Issue the reviewed version (a leader): it becomes the steps incidents use; the
    version issued before is superseded."""
    require_issuer(actor, settings)
    with unit_of_work() as session:
        plan, version = _action_target(session, river_code, action, "reviewed")
        old = session.execute(select(PlanVersion).where(PlanVersion.plan_id == plan.id,
                                                        PlanVersion.status == "issued")
                              ).scalar_one_or_none()
        if old is not None:
            old.status = "superseded"
            old.row_version += 1
            session.flush()  # one issued version per plan (a partial unique index)
        version.status, version.issued_by_id = "issued", actor.id
        version.issued_at = datetime.now(UTC)
        version.row_version += 1
        audit(session, actor, "plan_issued", "plan", plan.code,
              {"issued_version": old.version_no if old else None},
              {"issued_version": version.version_no})
        session.flush()
        detail = _detail(session, plan)
    forget_dataset_key()  # committed: the next analysis here uses the issued steps
    return detail

"""Hazards found at enterprises and their rectification (issue 17 item 5), and the
enterprises' plan filing status.

A hazard moves found → rectifying → closed (rectifying may go back to found when the work
stalls; a closed hazard is final: a new finding is a new hazard). Closing needs the day it
was closed, a description of the rectification and at least one piece of evidence, because
a supervisor closing a hazard on someone's word is exactly what the 2016 guide forbids.
Every write checks the version the writer read (a stale edit is a 409) and appends an
audit line in the same unit of work.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webgis.contract.supervision import HazardChange, HazardQuery, NewHazard
from webgis.errors import Conflict, NotFound, Unprocessable
from webgis.models.enterprise import Enterprise
from webgis.models.geo import AdminArea
from webgis.models.river import Reach, River
from webgis.models.supervision import Hazard, HazardEvidence
from webgis.services.actor import Actor
from webgis.services.audit import audit
from webgis.services.uow import reading, unit_of_work

__all__ = ["EVIDENCE_TYPES", "MAX_EVIDENCE_BYTES", "add_evidence", "change_hazard",
           "create_hazard", "evidence_file", "list_hazards", "prefecture_of", "prefectures",
           "set_filing", "today_in_china"]

CHINA = ZoneInfo("Asia/Shanghai")
#: Evidence files: what their first bytes must be (the browser's content type is not
#: believed), and the largest accepted.
EVIDENCE_TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png",
                  b"%PDF-": "application/pdf"}
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
#: Allowed status moves.
TRANSITIONS = {"found": {"rectifying", "closed"}, "rectifying": {"found", "closed"},
               "closed": set()}


def today_in_china() -> date:
    """Deadlines are calendar days in Gansu, whatever the server's time zone."""
    return datetime.now(CHINA).date()


def prefecture_of(adcode: str | None, prefectures: set[str]) -> str | None:
    """The prefecture-level code of an administrative code: itself when it is one (Lanzhou
    New District counts as one), else the county's prefecture (first four digits)."""
    if not adcode or len(adcode) != 6 or not adcode.isdigit():
        return None
    if adcode in prefectures:
        return adcode
    parent = adcode[:4] + "00"
    return parent if parent in prefectures else None


def prefectures(session: Session) -> dict[str, tuple[str, str]]:
    """Gansu's prefecture-level divisions (and Lanzhou New District): code → names."""
    rows = session.execute(
        select(AdminArea.code, AdminArea.name_zh, AdminArea.name_en)
        .where(AdminArea.level.in_(("prefecture", "new_district")))
        .order_by(AdminArea.code)
    ).all()
    return {r.code: (r.name_zh, r.name_en) for r in rows}


def _snapshot(h: Hazard) -> dict[str, Any]:
    return {"status": h.status, "description": h.description, "deadline": h.deadline.isoformat(),
            "grade": h.grade, "category": h.category, "rectification": h.rectification,
            "closed_on": h.closed_on.isoformat() if h.closed_on else None}


def _enterprise(session: Session, code: str) -> Enterprise:
    ent = session.execute(select(Enterprise).where(Enterprise.code == code)).scalar_one_or_none()
    if ent is None:
        raise Unprocessable("unknown enterprise %(code)s", fields={"enterprise": code},
                            params={"code": code})
    return ent


def _next_code(session: Session, found_on: date) -> str:
    """HZ-<year>-<n>: numbered per year of finding, as the department's ledgers are."""
    prefix = f"HZ-{found_on.year}-"
    session.execute(select(func.pg_advisory_xact_lock(found_on.year)))
    last = session.execute(
        select(func.max(Hazard.code)).where(Hazard.code.like(prefix + "%"))
    ).scalar_one()
    n = int(last[len(prefix):]) + 1 if last else 1
    return f"{prefix}{n:05d}"


def create_hazard(req: NewHazard, actor: Actor) -> dict[str, Any]:
    """Record a hazard found at an enterprise; its row."""
    with unit_of_work() as session:
        ent = _enterprise(session, req.enterprise)
        h = Hazard(code=_next_code(session, req.found_on), enterprise_id=ent.id,
                   found_on=req.found_on, category=req.category, grade=req.grade,
                   description=req.description, deadline=req.deadline, status="found",
                   version=1, created_by_id=actor.id)
        session.add(h)
        session.flush()
        audit(session, actor, "hazard_created", "hazard", h.code, None,
              {**_snapshot(h), "enterprise": ent.code, "found_on": h.found_on.isoformat()})
        return _rows(session, [h])[0]


def _locked(session: Session, code: str) -> Hazard:
    h = session.execute(select(Hazard).where(Hazard.code == code).with_for_update()
                        ).scalar_one_or_none()
    if h is None:
        raise NotFound("no hazard %(code)s", fields={"code": code}, params={"code": code})
    return h


def change_hazard(code: str, change: HazardChange, actor: Actor) -> dict[str, Any]:
    """Apply `change` if the hazard is still at the version the writer read."""
    with unit_of_work() as session:
        h = _locked(session, code)
        if h.version != change.expected_version:
            raise Conflict("the hazard changed since you read it: reload and try again",
                           fields={"expected_version": f"is {h.version} now"},
                           current=_rows(session, [h])[0])
        before = _snapshot(h)
        for name in ("description", "deadline", "grade", "category", "rectification"):
            value = getattr(change, name)
            if value is not None:
                setattr(h, name, value)
        if h.deadline < h.found_on:
            raise Unprocessable("the deadline must not be before the day it was found",
                                fields={"deadline": h.deadline.isoformat()})
        if change.status is not None and change.status != h.status:
            _move(session, h, change)
        elif change.closed_on is not None:
            raise Unprocessable("closed_on is only given when closing",
                                fields={"closed_on": change.closed_on.isoformat()})
        after = _snapshot(h)
        if after == before:
            return _rows(session, [h])[0]
        h.version += 1
        h.updated_at = datetime.now(CHINA)
        audit(session, actor, "hazard_changed", "hazard", h.code, before, after)
        session.flush()
        return _rows(session, [h])[0]


def _move(session: Session, h: Hazard, change: HazardChange) -> None:
    target = change.status
    assert target is not None
    if target not in TRANSITIONS[h.status]:
        raise Conflict("a %(old)s hazard cannot become %(new)s",
                       fields={"status": target}, params={"old": h.status, "new": target})
    if target != "closed":
        h.status = target
        return
    missing = {}
    if change.closed_on is None:
        missing["closed_on"] = "the day the rectification was confirmed is required"
    elif change.closed_on < h.found_on or change.closed_on > today_in_china():
        missing["closed_on"] = "must be between the day it was found and today"
    if not (change.rectification or h.rectification).strip():
        missing["rectification"] = "say what was done"
    evidence = session.execute(select(func.count(HazardEvidence.id))
                               .where(HazardEvidence.hazard_id == h.id)).scalar_one()
    if not evidence:
        missing["evidence"] = "upload at least one photo or document first"
    if missing:
        raise Unprocessable("the hazard cannot be closed yet", fields=missing)
    h.status, h.closed_on = "closed", change.closed_on


def add_evidence(code: str, filename: str, data: bytes, actor: Actor) -> dict[str, Any]:
    """Attach a JPEG, PNG or PDF (by its content, at most `MAX_EVIDENCE_BYTES`)."""
    if not data:
        raise Unprocessable("the file is empty", fields={"file": filename})
    if len(data) > MAX_EVIDENCE_BYTES:
        raise Unprocessable("the file is larger than %(mb)s MB", fields={"file": filename},
                            params={"mb": MAX_EVIDENCE_BYTES // 2**20})
    kind = next((t for magic, t in EVIDENCE_TYPES.items() if data.startswith(magic)), None)
    if kind is None:
        raise Unprocessable("evidence must be a JPEG, PNG or PDF file",
                            fields={"file": filename})
    name = (filename or "evidence").replace("\\", "/").rsplit("/", 1)[-1][:200]
    with unit_of_work() as session:
        h = _locked(session, code)
        if h.status == "closed":
            raise Conflict("the hazard is closed: its evidence is final",
                           fields={"status": h.status})
        digest = hashlib.sha256(data).hexdigest()
        ev = HazardEvidence(hazard_id=h.id, filename=name, content_type=kind,
                            size_bytes=len(data), sha256=digest, content=data,
                            uploaded_by_id=actor.id)
        session.add(ev)
        h.version += 1
        session.flush()
        audit(session, actor, "evidence_added", "hazard", h.code, None,
              {"filename": name, "sha256": digest, "size_bytes": len(data)})
        return _rows(session, [h])[0]


def evidence_file(code: str, evidence_id: int) -> tuple[str, str, bytes]:
    """(filename, content type, bytes) of one piece of evidence."""
    with reading() as session:
        row = session.execute(
            select(HazardEvidence).join(Hazard, Hazard.id == HazardEvidence.hazard_id)
            .where(Hazard.code == code, HazardEvidence.id == evidence_id)
        ).scalar_one_or_none()
        if row is None:
            raise NotFound("no such evidence", fields={"evidence": evidence_id})
        return row.filename, row.content_type, bytes(row.content)


def set_filing(code: str, plan_filed: bool, actor: Actor) -> dict[str, Any]:
    """Record whether the enterprise's emergency plan is filed (audited; no change, no
    line). A later load of a changed enterprise file sets it from the file again."""
    with unit_of_work() as session:
        ent = session.execute(select(Enterprise).where(Enterprise.code == code)
                              .with_for_update()).scalar_one_or_none()
        if ent is None:
            raise NotFound("no enterprise %(code)s", fields={"code": code},
                           params={"code": code})
        changed = ent.plan_filed != plan_filed
        if changed:
            audit(session, actor, "plan_filing_changed", "enterprise", ent.code,
                  {"plan_filed": ent.plan_filed}, {"plan_filed": plan_filed})
            ent.plan_filed = plan_filed
        return {"code": ent.code, "plan_filed": ent.plan_filed, "changed": changed}


Place = tuple[str, str, str | None, str | None]


def _places(session: Session, enterprise_ids: set[int]) -> dict[int, Place]:
    """Enterprise id → (code, name, prefecture code, basin)."""
    pref = prefectures(session)
    rows = session.execute(
        select(Enterprise.id, Enterprise.code, Enterprise.name_zh, Enterprise.adcode,
               River.basin)
        .join(Reach, Reach.id == Enterprise.outfall_reach_id)
        .join(River, River.id == Reach.river_id)
        .where(Enterprise.id.in_(enterprise_ids))
    ).all()
    return {r.id: (r.code, r.name_zh, prefecture_of(r.adcode, set(pref)), r.basin)
            for r in rows}


def _rows(session: Session, hazards: list[Hazard]) -> list[dict[str, Any]]:
    today = today_in_china()
    places = _places(session, {h.enterprise_id for h in hazards})
    evidence: dict[int, list[dict[str, Any]]] = {}
    if hazards:
        for ev in session.execute(
            select(HazardEvidence.id, HazardEvidence.hazard_id, HazardEvidence.filename,
                   HazardEvidence.content_type, HazardEvidence.size_bytes,
                   HazardEvidence.sha256, HazardEvidence.uploaded_at)
            .where(HazardEvidence.hazard_id.in_([h.id for h in hazards]))
            .order_by(HazardEvidence.id)
        ).all():
            evidence.setdefault(ev.hazard_id, []).append({
                "id": ev.id, "filename": ev.filename, "content_type": ev.content_type,
                "size_bytes": ev.size_bytes, "sha256": ev.sha256,
                "uploaded_at": ev.uploaded_at.isoformat() if ev.uploaded_at else None,
                "url": "",
            })
    out = []
    for h in hazards:
        code, name, pref, basin = places[h.enterprise_id]
        late = (today - h.deadline).days if h.status != "closed" else 0
        evs = evidence.get(h.id, [])
        for item in evs:
            item["url"] = f"/api/v1/hazards/{h.code}/evidence/{item['id']}"
        out.append({
            "code": h.code, "enterprise": code, "enterprise_name": name,
            "prefecture": pref, "basin": basin, "found_on": h.found_on.isoformat(),
            "category": h.category, "grade": h.grade, "description": h.description,
            "deadline": h.deadline.isoformat(), "status": h.status,
            "closed_on": h.closed_on.isoformat() if h.closed_on else None,
            "rectification": h.rectification, "overdue": late > 0,
            "days_overdue": max(late, 0), "version": h.version, "evidence": evs,
        })
    return out


def list_hazards(q: HazardQuery) -> dict[str, Any]:
    """Hazards matching the filters, the most overdue first, then the newest."""
    today = today_in_china()
    with reading() as session:
        stmt = select(Hazard).join(Enterprise, Enterprise.id == Hazard.enterprise_id)
        if q.enterprise:
            stmt = stmt.where(Enterprise.code == q.enterprise)
        if q.status:
            stmt = stmt.where(Hazard.status == q.status)
        if q.overdue is not None:
            late = (Hazard.status != "closed") & (Hazard.deadline < today)
            stmt = stmt.where(late if q.overdue else ~late)
        hazards = list(session.execute(
            stmt.order_by(Hazard.deadline, Hazard.id.desc())).scalars())
        rows = _rows(session, hazards)
        if q.prefecture:
            rows = [r for r in rows if r["prefecture"] == q.prefecture]
        if q.basin:
            rows = [r for r in rows if r["basin"] == q.basin]
        rows.sort(key=lambda r: (-r["days_overdue"], r["status"] == "closed", r["deadline"]))
        return {"hazards": rows[: q.limit], "today": today.isoformat()}

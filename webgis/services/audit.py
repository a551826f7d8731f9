"""The audit log of the department's registers: who changed what, before and after.

Every write to a register (hazards, filing status, and the registers of issue 17) appends
one `AuditEntry` in the same unit of work as the change itself, so a change is never
committed without its audit line. The table is append-only in the database (a trigger,
migration `s5l_risk_supervision`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from webgis.models.supervision import AuditEntry
from webgis.services.actor import Actor
from webgis.services.uow import reading

__all__ = ["audit", "audit_trail"]


def audit(session: Session, actor: Actor, action: str, object_type: str, object_code: str,
          before: dict[str, Any] | None, after: dict[str, Any] | None) -> AuditEntry:
    """Append one audit line (the caller's unit of work commits it with the change)."""
    entry = AuditEntry(actor_id=actor.id, actor_name=actor.username, actor_role=actor.role,
                       action=action, object_type=object_type, object_code=object_code,
                       before=before, after=after)
    session.add(entry)
    return entry


def audit_trail(object_type: str, object_code: str) -> list[dict[str, Any]]:
    """Every audit line of one object, oldest first."""
    with reading() as session:
        rows = session.execute(
            select(AuditEntry)
            .where(AuditEntry.object_type == object_type,
                   AuditEntry.object_code == object_code)
            .order_by(AuditEntry.id)
        ).scalars().all()
        return [{"at": r.at.isoformat(), "actor": r.actor_name, "role": r.actor_role,
                 "action": r.action, "before": r.before, "after": r.after} for r in rows]

"""Reading an incident's history (issue 14): its forecasts, one per revision of the facts
(the page overlays an earlier one on the current), and the whole record exported with
the incident (JSON, and the timeline the sheet writers put into the XLSX and the PDF).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from webgis.errors import NotFound
from webgis.models.incident import IncidentEvent, IncidentRevision
from webgis.models.user import User
from webgis.services.incident_write import event_row, require_incident
from webgis.services.uow import reading

__all__ = ["export_incident", "get_revision", "list_revisions", "timeline_csv",
           "timeline_rows"]

CSV_COLUMNS = ("seq", "at", "kind", "actor", "actor_role", "summary")


def _rev_row(rev: IncidentRevision, username: str | None, level: str | None,
             show_names: bool) -> dict[str, Any]:
    row: dict[str, Any] = {
        "revision_no": rev.revision_no,
        "created_at": rev.created_at.isoformat() if rev.created_at else None,
        "created_by": username if show_names else None, "level": level,
        "facts": rev.facts or {},
    }
    return row


def list_revisions(incident_id: int, *, show_names: bool) -> dict[str, Any]:
    """The incident's forecasts, oldest first, without their results (the last is the
    current one)."""
    level = IncidentRevision.result["level"]["suggested"].astext
    with reading() as session:
        require_incident(session, incident_id)
        rows = session.execute(
            select(IncidentRevision, User.username, level)
            .outerjoin(User, User.id == IncidentRevision.created_by_id)
            .where(IncidentRevision.incident_id == incident_id)
            .order_by(IncidentRevision.revision_no)
        ).all()
        revs = [_rev_row(r, name, lv, show_names) for r, name, lv in rows]
        return {"incident_id": incident_id,
                "current": revs[-1]["revision_no"] if revs else 0, "revisions": revs}


def get_revision(incident_id: int, revision_no: int, *, show_names: bool) -> dict[str, Any]:
    """One forecast in full: its facts, request and result (404 when there is none)."""
    with reading() as session:
        row = session.execute(
            select(IncidentRevision, User.username)
            .outerjoin(User, User.id == IncidentRevision.created_by_id)
            .where(IncidentRevision.incident_id == incident_id,
                   IncidentRevision.revision_no == revision_no)
        ).first()
        if row is None:
            raise NotFound("no revision %(n)s of incident %(id)s",
                           fields={"revision_no": revision_no},
                           params={"n": revision_no, "id": incident_id})
        rev, name = row
        result = rev.result or {}
        level = (result.get("level") or {}).get("suggested")
        return {**_rev_row(rev, name, level, show_names), "request": rev.request,
                "result": result}


def timeline_rows(session: Session, incident_id: int, show_names: bool = True
                  ) -> list[dict[str, Any]]:
    """Every event of the incident, oldest first (as the API shows them)."""
    events = session.execute(
        select(IncidentEvent).where(IncidentEvent.incident_id == incident_id)
        .order_by(IncidentEvent.seq)
    ).scalars().all()
    return [event_row(ev, show_names) for ev in events]


def export_incident(incident_id: int) -> dict[str, Any]:
    """The incident for the record: its state and current facts, every revision (facts and
    level; results at ``/revisions/<n>``) and the whole timeline."""
    from webgis.services.incidents import get_incident

    detail = get_incident(incident_id, show_names=True)
    detail.pop("result", None)
    revisions = list_revisions(incident_id, show_names=True)["revisions"]
    with reading() as session:
        events = timeline_rows(session, incident_id)
    return {"incident": detail, "revisions": revisions, "events": events}


def _cell(value: Any) -> Any:
    """A CSV cell; text a spreadsheet would run as a formula is quoted with ``'``."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def timeline_csv(incident_id: int) -> bytes:
    """The timeline as CSV (UTF-8 with a BOM, so Excel reads the Chinese)."""
    with reading() as session:
        require_incident(session, incident_id)
        rows = timeline_rows(session, incident_id)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in CSV_COLUMNS])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")

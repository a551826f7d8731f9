"""How every write to a living incident begins and ends (issue 14).

A write service opens the incident with `open_for_write` (a row lock, and the version the
writer read must be the current one: a stale write is refused with `Conflict`, never a
silent overwrite), changes what it changes, and appends one event with `record`, which
also raises the incident's version. All of it happens in the caller's unit of work, so the
change and its line in the timeline are committed together or not at all::

    with unit_of_work() as session:
        inc = open_for_write(session, incident_id, expected_version, actor)
        ...  # the change
        record(session, inc, "reading_entered", actor, "W-03 0.05 mg/L", {...})

Writes that do not come from an officer's screen (automatic stations, acknowledgement
links, a drill's injects) use `open_for_append`: the same lock, no version to compare.

A closed incident is a record: every write service names its write to `ensure_open`, which
refuses it (409 with the state now) unless it is one of `AFTER_CLOSE` — what still has to
happen after the handling has ended (teams return and give back what they did not use,
recipients acknowledge, the end of alert and the final report go out, a report already
issued is corrected). Anything else waits until an admin reopens the incident.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webgis.errors import Conflict, NotFound, Unprocessable
from webgis.models.incident import EVENT_KINDS, Incident, IncidentEvent
from webgis.services.actor import Actor

__all__ = ["AFTER_CLOSE", "ensure_open", "event_row", "open_for_append", "open_for_write",
           "record", "require_incident", "state_of"]

#: The writes a closed incident still accepts (see the module docstring); every other write
#: named to `ensure_open` is refused while the incident is closed.
AFTER_CLOSE = frozenset({
    "alert_ack",         # a recipient acknowledges an alert sent before the close
    "alert_mail_result", # the mailer records what happened to an e-mail
    "alert_end",         # the end of alert (解除预警) goes out after the handling has ended
    "dispatch_return",   # a team comes back and returns what it did not use
    "final_report",      # the final report is drafted, edited and issued after the close
    "report_correction", # an issued report is corrected
})


def state_of(inc: Incident) -> dict[str, Any]:
    """What a writer refused for a stale version needs to see: the incident's state now."""
    return {
        "id": inc.id, "kind": inc.kind, "title": inc.title, "status": inc.status,
        "version": inc.version,
        "updated_at": inc.updated_at.isoformat() if inc.updated_at else None,
    }


def require_incident(session: Session, incident_id: int) -> Incident:
    """The incident (no lock: a read), or `NotFound`."""
    inc = session.get(Incident, incident_id)
    if inc is None:
        raise NotFound("no incident %(id)s", fields={"id": incident_id},
                       params={"id": incident_id})
    return inc


def ensure_open(inc: Incident, write: str) -> None:
    """`Conflict` (409, with the state now) when the incident is closed and `write` is not
    one of `AFTER_CLOSE`: nothing else is written to a closed incident until an admin
    reopens it."""
    if inc.status == "closed" and write not in AFTER_CLOSE:
        raise Conflict("the incident is closed (%(write)s is not accepted after the close): "
                       "an admin must reopen it first",
                       fields={"status": "closed", "write": write},
                       params={"write": write}, current=state_of(inc))


def open_for_append(session: Session, incident_id: int) -> Incident:
    """The incident, locked until the unit of work ends (`NotFound` if there is none)."""
    inc = session.execute(
        select(Incident).where(Incident.id == incident_id).with_for_update()
    ).scalar_one_or_none()
    if inc is None:
        raise NotFound("no incident %(id)s", fields={"id": incident_id},
                       params={"id": incident_id})
    return inc


def open_for_write(session: Session, incident_id: int, expected_version: int,
                   actor: Actor) -> Incident:
    """The incident, locked, if `expected_version` is its version now; otherwise
    `Conflict` with the current state (nothing is changed)."""
    inc = open_for_append(session, incident_id)
    if inc.version != expected_version:
        raise Conflict(
            "the incident changed since you read it (version %(read)s, now %(now)s): "
            "reload and try again",
            fields={"expected_version": f"is {inc.version} now"},
            params={"read": expected_version, "now": inc.version},
            current=state_of(inc),
        )
    return inc


def record(session: Session, inc: Incident, kind: str, actor: Actor, summary: str,
           payload: dict[str, Any] | None = None) -> IncidentEvent:
    """Append one event to the incident's timeline and raise its version (the caller holds
    the incident's lock, so `seq` cannot be taken twice)."""
    if kind not in EVENT_KINDS:
        raise Unprocessable("unknown event kind %(kind)s", fields={"kind": kind},
                            params={"kind": kind})
    last = session.execute(
        select(func.coalesce(func.max(IncidentEvent.seq), 0))
        .where(IncidentEvent.incident_id == inc.id)
    ).scalar_one()
    event = IncidentEvent(
        incident_id=inc.id, seq=last + 1, actor_id=actor.id, actor_name=actor.username,
        actor_role=actor.role, kind=kind, summary=summary, payload=payload or {},
    )
    session.add(event)
    inc.version = (inc.version or 0) + 1
    inc.updated_at = datetime.now(UTC)
    session.flush()
    return event


def event_row(ev: IncidentEvent, show_names: bool = True) -> dict[str, Any]:
    """An event as the API and the exports show it."""
    row: dict[str, Any] = {
        "seq": ev.seq, "at": ev.at.isoformat() if ev.at else None, "kind": ev.kind,
        "actor": ev.actor_name if show_names else None, "actor_role": ev.actor_role,
        "summary": ev.summary, "payload": ev.payload or {},
    }
    return row

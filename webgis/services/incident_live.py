"""Live updates of an incident (issue 14, item 8): "has anything changed since version N?"
answered with one indexed read.

Every officer's page asks for the incident's new events about once a second. Almost always
nothing changed, so the answer must be cheap: the incident's ``version`` is raised by
every write (`incident_write.record`, the only place that raises it, appends one event per
raise) and the event log is append-only, so the events after any `after_seq` and the
version now change exactly when the version does. A client that names the version it
holds (the edge turns it into an ETag) gets "unchanged" from the version alone — one
primary-key lookup, no read of the event log, no JSON built.

Why polling with validators rather than server-sent events: the app runs under gunicorn's
sync workers (2-3 per deployment, `scripts/run.sh`, the Dockerfile); an open event stream
holds a whole worker for as long as the page is open, so the fourth officer would block the
product. A conditional poll holds a worker for a millisecond and passes through any proxy
(Caddy, a ministry gateway) without buffering settings. README "Live updates" has the
figures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from webgis.errors import NotFound
from webgis.models.incident import Incident, IncidentEvent
from webgis.services.incident_write import event_row
from webgis.services.uow import reading

__all__ = ["EventsPoll", "poll_events"]


@dataclass(frozen=True)
class EventsPoll:
    """The incident's version now and, unless the caller already holds it, the events."""

    version: int
    body: dict[str, Any] | None  # None: unchanged for the caller


def poll_events(incident_id: int, *, after_seq: int, show_names: bool,
                holds: Callable[[int], bool]) -> EventsPoll:
    """The events after `after_seq` with the version now (as `incidents.list_events`),
    or only the version when `holds(version)` says the caller has this version already.

    The version is read first: an event committed between the two reads may come with
    an older version (the next poll then answers with the newer version and no event
    twice, since the caller asks after the last `seq` it has), never the reverse, which
    would let a caller hold a version whose event it has not seen."""
    with reading() as session:
        version = session.execute(
            select(Incident.version).where(Incident.id == incident_id)
        ).scalar_one_or_none()
        if version is None:
            raise NotFound("no incident %(id)s", fields={"id": incident_id},
                           params={"id": incident_id})
        if holds(version):
            return EventsPoll(version, None)
        events = session.execute(
            select(IncidentEvent)
            .where(IncidentEvent.incident_id == incident_id, IncidentEvent.seq > after_seq)
            .order_by(IncidentEvent.seq)
        ).scalars().all()
        return EventsPoll(version, {"incident_id": incident_id, "version": version,
                                    "events": [event_row(ev, show_names) for ev in events]})

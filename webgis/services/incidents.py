"""Incidents: analyse a spill, save an analysis, list recent ones, reopen one.

Saving stores the server's analysis of the request on the current data — never a result sent
by a browser: the one this process answered for the same request and data minutes ago (what
the officer saw, stored as it was serialised), else the analysis run now. The
save runs in one unit of work (`webgis.services.uow`): the row is committed with its
result, or nothing is.

Who saved an incident (`created_by`, a username) is shown only when the caller says the
reader may see account names (`show_names`: signed-in users).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Text, cast, func, literal, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import defer

from webgis.config import Settings
from webgis.errors import NotFound
from webgis.models.incident import INCIDENT_KINDS, Incident, IncidentEvent, IncidentRevision
from webgis.models.user import User
from webgis.services.actor import Actor
from webgis.services.analysis import Analysis, analysis_for_saving, run_analysis
from webgis.services.incident_write import event_row, record
from webgis.services.uow import reading, unit_of_work

__all__ = ["INCIDENT_KINDS", "analyse", "get_incident", "list_events", "list_incidents",
           "save_incident"]


def analyse(body: Any, settings: Settings | None = None) -> Analysis:
    """The analysis of one spill (`webgis.services.analysis.run_analysis`: its JSON, serialised
    once, and the typed result read back); stores nothing."""
    with reading() as session:
        return run_analysis(session, body, settings)


def default_title(result: Mapping[str, Any]) -> str:
    """"<river> <pollutant>" when the caller gives no title."""
    snap, pollutant = result.get("snap") or {}, result.get("pollutant") or {}
    return f"{snap.get('river_name', '')} {pollutant.get('name', '')}".strip() or "incident"


def summary(inc: Incident, username: str | None, level: str | None,
            show_names: bool) -> dict[str, Any]:
    """The list row of an incident (and the head of its full view)."""
    lon, lat = inc.request["location"]["lon"], inc.request["location"]["lat"]
    row: dict[str, Any] = {
        "id": inc.id, "kind": inc.kind, "title": inc.title,
        "created_at": inc.created_at.isoformat() if inc.created_at else None,
        "created_by": username, "river_code": inc.river_code,
        "pollutant_code": inc.pollutant_code, "level": level, "lon": lon, "lat": lat,
        "url": f"/incidents/{inc.id}", "sheet_url": f"/incidents/{inc.id}/sheet.pdf",
        "status": inc.status, "version": inc.version,
        "updated_at": inc.updated_at.isoformat() if inc.updated_at else None,
    }
    if not show_names:
        del row["created_by"]  # account names are not for anonymous readers
    return row


def save_incident(req: Any, *, kind: str, title: str | None, user_id: int,
                  username: str, role: str = "duty_officer", client_key: str | None = None,
                  settings: Settings | None = None) -> dict[str, Any]:
    """Store `req` with its analysis (not run again when just shown), in one unit of work:
    the incident, its first revision and the ``created`` event; the summary.

    A `client_key` the same user already saved with returns that incident (``"existing":
    true``) instead of a duplicate: a double click, a retried request or a second tab."""
    with unit_of_work() as session:
        if client_key:
            found = session.execute(
                select(Incident).where(Incident.created_by_id == user_id,
                                       Incident.client_key == client_key)
            ).scalar_one_or_none()
            if found is not None:
                level = (found.result.get("level") or {}).get("suggested")
                return {**summary(found, username, level, show_names=True), "existing": True}
        analysis = analysis_for_saving(session, req, settings)
        result = analysis.result
        stored_request = result.get("request") or req
        loc = stored_request["location"]
        # the analysis' own JSON text, cast by PostgreSQL (no second serialisation)
        result_json = cast(literal(analysis.json.decode(), Text), JSONB)
        inc = Incident(
            kind=kind,
            title=title or default_title(result),
            created_by_id=user_id,
            river_code=(result.get("snap") or {}).get("river_code"),
            pollutant_code=(result.get("pollutant") or {}).get("code"),
            request=stored_request,
            result=result_json,
            geom=func.ST_SetSRID(func.ST_MakePoint(float(loc["lon"]), float(loc["lat"])),
                                 4326),
            facts=dict(stored_request), status="reported", version=0, client_key=client_key,
        )
        session.add(inc)
        session.flush()  # the id and created_at, for the summary
        session.add(IncidentRevision(incident_id=inc.id, revision_no=1,
                                     facts=dict(stored_request), request=stored_request,
                                     result=result_json, created_by_id=user_id))
        # version 0 + the first event = version 1
        record(session, inc, "created", Actor(user_id, username, role), inc.title,
               {"kind": kind})
        level = (result.get("level") or {}).get("suggested")
        return summary(inc, username, level, show_names=True)


def list_incidents(limit: int, *, show_names: bool, kind: str = "incident"
                   ) -> list[dict[str, Any]]:
    """The `limit` most recent incidents of `kind` first (drills never mix with real
    incidents), without their results."""
    level = Incident.result["level"]["suggested"].astext
    with reading() as session:
        rows = session.execute(
            select(Incident, User.username, level)
            .outerjoin(User, User.id == Incident.created_by_id)
            .where(Incident.kind == kind)
            .order_by(Incident.created_at.desc(), Incident.id.desc())
            .limit(limit)
            .options(defer(Incident.result))
        ).all()
        return [summary(inc, name, lv, show_names) for inc, name, lv in rows]


def get_incident(incident_id: int, *, show_names: bool) -> dict[str, Any]:
    """One saved incident with its request and the result as it was analysed."""
    with reading() as session:
        row = session.execute(
            select(Incident, User.username)
            .outerjoin(User, User.id == Incident.created_by_id)
            .where(Incident.id == incident_id)
        ).first()
        if row is None:
            raise NotFound(f"no incident {incident_id}", fields={"id": incident_id})
        inc, username = row
        level = (inc.result.get("level") or {}).get("suggested")
        return {**summary(inc, username, level, show_names), "request": inc.request,
                "result": inc.result, "facts": inc.facts,
                "discovered_at": inc.discovered_at.isoformat() if inc.discovered_at else None}


def list_events(incident_id: int, *, after_seq: int = 0, show_names: bool
                ) -> dict[str, Any]:
    """The incident's timeline after `after_seq` (0: all), oldest first, with the
    incident's version now (a client that has it is up to date)."""
    with reading() as session:
        version = session.execute(
            select(Incident.version).where(Incident.id == incident_id)
        ).scalar_one_or_none()
        if version is None:
            raise NotFound(f"no incident {incident_id}", fields={"id": incident_id})
        events = session.execute(
            select(IncidentEvent)
            .where(IncidentEvent.incident_id == incident_id, IncidentEvent.seq > after_seq)
            .order_by(IncidentEvent.seq)
        ).scalars().all()
        return {"incident_id": incident_id, "version": version,
                "events": [event_row(ev, show_names) for ev in events]}

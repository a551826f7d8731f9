"""Downstream alerts (issue 14, item 5): alert the administrations on an incident's notify
list, send them updates and the end of alert (解除预警), and show where each stands.

Every alert is a row of its own with its own acknowledgement link (`alert_links`); the
first alert to an administration starts its chain, updates and the end refer to it. The
content is taken from the incident's current forecast on the server (the notify row and the
border receptor: arrival and peak, expected and worst case), never from the browser. Each
write is one unit of work with its timeline event; e-mails go out only after it commits
(`alert_mail.deliver`), so a rolled-back alert is never e-mailed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from webgis.config import Settings
from webgis.contract.alerts import FollowAlerts, SendAlerts
from webgis.errors import Conflict, NotFound, Unprocessable
from webgis.models.alerts import AlertContact, IncidentAlert
from webgis.models.incident import Incident
from webgis.response import alert_text
from webgis.services import alert_links, alert_mail
from webgis.services.actor import Actor, require_issuer
from webgis.services.incident_write import (
    ensure_open,
    open_for_write,
    record,
    require_incident,
    state_of,
)
from webgis.services.uow import reading, unit_of_work

__all__ = ["alert_row", "end_alerts", "list_alerts", "local_time", "printable",
           "send_alerts", "update_alerts"]

CST = alert_text.CST
local_time = alert_text.local_time


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt else None


def recipient_key(row: dict[str, Any]) -> str:
    """An administration's key: its adcode, or its name when the data has none."""
    return str(row.get("admin_code") or row.get("admin_name") or "")[:60]


def _notify(inc: Incident) -> dict[str, dict[str, Any]]:
    return {recipient_key(r): r for r in (inc.result or {}).get("notify") or []}


def _started(inc: Incident) -> datetime | None:
    raw = (inc.request or {}).get("started_at")
    try:
        start = datetime.fromisoformat(str(raw)) if raw else None
    except ValueError:
        return None
    if start is not None and start.tzinfo is None:
        start = start.replace(tzinfo=CST)
    return start


def _finite(value: Any) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def content_for(inc: Incident, row: dict[str, Any] | None, recipient_name: str,
                sender: str, now: datetime) -> dict[str, Any]:
    """What an alert says: the incident, the level and, while the administration is on the
    notify list, the forecast at its border (``in_forecast`` false once it is not)."""
    result = inc.result or {}
    pollutant = result.get("pollutant") or {}
    content: dict[str, Any] = {
        "incident_id": inc.id, "incident_title": inc.title, "incident_kind": inc.kind,
        "pollutant_name": pollutant.get("name"), "pollutant_en": pollutant.get("name_en"),
        "level": (result.get("level") or {}).get("suggested"),
        "recipient_name": recipient_name, "sender": sender, "sent_at_text": local_time(now),
        "in_forecast": row is not None,
    }
    if row is None:
        return content
    receptor: dict[str, Any] = next((r for r in result.get("receptors") or []
                     if r.get("code") == row.get("boundary_code")), {})
    worst = receptor.get("worst") or {}
    content.update(
        boundary_code=row.get("boundary_code"), boundary_name=receptor.get("name"),
        admin_level=row.get("level"), river_km=_finite(row.get("river_km")),
        arrival_h=_finite(row.get("arrival_h")),
        worst_arrival_h=_finite(row.get("worst_arrival_h")),
        peak_h=_finite(receptor.get("peak_h")), worst_peak_h=_finite(worst.get("peak_h")),
        peak_conc_mgl=_finite(row.get("peak_conc_mgl")),
        worst_peak_conc_mgl=_finite(worst.get("peak_conc_mgl")),
        limit_mgl=_finite(receptor.get("limit_mgl")), exceeds=bool(row.get("exceeds")),
        worst_exceeds=bool(worst.get("exceeds")),
        reason_zh=row.get("reason_zh"), reason_en=row.get("reason_en"),
    )
    start = _started(inc)
    if start is not None:
        for key in ("arrival_h", "worst_arrival_h", "peak_h", "worst_peak_h"):
            hours = content.get(key)
            if hours is not None:
                content[key.replace("_h", "_at")] = local_time(start + timedelta(hours=hours))
    return content


def _contacts(session: Session, keys: Iterable[str]) -> dict[str, AlertContact]:
    rows = session.scalars(select(AlertContact).where(AlertContact.recipient_key.in_(
        list(keys)))).all()
    return {c.recipient_key: c for c in rows}


def _remember(session: Session, contacts: dict[str, AlertContact], key: str, name: str,
              email: str, now: datetime) -> None:
    found = contacts.get(key)
    if found is None:
        found = contacts[key] = AlertContact(recipient_key=key, name=name)
        session.add(found)
    found.email, found.updated_at = email, now


def _new_alert(session: Session, inc: Incident, kind: str, first: IncidentAlert | None,
               key: str, name: str, level: str, email: str | None, content: dict[str, Any],
               note: str, actor: Actor, settings: Settings, now: datetime) -> IncidentAlert:
    token_id = alert_links.new_token_id()
    expires = now + timedelta(hours=settings.alert_link_ttl_hours)
    token = alert_links.make_token(settings.secret_key, token_id, expires)
    status = ("no_address" if not email
              else "pending" if settings.smtp_host else "not_configured")
    alert = IncidentAlert(
        incident_id=inc.id, first_id=first.id if first else None, kind=kind,
        recipient_key=key, recipient_name=name, recipient_level=level or "", email=email,
        content=content, subject=alert_text.subject(kind, content), note=note,
        sent_at=now, sent_by_id=actor.id, sent_by_name=actor.username, token_id=token_id,
        token_hash=alert_links.token_hash(token), expires_at=expires, email_status=status,
    )
    session.add(alert)
    return alert


def _chains(session: Session, incident_id: int) -> dict[str, IncidentAlert]:
    """Each administration's latest chain: its first alert (ended or not). After an end of
    alert, a new alert to the same administration starts a new chain."""
    rows = session.scalars(select(IncidentAlert).where(
        IncidentAlert.incident_id == incident_id, IncidentAlert.kind == "alert")
        .order_by(IncidentAlert.id)).all()
    return {a.recipient_key: a for a in rows}  # the latest wins


def send_alerts(incident_id: int, req: SendAlerts, actor: Actor, settings: Settings,
                base_url: str) -> dict[str, Any]:
    """Alert administrations of the notify list (all not yet alerted when no recipient is
    named): one row each, one ``alert_sent`` event; then the e-mails."""
    now = datetime.now(UTC)
    with unit_of_work() as s:
        inc = open_for_write(s, incident_id, req.expected_version, actor)
        ensure_open(inc, "alert")
        rows, chains = _notify(inc), _chains(s, inc.id)
        if not rows:
            raise Unprocessable("the incident's notify list is empty: no administration "
                                "downstream to alert", fields={"recipients": "empty list"})
        wanted = [(r.key, r.email) for r in req.recipients] if req.recipients else [
            (k, None) for k in rows if k not in chains]
        if not wanted:
            raise Conflict("every administration on the notify list was alerted already: "
                           "send an update", fields={"recipients": "all alerted"},
                           current=state_of(inc))
        seen: set[str] = set()
        for i, (key, _) in enumerate(wanted):
            if key not in rows or key in seen:
                why = "repeated" if key in seen else "not on the notify list"
                raise Unprocessable("%(key)s: %(why)s", fields={f"recipients[{i}].key": why},
                                    params={"key": key, "why": why})
            if key in chains and chains[key].ended_at is None:
                raise Conflict("%(key)s was alerted already: send an update",
                               fields={f"recipients[{i}].key": "alerted already"},
                               params={"key": key}, current=state_of(inc))
            seen.add(key)
        contacts = _contacts(s, seen)
        created = []
        for key, email in wanted:
            row = rows[key]
            if email:
                _remember(s, contacts, key, row.get("admin_name") or key, email, now)
            address = email or (contacts[key].email if key in contacts else None)
            content = content_for(inc, row, row.get("admin_name") or key, actor.username, now)
            created.append(_new_alert(s, inc, "alert", None, key, row.get("admin_name") or key,
                                      row.get("level") or "", address, content, req.note,
                                      actor, settings, now))
        s.flush()
        record(s, inc, "alert_sent", actor,
               "预警 → " + "、".join(a.recipient_name for a in created),
               {"alert_ids": [a.id for a in created],
                "recipients": [a.recipient_key for a in created], "note": req.note})
        ids = [a.id for a in created]
    alert_mail.deliver(ids, settings, base_url)
    return _answer(incident_id, ids, settings, base_url)


def _follow(kind: str, incident_id: int, req: FollowAlerts, actor: Actor,
            settings: Settings, base_url: str) -> dict[str, Any]:
    """An update (the current forecast) or the end of alert to alerted administrations."""
    now = datetime.now(UTC)
    with unit_of_work() as s:
        inc = open_for_write(s, incident_id, req.expected_version, actor)
        ensure_open(inc, "alert_end" if kind == "end" else "alert_update")
        chains = _chains(s, inc.id)
        live = {k: a for k, a in chains.items() if a.ended_at is None}
        if req.recipients is None:
            keys = list(live)
            if not keys:
                raise Conflict("no alert is open on this incident (none sent, or all ended)",
                               fields={"recipients": "no open alert"}, current=state_of(inc))
        else:
            keys = list(dict.fromkeys(req.recipients))
            for i, key in enumerate(req.recipients):
                if key not in chains:
                    raise Unprocessable("%(key)s was never alerted",
                                        fields={f"recipients[{i}]": "never alerted"},
                                        params={"key": key})
                if key not in live:
                    raise Conflict("the alert to %(key)s has ended already",
                                   fields={f"recipients[{i}]": "ended"}, params={"key": key},
                                   current=state_of(inc))
        rows, contacts = _notify(inc), _contacts(s, set(keys) | {r.key for r in req.emails})
        for i, given in enumerate(req.emails):
            if given.key not in chains:
                raise Unprocessable("%(key)s was never alerted",
                                    fields={f"emails[{i}].key": "never alerted"},
                                    params={"key": given.key})
            if given.email:
                _remember(s, contacts, given.key, chains[given.key].recipient_name,
                          given.email, now)
        created = []
        for key in keys:
            first = live[key]
            address = contacts[key].email if key in contacts and contacts[key].email else (
                first.email)
            content = content_for(inc, rows.get(key), first.recipient_name, actor.username,
                                  now)
            created.append(_new_alert(s, inc, kind, first, key, first.recipient_name,
                                      first.recipient_level, address, content, req.note,
                                      actor, settings, now))
            if kind == "end":
                first.ended_at = now
        s.flush()
        word = "解除预警" if kind == "end" else "预警更新"
        record(s, inc, "alert_ended" if kind == "end" else "alert_updated", actor,
               f"{word} → " + "、".join(a.recipient_name for a in created),
               {"alert_ids": [a.id for a in created], "recipients": keys, "note": req.note})
        ids = [a.id for a in created]
    alert_mail.deliver(ids, settings, base_url)
    return _answer(incident_id, ids, settings, base_url)


def update_alerts(incident_id: int, req: FollowAlerts, actor: Actor, settings: Settings,
                  base_url: str) -> dict[str, Any]:
    """The current forecast to every administration with an open alert (or those named)."""
    return _follow("update", incident_id, req, actor, settings, base_url)


def end_alerts(incident_id: int, req: FollowAlerts, actor: Actor, settings: Settings,
               base_url: str) -> dict[str, Any]:
    """The end of alert (解除预警): a leader's (or a duty officer's where configured);
    afterwards the chain's old links say the alert has ended."""
    require_issuer(actor, settings)
    return _follow("end", incident_id, req, actor, settings, base_url)


def alert_row(a: IncidentAlert, chain_ended: datetime | None, settings: Settings,
              base_url: str, now: datetime, with_body: bool = False) -> dict[str, Any]:
    """An alert as the page, the printable pages and the acknowledgement page show it; its
    link is signed again from the stored id (the same link as the one sent)."""
    url = alert_links.ack_url(base_url, alert_links.make_token(
        settings.secret_key, a.token_id, a.expires_at))
    overdue = (a.acknowledged_at is None and (a.kind == "end" or chain_ended is None)
               and now - a.sent_at > timedelta(minutes=settings.alert_ack_minutes))
    row: dict[str, Any] = {
        "id": a.id, "kind": a.kind, "first_id": a.first_id, "incident_id": a.incident_id,
        "recipient_key": a.recipient_key, "recipient_name": a.recipient_name,
        "recipient_level": a.recipient_level, "email": a.email,
        "email_status": a.email_status, "email_error": a.email_error,
        "emailed_at": _iso(a.emailed_at), "sent_at": _iso(a.sent_at) or "",
        "sent_at_text": local_time(a.sent_at), "sent_by": a.sent_by_name, "note": a.note,
        "acknowledged_at": _iso(a.acknowledged_at),
        "acknowledged_at_text": local_time(a.acknowledged_at),
        "acknowledged_by": a.acknowledged_by, "ack_note": a.ack_note,
        "ended_at": _iso(chain_ended), "ended_at_text": local_time(chain_ended),
        "expires_at": _iso(a.expires_at), "expires_at_text": local_time(a.expires_at),
        "overdue": overdue, "subject": a.subject, "content": a.content, "ack_url": url,
    }
    if with_body:
        row["body"] = alert_text.body(a.kind, a.content, url, local_time(a.expires_at) or "",
                                      a.note)
    return row


def _rows(alerts: Sequence[IncidentAlert], settings: Settings, base_url: str,
          with_body: bool = False) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    ended = {a.id: a.ended_at for a in alerts if a.kind == "alert"}
    return [alert_row(a, ended.get(a.first_id or a.id), settings, base_url, now, with_body)
            for a in alerts]


def _load(session: Session, incident_id: int) -> tuple[Incident, list[IncidentAlert]]:
    inc = require_incident(session, incident_id)
    alerts = session.scalars(select(IncidentAlert).where(
        IncidentAlert.incident_id == incident_id).order_by(IncidentAlert.id.desc())).all()
    return inc, list(alerts)


def _answer(incident_id: int, ids: list[int], settings: Settings, base_url: str
            ) -> dict[str, Any]:
    with reading() as s:
        inc, alerts = _load(s, incident_id)
        rows = [r for r in _rows(alerts, settings, base_url) if r["id"] in ids]
        return {"incident_id": incident_id, "version": inc.version, "alerts": rows}


def list_alerts(incident_id: int, settings: Settings, base_url: str) -> dict[str, Any]:
    """The notify list with each administration's state (``not_sent``, ``open``,
    ``ended``) and known e-mail, and every alert sent, newest first."""
    with reading() as s:
        inc, alerts = _load(s, incident_id)
        rows = _notify(inc)
        worst = {r.get("code"): (r.get("worst") or {}).get("peak_conc_mgl")
                 for r in (inc.result or {}).get("receptors") or []}
        chains = {a.recipient_key: a for a in reversed(alerts) if a.kind == "alert"}
        contacts = _contacts(s, set(rows) | set(chains))
        notify = []
        for key in list(rows) + [k for k in chains if k not in rows]:
            row, first = rows.get(key), chains.get(key)
            contact = contacts.get(key)
            notify.append({
                "key": key, "admin_name": (row or {}).get("admin_name")
                or (first.recipient_name if first else key),
                "level": (row or {}).get("level"), "in_forecast": row is not None,
                "arrival_h": (row or {}).get("arrival_h"),
                "worst_arrival_h": (row or {}).get("worst_arrival_h"),
                "peak_conc_mgl": (row or {}).get("peak_conc_mgl"),
                # the safe side first: the border receptor's worst-case peak
                "worst_peak_conc_mgl": worst.get((row or {}).get("boundary_code")),
                "exceeds": (row or {}).get("exceeds"),
                "email": contact.email if contact else (first.email if first else None),
                "first_id": first.id if first else None,
                "state": "not_sent" if first is None else (
                    "ended" if first.ended_at else "open"),
            })
        return {"incident_id": inc.id, "version": inc.version, "title": inc.title,
                "notify": notify, "alerts": _rows(alerts, settings, base_url),
                "ack_minutes": settings.alert_ack_minutes,
                "smtp_configured": bool(settings.smtp_host)}


def printable(incident_id: int, alert_id: int | None, settings: Settings,
              base_url: str) -> dict[str, Any]:
    """Every alert of an incident (or the one `alert_id`), oldest first, with its full
    text and link: the printable pages."""
    with reading() as s:
        inc, alerts = _load(s, incident_id)
        rows = _rows(alerts, settings, base_url, with_body=True)[::-1]
        if alert_id is not None:
            rows = [r for r in rows if r["id"] == alert_id]
            if not rows:
                raise NotFound("no alert %(id)s", fields={"alert_id": alert_id},
                               params={"id": alert_id})
        return {"incident_id": inc.id, "title": inc.title, "kind": inc.kind, "alerts": rows}

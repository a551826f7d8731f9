"""Acknowledging a downstream alert by its link, without signing in.

The link's signature and expiry are checked first (`alert_links.read_token`), then the
stored hash. A link of an alert whose chain has ended says so and accepts nothing (the end
of alert's own link still takes the acknowledgement of the end). Acknowledging twice
changes nothing and shows when it was acknowledged. The acknowledgement is recorded as the
system (``ack-link``) with the name the recipient typed in the event's payload, appended to
the incident without a version check (`open_for_append`): the recipient never read one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from webgis.config import Settings
from webgis.contract.alerts import Acknowledge
from webgis.errors import Conflict
from webgis.models.alerts import IncidentAlert
from webgis.response.alert_text import local_time
from webgis.services import alert_links
from webgis.services.actor import Actor
from webgis.services.alerts import alert_row
from webgis.services.incident_write import ensure_open, open_for_append, record
from webgis.services.uow import reading, unit_of_work

__all__ = ["acknowledge", "alert_for_link"]


def _alert(session: Session, token: str, token_id: str, lock: bool = False
           ) -> IncidentAlert:
    query = select(IncidentAlert).where(IncidentAlert.token_id == token_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    alert = session.scalars(query).one_or_none()
    if alert is None or not alert_links.hash_matches(token, alert.token_hash):
        raise alert_links.LinkInvalid("this acknowledgement link is not valid",
                                      fields={"token": "unknown"})
    return alert


def _chain_end(session: Session, alert: IncidentAlert) -> datetime | None:
    if alert.first_id is None:
        return alert.ended_at
    first = session.get(IncidentAlert, alert.first_id)
    return first.ended_at if first is not None else None


def _check_expiry(alert: IncidentAlert, now: datetime) -> None:
    if now > alert.expires_at:
        raise alert_links.LinkExpired("this acknowledgement link has expired (%(at)s)",
                                      fields={"token": "expired"},
                                      params={"at": local_time(alert.expires_at)})


def alert_for_link(token: str, settings: Settings, base_url: str) -> dict[str, Any]:
    """The alert a link belongs to, with its full text, and whether it may still be
    acknowledged (``ended``: its chain has ended; ``acknowledged``: it was)."""
    now = datetime.now(UTC)
    token_id = alert_links.read_token(settings.secret_key, token, now)
    with reading() as s:
        alert = _alert(s, token, token_id)
        ended = _chain_end(s, alert)
        _check_expiry(alert, now)
        row = alert_row(alert, ended, settings, base_url, now, with_body=True)
        return {"alert": row, "ended": ended is not None and alert.kind != "end",
                "acknowledged": alert.acknowledged_at is not None}


def acknowledge(token: str, form: Acknowledge, settings: Settings, base_url: str
                ) -> dict[str, Any]:
    """Record who acknowledged the alert of `token` and when (once; a repeat returns the
    first acknowledgement with ``already``). Forged → `LinkInvalid`, expired →
    `LinkExpired`, its alert ended → `Conflict`; nothing is stored then."""
    now = datetime.now(UTC)
    token_id = alert_links.read_token(settings.secret_key, token, now)
    with unit_of_work() as s:
        incident_id = _alert(s, token, token_id).incident_id
        inc = open_for_append(s, incident_id)  # the incident's lock first, as every write
        ensure_open(inc, "alert_ack")
        alert = _alert(s, token, token_id, lock=True)
        ended = _chain_end(s, alert)
        if ended is not None and alert.kind != "end":
            raise Conflict("this alert ended at %(at)s: there is nothing to acknowledge",
                           fields={"token": "alert ended"}, params={"at": local_time(ended)},
                           ended_at=ended.isoformat())
        _check_expiry(alert, now)
        if alert.acknowledged_at is not None:
            return {"alert": alert_row(alert, ended, settings, base_url, now),
                    "already": True}
        alert.acknowledged_at, alert.acknowledged_by = now, form.name
        alert.ack_note = form.note or None
        record(s, inc, "alert_acknowledged", Actor.system("ack-link"),
               f"{alert.recipient_name}：{form.name} 确认收到",
               {"alert_id": alert.id, "kind": alert.kind, "recipient": alert.recipient_key,
                "name": form.name, "note": form.note})
        return {"alert": alert_row(alert, ended, settings, base_url, now), "already": False}

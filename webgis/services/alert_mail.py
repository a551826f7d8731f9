"""E-mail of downstream alerts over SMTP, after the alerts are committed.

`deliver` is called by the alert services once their unit of work has committed, so an
alert that was rolled back is never e-mailed. Each alert's outcome is written back on its
row (``sent`` or ``failed`` with the server's answer) with one ``alert_emailed`` event per
incident: a refused address or a server that cannot be reached is shown on the page, never
an error of the request. Without WEBGIS_SMTP_HOST nothing is sent: alerts are visible and
printable in the product (``not_configured``).
"""

from __future__ import annotations

import smtplib
import ssl
from collections import defaultdict
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from sqlalchemy import select

from webgis.config import Settings
from webgis.models.alerts import IncidentAlert
from webgis.response import alert_text
from webgis.services import alert_links
from webgis.services.actor import Actor
from webgis.services.incident_write import ensure_open, open_for_append, record
from webgis.services.uow import reading, unit_of_work

__all__ = ["deliver", "message_for"]

DEFAULT_FROM = "webgis-alerts@localhost"
_ERROR_MAX = 500


def _local(dt: datetime) -> str:
    return alert_text.local_time(dt) or ""


def message_for(alert: IncidentAlert, settings: Settings, base_url: str) -> EmailMessage:
    """The e-mail of one alert: its subject, and its body with the acknowledgement link."""
    token = alert_links.make_token(settings.secret_key, alert.token_id, alert.expires_at)
    url = alert_links.ack_url(base_url, token)
    msg = EmailMessage()
    msg["From"] = settings.smtp_from or DEFAULT_FROM
    msg["To"] = alert.email or ""
    msg["Subject"] = alert.subject
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = make_msgid("webgis-alert")
    msg["X-Webgis-Alert"] = str(alert.id)
    msg.set_content(alert_text.body(alert.kind, alert.content, url, _local(alert.expires_at),
                                    alert.note))
    return msg


def _send_all(messages: list[tuple[int, EmailMessage]], settings: Settings
              ) -> dict[int, str | None]:
    """Send over one SMTP connection: alert id -> None (accepted) or the error."""
    outcome: dict[int, str | None] = {}
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port,
                          timeout=settings.smtp_timeout_s) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context(
                    cafile=settings.smtp_cafile or None))
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            for alert_id, msg in messages:
                try:
                    smtp.send_message(msg)
                    outcome[alert_id] = None
                except smtplib.SMTPException as exc:
                    outcome[alert_id] = f"{type(exc).__name__}: {exc}"[:_ERROR_MAX]
    except (OSError, smtplib.SMTPException) as exc:
        why = f"{type(exc).__name__}: {exc}"[:_ERROR_MAX]
        for alert_id, _ in messages:
            outcome.setdefault(alert_id, why)
    return outcome


def deliver(alert_ids: list[int], settings: Settings, base_url: str) -> dict[int, str | None]:
    """E-mail the committed alerts `alert_ids` that wait for it (``pending``) and record
    each outcome; nothing when SMTP is not configured."""
    if not settings.smtp_host or not alert_ids:
        return {}
    with reading() as s:
        pending = s.scalars(select(IncidentAlert).where(
            IncidentAlert.id.in_(alert_ids), IncidentAlert.email_status == "pending")).all()
        messages, unbuildable = [], {}
        for a in pending:
            try:
                messages.append((a.id, message_for(a, settings, base_url)))
            except (ValueError, TypeError) as exc:  # an address or header e-mail refuses
                unbuildable[a.id] = f"{type(exc).__name__}: {exc}"[:_ERROR_MAX]
    if not messages and not unbuildable:
        return {}
    outcome = {**unbuildable, **(_send_all(messages, settings) if messages else {})}
    now = datetime.now(UTC)
    by_incident: dict[int, list[dict[str, Any]]] = defaultdict(list)
    with unit_of_work() as s:
        for a in s.scalars(select(IncidentAlert).where(IncidentAlert.id.in_(list(outcome)))):
            error = outcome[a.id]
            a.email_status = "failed" if error else "sent"
            a.email_error, a.emailed_at = error, now
            by_incident[a.incident_id].append({"alert_id": a.id, "to": a.email,
                                               "ok": error is None, "error": error})
        mailer = Actor.system("mail")
        for incident_id, rows in sorted(by_incident.items()):
            inc = open_for_append(s, incident_id)
            ensure_open(inc, "alert_mail_result")
            sent = sum(r["ok"] for r in rows)
            record(s, inc, "alert_emailed", mailer,
                   f"e-mail: {sent} sent, {len(rows) - sent} failed", {"results": rows})
    return outcome

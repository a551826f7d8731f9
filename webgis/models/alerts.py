"""Downstream alerts of an incident (issue 14, item 5): one row per message to one
administration — the first alert, its updates and the end of alert (解除预警) — and the
address book of the administrations' e-mail contacts.

Each row has its own acknowledgement link. The link itself is never stored: only its id
(`token_id`, a random nonce the signed link carries) and a SHA-256 hash of it, so a copy of
the database does not hand out working links (`webgis.services.alert_links`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from webgis.models.base import Model

ALERT_KINDS = ("alert", "update", "end")
#: not_configured: no SMTP server; no_address: the recipient has no e-mail; pending: to be
#: sent once the unit of work commits; sent / failed: what the SMTP server said.
EMAIL_STATUSES = ("not_configured", "no_address", "pending", "sent", "failed")


class AlertContact(Model):
    """Where an administration's environment authority receives alerts (by adcode, or by
    name when the data has no code)."""

    __tablename__ = "alert_contact"
    recipient_key: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    email: Mapped[str | None] = mapped_column(Text)
    contact_name: Mapped[str] = mapped_column(Text, nullable=False, default="",
                                              server_default="")
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class IncidentAlert(Model):
    """One alert message to one administration: what it said, who sent it, whether it was
    e-mailed and who acknowledged it."""

    __tablename__ = "incident_alert"
    __table_args__ = (
        CheckConstraint(f"kind IN {ALERT_KINDS}", name="kind_known"),
        CheckConstraint(f"email_status IN {EMAIL_STATUSES}", name="email_status_known"),
        CheckConstraint("(kind = 'alert') = (first_id IS NULL)", name="chain"),
        Index("ix_incident_alert_incident", "incident_id", "id"),
        Index("ix_incident_alert_first", "first_id"),
        # one open chain per administration and incident, whoever writes
        Index("ix_incident_alert_open_chain", "incident_id", "recipient_key", unique=True,
              postgresql_where=text("kind = 'alert' AND ended_at IS NULL")),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(Integer, ForeignKey("incident.id"),
                                             nullable=False)
    #: The first alert of this recipient's chain (None for the first alert itself).
    first_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("incident_alert.id"))
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    #: The administration's adcode, or its name when the data has no code.
    recipient_key: Mapped[str] = mapped_column(String(60), nullable=False)
    recipient_name: Mapped[str] = mapped_column(Text, nullable=False)
    recipient_level: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    email: Mapped[str | None] = mapped_column(Text)
    #: Forecast arrival and peak at the administration's border, the level, the incident.
    content = mapped_column(JSONB, nullable=False)
    subject: Mapped[str] = mapped_column(Text, nullable=False)
    #: The body is composed when shown or sent (`webgis.response.alert_text`): it carries
    #: the link, which is never stored.
    note: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                              server_default=func.now())
    sent_by_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("user_account.id"))
    sent_by_name: Mapped[str] = mapped_column(Text, nullable=False)
    token_id: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[str | None] = mapped_column(Text)
    ack_note: Mapped[str | None] = mapped_column(Text)
    #: Set on the first alert when its chain is ended (the end-of-alert row's time).
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    email_status: Mapped[str] = mapped_column(String(20), nullable=False)
    email_error: Mapped[str | None] = mapped_column(Text)
    emailed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

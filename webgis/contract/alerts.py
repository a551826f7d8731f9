"""Requests and answers of downstream alerts (issue 14, item 5): send alerts to the
administrations on an incident's notify list, update them, end them (解除预警), and
acknowledge one by its link (no sign-in)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from webgis.contract.text import no_control_characters

#: A plain e-mail address (one @, a dot in the domain, no spaces); the SMTP server is the
#: judge of the rest.
EMAIL_PATTERN = r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$"
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254,
                                         pattern=EMAIL_PATTERN)]
RecipientKey = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                max_length=60)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000),
                 BeforeValidator(no_control_characters)]


class Recipient(BaseModel):
    """One administration of the notify list (its ``admin_code``, or its name when the data
    has no code), and the e-mail to send to (remembered for the next alerts)."""

    model_config = ConfigDict(extra="ignore")

    key: RecipientKey
    email: Email | None = None


class SendAlerts(BaseModel):
    """``POST /api/v1/incidents/<id>/alerts``: alert these administrations of the notify
    list (all not yet alerted when ``recipients`` is left out)."""

    model_config = ConfigDict(extra="ignore")

    expected_version: Annotated[int, Field(ge=0)]
    recipients: Annotated[list[Recipient], Field(min_length=1, max_length=100)] | None = None
    note: Note = ""


class FollowAlerts(BaseModel):
    """``POST .../alerts/update`` and ``.../alerts/end``: an update (the current forecast)
    or the end of alert to the administrations already alerted (all of them still open when
    ``recipients`` is left out: a list of recipient keys)."""

    model_config = ConfigDict(extra="ignore")

    expected_version: Annotated[int, Field(ge=0)]
    recipients: Annotated[list[RecipientKey], Field(min_length=1, max_length=100)
                          ] | None = None
    #: New e-mail addresses of alerted administrations (remembered, used from this message
    #: on): a first alert printed or phoned can have its updates e-mailed.
    emails: Annotated[list[Recipient], Field(max_length=100)] = []
    note: Note = ""


class Acknowledge(BaseModel):
    """``POST /ack/<token>``: who acknowledges (the name the recipient types) and a note."""

    model_config = ConfigDict(extra="ignore")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
                    BeforeValidator(no_control_characters)]
    note: Note = ""


class AlertRow(BaseModel):
    """One alert as the incident page and the printable pages show it."""

    model_config = ConfigDict(extra="allow")

    id: int
    kind: Literal["alert", "update", "end"]
    first_id: int | None
    recipient_key: str
    recipient_name: str
    email: str | None
    email_status: str
    email_error: str | None
    sent_at: str
    sent_by: str
    acknowledged_at: str | None
    acknowledged_by: str | None
    ended_at: str | None
    overdue: bool
    subject: str
    content: dict[str, Any]


class AlertList(BaseModel):
    """``GET /api/v1/incidents/<id>/alerts``: the notify list with each administration's
    state, every alert sent (newest first) and the settings that shape the page."""

    model_config = ConfigDict(extra="allow")

    incident_id: int
    version: int
    notify: list[dict[str, Any]]
    alerts: list[AlertRow]
    ack_minutes: float
    smtp_configured: bool


class AlertsSent(BaseModel):
    """201: the alerts just written (with their e-mail status after delivery)."""

    model_config = ConfigDict(extra="allow")

    incident_id: int
    version: int
    alerts: list[AlertRow]


class AckAnswer(BaseModel):
    """``POST /ack/<token>`` answered as JSON: the alert and when and by whom it was
    acknowledged (``already``: it had been, nothing changed)."""

    model_config = ConfigDict(extra="allow")

    alert: dict[str, Any]
    already: bool

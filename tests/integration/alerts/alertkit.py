"""Helpers of the downstream-alert tests (a module with a name of its own, so that no other
`conftest` is imported in its place): the loopback SMTP mailbox and typed settings."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from tests.conftest import incident_request
from webgis.config import Settings
from webgis.services import users
from webgis.services.actor import Actor

BODY = incident_request()
PASSWORD = "ten chars!"
REFUSED = "refused@example.org"
BASE = "http://alerts.test"


@dataclass
class Mailbox:
    """What the loopback SMTP server accepted."""

    host: str
    port: int
    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == REFUSED:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), msg))  # type: ignore[arg-type]
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def settings_for(box: Mailbox | None = None, **kw) -> Settings:
    smtp = {"smtp_host": box.host, "smtp_port": box.port,
            "smtp_from": "alerts@gansu.example"} if box else {}
    return Settings(**{"secret_key": "test", **smtp, **kw})


def make_actor(app, name: str, role: str) -> Actor:
    with app.app_context():
        users.create_user(name, role, PASSWORD)
        uid = users.authenticate(name, PASSWORD).id
    return Actor(uid, name, role)

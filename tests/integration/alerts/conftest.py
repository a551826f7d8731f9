"""Fixtures of the downstream-alert tests: officers, a saved incident whose notify list is
not empty (the mini dataset's Yellow River leaves for Ningxia), and a real SMTP server on
loopback (aiosmtpd) that keeps what it receives."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from alertkit import BODY, Mailbox, free_port, make_actor

from webgis.services import analysis, incidents
from webgis.services.actor import Actor


@pytest.fixture
def smtp() -> Iterator[Mailbox]:
    box = Mailbox("127.0.0.1", free_port())
    controller = Controller(box, hostname=box.host, port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def officer(app, session) -> Iterator[Actor]:
    analysis.recent.clear()
    yield make_actor(app, "alert_officer", "duty_officer")
    analysis.recent.clear()


@pytest.fixture
def leader(app, session) -> Actor:
    return make_actor(app, "alert_leader", "leader")


@pytest.fixture
def incident(app, officer) -> Iterator[dict]:
    """A saved incident (version 1) and an app context for the services."""
    with app.app_context():
        saved = incidents.save_incident(BODY, kind="incident", title="黄河苯泄漏",
                                        user_id=officer.id, username=officer.username,
                                        role=officer.role)
        yield saved

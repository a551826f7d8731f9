"""The plan checklist on the server (issue 14, item 7): the forecast's plan steps with
ticks (who, when), due times from discovery (the plan's or the phase default), overdue
flags, and a tick in the timeline."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from tests.conftest import incident_request
from webgis.errors import Conflict, NotFound
from webgis.models import Incident, IncidentEvent, PlanTick
from webgis.response.dispatch import DEFAULT_DUE_MIN
from webgis.services import analysis, checklist, incidents, users
from webgis.services.actor import Actor

BODY = incident_request()
DISCOVERED = datetime.fromisoformat(BODY["discovered_at"])


@pytest.fixture
def ctx(app, session):
    analysis.recent.clear()
    with app.app_context():
        actors = []
        for name in ("c_officer_1", "c_officer_2"):
            users.create_user(name, "duty_officer", "ten chars!")
            actors.append(Actor(users.authenticate(name, "ten chars!").id, name,
                                "duty_officer"))
        saved = incidents.save_incident(BODY, kind="incident", title=None,
                                        user_id=actors[0].id, username=actors[0].username)
        inc = session.get(Incident, saved["id"])
        # the tributary's plan has one step with its own time; add one without a time
        result = dict(inc.result)
        plan = dict(result["plan"])
        plan["steps"] = [*plan["steps"], {"phase": "contain", "order": 1, "text": "布设围堰",
                                          "text_en": "Build a cofferdam", "responsible": "",
                                          "due_min": None}]
        result["plan"] = plan
        inc.result = result
        flag_modified(inc, "result")
        session.flush()
        yield session, actors, saved["id"]
    analysis.recent.clear()


def _version(session, inc_id):
    return session.scalar(select(Incident.version).where(Incident.id == inc_id))


def test_steps_are_due_from_discovery_and_overdue_when_not_done(ctx):
    session, _, inc_id = ctx
    state = checklist.checklist(inc_id, now=DISCOVERED + timedelta(minutes=200))
    report, contain = state["steps"]
    assert (report["key"], report["due_min"], report["due_from_plan"]) == ("report-1", 240,
                                                                          True)
    assert datetime.fromisoformat(report["due_at"]) == DISCOVERED + timedelta(minutes=240)
    assert contain["due_min"] == DEFAULT_DUE_MIN["contain"] and not contain["due_from_plan"]
    assert (report["overdue"], contain["overdue"]) == (False, False)
    late = checklist.checklist(inc_id, now=DISCOVERED + timedelta(minutes=241))
    assert [s["overdue"] for s in late["steps"]] == [True, True]


def test_a_tick_is_seen_by_every_officer_with_who_and_when(ctx):
    session, (one, two), inc_id = ctx
    state = checklist.tick_step(inc_id, "report", 1, True, _version(session, inc_id), one)
    step = state["steps"][0]
    assert step["done"] and step["done_by"] == "c_officer_1" and step["done_at"]
    seen = checklist.checklist(inc_id, now=DISCOVERED + timedelta(days=2))["steps"]
    assert seen[0]["done"] and not seen[0]["overdue"] and seen[1]["overdue"]
    # the second officer unticks it: the log holds both, with who
    checklist.tick_step(inc_id, "report", 1, False, _version(session, inc_id), two)
    kinds = [(e.kind, e.actor_name) for e in session.scalars(
        select(IncidentEvent).where(IncidentEvent.incident_id == inc_id,
                                    IncidentEvent.kind.like("plan_step_%"))
        .order_by(IncidentEvent.seq))]
    assert kinds == [("plan_step_done", "c_officer_1"), ("plan_step_undone", "c_officer_2")]
    assert checklist.checklist(inc_id)["steps"][0]["done"] is False
    # ticking what is already in that state changes nothing (no event, same version)
    v = _version(session, inc_id)
    checklist.tick_step(inc_id, "report", 1, False, v, two)
    assert _version(session, inc_id) == v


def test_a_stale_tick_and_an_unknown_step_store_nothing(ctx):
    session, (one, _), inc_id = ctx
    v = _version(session, inc_id)
    with pytest.raises(Conflict):
        checklist.tick_step(inc_id, "report", 1, True, v - 1 if v > 1 else v + 1, one)
    with pytest.raises(NotFound):
        checklist.tick_step(inc_id, "treat", 9, True, v, one)
    assert session.scalar(select(PlanTick.id)) is None and _version(session, inc_id) == v
    with pytest.raises(NotFound):
        checklist.checklist(987654)

"""Two ticks of the same drill at the same time, on separate connections, play each inject
once: the drill row is locked, the inject marked played and played in one transaction, so
the second tick sees the mark. Committed data (threads have their own sessions), removed
afterwards (the event log's trigger is switched off for the cleanup's own transaction)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from webgis.config import Settings
from webgis.contract.drills import DrillCreate
from webgis.contract.scenarios import ScenarioFields
from webgis.extensions import db
from webgis.models import IncidentEvent
from webgis.services import analysis, drills, scenarios, users
from webgis.services.actor import Actor
from webgis.services.uow import end_of_context

N_THREADS = 4
N_INJECTS = 5


@pytest.fixture
def committed(app):
    analysis.recent.clear()
    settings = Settings.from_mapping(app.config)
    t0 = datetime.now(UTC) - timedelta(minutes=10)
    with app.app_context():
        users.create_user("conc_planner", "planner", "ten chars!")
        actor = Actor(users.authenticate("conc_planner", "ten chars!").id, "conc_planner",
                      "planner")
        scen = scenarios.create(ScenarioFields.model_validate({
            "name": "conc drill", "location": {"lon": 103.1, "lat": 35.92},
            "pollutant": "BENZENE", "mass_kg": 2000}), actor, settings)
        d = drills.create_drill(DrillCreate.model_validate({
            "scenario_id": scen["id"], "speed": 60, "injects": [
                {"kind": "message", "at_h": i, "text": f"inject {i}"}
                for i in range(N_INJECTS)]}), actor, settings, now=t0)
        end_of_context()
    try:
        yield d, t0, settings
    finally:
        with app.app_context():
            s = db.session
            s.execute(text("ALTER TABLE incident_event DISABLE TRIGGER incident_event_no_change"))
            p = {"i": d["incident_id"]}
            for sql in ("DELETE FROM drill WHERE incident_id = :i",
                        "DELETE FROM incident_event WHERE incident_id = :i",
                        "DELETE FROM incident_revision WHERE incident_id = :i",
                        "DELETE FROM incident WHERE id = :i"):
                s.execute(text(sql), p)
            s.execute(text("ALTER TABLE incident_event ENABLE TRIGGER incident_event_no_change"))
            s.execute(text("DELETE FROM scenario WHERE id = :s"), {"s": scen["id"]})
            s.execute(text("DELETE FROM user_account WHERE username = 'conc_planner'"))
            s.commit()
            end_of_context()
        analysis.recent.clear()


def test_concurrent_ticks_play_each_inject_once(app, committed):
    d, t0, settings = committed
    start = threading.Barrier(N_THREADS)
    played: list[int] = []
    errors: list[str] = []

    def ticker() -> None:
        with app.app_context():
            try:
                start.wait()
                played.extend(drills.play_due(d["id"], t0 + timedelta(minutes=9),
                                              settings)["played"])
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(repr(exc))
            finally:
                end_of_context()

    threads = [threading.Thread(target=ticker) for _ in range(N_THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted(played) == list(range(N_INJECTS))
    with app.app_context():
        comments = db.session.scalars(select(IncidentEvent.summary).where(
            IncidentEvent.incident_id == d["incident_id"], IncidentEvent.kind == "comment")
            .order_by(IncidentEvent.seq)).all()
        end_of_context()
    assert [c.split("] ")[-1] for c in comments] == [f"inject {i}" for i in range(N_INJECTS)]

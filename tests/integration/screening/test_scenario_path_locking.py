"""A run and an edit of the same scenario at once keep the path of what is stored.

A run computes the path from the scenario it read; if an edit committed meanwhile and the
run wrote afterwards, `scenario_path` would hold the previous version's line. The run
share-locks the row, so the edit waits for it and then writes its own path. The run is
held inside its transaction (a wrapper around `store_path`) while the edit starts; the
edit must be seen waiting on the lock, then the final path must equal a fresh analysis of
the stored scenario. Committed data on the mini dataset (threads have their own
sessions), removed afterwards.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text

from webgis.config import Settings
from webgis.contract.scenarios import ScenarioFields, ScenarioPatch
from webgis.extensions import db
from webgis.services import analysis, scenarios, users
from webgis.services.actor import Actor
from webgis.services.uow import end_of_context

NAME = "path lock scenario"


def _stored_path(app, scenario_id: int) -> str | None:
    with app.app_context():
        got = db.session.execute(text(
            "SELECT ST_AsText(geom) FROM scenario_path WHERE scenario_id = :i"),
            {"i": scenario_id}).scalar()
        end_of_context()
    return got


@pytest.fixture
def committed(app):
    analysis.recent.clear()
    settings = Settings.from_mapping(app.config)
    with app.app_context():
        users.create_user("lock_planner", "planner", "ten chars!")
        actor = Actor(users.authenticate("lock_planner", "ten chars!").id, "lock_planner",
                      "planner")
        scen = scenarios.create(ScenarioFields.model_validate({
            "name": NAME, "location": {"lon": 103.1, "lat": 35.92},
            "pollutant": "BENZENE", "mass_kg": 2000}), actor, settings)
        end_of_context()
    try:
        yield scen, settings
    finally:
        with app.app_context():
            db.session.execute(text("DELETE FROM scenario WHERE name = :n"), {"n": NAME})
            db.session.execute(text("DELETE FROM user_account WHERE username = 'lock_planner'"))
            db.session.commit()
            end_of_context()
        analysis.recent.clear()


def _edit_waits_on_a_lock(app) -> bool:
    """Whether a backend is waiting on a row lock (the edit, behind the run), within 20 s."""
    for _ in range(200):
        with app.app_context():
            waiting = db.session.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'")).scalar()
            end_of_context()
        if waiting:
            return True
        time.sleep(0.1)
    return False


def test_an_edit_during_a_run_keeps_the_edited_path(app, committed, monkeypatch):
    scen, settings = committed
    before = _stored_path(app, scen["id"])
    assert before is not None
    inside, release = threading.Event(), threading.Event()
    real_store_path = scenarios.store_path

    def held_store_path(*args, **kwargs):
        if threading.current_thread().name == "run":
            inside.set()
            release.wait(30)
        return real_store_path(*args, **kwargs)

    monkeypatch.setattr(scenarios, "store_path", held_store_path)
    errors: list[str] = []

    def work(action) -> None:
        with app.app_context():
            try:
                action()
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(repr(exc))
            finally:
                end_of_context()

    run = threading.Thread(name="run", target=work,
                           args=(lambda: scenarios.run(scen["id"], settings),))
    edit = threading.Thread(name="edit", target=work, args=(lambda: scenarios.update(
        scen["id"], ScenarioPatch.model_validate({"enterprise_code": "ENT_A"}), settings),))
    run.start()
    assert inside.wait(30)
    edit.start()
    try:
        assert _edit_waits_on_a_lock(app)  # the run's share lock holds the edit back
    finally:
        release.set()
        run.join(60)
        edit.join(60)
    assert errors == []
    after = _stored_path(app, scen["id"])
    assert after != before  # the edited place's path, not the run's (older) one
    monkeypatch.undo()
    with app.app_context():
        scenarios.run(scen["id"], settings)  # a fresh analysis of what is stored
        end_of_context()
    assert _stored_path(app, scen["id"]) == after

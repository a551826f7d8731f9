"""Dispatches from the same depot at the same time, on separate connections, never take
more than the stock (issue 14, item 6): each incident's dispatch locks the depot's
inventory rows, so the second waits for the first to commit and compares against what is
left.

This test commits (threads have their own sessions and transactions, unlike the rolled-back
`session` fixture), so it removes what it made afterwards: the incidents' event log refuses
DELETE by a trigger, which the cleanup switches off for its own transaction only.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text

from webgis.contract.dispatch import CreateDispatch
from webgis.errors import Conflict
from webgis.extensions import db
from webgis.services import analysis, dispatch, incidents, users
from webgis.services.actor import Actor
from webgis.services.uow import end_of_context

BODY = {
    "location": {"lon": 103.1, "lat": 35.92},
    "pollutant": "BENZENE",
    "release": {"mass_kg": 2000, "duration_h": 0},
    "started_at": "2026-05-01T08:00:00+08:00",
}
N = 6  # incidents, one dispatcher each
ASK = 5.0  # of 20 t of activated carbon at DEPOT_A: four fit, two do not
STOCK_SQL = ("SELECT i.quantity FROM inventory i JOIN depot d ON d.id = i.depot_id "
             "JOIN material m ON m.id = i.material_id "
             "WHERE d.code = 'DEPOT_A' AND m.code = 'ACTIVATED_CARBON'")


def _stock() -> float:
    return float(db.session.execute(text(STOCK_SQL)).scalar_one())


@pytest.fixture
def committed(app):
    """N committed incidents and a committed officer; everything removed afterwards."""
    analysis.recent.clear()
    with app.app_context():
        before = _stock()
        users.create_user("conc_officer", "duty_officer", "ten chars!")
        actor = Actor(users.authenticate("conc_officer", "ten chars!").id, "conc_officer",
                      "duty_officer")
        ids = [incidents.save_incident(BODY, kind="incident", title=f"conc {i}",
                                       user_id=actor.id, username=actor.username)["id"]
               for i in range(N)]
        end_of_context()
    try:
        yield actor, ids, before
    finally:
        with app.app_context():
            s = db.session
            s.execute(text("ALTER TABLE incident_event DISABLE TRIGGER incident_event_no_change"))
            p = {"ids": ids}
            for sql in ("DELETE FROM dispatch WHERE incident_id = ANY(:ids)",
                        "DELETE FROM incident_plan_tick WHERE incident_id = ANY(:ids)",
                        "DELETE FROM incident_event WHERE incident_id = ANY(:ids)",
                        "DELETE FROM incident_revision WHERE incident_id = ANY(:ids)",
                        "DELETE FROM incident WHERE id = ANY(:ids)"):
                s.execute(text(sql), p)
            s.execute(text("ALTER TABLE incident_event ENABLE TRIGGER incident_event_no_change"))
            s.execute(text("DELETE FROM user_account WHERE username = 'conc_officer'"))
            row_id = STOCK_SQL.replace("i.quantity", "i.id")
            s.execute(text(f"UPDATE inventory SET quantity = :q WHERE id = ({row_id})"),
                      {"q": before})
            s.commit()
            end_of_context()
        analysis.recent.clear()


def test_concurrent_dispatches_never_make_the_stock_negative(app, committed, monkeypatch):
    actor, ids, before = committed
    assert before == 20
    # hold each lock a moment, so the dispatches do overlap: without the row lock every
    # one of them would read 20 t and all six would go through
    locked = dispatch._locked_stock

    def slow_lock(*args, **kwargs):
        rows = locked(*args, **kwargs)
        time.sleep(0.15)
        return rows

    monkeypatch.setattr(dispatch, "_locked_stock", slow_lock)
    start = threading.Barrier(N)
    outcome: dict[int, str] = {}

    def dispatcher(inc_id: int) -> None:
        with app.app_context():
            try:
                body = CreateDispatch(expected_version=1, target_code="IP_A",
                                      depot_code="DEPOT_A", materials=[
                                          {"material_code": "ACTIVATED_CARBON",
                                           "quantity": ASK}])
                start.wait()
                dispatch.create_dispatch(inc_id, body, actor)
                outcome[inc_id] = "ok"
            except Conflict as err:
                outcome[inc_id] = f"409 {err.extra['current']['available']}"
            finally:
                end_of_context()

    threads = [threading.Thread(target=dispatcher, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    oks = [i for i, o in outcome.items() if o == "ok"]
    refused = [o for o in outcome.values() if o != "ok"]
    assert len(outcome) == N
    assert len(oks) == 4 and refused == ["409 {'ACTIVATED_CARBON': 0.0}"] * 2
    with app.app_context():
        assert _stock() == 0.0
        made = db.session.execute(text(
            "SELECT count(*), sum(l.quantity) FROM dispatch d JOIN dispatch_line l "
            "ON l.dispatch_id = d.id WHERE d.incident_id = ANY(:ids)"), {"ids": ids}).one()
        assert tuple(made) == (4, 20.0)
        events = db.session.execute(text(
            "SELECT count(*) FROM incident_event WHERE kind = 'dispatch_created' "
            "AND incident_id = ANY(:ids)"), {"ids": ids}).scalar_one()
        assert events == 4
        end_of_context()

"""Dispatch of materials and teams (issue 14, item 6) on real PostGIS: stock taken in the
same transaction and never below zero, returned on return less what was used, only the
allowed transitions, a field team on its own dispatches only, the ETA against the current
forecast's worst-case plume arrival, and nothing stored from a refused write."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm.attributes import flag_modified

from tests.conftest import incident_request
from webgis.contract.dispatch import CreateDispatch, DispatchStatusChange
from webgis.errors import Conflict, Forbidden, NotFound, Unprocessable
from webgis.models import Depot, Dispatch, Incident, IncidentEvent, Inventory, Material
from webgis.services import analysis, dispatch, incidents, users
from webgis.services.actor import Actor

BODY = incident_request()
PASSWORD = "ten chars!"


@pytest.fixture
def ctx(app, session):
    analysis.recent.clear()
    with app.app_context():
        actors = {}
        for name, role in (("d_officer", "duty_officer"), ("d_team_a", "field_team"),
                           ("d_team_none", "field_team")):
            users.create_user(name, role, PASSWORD)
            actors[name] = Actor(users.authenticate(name, PASSWORD).id, name, role)
        dispatch.link_team("d_team_a", "TEAM_A")
        saved = incidents.save_incident(BODY, kind="incident", title="苯", user_id=actors[
            "d_officer"].id, username="d_officer", role="duty_officer")
        yield session, actors, saved["id"]
    analysis.recent.clear()


def _stock(session, code: str) -> float:
    return session.scalar(select(Inventory.quantity).join(Material).join(Depot).where(
        Depot.code == "DEPOT_A", Material.code == code))


def _version(session, inc_id: int) -> int:
    return session.scalar(select(Incident.version).where(Incident.id == inc_id))


def _counts(session, inc_id: int) -> tuple[int, int]:
    return (session.scalar(select(func.count()).select_from(Dispatch)),
            session.scalar(select(func.count()).select_from(IncidentEvent)
                           .where(IncidentEvent.incident_id == inc_id)))


def _create(session, actor, inc_id, **kw):
    body = {"expected_version": _version(session, inc_id), "target_code": "IP_A",
            "depot_code": "DEPOT_A", "team_code": "TEAM_A",
            "materials": [{"material_code": "ACTIVATED_CARBON", "quantity": 5},
                          {"material_code": "SANDBAG", "quantity": 200}], **kw}
    return dispatch.create_dispatch(inc_id, CreateDispatch.model_validate(body), actor)


def _move(session, actor, inc_id, d_id, status, **kw):
    body = {"status": status, **kw}
    if actor.role != "field_team":
        body.setdefault("expected_version", _version(session, inc_id))
    return dispatch.change_status(inc_id, d_id, DispatchStatusChange.model_validate(body), actor)


def test_a_dispatch_takes_its_stock_and_is_compared_with_the_plume(ctx):
    session, actors, inc_id = ctx
    row = _create(session, actors["d_officer"], inc_id)
    assert (_stock(session, "ACTIVATED_CARBON"), _stock(session, "SANDBAG")) == (15, 4800)
    assert row["status"] == "dispatched" and row["next_statuses"] == ["en_route", "returned"]
    assert row["target_kind"] == "interception" and row["on_path"] is True
    result = session.get(Incident, inc_id).result
    [ip] = [r for r in result["receptors"] if r["code"] == "IP_A"]
    # the worst case (earliest) arrival, and the analysis's own road estimate of the team
    # (the slower of depot and team)
    assert row["plume_arrival_h"] == pytest.approx(ip["worst"]["arrival_h"])
    [team] = [t for t in result["teams"] if t["code"] == "TEAM_A"]
    assert row["travel_h"] == pytest.approx(team["travel_h"], rel=1e-6)
    assert row["slack_h"] == pytest.approx(row["plume_arrival_h"] - row["eta_h"])
    assert row["estimate"] is True and row["times"]["en_route"] is None
    [ev] = session.scalars(select(IncidentEvent).where(
        IncidentEvent.incident_id == inc_id, IncidentEvent.kind == "dispatch_created"))
    assert ev.payload["dispatch_id"] == row["id"] and ev.actor_name == "d_officer"
    assert "活性炭 5 t" in ev.summary


def test_a_quantity_above_stock_is_refused_with_what_is_available(ctx):
    session, actors, inc_id = ctx
    before = _counts(session, inc_id)
    with pytest.raises(Conflict) as err:
        _create(session, actors["d_officer"], inc_id, materials=[
            {"material_code": "ACTIVATED_CARBON", "quantity": 21},
            {"material_code": "SANDBAG", "quantity": 10}])
    assert err.value.extra["current"]["available"] == {"ACTIVATED_CARBON": 20,
                                                       "SANDBAG": 5000}
    assert err.value.fields == {"materials[0].quantity": "20 available"}
    assert _stock(session, "ACTIVATED_CARBON") == 20 and _stock(session, "SANDBAG") == 5000
    assert _counts(session, inc_id) == before
    # a material the depot does not hold: nothing available
    with pytest.raises(Conflict) as err:
        _create(session, actors["d_officer"], inc_id,
                materials=[{"material_code": "OIL_BOOM", "quantity": 1}])
    assert err.value.extra["current"]["available"] == {"OIL_BOOM": 0}
    # exactly the stock is allowed, and leaves zero
    _create(session, actors["d_officer"], inc_id,
            materials=[{"material_code": "ACTIVATED_CARBON", "quantity": 20}])
    assert _stock(session, "ACTIVATED_CARBON") == 0


@pytest.mark.parametrize(("change", "field"), [
    ({"target_code": "NOWHERE"}, "target_code"),
    ({"depot_code": "NO_DEPOT"}, "depot_code"),
    ({"team_code": "NO_TEAM"}, "team_code"),
    ({"depot_code": None, "team_code": None}, "depot_code"),
    ({"depot_code": None}, "depot_code"),  # materials without a depot
    ({"materials": [{"material_code": "GOLD", "quantity": 1}]}, "materials[0].material_code"),
    ({"materials": [{"material_code": "SANDBAG", "quantity": 1},
                    {"material_code": "SANDBAG", "quantity": 2}]},
     "materials[1].material_code"),
])
def test_bad_dispatches_name_the_field_and_store_nothing(ctx, change, field):
    session, actors, inc_id = ctx
    before = _counts(session, inc_id)
    with pytest.raises(Unprocessable) as err:
        _create(session, actors["d_officer"], inc_id, **change)
    assert field in err.value.fields
    assert _counts(session, inc_id) == before and _stock(session, "SANDBAG") == 5000


def test_a_stale_version_is_refused(ctx):
    session, actors, inc_id = ctx
    with pytest.raises(Conflict) as err:
        _create(session, actors["d_officer"], inc_id,
                expected_version=_version(session, inc_id) + 7)
    assert "expected_version" in err.value.fields
    assert _stock(session, "SANDBAG") == 5000


def test_the_whole_way_and_the_return_of_what_was_not_used(ctx):
    session, actors, inc_id = ctx
    officer, team = actors["d_officer"], actors["d_team_a"]
    d_id = _create(session, officer, inc_id)["id"]
    _move(session, team, inc_id, d_id, "en_route", from_status="dispatched")
    _move(session, officer, inc_id, d_id, "on_site")
    row = _move(session, team, inc_id, d_id, "deployed")
    assert row["times"]["on_site"] is not None and row["next_statuses"] == ["returned"]
    # on site: the ETA is when it got there
    assert row["eta_at"] == row["times"]["on_site"]
    with pytest.raises(Unprocessable) as err:
        _move(session, team, inc_id, d_id, "returned",
              used=[{"material_code": "SANDBAG", "used": 201}])
    assert "used[0].used" in err.value.fields
    with pytest.raises(Unprocessable) as err:
        _move(session, team, inc_id, d_id, "returned",
              used=[{"material_code": "QUICKLIME", "used": 1}])
    assert "used[0].material_code" in err.value.fields
    assert _stock(session, "SANDBAG") == 4800
    row = _move(session, team, inc_id, d_id, "returned",
                used=[{"material_code": "SANDBAG", "used": 150}])
    # carbon: none used, all 5 back; sandbags: 150 used, 50 back
    assert (_stock(session, "ACTIVATED_CARBON"), _stock(session, "SANDBAG")) == (20, 4850)
    lines = {ln["material_code"]: ln for ln in row["lines"]}
    assert (lines["SANDBAG"]["used"], lines["SANDBAG"]["returned"]) == (150, 50)
    assert lines["ACTIVATED_CARBON"]["used"] == 0 and row["next_statuses"] == []
    events = list(session.scalars(select(IncidentEvent).where(
        IncidentEvent.incident_id == inc_id, IncidentEvent.kind == "dispatch_status")
        .order_by(IncidentEvent.seq)))
    assert [e.payload["to"] for e in events] == ["en_route", "on_site", "deployed", "returned"]
    assert [e.actor_name for e in events] == ["d_team_a", "d_officer", "d_team_a", "d_team_a"]
    assert events[0].summary.endswith("已调派 → 在途")
    assert events[-1].payload["returned"] == [
        {"material_code": "ACTIVATED_CARBON", "used": 0.0, "returned": 5.0},
        {"material_code": "SANDBAG", "used": 150.0, "returned": 50.0}]
    with pytest.raises(Conflict):  # nothing after returned
        _move(session, officer, inc_id, d_id, "en_route")


def test_disallowed_transitions_and_stale_statuses_are_409(ctx):
    session, actors, inc_id = ctx
    officer, team = actors["d_officer"], actors["d_team_a"]
    d_id = _create(session, officer, inc_id)["id"]
    before = _counts(session, inc_id)
    with pytest.raises(Conflict) as err:
        _move(session, officer, inc_id, d_id, "deployed")  # skips en_route and on_site
    assert err.value.fields["status"] == "allowed from dispatched: en_route, returned"
    assert err.value.extra["current"]["status"] == "dispatched"
    _move(session, team, inc_id, d_id, "en_route")
    with pytest.raises(Conflict) as err:  # the team saw it dispatched: it moved since
        _move(session, team, inc_id, d_id, "on_site", from_status="dispatched")
    assert "from_status" in err.value.fields
    with pytest.raises(Conflict):
        _move(session, officer, inc_id, d_id, "dispatched")  # never back
    assert _counts(session, inc_id)[1] == before[1] + 1
    # recalled early: straight back, everything returned
    _move(session, officer, inc_id, d_id, "returned")
    assert _stock(session, "SANDBAG") == 5000 and _stock(session, "ACTIVATED_CARBON") == 20


def test_times_must_be_in_order_and_not_in_the_future(ctx):
    session, actors, inc_id = ctx
    officer = actors["d_officer"]
    d_id = _create(session, officer, inc_id)["id"]
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    for at in (future, past):
        with pytest.raises(Unprocessable) as err:
            _move(session, officer, inc_id, d_id, "en_route", at=at)
        assert "at" in err.value.fields
    when = datetime.now(UTC)  # after the dispatch, before now
    row = _move(session, officer, inc_id, d_id, "en_route", at=when.isoformat())
    assert datetime.fromisoformat(row["times"]["en_route"]) == when


def test_a_dispatch_made_by_phone_is_entered_with_its_time(ctx):
    session, actors, inc_id = ctx
    officer = actors["d_officer"]
    for at in ((datetime.now(UTC) + timedelta(hours=1)).isoformat(),
               "2026-05-01T07:59:00+08:00"):  # in the future; before the release started
        with pytest.raises(Unprocessable) as err:
            _create(session, officer, inc_id, at=at)
        assert "at" in err.value.fields
    assert _stock(session, "SANDBAG") == 5000
    row = _create(session, officer, inc_id, at="2026-05-01T09:00:00+08:00")
    assert datetime.fromisoformat(row["times"]["dispatched"]) == datetime.fromisoformat(
        "2026-05-01T09:00:00+08:00")
    # the ETA counts from then: release start + 1 h + travel
    assert row["eta_h"] == pytest.approx(1 + row["travel_h"])


def test_a_field_team_moves_only_its_own_teams_dispatches(ctx):
    session, actors, inc_id = ctx
    officer = actors["d_officer"]
    depot_only = _create(session, officer, inc_id, team_code=None)["id"]
    theirs = _create(session, officer, inc_id)["id"]
    before = _counts(session, inc_id)
    for actor, d_id in ((actors["d_team_a"], depot_only), (actors["d_team_none"], theirs)):
        with pytest.raises(Forbidden):
            _move(session, actor, inc_id, d_id, "en_route")
    assert _counts(session, inc_id) == before
    seen = dispatch.list_dispatches(inc_id, actors["d_team_a"])["dispatches"]
    assert [d["id"] for d in seen] == [theirs] and seen[0]["mine"] is True
    assert dispatch.list_dispatches(inc_id, actors["d_team_none"])["dispatches"] == []
    assert len(dispatch.list_dispatches(inc_id, officer)["dispatches"]) == 2
    mine = dispatch.my_dispatches(actors["d_team_a"])
    assert mine["team_code"] == "TEAM_A" and [d["id"] for d in mine["dispatches"]] == [theirs]
    assert mine["dispatches"][0]["incident_title"] == "苯"
    # an officer's status change needs the version it read
    with pytest.raises(Unprocessable) as err:
        dispatch.change_status(inc_id, theirs, DispatchStatusChange(status="en_route"), officer)
    assert "expected_version" in err.value.fields
    with pytest.raises(NotFound):
        _move(session, officer, inc_id, 987654, "en_route")


def test_a_revised_forecast_moves_the_plume_arrival_of_every_dispatch(ctx):
    session, actors, inc_id = ctx
    d_id = _create(session, actors["d_officer"], inc_id)["id"]
    inc = session.get(Incident, inc_id)
    result = dict(inc.result)
    receptors = [dict(r) for r in result["receptors"]]
    for r in receptors:
        if r["code"] == "IP_A":  # the revised forecast: the plume there 1.5 h earlier
            r["worst"] = {**r["worst"], "arrival_h": 0.1}
    result["receptors"] = receptors
    inc.result = result
    flag_modified(inc, "result")
    session.flush()
    [row] = dispatch.list_dispatches(inc_id, actors["d_officer"])["dispatches"]
    assert row["id"] == d_id and row["plume_arrival_h"] == pytest.approx(0.1)
    assert row["arrives_before_plume"] is False and row["slack_h"] < 0
    # a forecast whose path no longer passes the target: no comparison, said so
    result["receptors"] = [r for r in receptors if r["code"] != "IP_A"]
    inc.result = dict(result)
    flag_modified(inc, "result")
    session.flush()
    [row] = dispatch.list_dispatches(inc_id, actors["d_officer"])["dispatches"]
    assert row["on_path"] is False and row["plume_arrival_h"] is None
    assert row["arrives_before_plume"] is None


def test_a_drill_is_checked_against_the_stock_but_takes_none(ctx):
    session, actors, _ = ctx
    officer = actors["d_officer"]
    drill = incidents.save_incident(BODY, kind="drill", title="演练", user_id=officer.id,
                                    username=officer.username, role=officer.role)["id"]
    with pytest.raises(Conflict):
        _create(session, officer, drill, materials=[
            {"material_code": "ACTIVATED_CARBON", "quantity": 21}])
    row = _create(session, officer, drill)
    assert row["stock_taken"] is False
    assert (_stock(session, "ACTIVATED_CARBON"), _stock(session, "SANDBAG")) == (20, 5000)
    done = _move(session, officer, drill, row["id"], "returned",
                 used=[{"material_code": "SANDBAG", "used": 10}])
    assert {ln["material_code"]: ln["used"] for ln in done["lines"]}["SANDBAG"] == 10
    assert (_stock(session, "ACTIVATED_CARBON"), _stock(session, "SANDBAG")) == (20, 5000)

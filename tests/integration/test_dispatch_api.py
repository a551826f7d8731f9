"""Dispatch and the plan checklist over HTTP (issue 14, items 6 and 7): statuses 201, 409
with what is available, 422 naming the field, 403 for another team's dispatch and for a
role that may not dispatch, 401 for anonymous readers; nothing stored on failure."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import incident_request
from webgis.models import Depot, Dispatch, Inventory, Material
from webgis.services import analysis, dispatch, users

BODY = incident_request()


@pytest.fixture
def api(app, client, session):
    analysis.recent.clear()
    hdr = {}
    with app.app_context():
        for name, role in (("h_officer", "duty_officer"), ("h_team", "field_team"),
                           ("h_other_team", "field_team"), ("h_planner", "planner")):
            users.create_user(name, role, "ten chars!")
            hdr[name] = {"Authorization": f"Bearer {users.issue_token(name, 1)[0]}"}
        dispatch.link_team("h_team", "TEAM_A")
    saved = client.post("/api/v1/incidents", json={"request": BODY}, headers=hdr["h_officer"])
    assert saved.status_code == 201, saved.json
    yield client, hdr, saved.json["id"], session
    analysis.recent.clear()


def _version(client, hdr, inc_id):
    return client.get(f"/api/v1/incidents/{inc_id}/events?after=0", headers=hdr).json["version"]


def _carbon(session) -> float:
    return session.scalar(select(Inventory.quantity).join(Material).join(Depot).where(
        Depot.code == "DEPOT_A", Material.code == "ACTIVATED_CARBON"))


def _dispatches(session) -> int:
    return session.scalar(select(func.count()).select_from(Dispatch))


def test_dispatch_over_http_from_the_officer_to_the_team(api):
    client, hdr, inc_id, session = api
    officer = hdr["h_officer"]
    url = f"/api/v1/incidents/{inc_id}/dispatches"
    body = {"expected_version": _version(client, officer, inc_id), "target_code": "IP_A",
            "depot_code": "DEPOT_A", "team_code": "TEAM_A",
            "materials": [{"material_code": "ACTIVATED_CARBON", "quantity": 4}]}
    made = client.post(f"/api/v1/incidents/{inc_id}/dispatch", json=body, headers=officer)
    assert made.status_code == 201, made.json
    assert made.json["lines"][0]["quantity"] == 4 and _carbon(session) == 16
    stock = client.get("/api/v1/depots/DEPOT_A/stock", headers=officer).json["stock"]
    assert {r["material_code"]: r["quantity"] for r in stock}["ACTIVATED_CARBON"] == 16
    assert client.get("/api/v1/depots/NOPE/stock", headers=officer).status_code == 404
    d_id = made.json["id"]
    listed = client.get(url, headers=officer).json
    assert [d["id"] for d in listed["dispatches"]] == [d_id]
    assert listed["dispatches"][0]["plume_arrival_h"] is not None
    # the team on its phone: sees it among its own, moves it without the incident's version
    mine = client.get("/api/v1/dispatches/mine", headers=hdr["h_team"]).json
    assert mine["team_code"] == "TEAM_A" and mine["dispatches"][0]["id"] == d_id
    moved = client.post(f"{url}/{d_id}/status", headers=hdr["h_team"],
                        json={"status": "en_route", "from_status": "dispatched"})
    assert moved.status_code == 200 and moved.json["status"] == "en_route"
    again = client.post(f"{url}/{d_id}/status", headers=hdr["h_team"],
                        json={"status": "en_route", "from_status": "dispatched"})
    assert again.status_code == 409 and again.json["current"]["status"] == "en_route"
    skip = client.post(f"{url}/{d_id}/status", headers=hdr["h_team"],
                       json={"status": "returned", "used": [
                           {"material_code": "ACTIVATED_CARBON", "used": 1.5}]})
    assert skip.status_code == 200 and _carbon(session) == pytest.approx(18.5)
    kinds = [e["kind"] for e in client.get(f"/api/v1/incidents/{inc_id}/events?after=0",
                                           headers=officer).json["events"]]
    assert kinds == ["created", "dispatch_created", "dispatch_status", "dispatch_status"]


def test_refusals_over_http_store_nothing(api):
    client, hdr, inc_id, session = api
    officer = hdr["h_officer"]
    url = f"/api/v1/incidents/{inc_id}/dispatches"
    v = _version(client, officer, inc_id)
    base = {"expected_version": v, "target_code": "IP_A", "depot_code": "DEPOT_A",
            "materials": [{"material_code": "ACTIVATED_CARBON", "quantity": 3}]}
    create = f"/api/v1/incidents/{inc_id}/dispatch"
    short = client.post(create, headers=officer, json={
        **base, "materials": [{"material_code": "ACTIVATED_CARBON", "quantity": 25}]})
    assert short.status_code == 409
    assert short.json["current"]["available"] == {"ACTIVATED_CARBON": 20}
    assert short.json["fields"] == {"materials[0].quantity": "20 available"}
    for change, field in (({"target_code": "X"}, "target_code"),
                          ({"depot_code": "X"}, "depot_code"),
                          ({"team_code": "X"}, "team_code"),
                          ({"materials": [{"material_code": "X", "quantity": 1}]},
                           "materials[0].material_code"),
                          ({"materials": [{"material_code": "SANDBAG", "quantity": 0}]},
                           "materials[0].quantity"),
                          ({"materials": [{"material_code": "SANDBAG", "quantity": -2}]},
                           "materials[0].quantity"),
                          ({"materials": [{"material_code": "SANDBAG", "quantity": "2"}]},
                           "materials[0].quantity"),
                          ({"expected_version": None}, "expected_version")):
        bad = client.post(create, headers=officer, json={**base, **change})
        assert bad.status_code == 422, (change, bad.json)
        assert field in bad.json["fields"], (change, bad.json)
    planner = client.post(create, headers=hdr["h_planner"], json=base)
    assert planner.status_code == 403
    assert client.get(url).status_code == 401  # anonymous readers never see it
    assert client.get(f"/api/v1/incidents/{inc_id}/plan").status_code == 401
    assert client.get("/api/v1/dispatches/mine").status_code == 401
    assert client.get("/api/v1/depots/DEPOT_A/stock").status_code == 401
    assert _dispatches(session) == 0 and _carbon(session) == 20
    assert _version(client, officer, inc_id) == v
    d_id = client.post(create, headers=officer, json=base).json["id"]
    other = client.post(f"{url}/{d_id}/status", headers=hdr["h_other_team"],
                        json={"status": "en_route"})
    assert other.status_code == 403  # not linked to TEAM_A (and the dispatch has no team)
    mine = client.post(f"{url}/{d_id}/status", headers=hdr["h_team"],
                       json={"status": "en_route"})
    assert mine.status_code == 403  # a depot-only dispatch is the officers'
    wrong = client.post(f"{url}/{d_id}/status", headers=officer,
                        json={"status": "deployed",
                              "expected_version": _version(client, officer, inc_id)})
    assert wrong.status_code == 409 and "status" in wrong.json["fields"]
    assert client.post(f"{url}/{d_id}/status", headers=officer,
                       json={"status": "flying", "expected_version": 1}).status_code == 422
    unknown = client.post(f"/api/v1/incidents/{inc_id}/dispatches/987654/status",
                          headers=officer, json={"status": "en_route", "expected_version":
                                                 _version(client, officer, inc_id)})
    assert unknown.status_code == 404


def test_the_checklist_over_http(api):
    client, hdr, inc_id, _ = api
    officer = hdr["h_officer"]
    plan = client.get(f"/api/v1/incidents/{inc_id}/plan", headers=hdr["h_team"])
    assert plan.status_code == 200 and plan.json["steps"][0]["key"] == "report-1"
    url = f"/api/v1/incidents/{inc_id}/plan/report/1"
    v = _version(client, officer, inc_id)
    assert client.put(url, headers=hdr["h_team"],
                      json={"done": True, "expected_version": v}).status_code == 403
    ticked = client.put(url, headers=officer, json={"done": True, "expected_version": v})
    assert ticked.status_code == 200 and ticked.json["steps"][0]["done_by"] == "h_officer"
    stale = client.put(url, headers=officer, json={"done": False, "expected_version": v})
    assert stale.status_code == 409
    assert client.put(f"/api/v1/incidents/{inc_id}/plan/dance/1", headers=officer,
                      json={"done": True, "expected_version": v + 1}).status_code == 422
    assert client.put(f"/api/v1/incidents/{inc_id}/plan/treat/7", headers=officer,
                      json={"done": True, "expected_version": v + 1}).status_code == 404
    assert client.put(url, headers=officer,
                      json={"done": "yes", "expected_version": v + 1}).status_code == 422


def test_a_field_team_account_is_linked_to_its_team_by_the_cli(app, runner):
    with app.app_context():
        users.create_user("cli_team", "field_team", "ten chars!")
    done = runner.invoke(args=["users", "team", "cli_team", "TEAM_A"])
    assert done.exit_code == 0 and "team TEAM_A" in done.output
    unknown = runner.invoke(args=["users", "team", "cli_team", "NO_SUCH_TEAM"])
    assert unknown.exit_code != 0 and "NO_SUCH_TEAM" in unknown.output
    assert runner.invoke(args=["users", "team", "cli_team"]).exit_code != 0
    off = runner.invoke(args=["users", "team", "cli_team", "--none"])
    assert off.exit_code == 0 and "no team" in off.output

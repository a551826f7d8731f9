"""The department's editable registers (issue 17 item 3) on real PostGIS: an edit of a
depot's stock is what the next analysis offers; stale edits are refused with the row as it
is; bad values name the field and change nothing; every edit is audited."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import bearer_for
from webgis.models.enterprise import EnterpriseSubstance
from webgis.models.supervision import AuditEntry
from webgis.services import analysis

PASSWORD = "ten chars!"
BODY = {"location": {"lon": 103.1, "lat": 35.92}, "pollutant": "BENZENE",
        "release": {"mass_kg": 2000, "duration_h": 0},
        "started_at": "2026-05-01T08:00:00+08:00",
        "discovered_at": "2026-05-01T08:40:00+08:00"}
STOCK = "/api/v1/registers/stock/DEPOT_A/ACTIVATED_CARBON"


@pytest.fixture
def staff(app, client, session):
    analysis.recent.clear()
    yield bearer_for(app, "reg_officer", "duty_officer")
    analysis.recent.clear()


def _audits(session) -> int:
    return session.execute(select(func.count(AuditEntry.id))).scalar_one()


def _carbon_in_analysis(client, hdr) -> float:
    r = client.post("/api/v1/incidents/analyze", json=BODY, headers=hdr)
    assert r.status_code == 200, r.json
    [depot] = [d for d in r.json["depots"] if d["code"] == "DEPOT_A"]
    [carbon] = [m for m in depot["materials"] if m["code"] == "ACTIVATED_CARBON"]
    return carbon["quantity"]


def test_a_stock_edit_is_what_the_next_analysis_offers(client, staff, session):
    assert _carbon_in_analysis(client, staff) == 20
    rows = client.get("/api/v1/registers/stock", headers=staff).json["rows"]
    [row] = [r for r in rows if r["code"] == "DEPOT_A/ACTIVATED_CARBON"]
    r = client.patch(STOCK, headers=staff, json={
        "expected_row_version": row["row_version"], "quantity": 35.5,
        "expires_on": "2027-06-30", "last_checked_on": "2026-11-20"})
    assert r.status_code == 200, r.json
    assert (r.json["quantity"], r.json["expires_on"], r.json["row_version"]) == (
        35.5, "2027-06-30", 2)
    assert _carbon_in_analysis(client, staff) == 35.5
    [line] = session.execute(select(AuditEntry).where(AuditEntry.object_type == "stock")
                             ).scalars().all()
    assert line.before["quantity"] == 20 and line.after["quantity"] == 35.5
    assert line.actor_name == "reg_officer"
    # the same values again change nothing and write no audit line
    before = _audits(session)
    same = client.patch(STOCK, headers=staff, json={"expected_row_version": 2,
                                                    "quantity": 35.5})
    assert same.json["row_version"] == 2 and _audits(session) == before


def test_a_stale_edit_is_refused_with_the_row_now(client, staff, session):
    client.patch(STOCK, headers=staff, json={"expected_row_version": 1, "quantity": 10})
    before = _audits(session)
    stale = client.patch(STOCK, headers=staff, json={"expected_row_version": 1,
                                                     "quantity": 99})
    assert stale.status_code == 409
    assert stale.json["current"]["quantity"] == 10 and stale.json["current"]["row_version"] == 2
    assert _audits(session) == before


@pytest.mark.parametrize("url, body, field", [
    (STOCK, {"quantity": -1}, "quantity"),
    (STOCK, {"quantity": None}, "quantity"),
    (STOCK, {"quantity": "lots"}, "quantity"),
    (STOCK, {"expires_on": "2026-13-01"}, "expires_on"),
    (STOCK, {"colour": "red"}, "colour"),
    ("/api/v1/registers/interception/IP_A", {"capacity_m3": 0}, "capacity_m3"),
    ("/api/v1/registers/interception/IP_A", {"status": "fish_farm"}, "status"),
    ("/api/v1/registers/teams/TEAM_A", {"headcount": -3}, "headcount"),
    ("/api/v1/registers/teams/TEAM_A", {"contact_phone": "call me"}, "contact_phone"),
    ("/api/v1/registers/enterprises/ENT_A",
     {"substances": [{"pollutant": "UNOBTAINIUM", "max_t": 5}]}, "substances[0].pollutant"),
    ("/api/v1/registers/enterprises/ENT_A",
     {"substances": [{"pollutant": "BENZENE", "max_t": 0}]}, "substances[0].max_t"),
    ("/api/v1/registers/enterprises/ENT_A",
     {"substances": [{"pollutant": "BENZENE", "max_t": 5},
                     {"pollutant": "BENZENE", "max_t": 6}]}, "substances[1].pollutant"),
    ("/api/v1/registers/enterprises/ENT_A", {"risk_level": "huge"}, "risk_level"),
])
def test_bad_edits_name_the_field_and_change_nothing(client, staff, session, url, body, field):
    before = _audits(session)
    r = client.patch(url, headers=staff, json={"expected_row_version": 1, **body})
    assert r.status_code == 422, r.json
    assert field in r.json["fields"], r.json
    assert _audits(session) == before


def test_unknown_rows_are_404(client, staff):
    assert client.patch("/api/v1/registers/stock/DEPOT_A/GOLD", headers=staff,
                        json={"expected_row_version": 1, "quantity": 1}).status_code == 404
    assert client.patch("/api/v1/registers/teams/NOPE", headers=staff,
                        json={"expected_row_version": 1, "headcount": 1}).status_code == 404


def test_space_status_team_contacts_and_enterprise_substances(client, staff, session):
    sp = client.patch("/api/v1/registers/interception/IP_A", headers=staff, json={
        "expected_row_version": 1, "status": "needs_recheck", "last_survey_on": "2026-10-01"})
    assert sp.status_code == 200 and sp.json["status"] == "needs_recheck"
    tm = client.patch("/api/v1/registers/teams/TEAM_A", headers=staff, json={
        "expected_row_version": 1, "contact_name": "李队长", "contact_phone": "0931-8123456"})
    assert tm.status_code == 200 and tm.json["contact_name"] == "李队长"
    en = client.patch("/api/v1/registers/enterprises/ENT_A", headers=staff, json={
        "expected_row_version": 1, "risk_level": "larger",
        "substances": [{"pollutant": "BENZENE", "max_t": 12.5}]})
    assert en.status_code == 200, en.json
    assert en.json["risk_level"] == "larger"
    assert [(s["pollutant"], s["max_t"]) for s in en.json["substances"]] == [("BENZENE", 12.5)]
    assert session.execute(select(func.count(EnterpriseSubstance.id))).scalar_one() == 1
    kinds = session.execute(select(AuditEntry.object_type).order_by(AuditEntry.id)
                            ).scalars().all()
    assert kinds == ["interception", "team", "enterprise"]


def test_roles_and_the_page(app, client, staff):
    field = bearer_for(app, "reg_field", "field_team")
    assert client.get("/api/v1/registers/stock", headers=field).status_code == 200
    assert client.patch(STOCK, headers=field, json={"expected_row_version": 1,
                                                    "quantity": 1}).status_code == 403
    assert client.get("/api/v1/registers/teams").status_code == 401
    from tests.integration.supervision.test_hazards import _sign_in

    assert client.get("/registers").status_code in (302, 303)
    _sign_in(client, app, "reg_page", "planner")
    page = client.get("/registers").data.decode()
    assert "库存" in page and 'data-act="save"' in page and "DEPOT_A" in page

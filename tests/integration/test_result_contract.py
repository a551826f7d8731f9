"""One analysis result, used everywhere (issue 13): every answer follows the published
contract; the sample fixture is generated from the code; saving stores the answer the
officer saw without running the analysis again; the sheet reads what it needs from the
result (no query but the base map's)."""

from __future__ import annotations

import json
import math

import pytest
from sqlalchemy import event

from webgis.contract.result import SCHEMA_VERSION, validate_result
from webgis.models import User
from webgis.services.contract_files import SAMPLE_PATH, sample_text

SPILLS = [  # bundled dataset: a dissolved metal, a floating oil, a volatile one above a
    # reservoir (same-reservoir intake warning), a long dry-season run
    {"location": {"lon": 105.27, "lat": 33.89}, "pollutant": "ANTIMONY",
     "release": {"mass_kg": 5000, "duration_h": 2}},
    {"location": {"lon": 105.72, "lat": 34.58}, "pollutant": "DIESEL",
     "release": {"mass_kg": 20000}},
    {"location": {"lon": 103.57, "lat": 35.80}, "pollutant": "BENZENE",
     "release": {"mass_kg": 10000}},
    {"location": {"lon": 103.85, "lat": 36.06}, "pollutant": "CADMIUM",
     "release": {"mass_kg": 500}, "season": "dry", "horizon_h": 240},
]


def _strict_json(raw: bytes):
    """JSON without NaN or Infinity (the standard library would accept them)."""
    def refuse(name):
        raise AssertionError(f"{name} in the answer")
    return json.loads(raw, parse_constant=refuse)


@pytest.mark.parametrize("body", SPILLS, ids=lambda b: b["pollutant"])
def test_every_answer_follows_the_contract(bundled_client, body):
    resp = bundled_client.post("/api/v1/incidents/analyze", json=body)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    data = _strict_json(resp.data)
    validate_result(data)  # every key declared, no impossible value
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["snap"]["reach_code"] == data["snap"]["reach_id"]
    for r in data["receptors"]:
        assert r["reach_code"] == r["reach_id"]
    for f in data["path"]["features"]:
        assert f["properties"]["reach_code"] == f["properties"]["reach_id"]
    for row in data["depots"] + data["teams"]:
        assert -180 <= row["lon"] <= 180 and -90 <= row["lat"] <= 90
    if body["pollutant"] == "DIESEL":
        assert any("slick" in r for r in data["receptors"])
    if body["pollutant"] == "BENZENE":
        assert data["warnings"]


def _same(a, b, where="result"):
    """Equal JSON values, floats to 1e-9 relative: the last digits of the model's floats
    depend on whether a transfer was cached or built (about 1e-13), so the file holds 12
    significant digits and a regenerated one may differ in the twelfth."""
    if isinstance(a, float) or isinstance(b, float):
        assert isinstance(a, int | float) and isinstance(b, int | float), where
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12), (where, a, b)
    elif isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), where
        for k in a:
            _same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{where}[{i}]")
    else:
        assert a == b, (where, a, b)


def test_sample_fixture_is_generated_from_the_code(bundled_app):
    """tests/fixtures/analysis_sample.json = what the code gives now (regenerate with
    ``.venv/bin/python scripts/contract_files.py``), and it follows the contract."""
    from webgis.extensions import db

    published = _strict_json(SAMPLE_PATH.read_bytes())
    validate_result(published)
    with bundled_app.app_context():
        _same(_strict_json(sample_text(db.session)), published)


PASSWORD = "correct horse battery"
BODY = {"location": {"lon": 103.1, "lat": 35.92}, "pollutant": "BENZENE",
        "release": {"mass_kg": 2000}, "started_at": "2026-05-01T08:00:00+08:00",
        "discovered_at": "2026-05-01T08:20:00+08:00"}


@pytest.fixture
def officer_client(client, session):
    import re

    user = User(username="duty_contract", role="duty_officer")
    user.set_password(PASSWORD)
    session.add(user)
    session.commit()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    assert client.post("/login", data={"username": "duty_contract", "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    html = client.get("/").get_data(as_text=True)
    csrf = json.loads(re.search(r'<script id="webgis-config" type="application/json">'
                                r'(.*?)</script>', html, re.S).group(1))["csrf"]
    return client, {"X-CSRFToken": csrf}


def test_saving_stores_the_answer_shown_without_running_again(officer_client, monkeypatch):
    from webgis.services import analysis

    client, headers = officer_client
    analysis.recent.clear()
    shown = client.post("/api/v1/incidents/analyze", json=BODY)
    assert shown.status_code == 200

    def no_second_run(*args, **kwargs):
        raise AssertionError("the analysis ran again to save it")

    monkeypatch.setattr(analysis, "run_incident", no_second_run)
    saved = client.post("/api/v1/incidents", json={"request": BODY}, headers=headers)
    assert saved.status_code == 201, saved.get_json()
    stored = client.get(f"/api/v1/incidents/{saved.get_json()['id']}").get_json()["result"]
    assert stored == shown.get_json()
    assert saved.get_json()["level"] == stored["level"]["suggested"]


def test_saving_another_spill_runs_it(officer_client, monkeypatch):
    """The kept answers are keyed by the request: another spill is analysed, never given
    the answer of the one before."""
    from webgis.services import analysis

    client, headers = officer_client
    analysis.recent.clear()
    assert client.post("/api/v1/incidents/analyze", json=BODY).status_code == 200
    other = {**BODY, "release": {"mass_kg": 4000}}
    calls = []
    real = analysis.run_incident
    monkeypatch.setattr(analysis, "run_incident",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    saved = client.post("/api/v1/incidents", json={"request": other}, headers=headers)
    assert saved.status_code == 201 and calls == [1]
    stored = client.get(f"/api/v1/incidents/{saved.get_json()['id']}").get_json()["result"]
    assert stored["request"]["release"]["mass_kg"] == 4000


def test_the_sheet_reads_the_result_not_the_database(app, session):
    """Depots, teams, interception points, contacts and notes come from the result: the
    only queries are the base map's (admin areas, rivers, places)."""
    from webgis.services.analysis import analyze
    from webgis.services.sheet import context_for_result

    with app.app_context():
        result = analyze(session, BODY)
        statements: list[str] = []

        def seen(conn, cursor, statement, *args):
            if not statement.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
                statements.append(statement)

        engine = session.get_bind().engine
        event.listen(engine, "before_cursor_execute", seen)
        try:
            ctx = context_for_result(session, result)
        finally:
            event.remove(engine, "before_cursor_execute", seen)
    tables = " ".join(statements)
    assert len(statements) == 3, statements
    for table in ("depot", "rescue_team", "interception_point", "river_plan"):
        assert f"FROM {table} " not in tables
    assert ctx.depots and all(ctx.site(d) for d in ctx.depots)
    assert all(ctx.site(t, True) for t in ctx.teams)
    codes = [r["code"] for r in ctx.receptors(("interception",))]
    assert codes and all(ctx.details({"code": c}).get("type") for c in codes)
    assert all(not math.isnan(v) for v in ctx.location)

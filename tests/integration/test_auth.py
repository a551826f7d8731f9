"""Accounts, roles, tokens, CSRF and the public-read switch."""

from __future__ import annotations

import re

import pytest
from flask import Blueprint, jsonify

from webgis.auth import require_role
from webgis.extensions import db
from webgis.models import User

PASSWORD = "correct horse battery"


@pytest.fixture
def officer(session):
    user = User(username="duty1", role="duty_officer", display_name="值班员")
    user.set_password(PASSWORD)
    session.add(user)
    session.commit()
    return user


@pytest.fixture(scope="module")
def write_app(app):
    """A second app with a test-only write endpoint guarded like every real write."""
    from webgis import create_app

    write_app = create_app(dict(app.config))
    bp = Blueprint("test_writes", __name__)

    @bp.post("/api/v1/_test/write")
    @require_role("duty_officer")
    def write():
        return jsonify({"ok": True})

    from webgis.extensions import csrf

    csrf.exempt(bp)
    write_app.register_blueprint(bp)
    return write_app


def _csrf(client, path="/login") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_password_is_hashed(officer):
    assert PASSWORD not in officer.password_hash
    assert officer.check_password(PASSWORD) and not officer.check_password("wrong")


def test_login_requires_csrf(client, officer):
    resp = client.post("/login", data={"username": "duty1", "password": PASSWORD})
    assert resp.status_code == 400
    token = _csrf(client)
    resp = client.post("/login", data={"username": "duty1", "password": PASSWORD,
                                       "csrf_token": token})
    assert resp.status_code == 302


def test_bad_password_is_refused(client, officer):
    token = _csrf(client)
    resp = client.post("/login", data={"username": "duty1", "password": "nope-nope-nope",
                                       "csrf_token": token})
    assert resp.status_code == 401


def test_writes_need_a_signed_in_role(write_app, session, officer):
    client = write_app.test_client()
    assert client.post("/api/v1/_test/write").status_code == 401
    planner = User(username="plan1", role="planner")
    planner.set_password(PASSWORD)
    session.add(planner)
    session.commit()
    token = planner.new_token()
    session.commit()
    resp = client.post("/api/v1/_test/write", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 403 and resp.get_json()["fields"] == {"role": "planner"}


def test_token_allows_write_without_csrf(write_app, session, officer):
    token = officer.new_token()
    session.commit()
    client = write_app.test_client()
    assert client.post("/api/v1/_test/write",
                       headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.post("/api/v1/_test/write",
                       headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert token not in (officer.token_hash or "")


def test_session_write_needs_csrf_header(write_app, session, officer):
    client = write_app.test_client()
    token = _csrf(client)
    client.post("/login", data={"username": "duty1", "password": PASSWORD, "csrf_token": token})
    assert client.post("/api/v1/_test/write").status_code == 403
    resp = client.post("/api/v1/_test/write", headers={"X-CSRFToken": token})
    assert resp.status_code == 200


def test_public_read_off_requires_sign_in(app, session, officer):
    app.config["PUBLIC_READ"] = False
    try:
        client = app.test_client()
        resp = client.get("/api/v1/rivers")
        assert resp.status_code == 401 and resp.is_json
        token = officer.new_token()
        session.commit()
        resp = client.get("/api/v1/rivers", headers={"Authorization": f"Bearer {token}"})
        assert resp.status_code == 200
    finally:
        app.config["PUBLIC_READ"] = True


def test_cli_creates_user_and_token(runner, session):
    result = runner.invoke(args=["users", "create", "field1", "--role", "field_team",
                                 "--generate"])
    assert result.exit_code == 0, result.output
    assert "password: " in result.output
    result = runner.invoke(args=["users", "token", "field1"])
    assert result.exit_code == 0
    token = result.stdout.strip()  # alone on standard output, for scripts
    assert re.search(r"expires \d{4}-\d\d-\d\d \d\d:\d\d UTC", result.stderr)
    user = db.session.query(User).filter_by(username="field1").one()
    from webgis.models.user import hash_token

    assert user.token_hash == hash_token(token)


def test_cli_refuses_short_password(runner, session):
    result = runner.invoke(args=["users", "create", "x", "--role", "admin", "--password",
                                 "short"])
    assert result.exit_code != 0 and "10 characters" in result.output


def test_production_needs_secret_key(monkeypatch):
    from webgis import create_app

    monkeypatch.setenv("WEBGIS_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_control_characters_in_username_are_refused_not_a_500(client, officer):
    token = _csrf(client)
    resp = client.post("/login", data={"username": "duty1\x00", "password": PASSWORD,
                                       "csrf_token": token})
    assert resp.status_code < 500 and resp.status_code != 302

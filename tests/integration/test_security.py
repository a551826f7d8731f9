"""The hardened edge (issue 12): no forged sessions, throttled sign-in, revocable sessions and
tokens, rate-limited expensive routes, no account names for anonymous readers."""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

from webgis import models as m
from webgis.models import User

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"
BODY = {
    "location": {"lon": 103.1, "lat": 35.92},
    "pollutant": "BENZENE",
    "release": {"mass_kg": 2000, "duration_h": 0},
    "started_at": "2026-05-01T08:00:00+08:00",
}

# --- helpers -----------------------------------------------------------------------------


def _make_user(session, username: str, role: str = "duty_officer",
               display_name: str = "") -> User:
    user = User(username=username, role=role, display_name=display_name)
    user.set_password(PASSWORD)
    session.add(user)
    session.commit()
    return user


@pytest.fixture
def officer(session):
    return _make_user(session, "sec_officer", display_name="Officer Zhang Sec")


def _csrf(client) -> str:
    html = client.get("/login").get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def _login(client, username: str, password: str = PASSWORD, **kwargs):
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": _csrf(client)}, **kwargs)


def _assert_429_json(resp) -> None:
    assert resp.status_code == 429, (resp.status_code, resp.get_data(as_text=True)[:300])
    body = resp.get_json()
    assert set(body) == {"error", "fields"} and body["error"]
    retry = int(resp.headers["Retry-After"])
    assert 1 <= retry <= 3600 and body["fields"]["retry_after_s"] == retry


# --- 1. secrets ----------------------------------------------------------------------------

LITERAL = re.compile(r'"((?:[^"\\\n]|\\.){1,200})"|\'((?:[^\'\\\n]|\\.){1,200})\'')
ASSIGNED = re.compile(r"^\s*(?:export\s+)?[\w.-]+\s*[=:]\s*(\S.*?)\s*$", re.MULTILINE)
#: Strings somebody might have signed with, whether or not they are still in the repository
#: (the first was the development default until this issue).
KNOWN_WEAK = {"dev-only-not-secret", "test", "e2e", "t", "secret", "dev", "changeme",
              "development", "SECRET_KEY", "webgis"}


def repository_strings() -> set[str]:
    """Every quoted string literal of the code, tests, templates and configuration files, and
    every value assigned in the env/compose/TOML files."""
    files = [*ROOT.glob("webgis/**/*.py"), *ROOT.glob("webgis/templates/**/*.html"),
             *ROOT.glob("tests/**/*.py"), *ROOT.glob("migrations/**/*.py"),
             *ROOT.glob("scripts/**/*.sh"), *ROOT.glob("benchmarks/*.py"),
             *ROOT.glob("docker/*"), ROOT / "Dockerfile", ROOT / "pyproject.toml",
             ROOT / ".env.example", ROOT / "docker-compose.yml", ROOT / "README.md"]
    found = set(KNOWN_WEAK)
    for path in files:
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for dq, sq in LITERAL.findall(text):
            found.add(dq or sq)
        if path.suffix in {".example", ".yml", ".toml", ".sh"} or path.name == "Dockerfile":
            found.update(v.strip("\"'") for v in ASSIGNED.findall(text))
    found.discard("")  # Flask signs nothing with an empty key
    return found


def forge_session(secret: str, session_user_id: str) -> tuple[str, str]:
    """A session cookie naming `session_user_id`, signed with `secret` the way Flask signs it,
    and a CSRF token for it signed the way Flask-WTF does: everything an attacker who knows
    the key needs."""
    raw_csrf = "f" * 40
    fake = Flask("forger")
    fake.secret_key = secret
    serializer = SecureCookieSessionInterface().get_signing_serializer(fake)
    cookie = serializer.dumps({"_user_id": session_user_id, "_fresh": True,
                               "csrf_token": raw_csrf})
    csrf = URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw_csrf)
    return cookie, csrf


@pytest.fixture
def keyless_app(database_url, tmp_path, monkeypatch):
    """The app as `scripts/run.sh` serves it: no SECRET_KEY in the environment."""
    from webgis import create_app

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("WEBGIS_ENV", raising=False)
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
                       "PUBLIC_READ": True, "SECRET_KEY_FILE": str(tmp_path / "secret_key")})


def test_a_cookie_signed_with_any_repository_string_is_rejected(keyless_app, session, officer):
    strings = repository_strings()
    assert len(strings) > 1000  # the scan found the code's literals
    client = keyless_app.test_client()

    def save(secret: str):
        cookie, csrf = forge_session(secret, officer.get_id())
        client.set_cookie("session", cookie)
        return client.post("/api/v1/incidents", json={"request": BODY},
                           headers={"X-CSRFToken": csrf})

    # The forgery itself is right: with the server's real key it is a signed-in officer.
    assert save(keyless_app.secret_key).status_code == 201
    accepted = {}
    for secret in sorted(strings):
        status = save(secret).status_code
        if status not in (401, 403):
            accepted[secret] = status
    assert accepted == {}


def test_generated_key_is_private_reused_and_not_in_the_repository(database_url, tmp_path,
                                                                   monkeypatch):
    from webgis import create_app

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("WEBGIS_ENV", raising=False)
    key_file = tmp_path / "instance" / "secret_key"
    cfg = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
           "SECRET_KEY_FILE": str(key_file)}
    first = create_app(cfg)
    assert key_file.is_file() and key_file.stat().st_mode & 0o777 == 0o600
    key = first.secret_key
    assert len(key) >= 64 and key_file.read_text().strip() == key
    assert key not in repository_strings()
    second = create_app(cfg)  # a restart, or the second worker
    assert second.secret_key == key
    # A session signed by one app is a session for the other.
    s1 = first.session_interface.get_signing_serializer(first)
    s2 = second.session_interface.get_signing_serializer(second)
    assert s2.loads(s1.dumps({"x": 1})) == {"x": 1}


def test_workers_starting_at_once_agree_on_one_key(tmp_path):
    from webgis.secret_key import load_or_create

    path = tmp_path / "secret_key"
    barrier = threading.Barrier(8)
    keys: list[str] = []

    def worker():
        barrier.wait()
        keys.append(load_or_create(path))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(keys) == 8 and len(set(keys)) == 1
    assert path.read_text().strip() == keys[0]


def test_production_without_a_key_refuses_to_start_even_with_a_key_file(tmp_path,
                                                                       monkeypatch):
    from webgis import create_app

    key_file = tmp_path / "secret_key"
    key_file.write_text("a" * 64)
    key_file.chmod(0o600)
    monkeypatch.setenv("WEBGIS_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("WEBGIS_SECRET_KEY_FILE", str(key_file))
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_public_read_is_off_unless_set(monkeypatch):
    from webgis.config import from_environment

    monkeypatch.delenv("WEBGIS_PUBLIC_READ", raising=False)
    monkeypatch.delenv("WEBGIS_ENV", raising=False)
    assert from_environment()["PUBLIC_READ"] is False
    monkeypatch.setenv("WEBGIS_PUBLIC_READ", "true")
    assert from_environment()["PUBLIC_READ"] is True


# --- 2. sign-in throttling -----------------------------------------------------------------


def test_sign_in_is_throttled_per_account(app, client, session, officer, monkeypatch):
    monkeypatch.setitem(app.config, "LIMIT_LOGIN_ACCOUNT", "3 per minute")
    monkeypatch.setitem(app.config, "LIMIT_LOGIN_ADDRESS", "100 per minute")
    monkeypatch.setitem(app.config, "PUBLIC_READ", False)
    for _ in range(3):
        assert _login(client, "sec_officer", "wrong password!").status_code == 401
    _assert_429_json(_login(client, "sec_officer", "wrong password!"))
    # The right password is refused too while the account is throttled: not signed in.
    _assert_429_json(_login(client, "sec_officer"))
    assert client.get("/api/v1/incidents").status_code == 401
    # Another account from the same address is not affected.
    _make_user(session, "sec_other")
    assert _login(client, "sec_other").status_code == 302
    assert client.get("/api/v1/incidents").status_code == 200


def test_sign_in_is_throttled_per_address(app, client, session, monkeypatch):
    monkeypatch.setitem(app.config, "LIMIT_LOGIN_ACCOUNT", "100 per minute")
    monkeypatch.setitem(app.config, "LIMIT_LOGIN_ADDRESS", "4 per minute")
    _make_user(session, "sec_victim")
    for i in range(4):  # a spray across usernames, known or not
        assert _login(client, f"guess{i}", "wrong password!").status_code == 401
    _assert_429_json(_login(client, "sec_victim"))
    # From another address the same account signs in.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.9.8.7"
    assert _login(other, "sec_victim").status_code == 302


def test_throttled_sign_in_in_a_browser_gets_the_page(app, client, officer, monkeypatch):
    monkeypatch.setitem(app.config, "LIMIT_LOGIN_ACCOUNT", "1 per minute")
    assert _login(client, "sec_officer", "wrong password!").status_code == 401
    resp = _login(client, "sec_officer", headers={"Accept": "text/html,*/*;q=0.8"},
                  query_string={"lang": "en"})
    assert resp.status_code == 429 and resp.mimetype == "text/html"
    assert int(resp.headers["Retry-After"]) >= 1
    assert "Too many failed sign-ins" in resp.get_data(as_text=True)


def test_successful_sign_ins_are_not_counted(app, client, officer, monkeypatch):
    monkeypatch.setitem(app.config, "LIMIT_LOGIN_ACCOUNT", "2 per minute")
    for _ in range(4):
        assert _login(client, "sec_officer").status_code == 302


def test_unknown_username_runs_the_password_hash_check(client, officer, monkeypatch):
    """The failure for an unknown user costs a hash check like a wrong password does, so its
    timing does not tell which usernames exist (timing itself is measured by
    benchmarks/bench_login.py, not asserted)."""
    import webgis.models.user as user_module

    calls = []
    real = user_module.check_password_hash

    def spy(pwhash, password):
        calls.append(pwhash)
        return real(pwhash, password)

    monkeypatch.setattr(user_module, "check_password_hash", spy)
    assert _login(client, "no_such_user_here", "wrong password!").status_code == 401
    assert len(calls) == 1
    # The dummy hash is made like real ones (same method and cost).
    assert calls[0].split("$")[0] == officer.password_hash.split("$")[0]
    assert _login(client, "sec_officer", "wrong password!").status_code == 401
    assert len(calls) == 2


# --- 3. revocation and expiry --------------------------------------------------------------


def _copy_session(src, dst) -> None:
    dst.set_cookie("session", src.get_cookie("session").value)


def test_logout_revokes_copies_of_the_session(app, client, officer, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_READ", False)
    assert _login(client, "sec_officer").status_code == 302
    thief = app.test_client()
    _copy_session(client, thief)
    assert thief.get("/api/v1/incidents").status_code == 200
    csrf = _csrf(client)
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 302
    assert client.get("/api/v1/incidents").status_code == 401
    assert thief.get("/api/v1/incidents").status_code == 401
    # Signing in again works and gives a fresh session.
    assert _login(client, "sec_officer").status_code == 302
    assert client.get("/api/v1/incidents").status_code == 200
    assert thief.get("/api/v1/incidents").status_code == 401


def test_disabling_an_account_ends_its_sessions(app, client, session, officer, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_READ", False)
    assert _login(client, "sec_officer").status_code == 302
    assert client.get("/api/v1/incidents").status_code == 200
    officer.active = False
    session.commit()
    assert client.get("/api/v1/incidents").status_code == 401


def test_expired_token_is_refused(app, client, session, officer, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_READ", False)
    token = officer.new_token()
    session.commit()
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/incidents", headers=auth).status_code == 200
    officer.token_expires_at = datetime.now(UTC) - timedelta(seconds=1)
    session.commit()
    resp = client.get("/api/v1/incidents", headers=auth)
    assert resp.status_code == 401 and resp.is_json


def test_cli_token_carries_the_configured_expiry(app, runner, officer, monkeypatch):
    monkeypatch.setitem(app.config, "TOKEN_TTL_DAYS", 2.0)
    result = runner.invoke(args=["users", "token", "sec_officer"])
    assert result.exit_code == 0, result.output
    stated = re.search(r"expires (\d{4}-\d\d-\d\d \d\d:\d\d) UTC", result.stderr).group(1)
    expires = datetime.strptime(stated, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
    assert abs(expires - (datetime.now(UTC) + timedelta(days=2))) < timedelta(minutes=2)
    result = runner.invoke(args=["users", "token", "sec_officer", "--ttl-days", "0.5"])
    assert result.exit_code == 0
    assert (officer.token_expires_at - datetime.now(UTC)) < timedelta(hours=12, minutes=1)
    listed = runner.invoke(args=["users", "list"]).output
    assert re.search(r"sec_officer\s+duty_officer\s+token expires \d{4}-", listed)


def test_cli_revoke_ends_token_and_sessions(app, client, runner, officer, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_READ", False)
    token = runner.invoke(args=["users", "token", "sec_officer"]).stdout.strip()
    auth = {"Authorization": f"Bearer {token}"}
    assert _login(client, "sec_officer").status_code == 302
    assert client.get("/api/v1/incidents").status_code == 200
    assert app.test_client().get("/api/v1/incidents", headers=auth).status_code == 200
    result = runner.invoke(args=["users", "revoke", "sec_officer"])
    assert result.exit_code == 0, result.output
    assert "API token revoked" in result.output and "all sessions ended" in result.output
    assert app.test_client().get("/api/v1/incidents", headers=auth).status_code == 401
    assert client.get("/api/v1/incidents").status_code == 401
    assert runner.invoke(args=["users", "revoke", "nobody_x"]).exit_code != 0


def test_cli_revoke_token_only_keeps_sessions(app, client, runner, officer, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_READ", False)
    token = runner.invoke(args=["users", "token", "sec_officer"]).stdout.strip()
    assert _login(client, "sec_officer").status_code == 302
    assert runner.invoke(args=["users", "revoke", "sec_officer", "--token-only"]).exit_code == 0
    assert client.get("/api/v1/incidents").status_code == 200
    resp = app.test_client().get("/api/v1/incidents",
                                 headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 401


# --- 4. expensive routes -------------------------------------------------------------------


def test_anonymous_sheets_need_public_read(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_READ", False)
    resp = client.post("/api/v1/sheets?format=gpx", json=BODY)
    assert resp.status_code == 401 and set(resp.get_json()) == {"error", "fields"}


def test_anonymous_sheets_are_rate_limited(app, client, session, officer, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_READ", True)
    monkeypatch.setitem(app.config, "LIMIT_SHEETS_ANONYMOUS", "2 per minute")
    monkeypatch.setitem(app.config, "LIMIT_SHEETS", "100 per minute")
    # A malformed request costs nothing and is not counted.
    assert client.post("/api/v1/sheets?format=doc", json=BODY).status_code == 422
    for _ in range(2):
        assert client.post("/api/v1/sheets?format=gpx", json=BODY).status_code == 200
    _assert_429_json(client.post("/api/v1/sheets?format=gpx", json=BODY))
    # One budget across sheets and exports.
    _assert_429_json(client.post("/api/v1/sheets.geojson", json=BODY))
    # A signed-in user has their own budget.
    token = officer.new_token()
    session.commit()
    resp = client.post("/api/v1/sheets?format=gpx", json=BODY,
                       headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200


def test_analyses_are_rate_limited(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "LIMIT_ANALYSIS_ANONYMOUS", "2 per minute")
    for _ in range(2):
        assert client.post("/api/v1/incidents/analyze", json=BODY).status_code == 200
    resp = client.post("/api/v1/incidents/analyze", json=BODY)
    _assert_429_json(resp)
    assert "analyses" in resp.get_json()["error"]


# --- 5. what anonymous readers see ---------------------------------------------------------


@pytest.fixture
def saved(session, officer, client):
    from geoalchemy2.shape import from_shape
    from shapely.geometry import Point

    result = client.post("/api/v1/incidents/analyze", json=BODY).get_json()
    inc = m.Incident(kind="drill", title="sec drill", river_code="TRIB",
                     pollutant_code="BENZENE", request=BODY, result=result,
                     created_by_id=officer.id, geom=from_shape(Point(103.1, 35.92), srid=4326))
    session.add(inc)
    session.commit()
    return inc


def test_anonymous_readers_never_see_incidents(app, client, session, officer, saved):
    """Issue 14: anonymous users never see incidents, even with PUBLIC_READ on (it keeps
    layers and analyses public); signed-in readers see who saved them."""
    assert app.config["PUBLIC_READ"] is True
    for url in ("/api/v1/incidents", "/api/v1/incidents?kind=drill",
                f"/api/v1/incidents/{saved.id}", f"/api/v1/incidents/{saved.id}/events"):
        resp = client.get(url)
        assert resp.status_code == 401, url
        assert "sec_officer" not in resp.get_data(as_text=True)
    token = officer.new_token()
    session.commit()
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/incidents?kind=drill", headers=auth).get_json()["incidents"][0][
        "created_by"] == "sec_officer"
    assert client.get(f"/api/v1/incidents/{saved.id}", headers=auth).get_json()[
        "created_by"] == "sec_officer"


def test_anonymous_sheet_leaves_out_the_officer(client, session, officer, saved, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")

    def text(resp) -> str:
        assert resp.status_code == 200
        (tmp_path / "s.pdf").write_bytes(resp.data)
        return subprocess.run(["pdftotext", str(tmp_path / "s.pdf"), "-"], check=True,
                              capture_output=True).stdout.decode()

    token = officer.new_token()
    session.commit()
    signed = text(client.get(f"/api/v1/incidents/{saved.id}/sheet.pdf?lang=en",
                             headers={"Authorization": f"Bearer {token}"}))
    assert "Officer Zhang Sec" in signed
    anonymous = client.get(f"/api/v1/incidents/{saved.id}/sheet.pdf?lang=en")
    assert anonymous.status_code == 401  # issue 14: no incident sheet for anonymous users
    assert b"Officer Zhang Sec" not in anonymous.data

"""Shared fixtures: a real PostGIS test database, migrated and loaded once per session;
each integration test runs inside a transaction that is rolled back."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import scoped_session, sessionmaker

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "fixtures" / "mini"


def test_database_url() -> str:
    """WEBGIS_TEST_DATABASE_URL, or the local cluster's `webgis_test` database."""
    url = os.environ.get("WEBGIS_TEST_DATABASE_URL")
    if url:
        return url
    from webgis import localdb
    from webgis.config import local_database_url

    localdb.start()
    return local_database_url("webgis_test")


@pytest.fixture(scope="session")
def database_url() -> str:
    return test_database_url()


@pytest.fixture(scope="session")
def app(database_url):
    """The app on the test database: schema by migrations, the mini dataset loaded."""
    from flask_migrate import downgrade, upgrade

    from webgis import create_app
    from webgis.extensions import db
    from webgis.services.loading import load

    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test",
        "PUBLIC_READ": True,
        "WTF_CSRF_ENABLED": True,
    })
    if os.environ.get("WEBGIS_TEST_DB_READY") == "1":
        # scripts/mutation.sh: the database was migrated and loaded once before the run;
        # its many short pytest sessions (in parallel) only read it, in rolled-back
        # transactions
        return app
    with app.app_context():
        downgrade(revision="base")
        upgrade()
        load(db.session, MINI)
        db.session.commit()
    return app


class TestScopedSession(scoped_session):
    """One session for the whole test; a request's teardown must not close it."""

    def remove(self) -> None:
        pass


@pytest.fixture
def session(app):
    """A session inside a transaction rolled back after the test (commits are savepoints).

    No app context stays pushed during the test, so each request gets its own (as in
    production: Flask-Login's per-request `g` must not leak between requests).
    """
    from webgis.extensions import db

    with app.app_context():
        connection = db.engine.connect()
    outer = connection.begin()
    # A plain sessionmaker: Flask-SQLAlchemy's Session ignores a session-level bind.
    factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
    scoped = TestScopedSession(factory, scopefunc=lambda: "test")
    original, db.session = db.session, scoped
    try:
        yield scoped
    finally:
        scoped.registry().close()
        db.session = original
        outer.rollback()
        connection.close()


@pytest.fixture
def client(app, session):
    return app.test_client()


@pytest.fixture
def runner(app, session):
    return app.test_cli_runner()


def ensure_database(url: str) -> None:
    """Create the database of `url` if it does not exist (local cluster or any server)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                              {"n": target.database}).scalar()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def bundled_app(database_url):
    """The app on a database holding the bundled Gansu dataset (data/), loaded by the same
    `load` as `webgis load-data`; kept between runs (a reload of unchanged files is a no-op)."""
    from flask_migrate import upgrade
    from sqlalchemy.engine import make_url

    from webgis import create_app
    from webgis.extensions import db
    from webgis.services.loading import load

    url = make_url(database_url).set(database="webgis_test_bundled").render_as_string(
        hide_password=False)
    ensure_database(url)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test",
                      "PUBLIC_READ": True})
    with app.app_context():
        upgrade()
        load(db.session, ROOT / "data")
        db.session.commit()
    return app


@pytest.fixture(scope="session")
def bundled_client(bundled_app):
    return bundled_app.test_client()


def pytest_sessionfinish(session, exitstatus):
    """Close every pooled connection of every app the tests made, before the interpreter
    collects them (an unclosed psycopg connection is a ResourceWarning, hence an error)."""
    import gc

    from webgis.extensions import db

    for engines in list(db._app_engines.values()):
        for engine in engines.values():
            engine.dispose()
    from webgis.ogc_provider import dispose_engines

    dispose_engines()  # pygeoapi's provider engines (/ogc)
    gc.collect()


def pytest_collection_modifyitems(config, items):
    """Under scripts/mutation.sh (WEBGIS_TEST_DB_READY) leave out the tests on the bundled
    dataset: loading it is too slow for a pytest session per mutant."""
    if os.environ.get("WEBGIS_TEST_DB_READY") != "1":
        return
    kept = [i for i in items if "bundled_app" not in getattr(i, "fixturenames", ())]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


@pytest.fixture(autouse=True)
def _fresh_reference_under_mutation():
    """Under scripts/mutation.sh every test builds the reference data afresh, so that each
    test calling the analysis also calls the code that reads and prepares the reference:
    mutmut runs, per mutant, only the tests it saw call the mutated function, and with the
    per-process cache only the first test of a session would."""
    if os.environ.get("WEBGIS_TEST_DB_READY") == "1":
        from webgis.services import analysis, reference

        for cache in (getattr(reference, "_cache", None), getattr(reference, "_key_seen", None),
                      getattr(analysis, "_PREFECTURES", None)):
            if cache is not None:
                cache.clear()
    yield


@pytest.fixture
def incident_reader(app, client, session):
    """`client` signed in (an API token of a field team: it reads incidents, changes none).
    Anonymous callers never see incidents (issue 14), whatever PUBLIC_READ says."""
    from webgis.services import users

    with app.app_context():
        users.create_user("incident_reader", "field_team", "reader pass 1")
        token, _ = users.issue_token("incident_reader", 1)
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters (in memory, per process) start empty in every test, so one test's
    sign-ins, analyses and sheets never throttle the next."""
    from webgis.limits import limiter

    if limiter._storage is not None:
        limiter.reset()
    yield


def incident_request() -> dict[str, Any]:
    """The spill the incident tests save (benzene, 2 t at once on a tributary near Lanzhou,
    started 08:00 and found 08:40 Beijing time): a fresh copy per call, so that no module
    can change another's."""
    return {
        "location": {"lon": 103.1, "lat": 35.92},
        "pollutant": "BENZENE",
        "release": {"mass_kg": 2000, "duration_h": 0},
        "started_at": "2026-05-01T08:00:00+08:00",
        "discovered_at": "2026-05-01T08:40:00+08:00",
    }


def bearer_for(app, name: str, role: str, password: str = "ten chars!") -> dict[str, str]:
    """A new account with the role and a one-day API token: its Authorization header."""
    from webgis.services import users

    with app.app_context():
        users.create_user(name, role, password)
        token, _ = users.issue_token(name, 1)
    return {"Authorization": f"Bearer {token}"}


def http_get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
    """GET `url` over real HTTP (a served app, not the test client): status, headers, body;
    an HTTP error status is an answer, not an exception."""
    import urllib.error
    import urllib.request

    req = urllib.request.Request(url, headers={"Accept": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


@contextmanager
def serve_on_loopback(app, name: str) -> Iterator[str]:
    """`app` under werkzeug in a thread on a free loopback port; yields the base URL and
    stops the server afterwards (the e2e browser's and GDAL's live server)."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()

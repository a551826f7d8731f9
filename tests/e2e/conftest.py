"""End-to-end fixtures: the app on the BUNDLED dataset, served on a free localhost port,
and Debian's headless Chromium driven by Playwright (never a downloaded browser).

Database: `WEBGIS_E2E_DATABASE_URL`, or `webgis_e2e` on the project-local cluster (created
when missing), migrated with Flask-Migrate and loaded from `data/` (or `WEBGIS_E2E_DATA`;
the loader skips unchanged layers, so a second run is quick). Every browser context blocks
any request that is not for localhost and records it: the map must work with no internet.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from tests.conftest import serve_on_loopback

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("WEBGIS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
OFFICER = ("e2e_duty", "e2e duty officer password")


def ensure_user(app, username: str, role: str, password: str) -> tuple[str, str]:
    """The account (username, password) in the e2e database, created if it is not there
    yet: `webgis_e2e` keeps its users from one run to the next."""
    from sqlalchemy import select

    from webgis.extensions import db
    from webgis.models import User

    with app.app_context():
        try:
            if db.session.scalar(select(User).where(User.username == username)) is None:
                user = User(username=username, role=role)
                user.set_password(password)
                db.session.add(user)
                db.session.commit()
        finally:
            db.session.remove()
    return username, password


def sign_in(page, base: str, who: tuple[str, str], next_path: str | None = None) -> None:
    """Sign `who` (username, password) in through the login form, then wait until the
    browser has left /login (for `next_path`, or wherever the login sends it)."""
    page.goto(base + "/login" + ("?next=" + quote(next_path, safe="/") if next_path else ""))
    page.fill("input[name=username]", who[0])
    page.fill("input[name=password]", who[1])
    page.click("form.login button[type=submit]")
    page.wait_for_url(re.compile(r"^(?!.*/login)"))


def _e2e_database_url() -> str:
    url = os.environ.get("WEBGIS_E2E_DATABASE_URL")
    if url:
        return url
    import psycopg

    from webgis import localdb
    from webgis.config import local_database_url

    localdb.start()
    admin = local_database_url("postgres").replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = 'webgis_e2e'").fetchone()
        if not exists:
            conn.execute('CREATE DATABASE "webgis_e2e"')
    url = local_database_url("webgis_e2e")
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"),
                         autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    return url


@pytest.fixture(scope="session")
def e2e_app():
    """The app on `webgis_e2e`: schema by migrations, the bundled dataset, one officer."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from flask_migrate import upgrade

    from webgis import create_app
    from webgis.extensions import db
    from webgis.services.loading import load

    app = create_app({
        "SQLALCHEMY_DATABASE_URI": _e2e_database_url(),
        "SECRET_KEY": "e2e",
        "PUBLIC_READ": True,
        "TILE_URL": "",
    })
    with app.app_context():
        try:
            upgrade()
            load(db.session, Path(os.environ.get("WEBGIS_E2E_DATA", ROOT / "data")))
            db.session.commit()
        finally:
            db.session.remove()
    ensure_user(app, OFFICER[0], "duty_officer", OFFICER[1])
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(e2e_app):
    """The app under werkzeug in a thread on a free port; yields the base URL."""
    with serve_on_loopback(e2e_app, "e2e-server") as url:
        yield url


@pytest.fixture(scope="session")
def browser(live_server):
    """Debian's Chromium; Playwright gives every launch a fresh temporary profile."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Watched:
    """A page with what it tried to fetch outside localhost and every script error."""

    def __init__(self, page):
        self.page = page
        self.blocked: list[str] = []
        self.errors: list[str] = []


@pytest.fixture
def watched(browser, live_server):
    # Playwright's string predicates (wait_for_function) are eval'd in the page, which the
    # page's CSP forbids; tests/e2e/test_csp.py checks the page under its policy.
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN",
                                  bypass_csp=True)
    w = Watched(context.new_page())

    def guard(route):
        host = urlsplit(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
            route.continue_()
        else:
            w.blocked.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    w.page.on("pageerror", lambda exc: w.errors.append(str(exc)))
    w.page.set_default_timeout(15000)
    try:
        yield w
    finally:
        context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def officer(e2e_app) -> tuple[str, str]:
    """Username and password of the duty officer created in `e2e_app`."""
    return OFFICER

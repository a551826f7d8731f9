"""The product behind the compose proxy: docker/Caddyfile run by a real Caddy on loopback,
in front of gunicorn configured as in docker-compose.yml (production, Secure cookies, one
trusted proxy). Sign-in works over HTTPS, the cookies are Secure, and the app sees HTTPS.

There is no Docker in CI, so the compose file itself is not started. This test runs the
same Caddyfile with Debian's `caddy` (`scripts/setup.sh --test` installs it), and the
proxy reaches gunicorn from an address gunicorn does not trust, as in compose. What shows
that X-Forwarded-Proto is honoured is Flask-WTF's same-origin Referer check, which it makes
on HTTPS only: a sign-in form posted with a foreign Referer is refused through the proxy.
"""

from __future__ import annotations

import gzip
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import delete

ROOT = Path(__file__).resolve().parents[2]
CADDYFILE = ROOT / "docker" / "Caddyfile"
USER, PASSWORD = "caddy_officer", "a long enough caddy password"

pytestmark = pytest.mark.skipif(
    shutil.which("caddy") is None,
    reason="Debian's caddy is not installed (scripts/setup.sh --test installs it)")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(check, what: str, limit_s: float = 60.0) -> None:
    deadline = time.monotonic() + limit_s
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (OSError, ssl.SSLError, http.client.HTTPException) as exc:
            last = exc
        time.sleep(0.2)
    raise AssertionError(f"{what} did not come up: {last!r}")


def _stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


@pytest.fixture(scope="module")
def officer(app):
    """A committed account (gunicorn is another process: no rolled-back transaction)."""
    from webgis.extensions import db
    from webgis.models import User

    with app.app_context():
        db.session.execute(delete(User).where(User.username == USER))
        user = User(username=USER, role="duty_officer")
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
    yield USER
    with app.app_context():
        db.session.execute(delete(User).where(User.username == USER))
        db.session.commit()


@pytest.fixture(scope="module")
def proxied(app, database_url, officer, tmp_path_factory):
    """(https port, http port, CA file): Caddy with docker/Caddyfile → gunicorn."""
    tmp = tmp_path_factory.mktemp("caddy")
    app_port, https_port, http_port, probe_port = (_port() for _ in range(4))
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEBGIS_")}
    env.update({
        "WEBGIS_PGPORT": os.environ.get("WEBGIS_PGPORT", "5433"),
        "DATABASE_URL": database_url, "WEBGIS_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32), "WEBGIS_TRUSTED_PROXIES": "1",
        "WEBGIS_PUBLIC_READ": "true", "WEBGIS_WARM_TRANSFERS": "false",
    })
    # Caddy reaches gunicorn from 127.0.0.1; in compose it comes from another container,
    # which gunicorn does not trust for X-Forwarded-Proto. Same here: trust nothing.
    logs = [(tmp / "gunicorn.log").open("wb"), (tmp / "caddy.log").open("wb")]
    gunicorn = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{app_port}", "--workers",
         "1", "--forwarded-allow-ips", "192.0.2.1", "webgis:create_app()"],
        cwd=tmp, env=env, stdout=subprocess.DEVNULL, stderr=logs[0],
        start_new_session=True)
    caddy_env = dict(os.environ, XDG_DATA_HOME=str(tmp / "data"),
                     XDG_CONFIG_HOME=str(tmp / "config"), WEBGIS_SITE="localhost",
                     WEBGIS_TLS="internal", WEBGIS_HTTPS_PORT=str(https_port),
                     WEBGIS_HTTP_PORT=str(http_port), WEBGIS_PROBE_PORT=str(probe_port),
                     WEBGIS_UPSTREAM=f"127.0.0.1:{app_port}")
    check = subprocess.run(["caddy", "validate", "--config", str(CADDYFILE), "--adapter",
                            "caddyfile"], env=caddy_env, cwd=tmp, capture_output=True,
                           text=True, timeout=60)
    assert check.returncode == 0, check.stderr[-2000:]
    caddy = subprocess.Popen(["caddy", "run", "--config", str(CADDYFILE), "--adapter",
                              "caddyfile"], env=caddy_env, cwd=tmp,
                             stdout=subprocess.DEVNULL,
                             stderr=logs[1], start_new_session=True)
    ca = tmp / "data" / "caddy" / "pki" / "authorities" / "local" / "root.crt"
    try:
        def app_up() -> bool:
            conn = http.client.HTTPConnection("127.0.0.1", app_port, timeout=5)
            try:
                conn.request("GET", "/healthz")
                return conn.getresponse().status == 200
            finally:
                conn.close()

        def tls_up() -> bool:
            ctx = ssl.create_default_context(cafile=str(ca))
            conn = http.client.HTTPSConnection("localhost", https_port, timeout=5, context=ctx)
            try:
                conn.request("GET", "/healthz")
                return conn.getresponse().status == 200
            finally:
                conn.close()

        _wait(app_up, "gunicorn")
        _wait(lambda: ca.exists(), "Caddy's local CA")
        _wait(tls_up, "Caddy with TLS")
        yield https_port, http_port, probe_port, ca
    finally:
        _stop(caddy)
        _stop(gunicorn)
        for log in logs:
            log.close()


class Browser:
    """Just enough of a browser: HTTPS to localhost with Caddy's CA, one cookie jar."""

    def __init__(self, port: int, ca: Path) -> None:
        self.port, self.ctx = port, ssl.create_default_context(cafile=str(ca))
        self.cookies: dict[str, str] = {}
        self.set_cookie: list[str] = []

    def request(self, method: str, path: str, body: str | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
        conn = http.client.HTTPSConnection("localhost", self.port, timeout=30,
                                           context=self.ctx)
        hdrs = dict(headers or {})
        if self.cookies:
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            conn.request(method, path, body, hdrs)
            resp = conn.getresponse()
            data = resp.read()
        finally:
            conn.close()
        for raw in resp.headers.get_all("Set-Cookie") or []:
            self.set_cookie.append(raw)
            name, _, rest = raw.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return resp.status, resp.headers, data

    def login_form(self) -> str:
        status, _, html = self.request("GET", "/login")
        assert status == 200
        return re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', html)[1].decode()

    def sign_in(self, referer: str, password: str = PASSWORD) -> int:
        from urllib.parse import urlencode

        form = urlencode({"username": USER, "password": password,
                          "csrf_token": self.login_form()})
        status, _, _ = self.request("POST", "/login", form, {
            "Content-Type": "application/x-www-form-urlencoded", "Referer": referer,
            "Origin": referer.split("/login")[0]})
        return status


def test_sign_in_over_https_with_secure_cookies(proxied):
    https_port, _, _, ca = proxied
    browser = Browser(https_port, ca)
    own = f"https://localhost:{https_port}/login"
    assert browser.sign_in(own) == 302
    session_cookies = [c for c in browser.set_cookie if c.startswith("session=")]
    assert session_cookies and all("Secure" in c and "HttpOnly" in c for c in session_cookies)
    status, _, page = browser.request("GET", "/")
    assert status == 200 and USER.encode() in page  # signed in: the page names the user


def test_the_app_sees_https_through_the_proxy(proxied):
    """Flask-WTF's Referer check runs only on HTTPS requests. A form from another
    origin is refused here, so the app took X-Forwarded-Proto from the proxy."""
    https_port, _, _, ca = proxied
    browser = Browser(https_port, ca)
    assert browser.sign_in("https://evil.example/login") == 400
    assert browser.sign_in(f"https://localhost:{https_port}/login") == 302


def test_plain_http_redirects_and_compression_passes_through(proxied):
    https_port, http_port, probe_port, ca = proxied
    conn = http.client.HTTPConnection("localhost", http_port, timeout=10)
    conn.request("GET", "/login")
    resp = conn.getresponse()
    location = resp.getheader("Location")
    conn.close()
    assert resp.status == 308 and location == f"https://localhost:{https_port}/login"
    browser = Browser(https_port, ca)
    status, headers, body = browser.request("GET", "/api/v1/reaches",
                                            headers={"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body).startswith(b'{"type":"FeatureCollection"')
    assert "Server" not in headers  # neither Caddy's nor gunicorn's
    probe = http.client.HTTPConnection("127.0.0.1", probe_port, timeout=10)
    probe.request("GET", "/")
    status = probe.getresponse().status
    probe.close()
    assert status == 200

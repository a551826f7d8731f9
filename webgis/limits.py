"""Rate limits: sign-in throttling and the expensive routes (analysis, sheets and exports).

Flask-Limiter with the limits from the app's config (`LIMIT_*`, from `WEBGIS_LIMIT_*`), read
on every request so each app (and each test) may set its own. Counters live in
`RATELIMIT_STORAGE_URI`: `memory://` by default, i.e. per worker process — with several
gunicorn workers each counts on its own, so a client may get up to (workers x limit) before
it is refused. A shared store (`redis://...`, `memcached://...`) makes the limits exact;
while it is unreachable each process counts in memory again.

* Sign-in: failed attempts (401) are counted per account (the username tried, whether it
  exists or not) and per client address. Once either is used up every attempt is refused with
  429 *before* the password is looked at — the right password too — until the window ends.
* Analyses and sheets/exports: per signed-in user, or per address for anonymous callers (a
  stricter limit). Only requests that succeed are counted: a malformed request costs little.

A refusal is 429 with `Retry-After` (seconds) and the JSON `{"error", "fields"}` — a page for a
browser's sign-in form.
"""

from __future__ import annotations

import math
import time

from flask import Flask, current_app, jsonify, render_template, request
from flask.wrappers import Response
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_login import current_user


def address_key() -> str:
    """The client address (the real one behind a proxy once ProxyFix has run)."""
    return f"addr:{get_remote_address()}"


def client_key() -> str:
    """A signed-in user counts as themselves wherever they connect from; others by address."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return address_key()


def account_key() -> str:
    """The account a sign-in tries, as typed (case-folded), known or not: an attacker cannot
    tell a throttled unknown name from a throttled real one."""
    name = (request.form.get("username") or "").strip().casefold()[:80]
    return f"account:{name}"


limiter = Limiter(key_func=client_key, strategy="fixed-window")


def _config_limit(name: str):
    return lambda: current_app.config[name]


def _by_audience(signed_in: str, anonymous: str):
    def provider() -> str:
        cfg = current_app.config
        return cfg[signed_in] if current_user.is_authenticated else cfg[anonymous]

    return provider


def _failed_sign_in(response: Response) -> bool:
    return response.status_code == 401


def _succeeded(response: Response) -> bool:
    return response.status_code < 400


#: Sign-in: failed attempts per account tried and per address.
login_per_account = limiter.limit(
    _config_limit("LIMIT_LOGIN_ACCOUNT"), key_func=account_key, methods=["POST"],
    deduct_when=_failed_sign_in, error_message="too many failed sign-ins for this account")
login_per_address = limiter.limit(
    _config_limit("LIMIT_LOGIN_ADDRESS"), key_func=address_key, methods=["POST"],
    deduct_when=_failed_sign_in, error_message="too many failed sign-ins from this address")

#: Analyses (run now or saved): one budget across the routes that run the model.
analysis = limiter.shared_limit(
    _by_audience("LIMIT_ANALYSIS", "LIMIT_ANALYSIS_ANONYMOUS"), scope="analysis",
    deduct_when=_succeeded, error_message="too many analyses")

#: Sheets and exports (PDF, ZIP, GPS and data files): one budget across them.
sheets = limiter.shared_limit(
    _by_audience("LIMIT_SHEETS", "LIMIT_SHEETS_ANONYMOUS"), scope="sheets",
    deduct_when=_succeeded, error_message="too many sheets or exports")


def retry_after_s() -> int:
    """Whole seconds until the refused limit's window ends (at least 1)."""
    current = limiter.current_limit
    if current is None:
        return 60
    return max(1, math.ceil(current.reset_at - time.time()))


def _wants_login_page() -> bool:
    return (request.endpoint == "auth.login"
            and request.accept_mimetypes.best_match(["application/json", "text/html"])
            == "text/html")


def too_many_requests(err: RateLimitExceeded):
    """429 with Retry-After: JSON `{"error", "fields"}`; the sign-in page for a browser."""
    retry = retry_after_s()
    message = f"{err.description}; try again in {retry} s"
    fields = {"limit": str(err.limit.limit), "retry_after_s": retry}
    if _wants_login_page():
        from webgis.login_form import LoginForm

        resp = current_app.make_response(
            (render_template("login.html", form=LoginForm(), error="throttled",
                             retry_after_s=retry), 429))
    else:
        resp = jsonify({"error": message, "fields": fields})
        resp.status_code = 429
    resp.headers["Retry-After"] = str(retry)
    return resp


def init_app(app: Flask) -> None:
    """Bind the limiter and its 429 handler to `app` (the storage from its config)."""
    uri = app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    # A shared store that goes down must not take the analyses down with it: count in this
    # process's memory meanwhile (Flask-Limiter checks the store again with back-off).
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", not uri.startswith("memory"))
    limiter.init_app(app)
    app.register_error_handler(RateLimitExceeded, too_many_requests)

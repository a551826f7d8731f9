"""Sign-in, roles and API tokens.

Reading layers and running analyses (which store nothing) is open without signing in
when `PUBLIC_READ` is on; every write needs a signed-in user with a matching role. Scripts
send `Authorization: Bearer <token>`; browser writes through the API with a session cookie
must carry the CSRF token in `X-CSRFToken`.

A session names the user *and* their session version (`User.get_id`): signing out or
`webgis users revoke` raises the version, so every copy of an older cookie stops working.
Tokens expire (`TOKEN_TTL_DAYS`). Failed sign-ins are throttled (webgis.limits) and take as
long for an unknown username as for a known one.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Request,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError, validate_csrf

from webgis import limits
from webgis.errors import Forbidden, Unauthorized
from webgis.extensions import login_manager
from webgis.login_form import LoginForm
from webgis.services import users
from webgis.services.users import ROLES

__all__ = ["LoginForm", "bp", "incident_access", "init_app", "local_target", "read_access",
           "require_role"]

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_session_user(session_id: str) -> Any:
    """The user of a session, if the session's version is still the user's (not revoked) and
    the account is active (disabling an account ends its sessions)."""
    return users.user_for_session(session_id)


@login_manager.request_loader
def load_token_user(req: Request) -> Any:
    """The user of an `Authorization: Bearer <token>` header, if the token is valid."""
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    user = users.user_for_token(header[len("Bearer ") :].strip())
    if user is not None:
        user.via_token = True
    return user


def read_access(view: Callable[..., Any]) -> Callable[..., Any]:
    """Open when PUBLIC_READ is on; otherwise any signed-in user."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_app.config["PUBLIC_READ"] and not current_user.is_authenticated:
            raise Unauthorized("sign in or send an API token to read this")
        return view(*args, **kwargs)

    return wrapper


def incident_access(view: Callable[..., Any]) -> Callable[..., Any]:
    """Reading incidents (lists, details, timelines, sheets, exports): any signed-in user,
    whatever `PUBLIC_READ` says. Anonymous users never see incidents (issue 14)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            raise Unauthorized("sign in or send an API token to read incidents")
        return view(*args, **kwargs)

    return wrapper


def require_role(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A write: needs a signed-in user whose role is one of `roles` (admin always may)."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {unknown}")

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                raise Unauthorized("sign in or send an API token for this action")
            if current_user.role not in (*roles, "admin"):
                raise Forbidden(
                    f"this action needs the role {' or '.join(roles)}",
                    fields={"role": current_user.role},
                )
            if not getattr(current_user, "via_token", False):
                try:
                    validate_csrf(request.headers.get("X-CSRFToken") or request.form.get(
                        "csrf_token"))
                except Exception as exc:  # ValidationError from WTForms
                    raise Forbidden("missing or bad CSRF token", fields={"X-CSRFToken": str(
                        exc)}) from None
            return view(*args, **kwargs)

        return wrapper

    return decorate


def local_target(target: str) -> str | None:
    """`target` if it is a path on this site (the page an officer signed in from), else
    None: no open redirect. Browsers read a backslash as a slash, so ``/\\host`` is as
    remote as ``//host``; a scheme, a host or a control character is refused too."""
    if not target.startswith("/") or any(c in target for c in "\\\r\n\t"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@limits.login_per_account
@limits.login_per_address
def login():
    """The sign-in page; failures are throttled per account and per address."""
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        # The hash check runs for unknown users too: the failure's timing names no account.
        user = users.authenticate(form.username.data, form.password.data)
        if user is not None:
            login_user(user)
            return redirect(local_target(request.args.get("next", ""))
                            or url_for("web.index"))
        error = "bad_credentials"
    return render_template("login.html", form=form, error=error), (401 if error else 200)


@bp.post("/logout")
def logout():
    """Sign out (POST with the CSRF token): every session of this user ends, copies too."""
    if current_user.is_authenticated and not getattr(current_user, "via_token", False):
        users.end_sessions(current_user.id)
    logout_user()
    return redirect(url_for("web.index"))


def init_app(app: Flask) -> None:
    """Register the sign-in routes and the rate limits (the JSON API checks CSRF itself on
    writes: `create_app` exempts its blueprint)."""
    limits.init_app(app)
    login_manager.login_view = "auth.login"
    app.register_blueprint(bp)

    @app.errorhandler(CSRFError)
    def _csrf_error(err: CSRFError):
        return render_template("login.html", form=LoginForm(), error="csrf"), 400

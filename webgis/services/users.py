"""Accounts, roles and API tokens: the use cases of `webgis users ...`, sign-in and sign-out.

Each write runs in its own unit of work (`webgis.services.uow`). The edge gets user
objects back (Flask-Login needs them as the current user) but never imports the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from webgis.errors import Unprocessable
from webgis.models.user import ROLES, User, hash_token, password_matches
from webgis.services.uow import reading, unit_of_work

__all__ = ["MIN_PASSWORD", "ROLES", "UserExists", "UserRow", "authenticate", "create_user",
           "end_sessions", "exists", "issue_token", "list_users", "revoke", "user_for_session",
           "user_for_token"]

MIN_PASSWORD = 10


class UserExists(Unprocessable):
    """A username that is taken."""


@dataclass(frozen=True, slots=True)
class UserRow:
    """One account as `webgis users list` shows it."""

    username: str
    role: str
    active: bool
    has_token: bool
    token_expires_at: datetime | None
    token_valid: bool


def _named(session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise Unprocessable(f"no user {username!r}", fields={"username": username})
    return user


def exists(username: str) -> bool:
    """Whether an account has this username."""
    with reading() as session:
        return session.scalar(select(User.id).where(User.username == username)) is not None


def create_user(username: str, role: str, password: str, display_name: str = "") -> None:
    """A new account (there are no default accounts or passwords)."""
    if role not in ROLES:
        raise Unprocessable(f"role must be one of {', '.join(ROLES)}", fields={"role": role})
    if len(password) < MIN_PASSWORD:
        raise Unprocessable(f"the password must have at least {MIN_PASSWORD} characters",
                            fields={"password": "too short"})
    with unit_of_work() as session:
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            raise UserExists(f"user {username!r} exists", fields={"username": username})
        user = User(username=username, role=role, display_name=display_name)
        user.set_password(password)
        session.add(user)


def issue_token(username: str, ttl_days: float) -> tuple[str, datetime]:
    """A new API token for `username` (the previous one stops working) and its expiry;
    the token is returned once and stored only as its hash."""
    with unit_of_work() as session:
        user = _named(session, username)
        token = user.new_token(ttl_days)
        expires = user.token_expires_at
    assert expires is not None  # new_token sets it
    return token, expires


def revoke(username: str, *, token: bool = True, sessions: bool = True) -> list[str]:
    """Revoke `username`'s API token and/or end all their sessions; what was done."""
    done = []
    with unit_of_work() as session:
        user = _named(session, username)
        if token:
            had = user.token_hash is not None
            user.revoke_token()
            done.append("API token revoked" if had else "no API token")
        if sessions:
            user.revoke_sessions()
            done.append("all sessions ended")
    return done


def list_users(now: datetime | None = None) -> list[UserRow]:
    """Every account by username, with its token's state at `now`."""
    now = now or datetime.now(UTC)
    with reading() as session:
        return [UserRow(u.username, u.role, u.active, u.token_hash is not None,
                        u.token_expires_at, u.token_valid(now))
                for u in session.scalars(select(User).order_by(User.username))]


def user_for_session(session_id: str) -> User | None:
    """The user of a session cookie's id (`"<user id>:<session version>"`), if that
    version is still the user's (not revoked) and the account is active."""
    user_id, _, version = str(session_id).partition(":")
    if not (user_id.isdigit() and version.isdigit()) or int(user_id) > 2**31 - 1:
        return None  # a cookie from before revocable sessions, or not ours
    with reading() as session:
        user = session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def user_for_token(token: str) -> User | None:
    """The active user whose unexpired API token this is, else None."""
    if not token:
        return None
    with reading() as session:
        user = session.scalar(select(User).where(User.token_hash == hash_token(token)))
    if user is not None and user.active and user.token_valid():
        return user
    return None


def authenticate(username: str | None, password: str | None) -> User | None:
    """The active user with this username and password, else None. The hash check runs for
    unknown users too: a failure's timing names no account."""
    with reading() as session:
        user = session.scalar(select(User).where(User.username == (username or "")))
    if password_matches(user, password or "") and user is not None and user.active:
        return user
    return None


def end_sessions(user_id: int) -> None:
    """Sign-out: every session of this user ends, copies of the cookie too."""
    with unit_of_work() as session:
        user = session.get(User, user_id)
        if user is not None:
            user.revoke_sessions()

"""Accounts, roles, API tokens and the revocation of sessions and tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, DateTime, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from webgis.models.base import Model

ROLES = ("admin", "duty_officer", "leader", "planner", "field_team")


def hash_token(token: str) -> str:
    """Tokens are stored as SHA-256: a leaked table does not leak usable tokens."""
    return hashlib.sha256(token.encode()).hexdigest()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash of a random password, made like real ones, checked when no account matches."""
    return generate_password_hash(secrets.token_urlsafe(24))


def password_matches(user: User | None, password: str) -> bool:
    """Whether `password` is `user`'s; the hash check runs even when there is no such user,
    so a failure takes as long for an unknown username as for a known one."""
    stored = user.password_hash if user is not None else _dummy_hash()
    ok = check_password_hash(stored, password)
    return ok and user is not None


class User(UserMixin, Model):
    """A person who signs in; `role` decides what they may write."""

    __tablename__ = "user_account"
    __table_args__ = (CheckConstraint(f"role IN {ROLES}", name="role_known"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    display_name: Mapped[str] = mapped_column(Text, nullable=False, default="")
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    password_hash: Mapped[str] = mapped_column(Text, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: When the API token stops working (None: no token).
    token_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Part of every session's identity: raising it (sign-out, `webgis users revoke`) ends
    #: every session signed in before, wherever its cookie was copied to.
    session_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1,
                                                 server_default="1")
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login: what the session cookie names
        return f"{self.id}:{self.session_version}"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return password_matches(self, password)

    def new_token(self, ttl_days: float = 90.0) -> str:
        """Issue a fresh API token valid for `ttl_days` (the old one stops working); returned
        once, never stored."""
        if not ttl_days > 0:
            raise ValueError("ttl_days must be positive")
        token = secrets.token_urlsafe(32)
        self.token_hash = hash_token(token)
        self.token_expires_at = datetime.now(UTC) + timedelta(days=ttl_days)
        return token

    def token_valid(self, now: datetime | None = None) -> bool:
        """A token is issued and not past its expiry."""
        if self.token_hash is None or self.token_expires_at is None:
            return False
        return (now or datetime.now(UTC)) < self.token_expires_at

    def revoke_token(self) -> None:
        self.token_hash = None
        self.token_expires_at = None

    def revoke_sessions(self) -> None:
        """Every session cookie issued so far stops working."""
        self.session_version = (self.session_version or 1) + 1

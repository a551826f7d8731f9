"""Accounts, roles and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, DateTime, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from webgis.extensions import db

ROLES = ("admin", "duty_officer", "planner", "field_team")


def hash_token(token: str) -> str:
    """Tokens are stored as SHA-256: a leaked table does not leak usable tokens."""
    return hashlib.sha256(token.encode()).hexdigest()


class User(UserMixin, db.Model):
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
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def new_token(self) -> str:
        """Issue a fresh API token (the old one stops working); returned once, never stored."""
        token = secrets.token_urlsafe(32)
        self.token_hash = hash_token(token)
        return token

"""Risk supervision (issue 17): hazards found at enterprises, their rectification evidence,
and the append-only audit log of the department's registers.

The categories follow the two parts of the Ministry's 《企业突发环境事件隐患排查和治理工作
指南（试行）》 (2016): the enterprise's risk management system (management, plan, supplies)
and its prevention and containment measures (water and air); the grades are its 重大隐患
(major) and 一般隐患 (general).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from webgis.models.base import Model

HAZARD_CATEGORIES = ("management", "water_containment", "air_containment", "supplies", "plan",
                     "other")
HAZARD_GRADES = ("major", "general")
#: found → rectifying → closed (the service decides the transitions).
HAZARD_STATUSES = ("found", "rectifying", "closed")


class Hazard(Model):
    """A hazard found at an enterprise and its rectification."""

    __tablename__ = "hazard"
    __table_args__ = (
        CheckConstraint(f"category IN {HAZARD_CATEGORIES}", name="category_known"),
        CheckConstraint(f"grade IN {HAZARD_GRADES}", name="grade_known"),
        CheckConstraint(f"status IN {HAZARD_STATUSES}", name="status_known"),
        CheckConstraint("deadline >= found_on", name="deadline_after_found"),
        CheckConstraint("(status = 'closed') = (closed_on IS NOT NULL)",
                        name="closed_has_date"),
        Index("ix_hazard_status_deadline", "status", "deadline"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    enterprise_id: Mapped[int] = mapped_column(Integer, ForeignKey("enterprise.id"),
                                               nullable=False, index=True)
    found_on: Mapped[date] = mapped_column(Date, nullable=False)
    category: Mapped[str] = mapped_column(String(20), nullable=False)
    grade: Mapped[str] = mapped_column(String(10), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    deadline: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="found",
                                        server_default="found")
    closed_on: Mapped[date | None] = mapped_column(Date)
    rectification: Mapped[str] = mapped_column(Text, nullable=False, default="",
                                               server_default="")
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1,
                                         server_default="1")
    created_by_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                 server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                 server_default=func.now())


class HazardEvidence(Model):
    """A file proving a rectification (photo, scan), kept in the database with the hazard
    so a backup of the database is a backup of the evidence."""

    __tablename__ = "hazard_evidence"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hazard_id: Mapped[int] = mapped_column(Integer, ForeignKey("hazard.id"), nullable=False,
                                           index=True)
    filename: Mapped[str] = mapped_column(Text, nullable=False)
    content_type: Mapped[str] = mapped_column(String(60), nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                  server_default=func.now())


class AuditEntry(Model):
    """Who changed what in the department's registers, with the values before and after.
    Append-only: the database refuses UPDATE, DELETE and TRUNCATE."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_object", "object_type", "object_code"),)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                         server_default=func.now())
    actor_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("user_account.id"))
    actor_name: Mapped[str] = mapped_column(Text, nullable=False)
    actor_role: Mapped[str] = mapped_column(String(20), nullable=False)
    action: Mapped[str] = mapped_column(String(40), nullable=False)
    object_type: Mapped[str] = mapped_column(String(40), nullable=False)
    object_code: Mapped[str] = mapped_column(String(80), nullable=False)
    before = mapped_column(JSONB)
    after = mapped_column(JSONB)

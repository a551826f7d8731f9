"""River plans ("one river, one policy") as structured steps."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webgis.models.base import Model

PHASES = ("report", "assess", "contain", "treat", "monitor", "recover")
LEVELS = ("I", "II", "III", "IV")


class RiverPlan(Model):
    """One plan per river; `code` is the river code."""

    __tablename__ = "river_plan"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    river_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("river.id"), unique=True, nullable=False
    )
    title_zh: Mapped[str] = mapped_column(Text, nullable=False)
    title_en: Mapped[str] = mapped_column(Text, nullable=False)
    version: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    source: Mapped[str] = mapped_column(Text, nullable=False, default="")
    risk_summary_zh: Mapped[str] = mapped_column(Text, nullable=False, default="")
    risk_summary_en: Mapped[str] = mapped_column(Text, nullable=False, default="")
    sensitive_points = mapped_column(JSONB, nullable=False, default=list)
    contacts = mapped_column(JSONB, nullable=False, default=list)
    interception_codes: Mapped[list[str]] = mapped_column(
        ARRAY(String(40)), nullable=False, default=list
    )
    steps: Mapped[list[PlanStep]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanStep.order"
    )


class PlanStep(Model):
    """One step of a plan, for some pollutant classes and levels."""

    __tablename__ = "plan_step"
    __table_args__ = (
        UniqueConstraint("plan_id", "phase", "order", name="uq_plan_step_order"),
        CheckConstraint(f"phase IN {PHASES}", name="phase_known"),
        CheckConstraint('"order" >= 1', name="order_positive"),
        CheckConstraint("due_min IS NULL OR due_min >= 0", name="due_nonnegative"),
        CheckConstraint(f"min_level IS NULL OR min_level IN {LEVELS}", name="min_level_known"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("river_plan.id", ondelete="CASCADE"), nullable=False, index=True
    )
    phase: Mapped[str] = mapped_column(String(10), nullable=False)
    order: Mapped[int] = mapped_column(Integer, nullable=False)
    text_zh: Mapped[str] = mapped_column(Text, nullable=False)
    text_en: Mapped[str] = mapped_column(Text, nullable=False, default="")
    responsible: Mapped[str] = mapped_column(Text, nullable=False, default="")
    due_min: Mapped[int | None] = mapped_column(Integer)
    classes: Mapped[list[str]] = mapped_column(ARRAY(String(20)), nullable=False, default=list)
    min_level: Mapped[str | None] = mapped_column(String(3))
    plan: Mapped[RiverPlan] = relationship(back_populates="steps")


PLAN_VERSION_STATUSES = ("draft", "reviewed", "issued", "superseded")


class PlanVersion(Model):
    """A version of a river plan's steps edited in the product (issue 17 item 4): drafted,
    reviewed, issued (the one incidents use) and later superseded. `steps` holds the steps
    as `PlanStep` rows would (phase, order, texts, responsible, due_min, classes,
    min_level); `row_version` is the optimistic-concurrency counter of edits."""

    __tablename__ = "plan_version"
    __table_args__ = (
        UniqueConstraint("plan_id", "version_no"),
        CheckConstraint(f"status IN {PLAN_VERSION_STATUSES}", name="status_known"),
        Index("uq_plan_version_one_issued", "plan_id", unique=True,
              postgresql_where=text("status = 'issued'")),
        Index("uq_plan_version_one_open", "plan_id", unique=True,
              postgresql_where=text("status IN ('draft', 'reviewed')")),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("river_plan.id", ondelete="CASCADE"), nullable=False, index=True
    )
    version_no: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="draft",
                                        server_default="draft")
    steps = mapped_column(JSONB, nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")
    row_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1,
                                             server_default="1")
    created_by_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                 server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                 server_default=func.now())
    reviewed_by_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("user_account.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    issued_by_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("user_account.id"))
    issued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

"""The drill planners' scenario library: named, tagged spills kept for running, comparing
and (issue 15, item 5) starting drills."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from webgis.models.base import Model

SEASONS = ("dry", "normal", "flood")


class Scenario(Model):
    """A spill scenario: where (a point or an enterprise's outfall), what, how much, when."""

    __tablename__ = "scenario"
    __table_args__ = (
        CheckConstraint(f"season IN {SEASONS}", name="season_known"),
        CheckConstraint("mass_kg > 0", name="mass_positive"),
        CheckConstraint("duration_h >= 0", name="duration_nonnegative"),
        CheckConstraint("horizon_h > 0", name="horizon_positive"),
        Index("ix_scenario_tags", "tags", postgresql_using="gin"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    tags: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, default=list)
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    enterprise_code: Mapped[str | None] = mapped_column(String(40))
    lon: Mapped[float] = mapped_column(Float, nullable=False)
    lat: Mapped[float] = mapped_column(Float, nullable=False)
    pollutant_code: Mapped[str] = mapped_column(String(40), nullable=False)
    mass_kg: Mapped[float] = mapped_column(Float, nullable=False)
    duration_h: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    season: Mapped[str] = mapped_column(String(10), nullable=False, default="normal")
    horizon_h: Mapped[float] = mapped_column(Float, nullable=False, default=72.0)
    source_incident_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("incident.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now())
    created_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("user_account.id", ondelete="SET NULL"))
    created_by_name: Mapped[str] = mapped_column(Text, nullable=False, default="")

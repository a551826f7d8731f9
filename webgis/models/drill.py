"""Drills (issue 15, item 5): an incident of kind ``drill`` started from a scenario, with
its script of injects (timed events played into the incident at their drill time)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from webgis.models.base import Model

SPEEDS = (1, 10, 60)
DRILL_STATUSES = ("running", "played", "ended")


class Drill(Model):
    """A drill: its incident, the scenario it came from, its speed (drill hours per wall
    hour), when it started on the wall clock, and the injects (each ``at_h`` drill hours
    after the start, ``kind``, ``payload``, ``played_at`` (wall) once played)."""

    __tablename__ = "drill"
    __table_args__ = (
        CheckConstraint(f"speed IN {SPEEDS}", name="speed_known"),
        CheckConstraint(f"status IN {DRILL_STATUSES}", name="status_known"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("incident.id", ondelete="CASCADE"), nullable=False, unique=True)
    scenario_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("scenario.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(Text, nullable=False)
    speed: Mapped[int] = mapped_column(Integer, nullable=False)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    injects: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="running")
    created_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("user_account.id", ondelete="SET NULL"))
    created_by_name: Mapped[str] = mapped_column(Text, nullable=False, default="")

"""Saved incidents and drills: the request and the analysis result as they were."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from webgis.models.base import Model, geometry

INCIDENT_KINDS = ("incident", "drill")


class Incident(Model):
    """An analysed spill; `result` keeps the analysis so a sheet is reproducible."""

    __tablename__ = "incident"
    __table_args__ = (CheckConstraint(f"kind IN {INCIDENT_KINDS}", name="kind_known"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), nullable=False, default="incident")
    title: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    created_by_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("user_account.id"))
    river_code: Mapped[str | None] = mapped_column(String(40))
    pollutant_code: Mapped[str | None] = mapped_column(String(40))
    request = mapped_column(JSONB, nullable=False)
    result = mapped_column(JSONB, nullable=False)
    geom = mapped_column(geometry("POINT"), nullable=False)

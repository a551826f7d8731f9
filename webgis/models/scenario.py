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

from webgis.models.base import Model, geometry

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


class ScenarioPath(Model):
    """A saved scenario's predicted path, kept for GIS clients (`ogc.scenario_paths`,
    issue 17): the analysis' path lines as one MultiLineString, its length, the first
    intake or monitoring section it reaches in the worst case and when, and the dataset
    version it was computed on. Written by `webgis.services.scenarios` in the same
    transaction as the scenario (created, edited, run); gone with the scenario."""

    __tablename__ = "scenario_path"
    __table_args__ = (
        CheckConstraint("length_km >= 0", name="length_nonnegative"),
        CheckConstraint("worst_arrival_h IS NULL OR worst_arrival_h >= 0",
                        name="arrival_nonnegative"),
    )
    scenario_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("scenario.id", ondelete="CASCADE"), primary_key=True)
    #: None when the analysis has no path line (nothing downstream within the horizon).
    geom = mapped_column(geometry("MULTILINESTRING"))
    length_km: Mapped[float] = mapped_column(Float, nullable=False)
    first_receptor_kind: Mapped[str | None] = mapped_column(String(20))
    first_receptor_code: Mapped[str | None] = mapped_column(Text)
    first_receptor_name: Mapped[str | None] = mapped_column(Text)
    #: The worst-case (earliest) arrival at the first receptor, hours after the release.
    worst_arrival_h: Mapped[float | None] = mapped_column(Float)
    #: `webgis.services.reference.dataset_key` when computed: a different key is stale.
    dataset_version: Mapped[str] = mapped_column(Text, nullable=False)
    computed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now())

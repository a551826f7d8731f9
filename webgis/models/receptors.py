"""Points on the river that a plume reaches: intakes, sections, interception points."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, CheckConstraint, Date, Float, Integer, String, Text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from webgis.models.base import Model, NamedFeature, OnReach, geometry, measure_check

SERVES = ("city", "county", "township")
SECTION_LEVELS = ("state", "province")
INTERCEPTION_KINDS = (
    "dam",
    "hydropower",
    "sluice",
    "reservoir",
    "bridge",
    "pond",
    "shoal",
    "weir",
    "cofferdam_site",
)
TECHNIQUES = ("intercept", "divert", "dose", "boom", "absorb", "store", "dilute", "cofferdam")


class WaterSource(NamedFeature, OnReach, Model):
    """A centralised drinking-water intake."""

    __tablename__ = "water_source"
    __table_args__ = (
        measure_check(),
        CheckConstraint("population_served >= 0", name="population_nonnegative"),
        CheckConstraint(f"serves IN {SERVES}", name="serves_known"),
        CheckConstraint("bank IS NULL OR bank IN ('left', 'right')", name="bank_known"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    population_served: Mapped[int] = mapped_column(Integer, nullable=False)
    serves: Mapped[str] = mapped_column(String(10), nullable=False)
    serves_name_zh: Mapped[str] = mapped_column(Text, nullable=False, default="")
    bank: Mapped[str | None] = mapped_column(String(5))
    geom = mapped_column(geometry("POINT"), nullable=False)


class MonitoringSection(NamedFeature, OnReach, Model):
    """A state- or province-controlled water quality section."""

    __tablename__ = "monitoring_section"
    __table_args__ = (
        measure_check(),
        CheckConstraint(f"level IN {SECTION_LEVELS}", name="level_known"),
        CheckConstraint("target_class BETWEEN 1 AND 5", name="target_class_1_5"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    level: Mapped[str] = mapped_column(String(10), nullable=False)
    target_class: Mapped[int] = mapped_column(Integer, nullable=False)
    is_exit: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    boundary: Mapped[str | None] = mapped_column(Text)
    geom = mapped_column(geometry("POINT"), nullable=False)


SPACE_STATUSES = ("available", "needs_recheck", "unavailable")


class InterceptionPoint(NamedFeature, OnReach, Model):
    """An emergency response space: where a plume can be held, diverted or treated."""

    __tablename__ = "interception_point"
    __table_args__ = (
        measure_check(),
        CheckConstraint(f"kind IN {INTERCEPTION_KINDS}", name="kind_known"),
        CheckConstraint(f"status IN {SPACE_STATUSES}", name="status_known"),
        CheckConstraint("capacity_m3 IS NULL OR capacity_m3 >= 0", name="capacity_nonnegative"),
        CheckConstraint("holding_h IS NULL OR holding_h >= 0", name="holding_nonnegative"),
        CheckConstraint(
            "capacity_m3 IS NOT NULL OR holding_h IS NOT NULL", name="capacity_or_holding"
        ),
        CheckConstraint(
            "access_road_km IS NULL OR access_road_km >= 0", name="access_road_nonnegative"
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    capacity_m3: Mapped[float | None] = mapped_column(Float)
    #: available / needs_recheck (e.g. a pond that became a fish farm) / unavailable.
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="available",
                                        server_default="available")
    last_survey_on: Mapped[date | None] = mapped_column(Date)
    row_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1,
                                             server_default="1")
    holding_h: Mapped[float | None] = mapped_column(Float)
    techniques: Mapped[list[str]] = mapped_column(ARRAY(String(20)), nullable=False, default=list)
    access: Mapped[str] = mapped_column(Text, nullable=False, default="")
    access_road_km: Mapped[float | None] = mapped_column(Float)
    geom = mapped_column(geometry("POINT"), nullable=False)

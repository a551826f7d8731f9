"""Risk enterprises and the hazardous substances they hold."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webgis.models.base import Model, NamedFeature, geometry

RISK_LEVELS = ("major", "larger", "general")


class Enterprise(NamedFeature, Model):
    """A plant with hazardous substances; its outfall is linearly referenced to a reach."""

    __tablename__ = "enterprise"
    __table_args__ = (
        CheckConstraint(f"risk_level IN {RISK_LEVELS}", name="risk_level_known"),
        CheckConstraint("outfall_measure >= 0 AND outfall_measure <= 1", name="measure_0_1"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    industry: Mapped[str] = mapped_column(Text, nullable=False)
    risk_level: Mapped[str] = mapped_column(String(10), nullable=False)
    plan_filed: Mapped[bool] = mapped_column(Boolean, nullable=False)
    fictitious: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    adcode: Mapped[str | None] = mapped_column(String(12))
    outfall_reach_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("reach.id"), nullable=False, index=True
    )
    outfall_measure: Mapped[float] = mapped_column(Float, nullable=False)
    geom = mapped_column(geometry("POINT"), nullable=False)
    row_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1,
                                             server_default="1")
    substances: Mapped[list[EnterpriseSubstance]] = relationship(
        back_populates="enterprise", cascade="all, delete-orphan"
    )


class EnterpriseSubstance(Model):
    """The maximum quantity of one pollutant an enterprise holds."""

    __tablename__ = "enterprise_substance"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "pollutant_id", name="uq_substance_enterprise_pollutant"),
        CheckConstraint("max_t >= 0", name="max_t_nonnegative"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("enterprise.id", ondelete="CASCADE"), nullable=False, index=True
    )
    pollutant_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("pollutant.id"), nullable=False, index=True
    )
    max_t: Mapped[float] = mapped_column(Float, nullable=False)
    enterprise: Mapped[Enterprise] = relationship(back_populates="substances")

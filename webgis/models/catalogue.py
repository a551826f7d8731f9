"""Pollutant library and the depot material catalogue."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Float, Integer, String, Text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from webgis.models.base import Model, NamedFeature

POLLUTANT_CLASSES = (
    "heavy_metal",
    "metalloid",
    "oil",
    "volatile_organic",
    "organic",
    "acid_alkali",
    "cyanide",
    "nutrient",
    "oxygen_demand",
    "other",
)
BEHAVIOURS = ("dissolves", "floats", "sinks", "volatile")


class Pollutant(NamedFeature, Model):
    """A substance with its class, GB 3838-2002 limits, behaviour and decay."""

    __tablename__ = "pollutant"
    __table_args__ = (
        CheckConstraint(f"pclass IN {POLLUTANT_CLASSES}", name="pclass_known"),
        CheckConstraint(f"behaviour IN {BEHAVIOURS}", name="behaviour_known"),
        CheckConstraint(
            "limit_class3_mgl IS NULL OR limit_class3_mgl > 0", name="limit_class3_positive"
        ),
        CheckConstraint(
            "limit_source_mgl IS NULL OR limit_source_mgl > 0", name="limit_source_positive"
        ),
        CheckConstraint("decay_per_day >= 0", name="decay_nonnegative"),
        CheckConstraint(
            "limit_class2_mgl IS NULL OR limit_class2_mgl > 0", name="limit_class2_positive"
        ),
        CheckConstraint(
            "limit_source_table IS NULL OR limit_source_table IN (2, 3)",
            name="limit_source_table_known",
        ),
        CheckConstraint("volatilisation_m_per_day >= 0", name="volatilisation_nonnegative"),
        CheckConstraint(
            "solubility_mgl IS NULL OR solubility_mgl > 0", name="solubility_positive"
        ),
        CheckConstraint(
            "species_factor > 0 AND species_factor <= 1", name="species_factor_range"
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cas: Mapped[str | None] = mapped_column(String(20))
    pclass: Mapped[str] = mapped_column(String(20), nullable=False)
    limit_class3_mgl: Mapped[float | None] = mapped_column(Float)
    limit_source_mgl: Mapped[float | None] = mapped_column(Float)
    limit_basis: Mapped[str] = mapped_column(Text, nullable=False, default="")
    behaviour: Mapped[str] = mapped_column(String(10), nullable=False)
    decay_per_day: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    # GB 3838-2002 Table 1 Class II (intakes); which table limit_source_mgl comes from
    limit_class2_mgl: Mapped[float | None] = mapped_column(Float)
    limit_source_table: Mapped[int | None] = mapped_column(Integer)
    # two-film volatilisation velocity (m/day), divided by the local depth by the model
    volatilisation_m_per_day: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    solubility_mgl: Mapped[float | None] = mapped_column(Float)
    # the regulated species and the factor from spilled mass to it (1 = the same)
    species_zh: Mapped[str | None] = mapped_column(Text)
    species_en: Mapped[str | None] = mapped_column(Text)
    species_factor: Mapped[float] = mapped_column(Float, nullable=False, default=1.0)
    techniques_zh: Mapped[str | None] = mapped_column(Text)
    techniques_en: Mapped[str | None] = mapped_column(Text)


class Material(NamedFeature, Model):
    """An emergency material; `serves` lists the pollutant classes it treats ([] = all)."""

    __tablename__ = "material"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit: Mapped[str] = mapped_column(String(20), nullable=False)
    serves: Mapped[list[str]] = mapped_column(ARRAY(String(20)), nullable=False, default=list)

"""Rivers and the routable reach network."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from webgis.extensions import db
from webgis.models.base import Model, NamedFeature, geometry

BASINS = ("yellow", "yangtze", "inland")
END_KINDS = ("outlet", "terminal_lake")


class River(NamedFeature, Model):
    """A river; `is_key` marks Gansu's 88 key rivers (others are kept for routing)."""

    __tablename__ = "river"
    __table_args__ = (
        CheckConstraint(f"basin IN {BASINS}", name="basin_known"),
        CheckConstraint("plan_batch IS NULL OR plan_batch IN (1, 2)", name="plan_batch_1_2"),
        CheckConstraint("length_km IS NULL OR length_km > 0", name="length_positive"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    basin: Mapped[str] = mapped_column(String(10), nullable=False)
    receiving_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("river.id", deferrable=True, initially="DEFERRED")
    )
    receiving_name_zh: Mapped[str | None] = mapped_column(Text)
    is_key: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    plan_batch: Mapped[int | None] = mapped_column(Integer)
    length_km: Mapped[float | None] = mapped_column(Float)


class Reach(Model):
    """A stretch of river in flow direction, linked to the reach it drains into."""

    __tablename__ = "reach"
    __table_args__ = (
        CheckConstraint("length_m > 0", name="length_positive"),
        CheckConstraint("discharge_m3s > 0", name="discharge_positive"),
        CheckConstraint(
            "factor_dry > 0 AND factor_normal > 0 AND factor_flood > 0", name="factors_positive"
        ),
        CheckConstraint("velocity_mps IS NULL OR velocity_mps > 0", name="velocity_positive"),
        CheckConstraint("width_m IS NULL OR width_m > 0", name="width_positive"),
        CheckConstraint("depth_m IS NULL OR depth_m > 0", name="depth_positive"),
        CheckConstraint("slope IS NULL OR slope > 0", name="slope_positive"),
        CheckConstraint("volume_m3 IS NULL OR volume_m3 >= 0", name="volume_nonnegative"),
        CheckConstraint("NOT is_reservoir OR volume_m3 IS NOT NULL", name="reservoir_volume"),
        CheckConstraint(f"end_kind IS NULL OR end_kind IN {END_KINDS}", name="end_kind_known"),
        CheckConstraint("downstream_id IS NULL OR downstream_id <> id", name="not_self_downstream"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    river_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("river.id"), nullable=False, index=True
    )
    downstream_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("reach.id", deferrable=True, initially="DEFERRED"), index=True
    )
    end_kind: Mapped[str | None] = mapped_column(String(20))
    length_m: Mapped[float] = mapped_column(Float, nullable=False)
    discharge_m3s: Mapped[float] = mapped_column(Float, nullable=False)
    factor_dry: Mapped[float] = mapped_column(Float, nullable=False)
    factor_normal: Mapped[float] = mapped_column(Float, nullable=False)
    factor_flood: Mapped[float] = mapped_column(Float, nullable=False)
    velocity_mps: Mapped[float | None] = mapped_column(Float)
    width_m: Mapped[float | None] = mapped_column(Float)
    depth_m: Mapped[float | None] = mapped_column(Float)
    slope: Mapped[float | None] = mapped_column(Float)
    is_reservoir: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    reservoir_name_zh: Mapped[str | None] = mapped_column(Text)
    volume_m3: Mapped[float | None] = mapped_column(Float)
    province: Mapped[str | None] = mapped_column(String(12))
    source: Mapped[str] = mapped_column(Text, nullable=False, default="")
    geom = mapped_column(geometry("LINESTRING"), nullable=False)


class DatasetLayer(Model):
    """What was last loaded per layer: a content hash, so a second load changes nothing."""

    __tablename__ = "dataset_layer"
    layer: Mapped[str] = mapped_column(String(40), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    feature_count: Mapped[int] = mapped_column(Integer, nullable=False)
    loaded_at = mapped_column(db.DateTime(timezone=True), nullable=False)

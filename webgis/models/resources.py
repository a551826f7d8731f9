"""Depots with their stock, and rescue teams."""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webgis.models.base import Model, NamedFeature, geometry

DEPOT_KINDS = ("provincial", "basin")
DEPOT_STATUSES = ("operational", "planned", "under_construction")


class Depot(NamedFeature, Model):
    """An emergency material depot."""

    __tablename__ = "depot"
    __table_args__ = (
        CheckConstraint(f"kind IN {DEPOT_KINDS}", name="kind_known"),
        CheckConstraint(f"status IN {DEPOT_STATUSES}", name="status_known"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    operator: Mapped[str] = mapped_column(Text, nullable=False, default="")
    address: Mapped[str] = mapped_column(Text, nullable=False, default="")
    adcode: Mapped[str | None] = mapped_column(String(12))
    contact_name: Mapped[str] = mapped_column(Text, nullable=False, default="")
    contact_phone: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    fictitious_contact: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    geom = mapped_column(geometry("POINT"), nullable=False)
    inventory: Mapped[list[Inventory]] = relationship(
        back_populates="depot", cascade="all, delete-orphan"
    )


class Inventory(Model):
    """One material's stock in one depot."""

    __tablename__ = "inventory"
    __table_args__ = (
        UniqueConstraint("depot_id", "material_id", name="uq_inventory_depot_material"),
        CheckConstraint("quantity >= 0", name="quantity_nonnegative"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    depot_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("depot.id", ondelete="CASCADE"), nullable=False, index=True
    )
    material_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("material.id"), nullable=False, index=True
    )
    quantity: Mapped[float] = mapped_column(Float, nullable=False)
    #: Materials that expire (e.g. activated carbon in opened bags, reagents).
    expires_on: Mapped[date | None] = mapped_column(Date)
    last_checked_on: Mapped[date | None] = mapped_column(Date)
    row_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1,
                                             server_default="1")
    depot: Mapped[Depot] = relationship(back_populates="inventory")


class RescueTeam(NamedFeature, Model):
    """An environmental emergency rescue team."""

    __tablename__ = "rescue_team"
    __table_args__ = (CheckConstraint("headcount >= 0", name="headcount_nonnegative"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    base: Mapped[str] = mapped_column(Text, nullable=False, default="")
    adcode: Mapped[str | None] = mapped_column(String(12))
    headcount: Mapped[int] = mapped_column(Integer, nullable=False)
    specialities: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, default=list)
    equipment: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, default=list)
    contact_name: Mapped[str] = mapped_column(Text, nullable=False, default="")
    contact_phone: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    fictitious_contact: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    geom = mapped_column(geometry("POINT"), nullable=False)
    row_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1,
                                             server_default="1")

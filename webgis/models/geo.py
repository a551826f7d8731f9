"""Administrative areas and named places (base map, search, boundary crossings)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from webgis.models.base import Model, NamedFeature, geometry

ADMIN_LEVELS = ("province", "prefecture", "new_district")
PLACE_KINDS = ("capital", "prefecture_seat", "county_seat", "town")


class AdminArea(NamedFeature, Model):
    """A province, prefecture-level division or new district; `code` is the adcode."""

    __tablename__ = "admin_area"
    __table_args__ = (
        CheckConstraint(f"level IN {ADMIN_LEVELS}", name="level_known"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    level: Mapped[str] = mapped_column(String(20), nullable=False)
    parent_code: Mapped[str | None] = mapped_column(String(40))
    geom = mapped_column(geometry("MULTIPOLYGON"), nullable=False)


class Place(NamedFeature, Model):
    """A city, county seat or town: labels on the offline base map and search targets."""

    __tablename__ = "place"
    __table_args__ = (CheckConstraint(f"kind IN {PLACE_KINDS}", name="kind_known"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    adcode: Mapped[str | None] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(Text)
    geom = mapped_column(geometry("POINT"), nullable=False)

"""Shared column helpers for the models."""

from __future__ import annotations

from typing import TYPE_CHECKING

from geoalchemy2 import Geometry
from sqlalchemy import CheckConstraint, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from webgis.extensions import db

if TYPE_CHECKING:  # Flask-SQLAlchemy builds `db.Model` at run time; mypy sees its shape
    from sqlalchemy.orm import DeclarativeBase

    class Model(DeclarativeBase):
        """The declarative base of every table (`db.Model` at run time)."""

else:
    Model = db.Model

CODE_LEN = 40


def geometry(kind: str) -> Geometry:
    """A SRID 4326 geometry column with a GiST index."""
    return Geometry(geometry_type=kind, srid=4326, spatial_index=True)


class NamedFeature:
    """Code, bilingual names and provenance: every feature of the reference dataset has them."""

    code: Mapped[str] = mapped_column(String(CODE_LEN), unique=True, nullable=False)
    name_zh: Mapped[str] = mapped_column(Text, nullable=False)
    name_en: Mapped[str] = mapped_column(Text, nullable=False)
    source: Mapped[str] = mapped_column(Text, nullable=False, default="")


class OnReach:
    """A point linearly referenced to a reach: distances along the river are exact."""

    @declared_attr
    def reach_id(cls) -> Mapped[int]:  # noqa: N805
        return mapped_column(Integer, ForeignKey("reach.id"), nullable=False, index=True)

    measure: Mapped[float] = mapped_column(Float, nullable=False)


def measure_check() -> CheckConstraint:
    """The CHECK every linearly referenced table carries."""
    return CheckConstraint("measure >= 0 AND measure <= 1", name="measure_0_1")

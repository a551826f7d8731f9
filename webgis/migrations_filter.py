"""What Alembic compares: our tables, not the ones PostGIS creates itself."""

from __future__ import annotations

from typing import Any

from geoalchemy2 import alembic_helpers

POSTGIS_TABLES = {"spatial_ref_sys", "topology", "layer"}


def include_object(obj: Any, name: str | None, type_: str, reflected: bool,
                   compare_to: Any) -> bool:
    """Skip PostGIS's own tables; let GeoAlchemy2 skip its implicit spatial indexes."""
    if type_ == "table" and name in POSTGIS_TABLES:
        return False
    return alembic_helpers.include_object(obj, name, type_, reflected, compare_to)

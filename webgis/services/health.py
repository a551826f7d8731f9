"""Liveness: the database's and PostGIS' versions and what each layer holds."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text

from webgis.services.layers import layer_counts
from webgis.services.uow import reading


@dataclass(frozen=True, slots=True)
class Health:
    """What `/healthz` reports when the database answers."""

    postgresql: str
    postgis: str
    counts: dict[str, int]


def health() -> Health:
    """Versions and per-layer counts; raises `sqlalchemy.exc.SQLAlchemyError` (after rolling
    the session back) when the database is down, which the edge answers with a 503."""
    with reading() as session:
        pg = session.scalar(text("SHOW server_version"))
        postgis = session.scalar(text("SELECT postgis_lib_version()"))
        return Health(str(pg), str(postgis), layer_counts(session))

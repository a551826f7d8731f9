"""Incidents and drills as officers work on them (issue 14): the incident, its forecasts,
its append-only event log and its monitoring readings.

An incident's `version` rises with every write to it or to anything under it; every write
request carries the version it read (`webgis.services.incident_write`), so a stale write is
refused instead of silently overwriting. The event log is append-only in the database
itself (a trigger refuses UPDATE, DELETE and TRUNCATE, migration `i14a_living_incident`).
"""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from webgis.models.base import Model, geometry

INCIDENT_KINDS = ("incident", "drill")
#: reported → responding → monitoring → closed (`webgis.services` decides the transitions).
INCIDENT_STATUSES = ("reported", "responding", "monitoring", "closed")
#: What the timeline records. Checked when an event is recorded, not by the database, so a
#: new part of the product adds its kinds here without a migration.
EVENT_KINDS = (
    "created", "facts_revised", "analysis_rerun", "status_changed", "level_changed",
    "reading_entered", "report_drafted", "report_issued", "alert_sent",
    "alert_acknowledged", "alert_ended", "dispatch_created", "dispatch_status",
    "plan_step_done", "plan_step_undone", "closed", "comment",
    "report_edited",
)
READING_STATION_KINDS = ("section", "intake", "point")
READING_SOURCES = ("hand", "file", "station")


class Incident(Model):
    """An incident (or a drill): its current facts, request and forecast, its state and the
    version every write checks."""

    __tablename__ = "incident"
    __table_args__ = (
        CheckConstraint(f"kind IN {INCIDENT_KINDS}", name="kind_known"),
        CheckConstraint(f"status IN {INCIDENT_STATUSES}", name="status_known"),
        UniqueConstraint("created_by_id", "client_key"),
        Index("ix_incident_kind_created", "kind", "created_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), nullable=False, default="incident")
    title: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    created_by_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("user_account.id"))
    river_code: Mapped[str | None] = mapped_column(String(40))
    pollutant_code: Mapped[str | None] = mapped_column(String(40))
    #: The current analysis request and its result (the latest revision's).
    request = mapped_column(JSONB, nullable=False)
    result = mapped_column(JSONB, nullable=False)
    geom = mapped_column(geometry("POINT"), nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="reported",
                                        server_default="reported")
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1,
                                         server_default="1")
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    discovered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: The facts as the officers know them now (what the request was built from, plus
    #: casualties, evacuation, losses, discovery time...).
    facts = mapped_column(JSONB, nullable=False, default=dict,
                          server_default=text("'{}'::jsonb"))
    #: The browser's key of a save: the same key from the same creator returns the first
    #: incident instead of making a duplicate.
    client_key: Mapped[str | None] = mapped_column(String(64))


class IncidentRevision(Model):
    """One forecast of an incident: the facts, the request built from them and the result.
    Revision 1 is the first save; every change of the facts adds one."""

    __tablename__ = "incident_revision"
    __table_args__ = (UniqueConstraint("incident_id", "revision_no"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(Integer, ForeignKey("incident.id"),
                                             nullable=False)
    revision_no: Mapped[int] = mapped_column(Integer, nullable=False)
    facts = mapped_column(JSONB, nullable=False)
    request = mapped_column(JSONB, nullable=False)
    result = mapped_column(JSONB, nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    created_by_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("user_account.id"))


class IncidentEvent(Model):
    """One line of an incident's timeline: who did what, when. Never changed, never
    deleted (the database refuses)."""

    __tablename__ = "incident_event"
    __table_args__ = (UniqueConstraint("incident_id", "seq"),)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    incident_id: Mapped[int] = mapped_column(Integer, ForeignKey("incident.id"),
                                             nullable=False)
    #: 1, 2, 3... per incident: clients ask for the events after the last seq they saw.
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                         server_default=func.now())
    actor_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("user_account.id"))
    actor_name: Mapped[str] = mapped_column(Text, nullable=False)
    actor_role: Mapped[str] = mapped_column(String(20), nullable=False)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    summary: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")
    payload = mapped_column(JSONB, nullable=False, default=dict,
                            server_default=text("'{}'::jsonb"))


class IncidentReading(Model):
    """A monitoring result: a concentration at a section, an intake or any point snapped to
    the river (`reach_code` + `measure_m`), in mg/L; below the detection limit it is
    censored (`below_detection`, `value_mg_l` = the limit)."""

    __tablename__ = "incident_reading"
    __table_args__ = (
        CheckConstraint(f"station_kind IN {READING_STATION_KINDS}", name="station_kind"),
        CheckConstraint(f"source IN {READING_SOURCES}", name="source"),
        CheckConstraint("value_mg_l >= 0", name="not_negative"),
        CheckConstraint("detection_limit_mg_l IS NULL OR detection_limit_mg_l > 0",
                        name="detection_limit_positive"),
        Index("ix_incident_reading_station", "incident_id", "station_kind", "station_code",
              "sampled_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(Integer, ForeignKey("incident.id"),
                                             nullable=False)
    station_kind: Mapped[str] = mapped_column(String(10), nullable=False)
    station_code: Mapped[str | None] = mapped_column(String(60))
    reach_code: Mapped[str] = mapped_column(String(60), nullable=False)
    measure_m: Mapped[float] = mapped_column(Float, nullable=False)
    lon: Mapped[float] = mapped_column(Float, nullable=False)
    lat: Mapped[float] = mapped_column(Float, nullable=False)
    geom = mapped_column(Geometry(geometry_type="POINT", srid=4326, spatial_index=False),
                         nullable=False)
    sampled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    pollutant_code: Mapped[str] = mapped_column(String(40), nullable=False)
    value_mg_l: Mapped[float] = mapped_column(Float, nullable=False)
    below_detection: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                                  server_default="false")
    detection_limit_mg_l: Mapped[float | None] = mapped_column(Float)
    qa_flag: Mapped[str] = mapped_column(String(20), nullable=False, default="ok",
                                         server_default="ok")
    source: Mapped[str] = mapped_column(String(10), nullable=False)
    entered_by_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("user_account.id"))
    entered_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )

"""Screening runs: the job row (a queue in PostGIS), its spills and what they reach.

A job is claimed by a runner with ``SELECT ... FOR UPDATE SKIP LOCKED`` (webgis.services.
screening_jobs); its results are written in bulk per chunk and only count once the job is
``done`` (a cancelled or failed job's hits are deleted in the same transaction that marks
it). ``run_key`` (dataset version + parameters) makes a run reusable: at most one queued,
running or done job per key (a partial unique index).
"""

from __future__ import annotations

from datetime import datetime

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
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from webgis.models.base import Model

JOB_STATUSES = ("queued", "running", "done", "failed", "cancelled")
JOB_KINDS = ("province", "area")
LIVE_STATUSES = ("queued", "running", "done")


class ScreeningJob(Model):
    """One screening run: parameters, state, progress, who and when."""

    __tablename__ = "screening_job"
    __table_args__ = (
        CheckConstraint(f"status IN {JOB_STATUSES}", name="status_known"),
        CheckConstraint(f"kind IN {JOB_KINDS}", name="kind_known"),
        CheckConstraint("progress >= 0 AND progress <= 1", name="progress_0_1"),
        Index("uq_screening_job_live_key", "run_key", unique=True,
              postgresql_where=text(f"status IN {LIVE_STATUSES}")),
        Index("ix_screening_job_queued", "created_at",
              postgresql_where=text("status = 'queued'")),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="queued")
    run_key: Mapped[str] = mapped_column(String(64), nullable=False)
    dataset_key: Mapped[str] = mapped_column(String(64), nullable=False)
    parameters = mapped_column(JSONB, nullable=False)
    progress: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    spills_total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    spills_done: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    chunks_total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    chunks_done: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now())
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("user_account.id", ondelete="SET NULL"))
    created_by_name: Mapped[str] = mapped_column(Text, nullable=False, default="")
    cancelled_by_name: Mapped[str | None] = mapped_column(Text)
    runner: Mapped[str | None] = mapped_column(Text)  # host:pid of the claiming runner
    engine: Mapped[str | None] = mapped_column(Text)  # "local (2 workers)" | scheduler
    error: Mapped[str | None] = mapped_column(Text)
    failed_chunks = mapped_column(JSONB)


class ScreeningSpill(Model):
    """One credible release of a run: who, what, how much and where."""

    __tablename__ = "screening_spill"
    job_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("screening_job.id", ondelete="CASCADE"), primary_key=True)
    spill_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_code: Mapped[str] = mapped_column(String(40), nullable=False)
    enterprise_name: Mapped[str] = mapped_column(Text, nullable=False)
    industry: Mapped[str] = mapped_column(Text, nullable=False)
    pollutant_code: Mapped[str] = mapped_column(String(40), nullable=False)
    season: Mapped[str] = mapped_column(String(10), nullable=False)
    stored_t: Mapped[float] = mapped_column(Float, nullable=False)
    storage: Mapped[str] = mapped_column(String(12), nullable=False)
    fraction: Mapped[float] = mapped_column(Float, nullable=False)
    mass_kg: Mapped[float] = mapped_column(Float, nullable=False)
    capped: Mapped[bool] = mapped_column(Boolean, nullable=False)
    reach_code: Mapped[str] = mapped_column(String(40), nullable=False)
    measure: Mapped[float] = mapped_column(Float, nullable=False)
    lon: Mapped[float] = mapped_column(Float, nullable=False)
    lat: Mapped[float] = mapped_column(Float, nullable=False)


class ScreeningHit(Model):
    """A receptor one spill reaches by the horizon (worst case): the screening's result."""

    __tablename__ = "screening_hit"
    __table_args__ = (
        Index("ix_screening_hit_job_receptor", "job_id", "receptor_code"),
        Index("ix_screening_hit_job_spill", "job_id", "spill_no"),
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    job_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("screening_job.id", ondelete="CASCADE"), nullable=False)
    spill_no: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    receptor_code: Mapped[str] = mapped_column(String(80), nullable=False)
    river_code: Mapped[str] = mapped_column(String(40), nullable=False)
    river_km: Mapped[float] = mapped_column(Float, nullable=False)
    arrival_h: Mapped[float] = mapped_column(Float, nullable=False)
    peak_mgl: Mapped[float] = mapped_column(Float, nullable=False)
    limit_mgl: Mapped[float | None] = mapped_column(Float)
    ratio: Mapped[float | None] = mapped_column(Float)
    exceed_h: Mapped[float | None] = mapped_column(Float)  # None: not modelled (flagged)
    flagged: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # still above the limit at the horizon: ``exceed_h`` (counted to the horizon) is a
    # lower bound
    exceed_beyond_horizon: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=text("false"))
    population_served: Mapped[int | None] = mapped_column(Integer)

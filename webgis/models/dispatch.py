"""Dispatches of depot materials and rescue teams to a target on an incident's path, the
accounts of each field team, and the incident's plan checklist (issue 14, items 6 and 7).

A dispatch moves ``dispatched → en_route → on_site → deployed → returned`` (the rules are
`webgis.response.dispatch`); each status has its own time column, so "when did it get
there" is a column, not a search through the timeline (which records who did it:
``dispatch_status`` events). Materials leave the depot's stock when the dispatch is
created and what was not consumed goes back on return, in the same transaction
(`webgis.services.dispatch`).

A field team's accounts are linked to their team by `TeamMember` (one team per account):
a field team may move the status of its own team's dispatches only.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webgis.models.base import Model

#: In order; `webgis.response.dispatch.TRANSITIONS` says which moves are allowed.
DISPATCH_STATUSES = ("dispatched", "en_route", "on_site", "deployed", "returned")


class Dispatch(Model):
    """Materials from one depot and/or one team sent to one target of an incident."""

    __tablename__ = "dispatch"
    __table_args__ = (
        CheckConstraint(f"status IN {DISPATCH_STATUSES}", name="status_known"),
        CheckConstraint("depot_id IS NOT NULL OR team_id IS NOT NULL",
                        name="depot_or_team"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(Integer, ForeignKey("incident.id"),
                                             nullable=False, index=True)
    depot_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("depot.id"))
    team_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("rescue_team.id"),
                                                index=True)
    #: The receptor it goes to (an interception point or another station on the path), as
    #: the forecast of the moment named and placed it; the ETA against the plume is worked
    #: out from the current forecast when read.
    target_code: Mapped[str] = mapped_column(String(60), nullable=False)
    target_name: Mapped[str] = mapped_column(Text, nullable=False, default="")
    target_kind: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    target_lon: Mapped[float] = mapped_column(Float, nullable=False)
    target_lat: Mapped[float] = mapped_column(Float, nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="dispatched")
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_by_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("user_account.id"))
    dispatched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                    server_default=func.now())
    en_route_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    on_site_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deployed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    returned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lines: Mapped[list[DispatchLine]] = relationship(
        back_populates="dispatch", cascade="all, delete-orphan", order_by="DispatchLine.id")


class DispatchLine(Model):
    """One material of a dispatch: how much left the depot and, on return, how much was
    used (the rest went back into the depot's stock)."""

    __tablename__ = "dispatch_line"
    __table_args__ = (
        UniqueConstraint("dispatch_id", "material_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("used IS NULL OR (used >= 0 AND used <= quantity)",
                        name="used_within_quantity"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dispatch_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("dispatch.id", ondelete="CASCADE"), nullable=False, index=True)
    material_id: Mapped[int] = mapped_column(Integer, ForeignKey("material.id"),
                                             nullable=False)
    quantity: Mapped[float] = mapped_column(Float, nullable=False)
    #: Set on return (None before): consumed on site, not returned to stock.
    used: Mapped[float | None] = mapped_column(Float)
    dispatch: Mapped[Dispatch] = relationship(back_populates="lines")


class TeamMember(Model):
    """A field-team account's team: it sees and moves that team's dispatches."""

    __tablename__ = "team_member"
    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    team_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("rescue_team.id", ondelete="CASCADE"), nullable=False, index=True)


class PlanTick(Model):
    """A plan step of an incident ticked (or unticked again): the current state of the
    checklist; every tick and untick is also an event in the timeline."""

    __tablename__ = "incident_plan_tick"
    __table_args__ = (UniqueConstraint("incident_id", "phase", "step_order"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(Integer, ForeignKey("incident.id"),
                                             nullable=False)
    phase: Mapped[str] = mapped_column(String(10), nullable=False)
    step_order: Mapped[int] = mapped_column(Integer, nullable=False)
    done: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                         server_default=func.now())
    by_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("user_account.id"))
    by_name: Mapped[str] = mapped_column(Text, nullable=False, default="")

"""Reports to the authorities on an incident (issue 14 item 4): 初报, 续报 and
处理结果报告 of the 2011 reporting measures (突发环境事件信息报告办法, MEP Order No. 17,
Art. 12-14).

A report is drafted from the incident, edited while it is a draft, then issued by a
leader. Once issued it never changes: the service refuses (409) and the database refuses
UPDATE and DELETE of an issued row (trigger, migration `s5c_incident_reports`). A
correction is a new report of the same kind whose `corrects_id` names the one it corrects.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from webgis.models.base import Model

#: initial = 初报, followup = 续报, final = 处理结果报告 (Art. 12).
REPORT_KINDS = ("initial", "followup", "final")
REPORT_STATUSES = ("draft", "issued")


class IncidentReport(Model):
    """One report: its kind and number (per incident and kind), its document number, its
    sections (`content`, one text per section of its kind) and who drafted and issued it."""

    __tablename__ = "incident_report"
    __table_args__ = (
        CheckConstraint(f"kind IN {REPORT_KINDS}", name="kind_known"),
        CheckConstraint(f"status IN {REPORT_STATUSES}", name="status_known"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("status = 'draft' OR (issued_at IS NOT NULL)", name="issued_has_time"),
        UniqueConstraint("incident_id", "kind", "number"),
        UniqueConstraint("doc_no"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(Integer, ForeignKey("incident.id"),
                                             nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    #: 1, 2, 3... per incident and kind (续报 No. 2); corrections take the next number.
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    #: The document number printed on the report (``webgis.services.reports.doc_no``).
    doc_no: Mapped[str] = mapped_column(String(40), nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="draft",
                                        server_default="draft")
    title: Mapped[str] = mapped_column(Text, nullable=False)
    #: Section key -> text (the sections of the kind, `webgis.services.report_draft`).
    content = mapped_column(JSONB, nullable=False, default=dict,
                            server_default=text("'{}'::jsonb"))
    #: The level reported (I-IV) and how (I/II or III/IV procedure, Art. 3-4).
    level: Mapped[str | None] = mapped_column(String(4))
    report_as: Mapped[str | None] = mapped_column(String(8))
    #: The incident's forecast revision the draft was made from (its sketch map).
    revision_no: Mapped[int | None] = mapped_column(Integer)
    corrects_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("incident_report.id"))
    drafted_by_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("user_account.id"))
    drafted_by: Mapped[str] = mapped_column(Text, nullable=False, default="",
                                            server_default="")
    drafted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                 server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                 server_default=func.now())
    issued_by_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("user_account.id"))
    issued_by: Mapped[str | None] = mapped_column(Text)
    issued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

"""Request and response models of the incident reports (issue 14 item 4): draft, edit and
issue a report, the list with the reporting clock. Every write carries the incident
version it read (``expected_version``)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, StringConstraints

ReportKind = Literal["initial", "followup", "final"]
Version = Annotated[int, Strict(), Field(ge=0, le=2_000_000_000)]
#: One section's text (the service also refuses keys that are no section of the kind).
SectionText = Annotated[str, Strict(), Field(max_length=20_000)]
SectionKey = Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}$")]


class DraftReport(BaseModel):
    """``POST /api/v1/incidents/<id>/reports``: draft the next report of ``kind`` from the
    incident, or (``corrects``: an issued report's id) a correction of that report."""

    kind: ReportKind | None = None
    corrects: Annotated[int, Strict(), Field(ge=1)] | None = None
    expected_version: Version


class EditReport(BaseModel):
    """``PUT /api/v1/incidents/<id>/reports/<rid>``: new text of some sections of a draft
    (keys of its kind), and optionally its title."""

    content: dict[SectionKey, SectionText] = Field(default_factory=dict)
    title: Annotated[str, Strict(), StringConstraints(strip_whitespace=True, min_length=1,
                                                      max_length=200)] | None = None
    expected_version: Version


class IssueReport(BaseModel):
    """``POST /api/v1/incidents/<id>/reports/<rid>/issue``: issue the draft (a leader)."""

    expected_version: Version


class ReportSection(BaseModel):
    key: str
    heading: str
    heading_en: str
    text: str


class ReportRow(BaseModel):
    """A report: kind and numbers, status, its sections, who drafted and issued it, and
    the links of its DOCX and PDF."""

    id: int
    incident_id: int
    kind: ReportKind
    kind_name: str
    kind_name_en: str
    number: int
    doc_no: str
    status: Literal["draft", "issued"]
    title: str
    level: str | None
    report_as: str | None
    revision_no: int | None
    corrects: int | None
    corrects_doc_no: str | None
    drafted_by: str
    drafted_at: str | None
    updated_at: str | None
    issued_by: str | None
    issued_at: str | None
    sections: list[ReportSection]
    files: dict[str, str]


class ReportClock(BaseModel):
    """Which report is due next (``next`` null: none) and when, from which rule."""

    model_config = ConfigDict(extra="allow")

    level: str | None
    report_as: str | None
    status: str
    discovered_at: str | None
    next: Literal["initial", "followup", "final"] | None
    due_at: str | None
    overdue: bool = False
    seconds_left: int | None = None
    rule: str | None
    basis_zh: str
    basis_en: str
    province_to_mee_due_at: str | None


class ReportList(BaseModel):
    """``GET /api/v1/incidents/<id>/reports``: the reports, oldest first, and the clock."""

    incident_id: int
    version: int
    clock: ReportClock
    reports: list[ReportRow]


class ReportFileQuery(BaseModel):
    """Path value of a report file: its format."""

    fmt: Literal["docx", "pdf"]



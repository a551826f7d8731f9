"""Reports on an incident: draft (duty officer), edit the draft, issue (a leader), list
with the reporting clock, read, and render as DOCX or PDF (issue 14 item 4).

The kinds, their sections and their first drafts follow the 2011 reporting measures
(`webgis.services.report_draft`); the clock, `webgis.services.report_clock`. Every write
opens the incident with the version the officer read (`open_for_write`: a stale write is
409) and appends its event (``report_drafted``, ``report_edited``, ``report_issued``) in
the same unit of work. An issued report never changes: editing or issuing it again is a
`Conflict` here, and the database refuses an UPDATE or DELETE of it anyway (trigger); a
correction is a new report of the same kind naming the one it corrects (``corrects``).

Numbers: 1, 2, 3... per incident and kind, taken when the draft is made (at most one open
draft per kind, so no number is skipped); the document number is
``<year>-<incident id>-<CB|XB|JG>-<number, two digits>`` (初报 CB, 续报 XB, 处理结果报告 JG),
e.g. ``2026-12-XB-02`` for the second follow-up report of incident 12 drafted in 2026.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webgis.config import Settings
from webgis.errors import Conflict, NotFound, Unprocessable
from webgis.models.incident import Incident, IncidentEvent, IncidentReading, IncidentRevision
from webgis.models.report import IncidentReport
from webgis.services.actor import Actor, require_issuer
from webgis.services.incident_write import (
    ensure_open,
    event_row,
    open_for_write,
    record,
    require_incident,
)
from webgis.services.report_clock import IssuedReport, reporting_clock
from webgis.services.report_draft import (
    CST,
    KIND_CODES,
    KIND_NAMES,
    SECTIONS,
    DraftInput,
    discovered,
    draft,
)
from webgis.services.uow import reading, unit_of_work

__all__ = ["draft_report", "edit_report", "get_report", "issue_report", "list_reports",
           "report_file", "report_row"]

MAX_SECTION_CHARS = 20_000


def doc_no(incident_id: int, kind: str, number: int, at: datetime) -> str:
    """The document number (see the module's docstring)."""
    return f"{at.astimezone(CST).year}-{incident_id}-{KIND_CODES[kind]}-{number:02d}"


def report_title(kind: str, number: int, corrects: str | None = None) -> str:
    """"续报（第2号）", with "更正" and the number corrected for a correction."""
    name = KIND_NAMES[kind][0]
    title = f"{name}（第{number}号）"
    return f"{title}（更正{corrects}）" if corrects else title


def report_row(rep: IncidentReport, corrects_doc_no: str | None = None) -> dict[str, Any]:
    """A report as the API shows it, its sections in order with their headings."""
    return {
        "id": rep.id, "incident_id": rep.incident_id, "kind": rep.kind,
        "kind_name": KIND_NAMES[rep.kind][0], "kind_name_en": KIND_NAMES[rep.kind][1],
        "number": rep.number, "doc_no": rep.doc_no, "status": rep.status, "title": rep.title,
        "level": rep.level, "report_as": rep.report_as, "revision_no": rep.revision_no,
        "corrects": rep.corrects_id, "corrects_doc_no": corrects_doc_no,
        "drafted_by": rep.drafted_by, "drafted_at": _iso(rep.drafted_at),
        "updated_at": _iso(rep.updated_at), "issued_by": rep.issued_by,
        "issued_at": _iso(rep.issued_at),
        "sections": [{"key": k, "heading": zh, "heading_en": en,
                      "text": (rep.content or {}).get(k, "")}
                     for k, zh, en in SECTIONS[rep.kind]],
        "files": {fmt: f"/api/v1/incidents/{rep.incident_id}/reports/{rep.id}.{fmt}"
                  for fmt in ("docx", "pdf")},
    }


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def _report(session: Session, incident_id: int, report_id: int, *, lock: bool = False
            ) -> IncidentReport:
    query = select(IncidentReport).where(IncidentReport.id == report_id,
                                         IncidentReport.incident_id == incident_id)
    rep = session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if rep is None:
        raise NotFound("no report %(id)s on this incident", fields={"report_id": report_id},
                       params={"id": report_id})
    return rep


def _reports(session: Session, incident_id: int) -> list[IncidentReport]:
    return list(session.execute(
        select(IncidentReport).where(IncidentReport.incident_id == incident_id)
        .order_by(IncidentReport.drafted_at, IncidentReport.id)).scalars())


def _draft_input(session: Session, inc: Incident, drafter: str,
                 last: IncidentReport | None) -> DraftInput:
    """The incident, its readings and its timeline, as the drafting functions read them."""
    readings = session.execute(
        select(IncidentReading).where(IncidentReading.incident_id == inc.id)
        .order_by(IncidentReading.sampled_at)).scalars().all()
    events = session.execute(
        select(IncidentEvent).where(IncidentEvent.incident_id == inc.id)
        .order_by(IncidentEvent.seq)).scalars().all()
    return DraftInput(
        incident_id=inc.id, title=inc.title, status=inc.status, facts=dict(inc.facts or {}),
        result=inc.result or {}, discovered_at=inc.discovered_at, created_at=inc.created_at,
        readings=[{c: getattr(r, c) for c in (
            "station_kind", "station_code", "sampled_at", "pollutant_code", "value_mg_l",
            "below_detection", "qa_flag", "entered_at")} for r in readings],
        events=[event_row(e) for e in events],
        last_issued_at=last.issued_at if last else None,
        last_issued_title=last.title if last else None, drafter=drafter)


def _check_may_draft(kind: str, reports: list[IncidentReport],
                     corrected: IncidentReport | None) -> None:
    """Conflict when the incident's reports so far do not allow this draft."""
    open_ = [r for r in reports if r.kind == kind and r.status == "draft"]
    if open_:
        raise Conflict("a draft %(doc)s of this kind is open: edit or issue it first",
                       fields={"kind": f"draft {open_[0].doc_no} is open"},
                       params={"doc": open_[0].doc_no}, report_id=open_[0].id)
    issued = {r.kind for r in reports if r.status == "issued"}
    if kind != "initial" and "initial" not in issued:
        raise Conflict("issue the initial report first (Art. 13: follow-up and final "
                       "reports build on it)", fields={"kind": "no initial report issued"})
    if corrected is None and kind in ("initial", "final") and kind in issued:
        raise Conflict("this report was issued already: a correction is a new report "
                       "naming the one it corrects (corrects)",
                       fields={"kind": f"{kind} report already issued"})


def _report_write(kind: str, correction: bool) -> str:
    """What a report write is called for `ensure_open`: the final report and corrections
    are written after the close, the initial and follow-up reports before it."""
    if correction:
        return "report_correction"
    return "final_report" if kind == "final" else f"{kind}_report"


def draft_report(incident_id: int, kind: str | None, expected_version: int, actor: Actor,
                 corrects: int | None = None) -> dict[str, Any]:
    """Draft the next report of `kind` from the incident (or a correction of report
    `corrects`: same kind, its sections as the starting text); the report, 201."""
    with unit_of_work() as session:
        inc = open_for_write(session, incident_id, expected_version, actor)
        reports = _reports(session, incident_id)
        corrected = None
        if corrects is not None:
            corrected = next((r for r in reports if r.id == corrects), None)
            if corrected is None or corrected.status != "issued":
                raise Unprocessable("corrects must name an issued report of this incident",
                                    fields={"corrects": corrects})
            if kind is not None and kind != corrected.kind:
                raise Unprocessable("a correction has the kind of the report it corrects",
                                    fields={"kind": f"must be {corrected.kind}"})
            kind = corrected.kind
        if kind not in SECTIONS:
            raise Unprocessable("kind must be initial, followup or final",
                                fields={"kind": kind})
        ensure_open(inc, _report_write(kind, corrected is not None))
        _check_may_draft(kind, reports, corrected)
        number = 1 + max((r.number for r in reports if r.kind == kind), default=0)
        issued = [r for r in reports if r.status == "issued" and r.issued_at]
        last = max(issued, key=lambda r: r.issued_at or datetime.min) if issued else None
        content = (dict(corrected.content) if corrected is not None
                   else draft(kind, _draft_input(session, inc, actor.username, last)))
        lv = (inc.result or {}).get("level") or {}
        revision = session.execute(
            select(func.max(IncidentRevision.revision_no))
            .where(IncidentRevision.incident_id == incident_id)).scalar_one()
        now = datetime.now(UTC)
        rep = IncidentReport(
            incident_id=incident_id, kind=kind, number=number,
            doc_no=doc_no(incident_id, kind, number, now), status="draft",
            title=report_title(kind, number, corrected.doc_no if corrected else None),
            content=content, level=lv.get("suggested"), report_as=lv.get("report_as"),
            revision_no=revision, corrects_id=corrected.id if corrected else None,
            drafted_by_id=actor.id, drafted_by=actor.username, drafted_at=now, updated_at=now)
        session.add(rep)
        session.flush()
        record(session, inc, "report_drafted", actor, f"{rep.title} {rep.doc_no}",
               {"report_id": rep.id, "kind": kind, "number": number, "doc_no": rep.doc_no,
                "corrects": rep.corrects_id})
        return report_row(rep, corrected.doc_no if corrected else None)


_EDIT_ISSUED = "report %(doc)s was issued and cannot be edited: a correction is a new report"
_ISSUE_AGAIN = "report %(doc)s was issued already"


def _refuse_issued(rep: IncidentReport, template: str) -> None:
    if rep.status == "issued":
        raise Conflict(template, fields={"status": "issued"}, params={"doc": rep.doc_no},
                       report_id=rep.id)


def edit_report(incident_id: int, report_id: int, expected_version: int, actor: Actor,
                content: dict[str, str], title: str | None = None) -> dict[str, Any]:
    """Replace the text of the sections given (keys of the kind) in a draft; a save that
    changes nothing writes nothing (no event, the same version)."""
    with unit_of_work() as session:
        inc = open_for_write(session, incident_id, expected_version, actor)
        rep = _report(session, incident_id, report_id, lock=True)
        ensure_open(inc, _report_write(rep.kind, rep.corrects_id is not None))
        _refuse_issued(rep, _EDIT_ISSUED)
        known = {k for k, _zh, _en in SECTIONS[rep.kind]}
        bad = {f"content.{k}": "not a section of this kind of report"
               for k in content if k not in known}
        bad |= {f"content.{k}": f"at most {MAX_SECTION_CHARS} characters"
                for k, v in content.items() if k in known and len(v) > MAX_SECTION_CHARS}
        if bad:
            raise Unprocessable("invalid report sections", fields=bad)
        old = rep.content or {}
        content = {k: v for k, v in content.items() if old.get(k) != v}
        if not content and (not title or title == rep.title):
            return report_row(rep, _doc_no_of(session, rep.corrects_id))  # nothing changed
        rep.content = {**old, **content}
        if title:
            rep.title = title
        rep.updated_at = datetime.now(UTC)
        record(session, inc, "report_edited", actor, f"{rep.title} {rep.doc_no}",
               {"report_id": rep.id, "sections": sorted(content)})
        return report_row(rep, _doc_no_of(session, rep.corrects_id))


def issue_report(incident_id: int, report_id: int, expected_version: int, actor: Actor,
                 settings: Settings) -> dict[str, Any]:
    """Issue a draft (a leader, `require_issuer`): it never changes again."""
    require_issuer(actor, settings)
    with unit_of_work() as session:
        inc = open_for_write(session, incident_id, expected_version, actor)
        rep = _report(session, incident_id, report_id, lock=True)
        ensure_open(inc, _report_write(rep.kind, rep.corrects_id is not None))
        _refuse_issued(rep, _ISSUE_AGAIN)
        if rep.kind == "final" and inc.status != "closed":
            raise Conflict("close the incident before issuing the final report (Art. 12: "
                           "after the handling has ended)", fields={"status": inc.status},
                           report_id=rep.id)
        rep.status, rep.issued_by_id, rep.issued_by = "issued", actor.id, actor.username
        rep.issued_at = rep.updated_at = datetime.now(UTC)
        session.flush()
        record(session, inc, "report_issued", actor, f"{rep.title} {rep.doc_no}",
               {"report_id": rep.id, "kind": rep.kind, "number": rep.number,
                "doc_no": rep.doc_no, "corrects": rep.corrects_id})
        return report_row(rep, _doc_no_of(session, rep.corrects_id))


def _doc_no_of(session: Session, report_id: int | None) -> str | None:
    if report_id is None:
        return None
    return session.execute(select(IncidentReport.doc_no)
                           .where(IncidentReport.id == report_id)).scalar_one_or_none()


def list_reports(incident_id: int, settings: Settings, now: datetime | None = None
                 ) -> dict[str, Any]:
    """The incident's reports (oldest first) and its reporting clock now."""
    with reading() as session:
        inc = require_incident(session, incident_id)
        reports = _reports(session, incident_id)
        docs = {r.id: r.doc_no for r in reports}
        events = session.execute(
            select(IncidentEvent).where(IncidentEvent.incident_id == incident_id,
                                        IncidentEvent.kind.in_(
                                            ("closed", "status_changed", "level_changed",
                                             "facts_revised", "analysis_rerun")))
            .order_by(IncidentEvent.seq)).scalars().all()
        issued = [IssuedReport(r.kind, r.issued_at, r.level, r.report_as)
                  for r in reports if r.status == "issued" and r.issued_at]
        found = discovered(DraftInput(inc.id, inc.title, inc.status, dict(inc.facts or {}),
                                      inc.result or {}, inc.discovered_at, inc.created_at))
        clock = reporting_clock(
            level=(inc.result or {}).get("level") or {}, status=inc.status,
            discovered_at=found, issued=issued, events=[event_row(e) for e in events],
            followup_h=settings.report_followup_h, final_days=settings.report_final_days,
            now=now or datetime.now(UTC), updated_at=inc.updated_at)
        return {"incident_id": incident_id, "version": inc.version, "clock": clock,
                "reports": [report_row(r, docs.get(r.corrects_id or -1)) for r in reports]}


def get_report(incident_id: int, report_id: int) -> dict[str, Any]:
    """One report with its sections."""
    with reading() as session:
        rep = _report(session, incident_id, report_id)
        return report_row(rep, _doc_no_of(session, rep.corrects_id))


def report_file(incident_id: int, report_id: int, fmt: str) -> tuple[bytes, str, str]:
    """The report as a DOCX or PDF file: (bytes, file name, media type). Rendered from the
    stored sections only (an issued report prints the same words every time); the initial
    report's sketch map of sensitive points (Art. 13) from the forecast it was drafted on."""
    from webgis.exports.report_doc import ReportDoc
    from webgis.exports.report_files import MEDIA_TYPES, render_report

    with reading() as session:
        rep = _report(session, incident_id, report_id)
        inc = require_incident(session, incident_id)
        result = None
        if rep.kind == "initial" and rep.revision_no is not None:
            result = session.execute(
                select(IncidentRevision.result).where(
                    IncidentRevision.incident_id == incident_id,
                    IncidentRevision.revision_no == rep.revision_no)).scalar_one_or_none()
        row = report_row(rep, _doc_no_of(session, rep.corrects_id))
        doc = ReportDoc(row=row, incident_title=inc.title, incident_kind=inc.kind,
                        sketch_result=result)
    data = render_report(doc, fmt)
    return data, f"{rep.doc_no}.{fmt}", MEDIA_TYPES[fmt]

"""The printable field response sheet: A4 PDF (ReportLab), Chinese by default.

Page 1: header (incident, time, place, pollutant and mass, suggested level, reporting
deadline, issuing officer), QR code to the live incident, the situation map. Then: the
receptor table, downstream notifications, interception points in downstream order,
depots with the materials to dispatch, team assignments, the plan as a checklist with
tick boxes and due times, contacts, and the sketch map of sensitive points (Art. 13 of
the 2011 reporting measures). Every page: incident reference, page x of y, the link.
The CJK font is embedded (subset), see :mod:`webgis.exports.fonts`.
"""

from __future__ import annotations

import io
import json
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Frame,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from webgis.exports import fonts, maps, timeline
from webgis.exports.context import SheetContext, fmt_hours, fmt_num, fmt_peak, fmt_ratio, reach_code
from webgis.exports.labels import every_label, target_name
from webgis.exports.pdfkit import (
    BODY_W,
    GREY,
    GRID,
    LEVEL_COLORS,
    MARGIN,
    PAGE_H,
    PAGE_W,
    PINK,
    MapFlowable,
    NumberedCanvas,
    PilImage,
    TickBox,
)
from webgis.exports.pdfkit import para as _p
from webgis.exports.pdfkit import qr_code as _qr
from webgis.exports.pdfkit import styles as _styles
from webgis.exports.pdfkit import table as _table

MAX_DEPOTS = 8
MAX_MATERIALS = 8
MAX_TEAMS = 8

def _all_text(ctx: SheetContext) -> str:
    """Every character the PDF may print (so the embedded font covers them)."""
    parts = [json.dumps(ctx.result, ensure_ascii=False), json.dumps(ctx.request,
                                                                    ensure_ascii=False)]
    parts += [ctx.title, ctx.officer, ctx.link, json.dumps(ctx.contacts, ensure_ascii=False)]
    parts += [json.dumps(ctx.interception_details, ensure_ascii=False, default=str)]
    parts += list(ctx.sensitive_notes.values())
    parts += [json.dumps(ctx.depot_sites, ensure_ascii=False, default=str)]
    parts += [json.dumps(ctx.team_sites, ensure_ascii=False, default=str)]
    parts.append(every_label())
    parts.append(timeline.all_text(ctx))
    parts += ["0123456789:：()（）[]【】%/-—–·.,，、。 "]
    return "".join(parts)


def _stamp(at: datetime | None, zone_of: datetime | None) -> str:
    """A date-time in the time zone of ``zone_of`` (the release start), or a dash."""
    if at is None:
        return "—"
    if zone_of is not None:
        at = at.astimezone(zone_of.tzinfo)
    return at.strftime("%Y-%m-%d %H:%M %Z").strip()


def _header(ctx: SheetContext, st: dict[str, ParagraphStyle]) -> list[Any]:
    t = ctx.t
    lon, lat = ctx.location
    snap = ctx.snap
    lvl = ctx.level
    level = lvl.get("suggested") or "—"
    started = ctx.started_at
    duration = (t("instant") if not ctx.duration_h
                else t("over_hours", h=fmt_num(ctx.duration_h)))
    if ctx.rate_series:
        duration += t("as_series")
    due = ""
    if lvl.get("report_due_min") is not None:
        due = t("deadline_value", at=ctx.due_clock(lvl["report_due_min"]) or "—",
                minutes=lvl["report_due_min"], report_as=lvl.get("report_as") or level)
    season = ctx.req.get("season") or (ctx.result.get("model") or {}).get("season") or "normal"
    rows = [
        (t("incident"), _p(ctx.sheet_title, st["value"])),
        (t("time"), _p(started.strftime("%Y-%m-%d %H:%M %Z").strip() if started else "—",
                       st["value"])),
        (t("discovered"), _p(_stamp(ctx.discovered_at, started), st["value"])),
        (t("place"), _p(t("place_value", river=ctx.river_name, reach=reach_code(snap) or "—",
                          offset=fmt_num(snap.get("offset_m"), 2),
                          lon=f"{lon:.5f}", lat=f"{lat:.5f}"), st["value"])),
        (t("pollutant_mass"), _p(t("mass_value", name=ctx.name(ctx.pollutant),
                                   mass=fmt_num(ctx.mass_kg, 4), duration=duration),
                                 st["value"])),
        (t("season_horizon"), _p(f"{t('season_' + season)} / "
                                 f"{t('hours', h=fmt_num(ctx.req.get('horizon_h') or 72))}",
                                 st["value"])),
        (t("level"), Paragraph(
            f'<font color="{LEVEL_COLORS.get(level, "#000000")}" size="14">'
            f"{escape(t('level_value', level=level, name=t('level_' + level)))}</font>"
            if level in LEVEL_COLORS else escape(level), st["value"])),
        (t("deadline"), _p(due or "—", st["alert"])),
        (t("officer"), _p(ctx.officer or t("officer_blank"), st["value"])),
    ]
    if ctx.rate_series:  # after the mass: its time course
        rows.insert(5, (t("rate_series"), _p(ctx.series_text(), st["value"])))
    if ctx.flow_today:
        rows.insert(6 if ctx.rate_series else 5, (t("flow_today"),
                                                   _p(ctx.flow_text(), st["value"])))
    data = [[_p(k, st["key"]), v] for k, v in rows]
    info = Table(data, colWidths=[30 * mm, BODY_W - 30 * mm - 36 * mm])
    info.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("BACKGROUND", (0, 0), (0, -1), GREY),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]))
    qr = Table([[_qr(ctx.link)], [_p(t("scan"), st["center"])]], colWidths=[34 * mm])
    qr.setStyle(TableStyle([("ALIGN", (0, 0), (-1, -1), "CENTER"),
                            ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    top = Table([[info, qr]], colWidths=[BODY_W - 36 * mm, 36 * mm])
    top.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                             ("LEFTPADDING", (0, 0), (-1, -1), 0),
                             ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    title = t("sheet_title")
    if ctx.kind == "drill":
        tag = escape(t("drill_tag", drill=t("drill")))
        title = f'<font color="#c00000">{tag}</font>{escape(title)}'
    else:
        title = escape(title)
    out: list[Any] = [Paragraph(title, st["title"]), Spacer(1, 2 * mm), top]
    reasons = [r.get("text_en" if ctx.en else "text_zh") or r.get("text") or ""
               for r in (lvl.get("reasons") or []) + (lvl.get("report_reasons") or [])]
    reasons = [r for r in dict.fromkeys(reasons) if r]
    if reasons:
        out += [Spacer(1, 1.5 * mm),
                _p(t("label_colon", label=t("reasons")) + t("clauses").join(reasons), st["small"])]
    return out


def _exceed_text(r: dict[str, Any]) -> str:
    peak, limit = r.get("peak_conc_mgl"), r.get("limit_mgl")
    if not r.get("exceeds") or not limit:
        return "—"
    return f"{fmt_ratio(peak, limit)}\n{fmt_hours(r.get('exceed_hours'))} h"


def _receptor_table(ctx: SheetContext, st) -> list[Any]:
    t = ctx.t
    head = [t("col_no"), t("col_kind"), t("col_name"), t("col_km"), t("col_arrival_clock"),
            t("col_earliest"), t("col_peak_time"), ctx.peak_label(), t("col_limit"),
            t("col_exceed")]
    data = [[_p(h, st["head"]) for h in head]]
    extra: list[tuple[Any, ...]] = []
    for i, r in enumerate(ctx.receptors(), start=1):
        worst = r.get("worst") or {}
        data.append([
            _p(i, st["cell"]), _p(t("kind_" + str(r.get("kind"))), st["cell"]),
            _name_cell(ctx, r, st), _p(fmt_num(r.get("river_km")), st["cell"]),
            _p(f"{ctx.clock(r.get('arrival_h'))}\n{fmt_hours(r.get('arrival_h'))} h",
               st["cellb"]),
            _p(f"{ctx.clock(worst.get('arrival_h'))}\n{fmt_hours(worst.get('arrival_h'))} h",
               st["cell"]),
            _p(ctx.clock(r.get("peak_h")), st["cell"]),
            _p(fmt_peak(ctx, r) + (f"\n{t('near_field')}" if r.get("near_field") else ""),
               st["cell"]),
            _p(fmt_num(r.get("limit_mgl")) + (f"\n{ctx.limit_basis_short(r)}"
                                              if r.get("limit_basis") else ""), st["cell"]),
            _p(_exceed_text(r), st["cell"]),
        ])
        if r.get("exceeds"):
            extra.append(("BACKGROUND", (7, i), (9, i), PINK))
        if r.get("kind") == "water_source":
            extra.append(("LINEBEFORE", (0, i), (0, i), 3, maps.KIND_STYLE["water_source"]
                          ["color"]))
    w = [7, 13, 47, 12, 19, 19, 19, 17, 14, 19]
    tbl = _table(data, [x * mm for x in w], extra=extra)
    # model warnings (e.g. an intake upstream of the entry in the same reservoir)
    warns = [_p("! " + str(w.get("en" if ctx.lang == "en" else "zh") or ""), st["small"])
             for w in ctx.result.get("warnings") or []]
    out = [Paragraph(escape(t("receptors")), st["h2"]), tbl,
           Spacer(1, 1 * mm), *warns, _p(t("model_note"), st["tiny"])]
    if ctx.slick:
        out.append(_p(t("oil_note", waf=fmt_num(ctx.slick.get("waf_mgl"))), st["tiny"]))
    return out


def _name_cell(ctx: SheetContext, r: dict[str, Any], st) -> Any:
    """A receptor's name; for a floating oil with its slick (arrival, passage, length)."""
    slick = ctx.slick_text(r)
    if not slick:
        return _p(ctx.name(r), st["cellb"])
    return [_p(ctx.name(r), st["cellb"]), _p(slick, st["tiny"])]


def _notify_table(ctx: SheetContext, st) -> list[Any]:
    rows = ctx.result.get("notify") or []
    if not rows:
        return []
    t = ctx.t
    data = [[_p(h, st["head"]) for h in (t("col_admin"), t("col_arrival"), t("col_reason"))]]
    for n in rows:
        reason = n.get("reason_en") if ctx.en and n.get("reason_en") else n.get("reason", "")
        data.append([
            _p(n.get("admin_name", ""), st["cellb"]),
            _p(f"{ctx.clock(n.get('arrival_h'))} ({ctx.clock(n.get('worst_arrival_h'))})",
               st["cell"]),
            _p(reason, st["cell"]),
        ])
    return [Paragraph(escape(t("notify")), st["h2"]),
            _table(data, [30 * mm, 30 * mm, BODY_W - 60 * mm])]


def _assigned(ctx: SheetContext, code: str) -> str:
    names = [ctx.name(x) for x in ctx.depots[:MAX_DEPOTS] + ctx.teams[:MAX_TEAMS]
             if x.get("target_code") == code]
    return "\n".join(names)


def _interception_table(ctx: SheetContext, st) -> list[Any]:
    rows = ctx.receptors(("interception",))
    if not rows:
        return []
    t = ctx.t
    head = [t("col_no"), t("col_name"), t("col_type"), t("col_km"), t("col_plume"),
            t("col_techniques"), t("col_access"), t("col_assigned")]
    data = [[_p(h, st["head"]) for h in head]]
    numbers = {r["code"]: i for i, r in enumerate(ctx.receptors(), start=1)}
    for r in rows:
        d = ctx.details(r)
        worst = r.get("worst") or {}
        cap = []
        if d.get("type"):
            cap.append(t("type_" + str(d["type"])))
        if d.get("capacity_m3"):
            cap.append(f"{fmt_num(d['capacity_m3'], 3)} m³")
        if d.get("holding_h"):
            cap.append(t("holding", h=fmt_num(d["holding_h"], 3)))
        access = d.get("access") or ""
        if d.get("access_road_km") is not None:
            access += ("\n" if access else "") + t("access_road", km=fmt_num(d["access_road_km"]))
        data.append([
            _p(numbers.get(r["code"], ""), st["cell"]), _p(ctx.name(r), st["cellb"]),
            _p("\n".join(cap), st["cell"]), _p(fmt_num(r.get("river_km")), st["cell"]),
            _p(f"{ctx.clock(worst.get('arrival_h'))}\n{fmt_hours(worst.get('arrival_h'))} h",
               st["cell"]),
            _p(t("sep").join(t("tech_" + x) for x in d.get("techniques") or []), st["cell"]),
            _p(access, st["cell"]), _p(_assigned(ctx, r["code"]), st["cell"]),
        ])
    w = [8, 36, 22, 12, 19, 24, 38, 27]
    return [Paragraph(escape(t("interceptions")), st["h2"]),
            _table(data, [x * mm for x in w])]


def _latest_departure(ctx: SheetContext, row: dict[str, Any]) -> str:
    plume, travel = row.get("plume_arrival_h"), row.get("travel_h")
    if plume is None:
        tgt = ctx.target(row)
        plume = ((tgt or {}).get("worst") or {}).get("arrival_h")
    if plume is None or travel is None:
        return "—"
    return ctx.clock(float(plume) - float(travel)) or "—"


def _depot_table(ctx: SheetContext, st) -> list[Any]:
    t = ctx.t
    head = [t("col_depot"), t("col_target"), t("col_distance"), t("col_travel"),
            t("col_in_time"), t("col_materials")]
    data = [[_p(h, st["head"]) for h in head]]
    extra: list[tuple[Any, ...]] = []
    rows = ctx.depots[:MAX_DEPOTS]
    for i, d in enumerate(rows, start=1):
        mats = d.get("materials") or []
        text = t("sep").join(f"{m.get('name')} {fmt_num(m.get('quantity'))} {m.get('unit')}"
                        for m in mats[:MAX_MATERIALS])
        if len(mats) > MAX_MATERIALS:
            text += " " + t("more_materials", n=len(mats))
        ok = bool(d.get("arrives_before_plume"))
        data.append([
            _p(ctx.name(d), st["cellb"]), _p(target_name(ctx, d) or "—", st["cell"]),
            _p(fmt_num(d.get("distance_km")), st["cell"]),
            _p(fmt_hours(d.get("travel_h")), st["cell"]),
            _p(f"{t('yes') if ok else t('no')}\n≤ {_latest_departure(ctx, d)}", st["cell"]),
            _p(text or t("none"), st["cell"]),
        ])
        if not ok:
            extra.append(("BACKGROUND", (4, i), (4, i), PINK))
    w = [36, 32, 14, 12, 16, 76]
    return [Paragraph(escape(t("depots")), st["h2"]), _table(data, [x * mm for x in w],
                                                              extra=extra)]


def _team_table(ctx: SheetContext, st) -> list[Any]:
    t = ctx.t
    rows = ctx.teams[:MAX_TEAMS]
    if not rows:
        return []
    head = [t("col_team"), t("col_headcount"), t("col_target"), t("col_distance"),
            t("col_travel"), t("col_in_time"), t("col_contact")]
    data = [[_p(h, st["head"]) for h in head]]
    extra: list[tuple[Any, ...]] = []
    for i, row in enumerate(rows, start=1):
        site = ctx.team_sites.get(row.get("code", ""), {})
        contact = (f"{row.get('contact_name') or site.get('contact_name') or ''}\n"
                   f"{row.get('contact_phone') or site.get('contact_phone') or ''}")
        ok = bool(row.get("arrives_before_plume"))
        data.append([
            _p(ctx.name(row), st["cellb"]), _p(row.get("headcount") or "—", st["cell"]),
            _p(target_name(ctx, row) or "—", st["cell"]),
            _p(fmt_num(row.get("distance_km")), st["cell"]),
            _p(fmt_hours(row.get("travel_h")), st["cell"]),
            _p(f"{t('yes') if ok else t('no')}\n≤ {_latest_departure(ctx, row)}", st["cell"]),
            _p(contact.strip(), st["cell"]),
        ])
        if not ok:
            extra.append(("BACKGROUND", (5, i), (5, i), PINK))
    w = [48, 12, 40, 14, 12, 18, 42]
    return [Paragraph(escape(t("teams")), st["h2"]), _table(data, [x * mm for x in w],
                                                             extra=extra)]


def _plan_table(ctx: SheetContext, st) -> list[Any]:
    t = ctx.t
    plan = ctx.plan
    steps = plan.get("steps") or []
    out: list[Any] = [Paragraph(escape(t("plan")), st["h2"])]
    title = plan.get("title_en") if ctx.en and plan.get("title_en") else plan.get("title")
    if title:
        out.append(_p(t("plan_from", title=title), st["small"]))
        out.append(Spacer(1, 1 * mm))
    if not steps:
        return out + [_p(t("none"), st["base"])]
    head = [t("col_done"), t("col_phase"), t("col_step"), t("col_responsible"), t("col_due")]
    data = [[_p(h, st["head"]) for h in head]]
    for s in steps:
        text = s.get("text_en") if ctx.en and s.get("text_en") else s.get("text", "")
        due = "—"
        if s.get("due_min") is not None:
            due = t("due_value", at=ctx.due_clock(s["due_min"]) or "—", minutes=s["due_min"])
        data.append([TickBox(), _p(t("phase_" + str(s.get("phase"))), st["cell"]),
                     _p(f"{s.get('order', '')}. {text}", st["cell"]),
                     _p(s.get("responsible", ""), st["cell"]), _p(due, st["cell"])])
    w = [10, 12, 106, 36, 22]
    out.append(_table(data, [x * mm for x in w], extra=[("ALIGN", (0, 1), (0, -1), "CENTER"),
                                                        ("VALIGN", (0, 1), (0, -1), "TOP"),
                                                        ("TOPPADDING", (0, 1), (0, -1), 3)]))
    return out


def _contacts_table(ctx: SheetContext, st) -> list[Any]:
    t = ctx.t
    rows: list[tuple[str, str, str, str, bool]] = []
    for c in ctx.contacts:
        rows.append((c.get("role_zh") or c.get("role") or "", c.get("unit_zh") or c.get("unit")
                     or "", c.get("name") or "", c.get("phone") or "", bool(c.get("fictitious"))))
    for d in ctx.depots[:MAX_DEPOTS]:
        site = ctx.depot_sites.get(d.get("code", ""), {})
        name = d.get("contact_name") or site.get("contact_name")
        phone = d.get("contact_phone") or site.get("contact_phone")
        if name or phone:
            fict = d.get("fictitious_contact", site.get("fictitious_contact", False))
            rows.append((t("col_depot"), ctx.name(d), name or "", phone or "", bool(fict)))
    if not rows:
        return []
    data = [[_p(h, st["head"]) for h in (t("col_role"), t("col_unit"), t("col_person"),
                                         t("col_phone"))]]
    for role, unit, name, phone, fict in rows:
        data.append([_p(role, st["cell"]), _p(unit, st["cell"]),
                     _p(name + (t("fictitious") if fict and "虚构" not in name else ""),
                        st["cell"]), _p(phone, st["cellb"])])
    return [Paragraph(escape(t("contacts")), st["h2"]),
            _table(data, [40 * mm, 70 * mm, 36 * mm, 40 * mm])]


def build_pdf(ctx: SheetContext, *, dpi: int = 180) -> bytes:
    """The sheet as PDF bytes."""
    font = fonts.reportlab_font(_all_text(ctx))
    st = _styles(font)
    t = ctx.t
    buf = io.BytesIO()

    def footer(canv: rl_canvas.Canvas, total: int) -> None:
        canv.saveState()
        canv.setFont(font, 7)
        canv.setFillColor(colors.HexColor("#555555"))
        left = f"{t('sheet_title')} · {ctx.reference} · {ctx.sheet_title}"
        canv.drawString(MARGIN, PAGE_H - 8 * mm, left[:110])
        stamp = ctx.generated_at.astimezone(ctx.started_at.tzinfo if ctx.started_at else None)
        canv.drawRightString(PAGE_W - MARGIN, PAGE_H - 8 * mm,
                             t("generated", at=stamp.strftime("%Y-%m-%d %H:%M")))
        canv.setStrokeColor(GRID)
        canv.line(MARGIN, PAGE_H - 9.5 * mm, PAGE_W - MARGIN, PAGE_H - 9.5 * mm)
        canv.line(MARGIN, 9.5 * mm, PAGE_W - MARGIN, 9.5 * mm)
        if ctx.link:
            canv.drawString(MARGIN, 6 * mm, f"{t('live_link')}{ctx.link}"[:120])
        canv.drawRightString(PAGE_W - MARGIN, 6 * mm,
                             t("page", n=canv.getPageNumber(), total=total))
        canv.restoreState()

    doc = BaseDocTemplate(
        buf, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
        bottomMargin=MARGIN, title=ctx.sheet_title, author=ctx.officer or "webgis",
        subject=t("sheet_title"), creator="webgis", lang="zh-CN" if not ctx.en else "en",
    )
    frame = Frame(MARGIN, MARGIN, BODY_W, PAGE_H - 2 * MARGIN, id="body", leftPadding=0,
                  rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])

    story: list[Any] = []
    story += _header(ctx, st)
    story += [Paragraph(escape(t("map")), st["h2"]),
              MapFlowable(lambda w, h: maps.situation_map(ctx, w, h, dpi, True), BODY_W,
                          110 * mm, 175 * mm)]
    story.append(PageBreak())
    story += _receptor_table(ctx, st)
    story += _notify_table(ctx, st)
    story.append(CondPageBreak(60 * mm))
    story += _interception_table(ctx, st)
    story.append(CondPageBreak(50 * mm))
    story += _depot_table(ctx, st)
    story.append(CondPageBreak(40 * mm))
    story += _team_table(ctx, st)
    story.append(CondPageBreak(50 * mm))
    story += _plan_table(ctx, st)
    contacts = _contacts_table(ctx, st)
    if contacts:
        story.append(KeepTogether(contacts))
    events = timeline.pdf_flowables(ctx, st)
    if events:
        story += [CondPageBreak(40 * mm), *events]
    story.append(PageBreak())
    n_sketch = len(ctx.receptors(("water_source", "section", "interception", "boundary")))
    sketch_h = min(max(40.0, 16.0 + 11.0 * n_sketch), 235.0)
    story += [Paragraph(escape(t("sketch")), st["h2"]), _p(t("sketch_note"), st["small"]),
              Spacer(1, 2 * mm),
              PilImage(maps.sketch_map(ctx, BODY_W / mm, sketch_h, min(dpi, 160), True),
                       BODY_W, sketch_h * mm)]
    doc.build(story, canvasmaker=lambda *a, **kw: NumberedCanvas(*a, footer=footer, **kw))
    return buf.getvalue()

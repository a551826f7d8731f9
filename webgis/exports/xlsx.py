"""The sheet's tables as an Excel workbook (openpyxl): numbers stay numbers.

Worksheets: summary, receptors, interception points, materials (one row per depot and
material), teams, plan checklist, contacts.
"""

from __future__ import annotations

import io
import math
from typing import Any

from webgis.exports import timeline
from webgis.exports.context import SheetContext
from webgis.exports.labels import target_name

HEADER_FILL = "FF1F4E79"
EXCEED_FILL = "FFFFD7D7"


def _num(x: Any) -> Any:
    if isinstance(x, bool) or x is None:
        return x
    if isinstance(x, int | float):
        return x if math.isfinite(x) else None
    return x


def _sheet(wb, title: str, header: list[str], rows: list[list[Any]], widths: list[int]):
    from openpyxl.styles import Alignment, Font, PatternFill

    ws = wb.create_sheet(title[:31])
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True, color="FFFFFFFF")
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    for row in rows:
        ws.append([_num(v) for v in row])
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = w
    ws.freeze_panes = "A2"
    return ws


def xlsx(ctx: SheetContext) -> bytes:
    """The workbook as bytes: summary, receptors, interception points, materials, teams,
    plan and contacts, one sheet each, and a saved incident's timeline."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for add in (_summary_sheet, _receptor_sheet, _interception_sheet, _material_sheet,
                _team_sheet, _plan_sheet, _contact_sheet):
        add(wb, ctx)
    timeline.add_xlsx_sheet(wb, ctx, _sheet)
    wb.properties.title = ctx.sheet_title
    wb.properties.creator = "webgis"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _summary_sheet(wb: Any, ctx: SheetContext) -> None:
    t = ctx.t
    lon, lat = ctx.location
    lvl = ctx.level
    summary: list[list[Any]] = [
        [t("incident"), ctx.sheet_title],
        [t("time"), ctx.req.get("started_at") or ""],
        [t("discovered"), ctx.discovered_at.isoformat() if ctx.discovered_at else ""],
        [t("col_river"), ctx.river_name],
        [t("col_lon"), lon],
        [t("col_lat"), lat],
        [t("pollutant_mass"), ctx.name(ctx.pollutant)],
        ["mass_kg", ctx.mass_kg],
        ["duration_h", ctx.duration_h],
        *([[t("rate_series"), ctx.series_text()]] if ctx.rate_series else []),
        *([[t("flow_today"), ctx.flow_text()]] if ctx.flow_today else []),
        [t("level"), lvl.get("suggested")],
        [t("deadline"), lvl.get("report_due_at") or lvl.get("report_due_min")],
        [t("officer"), ctx.officer],
        [t("live_link").rstrip("：: "), ctx.link],
    ]
    _sheet(wb, t("sheet_summary"), [t("col_field"), t("col_value")], summary, [22, 70])


def _receptor_sheet(wb: Any, ctx: SheetContext) -> None:
    from openpyxl.styles import PatternFill

    t = ctx.t
    rec_rows = []
    for no, r in enumerate(ctx.receptors(), start=1):
        worst = r.get("worst") or {}
        rec_rows.append([
            no, t("kind_" + str(r.get("kind"))), r.get("code"), ctx.name(r), r.get("river_km"),
            r.get("arrival_h"), worst.get("arrival_h"), ctx.clock(r.get("arrival_h")),
            r.get("peak_h"), r.get("peak_conc_mgl"), worst.get("peak_conc_mgl"),
            r.get("limit_mgl"), bool(r.get("exceeds")), r.get("exceed_hours"),
            r.get("lon"), r.get("lat"), ctx.limit_basis(r),
            t("undissolved") if r.get("undissolved") or worst.get("undissolved") else "",
            t("near_field") if r.get("near_field") else "",
        ] + (_slick_cells(r) if ctx.slick else []))
    ws = _sheet(wb, t("sheet_receptors"), [
        t("col_no"), t("col_kind"), t("col_code"), t("col_name"), t("col_km"),
        t("col_arrival_h"), t("col_worst_arrival"), t("col_eta"), t("col_peak_h"),
        ctx.peak_label(), ctx.peak_label("col_worst_peak"), t("col_limit"), t("col_exceeds"),
        t("col_exceed_hours"), t("col_lon"), t("col_lat"), t("col_limit_basis"),
        t("col_solubility"), t("col_near_field"),
    ] + ([t(k) for k in SLICK_COLUMNS] if ctx.slick else []), rec_rows,
        [5, 10, 28, 34, 9, 9, 11, 12, 10, 12, 14, 11, 8, 11, 11, 10, 30, 18, 18]
        + ([12] * len(SLICK_COLUMNS) if ctx.slick else []))
    red = PatternFill("solid", fgColor=EXCEED_FILL)
    for row in ws.iter_rows(min_row=2):
        if row[12].value:
            for cell in row:
                cell.fill = red
        for idx, fmt in ((4, "0.0"), (5, "0.00"), (6, "0.00"), (8, "0.00"), (13, "0.0")):
            row[idx].number_format = fmt
        for idx in range(16, len(row)):
            row[idx].number_format = "0.00"


def _interception_sheet(wb: Any, ctx: SheetContext) -> None:
    t = ctx.t
    ip_rows = []
    for r in ctx.receptors(("interception",)):
        d = ctx.details(r)
        worst = r.get("worst") or {}
        assigned = [ctx.name(x) for x in ctx.depots + ctx.teams
                    if x.get("target_code") == r["code"]]
        ip_rows.append([
            r.get("code"), ctx.name(r), t("type_" + str(d.get("type"))) if d.get("type") else "",
            r.get("river_km"), worst.get("arrival_h"), d.get("capacity_m3"), d.get("holding_h"),
            t("sep").join(t("tech_" + x) for x in d.get("techniques") or []),
            d.get("access") or "", d.get("access_road_km"), t("sep").join(assigned),
        ])
    _sheet(wb, t("sheet_interceptions"), [
        t("col_code"), t("col_name"), t("col_type"), t("col_km"), t("col_worst_arrival"),
        "capacity_m3", "holding_h", t("col_techniques"), t("col_access"), "access_road_km",
        t("col_assigned"),
    ], ip_rows, [24, 32, 10, 9, 12, 14, 10, 24, 40, 12, 40])


def _material_sheet(wb: Any, ctx: SheetContext) -> None:
    t = ctx.t
    mat_rows = []
    for d in ctx.depots:
        for mt in d.get("materials") or []:
            mat_rows.append([
                d.get("code"), ctx.name(d), d.get("target_code"), target_name(ctx, d),
                d.get("distance_km"), d.get("travel_h"), bool(d.get("arrives_before_plume")),
                mt.get("code"), mt.get("name"), mt.get("quantity"), mt.get("unit"),
            ])
    _sheet(wb, t("sheet_materials"), [
        t("col_code"), t("col_depot"), t("col_code"), t("col_target"), t("col_distance"),
        t("col_travel"), t("col_in_time"), t("col_code"), t("col_name"), t("col_quantity"),
        t("col_unit_m"),
    ], mat_rows, [18, 36, 22, 30, 10, 8, 10, 18, 26, 10, 8])


def _team_sheet(wb: Any, ctx: SheetContext) -> None:
    t = ctx.t
    team_rows = []
    for row in ctx.teams:
        site = ctx.team_sites.get(row.get("code", ""), {})
        team_rows.append([
            row.get("code"), ctx.name(row), row.get("headcount"), row.get("target_code"),
            target_name(ctx, row), row.get("distance_km"), row.get("travel_h"),
            bool(row.get("arrives_before_plume")),
            row.get("contact_name") or site.get("contact_name"),
            row.get("contact_phone") or site.get("contact_phone"),
        ])
    _sheet(wb, t("sheet_teams"), [
        t("col_code"), t("col_team"), t("col_headcount"), t("col_code"), t("col_target"),
        t("col_distance"), t("col_travel"), t("col_in_time"), t("col_person"), t("col_phone"),
    ], team_rows, [18, 34, 8, 22, 30, 10, 8, 10, 14, 16])


def _plan_sheet(wb: Any, ctx: SheetContext) -> None:
    from openpyxl.styles import Alignment

    t = ctx.t
    steps = ctx.plan.get("steps") or []
    ws = _sheet(wb, t("sheet_plan"), [
        t("col_done"), t("col_phase"), t("col_no"), t("col_step"), t("col_responsible"),
        t("col_due"),
    ], [["☐", t("phase_" + str(s.get("phase"))), s.get("order"),
         s.get("text_en") if ctx.en and s.get("text_en") else s.get("text"),
         s.get("responsible"), s.get("due_min")] for s in steps], [6, 8, 5, 90, 30, 8])
    for row in ws.iter_rows(min_row=2):
        row[3].alignment = Alignment(wrap_text=True, vertical="top")


def _contact_sheet(wb: Any, ctx: SheetContext) -> None:
    from openpyxl.styles import Font

    t = ctx.t
    contact_rows = [[c.get("role_zh") or c.get("role"), c.get("unit_zh") or c.get("unit"),
                     c.get("name"), c.get("phone")] for c in ctx.contacts]
    ws = _sheet(wb, t("sheet_contacts"), [t("col_role"), t("col_unit"), t("col_person"),
                                          t("col_phone")], contact_rows, [20, 34, 16, 18])
    ws["A1"].font = Font(bold=True, color="FFFFFFFF")


# a floating oil's slick per receptor (issue 11): appended to the receptor sheet
SLICK_COLUMNS = ("col_slick_arrival_h", "col_slick_worst_arrival_h", "col_slick_end_h",
                 "col_slick_worst_end_h", "col_slick_length", "col_slick_worst_length",
                 "col_evaporated")


def _slick_cells(r: dict[str, Any]) -> list[Any]:
    s = r.get("slick") or {}
    w = s.get("worst") or {}
    return [s.get("arrival_h"), w.get("arrival_h"), s.get("passage_end_h"),
            w.get("passage_end_h"), s.get("length_km"), w.get("length_km"),
            s.get("evaporated_pct")]

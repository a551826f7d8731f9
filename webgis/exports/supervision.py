"""The supervision dashboard and the hazard ledger as an Excel workbook (issue 17 item 5):
counts by prefecture and by basin, the reported figures (marked), and every hazard with
its deadline, overdue ones filled red. Words from the one catalogue."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from webgis.exports.labels import N_
from webgis.i18n import translations

OVERDUE_FILL = "FFFFC7CE"
HEADER_FILL = "FF1F4E79"

COUNT_HEADERS = [N_("Enterprises"), N_("Major risk"), N_("Larger risk"), N_("General risk"),
                 N_("Plan filed"), N_("Plan not filed"), N_("Open hazards"),
                 N_("Overdue hazards"), N_("Closed hazards")]
COUNT_KEYS = ["enterprises", "major", "larger", "general", "plan_filed", "plan_not_filed",
              "hazards_open", "hazards_overdue", "hazards_closed"]
HAZARD_HEADERS = [N_("Code"), N_("Enterprise"), N_("Prefecture code"), N_("Basin"),
                  N_("Found on"), N_("Category"), N_("Grade"), N_("Description"),
                  N_("Deadline"), N_("Status"), N_("Closed on"), N_("Days overdue"),
                  N_("Evidence files")]
VALUE_LABELS = {
    "management": N_("Risk management system"), "water_containment": N_("Water containment"),
    "air_containment": N_("Air containment"), "supplies": N_("Emergency supplies"),
    "plan": N_("Emergency plan and drills"), "other": N_("Other"),
    "major": N_("Major hazard"), "general": N_("General hazard"),
    "found": N_("Found"), "rectifying": N_("Rectifying"), "closed": N_("Closed"),
    "yellow": N_("Yellow River basin"), "yangtze": N_("Yangtze basin"),
    "inland": N_("Inland rivers"),
}


def _header(ws: Any, labels: list[str]) -> None:
    from openpyxl.styles import Font, PatternFill

    ws.append(labels)
    for cell in ws[1]:
        cell.font = Font(bold=True, color="FFFFFFFF")
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
    ws.freeze_panes = "A2"


def supervision_xlsx(board: Mapping[str, Any], hazards: Sequence[Mapping[str, Any]],
                     lang: str = "zh") -> bytes:
    """Sheets: by prefecture, by basin, reported figures, hazards."""
    from openpyxl import Workbook
    from openpyxl.styles import PatternFill

    _ = translations(lang).gettext
    name = "name_en" if lang == "en" else "name_zh"
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in ((_("By prefecture"), [*board["by_prefecture"], board["total"]]),
                        (_("By river basin"), [*board["by_basin"], board["total"]])):
        ws = wb.create_sheet(title[:31])
        _header(ws, [_("Code"), _("Name")] + [_(h) for h in COUNT_HEADERS])
        for row in rows:
            ws.append([row["code"], row[name]] + [row[k] for k in COUNT_KEYS])
    ws = wb.create_sheet(_("Reported figures")[:31])
    _header(ws, [_("Figure"), _("Value"), _("Source")])
    for fig in board["reported"]:
        ws.append([fig["label_en" if lang == "en" else "label_zh"], fig["value"], fig["source"]])
    ws = wb.create_sheet(_("Hazards")[:31])
    _header(ws, [_(h) for h in HAZARD_HEADERS])
    late = PatternFill("solid", fgColor=OVERDUE_FILL)
    for h in hazards:
        ws.append([h["code"], f'{h["enterprise_name"]} ({h["enterprise"]})', h["prefecture"],
                   _(VALUE_LABELS.get(h["basin"] or "", "")) if h["basin"] else None,
                   h["found_on"], _(VALUE_LABELS[h["category"]]), _(VALUE_LABELS[h["grade"]]),
                   h["description"], h["deadline"], _(VALUE_LABELS[h["status"]]),
                   h["closed_on"], h["days_overdue"], len(h["evidence"])])
        if h["overdue"]:
            for cell in ws[ws.max_row]:
                cell.fill = late
    wb.properties.title = _("Risk supervision")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()

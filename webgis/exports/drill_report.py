"""A drill's report as DOCX and PDF (issue 15, item 5): the drill (scenario, speed, start),
the after-action score with each criterion (met / late by how much / missing, and its
reference), what was late or missing, and the timeline with each event's drill hour.

Built from the plain dict of `webgis.services.drill_review.drill_report` (no database).
Times are drill hours after the start (the drill clock runs ``speed`` × the wall clock).
"""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer

from webgis.exports import fonts
from webgis.exports.pdfkit import BODY_W, MARGIN, para, styles, table

OUTCOME = {"met": "达标 met", "late": "迟延 late", "missing": "缺失 missing"}
TIME_NOTE = ("时间均为演练时间（开始后小时数，按倍速换算）。"
             "Times are drill hours after the start (scaled by the speed).")


def _h(value: Any) -> str:
    return "—" if value is None else f"{float(value):.2f} h"


def _lines(rep: dict[str, Any]) -> dict[str, Any]:
    """The report's text, shared by both formats."""
    d, sc = rep["drill"], rep["score"]
    meta = [("演练 Drill", f"#{d['id']} {d['name']}"), ("事件 Incident", rep["title"]),
            ("情景 Scenario", str(d["scenario_id"] or "—")),
            ("倍速 Speed", f"×{d['speed']}"), ("开始 Started", d["started_at"]),
            ("得分 Score", f"{sc['total']:g} / 100 (met {sc['met']}, late {sc['late']}, "
                           f"missing {sc['missing']})")]
    crit = [[c["name"], OUTCOME[c["outcome"]], _h(c["due_h"]), _h(c["done_h"]),
             _h(c["late_h"]) if c["outcome"] == "late" else "", c["reference"]]
            for c in sc["criteria"]]
    late = [f"{c['name']}: " + (f"迟延 late by {c['late_h']:.2f} h" if c["outcome"] == "late"
                                else "缺失 missing")
            for c in sc["criteria"] if c["outcome"] != "met"]
    events = [[str(e["seq"]), f"T+{e['drill_h']:.2f} h", e["kind"], e.get("actor") or "",
               e.get("summary") or ""] for e in rep["events"]]
    return {"meta": meta, "criteria": crit, "late": late or ["无 none"], "events": events}


CRIT_HEAD = ["项目 Criterion", "结果 Outcome", "时限 Due", "完成 Done", "迟延 Late",
             "依据 Reference"]
EVENT_HEAD = ["No.", "演练时间 Drill time", "Event", "Who", "What"]


def build_drill_docx(rep: dict[str, Any]) -> bytes:
    """The drill report as DOCX bytes."""
    x = _lines(rep)
    doc = Document()
    doc.add_heading("突发环境事件应急演练评估报告 Drill after-action report", level=1)
    doc.add_paragraph(TIME_NOTE)
    t = doc.add_table(rows=0, cols=2)
    t.style = "Table Grid"
    for k, v in x["meta"]:
        cells = t.add_row().cells
        cells[0].text, cells[1].text = k, v
    for title, head, rows in (("评分 Score", CRIT_HEAD, x["criteria"]),
                              ("时间线 Timeline", EVENT_HEAD, x["events"])):
        doc.add_heading(title, level=2)
        tab = doc.add_table(rows=1, cols=len(head))
        tab.style = "Table Grid"
        for cell, text in zip(tab.rows[0].cells, head, strict=True):
            cell.text = text
        for row in rows:
            for cell, text in zip(tab.add_row().cells, row, strict=True):
                cell.text = text
        if title.startswith("评分"):
            doc.add_heading("迟延与缺失 Late or missing", level=2)
            for line in x["late"]:
                doc.add_paragraph(line, style="List Bullet")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def build_drill_pdf(rep: dict[str, Any]) -> bytes:
    """The drill report as PDF bytes (A4, the sheet's CJK font)."""
    x = _lines(rep)
    text = " ".join([TIME_NOTE, *(k + v for k, v in x["meta"]), *x["late"],
                     *(" ".join(r) for r in x["criteria"] + x["events"]),
                     *CRIT_HEAD, *EVENT_HEAD])
    st = styles(fonts.reportlab_font(text + "突发环境事件应急演练评估报告评分迟延与缺失时间线"))
    buf = io.BytesIO()
    pdf = SimpleDocTemplate(buf, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN, bottomMargin=MARGIN,
                            title=f"Drill {rep['drill']['id']}", creator="webgis")
    story: list[Any] = [para("突发环境事件应急演练评估报告 Drill after-action report",
                             st["title"]), para(TIME_NOTE, st["small"]), Spacer(1, 3 * mm)]
    story.append(table([[para(k, st["cellb"]), para(v, st["cell"])] for k, v in x["meta"]],
                       [32 * mm, BODY_W - 32 * mm], header_rows=0))
    crit_w = [50 * mm, 20 * mm, 17 * mm, 17 * mm, 17 * mm, BODY_W - 121 * mm]
    story += [para("评分 Score", st["h2"]),
              table([[para(c, st["head"]) for c in CRIT_HEAD]]
                    + [[para(c, st["cell"]) for c in r] for r in x["criteria"]], crit_w),
              para("迟延与缺失 Late or missing", st["h2"])]
    story += [para("• " + line, st["base"]) for line in x["late"]]
    ev_w = [10 * mm, 24 * mm, 28 * mm, 22 * mm, BODY_W - 84 * mm]
    story += [para("时间线 Timeline", st["h2"]),
              table([[para(c, st["head"]) for c in EVENT_HEAD]]
                    + [[para(c, st["cell"]) for c in r] for r in x["events"]], ev_w)]
    pdf.build(story)
    return buf.getvalue()

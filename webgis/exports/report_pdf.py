"""An incident report as PDF (ReportLab, the sheet's embedded CJK font): the same content
as the DOCX (`webgis.exports.report_docx`), on A4, with the document number and page
numbers on every page and, on a draft, a red "not issued" line."""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    Image,
    PageTemplate,
    Paragraph,
    Spacer,
)

from webgis.exports import fonts
from webgis.exports.pdfkit import (
    BODY_W,
    GRID,
    MARGIN,
    PAGE_H,
    PAGE_W,
    RED,
    NumberedCanvas,
    para,
    styles,
    table,
)
from webgis.exports.report_doc import DRAFT_MARK, MEASURES, SKETCH_NOTE, ReportDoc


def build_report_pdf(doc: ReportDoc) -> bytes:
    """The report as PDF bytes."""
    font = fonts.reportlab_font(doc.all_text() + SKETCH_NOTE)
    st = styles(font)
    body = ParagraphStyle("rbody", parent=st["base"], fontSize=10.5, leading=15)
    h2 = ParagraphStyle("rh2", parent=st["base"], fontSize=12, leading=16, spaceBefore=6,
                        spaceAfter=2, textColor=colors.HexColor("#1f4e79"))
    buf = io.BytesIO()
    doc_no = str(doc.row.get("doc_no") or "")

    def footer(canv: rl_canvas.Canvas, total: int) -> None:
        canv.saveState()
        canv.setFont(font, 8)
        canv.setFillColor(RED if not doc.issued else colors.HexColor("#555555"))
        canv.drawString(MARGIN, PAGE_H - 8 * mm, doc_no + ("  " + DRAFT_MARK
                                                           if not doc.issued else ""))
        canv.setFillColor(colors.HexColor("#555555"))
        canv.setStrokeColor(GRID)
        canv.line(MARGIN, 9.5 * mm, PAGE_W - MARGIN, 9.5 * mm)
        canv.drawRightString(PAGE_W - MARGIN, 6 * mm, f"第 {canv.getPageNumber()} 页 共 {total} 页")
        canv.restoreState()

    tpl = BaseDocTemplate(buf, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN,
                          topMargin=MARGIN + 4 * mm, bottomMargin=MARGIN,
                          title=doc.heading(), author=str(doc.row.get("drafted_by") or ""),
                          subject=doc_no, creator="webgis", lang="zh-CN")
    frame = Frame(MARGIN, MARGIN, BODY_W, PAGE_H - 2 * MARGIN - 4 * mm, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    tpl.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    story: list[Any] = []
    if not doc.issued:
        story.append(para(DRAFT_MARK, st["alert"]))
    story += [para(doc.heading(), st["title"]), para(MEASURES, st["small"]), Spacer(1, 3 * mm)]
    meta = [[para(k, st["cellb"]), para(v, st["cell"])] for k, v in doc.meta_lines()]
    story += [table(meta, [28 * mm, BODY_W - 28 * mm], header_rows=0), Spacer(1, 3 * mm)]
    for i, (heading, text) in enumerate(doc.sections(), 1):
        story.append(Paragraph(f"{i}. {escape(heading)}", h2))
        story.append(para(text, body))
    png = doc.sketch_png()
    if png:
        story += [Paragraph(escape(SKETCH_NOTE), h2)]
        img = Image(io.BytesIO(png))
        scale = min(BODY_W / img.imageWidth, 200 * mm / img.imageHeight)
        img.drawWidth, img.drawHeight = img.imageWidth * scale, img.imageHeight * scale
        story.append(img)
    tpl.build(story, canvasmaker=lambda *a, **kw: NumberedCanvas(*a, footer=footer, **kw))
    return buf.getvalue()

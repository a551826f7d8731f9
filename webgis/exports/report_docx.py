"""An incident report as a Word document (python-docx), for the officer to file, send or
print: title, head block (document number, level, signer, Art. 14), one heading and its
text per section, and for an initial report the sketch map of sensitive points (Art. 13).
A draft says on its first line that it is not issued."""

from __future__ import annotations

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from webgis.exports.report_doc import DRAFT_MARK, MEASURES, SKETCH_NOTE, ReportDoc

FONT = "SimSun"  # 宋体, the usual face of official documents; Word substitutes if absent
RED = RGBColor(0xC0, 0x00, 0x00)


def _cjk(run: object, size: float | None = None) -> None:
    """Set the run's East Asian font (Word ignores `font.name` for Chinese text)."""
    font = run.font  # type: ignore[attr-defined]
    font.name = FONT
    if size:
        font.size = Pt(size)
    rpr = run._element.get_or_add_rPr()  # type: ignore[attr-defined]
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), FONT)


def build_docx(doc: ReportDoc) -> bytes:
    """The report as DOCX bytes."""
    d = Document()
    sec = d.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.left_margin = sec.right_margin = Mm(25)
    if not doc.issued:
        p = d.add_paragraph()
        run = p.add_run(DRAFT_MARK)
        _cjk(run, 12)
        run.font.bold, run.font.color.rgb = True, RED
    title = d.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(doc.heading())
    _cjk(run, 18)
    run.font.bold = True
    basis = d.add_paragraph()
    basis.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _cjk(basis.add_run(MEASURES), 9)
    table = d.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for key, value in doc.meta_lines():
        cells = table.add_row().cells
        _cjk(cells[0].paragraphs[0].add_run(key), 10.5)
        _cjk(cells[1].paragraphs[0].add_run(value), 10.5)
    for i, (heading, text) in enumerate(doc.sections(), 1):
        h = d.add_paragraph()
        run = h.add_run(f"{_numeral(i)}、{heading}")
        _cjk(run, 12)
        run.font.bold = True
        for line in text.splitlines() or [""]:
            _cjk(d.add_paragraph().add_run(line), 11)
    png = doc.sketch_png()
    if png:
        h = d.add_paragraph()
        run = h.add_run(SKETCH_NOTE)
        _cjk(run, 12)
        run.font.bold = True
        d.add_picture(io.BytesIO(png), width=Mm(160))
    buf = io.BytesIO()
    d.core_properties.title = doc.heading()
    d.core_properties.identifier = str(doc.row.get("doc_no") or "")
    d.save(buf)
    return buf.getvalue()


_DIGITS = "零一二三四五六七八九"


def _numeral(n: int) -> str:
    """1..99 as Chinese numerals (section numbers: 一、二、...十一、)."""
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")

"""The readings upload template (issue 14 item 3) as CSV and as an Excel workbook.

One header row, Chinese first with the field name in brackets (``浓度(value)``), so a
file reads the same to a field team and to the importer, and a file's line numbers are
the spreadsheet's row numbers (data from line 2). The CSV is UTF-8 with a byte-order
mark (Excel opens it with the Chinese intact; GB18030 files are read too). The workbook
has a second sheet explaining each column and listing the stations of the incident.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from webgis.contract.readings import COLUMNS


def header() -> list[str]:
    """The header row: ``站点类型(station_kind)``, ..."""
    return [f"{zh}({key})" for key, zh, _ in COLUMNS]


def template_csv(example: Sequence[Sequence[object]] = ()) -> bytes:
    """The CSV template (UTF-8 with BOM), with ``example`` rows if given."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header())
    for row in example:
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue().encode("utf-8-sig")


def template_xlsx(stations: Sequence[tuple[str, str, str]] = ()) -> bytes:
    """The workbook template: sheet 读数 (readings) with the header, sheet 说明 (notes)
    with each column's meaning and the ``stations`` (kind, code, name) of the incident."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = "读数 readings"
    ws.append(header())
    for i, cell in enumerate(ws[1], start=1):
        cell.font = Font(bold=True, color="FFFFFFFF")
        cell.fill = PatternFill("solid", fgColor="FF1F4E79")
        ws.column_dimensions[cell.column_letter].width = 18 if i != 5 else 20
    notes = wb.create_sheet("说明 notes")
    notes.append(["列 column", "说明 meaning"])
    for key, zh, what in COLUMNS:
        notes.append([f"{zh}({key})", what])
    notes.append([])
    notes.append(["站点 stations", "编码 code", "名称 name"])
    for kind, code, name in stations:
        notes.append([kind, code, name])
    notes.column_dimensions["A"].width = 24
    notes.column_dimensions["B"].width = 50
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()

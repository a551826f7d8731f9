"""The workbook read back with openpyxl: cells match the analysis."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from webgis.exports.xlsx import xlsx


@pytest.fixture(scope="module")
def wb(ctx):
    return load_workbook(io.BytesIO(xlsx(ctx)))


def test_receptor_sheet(wb, sample):
    ws = wb["敏感点"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    receptors = sorted(sample["receptors"], key=lambda r: r["river_km"])
    assert len(rows) == len(receptors)
    for row, r in zip(rows, receptors, strict=True):
        assert row[2] == r["code"] and row[3] == r["name"]
        assert row[4] == pytest.approx(r["river_km"])
        assert row[5] == pytest.approx(r["arrival_h"])
        assert row[6] == pytest.approx(r["worst"]["arrival_h"])
        assert row[9] == pytest.approx(r["peak_conc_mgl"])
        assert row[11] == pytest.approx(r["limit_mgl"])
        assert row[12] is r["exceeds"]


def test_material_sheet(wb, sample):
    ws = wb["物资"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == sum(len(d["materials"]) for d in sample["depots"])
    first = sample["depots"][0]
    m0 = first["materials"][0]
    assert rows[0][0] == first["code"] and rows[0][1] == first["name"]
    assert rows[0][8] == m0["name"] and rows[0][9] == pytest.approx(m0["quantity"])
    assert rows[0][10] == m0["unit"]


def test_other_sheets(wb, sample):
    assert wb.sheetnames == ["概况", "敏感点", "拦截点", "物资", "队伍", "处置步骤", "联系方式"]
    assert wb["处置步骤"].max_row - 1 == len(sample["plan"]["steps"])
    assert wb["队伍"].max_row - 1 == len(sample["teams"])
    summary = {r[0]: r[1] for r in wb["概况"].iter_rows(values_only=True)}
    assert summary["建议事件级别"] == sample["level"]["suggested"]
    assert summary["mass_kg"] == pytest.approx(sample["request"]["release"]["mass_kg"])

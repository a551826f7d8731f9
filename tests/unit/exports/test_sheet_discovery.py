"""The sheet counts the reporting deadline and the plan's due times from discovery
(Art. 3 of the 2011 measures), and shows when the spill was discovered (issue 11)."""

from __future__ import annotations

import copy
import io
from dataclasses import replace

import pytest
from openpyxl import load_workbook
from sheet_helpers import pdf_text

from webgis.exports.pdf import build_pdf
from webgis.exports.xlsx import xlsx


@pytest.fixture(scope="module")
def found_ctx(ctx, sample):
    # released 09:30, discovered 10:15: level II, reported within 2 h -> 12:15 (not 11:30)
    result = copy.deepcopy(sample)
    result["request"]["discovered_at"] = "2026-03-14T10:15:00+08:00"
    result["level"]["discovered_at"] = "2026-03-14T10:15:00+08:00"
    result["level"]["report_due_at"] = "2026-03-14T12:15:00+08:00"
    return replace(ctx, result=result, request=result["request"])


def test_context_clock_from_discovery(found_ctx, ctx):
    assert found_ctx.discovered_at.isoformat() == "2026-03-14T10:15:00+08:00"
    assert found_ctx.due_clock(120) == "12:15"
    assert found_ctx.due_clock(24 * 60) == "03-15 10:15"
    # a result without a discovery time (made before it was recorded): from the start
    assert ctx.discovered_at == ctx.started_at and ctx.due_clock(120) == "11:30"


def test_pdf_header_and_checklist_count_from_discovery(found_ctx, tmp_path):
    text = pdf_text(build_pdf(found_ctx), tmp_path)
    assert "发现时间" in text and "2026-03-14 10:15" in text
    assert "12:15 前（发现后 120 分钟内" in text
    assert "11:30 前" not in text  # the old clock from the release start
    due = [s["due_min"] for s in found_ctx.result["plan"]["steps"] if s.get("due_min")]
    if 60 in due:
        assert "11:15（60 分钟）" in text


def test_workbook_summary_has_the_discovery_time(found_ctx):
    wb = load_workbook(io.BytesIO(xlsx(found_ctx)))
    summary = {r[0]: r[1] for r in wb["概况"].iter_rows(values_only=True)}
    assert summary["发现时间"] == "2026-03-14T10:15:00+08:00"
    assert summary["报告时限"] == "2026-03-14T12:15:00+08:00"

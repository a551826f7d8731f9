"""The PDF read back: text (pdftotext), embedded fonts (pdffonts), a non-empty map (pdftoppm)."""

from __future__ import annotations

import subprocess

import numpy as np
from PIL import Image
from sheet_helpers import need_tool, pdf_text


def test_pdf_is_a4_and_has_the_sections(pdf_zh, tmp_path):
    assert pdf_zh.startswith(b"%PDF")
    text = pdf_text(pdf_zh, tmp_path)
    for expected in (
        "突发水污染事件现场处置工作单",
        "太石河",                      # the river
        "略阳县城嘉陵江取水口",         # the intake
        "太石河陇星锑业下游1号拦截坝点",  # an interception point
        "生石灰", "聚合氯化铝",          # materials to dispatch
        "陇南市环境应急救援队",          # a team
        "II级", "11:30",               # suggested level, reporting deadline
        "王值班",                      # issuing officer
        "处置步骤核对表", "联系方式", "0939-8151000",
        "可能受影响的敏感点示意图",
        "http://127.0.0.1:5000/incidents/42",
    ):
        assert expected in text, expected
    info = subprocess.run(["pdfinfo", "-"], input=pdf_zh, capture_output=True,
                          check=True).stdout.decode()
    assert "595.276 x 841.89 pts (A4)" in info
    assert int(next(line for line in info.splitlines() if line.startswith("Pages:"))
               .split()[1]) >= 4


def test_receptor_order_in_the_text(pdf_zh, tmp_path, sample):
    text = pdf_text(pdf_zh, tmp_path)
    first = text.index("太石河陇星锑业下游1号拦截坝点")
    intake = text.index("略阳县城嘉陵江取水口", first)
    last = text.index("上石盘水电站（四川）", intake)
    assert first < intake < last


def test_cjk_font_is_embedded(pdf_zh, tmp_path):
    need_tool("pdffonts")
    src = tmp_path / "s.pdf"
    src.write_bytes(pdf_zh)
    out = subprocess.run(["pdffonts", str(src)], capture_output=True, check=True).stdout.decode()
    rows = [line.split() for line in out.splitlines()[2:] if line.strip()]
    cjk = [r for r in rows if "CJK" in r[0]]
    assert cjk, out
    for r in cjk:
        assert r[-5] == "yes" and r[-4] == "yes", out  # embedded, subset


def test_page_one_map_is_not_empty(pdf_zh, tmp_path):
    need_tool("pdftoppm")
    src = tmp_path / "s.pdf"
    src.write_bytes(pdf_zh)
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(src),
                    str(tmp_path / "p")], check=True)
    png = next(tmp_path.glob("p*.png"))
    img = np.asarray(Image.open(png).convert("RGB")).astype(float)
    h, w, _ = img.shape
    box = img[int(h * 0.36):int(h * 0.85), int(w * 0.08):int(w * 0.92)]
    assert box.std() > 20
    # the path's colours (saturated red-orange-purple-blue) cover part of the map box
    mx, mn = box.max(axis=2), box.min(axis=2)
    saturated = ((mx - mn) > 90).mean()
    assert saturated > 0.005
    assert (box.mean(axis=2) < 250).mean() > 0.05  # not a blank box


def test_english_sheet(ctx_en, tmp_path):
    from webgis.exports.pdf import build_pdf

    text = pdf_text(build_pdf(ctx_en), tmp_path)
    for expected in ("Field response sheet", "Taishi River", "Receptors downstream",
                     "Plan checklist", "level II", "Sketch map of sensitive points"):
        assert expected in text, expected


def test_pdf_without_layers_or_path(sample, tmp_path):
    from webgis.exports.context import SheetContext
    from webgis.exports.pdf import build_pdf

    bare = dict(sample, receptors=[], depots=[], teams=[], notify=[],
                path={"type": "FeatureCollection", "features": []},
                plan={"river_code": None, "steps": []})
    pdf = build_pdf(SheetContext(result=bare, request=sample["request"]))
    text = pdf_text(pdf, tmp_path)
    assert "太石河" in text and "情景推演" in text

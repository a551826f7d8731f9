"""One catalogue for the sheet: every label in both languages, and an English sheet in English.

The sheet's words come from the map's Flask-Babel catalogue (`webgis/translations`): the
English is the message id, the Chinese its translation. An English PDF or workbook read back
holds Chinese characters only inside the proper names and data-only texts listed in
:func:`_chinese_only_sources` (each with the reason it has no English).
"""

from __future__ import annotations

import copy
import io
import re
from typing import Any

import pytest
from babel.messages.pofile import read_po
from openpyxl import load_workbook

from tests.unit.exports.conftest import make_ctx
from tests.unit.exports.sheet_helpers import pdf_text
from webgis.exports.labels import LABELS, label
from webgis.i18n import TRANSLATIONS

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]+")
FIELD = re.compile(r"\{(\w*)[^}]*\}")


def _catalogue() -> dict[tuple[str | None, str], Any]:
    with (TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return {(m.context, m.id): m for m in read_po(fh) if m.id}


def test_every_sheet_label_is_in_the_catalogue_in_both_languages():
    cat = _catalogue()
    problems = []
    for key, msg in LABELS.items():
        context, msgid = msg if isinstance(msg, tuple) else (None, msg)
        entry = cat.get((context, msgid))
        if not msgid.strip() or CJK.search(msgid):
            problems.append((key, "English (the message id) empty or not English"))
        if entry is None or not entry.string or entry.fuzzy:
            problems.append((key, "no Chinese translation"))
        elif set(FIELD.findall(entry.string)) != set(FIELD.findall(msgid)):
            problems.append((key, "placeholders differ"))
    assert problems == []


def test_labels_come_from_the_catalogue():
    assert label("sheet_title", "en") == "Field response sheet: water pollution incident"
    assert label("sheet_title", "zh") == "突发水污染事件现场处置工作单"
    assert label("sheet_title", "fr") == label("sheet_title", "zh")  # Chinese by default
    # a context keeps the printed form's own word where the map says it otherwise
    assert label("sheet_receptors", "zh") == "敏感点" and label("sheet_receptors", "en") == \
        "Receptors"
    assert label("place_value", "en", river="R", reach="X1", offset=5, lon=1, lat=2) == \
        "R (reach X1, 5 m from the channel)  1°E, 2°N"
    assert label("no such key", "en") == "no such key"


def _chinese_only_sources(ctx) -> list[str]:
    """Texts an English sheet may print in Chinese, and why (nothing else may be Chinese)."""
    res = ctx.result
    people = [ctx.officer] + [row.get("contact_name") or "" for row in ctx.depots + ctx.teams]
    people += [c.get("name") or "" for c in ctx.contacts]
    # the plan data names units and roles in Chinese only
    units = [c.get(k) or "" for c in ctx.contacts for k in ("unit_zh", "role_zh")]
    units += [s.get("responsible") or "" for s in (res.get("plan") or {}).get("steps", [])]
    # the interception points' access roads are described in Chinese only (data)
    access = [d.get("access") or "" for d in ctx.interception_details.values()]
    # the result's material rows carry no English name (response.resources.MaterialStock)
    materials = [m.get("name") or "" for row in ctx.depots for m in row.get("materials") or []]
    # the core names confluences and boundary crossings from the Chinese river and province
    # names, and its English reason texts quote Chinese names (hydro, response: owner A)
    core = [r["name"] for r in res["receptors"] if r["kind"] in ("confluence", "boundary")
            and not r.get("name_en")]
    core += [n.get(k) or "" for n in res.get("notify") or []
             for k in ("admin_name", "from_name")]
    lvl = res.get("level") or {}
    core += [r.get("text_en") or "" for r in lvl.get("reasons", []) + lvl.get(
        "report_reasons", [])]
    return people + units + access + materials + core


def _foreign(text: str, allowed: list[str]) -> set[str]:
    """Chinese runs in ``text`` that lie in none of the ``allowed`` texts."""
    return {run for run in CJK.findall(text) if not any(run in a for a in allowed)}


@pytest.fixture(scope="module")
def ctx_en_named(sample, base_layers, interception_details):
    """The English context; the frozen sample predates ``pollutant.name_en`` (the analysis
    sets it now, see tests/integration/test_sheets.py), so it is added here."""
    result = copy.deepcopy(sample)
    result["pollutant"].setdefault("name_en", "Antimony")
    return make_ctx(result, base_layers, interception_details, lang="en")


def test_english_pdf_has_no_chinese_but_names(ctx_en_named, tmp_path):
    from webgis.exports.pdf import build_pdf

    text = pdf_text(build_pdf(ctx_en_named), tmp_path)
    assert "Field response sheet" in text and "Antimony" in text
    assert _foreign(text.replace("\n", ""), _chinese_only_sources(ctx_en_named)) == set()
    # line breaks inside a name split the run: check the lines too
    assert _foreign(text, _chinese_only_sources(ctx_en_named)) == set()


def test_english_workbook_has_no_chinese_but_names(ctx_en_named):
    from webgis.exports.xlsx import xlsx

    wb = load_workbook(io.BytesIO(xlsx(ctx_en_named)))
    allowed = _chinese_only_sources(ctx_en_named)
    found = set()
    for ws in wb:
        found |= _foreign(ws.title, allowed)
        for row in ws.iter_rows(values_only=True):
            found |= {f"{ws.title}: {run}" for v in row if isinstance(v, str)
                      for run in _foreign(v, allowed)}
    assert found == set()
    assert wb.sheetnames == ["Summary", "Receptors", "Interception", "Materials", "Teams",
                             "Plan", "Contacts"]


def test_chinese_pdf_and_workbook_read_chinese(ctx, pdf_zh, tmp_path):
    from webgis.exports.xlsx import xlsx

    text = "".join(pdf_text(pdf_zh, tmp_path).split())
    for key in ("sheet_title", "incident", "discovered", "pollutant_mass", "level", "deadline",
                "receptors", "interceptions", "depots", "teams", "plan", "sketch",
                "col_peak_time", "col_in_time"):
        assert "".join(label(key, "zh").split()) in text, key
    assert "Field response sheet" not in text and "Receptors downstream" not in text
    wb = load_workbook(io.BytesIO(xlsx(ctx)))
    assert wb.sheetnames == ["概况", "敏感点", "拦截点", "物资", "队伍", "处置步骤", "联系方式"]
    assert [c.value for c in wb["敏感点"][1]][:4] == ["序", "类型", "编码", "名称"]

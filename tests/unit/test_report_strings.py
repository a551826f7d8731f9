"""The Reports tab's words (its partial and the service's messages) are in the catalogue
with a Chinese translation, and the drafting helpers print numbers and section numerals the
way an official report does."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

from webgis.exports.report_docx import _numeral
from webgis.services import reports
from webgis.services.report_draft import num

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "webgis" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
TEMPLATE_CALL = re.compile(r"""_\((["'])(.+?)\1\)""")
MESSAGE = re.compile(r'(?:Conflict|Unprocessable|NotFound)\(\s*"((?:[^"]|"\s*")+)"')


def _catalogue() -> dict[str, str]:
    with PO.open("rb") as fh:
        return {m.id: m.string for m in read_po(fh) if m.id}


def test_the_partial_and_the_service_messages_are_translated():
    catalogue = _catalogue()
    partial = (ROOT / "webgis" / "templates" / "incident" / "reports.html").read_text("utf-8")
    wanted = {m[1] for m in TEMPLATE_CALL.findall(partial)}
    source = Path(reports.__file__).read_text("utf-8")
    wanted |= {re.sub(r'"\s*"', "", m) for m in MESSAGE.findall(source)}
    wanted |= {reports._EDIT_ISSUED, reports._ISSUE_AGAIN}
    assert len(wanted) > 10
    missing = sorted(s for s in wanted if not re.search(r"[\u4e00-\u9fff]",
                                                          catalogue.get(s) or ""))
    assert missing == []


def test_numbers_and_numerals():
    assert [num(2000), num(0.034), num(0.00005), num(1234567), num(None), num(float("nan"))] \
        == ["2000", "0.034", "0.00005", "1230000", "—", "—"]
    assert [_numeral(n) for n in (1, 9, 10, 11, 16, 20, 23)] == \
        ["一", "九", "十", "十一", "十六", "二十", "二十三"]

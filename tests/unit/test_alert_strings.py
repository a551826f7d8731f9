"""Every string of the downstream-alert pages (the tab, the acknowledgement page, the
printable alerts) and every error message of the alert services has a Chinese translation:
the recipient's page is Chinese first."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "webgis" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
TEMPLATES = ("incident/alerts.html", "alerts/ack.html", "alerts/print.html")
TEMPLATE_CALL = re.compile(r"""_\((["'])(.+?)\1[,)]""")
ERROR_CALL = re.compile(r"""(?:Unprocessable|Conflict|LinkInvalid|LinkExpired|NotFound)\(\s*"""
                        r"""((?:"[^"]*"\s*)+)""")
SERVICES = ("alerts.py", "alert_ack.py", "alert_links.py")


def _catalogue() -> dict[str, str]:
    with PO.open("rb") as fh:
        return {m.id: m.string for m in read_po(fh) if m.id}


def test_every_alert_page_string_is_translated():
    catalogue = _catalogue()
    wanted = set()
    for name in TEMPLATES:
        text = (ROOT / "webgis" / "templates" / name).read_text(encoding="utf-8")
        wanted |= {m[1] for m in TEMPLATE_CALL.findall(text)}
    assert len(wanted) > 40
    assert sorted(s for s in wanted if not catalogue.get(s)) == []


def test_every_alert_error_message_is_translated():
    catalogue = _catalogue()
    wanted = set()
    for name in SERVICES:
        text = (ROOT / "webgis" / "services" / name).read_text(encoding="utf-8")
        for parts in ERROR_CALL.findall(text):
            wanted.add("".join(re.findall(r'"([^"]*)"', parts)))
    assert len(wanted) >= 8
    assert sorted(s for s in wanted if not catalogue.get(s)) == []

"""Every string the map's scripts and templates show has a Chinese translation."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

from webgis.web import mapview
from webgis.web.strings import CODED, PLAIN

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "webgis" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
JS_CALL = re.compile(r'(?<![\w.$])t\("([^"]+)"')
TEMPLATE_CALL = re.compile(r"""_\((["'])(.+?)\1\)""")


def _catalogue() -> dict[str, str]:
    with PO.open("rb") as fh:
        return {m.id: m.string for m in read_po(fh) if m.id}


def _sources() -> set[str]:
    return {str(s._args[0]) for s in PLAIN} | {str(v._args[0]) for v in CODED.values()}


def test_every_script_string_is_served():
    keys = {str(s._args[0]) for s in PLAIN} | set(CODED)
    used = set()
    for path in (ROOT / "static" / "app").glob("*.js"):
        used |= set(JS_CALL.findall(path.read_text(encoding="utf-8")))
    assert used, "no t(...) calls found"
    # t("risk_" + value): a prefix of coded keys.
    prefixes = {u for u in used if u.endswith("_")}
    assert {p for p in prefixes if not any(k.startswith(p) for k in CODED)} == set()
    assert used - prefixes - keys == set()


def test_every_source_string_has_a_chinese_translation():
    catalogue = _catalogue()
    wanted = _sources() | {label for _, label in mapview.OVERLAYS}
    wanted |= {"Offline base map", "Online tiles", "Full screen", "Exit full screen"}
    templates = ROOT / "webgis" / "templates"
    partials = [p.relative_to(templates).as_posix() for p in templates.glob("incident/*.html")]
    for name in ("map.html", "base.html", *partials):
        text = (templates / name).read_text(encoding="utf-8")
        wanted |= {m[1] for m in TEMPLATE_CALL.findall(text)}
    missing = sorted(s for s in wanted if not catalogue.get(s))
    assert missing == []


def test_the_model_block_is_in_the_catalogue():
    """The model's assumptions are written in English by the core and the analysis service;
    the map shows them through the catalogue (context "model"), so each needs a Chinese
    translation there (issue 13: the block stayed English on the Chinese map)."""
    from webgis.hydro.analysis import ASSUMPTIONS, OIL_ASSUMPTIONS
    from webgis.web.strings import MODEL_CONTEXT

    with PO.open("rb") as fh:
        model = {m.id: m.string for m in read_po(fh) if m.context == MODEL_CONTEXT}
    missing = [a for a in ASSUMPTIONS + OIL_ASSUMPTIONS if not model.get(a)]
    assert missing == []
    assert all(re.search(r"[\u4e00-\u9fff]", zh) for zh in model.values())

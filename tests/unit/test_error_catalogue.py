"""Chinese first: every error message the code raises with a literal text has its Chinese in
the one catalogue. The HTTP layer answers ``gettext(err.template, **params)``, so a message
missing from ``messages.po`` reaches a Chinese-speaking officer in English."""

from __future__ import annotations

import ast
from pathlib import Path

from webgis import i18n

ROOT = Path(__file__).resolve().parents[2] / "webgis"
#: The error classes whose first argument is the message template the API translates.
RAISED = {"BadRequest", "NotFound", "Unprocessable", "Conflict", "Unauthorized", "Forbidden",
          "DataError", "ImportRejected", "HydroError", "TooFarFromRiver", "DatasetInvalid"}


def _templates() -> list[tuple[str, int, str]]:
    out = []
    for path in sorted(ROOT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            first = node.args[0]
            if name in RAISED and isinstance(first, ast.Constant) and isinstance(first.value,
                                                                                 str):
                out.append((str(path.relative_to(ROOT.parent)), node.lineno, first.value))
    return out


def test_the_scan_finds_the_errors_it_should():
    found = {text for _, _, text in _templates()}
    assert "unknown CRS %(crs)s" in found  # dataset/survey.py
    assert len(found) > 100


def test_every_raised_message_has_its_chinese():
    zh = i18n.translations("zh")
    missing = [f"{where}:{line}: {text}" for where, line, text in _templates()
               if zh.gettext(text) == text]
    assert missing == [], "\n".join(missing)

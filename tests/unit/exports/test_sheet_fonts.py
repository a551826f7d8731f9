"""The CJK font: GB 2312 in the base set, conversion to TrueType that ReportLab embeds."""

from __future__ import annotations

import io

import pytest

from webgis.exports import fonts


def test_base_charset():
    chars = fonts._base_charset()
    assert {"甘", "肃", "锑", "陇", "→", "≤", "ℂ"} - chars == {"ℂ"} - chars
    assert len(chars) > 7000


def test_convert_small_subset():
    src = fonts.source_font()
    if src is None:
        pytest.skip("no CJK OpenType font installed (fonts-noto-cjk)")
    from fontTools.ttLib import TTFont

    data = fonts.convert(src[0], src[1], set("太石河锑"))
    font = TTFont(io.BytesIO(data))
    assert "glyf" in font and "CFF " not in font
    assert {ord(c) for c in "太石河锑"} <= set(font.getBestCmap())


def test_reportlab_font_covers_extra_text():
    if fonts.source_font() is None:
        pytest.skip("no CJK OpenType font installed (fonts-noto-cjk)")
    name = fonts.reportlab_font("太石河")
    assert name.startswith(fonts.FONT_NAME)

"""Warm before serving (issue 12): what the first sheet after a start used to pay for is
loaded by the warm-up, and `webgis warm-sheets` builds the font cache at setup."""

from __future__ import annotations

from pathlib import Path

from webgis.exports import fonts


def test_warm_up_loads_what_a_sheet_needs(app, session):
    from reportlab.pdfbase import pdfmetrics

    from webgis.services.sheet_warmup import warm_sheets

    fonts.source_cmap.cache_clear()
    fonts._registered.cache_clear()
    with app.app_context():
        warm_sheets()
    if fonts.source_font() is None:  # a machine without a CJK font: nothing to convert
        return
    assert fonts.source_cmap.cache_info().currsize == 1
    assert fonts._registered.cache_info().currsize >= 1
    assert any(name.startswith(fonts.FONT_NAME) for name in pdfmetrics.getRegisteredFontNames())


def test_warm_sheets_command_builds_the_font_cache(runner):
    """The setup step (the conversion itself is tested in tests/unit/exports)."""
    result = runner.invoke(args=["warm-sheets", "--fonts-only"])
    assert result.exit_code == 0, result.output
    if fonts.source_font() is not None:
        assert "ready" in result.output
        assert list(Path(fonts.cache_dir()).glob("cjk-*.ttf"))


def test_gunicorn_starts_the_warm_up_in_each_worker():
    import runpy

    from webgis.config import PROJECT_ROOT

    conf = runpy.run_path(str(PROJECT_ROOT / "gunicorn.conf.py"))
    assert callable(conf["post_worker_init"])

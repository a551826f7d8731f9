"""Warm the response sheets before the first real one: the first sheet after a start used
to cost 9–13 s (issue 12), because it paid for the PDF and map libraries' imports, reading
the CJK font and registering it with ReportLab and matplotlib — once per process.

`warm_sheets` does all of that by rendering the sheets of one notional spill on the largest
river (the ZIP in Chinese: PDF and every data file; the PDF in English) — a real sheet, so
the glyphs, map styles and table layouts a sheet uses are loaded too (an empty sheet left
the first real one at twice the cost of the next) — after making sure the converted CJK
font is on disk (`webgis.exports.fonts`: built once per machine, by `scripts/setup.sh`
through ``webgis warm-sheets``). Without a database it renders an empty sheet instead.
gunicorn runs it in a background thread of every worker as it starts (`gunicorn.conf.py`,
``post_worker_init``; ``WEBGIS_WARM_SHEETS=false`` turns it off), so the first sheet costs
what the hundredth does.
"""

from __future__ import annotations

import logging
import sys
import threading
import time

from flask import Flask

log = logging.getLogger(__name__)


def build_fonts() -> bool:
    """The converted CJK font on disk (a no-op when cached); whether there is one."""
    from webgis.exports import fonts

    return fonts.ttf_font("") is not None


def warm_sheets() -> float:
    """Load everything a sheet needs into this process; returns the seconds it took."""
    from webgis.exports import fonts
    from webgis.services import sheet

    t0 = time.perf_counter()
    build_fonts()
    src = fonts.source_font()
    if src is not None:
        fonts.source_cmap(*src)  # read when a sheet's text has a character not cached
    quiet = logging.getLogger("matplotlib")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # an empty map's "fixed limits" note is no news here
    try:
        for lang, fmt in (("zh", "zip"), ("en", "pdf")):
            sheet.build(_context(lang), fmt)
    finally:
        quiet.setLevel(level)
    return time.perf_counter() - t0


def _context(lang: str):
    """The sheet of a notional spill on the reach with the most water, or an empty one."""
    from webgis.services import sheet

    try:
        import numpy as np

        from webgis.services.reference import get_reference
        from webgis.services.uow import reading

        with reading() as session:
            ref = get_reference(session)
            net = ref.network
            lon, lat = net.point_at(int(np.argmax(net.discharge_m3s)), 0.5)
            body = {"location": {"lon": float(lon), "lat": float(lat)},
                    "pollutant": next(iter(ref.pollutants)), "release": {"mass_kg": 1000.0}}
            return sheet.context_for_request(session, body, lang=lang,
                                             base_url="http://localhost/")
    except Exception as exc:  # no database, no data, no river: the libraries still load
        log.info("sheet warm-up without data (%s)", exc.__class__.__name__)
        return sheet.context_for_result(None, {"request": {}}, lang=lang)


def start_sheet_warmup(app: Flask) -> threading.Thread | None:
    """`warm_sheets` in a daemon thread (when ``WARM_SHEETS`` is on); says when done."""
    if not app.config.get("WARM_SHEETS", True):
        return None

    def run() -> None:
        from webgis.services.uow import end_of_context

        try:
            with app.app_context():
                seconds = warm_sheets()
                end_of_context()
        except Exception:  # a warm-up must never take the worker down
            log.exception("sheet warm-up failed (the first sheet will pay for it)")
            return
        print(f"sheets warm in {seconds:.1f} s", file=sys.stderr, flush=True)

    thread = threading.Thread(target=run, name="webgis-warm-sheets", daemon=True)
    thread.start()
    return thread

"""Language: Simplified Chinese by default, English on request.

Source strings are English; `translations/zh` holds the Chinese. The `.po` catalogues are
compiled to `.mo` on start when they are newer, so a clean checkout needs no extra step.
One catalogue serves everything: the map's pages and scripts through Flask-Babel, the
response sheet and its data files (`webgis.exports`, also from the CLI, outside any request)
through :func:`translations`.
"""

from __future__ import annotations

import io
from functools import lru_cache
from gettext import NullTranslations
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from flask import Flask, current_app, request

LANGUAGES = ("zh", "en")
COOKIE = "lang"
TRANSLATIONS = Path(__file__).parent / "translations"


def select_locale() -> str:
    """`?lang=` wins, then the cookie, then the configured default."""
    for candidate in (request.args.get("lang"), request.cookies.get(COOKIE)):
        if candidate in LANGUAGES:
            return candidate
    return current_app.config.get("BABEL_DEFAULT_LOCALE", "zh")


def compile_catalogues(root: Path = TRANSLATIONS) -> list[Path]:
    """Compile every `messages.po` whose `.mo` is missing or older; returns what it wrote."""
    written = []
    for po_path in root.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as fh:
            catalog = read_po(fh)
        with mo_path.open("wb") as fh:
            write_mo(fh, catalog)
        written.append(mo_path)
    return written


@lru_cache(maxsize=len(LANGUAGES))
def translations(lang: str) -> NullTranslations:
    """The catalogue of ``lang`` for code that runs outside a request (sheets, the CLI).

    Loaded once per process. An unknown language gets the default, Chinese; English is the
    source language, so it has no catalogue and its messages are their own ids. The `.mo`
    files are compiled first if needed; where the package is read-only the `.po` is
    compiled in memory instead.
    """
    if lang not in LANGUAGES:
        lang = LANGUAGES[0]
    if lang == "en":
        return NullTranslations()
    try:
        compile_catalogues()
        return Translations.load(str(TRANSLATIONS), [lang])
    except OSError:
        buf = io.BytesIO()
        with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
            write_mo(buf, read_po(fh))
        buf.seek(0)
        return Translations(buf)


def init_app(app: Flask) -> None:
    """Compile catalogues, remember `?lang=` in a cookie."""
    compile_catalogues()

    @app.after_request
    def _remember_language(response):
        lang = request.args.get("lang")
        if lang in LANGUAGES:
            response.set_cookie(COOKIE, lang, max_age=365 * 86400, samesite="Lax")
        return response

    @app.context_processor
    def _language():
        return {"current_lang": select_locale(), "languages": LANGUAGES}

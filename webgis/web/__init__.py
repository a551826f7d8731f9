"""Pages: the duty officer's map (`/`) and a saved incident reopened on it (`/incidents/<id>`).

folium composes the map (`mapview`), `static/app/*.js` fills and drives it; the strings the
scripts show come from `strings.js_strings()` in the page's language.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from webgis.i18n import select_locale
from webgis.web import mapview, strings

bp = Blueprint("web", __name__)

#: [[south, west], [north, east]] of Gansu, for the first view.
GANSU_BOUNDS = [[32.55, 92.3], [42.8, 108.75]]
#: Web-map zoom the layer geometry is simplified for (half a pixel there).
LAYER_ZOOM = 8
SAVE_ROLES = ("duty_officer", "admin")


def _user() -> dict:
    if not current_user.is_authenticated:
        return {"name": None, "role": None, "can_save": False}
    return {
        "name": current_user.username,
        "role": current_user.role,
        "can_save": current_user.role in SAVE_ROLES,
    }


def _render_map(incident_id: int | None = None):
    lang = select_locale()
    parts = mapview.compose(
        lang, current_app.config.get("TILE_URL", ""), current_app.config.get("TILE_ATTRIBUTION", "")
    )
    config = {
        "lang": lang,
        "names": parts.names,
        "strings": strings.js_strings(),
        "api": "/api/v1",
        "user": _user(),
        "csrf": generate_csrf(),
        "incident_id": incident_id,
        "gansu_bounds": GANSU_BOUNDS,
        "layer_zoom": LAYER_ZOOM,
    }
    return render_template("map.html", map=parts, config=config)


@bp.get("/")
def index():
    """The duty officer's map; `?scenario=<JSON request>` re-runs a shared analysis."""
    return _render_map()


@bp.get("/incidents/<int:incident_id>")
def incident_page(incident_id: int):
    """The map with a saved incident reopened (the script loads it from the API)."""
    return _render_map(incident_id)

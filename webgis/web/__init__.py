"""Pages: the duty officer's map (`/`) and a saved incident reopened on it (`/incidents/<id>`).

folium composes the map (`mapview`), `static/app/*.js` fills and drives it; the strings the
scripts show come from `strings.js_strings()` in the page's language. The scripts and
stylesheets are served as one bundle each (`assets`, `/map/assets/...`).
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from webgis import compression
from webgis.auth import read_access
from webgis.contract.errors import parse
from webgis.contract.requests import MapLayersQuery
from webgis.errors import NotFound
from webgis.i18n import LANGUAGES, select_locale
from webgis.web import assets, mapdata, mapview, strings

bp = Blueprint("web", __name__)

#: [[south, west], [north, east]] of Gansu, for the first view.
GANSU_BOUNDS = [[32.55, 92.3], [42.8, 108.75]]
#: Web-map zoom the layer geometry is simplified for (half a pixel there).
LAYER_ZOOM = 8
SAVE_ROLES = ("duty_officer", "leader", "admin")


def _user() -> dict:
    if not current_user.is_authenticated:
        return {"name": None, "role": None, "can_save": False}
    return {
        "name": current_user.username,
        "role": current_user.role,
        "can_save": current_user.role in SAVE_ROLES,
    }


def _render_map(incident_id: int | None = None):
    if not current_app.config["PUBLIC_READ"] and not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    mapdata.warm(current_app._get_current_object(), LAYER_ZOOM)  # type: ignore[attr-defined]
    lang = select_locale()
    parts = _compose(lang)
    js, css = _bundles(parts)
    config = {
        "lang": lang,
        "names": parts.names,
        "strings": strings.js_strings(),
        "api": "/api/v1",
        "user": _user(),
        "csrf": generate_csrf(),
        "incident_id": incident_id,
        "gansu_bounds": GANSU_BOUNDS,
        "layers_url": url_for("web.map_layers", zoom=LAYER_ZOOM),
        "chart_js": url_for("web.map_asset", name="chart.js", v=_chart().digest),
    }
    bundles = {
        "js": url_for("web.map_asset", name=f"map-{lang}.js", v=js.digest),
        "css": url_for("web.map_asset", name="map.css", v=css.digest),
    }
    return render_template("map.html", map=parts, config=config, bundles=bundles)


def _compose(lang: str) -> mapview.MapParts:
    cfg = current_app.config
    return mapview.compose(lang, cfg.get("TILE_URL", ""), cfg.get("TILE_ATTRIBUTION", ""))


def _bundles(parts: mapview.MapParts) -> tuple[assets.Bundle, assets.Bundle]:
    """The page's one script (vendored scripts, then ours) and one stylesheet."""
    root = Path(current_app.static_folder or "static")
    js = assets.get(root, "js", assets.static_files(parts.js) + assets.APP_JS)
    css = assets.get(root, "css", assets.static_files(parts.css) + assets.APP_CSS)
    return js, css


def _chart() -> assets.Bundle:
    """Chart.js, loaded by incident.js on the first chart (same caching as the bundles)."""
    return assets.get(Path(current_app.static_folder or "static"), "js", assets.CHART_JS)


@bp.get("/map/assets/<name>")
def map_asset(name: str):
    """`map-<lang>.js`, `map.css` or `chart.js`; immutable for a year when `?v=` is its
    current hash."""
    lang = LANGUAGES[0]  # the stylesheet is the same in every language
    if name == "chart.js":
        bundle = _chart()
    elif name == "map.css" or (name.startswith("map-") and name.endswith(".js")
                               and name[4:-3] in LANGUAGES):
        lang = name[4:-3] if name.endswith(".js") else lang
        bundle = _bundles(_compose(lang))[0 if name.endswith(".js") else 1]
    else:
        raise NotFound(f"no map asset {name!r}")
    current = request.args.get("v") == bundle.digest
    # An old ?v= gets today's file, but must not be kept under that name.
    cache = f"public, max-age={assets.MAX_AGE}, immutable" if current else "no-cache"
    return compression.send(bundle, bundle.mimetype, cache)


@bp.get("/")
def index():
    """The duty officer's map; `?scenario=<JSON request>` re-runs a shared analysis."""
    return _render_map()


@bp.get("/incidents/<int:incident_id>")
def incident_page(incident_id: int):
    """The map with a saved incident reopened (the script loads it from the API); signed-in
    users only, whatever `PUBLIC_READ` says (anonymous users never see incidents)."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return _render_map(incident_id)


@bp.get("/map/layers.json")
@read_access
def map_layers():
    """Every map layer in one gzip-compressed response (see `mapdata`); `?zoom=` 4..14."""
    zoom = parse(MapLayersQuery, request.args.to_dict()).zoom
    return compression.send(mapdata.payload(zoom), "application/json")

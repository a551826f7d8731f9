"""Compose the map with folium: the Leaflet map, the layer control and the plugins.

folium writes the page skeleton (empty layer groups named in the current language, the
layer control, scale, fullscreen, measure, cursor coordinates); `static/app/map.js` fills
the groups from the layer API and drives the incident workflow. Every asset is served
from `static/vendor/` (see its README): folium's CDN defaults are replaced here, and the
jQuery/Bootstrap/Font Awesome it would add are dropped because nothing uses them.

The page does not load folium's `<script>`/`<link>` tags one by one: they are taken out of
the header (`MapParts.js`/`.css`) and served in one deferred bundle (`assets`). folium's
own script becomes a function, `window.WG_FOLIUM()`, that map.js calls once Leaflet is
there; it returns the objects named in `MapParts.names`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import folium
from flask_babel import force_locale, gettext
from folium import plugins

VENDOR = "/static/vendor"

# folium's own defaults point at CDNs; the map must work with no internet.
folium.Map.default_js = [("leaflet", f"{VENDOR}/leaflet/leaflet.js")]
folium.Map.default_css = [("leaflet_css", f"{VENDOR}/leaflet/leaflet.css")]
plugins.MarkerCluster.default_js = [
    ("markerclusterjs", f"{VENDOR}/markercluster/leaflet.markercluster.js")
]
plugins.MarkerCluster.default_css = [
    ("markerclustercss", f"{VENDOR}/markercluster/MarkerCluster.css"),
    ("markerclusterdefaultcss", f"{VENDOR}/markercluster/MarkerCluster.Default.css"),
]
plugins.Fullscreen.default_js = [
    ("Control.Fullscreen.js", f"{VENDOR}/fullscreen/Control.FullScreen.js")
]
plugins.Fullscreen.default_css = [
    ("Control.FullScreen.css", f"{VENDOR}/fullscreen/Control.FullScreen.css")
]
plugins.MeasureControl.default_js = [
    ("leaflet_measure_js", f"{VENDOR}/measure/leaflet-measure.en.js")
]
plugins.MeasureControl.default_css = [
    ("leaflet_measure_css", f"{VENDOR}/measure/leaflet-measure.css")
]
plugins.MousePosition.default_js = [
    ("Control_MousePosition_js", f"{VENDOR}/mouseposition/L.Control.MousePosition.js")
]
plugins.MousePosition.default_css = [
    ("Control_MousePosition_css", f"{VENDOR}/mouseposition/L.Control.MousePosition.css")
]

#: Overlays in the layer control, in this order: key (the layer API name) and label.
OVERLAYS: tuple[tuple[str, str], ...] = (
    ("admin_areas", "Administrative boundaries"),
    ("rivers", "Rivers"),
    ("places", "Cities and towns"),
    ("water_sources", "Drinking-water intakes"),
    ("sections", "Monitoring sections"),
    ("interception_points", "Interception points"),
    ("depots", "Material depots"),
    ("teams", "Rescue teams"),
    ("enterprises", "Risk enterprises"),
)

# Worst risk level among the clustered enterprises colours the cluster.
_CLUSTER_ICON = """
function (cluster) {
  var rank = {major: 3, larger: 2, general: 1}, worst = 'general';
  cluster.getAllChildMarkers().forEach(function (m) {
    var r = m.options.risk || 'general';
    if ((rank[r] || 0) > (rank[worst] || 0)) { worst = r; }
  });
  var n = cluster.getChildCount();
  return L.divIcon({
    html: '<div><span>' + n + '</span></div>',
    className: 'marker-cluster ent-cluster risk-' + worst,
    iconSize: L.point(36, 36)
  });
}
"""

# folium's templates carry a few `// https://...` comments; the page must name no remote URL.
_URL_COMMENT = re.compile(r"^\s*//.*https?://.*$", re.MULTILINE)

# The vendored files folium's header names, in order (the bundle replaces these tags).
_SCRIPT_TAG = re.compile(r'^\s*<script src="([^"]+)"></script>\s*$', re.MULTILINE)
_CSS_TAG = re.compile(r'^\s*<link rel="stylesheet" href="([^"]+)"/>\s*$', re.MULTILINE)

_COORD_FORMAT = "function (v) { return window.webgisFmt ? webgisFmt.%s(v) : v.toFixed(5); }"


@dataclass(frozen=True)
class MapParts:
    """Rendered pieces of the folium page and the JS names of its objects."""

    header: str  # folium's styles and inline settings, without the asset tags
    html: str
    script: str  # defines window.WG_FOLIUM(); runs nothing itself
    names: dict[str, str]
    js: tuple[str, ...]  # URLs of the vendored scripts, in order
    css: tuple[str, ...]  # URLs of the vendored stylesheets, in order


def _compose(lang: str, tile_url: str, tile_attribution: str) -> MapParts:
    fmap = folium.Map(
        location=[37.2, 101.0],
        zoom_start=6,
        tiles=None,
        control_scale=False,  # map.js adds a metric-only scale bar
        zoom_control=True,
        # Leaflet options (min_zoom/max_zoom of folium only reach a tile layer).
        minZoom=4,
        maxZoom=17,
    )
    base = folium.FeatureGroup(name=gettext("Offline base map"), overlay=False).add_to(fmap)
    names = {"map": fmap.get_name(), "base": base.get_name()}
    if tile_url:
        tiles = folium.TileLayer(
            tiles=tile_url,
            min_zoom=4,
            max_zoom=17,
            attr=tile_attribution or gettext("Online tiles"),
            name=gettext("Online tiles"),
            overlay=False,
            show=False,
        ).add_to(fmap)
        names["tiles"] = tiles.get_name()
    for key, label in OVERLAYS:
        if key == "enterprises":
            group = plugins.MarkerCluster(
                name=gettext(label),
                icon_create_function=_CLUSTER_ICON,
                options={"maxClusterRadius": 45, "showCoverageOnHover": False},
            )
        else:
            group = folium.FeatureGroup(name=gettext(label))  # type: ignore[assignment]
        group.add_to(fmap)
        names[key] = group.get_name()

    plugins.Fullscreen(
        position="topleft", title=gettext("Full screen"), title_cancel=gettext("Exit full screen")
    ).add_to(fmap)
    measure = plugins.MeasureControl(
        position="topleft",
        primary_length_unit="kilometers",
        secondary_length_unit="meters",
        primary_area_unit="sqkilometers",
        secondary_area_unit="hectares",
    )
    build = "cn" if lang == "zh" else "en"
    measure.default_js = [("leaflet_measure_js", f"{VENDOR}/measure/leaflet-measure.{build}.js")]
    measure.add_to(fmap)
    plugins.MousePosition(
        position="bottomleft",
        separator="  ",
        empty_string="",
        lng_first=True,
        lng_formatter=_COORD_FORMAT % "lon",
        lat_formatter=_COORD_FORMAT % "lat",
    ).add_to(fmap)
    control = folium.LayerControl(position="topright", collapsed=False).add_to(fmap)
    names["control"] = control.get_name()

    root: Any = fmap.get_root()  # a branca Figure: header, html and script elements
    root.render()
    header = root.header.render()
    js = tuple(_SCRIPT_TAG.findall(header))
    css = tuple(_CSS_TAG.findall(header))
    header = _CSS_TAG.sub("", _SCRIPT_TAG.sub("", header))
    # Top-level `var`/`let` of folium's script become locals of the function; it returns
    # them by name (a `let` would not even be a property of window).
    exports = ", ".join(f"{json.dumps(name)}: {name}" for name in names.values())
    script = (
        "window.WG_FOLIUM = function () {\n"
        + _URL_COMMENT.sub("", root.script.render())
        + f"\nreturn {{{exports}}};\n}};"
    )
    return MapParts(header=header, html=root.html.render(), script=script, names=names,
                    js=js, css=css)


@lru_cache(maxsize=8)
def compose(lang: str, tile_url: str = "", tile_attribution: str = "") -> MapParts:
    """The map for one language (and tile setting), composed once per process."""
    with force_locale(lang):
        return _compose(lang, tile_url, tile_attribution)

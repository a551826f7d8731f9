"""GPS and GIS files of a sheet: GeoJSON, KML (simplekml) and GPX (gpxpy).

All three carry the same things: the incident, the path (coloured by arrival time in
KML), one point per receptor (intakes, sections, interception points, confluences,
boundary crossings) and the depots and teams sent out. Names stay Unicode (UTF-8).
"""

from __future__ import annotations

import json
import math
from typing import Any

from webgis.exports.context import SheetContext, fmt_hours, fmt_num, reach_code
from webgis.exports.labels import target_name

# KML colours are aabbggrr (the map's colours)
KML_COLORS = {
    "water_source": "ffc4620b",
    "section": "ff3a8f1a",
    "interception": "ff0070e0",
    "confluence": "ffc8904a",
    "boundary": "ff9a1b6a",
    "depot": "ff2d5314",
    "team": "ff004a7a",
    "incident": "ff0000d0",
}
ICON = "http://maps.google.com/mapfiles/kml/shapes/{}.png"
KML_ICONS = {
    "water_source": ICON.format("water"),
    "section": ICON.format("triangle"),
    "interception": ICON.format("square"),
    "confluence": ICON.format("placemark_circle"),
    "boundary": ICON.format("flag"),
    "depot": ICON.format("truck"),
    "team": ICON.format("man"),
    "incident": ICON.format("caution"),
}


def _finite(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _receptor_props(ctx: SheetContext, r: dict[str, Any], no: int) -> dict[str, Any]:
    worst = r.get("worst") or {}
    d = ctx.details(r)
    props = {
        "layer": "receptor", "no": no, "kind": r.get("kind"), "code": r.get("code"),
        "name": r.get("name"), "name_en": r.get("name_en") or d.get("name_en"),
        "river_code": r.get("river_code"), "river_km": r.get("river_km"),
        "arrival_h": r.get("arrival_h"), "arrival_at": ctx.clock(r.get("arrival_h")),
        "worst_arrival_h": worst.get("arrival_h"), "peak_h": r.get("peak_h"),
        "peak_conc_mgl": r.get("peak_conc_mgl"), "worst_peak_conc_mgl": worst.get("peak_conc_mgl"),
        "limit_mgl": r.get("limit_mgl"), "exceeds": r.get("exceeds"),
        "exceed_hours": r.get("exceed_hours"),
    }
    if r.get("kind") == "interception":
        props.update({k: d.get(k) for k in ("type", "techniques", "access", "access_road_km",
                                             "capacity_m3", "holding_h")})
    slick = r.get("slick")
    if isinstance(slick, dict):  # a floating oil: peak_conc_mgl is dissolved petroleum
        w = slick.get("worst") or {}
        props.update({
            "slick_arrival_h": slick.get("arrival_h"),
            "slick_worst_arrival_h": w.get("arrival_h"),
            "slick_passage_end_h": slick.get("passage_end_h"),
            "slick_worst_passage_end_h": w.get("passage_end_h"),
            "slick_length_km": slick.get("length_km"),
            "slick_worst_length_km": w.get("length_km"),
            "slick_evaporated_pct": slick.get("evaporated_pct"),
        })
    return props


def _site_props(ctx: SheetContext, row: dict[str, Any], layer: str) -> dict[str, Any]:
    return {
        "layer": layer, "code": row.get("code"), "name": row.get("name"),
        "name_en": row.get("name_en"), "target_code": row.get("target_code"),
        "target_name": row.get("target_name"), "distance_km": row.get("distance_km"),
        "travel_h": row.get("travel_h"), "arrives_before_plume": row.get("arrives_before_plume"),
        "materials": [
            {k: mt.get(k) for k in ("code", "name", "quantity", "unit")}
            for mt in row.get("materials") or []
        ],
    }


def geojson(ctx: SheetContext) -> bytes:
    """One FeatureCollection: incident, path reaches, receptors, depots, teams."""
    feats: list[dict[str, Any]] = []
    lon, lat = ctx.location
    feats.append({
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {
            "layer": "incident", "name": ctx.sheet_title, "pollutant": ctx.pollutant.get("code"),
            "pollutant_name": ctx.pollutant.get("name"), "mass_kg": ctx.mass_kg,
            "started_at": ctx.req.get("started_at"), "river_code": ctx.snap.get("river_code"),
            "river_name": ctx.snap.get("river_name"), "level": ctx.level.get("suggested"),
            "link": ctx.link or None,
        },
    })
    for f in (ctx.result.get("path") or {}).get("features") or []:
        feats.append({"type": "Feature", "geometry": f.get("geometry"),
                      "properties": {"layer": "path", **(f.get("properties") or {})}})
    for no, r in enumerate(ctx.receptors(), start=1):
        feats.append({"type": "Feature",
                      "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
                      "properties": _receptor_props(ctx, r, no)})
    for rows, layer, team in ((ctx.depots, "depot", False), (ctx.teams, "team", True)):
        for row in rows:
            site = ctx.site(row, team=team)
            feats.append({"type": "Feature",
                          "geometry": {"type": "Point", "coordinates": list(site)} if site
                          else None,
                          "properties": _site_props(ctx, row, layer)})
    doc = {"type": "FeatureCollection", "name": ctx.sheet_title, "features": feats}
    return json.dumps(doc, ensure_ascii=False, allow_nan=False, default=str,
                      separators=(",", ":")).encode("utf-8")


def _arrival_color(h: float, hmax: float) -> str:
    """KML colour (aabbggrr) from red (now) through purple to blue (late)."""
    from webgis.exports.mapkit import ARRIVAL_CMAP

    r, g, b, _ = ARRIVAL_CMAP(min(max(h / hmax, 0.0), 1.0) if hmax > 0 else 0.0)
    return f"ff{int(b * 255):02x}{int(g * 255):02x}{int(r * 255):02x}"


def _describe(ctx: SheetContext, r: dict[str, Any]) -> str:
    worst = r.get("worst") or {}
    lines = [
        f"{ctx.t('col_kind')}: {ctx.t('kind_' + str(r.get('kind')))}",
        f"{ctx.t('col_km')}: {fmt_num(r.get('river_km'))}",
        f"{ctx.t('col_arrival')}: {ctx.clock(r.get('arrival_h'))} "
        f"({fmt_hours(r.get('arrival_h'))} h; {fmt_hours(worst.get('arrival_h'))} h)",
        f"{ctx.peak_label()}: {fmt_num(r.get('peak_conc_mgl'))}",
        f"{ctx.t('col_limit')}: {fmt_num(r.get('limit_mgl'))}",
    ]
    if ctx.slick_text(r):
        lines.append(ctx.slick_text(r))
    if r.get("kind") == "interception":
        d = ctx.details(r)
        tech = ctx.t("sep").join(ctx.t("tech_" + t) for t in d.get("techniques") or [])
        if tech:
            lines.append(f"{ctx.t('col_techniques')}: {tech}")
        if d.get("access"):
            lines.append(f"{ctx.t('col_access')}: {d['access']}")
    return "\n".join(lines)


def kml(ctx: SheetContext) -> bytes:
    """A styled KML document (folders: path, receptors, depots, teams)."""
    import simplekml

    doc = simplekml.Kml(name=ctx.sheet_title)
    doc.document.description = ctx.link or ""
    lon, lat = ctx.location
    p = doc.newpoint(name=ctx.t("map_legend_incident"), coords=[(lon, lat)])
    p.description = (f"{ctx.sheet_title}\n{ctx.name(ctx.pollutant)} {fmt_num(ctx.mass_kg)} kg\n"
                     f"{ctx.link}")
    p.style.iconstyle.color = KML_COLORS["incident"]
    p.style.iconstyle.icon.href = KML_ICONS["incident"]
    p.style.iconstyle.scale = 1.4

    fpath = doc.newfolder(name=ctx.t("folder_path"))
    feats = (ctx.result.get("path") or {}).get("features") or []
    hmax = max([_finite((f.get("properties") or {}).get("arrival_h")) or 0 for f in feats]
               + [1.0])
    for f in feats:
        props = f.get("properties") or {}
        coords = [tuple(c[:2]) for c in (f.get("geometry") or {}).get("coordinates") or []]
        if len(coords) < 2:
            continue
        ls = fpath.newlinestring(name=f"{props.get('river_name') or props.get('river_code')} "
                                      f"{fmt_num(props.get('from_km'))}–"
                                      f"{fmt_num(props.get('to_km'))} km",
                                 coords=coords)
        ls.description = f"{ctx.t('col_arrival_h')}: {fmt_num(props.get('arrival_h'))}"
        ls.style.linestyle.color = _arrival_color(_finite(props.get("arrival_h")) or 0, hmax)
        ls.style.linestyle.width = 5

    frec = doc.newfolder(name=ctx.t("folder_receptors"))
    for no, r in enumerate(ctx.receptors(), start=1):
        pt = frec.newpoint(name=f"{no} {ctx.name(r)}", coords=[(r["lon"], r["lat"])])
        pt.description = _describe(ctx, r)
        kind = r.get("kind", "confluence")
        pt.style.iconstyle.color = KML_COLORS.get(kind, KML_COLORS["confluence"])
        pt.style.iconstyle.icon.href = KML_ICONS.get(kind, KML_ICONS["confluence"])
        pt.style.labelstyle.scale = 0.9
        for key, value in _receptor_props(ctx, r, no).items():
            if value is not None and not isinstance(value, list | dict):
                pt.extendeddata.newdata(key, str(value))

    for rows, folder, kind, team in ((ctx.depots, "folder_depots", "depot", False),
                                     (ctx.teams, "folder_teams", "team", True)):
        fold = doc.newfolder(name=ctx.t(folder))
        for row in rows:
            site = ctx.site(row, team=team)
            if site is None:
                continue
            pt = fold.newpoint(name=ctx.name(row), coords=[site])
            mats = ctx.t("sep").join(
                f"{mt.get('name')} {fmt_num(mt.get('quantity'))} {mt.get('unit')}"
                for mt in (row.get("materials") or [])[:12])
            pt.description = (f"{ctx.t('col_target')}: {target_name(ctx, row) or '—'}\n"
                              f"{ctx.t('col_travel')}: {fmt_hours(row.get('travel_h'))}\n{mats}")
            pt.style.iconstyle.color = KML_COLORS[kind]
            pt.style.iconstyle.icon.href = KML_ICONS[kind]
    return doc.kml().encode("utf-8")


def gpx(ctx: SheetContext, max_route_points: int = 500) -> bytes:
    """GPX 1.1: a waypoint per receptor (type = kind), the incident, depots and teams
    (type incident/depot/team), and a route along the path."""
    import gpxpy.gpx

    g = gpxpy.gpx.GPX()
    g.name = ctx.sheet_title
    g.description = ctx.link or None
    g.creator = "webgis (Gansu river emergency GIS)"
    lon, lat = ctx.location
    start = ctx.started_at
    g.waypoints.append(gpxpy.gpx.GPXWaypoint(
        latitude=lat, longitude=lon, name=ctx.t("map_legend_incident"), type="incident",
        description=f"{ctx.name(ctx.pollutant)} {fmt_num(ctx.mass_kg)} kg",
        time=start,
    ))
    for no, r in enumerate(ctx.receptors(), start=1):
        g.waypoints.append(gpxpy.gpx.GPXWaypoint(
            latitude=r["lat"], longitude=r["lon"], name=f"{no} {ctx.name(r)}",
            type=r.get("kind"), description=_describe(ctx, r), symbol=r.get("kind"),
        ))
    for rows, kind, team in ((ctx.depots, "depot", False), (ctx.teams, "team", True)):
        for row in rows:
            site = ctx.site(row, team=team)
            if site is None:
                continue
            g.waypoints.append(gpxpy.gpx.GPXWaypoint(
                latitude=site[1], longitude=site[0], name=ctx.name(row), type=kind,
                description=f"{ctx.t('col_target')}: {target_name(ctx, row) or '—'}",
            ))
    pts: list[tuple[float, float, str | None]] = []
    for f in (ctx.result.get("path") or {}).get("features") or []:
        props = f.get("properties") or {}
        coords = (f.get("geometry") or {}).get("coordinates") or []
        for i, c in enumerate(coords):
            if pts and (pts[-1][0], pts[-1][1]) == (c[0], c[1]):
                continue
            pts.append((c[0], c[1], reach_code(props) if i == 0 else None))
    if len(pts) > max_route_points:
        keep = {round(i * (len(pts) - 1) / (max_route_points - 1))
                for i in range(max_route_points)}
        pts = [p for i, p in enumerate(pts) if i in keep or p[2]]
    route = gpxpy.gpx.GPXRoute(name=ctx.t("route_name", river=ctx.river_name))
    for x, y, reach in pts:
        route.points.append(gpxpy.gpx.GPXRoutePoint(latitude=y, longitude=x, name=reach))
    g.routes.append(route)
    return g.to_xml(version="1.1").encode("utf-8")

"""Maps of a sheet, drawn server-side and offline from our own layers (matplotlib, Agg).

``situation_map``: admin boundaries, rivers, places, the incident, the path coloured by
arrival time, receptors numbered as in the receptor table, depots and teams with their
dispatch lines, a scale bar and a north arrow. ``sketch_map`` (:mod:`webgis.exports.sketch`):
the schematic of sensitive points along the river that the 2011 reporting measures (Art. 13)
ask for. Both return PNG bytes. The drawing parts they share are in
:mod:`webgis.exports.mapkit`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.lines import Line2D

from webgis.exports import fonts
from webgis.exports.context import SheetContext, fmt_num
from webgis.exports.mapkit import (
    ARRIVAL_CMAP,
    DEPOT_STYLE,
    INCIDENT_STYLE,
    KIND_STYLE,
    MAX_MAP_DEPOTS,
    MAX_MAP_TEAMS,
    TEAM_STYLE,
    edge_point,
    geometry_lines,
    inside,
    map_text,
    new_figure,
    north_arrow,
    path_features,
    place_labels,
    scale_bar,
    to_png,
)
from webgis.exports.sketch import sketch_map

__all__ = ["ARRIVAL_CMAP", "KIND_STYLE", "situation_map", "sketch_map"]

Label = tuple[float, float, str, dict[str, Any]]


def _path_segments(ctx: SheetContext) -> tuple[np.ndarray, np.ndarray]:
    """Line segments of the path and the arrival time (h) at each segment's middle."""
    feats = path_features(ctx)
    segs: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    for i, f in enumerate(feats):
        xy = np.asarray(f["geometry"]["coordinates"], dtype=float)[:, :2]
        if len(xy) < 2:
            continue
        p = f.get("properties") or {}
        a0 = float(p.get("arrival_h") or 0.0)
        nxt = feats[i + 1].get("properties", {}) if i + 1 < len(feats) else None
        a1 = float(nxt.get("arrival_h")) if nxt and nxt.get("arrival_h") is not None else None
        if a1 is None:
            # extrapolate with the previous reach's speed (hours per km)
            km = max(float(p.get("to_km", 0)) - float(p.get("from_km", 0)), 1e-9)
            rate = 0.0
            if i > 0:
                q = feats[i - 1].get("properties") or {}
                dk = float(q.get("to_km", 0)) - float(q.get("from_km", 0))
                if dk > 0:
                    rate = (a0 - float(q.get("arrival_h") or 0.0)) / dk
            a1 = a0 + rate * km
        step = np.hypot(np.diff(xy[:, 0]), np.diff(xy[:, 1]))
        cum = np.concatenate(([0.0], np.cumsum(step)))
        frac = cum / cum[-1] if cum[-1] > 0 else np.linspace(0, 1, len(cum))
        arr = a0 + (a1 - a0) * frac
        segs.append(np.stack([xy[:-1], xy[1:]], axis=1))
        vals.append((arr[:-1] + arr[1:]) / 2)
    if not segs:
        return np.zeros((0, 2, 2)), np.zeros(0)
    return np.concatenate(segs), np.concatenate(vals)


def _extent(ctx: SheetContext, aspect: float, shown: list[tuple[float, float]]) -> tuple:
    """lon0, lon1, lat0, lat1 around the path, receptors and shown sites, in the box ratio."""
    pts = list(shown)
    for f in path_features(ctx):
        pts += [tuple(c[:2]) for c in f["geometry"]["coordinates"]]
    pts += [(r["lon"], r["lat"]) for r in ctx.receptors() if r.get("lon") is not None]
    lon, lat = ctx.location
    if math.isfinite(lon):
        pts.append((lon, lat))
    arr = np.asarray([p for p in pts if all(map(math.isfinite, p))], dtype=float)
    if arr.size == 0:
        return 103.0, 105.0, 35.0, 37.0
    x0, y0 = arr.min(axis=0)
    x1, y1 = arr.max(axis=0)
    lat_c = (y0 + y1) / 2
    k = math.cos(math.radians(lat_c))
    w, h = max((x1 - x0) * k, 0.02), max(y1 - y0, 0.02)
    w, h = w * 1.12 + 0.04, h * 1.12 + 0.04
    if w / h > aspect:
        h = w / aspect
    else:
        w = h * aspect
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return cx - w / 2 / k, cx + w / 2 / k, cy - h / 2, cy + h / 2


def situation_map(ctx: SheetContext, width_mm: float = 180, height_mm: float = 120,
                  dpi: int = 200, raw: bool = False):
    """The situation map as PNG bytes (or a PIL image with ``raw``).

    The map frames the path and its receptors; depots and teams close to it are framed
    too, farther ones are named at the map edge where their dispatch line leaves it.
    A strip under the map holds the legend and the arrival-time colour scale.
    """
    fp = fonts.matplotlib_font(map_text(ctx))
    fig = new_figure(width_mm, height_mm, dpi)
    strip_mm = 15.0
    strip = strip_mm / height_mm
    ax = fig.add_axes((0, strip, 1, 1 - strip))
    depots = [d for d in ctx.depots[:MAX_MAP_DEPOTS] if ctx.site(d)]
    teams = [t for t in ctx.teams[:MAX_MAP_TEAMS] if ctx.site(t, team=True)]
    ext = _frame(ax, ctx, width_mm / (height_mm - strip_mm), depots, teams)
    _base_layers(ax, ctx, ext, fp)
    lc = _plume_path(ax, ctx)
    labels = _dispatch(ax, ctx, depots, teams, ext)
    _receptor_marks(ax, ctx, labels)
    lon, lat = ctx.location
    if math.isfinite(lon):
        ax.scatter([lon], [lat], marker=INCIDENT_STYLE["marker"], s=INCIDENT_STYLE["size"],
                   c=INCIDENT_STYLE["color"], edgecolors="black", linewidths=0.8, zorder=25)
        labels.insert(0, (lon, lat, ctx.t("map_legend_incident"),
                          {"fontsize": 8.5, "color": "#b00000", "fontweight": "bold"}))
    place_labels(ax, labels, ext, width_mm, fp)
    scale_bar(ax, ext, fp, ctx.t("km"))
    north_arrow(ax, ext, fp, ctx.t("north"))
    for spine in ax.spines.values():
        spine.set_linewidth(0.8)
    _legend_strip(fig, ctx, lc, strip, fp)
    return to_png(fig, dpi, raw)


def _frame(ax: Any, ctx: SheetContext, aspect: float, depots: list[dict[str, Any]],
           teams: list[dict[str, Any]]) -> tuple[float, float, float, float]:
    """Set the axes to the path and receptors plus the depots and teams close to them."""
    sites = [ctx.site(d) for d in depots] + [ctx.site(t, team=True) for t in teams]
    core = _extent(ctx, aspect, [])
    w, h = core[1] - core[0], core[3] - core[2]
    near_box = (core[0] - w * 0.35, core[1] + w * 0.35, core[2] - h * 0.35, core[3] + h * 0.35)
    ext = _extent(ctx, aspect, [s for s in sites if s is not None and inside(s, near_box)])
    lon0, lon1, lat0, lat1 = ext
    k = math.cos(math.radians((lat0 + lat1) / 2))
    ax.set_xlim(lon0, lon1)
    ax.set_ylim(lat0, lat1)
    ax.set_aspect(1 / k, adjustable="datalim")
    ax.set_facecolor("#fbfaf6")
    ax.set_xticks([])
    ax.set_yticks([])
    return ext


def _base_layers(ax: Any, ctx: SheetContext, ext: tuple[float, float, float, float],
                 fp: Any) -> None:
    """Province and prefecture boundaries, rivers by discharge, places in the frame."""
    lat0, lat1 = ext[2], ext[3]
    prov = [a["geometry"] for a in ctx.layers.admin if a.get("level") == "province"]
    pref = [a["geometry"] for a in ctx.layers.admin if a.get("level") != "province"]
    ax.add_collection(LineCollection(geometry_lines(pref), colors="#9a9a9a", linewidths=0.6,
                                     linestyles=(0, (3, 2)), zorder=2))
    ax.add_collection(LineCollection(geometry_lines(prov), colors="#555555", linewidths=1.4,
                                     linestyles=(0, (6, 2, 1, 2)), zorder=3))
    river_lines: list[np.ndarray] = []
    river_widths: list[float] = []
    for r in ctx.layers.rivers:
        q = float(r.get("discharge_m3s") or 1.0)
        lines = geometry_lines([r["geometry"]])
        river_lines += lines
        river_widths += [0.5 + min(math.log10(max(q, 1.0)), 3.0) * 0.7] * len(lines)
    ax.add_collection(LineCollection(river_lines, colors="#8cc4ec", linewidths=river_widths,
                                     zorder=4))
    for p in ctx.layers.places:
        if not inside((p["lon"], p["lat"]), ext):
            continue
        big = p.get("kind") in ("capital", "prefecture_seat")
        ax.scatter([p["lon"]], [p["lat"]], s=18 if big else 8, c="#333333", marker="o",
                   zorder=5, edgecolors="white", linewidths=0.4)
        ax.text(p["lon"], p["lat"] - (lat1 - lat0) * 0.006, p.get("name", ""), ha="center",
                va="top", fontsize=7.5 if big else 6.5, color="#444444", zorder=5,
                fontproperties=fp)


def _plume_path(ax: Any, ctx: SheetContext) -> LineCollection | None:
    """The path, coloured by arrival time; its collection feeds the colour scale."""
    segs, vals = _path_segments(ctx)
    if not len(segs):
        return None
    norm = Normalize(0, max(float(vals.max()) if vals.size else 1.0, 1.0))
    ax.add_collection(LineCollection(list(segs), colors="#222222", linewidths=6.2, zorder=9,
                                     capstyle="round"))
    lc = LineCollection(list(segs), cmap=ARRIVAL_CMAP, norm=norm, linewidths=4.2, zorder=10,
                        capstyle="round")
    lc.set_array(vals)
    ax.add_collection(lc)
    return lc


def _dispatch(ax: Any, ctx: SheetContext, depots: list[dict[str, Any]],
              teams: list[dict[str, Any]], ext: tuple[float, float, float, float]
              ) -> list[Label]:
    """Dispatch lines and sites; far sites are named at the edge. Returns their labels."""
    labels: list[Label] = []
    for rows, style, team in ((depots, DEPOT_STYLE, False), (teams, TEAM_STYLE, True)):
        for row in rows:
            site = ctx.site(row, team=team)
            if site is None:
                continue
            x, y = site
            tgt = ctx.target(row)
            if tgt is not None:
                ax.plot([x, tgt["lon"]], [y, tgt["lat"]], color=style["color"], lw=1.0,
                        ls=(0, (4, 2)), zorder=7, alpha=0.8)
            if inside((x, y), ext):
                ax.scatter([x], [y], marker=style["marker"], s=style["size"], c=style["color"],
                           edgecolors="white", linewidths=0.8, zorder=15)
                labels.append((x, y, ctx.name(row), {"fontsize": 7, "color": style["color"]}))
            elif tgt is not None:
                ex, ey = edge_point((tgt["lon"], tgt["lat"]), (x, y), ext)
                ax.scatter([ex], [ey], marker=style["marker"], s=style["size"] * 0.7,
                           c=style["color"], edgecolors="white", linewidths=0.8, zorder=15)
                dist = fmt_num(row.get("distance_km"), 3)
                labels.append((ex, ey, f"{ctx.name(row)} ({dist} km)",
                               {"fontsize": 6.5, "color": style["color"]}))
    return labels


def _receptor_marks(ax: Any, ctx: SheetContext, labels: list[Label]) -> None:
    """Receptors, numbered as in the table; intakes' labels placed first."""
    for i, r in enumerate(ctx.receptors(), start=1):
        st = KIND_STYLE.get(str(r.get("kind")), KIND_STYLE["confluence"])
        edge = "#d00000" if r.get("exceeds") and r.get("kind") == "water_source" else "white"
        ax.scatter([r["lon"]], [r["lat"]], marker=st["marker"], s=st["size"], c=st["color"],
                   edgecolors=edge, linewidths=1.2 if edge != "white" else 0.7, zorder=16)
        if r.get("kind") == "confluence":
            continue
        text = f"{i}"
        if r.get("kind") in ("water_source", "boundary"):
            text = f"{i} {ctx.name(r)}"
        labels.insert(0 if r.get("kind") == "water_source" else len(labels),
                      (r["lon"], r["lat"], text, {"fontsize": 7.5, "color": st["color"],
                                                   "fontweight": "bold"}))


def _legend_strip(fig: Any, ctx: SheetContext, lc: LineCollection | None, strip: float,
                  fp: Any) -> None:
    """The strip under the map: the legend, then the arrival colour scale."""
    def mark(marker: str, size: float, color: str, key: str, edge: str = "white") -> Line2D:
        return Line2D([], [], ls="", marker=marker, ms=size, mfc=color, mec=edge,
                      label=ctx.t(key))

    handles = [
        mark(INCIDENT_STYLE["marker"], 11, "#d00000", "map_legend_incident", "black"),
        mark("o", 7, KIND_STYLE["water_source"]["color"], "map_legend_ws"),
        mark("^", 7, KIND_STYLE["section"]["color"], "map_legend_section"),
        mark("D", 6, KIND_STYLE["interception"]["color"], "map_legend_ip"),
        mark("X", 7, KIND_STYLE["boundary"]["color"], "map_legend_boundary"),
        mark("s", 7, DEPOT_STYLE["color"], "map_legend_depot"),
        mark("p", 8, TEAM_STYLE["color"], "map_legend_team"),
        Line2D([], [], color="#444444", lw=1, ls=(0, (4, 2)),
               label=ctx.t("map_legend_dispatch")),
    ]
    fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.0, 0.0), ncol=4,
               prop=fp.copy() if fp else None, fontsize=7, frameon=False, borderpad=0.3,
               handlelength=1.4, columnspacing=1.0, labelspacing=0.3)
    for txt in fig.legends[-1].get_texts():
        txt.set_fontsize(7)
    if lc is None:
        return
    cax = fig.add_axes((0.66, strip * 0.22, 0.32, strip * 0.22))
    cb = fig.colorbar(lc, cax=cax, orientation="horizontal")
    cb.ax.tick_params(labelsize=6.5, length=2, pad=1)
    cb.outline.set_linewidth(0.5)
    cax.set_title(ctx.t("map_legend_path"), fontsize=7, fontproperties=fp, pad=2)
    for lbl in cb.ax.get_xticklabels():
        lbl.set_fontsize(6.5)

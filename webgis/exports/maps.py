"""Maps of a sheet, drawn server-side and offline from our own layers (matplotlib, Agg).

``situation_map``: admin boundaries, rivers, places, the incident, the path coloured by
arrival time, receptors numbered as in the receptor table, depots and teams with their
dispatch lines, a scale bar and a north arrow. ``sketch_map``: the schematic of sensitive
points along the river that the 2011 reporting measures (Art. 13) ask for.
Both return PNG bytes.
"""

from __future__ import annotations

import io
import math
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.colors import LinearSegmentedColormap, Normalize  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import FancyArrow, Polygon, Rectangle  # noqa: E402

from webgis.exports import fonts  # noqa: E402
from webgis.exports.context import (  # noqa: E402
    SheetContext,
    fmt_hours,
    fmt_num,
    fmt_peak,
)

MM = 1 / 25.4  # inches per mm
ARRIVAL_CMAP = LinearSegmentedColormap.from_list(
    "arrival", ["#c8102e", "#f07c00", "#8e3fa3", "#1f5fbf"]
)
KIND_STYLE = {
    "water_source": {"marker": "o", "color": "#0b62c4", "size": 70},
    "section": {"marker": "^", "color": "#1a8f3a", "size": 60},
    "interception": {"marker": "D", "color": "#e07000", "size": 46},
    "boundary": {"marker": "X", "color": "#6a1b9a", "size": 60},
    "confluence": {"marker": ".", "color": "#4a90c8", "size": 20},
}
DEPOT_STYLE = {"marker": "s", "color": "#14532d", "size": 64}
TEAM_STYLE = {"marker": "p", "color": "#7a4a00", "size": 70}
INCIDENT_STYLE = {"marker": "*", "color": "#d00000", "size": 340}
MAX_MAP_DEPOTS = 4
MAX_MAP_TEAMS = 3


def _fig(width_mm: float, height_mm: float, dpi: int) -> Figure:
    return Figure(figsize=(width_mm * MM, height_mm * MM), dpi=dpi)


def _png(fig: Figure, dpi: int, raw: bool = False):
    """PNG bytes, or (``raw``) a PIL image straight from the canvas (no PNG round trip)."""
    if raw:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from PIL import Image

        canvas = FigureCanvasAgg(fig)
        fig.set_dpi(dpi)
        canvas.draw()
        img = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba())
        plt.close(fig)
        return img.convert("RGB")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    plt.close(fig)
    return buf.getvalue()


def _all_text(ctx: SheetContext) -> str:
    parts = [ctx.river_name, ctx.t("north"), ctx.t("km"), ctx.t("arrival_h")]
    parts += [ctx.name(r) for r in ctx.receptors()]
    parts += [ctx.name(d) for d in ctx.depots[:MAX_MAP_DEPOTS]]
    parts += [ctx.name(t) for t in ctx.teams[:MAX_MAP_TEAMS]]
    parts += [p.get("name", "") for p in ctx.layers.places]
    parts += [r.get("name", "") for r in ctx.layers.rivers]
    parts += [f.get("river_name") or "" for f in _path_features(ctx)]
    for key in ("map_legend_incident", "map_legend_path", "map_legend_ws", "map_legend_section",
                "map_legend_ip", "map_legend_depot", "map_legend_team", "map_legend_boundary",
                "map_legend_dispatch", "sketch_axis", "sketch_start", "exceed_mark"):
        parts.append(ctx.t(key))
    return "".join(parts)


def _path_features(ctx: SheetContext) -> list[dict[str, Any]]:
    path = ctx.result.get("path") or {}
    feats = path.get("features") if isinstance(path, dict) else None
    return [f for f in (feats or []) if (f.get("geometry") or {}).get("coordinates")]


def _path_segments(ctx: SheetContext) -> tuple[np.ndarray, np.ndarray]:
    """Line segments of the path and the arrival time (h) at each segment's middle."""
    feats = _path_features(ctx)
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
    for f in _path_features(ctx):
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


def _nice(x: float) -> float:
    exp = 10 ** math.floor(math.log10(x))
    for m in (1, 2, 5, 10):
        if m * exp >= x:
            return m * exp
    return 10 * exp


def _scale_bar(ax, ext, fp, km_label: str) -> None:
    lon0, lon1, lat0, lat1 = ext
    k = math.cos(math.radians((lat0 + lat1) / 2))
    width_km = (lon1 - lon0) * 111.32 * k
    length = _nice(width_km / 6)
    dlon = length / (111.32 * k)
    x = lon0 + (lon1 - lon0) * 0.04
    y = lat0 + (lat1 - lat0) * 0.05
    hgt = (lat1 - lat0) * 0.012
    ax.add_patch(Rectangle((x - dlon * 0.12, y - hgt * 2.2), dlon * 1.45, hgt * 6.4,
                           facecolor="white", edgecolor="none", alpha=0.85, zorder=20))
    for i in range(4):
        ax.add_patch(Rectangle((x + i * dlon / 4, y), dlon / 4, hgt,
                               facecolor="black" if i % 2 == 0 else "white",
                               edgecolor="black", linewidth=0.6, zorder=21))
    for frac, txt in ((0, "0"), (0.5, fmt_num(length / 2)), (1, fmt_num(length))):
        ax.text(x + frac * dlon, y + hgt * 1.6, txt, ha="center", va="bottom", fontsize=7,
                zorder=22, fontproperties=fp)
    ax.text(x + dlon * 1.08, y + hgt / 2, km_label, ha="left", va="center", fontsize=7,
            zorder=22, fontproperties=fp)


def _north_arrow(ax, ext, fp, label: str) -> None:
    lon0, lon1, lat0, lat1 = ext
    x = lon1 - (lon1 - lon0) * 0.05
    y = lat1 - (lat1 - lat0) * 0.20
    h = (lat1 - lat0) * 0.10
    w = h * 0.45 / max(ax.get_aspect() if isinstance(ax.get_aspect(), float) else 1.0, 1e-6)
    ax.add_patch(Polygon([(x, y + h), (x - w / 2, y), (x, y + h * 0.3)], closed=True,
                         facecolor="black", edgecolor="black", linewidth=0.8, zorder=21))
    ax.add_patch(Polygon([(x, y + h), (x + w / 2, y), (x, y + h * 0.3)], closed=True,
                         facecolor="white", edgecolor="black", linewidth=0.8, zorder=21))
    ax.text(x, y + h * 1.08, label, ha="center", va="bottom", fontsize=10, fontweight="bold",
            zorder=22, fontproperties=fp)


def _lines(geoms: list[dict[str, Any]]) -> list[np.ndarray]:
    """Every ring or line of some GeoJSON geometries, as (n, 2) arrays."""
    out: list[np.ndarray] = []
    for geom in geoms:
        kind = (geom or {}).get("type")
        coords = (geom or {}).get("coordinates") or []
        if kind == "Polygon":
            parts = coords
        elif kind == "MultiPolygon":
            parts = [ring for poly in coords for ring in poly]
        elif kind == "LineString":
            parts = [coords]
        elif kind == "MultiLineString":
            parts = coords
        elif kind == "GeometryCollection":
            out += _lines(geom.get("geometries") or [])
            continue
        else:
            continue
        out += [np.asarray(p, dtype=float)[:, :2] for p in parts if len(p) > 1]
    return out


def _place_labels(ax, items: list[tuple[float, float, str, dict]], ext, width_mm: float,
                  fp) -> None:
    """Greedy label placement: the first of 8 offsets that overlaps no earlier label."""
    lon0, lon1, lat0, lat1 = ext
    mm_x = (lon1 - lon0) / width_mm  # degrees of lon per mm on paper
    aspect = ax.get_aspect() if isinstance(ax.get_aspect(), float) else 1.0
    mm_y = mm_x * aspect
    taken: list[tuple[float, float, float, float]] = []
    offsets = [(1, 0.2), (1, -1.2), (-1, 0.2), (-1, -1.2), (0, 1.1), (0, -2.4), (1.6, 1.2),
               (-1.6, -2.2)]
    for x, y, text, style in items:
        size = style.get("fontsize", 7)
        cw = size * 0.3528 * 0.95  # mm per CJK character at this size
        w = sum(cw if ord(ch) > 0x2E80 else cw * 0.55 for ch in text) + 0.6
        h = size * 0.3528 * 1.25
        best = None
        for dx, dy in offsets:
            gap = 1.6
            lx = x + dx * gap * mm_x
            if dx < 0:
                lx -= w * mm_x
            elif dx == 0:
                lx -= w * mm_x / 2
            ly = y + dy * h * mm_y
            box = (lx, ly, lx + w * mm_x, ly + h * mm_y)
            inside = box[0] > lon0 and box[2] < lon1 and box[1] > lat0 and box[3] < lat1
            clash = any(not (box[2] < b[0] or box[0] > b[2] or box[3] < b[1] or box[1] > b[3])
                        for b in taken)
            if inside and not clash:
                best = box
                break
            if best is None and inside:
                best = box
        if best is None:
            continue
        taken.append(best)
        ax.text(best[0], best[1], text, ha="left", va="bottom", zorder=30, fontproperties=fp,
                fontsize=size, color=style.get("color", "black"),
                fontweight=style.get("fontweight", "normal"),
                bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "alpha": 0.8,
                      "edgecolor": "none"})


def _edge_point(inside: tuple[float, float], outside: tuple[float, float],
                ext: tuple[float, float, float, float], inset: float = 0.03):
    """Where the segment from ``inside`` to ``outside`` leaves the (inset) extent."""
    lon0, lon1, lat0, lat1 = ext
    dx, dy = (lon1 - lon0) * inset, (lat1 - lat0) * inset
    box = (lon0 + dx, lon1 - dx, lat0 + dy, lat1 - dy)
    (x0, y0), (x1, y1) = inside, outside
    t = 1.0
    for p, q, lo, hi in ((x0, x1, box[0], box[1]), (y0, y1, box[2], box[3])):
        d = q - p
        if d > 0 and q > hi:
            t = min(t, (hi - p) / d)
        elif d < 0 and q < lo:
            t = min(t, (lo - p) / d)
    t = max(t, 0.0)
    return x0 + (x1 - x0) * t, y0 + (y1 - y0) * t


def _inside(pt: tuple[float, float], ext: tuple[float, float, float, float]) -> bool:
    return ext[0] < pt[0] < ext[1] and ext[2] < pt[1] < ext[3]


def situation_map(ctx: SheetContext, width_mm: float = 180, height_mm: float = 120,
                  dpi: int = 200, raw: bool = False):
    """The situation map as PNG bytes (or a PIL image with ``raw``).

    The map frames the path and its receptors; depots and teams close to it are framed
    too, farther ones are named at the map edge where their dispatch line leaves it.
    A strip under the map holds the legend and the arrival-time colour scale.
    """
    fp = fonts.matplotlib_font(_all_text(ctx))
    fig = _fig(width_mm, height_mm, dpi)
    strip_mm = 15.0
    strip = strip_mm / height_mm
    ax = fig.add_axes((0, strip, 1, 1 - strip))
    aspect = width_mm / (height_mm - strip_mm)
    depots = [d for d in ctx.depots[:MAX_MAP_DEPOTS] if ctx.site(d)]
    teams = [t for t in ctx.teams[:MAX_MAP_TEAMS] if ctx.site(t, team=True)]
    sites = [ctx.site(d) for d in depots] + [ctx.site(t, team=True) for t in teams]
    core = _extent(ctx, aspect, [])
    w, h = core[1] - core[0], core[3] - core[2]
    near_box = (core[0] - w * 0.35, core[1] + w * 0.35, core[2] - h * 0.35, core[3] + h * 0.35)
    ext = _extent(ctx, aspect, [s for s in sites if _inside(s, near_box)])
    lon0, lon1, lat0, lat1 = ext
    k = math.cos(math.radians((lat0 + lat1) / 2))
    ax.set_xlim(lon0, lon1)
    ax.set_ylim(lat0, lat1)
    ax.set_aspect(1 / k, adjustable="datalim")
    ax.set_facecolor("#fbfaf6")
    ax.set_xticks([])
    ax.set_yticks([])

    # base layers
    prov = [a["geometry"] for a in ctx.layers.admin if a.get("level") == "province"]
    pref = [a["geometry"] for a in ctx.layers.admin if a.get("level") != "province"]
    ax.add_collection(LineCollection(_lines(pref), colors="#9a9a9a", linewidths=0.6,
                                     linestyles=(0, (3, 2)), zorder=2))
    ax.add_collection(LineCollection(_lines(prov), colors="#555555", linewidths=1.4,
                                     linestyles=(0, (6, 2, 1, 2)), zorder=3))
    river_lines: list[np.ndarray] = []
    river_widths: list[float] = []
    for r in ctx.layers.rivers:
        q = float(r.get("discharge_m3s") or 1.0)
        lines = _lines([r["geometry"]])
        river_lines += lines
        river_widths += [0.5 + min(math.log10(max(q, 1.0)), 3.0) * 0.7] * len(lines)
    ax.add_collection(LineCollection(river_lines, colors="#8cc4ec", linewidths=river_widths,
                                     zorder=4))
    for p in ctx.layers.places:
        if not _inside((p["lon"], p["lat"]), ext):
            continue
        big = p.get("kind") in ("capital", "prefecture_seat")
        ax.scatter([p["lon"]], [p["lat"]], s=18 if big else 8, c="#333333", marker="o",
                   zorder=5, edgecolors="white", linewidths=0.4)
        ax.text(p["lon"], p["lat"] - (lat1 - lat0) * 0.006, p.get("name", ""), ha="center",
                va="top", fontsize=7.5 if big else 6.5, color="#444444", zorder=5,
                fontproperties=fp)

    # the path, coloured by arrival time
    segs, vals = _path_segments(ctx)
    norm = Normalize(0, max(float(vals.max()) if vals.size else 1.0, 1.0))
    lc = None
    if len(segs):
        ax.add_collection(LineCollection(segs, colors="#222222", linewidths=6.2, zorder=9,
                                         capstyle="round"))
        lc = LineCollection(segs, cmap=ARRIVAL_CMAP, norm=norm, linewidths=4.2, zorder=10,
                            capstyle="round")
        lc.set_array(vals)
        ax.add_collection(lc)

    # dispatch lines and sites (far ones named at the edge)
    labels: list[tuple[float, float, str, dict]] = []
    for rows, style, team in ((depots, DEPOT_STYLE, False), (teams, TEAM_STYLE, True)):
        for row in rows:
            x, y = ctx.site(row, team=team)
            tgt = ctx.target(row)
            if tgt is not None:
                ax.plot([x, tgt["lon"]], [y, tgt["lat"]], color=style["color"], lw=1.0,
                        ls=(0, (4, 2)), zorder=7, alpha=0.8)
            if _inside((x, y), ext):
                ax.scatter([x], [y], marker=style["marker"], s=style["size"], c=style["color"],
                           edgecolors="white", linewidths=0.8, zorder=15)
                labels.append((x, y, ctx.name(row), {"fontsize": 7, "color": style["color"]}))
            elif tgt is not None:
                ex, ey = _edge_point((tgt["lon"], tgt["lat"]), (x, y), ext)
                ax.scatter([ex], [ey], marker=style["marker"], s=style["size"] * 0.7,
                           c=style["color"], edgecolors="white", linewidths=0.8, zorder=15)
                dist = fmt_num(row.get("distance_km"), 3)
                labels.append((ex, ey, f"{ctx.name(row)} ({dist} km)",
                               {"fontsize": 6.5, "color": style["color"]}))

    # receptors, numbered as in the table
    for i, r in enumerate(ctx.receptors(), start=1):
        st = KIND_STYLE.get(r.get("kind"), KIND_STYLE["confluence"])
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

    lon, lat = ctx.location
    if math.isfinite(lon):
        ax.scatter([lon], [lat], marker=INCIDENT_STYLE["marker"], s=INCIDENT_STYLE["size"],
                   c=INCIDENT_STYLE["color"], edgecolors="black", linewidths=0.8, zorder=25)
        labels.insert(0, (lon, lat, ctx.t("map_legend_incident"),
                          {"fontsize": 8.5, "color": "#b00000", "fontweight": "bold"}))
    _place_labels(ax, labels, ext, width_mm, fp)

    _scale_bar(ax, ext, fp, ctx.t("km"))
    _north_arrow(ax, ext, fp, ctx.t("north"))
    for spine in ax.spines.values():
        spine.set_linewidth(0.8)

    # the strip: legend, then the arrival colour scale
    handles = [
        Line2D([], [], ls="", marker=INCIDENT_STYLE["marker"], ms=11, mfc="#d00000",
               mec="black", label=ctx.t("map_legend_incident")),
        Line2D([], [], ls="", marker="o", ms=7, mfc=KIND_STYLE["water_source"]["color"],
               mec="white", label=ctx.t("map_legend_ws")),
        Line2D([], [], ls="", marker="^", ms=7, mfc=KIND_STYLE["section"]["color"],
               mec="white", label=ctx.t("map_legend_section")),
        Line2D([], [], ls="", marker="D", ms=6, mfc=KIND_STYLE["interception"]["color"],
               mec="white", label=ctx.t("map_legend_ip")),
        Line2D([], [], ls="", marker="X", ms=7, mfc=KIND_STYLE["boundary"]["color"],
               mec="white", label=ctx.t("map_legend_boundary")),
        Line2D([], [], ls="", marker="s", ms=7, mfc=DEPOT_STYLE["color"], mec="white",
               label=ctx.t("map_legend_depot")),
        Line2D([], [], ls="", marker="p", ms=8, mfc=TEAM_STYLE["color"], mec="white",
               label=ctx.t("map_legend_team")),
        Line2D([], [], color="#444444", lw=1, ls=(0, (4, 2)),
               label=ctx.t("map_legend_dispatch")),
    ]
    fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.0, 0.0), ncol=4,
               prop=fp.copy() if fp else None, fontsize=7, frameon=False, borderpad=0.3,
               handlelength=1.4, columnspacing=1.0, labelspacing=0.3)
    for txt in fig.legends[-1].get_texts():
        txt.set_fontsize(7)
    if lc is not None:
        cax = fig.add_axes((0.66, strip * 0.22, 0.32, strip * 0.22))
        cb = fig.colorbar(lc, cax=cax, orientation="horizontal")
        cb.ax.tick_params(labelsize=6.5, length=2, pad=1)
        cb.outline.set_linewidth(0.5)
        cax.set_title(ctx.t("map_legend_path"), fontsize=7, fontproperties=fp, pad=2)
        for lbl in cb.ax.get_xticklabels():
            lbl.set_fontsize(6.5)
    return _png(fig, dpi, raw)


def sketch_map(ctx: SheetContext, width_mm: float = 180, height_mm: float = 150,
               dpi: int = 200, raw: bool = False):
    """The schematic of sensitive points (Art. 13): the river top to bottom, one node each.

    Intakes, sections, interception points and boundary crossings in downstream order at
    even spacing; confluences change the river's name. Left: river km and the expected
    arrival (clock time); right: the name, the peak and whether it exceeds its limit.
    """
    fp = fonts.matplotlib_font(_all_text(ctx))
    rows = ctx.receptors(("water_source", "section", "interception", "boundary"))
    conf = ctx.receptors(("confluence",))
    n = max(len(rows), 1)
    fig = _fig(width_mm, height_mm, dpi)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width_mm)
    ax.set_ylim(height_mm, 0)
    ax.axis("off")
    x_river = width_mm * 0.30
    top, bottom = 14.0, height_mm - 6.0
    step = (bottom - top) / n
    ys = [top + step * (i + 0.5) for i in range(len(rows))]

    # the river line, split at confluences where the river changes name
    kms = [r["river_km"] for r in rows]

    def y_at(km: float) -> float:
        if not kms:
            return top
        if km <= kms[0]:
            return top + (ys[0] - top) * (km / kms[0] if kms[0] > 0 else 1)
        for (k0, y0), (k1, y1) in zip(zip(kms, ys, strict=True), zip(kms[1:], ys[1:],
                                                                           strict=True),
                                      strict=False):
            if k0 <= km <= k1:
                return y0 + (y1 - y0) * ((km - k0) / (k1 - k0) if k1 > k0 else 0.5)
        return ys[-1] + min((km - kms[-1]) * 0.2, step * 0.4)

    ax.add_patch(FancyArrow(x_river, top - 4, 0, bottom - top + 4, width=1.6,
                            head_width=4.5, head_length=3.5, length_includes_head=True,
                            color="#5aa0dc", zorder=1))
    river = ctx.river_name
    ax.text(x_river + 2.5, top - 6.5, river, fontsize=8, color="#0b4f8a", va="center",
            fontproperties=fp, fontweight="bold")
    gaps: dict[int, int] = {}
    for c in conf:
        # in the gap between the two rows around it, never over a row's text
        k = sum(1 for km in kms if km <= c["river_km"])
        prev_y = ys[k - 1] if k > 0 else top - 4
        next_y = ys[k] if k < len(ys) else prev_y + step
        n = gaps.get(k, 0)
        gaps[k] = n + 1
        y = (prev_y + next_y) / 2 + (n - 0.5) * 2.4 * (1 if gaps[k] > 1 else 0)
        side = -1 if n % 2 == 0 else 1
        ax.plot([x_river + side * 7, x_river], [y - 1.2, y], color="#5aa0dc", lw=1.4, zorder=1)
        ax.text(x_river + side * 8, y - 1.2, ctx.name(c), ha="right" if side < 0 else "left",
                va="center", fontsize=6.5, color="#0b4f8a", fontproperties=fp)

    # the incident
    ax.scatter([x_river], [top - 4], marker="*", s=260, c="#d00000", edgecolors="black",
               linewidths=0.7, zorder=5)
    ax.text(x_river - 4, top - 4, f"{ctx.t('sketch_start')} 0 km  {ctx.clock(0)}",
            ha="right", va="center", fontsize=8, fontweight="bold", color="#b00000",
            fontproperties=fp)

    for r, y in zip(rows, ys, strict=True):
        st = KIND_STYLE.get(r["kind"], KIND_STYLE["confluence"])
        ax.scatter([x_river], [y], marker=st["marker"], s=st["size"] * 1.3, c=st["color"],
                   edgecolors="white", linewidths=0.8, zorder=4)
        worst = r.get("worst") or {}
        left = f"{fmt_num(r['river_km'], 3)} km  {ctx.clock(r.get('arrival_h'))}"
        ax.text(x_river - 4, y - 1.2, left, ha="right", va="center", fontsize=7.5,
                fontproperties=fp)
        ax.text(x_river - 4, y + 2.2,
                f"{fmt_hours(r.get('arrival_h'))} h ({fmt_hours(worst.get('arrival_h'))})",
                ha="right", va="center", fontsize=6.5, color="#555555", fontproperties=fp)
        kind = ctx.t(f"kind_{r['kind']}")
        ax.text(x_river + 4, y - 1.2, f"[{kind}] {ctx.name(r)}", ha="left", va="center",
                fontsize=8, fontproperties=fp,
                fontweight="bold" if r["kind"] == "water_source" else "normal")
        note = ctx.sensitive_notes.get(r.get("code", ""), "")
        peak = (ctx.t("sketch_peak_oil", peak=fmt_num(r.get("peak_conc_mgl"))) if ctx.slick
                else ctx.t("sketch_peak", peak=fmt_peak(ctx, r)))
        slick = r.get("slick")
        if isinstance(slick, dict):  # a floating oil: the slick first
            peak = ctx.t("sketch_slick", arr=ctx.clock(slick.get("arrival_h")),
                         len=fmt_num(slick.get("length_km"))) + "  " + peak
        if r.get("limit_mgl"):
            peak += ctx.t("sketch_limit", limit=fmt_num(r.get("limit_mgl")))
        exceed = r.get("exceeds")
        ax.text(x_river + 4, y + 2.2, peak + (f"  {note}" if note else ""), ha="left",
                va="center", fontsize=6.5, color="#c00000" if exceed else "#444444",
                fontproperties=fp)
        if exceed:
            ax.text(width_mm - 3, y - 1.2, ctx.t("exceed_mark"), ha="right", va="center",
                    fontsize=7, color="white", fontproperties=fp,
                    bbox={"boxstyle": "round,pad=0.2", "facecolor": "#c00000",
                          "edgecolor": "none"})
        if r["kind"] == "boundary":
            yb = y - step / 2 + 0.6
            ax.plot([6, width_mm - 6], [yb, yb], color="#6a1b9a", lw=0.8, ls=(0, (5, 3)),
                    zorder=0)
    return _png(fig, dpi, raw)

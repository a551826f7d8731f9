"""Drawing parts shared by the sheet's maps (matplotlib, Agg): figures, PNG output, styles,
the scale bar, the north arrow, GeoJSON lines, label placement and clipping at the frame."""

from __future__ import annotations

import io
import math
from typing import Any, TypedDict

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import LinearSegmentedColormap  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Polygon, Rectangle  # noqa: E402

from webgis.exports.context import SheetContext, fmt_num  # noqa: E402

MM = 1 / 25.4  # inches per mm
ARRIVAL_CMAP = LinearSegmentedColormap.from_list(
    "arrival", ["#c8102e", "#f07c00", "#8e3fa3", "#1f5fbf"]
)


class MarkStyle(TypedDict):
    """How a kind of point is drawn: matplotlib marker, colour, area (pt²)."""

    marker: str
    color: str
    size: float


KIND_STYLE: dict[str, MarkStyle] = {
    "water_source": {"marker": "o", "color": "#0b62c4", "size": 70},
    "section": {"marker": "^", "color": "#1a8f3a", "size": 60},
    "interception": {"marker": "D", "color": "#e07000", "size": 46},
    "boundary": {"marker": "X", "color": "#6a1b9a", "size": 60},
    "confluence": {"marker": ".", "color": "#4a90c8", "size": 20},
}
DEPOT_STYLE: MarkStyle = {"marker": "s", "color": "#14532d", "size": 64}
TEAM_STYLE: MarkStyle = {"marker": "p", "color": "#7a4a00", "size": 70}
INCIDENT_STYLE: MarkStyle = {"marker": "*", "color": "#d00000", "size": 340}
MAX_MAP_DEPOTS = 4
MAX_MAP_TEAMS = 3



def new_figure(width_mm: float, height_mm: float, dpi: int) -> Figure:
    return Figure(figsize=(width_mm * MM, height_mm * MM), dpi=dpi)


def to_png(fig: Figure, dpi: int, raw: bool = False):
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


def map_text(ctx: SheetContext) -> str:
    """Every text the maps may draw (the font subset covers them)."""
    parts = [ctx.river_name, ctx.t("north"), ctx.t("km"), ctx.t("arrival_h")]
    parts += [ctx.name(r) for r in ctx.receptors()]
    parts += [ctx.name(d) for d in ctx.depots[:MAX_MAP_DEPOTS]]
    parts += [ctx.name(t) for t in ctx.teams[:MAX_MAP_TEAMS]]
    parts += [p.get("name", "") for p in ctx.layers.places]
    parts += [r.get("name", "") for r in ctx.layers.rivers]
    parts += [f.get("river_name") or "" for f in path_features(ctx)]
    for key in ("map_legend_incident", "map_legend_path", "map_legend_ws", "map_legend_section",
                "map_legend_ip", "map_legend_depot", "map_legend_team", "map_legend_boundary",
                "map_legend_dispatch", "sketch_axis", "sketch_start", "exceed_mark"):
        parts.append(ctx.t(key))
    return "".join(parts)


def path_features(ctx: SheetContext) -> list[dict[str, Any]]:
    path = ctx.result.get("path") or {}
    feats = path.get("features") if isinstance(path, dict) else None
    return [f for f in (feats or []) if (f.get("geometry") or {}).get("coordinates")]


def nice_length(x: float) -> float:
    exp = 10 ** math.floor(math.log10(x))
    for m in (1, 2, 5, 10):
        if m * exp >= x:
            return m * exp
    return 10 * exp


def scale_bar(ax, ext, fp, km_label: str) -> None:
    lon0, lon1, lat0, lat1 = ext
    k = math.cos(math.radians((lat0 + lat1) / 2))
    width_km = (lon1 - lon0) * 111.32 * k
    length = nice_length(width_km / 6)
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


def north_arrow(ax, ext, fp, label: str) -> None:
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


def geometry_lines(geoms: list[dict[str, Any]]) -> list[np.ndarray]:
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
            out += geometry_lines(geom.get("geometries") or [])
            continue
        else:
            continue
        out += [np.asarray(p, dtype=float)[:, :2] for p in parts if len(p) > 1]
    return out


def place_labels(ax, items: list[tuple[float, float, str, dict]], ext, width_mm: float,
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


def edge_point(inside: tuple[float, float], outside: tuple[float, float],
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


def inside(pt: tuple[float, float], ext: tuple[float, float, float, float]) -> bool:
    return ext[0] < pt[0] < ext[1] and ext[2] < pt[1] < ext[3]

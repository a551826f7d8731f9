"""The sketch map of sensitive points that the 2011 reporting measures (Art. 13) ask for:
the river top to bottom, one node per intake, section, interception point or boundary
crossing, drawn offline with matplotlib. Returns PNG bytes (or a PIL image)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from matplotlib.patches import FancyArrow

from webgis.exports import fonts
from webgis.exports.context import SheetContext, fmt_hours, fmt_num, fmt_peak
from webgis.exports.mapkit import KIND_STYLE, map_text, new_figure, to_png


@dataclass
class _Axis:
    """Where the river runs on the page: its x, the first and last row, one row's step and
    each row's y (in mm, y growing downwards)."""

    x: float
    top: float
    bottom: float
    step: float
    kms: list[float]
    ys: list[float]


def sketch_map(ctx: SheetContext, width_mm: float = 180, height_mm: float = 150,
               dpi: int = 200, raw: bool = False):
    """The schematic of sensitive points (Art. 13): the river top to bottom, one node each.

    Intakes, sections, interception points and boundary crossings in downstream order at
    even spacing; confluences change the river's name. Left: river km and the expected
    arrival (clock time); right: the name, the peak and whether it exceeds its limit.
    """
    fp = fonts.matplotlib_font(map_text(ctx))
    rows = ctx.receptors(("water_source", "section", "interception", "boundary"))
    fig = new_figure(width_mm, height_mm, dpi)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width_mm)
    ax.set_ylim(height_mm, 0)
    ax.axis("off")
    top, bottom = 14.0, height_mm - 6.0
    step = (bottom - top) / max(len(rows), 1)
    axis = _Axis(width_mm * 0.30, top, bottom, step, [r["river_km"] for r in rows],
                 [top + step * (i + 0.5) for i in range(len(rows))])
    _river(ax, ctx, axis, fp)
    _confluences(ax, ctx, axis, fp)
    for r, y in zip(rows, axis.ys, strict=True):
        _row(ax, ctx, r, y, axis, width_mm, fp)
    return to_png(fig, dpi, raw)


def _river(ax: Any, ctx: SheetContext, axis: _Axis, fp: Any) -> None:
    """The river as a downward arrow, its name, and the incident at the top."""
    x, top = axis.x, axis.top
    ax.add_patch(FancyArrow(x, top - 4, 0, axis.bottom - top + 4, width=1.6,
                            head_width=4.5, head_length=3.5, length_includes_head=True,
                            color="#5aa0dc", zorder=1))
    ax.text(x + 2.5, top - 6.5, ctx.river_name, fontsize=8, color="#0b4f8a", va="center",
            fontproperties=fp, fontweight="bold")
    ax.scatter([x], [top - 4], marker="*", s=260, c="#d00000", edgecolors="black",
               linewidths=0.7, zorder=5)
    ax.text(x - 4, top - 4, f"{ctx.t('sketch_start')} 0 km  {ctx.clock(0)}",
            ha="right", va="center", fontsize=8, fontweight="bold", color="#b00000",
            fontproperties=fp)


def _confluences(ax: Any, ctx: SheetContext, axis: _Axis, fp: Any) -> None:
    """Each confluence in the gap between the two rows around it, never over a row's text;
    several in one gap alternate sides."""
    kms, ys, x = axis.kms, axis.ys, axis.x
    gaps: dict[int, int] = {}
    for c in ctx.receptors(("confluence",)):
        k = sum(1 for km in kms if km <= c["river_km"])
        prev_y = ys[k - 1] if k > 0 else axis.top - 4
        next_y = ys[k] if k < len(ys) else prev_y + axis.step
        n = gaps.get(k, 0)
        gaps[k] = n + 1
        y = (prev_y + next_y) / 2 + (n - 0.5) * 2.4 * (1 if gaps[k] > 1 else 0)
        side = -1 if n % 2 == 0 else 1
        ax.plot([x + side * 7, x], [y - 1.2, y], color="#5aa0dc", lw=1.4, zorder=1)
        ax.text(x + side * 8, y - 1.2, ctx.name(c), ha="right" if side < 0 else "left",
                va="center", fontsize=6.5, color="#0b4f8a", fontproperties=fp)


def _peak_text(ctx: SheetContext, r: dict[str, Any]) -> str:
    """The row's peak (for a floating oil the slick first), with its limit."""
    peak = (ctx.t("sketch_peak_oil", peak=fmt_num(r.get("peak_conc_mgl"))) if ctx.slick
            else ctx.t("sketch_peak", peak=fmt_peak(ctx, r)))
    slick = r.get("slick")
    if isinstance(slick, dict):
        peak = ctx.t("sketch_slick", arr=ctx.clock(slick.get("arrival_h")),
                     len=fmt_num(slick.get("length_km"))) + "  " + peak
    if r.get("limit_mgl"):
        peak += ctx.t("sketch_limit", limit=fmt_num(r.get("limit_mgl")))
    return peak


def _row(ax: Any, ctx: SheetContext, r: dict[str, Any], y: float, axis: _Axis,
         width_mm: float, fp: Any) -> None:
    """One sensitive point: km and arrival on the left, kind, name and peak on the right."""
    x = axis.x
    st = KIND_STYLE.get(r["kind"], KIND_STYLE["confluence"])
    ax.scatter([x], [y], marker=st["marker"], s=st["size"] * 1.3, c=st["color"],
               edgecolors="white", linewidths=0.8, zorder=4)
    worst = r.get("worst") or {}
    left = f"{fmt_num(r['river_km'], 3)} km  {ctx.clock(r.get('arrival_h'))}"
    ax.text(x - 4, y - 1.2, left, ha="right", va="center", fontsize=7.5, fontproperties=fp)
    ax.text(x - 4, y + 2.2,
            f"{fmt_hours(r.get('arrival_h'))} h ({fmt_hours(worst.get('arrival_h'))})",
            ha="right", va="center", fontsize=6.5, color="#555555", fontproperties=fp)
    kind = ctx.t(f"kind_{r['kind']}")
    ax.text(x + 4, y - 1.2, f"[{kind}] {ctx.name(r)}", ha="left", va="center",
            fontsize=8, fontproperties=fp,
            fontweight="bold" if r["kind"] == "water_source" else "normal")
    note = ctx.sensitive_notes.get(r.get("code", ""), "")
    exceed = r.get("exceeds")
    ax.text(x + 4, y + 2.2, _peak_text(ctx, r) + (f"  {note}" if note else ""), ha="left",
            va="center", fontsize=6.5, color="#c00000" if exceed else "#444444",
            fontproperties=fp)
    if exceed:
        ax.text(width_mm - 3, y - 1.2, ctx.t("exceed_mark"), ha="right", va="center",
                fontsize=7, color="white", fontproperties=fp,
                bbox={"boxstyle": "round,pad=0.2", "facecolor": "#c00000",
                      "edgecolor": "none"})
    if r["kind"] == "boundary":
        yb = y - axis.step / 2 + 0.6
        ax.plot([6, width_mm - 6], [yb, yb], color="#6a1b9a", lw=0.8, ls=(0, (5, 3)),
                zorder=0)

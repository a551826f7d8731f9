"""GCJ-02 ("Mars coordinates"), the shifted datum of Chinese web maps (Gaode/AMap, Tencent,
Google China), and its inverse.

A department that digitised its survey on such a map has coordinates shifted from WGS84
by tens to hundreds of metres (over the Gansu box 20-500 m, median about 200 m, mostly
east). The forward transform is the widely published reimplementation of the obfuscation
(the same constants as the open-source `eviltransform` / `coordtransform` libraries:
Krasovsky 1940 ellipsoid, a = 6378245 m, ee = 0.00669342162296594323). There is no
closed-form inverse; `to_wgs84` iterates the forward transform (fixed point), which
converges to better than 1e-7 degrees (about a centimetre) in a few steps, far below the
obfuscation's own noise.
"""

from __future__ import annotations

import math

A_M = 6378245.0
EE = 0.00669342162296594323


def _outside_china(lon: float, lat: float) -> bool:
    """The shift is applied only inside China's rough box (the published rule)."""
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _d_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _d_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def from_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """WGS84 → GCJ-02 (what a Chinese web map shows for a true position)."""
    if _outside_china(lon, lat):
        return lon, lat
    d_lat = _d_lat(lon - 105.0, lat - 35.0)
    d_lon = _d_lon(lon - 105.0, lat - 35.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((A_M * (1 - EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (A_M / sqrt_magic * math.cos(rad) * math.pi)
    return lon + d_lon, lat + d_lat


def to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """GCJ-02 → WGS84 by fixed-point iteration of `from_wgs84` (error < 1e-7°)."""
    x, y = lon, lat
    for _ in range(30):
        fx, fy = from_wgs84(x, y)
        dx, dy = fx - lon, fy - lat
        x, y = x - dx, y - dy
        if abs(dx) < 1e-9 and abs(dy) < 1e-9:
            break
    return x, y
